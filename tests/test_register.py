"""The decision register on real databases: SQLite and a PostgreSQL server the tests start."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import pytest
from sqlalchemy import inspect, text

from kompetenceplan.errors import CaseError
from kompetenceplan.plan import load_plans
from kompetenceplan.store.db import StoreError, check_schema, head_revision, make_engine, upgrade
from kompetenceplan.store.privacy import PersonalDataError
from kompetenceplan.store.register import Register
from kompetenceplan.store.tables import metadata

from .conftest import EXAMPLES, NYBORG
from .register_fixtures import ACTOR

ON = dt.date(2026, 12, 1)
PLANS = load_plans(NYBORG)


def example_case(name: str = "flere-indsatser-loefter-til-leder") -> dict:
    case = json.loads((EXAMPLES / "cases" / f"{name}.json").read_text(encoding="utf-8"))
    case.pop("beskrivelse", None)
    return case


def decision_kwargs(**over):
    kw = dict(case_ref="S-1", team="Team Syd", level="leder", actor=ACTOR, decided_on=ON, outcome="bevilget", paragraph="bl-32-1-2", step=3, monthly_cost=8000, start=ON)
    kw.update(over)
    return kw


# -- schema and migrations ----------------------------------------------------------------------
def _condition(where: object) -> str | None:
    """A partial index's condition as text to compare: PostgreSQL gives it back in brackets and
    with its own case (``(kompetenceoverskridelse IS TRUE)``), SQLite as it was written."""
    return None if where is None else "".join(str(where).lower().replace("(", "").replace(")", "").split())


def test_upgrade_from_empty_creates_exactly_the_declared_tables(db_url: str) -> None:
    engine = make_engine(db_url)
    dialect = engine.dialect.name
    before, after = upgrade(engine)
    assert (before, after) == (None, head_revision())
    with engine.connect() as conn:
        insp = inspect(conn)
        for table in metadata.sorted_tables:
            assert {c["name"] for c in insp.get_columns(table.name)} == set(table.c.keys()), table.name
            # the unique indexes are the register's invariants: the migrations must create exactly these
            constraints = {c.name for c in table.constraints if c.name}  # PostgreSQL lists unique constraints as indexes too
            # and a partial index's condition: which rows it holds decides what the planner may use it for
            found = {
                (i["name"], tuple(i["column_names"]), bool(i["unique"]), _condition(i.get("dialect_options", {}).get(f"{dialect}_where")))
                for i in insp.get_indexes(table.name)
                if i["name"] not in constraints
            }
            declared = {(i.name, tuple(c.name for c in i.columns), bool(i.unique), _condition(i.dialect_options[dialect]["where"])) for i in table.indexes}
            assert found == declared, table.name
    assert upgrade(engine) == (head_revision(), head_revision())  # idempotent
    engine.dispose()


def _old_decision(conn, **over) -> None:
    """A decision row as schema version 0004 stored it (no actor, no statutory flag)."""
    row = (
        dict(
            case_ref="S-1",
            team="Team Syd",
            level="leder",
            level_rank=2,
            decided_by="DEF",
            decided_on=ON,
            outcome="bevilget",
            paragraph="bl-32-1-2",
            step=3,
            monthly_cost=8000,
            start=ON,
            expected_end=None,
            required_level="leder",
            required_rank=2,
            kompetenceoverskridelse=False,
            plan_id="nyborg",
            plan_version="2026.1",
            plan_fingerprint="x",
            source="manuel",
            note="",
            recorded_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
            corrects_id=None,
            routing_id=None,
        )
        | over
    )
    cols = ", ".join(row)
    conn.execute(text(f"INSERT INTO decisions ({cols}) VALUES ({', '.join(':' + c for c in row)})"), row)  # noqa: S608 - the test's own column names


def _old_item(conn, meeting_id: int, key: str, corrects: int | None) -> int:
    row = dict(
        meeting_id=meeting_id,
        item_key=key,
        corrects_id=corrects,
        case_ref=f"S-{key}",
        submission="{}",
        content_hash="h",
        report="{}",
        ready=True,
        required_level="visitationsudvalg",
        required_rank=3,
        plan_version="2026.1",
        plan_fingerprint="x",
        added_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
    )
    conn.execute(text(f"INSERT INTO meeting_items ({', '.join(row)}) VALUES ({', '.join(':' + c for c in row)})"), row)  # noqa: S608 - the test's own column names
    return conn.execute(text("SELECT max(id) FROM meeting_items")).scalar_one()


def test_upgrade_from_the_previous_version_keeps_the_data_and_numbers_the_items_as_the_agenda_showed(open_register, db_url: str) -> None:
    """Records stored by version 0004 survive the upgrade to the lawful record (0005), and each agenda
    item gets the number the agenda showed then: the order its first version was added, kept by
    every later version."""
    engine = make_engine(db_url)
    upgrade(engine, "0004")
    with pytest.raises(StoreError, match="migreres"):
        check_schema(engine)
    with engine.begin() as conn:
        _old_decision(conn)
        conn.execute(
            text("INSERT INTO meetings (meeting_date, body, body_rank, title, created_at) VALUES (:d, 'visitationsudvalg', 3, 'M', :t)"), {"d": ON, "t": dt.datetime(2026, 12, 1, tzinfo=dt.UTC)}
        )
        a = _old_item(conn, 1, "a", None)
        _old_item(conn, 1, "b", None)
        _old_item(conn, 1, "a", a)  # a new version of the first item
        _old_item(conn, 1, "c", None)
    upgrade(engine)
    check_schema(engine)
    reg = open_register(db_url)
    [kept] = reg.decisions()
    assert (kept.case_ref, kept.decided_by, kept.recorded_by, kept.lovbestemt_overskredet) == ("S-1", "DEF", None, False)
    with engine.connect() as conn:
        numbers = conn.execute(text("SELECT item_key, number FROM meeting_items ORDER BY id")).all()
    assert [tuple(r) for r in numbers] == [("a", 1), ("b", 2), ("a", 1), ("c", 3)]
    engine.dispose()


def test_a_register_with_a_forked_correction_chain_is_not_migrated_and_says_why(open_register, db_url: str) -> None:
    """Two rows correcting the same decision (what concurrent writers could leave before version
    0005) stop the upgrade with a Danish message naming the table; nothing is changed."""
    engine = make_engine(db_url)
    upgrade(engine, "0004")
    with engine.begin() as conn:
        _old_decision(conn)
        _old_decision(conn, corrects_id=1)
        _old_decision(conn, corrects_id=1)
    with pytest.raises(RuntimeError, match="forgrenet i decisions"):
        upgrade(engine)
    from kompetenceplan.store.db import current_revision

    assert current_revision(engine) == "0004"
    engine.dispose()


def test_unmigrated_and_newer_databases_are_refused_with_a_danish_message(open_register, db_url: str) -> None:
    with pytest.raises(StoreError) as unmigrated:
        Register(db_url)
    assert "kompetenceplan db upgrade" in unmigrated.value.render()
    engine = make_engine(db_url)
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(StoreError, match="nyere end programmet"):
        Register(db_url)
    with pytest.raises(StoreError, match="nyere end programmet"):
        upgrade(engine)
    engine.dispose()


def test_a_bad_url_is_a_clear_error() -> None:
    with pytest.raises(StoreError, match="Ugyldig database-adresse"):
        make_engine("://ingen-skema")


# -- records ------------------------------------------------------------------------------------
def test_routing_records_plan_identity_and_inputs(open_register, migrated_url: str) -> None:
    reg = open_register(migrated_url)
    routed = reg.record_routing(PLANS, example_case(), case_ref="S-1", team="Team Syd", actor=ACTOR, on=ON)
    plan = PLANS.in_force(ON)
    rec = routed.record
    assert (rec.plan_id, rec.plan_version, rec.plan_fingerprint) == (plan.meta.id, plan.meta.version, plan.fingerprint)
    assert rec.required_level == routed.decision["level"]["id"] == "leder"
    assert rec.deciding_row == routed.decision["deciding_row"]
    assert rec.inputs["sagens_maanedlige_udgift"] == 45000
    assert reg.routing(rec.id) == rec
    assert routed.case_total is None  # the register does not know the case yet


def test_a_decision_below_the_required_level_is_stored_and_flagged(open_register, migrated_url: str) -> None:
    reg = open_register(migrated_url)
    reg.record_routing(PLANS, example_case(), case_ref="S-1", team="Team Syd", actor=ACTOR, on=ON)
    low = reg.record_decision(PLANS, **decision_kwargs(level="team"))
    ok = reg.record_decision(PLANS, **decision_kwargs(case_ref="S-2", level="visitationsudvalg", required_level="leder"))
    assert low.kompetenceoverskridelse
    assert low.required_level == "leder"
    assert low.routing_id is not None
    assert not ok.kompetenceoverskridelse
    assert reg.overskridelser() == [low]
    assert reg.overskridelser((ON, ON), team="Team Nord") == []
    assert [d.id for d in reg.decisions((ON, ON))] == [low.id, ok.id]
    assert reg.decisions((ON + dt.timedelta(days=1), None)) == []


def test_without_a_known_required_level_a_decision_is_refused(open_register, migrated_url: str) -> None:
    with pytest.raises(CaseError, match="kan ikke registreres") as err:
        open_register(migrated_url).record_decision(PLANS, **decision_kwargs(case_ref="S-UKENDT"))
    assert "kraevet_niveau" in err.value.render()


def test_a_correction_is_a_new_record_and_replaces_the_old_in_queries(open_register, migrated_url: str) -> None:
    reg = open_register(migrated_url)
    first = reg.record_decision(PLANS, **decision_kwargs(level="team", required_level="leder"))
    fixed = reg.record_decision(PLANS, **decision_kwargs(level="leder", required_level="leder", corrects=first.id, note="niveau rettet"))
    assert fixed.corrects_id == first.id
    assert reg.decisions() == [fixed]
    assert reg.overskridelser() == []
    assert reg.decisions(include_corrected=True) == [first, fixed]
    with pytest.raises(CaseError, match="retter"):
        reg.record_decision(PLANS, **decision_kwargs(required_level="leder", corrects=999))


@pytest.mark.parametrize(
    ("field", "value"),
    [("case_ref", "010115-0000"), ("team", "Team 0101150000"), ("note", "borger 010115-0000 ringede")],
)
def test_cpr_shaped_text_is_refused_in_every_field_without_echoing_it(open_register, migrated_url: str, field: str, value: str) -> None:
    reg = open_register(migrated_url)
    with pytest.raises(CaseError) as err:
        reg.record_decision(PLANS, **decision_kwargs(required_level="leder", **{field: value}))
    digits = "".join(ch for ch in value if ch.isdigit())
    assert digits not in err.value.render().replace("-", "")
    assert value not in json.dumps(err.value.to_dict())
    assert reg.decisions(include_corrected=True) == []


def test_cpr_in_the_case_inputs_or_references_of_a_routing_is_refused(open_register, migrated_url: str) -> None:
    reg = open_register(migrated_url)
    with pytest.raises(PersonalDataError) as err:
        reg.record_routing(PLANS, example_case() | {"note": "cpr 0101150000"}, case_ref="S-1", team="T", actor=ACTOR, on=ON)
    assert "sag.note" in err.value.render()
    assert "0101150000" not in err.value.render()
    with pytest.raises(PersonalDataError):
        reg.record_routing(PLANS, example_case(), case_ref="0101150000", team="T", actor=ACTOR, on=ON)
    assert reg.export is not None
    assert [r for r in reg.export() if r["tabel"] == "routings"] == []


def test_ten_digit_case_numbers_that_are_not_cpr_shaped_pass() -> None:
    from kompetenceplan.store.privacy import CPR_SHAPED

    assert CPR_SHAPED.search("S-2026-0042") is None
    assert CPR_SHAPED.search("12345678901") is None  # 11 digits: not a CPR number
    assert CPR_SHAPED.search("sag 311299-1234") is not None


# -- the case's total ----------------------------------------------------------------------------
def test_the_case_total_comes_from_the_register_and_a_lower_typed_total_is_refused(open_register, migrated_url: str) -> None:
    reg = open_register(migrated_url)
    running = reg.record_decision(PLANS, **decision_kwargs(case_ref="S-9", monthly_cost=30000, required_level="leder", start=ON - dt.timedelta(days=60)))
    reg.record_decision(PLANS, **decision_kwargs(case_ref="S-9", monthly_cost=5000, required_level="leder", start=ON - dt.timedelta(days=90), expected_end=ON - dt.timedelta(days=1)))
    reg.record_decision(PLANS, **decision_kwargs(case_ref="S-9", outcome="afslået", monthly_cost=7000, required_level="leder"))
    case = example_case() | {"sagens_maanedlige_udgift": 8000}
    with pytest.raises(CaseError, match="for lav") as err:
        reg.record_routing(PLANS, case, case_ref="S-9", team="T", actor=ACTOR, on=ON)
    assert f"afgørelse {running.id}" in err.value.render()
    assert "38000.00" in err.value.render()
    untyped = {k: v for k, v in case.items() if k != "sagens_maanedlige_udgift"}
    routed = reg.record_routing(PLANS, untyped, case_ref="S-9", team="T", actor=ACTOR, on=ON)
    assert routed.case_total is not None
    assert routed.case_total.total == 38000
    assert [i.decision_id for i in routed.case_total.interventions] == [running.id]
    assert routed.record.inputs["sagens_maanedlige_udgift"] == 38000
    assert "afgørelse" in routed.case_total.explain()
    higher = reg.record_routing(PLANS, case | {"sagens_maanedlige_udgift": 90000}, case_ref="S-9", team="T", actor=ACTOR, on=ON)
    assert higher.record.inputs["sagens_maanedlige_udgift"] == 90000


def test_the_case_is_not_mutated(open_register, migrated_url: str) -> None:
    case = example_case()
    del case["sagens_maanedlige_udgift"]
    snapshot = json.dumps(case, sort_keys=True)
    reg = open_register(migrated_url)
    reg.record_decision(PLANS, **decision_kwargs(case_ref="S-3", required_level="leder"))
    reg.record_routing(PLANS, case, case_ref="S-3", team="T", actor=ACTOR, on=ON)
    assert json.dumps(case, sort_keys=True) == snapshot


# -- import, export, purge -----------------------------------------------------------------------
def _line(**over) -> str:
    row = {
        "sagsreference": "H-1",
        "team": "Team Syd",
        "niveau": "leder",
        "truffet_af": "ABC",
        "dato": "2026-03-01",
        "udfald": "bevilget",
        "paragraf": "bl-32-1-2",
        "trin": 3,
        "maanedlig_udgift": 8000,
        "kraevet_niveau": "leder",
    }
    row.update(over)
    return json.dumps(row)


def test_import_skips_bad_lines_and_stores_the_good_ones(open_register, migrated_url: str) -> None:
    reg = open_register(migrated_url)
    lines = [
        _line(),
        "{ikke json",
        _line(niveau="kommunalbestyrelse"),
        _line(sagsreference="H-2", truffet_af="0101150000"),
        "",
        _line(sagsreference="H-3", niveau="team", kraevet_niveau=None, sag=example_case()),
    ]
    report = reg.import_decisions(PLANS, lines, actor=ACTOR)
    assert report.imported == 2
    assert [s["line"] for s in report.skipped] == [2, 3, 4]
    assert "0101150000" not in json.dumps(report.model_dump(mode="json"))
    stored = reg.decisions()
    assert [d.case_ref for d in stored] == ["H-1", "H-3"]
    assert all(d.source == "import" for d in stored)
    assert stored[1].required_level == "leder"
    assert stored[1].kompetenceoverskridelse


def test_purge_deletes_old_records_keeps_referenced_ones_and_reports_counts(open_register, migrated_url: str) -> None:
    reg = open_register(migrated_url)
    ended = dt.date(2026, 4, 30)  # both old grants ended before the purge date
    old = reg.record_decision(PLANS, **decision_kwargs(decided_on=dt.date(2026, 1, 5), start=dt.date(2026, 1, 5), expected_end=ended, required_level="leder"))
    reg.record_decision(PLANS, **decision_kwargs(case_ref="S-OLD2", decided_on=dt.date(2026, 2, 1), start=dt.date(2026, 2, 1), expected_end=ended, required_level="leder"))
    reg.record_decision(PLANS, **decision_kwargs(decided_on=dt.date(2026, 9, 2), required_level="leder", corrects=old.id))
    report = reg.purge(dt.date(2026, 6, 1), actor=ACTOR)
    assert report.deleted["decisions"] == 1
    assert report.kept_referenced["decisions"] == 1
    assert len(reg.decisions(include_corrected=True)) == 2
    exported = list(reg.export())
    assert {r["tabel"] for r in exported} == {"decisions"}
    assert len(exported) == 2


def test_purge_keeps_a_grant_still_running_however_old_so_the_case_total_stays_right(open_register, migrated_url: str) -> None:
    """A grant decided before the purge date but running after it (no end, or an end after it) is
    kept: it is in the case's total, and routing the next intervention without it would be too low
    (found by an adversarial probe). A refusal and an ended grant of the same age go."""
    reg = open_register(migrated_url)
    day = dt.date(2026, 1, 5)
    running = reg.record_decision(PLANS, **decision_kwargs(case_ref="S-9", decided_on=day, start=day, expected_end=dt.date(2027, 12, 31), monthly_cost=50000, required_level="leder"))
    open_ended = reg.record_decision(PLANS, **decision_kwargs(case_ref="S-9", decided_on=day, start=day, required_level="leder"))
    reg.record_decision(PLANS, **decision_kwargs(case_ref="S-9", decided_on=day, start=day, expected_end=dt.date(2026, 1, 31), required_level="leder"))
    reg.record_decision(PLANS, **decision_kwargs(case_ref="S-9", decided_on=day, start=day, outcome="afslået", required_level="leder"))
    new = {k: v for k, v in example_case().items() if k != "sagens_maanedlige_udgift"} | {"maanedlig_udgift": 1000}
    before = reg.case_total(PLANS, "S-9", new, dt.date(2026, 6, 1))
    assert before is not None
    assert before.total == 59000
    report = reg.purge(dt.date(2026, 2, 1), actor=ACTOR)
    assert report.deleted["decisions"] == 2
    assert {d.id for d in reg.decisions(case_ref="S-9")} == {running.id, open_ended.id}
    assert reg.case_total(PLANS, "S-9", new, dt.date(2026, 6, 1)) == before


def test_export_and_purge_cover_the_tilsyn_and_the_payments(open_register, migrated_url: str) -> None:
    """One register: draws, items, results, answers and payments are exported; a draw is purged
    as a whole once its draw date is before the purge date, and until then it keeps the decisions
    its items point to (counted as beholdt); payments are purged by payment date."""
    from kompetenceplan.tilsyn.config import load_config
    from kompetenceplan.tilsyn.draw import draw, record_answer, show
    from kompetenceplan.tilsyn.finance import import_payments

    from .conftest import ROOT

    config = load_config(ROOT / "rules" / "nyborg-tilsyn.toml")
    reg = open_register(migrated_url)
    january = reg.record_decision(PLANS, **decision_kwargs(case_ref="S-JAN", decided_on=dt.date(2026, 1, 5), start=dt.date(2026, 1, 5), expected_end=dt.date(2026, 2, 28), required_level="leder"))
    april = reg.record_decision(PLANS, **decision_kwargs(case_ref="S-APR", decided_on=dt.date(2026, 4, 10), start=dt.date(2026, 4, 10), expected_end=dt.date(2026, 5, 31), required_level="leder"))
    q1 = draw(reg, PLANS, config, actor=ACTOR, quarter="2026Q1", seed=1, per_stratum=50, today=ON)  # drawn 1 March 2026
    q2 = draw(reg, PLANS, config, actor=ACTOR, quarter="2026Q2", seed=2, per_stratum=50, today=ON)  # drawn 1 June 2026
    assert [i["decision_id"] for i in q1.items] == [january.id]
    assert [i["decision_id"] for i in q2.items] == [april.id]
    record_answer(reg, config, "2026Q1", 1, "L-01", "delvist", actor=ACTOR)
    record_answer(reg, config, "2026Q1", 1, "L-01", "ja", actor=ACTOR)  # corrects the first
    record_answer(reg, config, "2026Q2", 1, "L-01", "ja", actor=ACTOR)
    csv_text = "sagsreference;betalt_dato;beloeb;paragraf\nS-JAN;2026-01-31;100,00;bl-32-1-2\nS-APR;2026-07-31;200,00;bl-32-1-2\n"
    import_payments(reg.engine, PLANS, csv_text.encode(), "b.csv")

    def counted() -> dict[str, int]:
        return dict(Counter(r["tabel"] for r in reg.export()))

    results_per_item = len(q1.items[0]["results"])
    assert counted() == {"decisions": 2, "tilsyn_draws": 2, "tilsyn_items": 2, "tilsyn_results": 2 * results_per_item, "tilsyn_answers": 3, "payments": 2}
    exported = list(reg.export())
    json.dumps(exported)  # JSON-ready as `db export` writes it
    assert next(r for r in exported if r["tabel"] == "tilsyn_draws")["population"] == [january.id]

    report = reg.purge(dt.date(2026, 5, 1), actor=ACTOR)
    assert report.deleted["tilsyn_draws"] == 1
    assert report.deleted["tilsyn_items"] == 1
    assert report.deleted["tilsyn_answers"] == 2
    assert report.deleted["tilsyn_results"] == results_per_item
    assert report.deleted["payments"] == 1
    # January's draw is gone, so its decision went; April's decision (before the date) is kept for the 2026Q2 draw.
    assert report.deleted["decisions"] == 1
    assert report.kept_referenced["decisions"] == 1
    assert [d.id for d in reg.decisions(include_corrected=True)] == [april.id]
    assert show(reg, "2026Q1", missing_ok=True) is None
    kept = show(reg, "2026Q2")
    assert kept is not None
    assert kept.items[0]["answers"]["L-01"]["answer"] == "ja"
    assert counted() == {"decisions": 1, "tilsyn_draws": 1, "tilsyn_items": 1, "tilsyn_results": results_per_item, "tilsyn_answers": 1, "payments": 1}

    report = reg.purge(dt.date(2026, 6, 2), actor=ACTOR)
    assert report.deleted["tilsyn_draws"] == 1
    assert report.deleted["decisions"] == 1
    assert report.kept_referenced["decisions"] == 0
    assert report.deleted["payments"] == 0
    assert counted() == {"payments": 1}


def _writing(url: str) -> bool:
    """Another connection holds a write transaction on the database (the import has begun)."""
    if url.startswith("sqlite:///"):
        import sqlite3

        probe = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:  # database is locked: a writer is in its transaction
            return True
        finally:
            probe.close()
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        query = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
        return conn.execute(query).fetchone()[0] > 0  # type: ignore[index]


def test_kill_9_mid_import_leaves_all_or_nothing(open_register, migrated_url: str, tmp_path) -> None:
    """The import is one transaction: a process killed while importing stores nothing, and a
    rerun stores every line exactly once."""
    import os
    import signal
    import subprocess
    import sys
    import time

    n = 4000
    history = tmp_path / "historik.jsonl"
    history.write_text("".join(_line(sagsreference=f"K-{i}", sag=example_case(), kraevet_niveau=None) + "\n" for i in range(n)), encoding="utf-8")
    cmd = [sys.executable, "-m", "kompetenceplan", "decision", "import", str(history), "--plan", str(NYBORG), "--db", migrated_url]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not _writing(migrated_url) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)  # the import's transaction is open: let it store some lines, then kill it
    killed = proc.poll() is None
    if killed:
        os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    reg = open_register(migrated_url)
    stored = len(reg.decisions(include_corrected=True))
    assert stored in (0, n)
    if killed:
        assert stored == 0
    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert len(reg.decisions(include_corrected=True)) == (n if stored == 0 else 2 * n)


# -- properties ----------------------------------------------------------------------------------
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from .conftest import examples  # noqa: E402

_filler = st.text(alphabet=st.characters(blacklist_categories=("Nd", "Cs")), max_size=12)


@examples(2000)
@given(before=_filler, birth=st.from_regex(r"\d{6}", fullmatch=True), dash=st.sampled_from(["", "-"]), serial=st.from_regex(r"\d{4}", fullmatch=True), after=_filler, nested=st.booleans())
def test_any_cpr_shaped_text_is_refused_and_never_echoed(before: str, birth: str, dash: str, serial: str, after: str, nested: bool) -> None:
    from kompetenceplan.store.privacy import refuse_cpr

    text_value = f"{before}{birth}{dash}{serial}{after}"
    value = {"liste": [text_value]} if nested else text_value
    with pytest.raises(PersonalDataError) as err:
        refuse_cpr({"felt": value})
    shown = json.dumps(err.value.to_dict(), ensure_ascii=False) + err.value.render()
    assert f"{birth}{dash}{serial}" not in shown
    assert birth not in shown


@examples(1000)
@given(digits=st.from_regex(r"\d{1,5}|\d{7,9}|\d{11,14}", fullmatch=True), text=_filler)
def test_digit_runs_of_other_lengths_pass(digits: str, text: str) -> None:
    from kompetenceplan.store.privacy import refuse_cpr

    refuse_cpr({"felt": f"{text}{digits}{text}"})


def test_kompetenceoverskridelse_exactly_when_the_deciding_level_ranks_below_the_required(open_register, migrated_url: str) -> None:
    """Every pair of levels: the flag is set exactly when rank(level) < rank(required)."""
    reg = open_register(migrated_url)
    levels = [lv.id for lv in PLANS.in_force(ON).levels]
    for i, level in enumerate(levels):
        for j, required in enumerate(levels):
            rec = reg.record_decision(PLANS, **decision_kwargs(case_ref=f"P-{i}-{j}", level=level, required_level=required))
            assert rec.kompetenceoverskridelse is (i < j), (level, required)
    assert len(reg.overskridelser()) == len(levels) * (len(levels) - 1) // 2


@pytest.mark.parametrize(("ci", "outcome"), [("true", "Failed"), ("", "Skipped")])
def test_missing_postgresql_fails_in_ci_and_skips_locally(monkeypatch, ci: str, outcome: str) -> None:
    from . import register_fixtures

    monkeypatch.setattr(register_fixtures, "_pg_bin", lambda: None)
    monkeypatch.setenv("CI", ci)
    with pytest.raises((pytest.fail.Exception, pytest.skip.Exception)) as raised:
        register_fixtures.require_pg_bin()
    assert type(raised.value).__name__ == outcome


def test_a_plain_path_means_an_sqlite_file_and_a_missing_file_is_not_created(tmp_path, monkeypatch) -> None:
    """`--db register.db` is an SQLite file (as a newcomer writes it); a command that only reads
    the register refuses a missing file without leaving an empty one behind."""
    from kompetenceplan.store.db import StoreError, resolve_url

    monkeypatch.chdir(tmp_path)
    assert resolve_url("register.db") == f"sqlite:///{tmp_path / 'register.db'}"
    assert resolve_url("sqlite:///x.db") == "sqlite:///x.db"
    with pytest.raises(StoreError, match="ikke oprettet"):
        Register("mangler.db")
    assert not (tmp_path / "mangler.db").exists()


def test_a_typed_required_level_adds_to_the_routings_never_lowers_it(open_register, migrated_url: str) -> None:
    """The case's routing required a leader; typing `raadgiver` as the required level does not make
    a rådgiver's decision lawful: the required level is the higher of the two, and the decision
    is a kompetenceoverskridelse (found by an adversarial probe)."""
    reg = open_register(migrated_url)
    routed = reg.record_routing(PLANS, example_case(), case_ref="S-1", team="Team Syd", actor=ACTOR, on=ON)
    assert routed.record.required_level == "leder"
    rec = reg.record_decision(PLANS, **decision_kwargs(level="raadgiver", required_level="raadgiver", routing_id=routed.record.id))
    assert (rec.required_level, rec.kompetenceoverskridelse) == ("leder", True)
    higher = reg.record_decision(PLANS, **decision_kwargs(case_ref="S-1", level="visitationsudvalg", required_level="visitationsudvalg"))
    assert higher.required_level == "visitationsudvalg"  # a typed level may add


def test_a_decision_for_more_than_was_routed_is_routed_again_with_its_own_facts(open_register, migrated_url: str) -> None:
    """The case was routed at 12.000 kr./md. (rådgiver); a decision at 70.000 kr./md. needs the
    visitationsudvalg: the routing's inputs are routed again with the decision's amount, and a
    rådgiver's decision is flagged (found by an adversarial probe)."""
    reg = open_register(migrated_url)
    routed = reg.record_routing(PLANS, example_case("familiebehandling-raadgiver"), case_ref="S-5", team="Team Syd", actor=ACTOR, on=ON)
    assert routed.record.required_level == "raadgiver"
    rec = reg.record_decision(PLANS, **decision_kwargs(case_ref="S-5", level="raadgiver", paragraph="bl-32-1-5", monthly_cost=70000))
    assert (rec.required_level, rec.kompetenceoverskridelse) == ("visitationsudvalg", True)
    assert rec.routing_id == routed.record.id
    same = reg.record_decision(PLANS, **decision_kwargs(case_ref="S-5", level="raadgiver", paragraph="bl-32-1-5", monthly_cost=12000))
    assert (same.required_level, same.kompetenceoverskridelse) == ("raadgiver", False)


def test_an_import_line_takes_the_higher_of_its_typed_level_and_its_case_and_its_case_must_be_its_own(open_register, migrated_url: str) -> None:
    """A historical line whose `sag` routes higher than its typed `kraevet_niveau` is stored with
    the case's level; a `sag` that is another paragraph or a smaller amount than the line is refused."""
    reg = open_register(migrated_url)
    case = example_case("familiebehandling-raadgiver") | {"maanedlig_udgift": 70000, "sagens_maanedlige_udgift": 70000}
    good = _line(paragraf="bl-32-1-5", maanedlig_udgift=70000, niveau="raadgiver", kraevet_niveau="raadgiver", sag=case)
    other = _line(sagsreference="H-2", paragraf="bl-32-1-5", maanedlig_udgift=70000, kraevet_niveau="raadgiver", sag=example_case())
    report = reg.import_decisions(PLANS, [good, other], actor=ACTOR)
    assert report.imported == 1
    assert [s["line"] for s in report.skipped] == [2]
    [rec] = reg.decisions()
    assert (rec.required_level, rec.kompetenceoverskridelse) == ("visitationsudvalg", True)
    assert "passer ikke til afgørelsens" in json.dumps(report.skipped, ensure_ascii=False)


@pytest.mark.parametrize(
    "written",
    [
        "010190 - 1234",
        "010190 -1234",
        "010190\u22121234",
        "0101\u200b901234",
        "0101\u00ad901234",
        "0101\ufeff901234",
        "01.01.1990-1234",
        "01-01-1990-1234",
        "01 01 90 12 34",
        "\uff10\uff11\uff10\uff11\uff19\uff10\uff11\uff12\uff13\uff14",
    ],
)
def test_a_cpr_number_in_any_common_written_form_is_refused(open_register, migrated_url: str, written: str) -> None:
    """Spaces around the dash, a minus sign, a zero-width space or soft hyphen inside, a 4-digit
    year, the serial in pairs, full-width digits: each is a CPR number and refused, never stored
    (found by an adversarial probe)."""
    reg = open_register(migrated_url)
    with pytest.raises(PersonalDataError) as info:
        reg.record_decision(PLANS, **decision_kwargs(required_level="leder", note=f"Ringede {written} i dag"))
    assert "1234" not in info.value.render()
    assert reg.decisions(include_corrected=True) == []


@pytest.mark.parametrize("text", ["Anders Ands skolegang er brudt.", "And, Anders ønsker at flytte.", "Anders B. And har brug for støtte.", "ANDERS BENT AND"])
def test_the_submissions_own_person_is_refused_in_everyday_wording(text: str) -> None:
    """The person's name in free text with a possessive, surname first, an initial or capitals is
    refused, naming the field (found by an adversarial probe); a first name alone is not."""
    from kompetenceplan.store.privacy import refuse_own_name

    submission = {"borger": {"navn": "Anders Bent And"}, "formaal": text}
    with pytest.raises(PersonalDataError) as info:
        refuse_own_name(submission)
    assert [p.where for p in info.value.problems] == ["indstilling.formaal"]
    assert "Anders" not in info.value.render()
    refuse_own_name({"borger": {"navn": "Anders Bent And"}, "formaal": "Anders går i skole, og det går godt."})
