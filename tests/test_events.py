"""Case events in the register (store/events.py, table case_events, migration 0007) on SQLite and a
real PostgreSQL: recorded with the actor's permission, append-only with corrections, one row per
event (natural key), no CPR numbers and no value in an error; imported from a case system's export
(CSV or JSON Lines), idempotently, bad lines reported by line and column; purged by date; and the
CLI `kompetenceplan haendelse record|list|import`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from kompetenceplan.actor import PERMISSIONS, Actor, PermissionDenied, local_actor
from kompetenceplan.cli import main
from kompetenceplan.errors import CaseError
from kompetenceplan.plan import load_plans
from kompetenceplan.store import events
from kompetenceplan.store.privacy import PersonalDataError
from kompetenceplan.store.tables import case_events

from .conftest import NYBORG

PLANS = load_plans(NYBORG)
DAY = dt.date(2026, 3, 2)
CPR = "010115-0000"
ME = local_actor()
READER = Actor(id="laeser", name="Læser", permissions=frozenset({"read_register"}))


def receipt(**over: object) -> dict[str, object]:
    kw: dict[str, object] = dict(case_ref="S-2026-0042", team="Team Syd", kind="modtaget", art="underretning", occurred_on=DAY, paragraph="bl-32-1-3", advisor="ABC")
    kw.update(over)
    return kw


class TestRecord:
    def test_an_event_is_stored_with_its_actor_and_natural_key(self, open_register, migrated_url: str) -> None:
        """The stored row names the actor (id and name) and the event's identity across systems."""
        reg = open_register(migrated_url)
        rec = events.record(reg, PLANS, ME, **receipt())
        assert (rec.case_ref, rec.kind, rec.art, rec.occurred_on, rec.paragraph, rec.advisor) == ("S-2026-0042", "modtaget", "underretning", DAY, "bl-32-1-3", "ABC")
        assert (rec.recorded_by, rec.recorded_by_name, rec.source) == (ME.id, ME.name, "manuel")
        assert rec.natural_key == events.natural_key("S-2026-0042", "modtaget", "underretning", DAY, "bl-32-1-3")
        assert events.query(reg, case_ref="S-2026-0042") == [rec]

    def test_the_same_event_twice_is_refused_naming_the_stored_one(self, open_register, migrated_url: str) -> None:
        """One row per event: the second recording names the first's id and stores nothing."""
        reg = open_register(migrated_url)
        first = events.record(reg, PLANS, ME, **receipt())
        with pytest.raises(CaseError, match="allerede registreret") as caught:
            events.record(reg, PLANS, ME, **receipt(advisor="DEF", note="igen"))
        assert f"hændelse {first.id}" in caught.value.render()
        assert len(events.query(reg, include_corrected=True)) == 1

    def test_corrections_are_new_rows_and_withdrawal_hides_the_event(self, open_register, migrated_url: str) -> None:
        """Append-only: a correction points to the newest version of the same case; a withdrawal
        leaves no current event; an older version or another case's event cannot be corrected."""
        reg = open_register(migrated_url)
        first = events.record(reg, PLANS, ME, **receipt())
        fixed = events.record(reg, PLANS, ME, **receipt(occurred_on=DAY + dt.timedelta(days=1), corrects=first.id))
        assert fixed.corrects_id == first.id
        assert fixed.natural_key is None
        assert [e.id for e in events.query(reg)] == [fixed.id]
        with pytest.raises(CaseError, match="allerede rettet"):
            events.record(reg, PLANS, ME, **receipt(corrects=first.id))
        with pytest.raises(CaseError, match="anden sag"):
            events.record(reg, PLANS, ME, **receipt(case_ref="S-9", corrects=fixed.id))
        gone = events.record(reg, PLANS, ME, **receipt(corrects=fixed.id, withdraw=True))
        assert gone.withdrawn
        assert events.query(reg) == []
        assert sorted(e.id for e in events.query(reg, include_corrected=True)) == [first.id, fixed.id, gone.id]

    @pytest.mark.parametrize(
        ("over", "field"),
        [
            ({"kind": "afgoerelse"}, "haendelse"),
            ({"kind": "sagen_lukket"}, "haendelse"),
            ({"art": None}, "art"),
            ({"kind": "opfoelgning", "art": "bfu"}, "art"),
            ({"art": "bfu"}, "art"),
            ({"paragraph": "bl-999"}, "paragraf"),
            ({"kind": "formandsafgoerelse", "art": None, "paragraph": None}, "paragraf"),
            ({"occurred_on": dt.date.today() + dt.timedelta(days=1)}, "dato"),
            ({"occurred_on": "2026-03-02"}, "dato"),
            ({"case_ref": "S 1 med mellemrum"}, "sagsreference"),
            ({"advisor": "A B"}, "raadgiver"),
            ({"withdraw": True}, "tilbagekald"),
            ({"corrects": 999_999}, "retter"),
        ],
        ids=[
            "decision",
            "unknown-kind",
            "missing-art",
            "art-not-of-kind",
            "art-of-other-kind",
            "unknown-paragraph",
            "chair-without-paragraph",
            "future",
            "text-date",
            "bad-ref",
            "bad-initials",
            "withdraw-alone",
            "unknown-corrects",
        ],
    )
    def test_bad_input_is_refused_naming_the_field(self, open_register, migrated_url: str, over: dict[str, object], field: str) -> None:
        """Each mistake is a Danish problem on its field, with a fix; nothing is stored."""
        reg = open_register(migrated_url)
        with pytest.raises(CaseError) as caught:
            events.record(reg, PLANS, ME, **receipt(**over))
        assert field in [p.where for p in caught.value.problems], caught.value.render()
        assert all(p.fix for p in caught.value.problems)
        assert events.query(reg, include_corrected=True) == []

    @pytest.mark.parametrize("field", ["case_ref", "team", "advisor", "note"])
    def test_a_cpr_number_is_refused_first_and_never_echoed(self, open_register, migrated_url: str, field: str) -> None:
        """Personal data is refused before anything else is said about the text, naming the field only."""
        reg = open_register(migrated_url)
        with pytest.raises(PersonalDataError) as caught:
            events.record(reg, PLANS, ME, **receipt(**{field: CPR}, paragraph="bl-999"))
        assert CPR not in caught.value.render()
        assert CPR not in json.dumps(caught.value.to_dict())

    def test_the_actor_needs_the_permission(self, open_register, migrated_url: str) -> None:
        """Recording needs record_event, importing import_data; the refusal says what is missing."""
        reg = open_register(migrated_url)
        assert "record_event" in PERMISSIONS
        with pytest.raises(PermissionDenied, match="sagshændelser"):
            events.record(reg, PLANS, READER, **receipt())
        with pytest.raises(PermissionDenied):
            events.import_events(reg, PLANS, READER, b"", "x.csv")

    def test_purge_deletes_old_events_and_keeps_a_corrected_one_while_its_correction_stays(self, open_register, migrated_url: str) -> None:
        """Retention by occurred_on; a row a kept correction points to is kept (and counted)."""
        reg = open_register(migrated_url)
        old = events.record(reg, PLANS, ME, **receipt(occurred_on=dt.date(2020, 1, 5)))
        events.record(reg, PLANS, ME, **receipt(case_ref="S-2", occurred_on=dt.date(2020, 1, 6)))
        events.record(reg, PLANS, ME, **receipt(occurred_on=dt.date(2026, 1, 5), corrects=old.id))
        report = reg.purge(dt.date(2021, 1, 1), actor=ME)
        assert report.deleted["case_events"] == 1
        with reg.engine.connect() as conn:
            assert sorted(conn.execute(select(case_events.c.case_ref)).scalars()) == ["S-2026-0042", "S-2026-0042"]


CSV = """sagsreference;team;haendelse;art;dato;paragraf;raadgiver;note
S-1;Team Syd;modtaget;ansoegning;2026-02-02;bl-32-1-3;ABC;
S-1;Team Syd;undersoegelse_startet;bfu;2026-02-05;;ABC;
S-2;Team Nord;modtaget;underretning;2026-13-01;bl-46;DEF;
S-3;Team Nord;opfoelgning;;2026-02-10;;;ring til 0101150000
S-4;Team Nord;plan_udarbejdet;barnets_plan;2026-02-11;;;
S-4;Team Nord;plan_udarbejdet;barnets_plan;2026-02-11;;;
S-5;;formandsafgoerelse;;2026-02-12;;;
"""


class TestImport:
    def test_a_csv_export_is_imported_once_and_bad_lines_are_reported_without_values(self, open_register, migrated_url: str) -> None:
        """Good lines stored in one transaction; a bad date, a CPR number and missing fields are
        reported by line and column, never their value; a second run stores nothing new."""
        reg = open_register(migrated_url)
        first = events.import_events(reg, PLANS, ME, CSV.encode(), "eksport.csv")
        assert (first.imported, first.already) == (3, 1)
        assert [s["line"] for s in first.skipped] == [4, 5, 8]
        where = [p["where"] for s in first.skipped for p in s["problems"]]
        assert "eksport.csv, linje 4: dato" in where
        assert "eksport.csv, linje 5: note" in where
        assert {"eksport.csv, linje 8: team", "eksport.csv, linje 8: paragraf"} <= set(where)
        text = json.dumps(first.model_dump())
        assert "0101150000" not in text
        assert "2026-13-01" not in text
        again = events.import_events(reg, PLANS, ME, CSV.encode(), "eksport.csv")
        assert (again.imported, again.already) == (0, 4)
        assert len(events.query(reg)) == 3
        assert {e.source for e in events.query(reg)} == {"import"}

    def test_json_lines_are_read_by_their_extension_and_unknown_keys_refused(self, open_register, migrated_url: str) -> None:
        """JSON Lines: one event per line; a key not in the format is refused without naming it."""
        reg = open_register(migrated_url)
        lines = [
            {"sagsreference": "S-1", "team": "Team Syd", "haendelse": "opfoelgning", "dato": "2026-02-02"},
            {"sagsreference": "S-1", "team": "Team Syd", "haendelse": "opfoelgning", "dato": "2026-02-03", CPR: "x"},
            {"sagsreference": "S-1", "team": "Team Syd", "haendelse": "opfoelgning", "dato": 20260204},
        ]
        data = ("\n".join(json.dumps(x) for x in lines) + "\nikke json\n").encode()
        report = events.import_events(reg, PLANS, ME, data, "eksport.jsonl")
        assert report.imported == 1
        assert [s["line"] for s in report.skipped] == [2, 3, 4]
        assert CPR not in json.dumps(report.model_dump())

    def test_a_bad_header_is_one_report_and_nothing_is_stored(self, open_register, migrated_url: str) -> None:
        """Unknown or missing columns are named on line 1."""
        reg = open_register(migrated_url)
        report = events.import_events(reg, PLANS, ME, b"sagsref;team;dato\nS-1;T;2026-01-01\n", "x.csv")
        assert report.imported == 0
        assert report.skipped[0]["line"] == 1
        assert any("haendelse" in p["what"] for p in report.skipped[0]["problems"])


class TestCli:
    def test_record_list_and_import(self, tmp_path: Path, monkeypatch) -> None:
        """The CLI records as the local user, lists, and imports (exit 1 with skipped lines)."""
        monkeypatch.chdir(NYBORG.parent.parent)
        runner = CliRunner()
        base = ["--db", f"sqlite:///{tmp_path / 'r.db'}"]
        assert runner.invoke(main, ["db", "upgrade", *base]).exit_code == 0
        ok = runner.invoke(
            main, ["haendelse", "record", *base, "--case-ref", "S-7", "--team", "Team Syd", "--kind", "modtaget", "--art", "ansoegning", "--date", "2026-02-01", "--paragraf", "bl-32-1-3"]
        )
        assert ok.exit_code == 0, ok.output
        assert "Hændelse 1 gemt" in ok.output, ok.output
        bad = runner.invoke(main, ["haendelse", "record", *base, "--case-ref", CPR, "--team", "Team Syd", "--kind", "opfoelgning", "--date", "2026-02-01"])
        assert bad.exit_code == 2
        assert CPR not in bad.output
        assert "sagsreference" in bad.stderr
        listed = runner.invoke(main, ["haendelse", "list", *base, "--format", "json"])
        assert listed.exit_code == 0
        assert [e["case_ref"] for e in json.loads(listed.output)] == ["S-7"]
        export = tmp_path / "eksport.csv"
        export.write_text(CSV, encoding="utf-8")
        imported = runner.invoke(main, ["haendelse", "import", *base, str(export)])
        assert imported.exit_code == 1
        assert "3 hændelser importeret" in imported.output
        assert "linje 4: dato" in imported.stderr
