"""What enters the register is checked where it enters (issue 22 items 5, 7, 8, 10 and 11): one
case-reference rule for every entry point, strict dates, idempotent imports, documents that cannot
be forged, and no CPR number or the person's own name in any written form."""

from __future__ import annotations

import datetime as dt
import json
import re
import warnings
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from kompetenceplan.cli import main
from kompetenceplan.danish import format_time
from kompetenceplan.errors import CaseError
from kompetenceplan.meetings import committee as c
from kompetenceplan.meetings.documents import agenda_html, agenda_markdown, minutes_html, minutes_markdown
from kompetenceplan.meetings.model import Agenda, AgendaItem, ItemFinding, Meeting
from kompetenceplan.store.db import make_engine, upgrade
from kompetenceplan.store.privacy import PersonalDataError, refuse_cpr, refuse_own_name
from kompetenceplan.store.register import Register, decision_key
from kompetenceplan.store.tables import decisions, payments
from kompetenceplan.tilsyn.finance import FinanceImportError, import_payments, payment_key

from .conftest import NYBORG, examples
from .register_fixtures import ACTOR
from .test_meetings import READY, submission
from .test_register import PLANS, decision_kwargs

with warnings.catch_warnings():  # starlette's TestClient warns about its httpx dependency on import
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

ON = dt.date(2026, 12, 1)
BAD_REFS = ["S 2026 1", "S#1", "S(1)", "S-1\n## Punkt 9", "<b>S-1</b>", "S-1;DROP", "", " ", "x" * 65]


def new_sqlite(folder: Path) -> str:
    url = f"sqlite:///{folder / 'register.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def client_for(url: str) -> Any:
    from kompetenceplan.service.app import create_app

    return TestClient(create_app(NYBORG, db_url=url), base_url="http://127.0.0.1")


# -- item 5: one case-reference rule -----------------------------------------------------------------
@pytest.mark.parametrize("ref", BAD_REFS)
def test_a_bad_case_reference_is_refused_at_every_entry_point(ref: str, tmp_path: Path) -> None:
    """A reference with a space, #, parentheses, a line break or markup is refused by the CLI, the
    API, the agenda (library and web), the decision import and the payments import alike."""
    url = new_sqlite(tmp_path)
    given = bool(ref.strip())  # an empty --case-ref means "not given": the submission's own sagsnummer is used
    with Register(url) as reg:
        meeting = c.new_meeting(reg, PLANS, ON, "visitationsudvalg", actor=ACTOR)
        with pytest.raises(CaseError) as err:
            c.add_submission(reg, PLANS, meeting.id, submission(READY) | {"sagsnummer": ref}, actor=ACTOR)
        assert err.value.problems[0].where == "sagsnummer"
        if given:
            with pytest.raises(CaseError) as err:
                c.add_submission(reg, PLANS, meeting.id, submission(READY), case_ref=ref, actor=ACTOR)
            assert err.value.problems[0].where == "sagsreference"
        with pytest.raises(CaseError) as err:
            reg.record_decision(PLANS, **decision_kwargs(case_ref=ref, required_level="leder"))
        assert "sagsreference" in [p.where for p in err.value.problems]
        line = {
            "sagsreference": ref,
            "team": "T",
            "niveau": "leder",
            "truffet_af": "DEF",
            "dato": "2026-12-01",
            "udfald": "bevilget",
            "paragraf": "bl-32-1-2",
            "trin": 3,
            "maanedlig_udgift": 1,
            "kraevet_niveau": "leder",
        }
        assert reg.import_decisions(PLANS, [json.dumps(line)], actor=ACTOR).imported == 0
        assert c.build_agenda(reg, PLANS, meeting.id).items == []
        assert reg.decisions() == []
        # the same calls with a good reference pass: the refusals above are the rule's
        assert c.add_submission(reg, PLANS, meeting.id, submission(READY), case_ref="S-2026-0042", actor=ACTOR).number == 1
    engine = make_engine(url)
    with pytest.raises(FinanceImportError, match="sagsreference"):
        import_payments(engine, PLANS, json.dumps({"sagsreference": ref, "betalt_dato": "2026-10-01", "beloeb": 1, "paragraf": "bl-46"}).encode(), "b.jsonl")
    engine.dispose()
    client = client_for(url)
    # the API names the request's own fields (issue 23): the submission's sagsnummer, the body's case_ref
    response = client.post(f"/meetings/{meeting.id}/items", json={"submission": submission(READY) | {"sagsnummer": ref}})
    assert response.status_code == 422
    assert response.json()["problems"][0]["where"] == "indstilling.sagsnummer"
    if given:
        assert client.post(f"/meetings/{meeting.id}/items", json={"case_ref": ref, "submission": submission(READY)}).status_code == 422
        assert client.post("/register/route", json={"case_ref": ref, "team": "T", "on": "2026-12-01", "case": {"paragraf": "bl-32-1-5", "trin": 3}}).status_code == 422
    client.close()
    if "\n" not in ref and given:
        result = CliRunner().invoke(
            main,
            [
                "decision",
                "record",
                "--db",
                url,
                "--plan",
                str(NYBORG),
                "--case-ref",
                ref,
                "--team",
                "T",
                "--level",
                "leder",
                "--date",
                "2026-12-01",
                "--outcome",
                "bevilget",
                "--paragraf",
                "bl-32-1-2",
                "--trin",
                "3",
                "--udgift",
                "1",
                "--start",
                "2026-12-01",
                "--required-level",
                "leder",
            ],
        )
        assert result.exit_code == 2
        assert "sagsreference" in result.output


@examples(30)
@given(ref=st.from_regex(r"[A-Za-zÆØÅæøå0-9_.:/-]{1,64}", fullmatch=True))
def test_every_reference_accepted_onto_the_agenda_can_be_decided_and_replaced(ref: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Whatever the agenda accepts, an outcome can be recorded for and a new version can replace."""
    try:
        refuse_cpr({"x": ref})
    except PersonalDataError:
        return  # a CPR-shaped reference is refused at the door, before the rule
    url = new_sqlite(tmp_path_factory.mktemp("ref"))
    with Register(url) as reg:
        meeting = c.new_meeting(reg, PLANS, ON, "visitationsudvalg", actor=ACTOR)
        added = c.add_submission(reg, PLANS, meeting.id, submission(READY), case_ref=ref, actor=ACTOR)
        assert added.item.case_ref == ref.strip()
        c.add_submission(reg, PLANS, meeting.id, submission(READY) | {"formaal": "Nyt formål."}, case_ref=ref, replaces=added.number, actor=ACTOR)
        outcome = c.record_outcome(reg, PLANS, meeting.id, added.number, "bevilget", actor=ACTOR)
        assert outcome.decision_id is not None
        assert reg.decisions(case_ref=ref.strip())


# -- item 7: strict dates and Danish time --------------------------------------------------------------------
@pytest.mark.parametrize("value", [0, "0", 1764547200, True, "2026-12-01T00:00:00+05:00", "2026-12-01T00:00:00Z", "01-12-2026"])
def test_the_apis_dates_are_strict(value: Any, tmp_path: Path) -> None:
    """{"start": 0} is refused (never 1970-01-01), and a date with a time zone is refused (never the zone dropped)."""
    url = new_sqlite(tmp_path)
    client = client_for(url)
    body = {
        "case_ref": "S-1",
        "team": "T",
        "level": "leder",
        "decided_on": "2026-12-01",
        "outcome": "bevilget",
        "paragraph": "bl-32-1-2",
        "step": 3,
        "monthly_cost": 1,
        "start": value,
        "required_level": "leder",
    }
    response = client.post("/register/decisions", json=body)
    assert response.status_code == 422
    assert [p["where"] for p in response.json()["problems"]] == ["body.start"]
    assert client.post("/meetings", json={"meeting_date": value, "body": "visitationsudvalg"}).status_code == 422
    assert client.get("/register/decisions", params={"start": str(value)}).status_code == 422
    with Register(url) as reg:
        assert reg.decisions() == []
        line = {
            "sagsreference": "H-1",
            "team": "T",
            "niveau": "leder",
            "truffet_af": "DEF",
            "dato": value,
            "udfald": "bevilget",
            "paragraf": "bl-32-1-2",
            "trin": 3,
            "maanedlig_udgift": 1,
            "kraevet_niveau": "leder",
        }
        report = reg.import_decisions(PLANS, [json.dumps(line)], actor=ACTOR)
        assert report.imported == 0
        assert "ÅÅÅÅ-MM-DD" in json.dumps(report.skipped, ensure_ascii=False)
    client.close()


def test_times_are_stored_in_utc_and_shown_in_danish_time(open_register, migrated_url: str) -> None:
    """The agenda's send time is stored in UTC and shown in Danish time (an hour or two later) on the page and in the documents."""
    reg = open_register(migrated_url)
    meeting = c.new_meeting(reg, PLANS, ON, "visitationsudvalg", actor=ACTOR)
    c.add_submission(reg, PLANS, meeting.id, submission(READY), actor=ACTOR)
    sent = c.send_agenda(reg, PLANS, meeting.id, actor=ACTOR).sent_at
    assert sent is not None
    assert sent.utcoffset() == dt.timedelta(0)
    shown = format_time(sent)
    utc_clock = f"kl. {sent:%H.%M}"
    assert shown.endswith(("kl. " + f"{(sent + dt.timedelta(hours=1)):%H.%M}", "kl. " + f"{(sent + dt.timedelta(hours=2)):%H.%M}"))
    assert not shown.endswith(utc_clock)
    agenda = c.build_agenda(reg, PLANS, meeting.id)
    assert f"Udsendt: {shown}" in agenda_markdown(agenda)
    assert f"Udsendt {shown}" in agenda_html(agenda)


# -- item 8: idempotent imports ----------------------------------------------------------------------------
def _lines() -> list[dict[str, Any]]:
    base = {"team": "Team Syd", "niveau": "leder", "truffet_af": "ABC", "dato": "2026-03-01", "udfald": "bevilget", "paragraf": "bl-32-1-2", "trin": 3, "kraevet_niveau": "leder"}
    return [base | {"sagsreference": "H-1", "maanedlig_udgift": 8000}, base | {"sagsreference": "H-2", "maanedlig_udgift": "12.000,50", "note": "æøå"}]


def test_a_decision_import_rerun_stores_nothing_new_and_says_so(tmp_path: Path) -> None:
    """The same decisions with a byte-order mark, CRLF, other key order or another spelling of the amount: stored once; the rerun says so, exit 0."""
    url = new_sqlite(tmp_path)
    first = tmp_path / "historik.jsonl"
    first.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in _lines()), encoding="utf-8")
    again = tmp_path / "igen.jsonl"
    respelled = [dict(reversed(list(line.items()))) | ({"maanedlig_udgift": "8.000"} if line["sagsreference"] == "H-1" else {}) for line in _lines()]
    again.write_bytes(b"\xef\xbb\xbf" + "".join(json.dumps(line, ensure_ascii=False) + "\r\n" for line in respelled).encode())
    runner = CliRunner()
    args = ["decision", "import", "--db", url, "--plan", str(NYBORG)]
    assert runner.invoke(main, [*args[:2], str(first), *args[2:]]).exit_code == 0
    for path in (first, again):
        result = runner.invoke(main, [*args[:2], str(path), *args[2:]])
        assert result.exit_code == 0, result.output
        assert "Intet nyt: alle 2 linjer var allerede i registeret" in result.output
    with Register(url) as reg:
        assert sorted(d.case_ref for d in reg.decisions()) == ["H-1", "H-2"]
        report = reg.import_decisions(PLANS, [json.dumps(_lines()[0]), json.dumps(_lines()[0])], actor=ACTOR)
        assert (report.imported, report.already_imported, report.already_lines) == (0, 2, [1, 2])


def test_migration_0009_gives_earlier_imports_the_same_keys(tmp_path: Path) -> None:
    """Payments imported three times and decisions imported twice before the keys existed: after the
    migration a rerun stores nothing new, and every row is kept."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    upgrade(engine, "0004")
    csv = "sagsreference;betalt_dato;beloeb;paragraf;tekst\nS-1;2026-10-31;12.500,00;bl-46;Plejeløn\nS-1;2026-10-31;12.500,00;bl-46;Plejeløn\n"
    now = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    with engine.begin() as conn:
        for batch in ("a", "b", "c"):  # the old bug: the same lines in three files
            for n in (2, 3):
                conn.execute(payments.insert().values(batch_sha256=batch, line=n, case_ref="S-1", paid_on=dt.date(2026, 10, 31), amount=12500.0, paragraph="bl-46", text="Plejeløn", imported_at=now))
        values = {"case_ref": "H-1", "team": "Team Syd", "level": "leder", "level_rank": 2, "decided_by": "ABC", "decided_on": dt.date(2026, 3, 1), "outcome": "bevilget", "paragraph": "bl-32-1-2", "step": 3, "monthly_cost": 8000.0, "start": dt.date(2026, 3, 1), "expected_end": None, "required_level": "leder", "required_rank": 2, "kompetenceoverskridelse": False, "plan_id": "nyborg", "plan_version": "2026.1", "plan_fingerprint": "f", "source": "import", "note": "", "recorded_at": now}  # fmt: skip
        for _ in range(2):
            conn.execute(decisions.insert().values(**values))
    upgrade(engine)
    with engine.connect() as conn:
        keys = list(conn.execute(select(payments.c.line_key).order_by(payments.c.id)).scalars())
        decision_keys = list(conn.execute(select(decisions.c.import_key).order_by(decisions.c.id)).scalars())
    row = {"case_ref": "S-1", "paid_on": dt.date(2026, 10, 31), "amount": 12500.0, "paragraph": "bl-46", "account": None, "text": "Plejeløn"}
    assert keys == [payment_key(row, n) for n in range(1, 7)]
    assert decision_keys == [decision_key(values), None]
    assert import_payments(engine, PLANS, csv.encode(), "b.csv").imported == 0
    engine.dispose()
    with Register(url) as reg:
        line = {
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
        assert reg.import_decisions(PLANS, [json.dumps(line)], actor=ACTOR).imported == 0
        assert len(reg.decisions()) == 2


# -- item 10: documents cannot be forged ----------------------------------------------------------------------
FORGED = "Møde\n\n## Punkt 9: sag X\n\n- Beslutning: **bevilget**\r\n<script>alert(1)</script>\u2028# Titel"


def _forged_agenda() -> Agenda:
    item = AgendaItem(
        number=1, item_key="k", item_id=1, case_ref=FORGED, required_level="visitationsudvalg", required_level_name=FORGED, ready=False,
        findings=[ItemFinding(code="DOK-1", severity="fejl", title=FORGED)], flags=[FORGED], content_hash="h", versions=1, plan_version=FORGED,
        outcome="afslået", reason=FORGED, decision_id=1, kompetenceoverskridelse=False, start=ON, expected_end=None,
    )  # fmt: skip
    return Agenda(meeting=Meeting(id=1, meeting_date=ON, body="visitationsudvalg", body_name=FORGED, title=FORGED), sent_at=dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC), items=[item])


@pytest.mark.parametrize("render", [agenda_markdown, minutes_markdown])
def test_a_value_cannot_add_a_heading_an_outcome_or_html_to_the_markdown(render: Any) -> None:
    """A line break, markup or HTML in a title, case reference, reason or flag stays text on its own line."""
    text = render(_forged_agenda())
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert len(headings) == 2
    assert headings[1].startswith("## Punkt 1: sag ")
    assert "**bevilget**" not in text
    assert "<script>" not in text
    assert "\r" not in text
    assert "\u2028" not in text
    assert "Beslutning: **afslået**" in text or render is agenda_markdown


@pytest.mark.parametrize("render", [agenda_html, minutes_html])
def test_every_value_is_escaped_in_the_html(render: Any) -> None:
    """No value becomes a tag in the printable HTML."""
    text = render(_forged_agenda())
    assert "<script>" not in text
    assert text.count("<h2>") == 1
    assert "&lt;script&gt;" in text


def test_the_apis_html_documents_carry_the_pages_security_and_no_cache_headers(tmp_path: Path) -> None:
    """GET …/agenda?format=html, …/minutes?format=html and /plan/rendered?format=html: the pages' headers; the inline style is allowed by its hash only."""
    url = new_sqlite(tmp_path)
    with Register(url) as reg:
        meeting = c.new_meeting(reg, PLANS, ON, "visitationsudvalg", "Titel <b>fed</b>", actor=ACTOR)
    from kompetenceplan.web.views import HEADERS

    client = client_for(url)
    page = client.get("/")
    for path in (f"/meetings/{meeting.id}/agenda?format=html", f"/meetings/{meeting.id}/minutes?format=html", "/plan/rendered?format=html"):
        response = client.get(path)
        assert response.status_code == 200
        for name, value in HEADERS.items():
            if name != "Content-Security-Policy":
                assert response.headers[name] == value == page.headers[name], (path, name)
        policy = response.headers["Content-Security-Policy"]
        assert policy.startswith(page.headers["Content-Security-Policy"].split("style-src")[0])
        assert "'unsafe-inline'" not in policy
        assert re.search(r"style-src 'self' 'sha256-[A-Za-z0-9+/=]+'", policy)
        assert "frame-ancestors 'none'" in policy
        assert "<b>fed</b>" not in response.text
    for fmt in ("markdown", "json"):
        assert client.get(f"/meetings/{meeting.id}/agenda?format={fmt}").headers["Cache-Control"] == "no-store"
    client.close()


# -- item 11: CPR in every written form, the person's own name ------------------------------------------------
@pytest.mark.parametrize("text", ["010190 1234", "01.01.90-1234", "01.01.90 1234", "01 01 90 1234", "01-01-90-1234", "010190\u00a01234", "010190–1234", "Barnet (01.01.90-1234) bor hjemme"])
def test_a_cpr_number_written_with_spaces_or_dots_is_refused_and_never_echoed(text: str, tmp_path: Path) -> None:
    """Every written form of a CPR number is refused in a note, in a submission and in a payment's text."""
    with pytest.raises(PersonalDataError) as err:
        refuse_cpr({"note": text})
    assert text not in err.value.render()
    url = new_sqlite(tmp_path)
    with Register(url) as reg:
        with pytest.raises(PersonalDataError):
            reg.record_decision(PLANS, **decision_kwargs(note=text, required_level="leder"))
        meeting = c.new_meeting(reg, PLANS, ON, "visitationsudvalg", actor=ACTOR)
        with pytest.raises(PersonalDataError):
            c.add_submission(reg, PLANS, meeting.id, submission(READY) | {"formaal": f"Formål. {text}"}, actor=ACTOR)
    engine = make_engine(url)
    with pytest.raises(FinanceImportError, match="CPR"):
        import_payments(engine, PLANS, f"sagsreference;betalt_dato;beloeb;paragraf;tekst\nS-1;2026-10-01;100;bl-46;{text}\n".encode(), "b.csv")
    engine.dispose()


@pytest.mark.parametrize("text", ["12.000 kr.", "2026-12-01 kl. 10.00", "S-2026-0042", "tlf. 12 34 56 78", "1.234.567,89", "bl-32-1-2", "konto 1234 123456"])
def test_ordinary_numbers_are_not_taken_for_cpr_numbers(text: str) -> None:
    """Amounts, dates, times, phone numbers and references pass."""
    refuse_cpr({"note": text})


def test_free_text_naming_the_submissions_own_person_is_refused(tmp_path: Path) -> None:
    """The name in 'borger' is dropped before storing; the same name in the free text is refused (field named, name never shown)."""
    named = submission(READY) | {"borger": {"navn": "Ditte Marie Hansen"}}
    for text in ("Ditte Marie Hansen er glad for plejefamilien.", "ditte  hansen ønsker det", "Samtale med DITTE MARIE HANSEN"):
        with pytest.raises(PersonalDataError) as err:
            refuse_own_name(named | {"formaal": text})
        assert "Ditte" not in err.value.render()
        assert "Hansen" not in err.value.render()
        assert err.value.problems[0].where == "indstilling.formaal"
    refuse_own_name(named | {"formaal": "Hansen-familiens plejebarn; Ditte er et andet barn."})  # a single name is an ordinary word
    url = new_sqlite(tmp_path)
    with Register(url) as reg:
        meeting = c.new_meeting(reg, PLANS, ON, "visitationsudvalg", actor=ACTOR)
        with pytest.raises(PersonalDataError):
            c.add_submission(reg, PLANS, meeting.id, named | {"formaal": "Ditte Marie Hansen skal i plejefamilie."}, actor=ACTOR)
        assert c.add_submission(reg, PLANS, meeting.id, named, actor=ACTOR).item.case_ref
