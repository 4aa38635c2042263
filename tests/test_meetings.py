"""Committee meetings on real databases (SQLite and PostgreSQL): agenda, flags, outcomes,
minutes, and many writers at once."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import textwrap
from typing import Any

import pytest
from sqlalchemy import func, select

from kompetenceplan.actor import local_actor
from kompetenceplan.errors import CaseError, PlanError
from kompetenceplan.meetings import committee as c
from kompetenceplan.meetings.documents import agenda_html, agenda_markdown, minutes_html, minutes_markdown
from kompetenceplan.plan import load_plans
from kompetenceplan.store.privacy import PersonalDataError
from kompetenceplan.store.register import StatutoryCompetenceError
from kompetenceplan.store.tables import decisions, meeting_items

from .conftest import EXAMPLES, NYBORG, ROOT
from .register_fixtures import ACTOR

ON = dt.date(2026, 12, 1)
PLANS = load_plans(NYBORG)


def submission(name: str) -> dict:
    return json.loads((EXAMPLES / "submissions" / f"{name}.json").read_text(encoding="utf-8"))


READY = "plejefamilie-46-klar"  # visitationsudvalg, ready
NOT_READY = "familiebehandling-hoej-udgift-mangler"  # visitationsudvalg, not ready
HIGHER = "anbringelse-uden-samtykke-47-klar"  # børne- og ungeudvalget
LOWER = "bostoette-85-mangler"  # leder


def test_a_meeting_from_start_to_minutes(open_register, migrated_url: str) -> None:
    reg = open_register(migrated_url)
    meeting = c.new_meeting(reg, PLANS, ON, "visitationsudvalg", actor=ACTOR)
    added = [c.add_submission(reg, PLANS, meeting.id, submission(n), actor=ACTOR) for n in (READY, NOT_READY, HIGHER, LOWER)]
    assert [a.number for a in added] == [1, 2, 3, 4]
    agenda = c.build_agenda(reg, PLANS, meeting.id)
    flags = {i.number: " ".join(i.flags) for i in agenda.items}
    assert flags[1] == ""
    assert "IKKE KLAR" in flags[2]
    assert "ANDET NIVEAU" not in flags[2]
    assert "ANDET NIVEAU" in flags[3]
    assert "højere" in flags[3]
    assert "ANDET NIVEAU" in flags[4]
    assert "lavere" in flags[4]
    assert "IKKE KLAR" in flags[4]
    assert agenda.items[1].findings
    assert all(f.code.startswith("DOK-") for f in agenda.items[1].findings)
    md, html = agenda_markdown(agenda), agenda_html(agenda)
    assert "Udkast" in md
    assert md.count("## Punkt") == 4
    assert "DOK-" in md
    assert html.startswith("<!doctype html>")
    assert "@media print" in html
    assert html.count("<section>") == 4

    sent = c.send_agenda(reg, PLANS, meeting.id, actor=ACTOR)
    assert sent.sent_at is not None
    assert all("UDSENDELSE" not in f for i in sent.items for f in i.flags)
    changed = submission(READY) | {"formaal": "Et nyt formål efter udsendelsen."}
    c.add_submission(reg, PLANS, meeting.id, changed, replaces=1, actor=ACTOR)
    with pytest.raises(CaseError, match="anden sag") as other:  # never another case's place
        c.add_submission(reg, PLANS, meeting.id, submission("botilbud-108-klar"), replaces=1, actor=ACTOR)
    assert other.value.problems[0].where == "erstatter"
    c.add_submission(reg, PLANS, meeting.id, submission("botilbud-108-klar"), actor=ACTOR)
    agenda = c.build_agenda(reg, PLANS, meeting.id)
    assert len(agenda.items) == 5
    assert agenda.items[0].versions == 2
    assert any("ÆNDRET EFTER UDSENDELSE" in f for f in agenda.items[0].flags)
    assert any("TILFØJET EFTER UDSENDELSE" in f for f in agenda.items[4].flags)

    granted = c.record_outcome(reg, PLANS, meeting.id, 1, "bevilget", actor=ACTOR)
    with pytest.raises(StatutoryCompetenceError, match="Børne- og ungeudvalget") as refused:  # § 47 belongs to børne- og ungeudvalget (§ 142)
        c.record_outcome(reg, PLANS, meeting.id, 3, "bevilget med ændringer", "Kortere varighed", actor=ACTOR)
    assert refused.value.problems[0].where == "udfald"
    assert "§ 47" in refused.value.problems[0].what
    assert "oversendt" in refused.value.problems[0].fix
    over = c.record_outcome(reg, PLANS, meeting.id, 3, "oversendt", "Anbringelse uden samtykke", actor=ACTOR)
    later = c.record_outcome(reg, PLANS, meeting.id, 2, "sendt tilbage til rådgiver", "Mangler undersøgelse", actor=ACTOR)
    assert granted.decision_id
    assert granted.kompetenceoverskridelse is False
    assert over.decision_id is None
    assert over.forwarded_to == "boerne_og_ungeudvalg"
    assert later.decision_id is None
    on_agenda = c.build_agenda(reg, PLANS, meeting.id).items
    assert [i.kompetenceoverskridelse for i in on_agenda[:4]] == [False, None, None, None]
    assert on_agenda[2].outcome == "oversendt"
    assert on_agenda[2].forwarded_to == "boerne_og_ungeudvalg"
    # A grant's period as the register stored it; an item sent back has none.
    assert (on_agenda[0].start, on_agenda[0].expected_end) == (meeting.meeting_date, dt.date(2028, 12, 1))
    assert on_agenda[2].start is None
    assert on_agenda[1].start is None
    assert on_agenda[1].expected_end is None
    assert "Startdato: " + meeting.meeting_date.isoformat() + "; forventet slutdato: 2028-12-01" in minutes_markdown(c.build_agenda(reg, PLANS, meeting.id))
    stored = reg.decisions(case_ref="EKS-2026-0046")
    assert [(d.level, d.outcome, d.expected_end) for d in stored] == [("visitationsudvalg", "bevilget", dt.date(2028, 12, 1))]
    assert reg.overskridelser() == []
    assert reg.decisions(case_ref="EKS-2026-0047") == []
    with pytest.raises(CaseError, match="begrundelse"):
        c.record_outcome(reg, PLANS, meeting.id, 4, "afslået", actor=ACTOR)
    periods: list[dict[str, Any]] = [{"start": dt.date(2026, 12, 1)}, {"expected_end": dt.date(2027, 12, 1)}]
    for dates in periods:
        with pytest.raises(CaseError, match="kun en bevilling"):  # a refusal has no period
            c.record_outcome(reg, PLANS, meeting.id, 4, "afslået", "Ikke nødvendig", **dates, actor=ACTOR)
    with pytest.raises(CaseError, match="Ukendt punkt"):
        c.record_outcome(reg, PLANS, meeting.id, 9, "bevilget", actor=ACTOR)
    # A changed outcome corrects the decision it registered.
    redo = c.record_outcome(reg, PLANS, meeting.id, 1, "afslået", "Rettet efter mødet", actor=ACTOR)
    assert [d.outcome for d in reg.decisions(case_ref="EKS-2026-0046")] == ["afslået"]
    assert reg.decisions(case_ref="EKS-2026-0046")[0].corrects_id == granted.decision_id
    assert redo.decision_id

    final = c.build_agenda(reg, PLANS, meeting.id)
    minutes = minutes_markdown(final)
    assert "Referat" in minutes
    assert "**afslået**" in minutes
    assert "Rettet efter mødet" in minutes
    assert "oversendt til Børne- og ungeudvalget" in minutes
    assert "sendt tilbage til rådgiver" in minutes
    assert "ingen registreret" in minutes
    assert "oversendt til Børne- og ungeudvalget" in minutes_html(final)
    assert final.items[0].start is None
    assert "Startdato" not in minutes_html(final)


def test_only_committee_levels_hold_meetings(open_register, migrated_url: str) -> None:
    reg = open_register(migrated_url)
    with pytest.raises(CaseError, match="udvalg"):
        c.new_meeting(reg, PLANS, ON, "leder", actor=ACTOR)
    assert c.new_meeting(reg, PLANS, ON, "boerne_og_ungeudvalg", actor=ACTOR).body_name.startswith("Børne- og ungeudvalget")
    with pytest.raises(PlanError):
        c.new_meeting(reg, PLANS, dt.date(2020, 1, 1), "visitationsudvalg", actor=ACTOR)  # no plan in force


def test_the_identity_is_not_stored_and_cpr_elsewhere_is_refused(open_register, migrated_url: str) -> None:
    reg = open_register(migrated_url)
    meeting = c.new_meeting(reg, PLANS, ON, "visitationsudvalg", actor=ACTOR)
    sub = submission(READY)
    assert sub["borger"]["cpr"]
    before = json.dumps(sub, sort_keys=True)
    item = c.add_submission(reg, PLANS, meeting.id, sub, actor=ACTOR).item
    assert json.dumps(sub, sort_keys=True) == before  # not mutated
    with reg.engine.connect() as conn:
        stored = conn.execute(select(meeting_items.c.submission, meeting_items.c.content_hash)).one()
    assert "borger" not in stored.submission
    assert stored.content_hash == item.content_hash == c.content_hash(stored.submission)
    bad = submission(READY) | {"formaal": "Barnet (010115-0000) skal anbringes."}
    with pytest.raises(PersonalDataError) as err:
        c.add_submission(reg, PLANS, meeting.id, bad, actor=ACTOR)
    assert "indstilling.formaal" in err.value.render()
    assert "010115" not in err.value.render()
    with pytest.raises(CaseError):
        c.add_submission(reg, PLANS, meeting.id, {"sag": {}, "sagsnummer": "X-1", "ukendt": 1}, actor=ACTOR)
    assert len(c.build_agenda(reg, PLANS, meeting.id).items) == 1


WORKER = textwrap.dedent(
    """
    import datetime as dt, json, sys, threading
    from kompetenceplan.plan import load_plans
    from kompetenceplan.actor import PERMISSIONS, Actor
    from kompetenceplan.store.register import Register
    from kompetenceplan.meetings import committee as c

    ACTOR = Actor(id="test:ABC", name="ABC", permissions=frozenset(PERMISSIONS))

    url, meeting_id, tag, root = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    plans = load_plans(root + "/rules/nyborg")
    sub = json.load(open(root + "/examples/submissions/plejefamilie-46-klar.json"))
    reg = Register(url)
    errors = []

    def work(t):
        try:
            for i in range(DECISIONS):
                reg.record_decision(plans, case_ref=f"P{tag}-T{t}-{i}", team="Team", level="leder", actor=ACTOR,
                    decided_on=dt.date(2026, 12, 1), outcome="bevilget", paragraph="bl-32-1-2", step=3, monthly_cost=100,
                    start=dt.date(2026, 12, 1), required_level="team")
            for i in range(ITEMS):
                c.add_submission(reg, plans, meeting_id, sub, case_ref=f"P{tag}-T{t}-M{i}", actor=ACTOR)
        except Exception as exc:
            errors.append(repr(exc))

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for th in threads: th.start()
    for th in threads: th.join()
    reg.close()
    print(json.dumps(errors))
    sys.exit(1 if errors else 0)
    """
)
DECISIONS, ITEMS = 6, 2


def test_two_processes_of_eight_threads_lose_and_duplicate_nothing(open_register, migrated_url: str, tmp_path) -> None:
    reg = open_register(migrated_url)
    meeting = c.new_meeting(reg, PLANS, ON, "visitationsudvalg", actor=ACTOR)
    script = tmp_path / "worker.py"
    script.write_text(WORKER.replace("DECISIONS", str(DECISIONS)).replace("ITEMS", str(ITEMS)), encoding="utf-8")
    procs = [subprocess.Popen([sys.executable, str(script), migrated_url, str(meeting.id), tag, str(ROOT)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for tag in ("A", "B")]
    outs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    with reg.engine.connect() as conn:
        n_decisions = conn.execute(select(func.count()).select_from(decisions)).scalar_one()
        refs = conn.execute(select(func.count(func.distinct(decisions.c.case_ref)))).scalar_one()
    assert n_decisions == refs == 2 * 8 * DECISIONS
    agenda = c.build_agenda(reg, PLANS, meeting.id)
    assert len(agenda.items) == 2 * 8 * ITEMS
    assert sorted(i.case_ref for i in agenda.items) == sorted(f"P{tag}-T{t}-M{i}" for tag in "AB" for t in range(8) for i in range(ITEMS))
    assert [i.number for i in agenda.items] == list(range(1, 2 * 8 * ITEMS + 1))
    assert all(d.kompetenceoverskridelse is False for d in reg.decisions())


# -- the command line -----------------------------------------------------------------------------
def _cli(*args: str):
    from click.testing import CliRunner

    from kompetenceplan.cli import main

    no_plan = args[0] == "db" or args[:2] == ("decision", "list")
    return CliRunner().invoke(main, list(args) if no_plan else [*args, "--plan", str(NYBORG)])


def test_the_cli_runs_a_meeting_and_records_decisions(migrated_url: str, tmp_path) -> None:
    db = ("--db", migrated_url)
    assert _cli("meeting", "new", "--date", "2026-12-01", "--body", "visitationsudvalg", *db).exit_code == 0
    assert _cli("meeting", "new", "--date", "2026-12-01", "--body", "team", *db).exit_code == 2
    ready = _cli("meeting", "add", "1", str(EXAMPLES / "submissions" / f"{READY}.json"), *db)
    flagged = _cli("meeting", "add", "1", str(EXAMPLES / "submissions" / f"{LOWER}.json"), *db)
    assert (ready.exit_code, flagged.exit_code) == (0, 1)
    assert "ANDET NIVEAU" in flagged.output
    html = tmp_path / "dagsorden.html"
    assert _cli("meeting", "agenda", "1", "--format", "html", "--send", "-o", str(html), *db).exit_code == 0
    assert html.read_text(encoding="utf-8").count("<section>") == 2
    assert _cli("meeting", "outcome", "1", "1", "bevilget", *db).exit_code == 0
    assert _cli("meeting", "outcome", "1", "2", "udsat", *db).exit_code == 2  # reason required
    minutes = _cli("meeting", "minutes", "1", *db)
    assert minutes.exit_code == 0
    assert "**bevilget**" in minutes.output
    routed = _cli("register", "route", str(EXAMPLES / "cases" / "flere-indsatser-loefter-til-leder.json"), "--case-ref", "S-1", "--team", "Syd", "--on", "2026-12-01", "--format", "json", *db)
    assert routed.exit_code == 0
    assert json.loads(routed.output)["record"]["required_level"] == "leder"
    assert json.loads(routed.output)["record"]["advisor"] == local_actor().id  # the person at the machine, never typed
    common = (
        "--case-ref",
        "S-1",
        "--team",
        "Syd",
        "--date",
        "2026-12-02",
        "--outcome",
        "bevilget",
        "--paragraf",
        "bl-32-1-2",
        "--trin",
        "3",
        "--udgift",
        "8000",
        "--start",
        "2026-12-05",
        *db,
    )
    assert _cli("decision", "record", "--level", "leder", *common).exit_code == 0
    assert _cli("decision", "record", "--level", "leder", "--by", "DEF", *common).exit_code == 2  # no typed initials
    placed = [a if a != "bl-32-1-2" else "bl-47" for a in common]
    unlawful = _cli("decision", "record", "--level", "leder", "--required-level", "leder", *placed)
    assert unlawful.exit_code == 2
    assert "§ 47" in unlawful.output
    assert "Børne- og ungeudvalget" in unlawful.output
    assert "Traceback" not in unlawful.output
    low = _cli("decision", "record", "--level", "team", *common)
    assert low.exit_code == 1
    assert "KOMPETENCEOVERSKRIDELSE" in low.output
    listed = _cli("decision", "list", "--overskridelser", "--format", "json", *db)
    assert [d["level"] for d in json.loads(listed.output)] == ["team"]
    cpr = _cli("decision", "record", "--level", "leder", *common, "--note", "cpr 0101150000")
    assert cpr.exit_code == 2
    assert "0101150000" not in cpr.output
    history = tmp_path / "historik.jsonl"
    good = {
        "sagsreference": "H-1",
        "team": "Syd",
        "niveau": "leder",
        "truffet_af": "ABC",
        "dato": "2026-03-01",
        "udfald": "afslået",
        "paragraf": "bl-32-1-2",
        "trin": 3,
        "maanedlig_udgift": 100,
        "kraevet_niveau": "leder",
    }
    history.write_text(json.dumps(good) + "\nikke json\n", encoding="utf-8")
    imported = _cli("decision", "import", str(history), *db)
    assert imported.exit_code == 1
    assert "1 afgørelser importeret, 1 linjer sprunget over" in imported.output
    export = _cli("db", "export", *db)
    assert export.exit_code == 0
    assert {json.loads(line)["tabel"] for line in export.output.splitlines()} >= {"decisions", "meetings", "meeting_items", "routings"}
    purge = _cli("db", "purge", "--before", "2026-06-01", "--format", "json", *db)
    assert purge.exit_code == 0
    assert json.loads(purge.output)["deleted"]["decisions"] == 1


def test_the_cli_refuses_an_unmigrated_database_and_db_upgrade_fixes_it(db_url: str) -> None:
    refused = _cli("meeting", "new", "--date", "2026-12-01", "--body", "visitationsudvalg", "--db", db_url)
    assert refused.exit_code == 2
    assert "db upgrade" in refused.output
    assert "Traceback" not in refused.output
    assert _cli("db", "upgrade", "--db", db_url).exit_code == 0
    assert _cli("meeting", "new", "--date", "2026-12-01", "--body", "visitationsudvalg", "--db", db_url).exit_code == 0


# -- HTTP -----------------------------------------------------------------------------------------
def test_the_service_serves_the_register_and_meetings_with_db(migrated_url: str) -> None:
    pytest.importorskip("uvicorn")
    from .test_service import Server

    with Server(NYBORG, db_url=migrated_url) as server:
        try:
            status, meeting = server.call("POST", "/meetings", {"meeting_date": "2026-12-01", "body": "visitationsudvalg"})
            assert status == 200
            assert meeting["body"] == "visitationsudvalg"
            status, added = server.call("POST", f"/meetings/{meeting['id']}/items", {"submission": submission(READY)})
            assert status == 200
            assert added["number"] == 1
            assert added["item"]["ready"] is True
            status, bad = server.call("POST", f"/meetings/{meeting['id']}/items", {"submission": submission(READY) | {"formaal": "cpr 0101150000"}})
            assert status == 422
            assert "0101150000" not in json.dumps(bad)
            status, agenda = server.call("GET", f"/meetings/{meeting['id']}/agenda?format=markdown")
            assert status == 200
            assert "Punkt 1" in agenda
            status, out = server.call("POST", f"/meetings/{meeting['id']}/items/1/outcome", {"outcome": "bevilget"})
            assert status == 200
            assert out["decision_id"]
            status, minutes = server.call("GET", f"/meetings/{meeting['id']}/minutes?format=html")
            assert status == 200
            assert "bevilget" in minutes
            case = {k: v for k, v in json.loads((EXAMPLES / "cases" / "flere-indsatser-loefter-til-leder.json").read_text(encoding="utf-8")).items() if k != "beskrivelse"}
            status, routed = server.call("POST", "/register/route", {"case_ref": "S-1", "team": "Syd", "on": "2026-12-01", "case": case})
            assert status == 200
            assert routed["record"]["required_level"] == "leder"
            decision = {
                "case_ref": "S-1",
                "team": "Syd",
                "level": "team",
                "decided_on": "2026-12-02",
                "outcome": "bevilget",
                "paragraph": "bl-32-1-2",
                "step": 3,
                "monthly_cost": 8000,
                "start": "2026-12-02",
            }
            status, rec = server.call("POST", "/register/decisions", decision)
            assert status == 200
            assert rec["kompetenceoverskridelse"] is True
            assert rec["routing_id"] == routed["record"]["id"]
            assert rec["decided_by"] == rec["recorded_by"] == local_actor().id  # who, from the request, never from the body
            status, over = server.call("GET", "/register/decisions?overskridelser=true")
            assert status == 200
            assert [d["id"] for d in over["items"]] == [rec["id"]]
            assert over["next"] is None
            status, refused = server.call("POST", "/register/decisions", decision | {"paragraph": "bl-47", "level": "leder", "required_level": "leder", "step": 5})
            assert status == 422
            assert "§ 47" in json.dumps(refused, ensure_ascii=False)
        finally:
            server.app.app.state.register.close()


def test_the_service_without_db_has_no_register_endpoints() -> None:
    pytest.importorskip("uvicorn")
    from .test_service import Server

    with Server(NYBORG) as server:
        status, _ = server.call("GET", "/meetings")
        assert status == 404


def test_an_item_checked_with_another_plan_is_checked_again_and_flagged(open_register, migrated_url: str, tmp_path) -> None:
    import shutil

    reg = open_register(migrated_url)
    meeting = c.new_meeting(reg, PLANS, ON, "visitationsudvalg", actor=ACTOR)
    c.add_submission(reg, PLANS, meeting.id, submission(READY), actor=ACTOR)
    assert c.build_agenda(reg, PLANS, meeting.id).items[0].flags == []
    changed = tmp_path / "nyborg"
    shutil.copytree(NYBORG, changed)
    # Any edit changes the content fingerprint: the item was checked with another plan.
    plan_toml = changed / "plan.toml"
    plan_toml.write_text(plan_toml.read_text(encoding="utf-8") + "\n# ændret efter indstillingen blev tilføjet\n", encoding="utf-8")
    agenda = c.build_agenda(reg, load_plans(changed), meeting.id)
    assert any(f.startswith("PLANEN ER ÆNDRET") for f in agenda.items[0].flags)
    assert agenda.items[0].ready is True  # the same rules, checked again, still ready


def test_purge_takes_a_date_or_the_retention_setting(migrated_url: str, monkeypatch) -> None:
    assert _cli("db", "purge", "--db", migrated_url).exit_code == 2
    assert _cli("db", "purge", "--db", migrated_url, "--before", "2026-01-01", "--keep-years", "5").exit_code == 2
    monkeypatch.setenv("KOMPETENCEPLAN_RETENTION_YEARS", "5")
    done = _cli("db", "purge", "--db", migrated_url, "--format", "json")
    assert done.exit_code == 0, done.output
    before = dt.date.fromisoformat(json.loads(done.output)["before"])
    assert before.year == dt.date.today().year - 5


@pytest.mark.parametrize("title", ["Møde\n## Punkt 9", "Møde\u2028x", "Møde\x00", "x" * 201])
def test_a_meeting_title_is_one_line_of_text(open_register, migrated_url: str, title: str) -> None:
    """A title is printed into the agenda, the minutes and e-mails: a line break, a control
    character or more than 200 characters is refused (never cut or stored)."""
    reg = open_register(migrated_url)
    with pytest.raises(CaseError) as info:
        c.new_meeting(reg, PLANS, ON, "visitationsudvalg", title, actor=ACTOR)
    assert info.value.problems[0].where == "titel"
    assert c.list_meetings(reg, PLANS) == []
