"""The adgangslog's repository (`store/access_log.py`) on SQLite and PostgreSQL, and its command
line (`db adgangslog`, `db adgangslog-purge`, `db export` logging itself)."""

from __future__ import annotations

import datetime as dt
import json

from click.testing import CliRunner

from kompetenceplan.actor import Actor, local_actor
from kompetenceplan.cli import main
from kompetenceplan.store import access_log
from kompetenceplan.store.tables import access_log as table

from .register_fixtures import ACTOR

RITA = Actor(id="rita-sub", name="Rita Rådgiver", kind="person", roles=frozenset({"rådgiver"}))


def test_rows_are_appended_per_distinct_case_and_read_back_per_case(migrated_url: str, open_register) -> None:
    """One row per distinct case reference, with who, what, route, channel and address."""
    reg = open_register(migrated_url)
    assert access_log.record(reg.engine, RITA, "læst", "dagsordenspunkt", ["S-1", "S-2", "S-1", ""], route="/moede/{meeting_id}", channel="web", client_address="127.0.0.1") == 2
    access_log.record(reg.engine, local_actor(), "ændret", "routing", ["S-1"], route="/register/route", channel="api")
    rows = access_log.for_case(reg.engine, "S-1")
    assert [(r.actor_id, r.actor_kind, r.action, r.subject, r.route, r.channel, r.client_address) for r in rows] == [
        ("rita-sub", "person", "læst", "dagsordenspunkt", "/moede/{meeting_id}", "web", "127.0.0.1"),
        (local_actor().id, "local", "ændret", "routing", "/register/route", "api", None),
    ]
    assert [r.case_ref for r in access_log.for_case(reg.engine, "S-2")] == ["S-2"]
    assert all(r.logged_at.tzinfo is not None or reg.engine.url.get_backend_name() == "sqlite" for r in rows)


def test_the_module_offers_no_way_to_change_a_row() -> None:
    """Append-only: the repository inserts, reads and purges by age; nothing updates a row."""
    public = {name for name in vars(access_log) if not name.startswith("_") and callable(getattr(access_log, name))}
    assert {"record", "for_case", "all_rows", "purge"} <= public
    assert not any(word in name for name in public for word in ("update", "edit", "change", "delete_row"))


def test_purge_keeps_the_rows_from_the_date_on_and_the_register_purge_keeps_them_all(migrated_url: str, open_register) -> None:
    """The log's own retention deletes older rows only; Register.purge never touches the log."""
    reg = open_register(migrated_url)
    access_log.record(reg.engine, RITA, "læst", "afgørelse", ["S-1", "S-2"], route="/register/decisions", channel="api")
    with reg.engine.begin() as conn:
        conn.execute(table.update().where(table.c.case_ref == "S-1").values(logged_at=dt.datetime(2019, 5, 1, tzinfo=dt.UTC)))  # an old row, as if written then
    reg.purge(dt.date(2030, 1, 1), actor=ACTOR)
    assert len(access_log.all_rows(reg.engine)) == 2
    assert access_log.purge(reg.engine, dt.date(2020, 1, 1)) == 1
    assert [r.case_ref for r in access_log.all_rows(reg.engine)] == ["S-2"]


def test_db_adgangslog_shows_who_saw_a_case_and_db_export_is_logged(migrated_url: str, open_register) -> None:
    """`db adgangslog --sag REF` lists the case's rows (text and JSON); `db export` adds a row for the whole register."""
    reg = open_register(migrated_url)
    access_log.record(reg.engine, RITA, "ændret", "tilsynssvar", ["S-9"], route="/tilsyn/{quarter}/sag/{position}/{question}", channel="web", client_address="10.0.0.7")
    runner = CliRunner()
    text = runner.invoke(main, ["db", "adgangslog", "--sag", "S-9", "--db", migrated_url])
    assert text.exit_code == 0, text.output
    assert "Sag S-9: 1 adgang." in text.output
    assert "Rita Rådgiver (rita-sub, person)" in text.output
    assert "ændret tilsynssvar" in text.output
    data = json.loads(runner.invoke(main, ["db", "adgangslog", "--sag", "S-9", "--db", migrated_url, "--format", "json"]).output)
    assert [(r["actor_id"], r["subject"]) for r in data] == [("rita-sub", "tilsynssvar")]
    assert "Ingen adgange" in runner.invoke(main, ["db", "adgangslog", "--sag", "S-0", "--db", migrated_url]).output
    assert runner.invoke(main, ["db", "export", "--db", migrated_url]).exit_code == 0
    exported = access_log.for_case(reg.engine, "*")
    assert [(r.actor_kind, r.action, r.subject, r.route, r.channel) for r in exported] == [("local", "læst", "eksport", "db export", "cli")]


def test_db_adgangslog_purge_needs_a_date_or_a_retention(migrated_url: str) -> None:
    """Without --before or --keep-years (or KOMPETENCEPLAN_ADGANGSLOG_YEARS) it refuses with exit 2."""
    runner = CliRunner()
    refused = runner.invoke(main, ["db", "adgangslog-purge", "--db", migrated_url], env={"KOMPETENCEPLAN_ADGANGSLOG_YEARS": None})
    assert refused.exit_code == 2
    assert "--keep-years" in refused.output + (refused.stderr or "")
    done = runner.invoke(main, ["db", "adgangslog-purge", "--db", migrated_url], env={"KOMPETENCEPLAN_ADGANGSLOG_YEARS": "5"})
    assert done.exit_code == 0
    assert "0 rækker" in done.output


def test_a_cpr_number_where_a_case_reference_belongs_is_refused_and_never_logged(open_register, migrated_url: str) -> None:
    """A CPR number sent as a case reference (the deadline API's path, the log's --sag) is refused
    with exit 2 and never printed back, and the adgangslog never stores one (found by an
    adversarial probe)."""
    from kompetenceplan.actor import local_actor

    reg = open_register(migrated_url)
    assert access_log.record(reg.engine, local_actor(), "læst", "sagshændelse", ["0101901234", "010190 1234", "S-1"], route="/x", channel="api") == 1
    with reg.engine.connect() as conn:
        assert [r.case_ref for r in conn.execute(table.select())] == ["S-1"]
    shown = CliRunner().invoke(main, ["db", "adgangslog", "--sag", "0101901234", "--db", migrated_url])
    assert shown.exit_code == 2
    assert "0101901234" not in shown.output


def test_export_to_a_folder_that_does_not_exist_is_a_clear_error(migrated_url: str, tmp_path) -> None:
    """`db export -o /no/such/dir/x` says what is wrong (exit 2), with no traceback and no log row."""
    result = CliRunner().invoke(main, ["db", "export", "--db", migrated_url, "-o", str(tmp_path / "mangler" / "x.jsonl")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "kan ikke skrives" in result.output
