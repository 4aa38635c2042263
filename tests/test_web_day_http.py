"""The users' day without a browser (issue 25; FastAPI's TestClient on a real SQLite register):
one test for each row of the issue's table — what could not be done, or was done badly — plus
the pieces the browser walk (tests/test_web_day.py) relies on: the indstilling form generated
from the submission model, its drafts and versions, withdrawing, the agenda's content, the PDF
(read back as text and rendered to images), sending through a real SMTP server with STARTTLS and
a login, Danish dates, times and quarters, and the Danish 404 page."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import shutil
import ssl
import subprocess
import threading
import warnings
from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("jinja2")
pytest.importorskip("sqlalchemy")

with warnings.catch_warnings():  # starlette's TestClient warns about its httpx dependency on import
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from kompetenceplan import check, load_plans
from kompetenceplan.danish import DanishTextError, quarter_code, read_quarter
from kompetenceplan.meetings import committee
from kompetenceplan.meetings.drafts import list_drafts, save_draft, versions
from kompetenceplan.model.submission import Submission, field_paths
from kompetenceplan.service.app import create_app
from kompetenceplan.store.db import make_engine, upgrade
from kompetenceplan.web.danish import date_text, quarter_text, time_text
from kompetenceplan.web.submission_form import form_values, submission_form, submission_from_form

from .conftest import EXAMPLES, NYBORG
from .register_fixtures import ACTOR

PLANS = load_plans(NYBORG)
SOON = dt.date.today() + dt.timedelta(days=14)
SUB_46 = EXAMPLES / "submissions" / "plejefamilie-46-klar.json"
SUB_47 = EXAMPLES / "submissions" / "anbringelse-uden-samtykke-47-klar.json"
SUB_108 = EXAMPLES / "submissions" / "botilbud-108-klar.json"
CASE = EXAMPLES / "cases" / "plejefamilie-med-samtykke-visitationsudvalg.json"


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def chosen_meeting(page: str) -> list[str]:
    """The meeting pre-selected in the indstilling's "Møde" list."""
    found = re.search(r'<select id="moede".*?</select>', page, flags=re.S)
    return re.findall(r'<option value="(\d+)" selected>', found.group(0)) if found else []


def sel_129() -> dict[str, Any]:
    """An adult's placement in a botilbud without consent (serviceloven § 129): Familieretshuset decides."""
    sub = load(SUB_108)
    sub["sag"] = sub["sag"] | {"paragraf": "sel-129", "samtykke": False}
    sub["sagsnummer"] = "EKS-2026-0129"
    return sub


def text_of(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def main_text(page: str) -> str:
    """The page's main text as a person reads it: without the closed "detaljer" for plan owners."""
    body = re.search(r"<main.*?</main>", page, flags=re.S).group(0)  # type: ignore[union-attr]
    return text_of(re.sub(r"<details class=\"more details-owner\".*?</details>", "", body, flags=re.S))


class Client:
    def __init__(self, app: Any) -> None:
        self.http = TestClient(app, base_url="http://127.0.0.1")

    def get(self, path: str, **kw: Any) -> Any:
        return self.http.get(path, **kw)

    def token(self) -> str:
        return re.search(r'name="csrf" value="([^"]+)"', self.get("/indstilling").text).group(1)  # type: ignore[union-attr]

    def post(self, path: str, fields: dict[str, str], **kw: Any) -> Any:
        return self.http.post(path, data={"csrf": self.token()} | fields, follow_redirects=False, **kw)


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'register.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture
def app(db: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Any]:
    members = tmp_path / "udvalg.toml"
    members.write_text('[udvalg.visitationsudvalg]\nmedlemmer = [{ navn = "Anne Andersen", email = "anne@nyborg.example" }]\n', encoding="utf-8")
    monkeypatch.setenv("KOMPETENCEPLAN_UDVALG", str(members))
    monkeypatch.delenv("KOMPETENCEPLAN_SMTP_HOST", raising=False)
    application = create_app(NYBORG, db_url=db)
    yield application
    application.app.state.register.close()


@pytest.fixture
def client(app: Any) -> Client:
    return Client(app)


@pytest.fixture
def reg(app: Any) -> Any:
    return app.app.state.register


def advisor_values() -> dict[str, str]:
    from kompetenceplan.plan.model import format_number

    return {k: ("ja" if v is True else "nej" if v is False else format_number(v) if isinstance(v, (int, float)) else str(v)) for k, v in load(CASE).items() if k in PLANS.latest.inputs}


# -- row 1: the advisor saves the answer, or turns it into an indstilling ---------------------------------------


class TestAdvisorSavesAndMakesAnIndstilling:
    def test_saving_says_so_in_plain_danish_at_the_top_with_the_focus(self, client: Client, reg: Any) -> None:
        """ "Gem i registret" stores the routing with the signed-in person and says so in a banner at
        the top that takes the focus — no database id, no command."""
        r = client.post("/hvem-skal-afgoere/gem", advisor_values() | {"sagsreference": "S-2026-0042", "team": "Team Syd"})
        assert r.status_code == 200
        banner = re.search(r'<div class="notice notice-success" role="status" tabindex="-1" id="gemt" autofocus data-focus><p>(.*?)</p>', r.text)
        assert banner is not None
        assert r.text.index('id="gemt"') < r.text.index('id="afgoer-form"')
        assert "S-2026-0042" in banner.group(1)
        assert "nr." not in banner.group(1)
        assert ACTOR.name not in banner.group(1)
        assert 'id="gem-routing">Gem i registret<' in r.text
        assert 'id="lav-indstilling"' in r.text

    def test_the_journal_text_is_plain_danish(self, client: Client) -> None:
        """The text for the journal names the level, the reason and the legal basis: no rule id and no command line."""
        r = client.post("/hvem-skal-afgoere", advisor_values())
        journal = html.unescape(re.search(r'<pre class="explain" id="journaltekst">(.*?)</pre>', r.text, flags=re.S).group(1))  # type: ignore[union-attr]
        assert "Afgørelsen træffes af: Visitationsudvalget." in journal
        assert not re.search(r"kompetenceplan (render|route|plan)|\b[BV]-[A-Z0-9-]+\b|\[U\]", journal), journal

    def test_lav_indstilling_opens_the_indstilling_prefilled_from_the_routing(self, client: Client) -> None:
        """The case, its number and the economy the standard compares with the case come along."""
        case = load(CASE)
        r = client.post("/indstilling/ny", advisor_values() | {"sagsreference": "S-2026-0042", "fra_routing": "1"})
        assert r.status_code == 200
        assert re.search(r'id="sagsnummer" name="sagsnummer" value="S-2026-0042"', r.text)
        assert re.search(rf'<option value="{case["paragraf"]}"[^>]*selected', r.text)
        assert re.search(r'id="oekonomi-pris_pr_maaned" name="oekonomi.pris_pr_maaned" value="38.000"', r.text)
        assert re.search(r'id="oekonomi-varighed_maaneder" name="oekonomi.varighed_maaneder" value="24"', r.text)
        assert "udfyldt med sagens oplysninger fra routingen" in r.text


# -- row 2: the secretary writes an indstilling -------------------------------------------------------------------


class TestTheIndstillingAsAForm:
    def test_every_part_of_the_submission_model_is_a_control(self) -> None:
        """Generated from the model: every path a requirement may name has a control (the person never)."""
        plan = PLANS.latest
        shown = set()
        for s in submission_form(plan):
            shown.add(s.key)
            shown |= {c.path for c in s.controls}
        assert field_paths() <= shown
        assert "borger" not in shown
        assert [s.key for s in submission_form(plan)] == [k for k in Submission.model_fields if k != "borger"]

    @pytest.mark.parametrize("path", sorted((EXAMPLES / "submissions").glob("*.json")), ids=lambda p: p.stem)
    def test_the_form_round_trips_every_example(self, path: Path) -> None:
        """A submission shown in the form and read back is the same submission (without the person)."""
        plan = PLANS.latest
        sub = {k: v for k, v in load(path).items() if k != "borger"}
        back, errors = submission_from_form(plan, form_values(plan, sub))
        assert errors.fields == {}
        assert Submission.model_validate(back) == Submission.model_validate(sub)

    def test_the_page_has_a_labelled_control_for_each_part_and_the_vocabularies_from_the_plan(self, client: Client) -> None:
        page = client.get("/indstilling/ny").text
        for label_for in re.findall(r'<label for="([^"]+)"', page):
            assert f'id="{label_for}"' in page, label_for
        types = re.search(r'<select id="dokumenter-0-type".*?</select>', page, flags=re.S).group(0)  # type: ignore[union-attr]
        assert all(f'value="{code}"' in types for code in PLANS.latest.document_types)
        roles = re.search(r'<select id="samtykker-0-fra".*?</select>', page, flags=re.S).group(0)  # type: ignore[union-attr]
        assert [html.unescape(t) for t in re.findall(r'<option value="[^"]+"[^>]*>([^<]+)</option>', roles)] == [r.label for r in PLANS.latest.consent_roles.values()]
        assert "Forvaltningens indstilling til udvalget" in page
        assert 'name="borger' not in page
        form = re.search(r'<form class="draft-form".*?</form>', page, flags=re.S).group(0)  # type: ignore[union-attr]
        first = re.search(r"<button type=\"submit\"[^>]*>", form).group(0)  # type: ignore[union-attr]
        assert 'value="gem"' in first  # Enter in a field saves: the form's default button

    def test_saved_as_draft_versions_with_the_findings_beside_their_fields(self, client: Client, reg: Any) -> None:
        """Each save is a version in the register; the report's findings stand beside their fields in plain Danish."""
        plan = PLANS.latest
        values = form_values(plan, {k: v for k, v in load(SUB_46).items() if k not in ("borger", "dokumenter", "formaal")}) | {"handling": "gem"}
        r = client.post("/indstilling/ny", values)
        assert r.status_code == 303
        key = re.fullmatch(r"/indstilling/kladde/([0-9a-f]{32})\?gemt=1", r.headers["location"]).group(1)  # type: ignore[union-attr]
        page = client.get(r.headers["location"]).text
        assert "Indstillingen er gemt som version 1." in page
        assert 'id="besked" autofocus' in page
        for slot in ("dokumenter", "formaal"):
            found = re.search(rf'data-findings-for="{slot}">(.*?)</div>', page, flags=re.S).group(1)  # type: ignore[union-attr]
            assert "finding-fejl" in found, slot
            assert not re.search(r"DOK-\d+|\[U\]", text_of(found)), slot
        expected = check(plan, {k: v for k, v in load(SUB_46).items() if k not in ("borger", "dokumenter", "formaal")}, on=dt.date.today())
        assert sorted(re.findall(r'class="finding finding-\w+" data-code="([^"]+)"', page)) == sorted(f.code for f in expected.findings)
        # the second version: the purpose written; the version before is kept
        r = client.post(f"/indstilling/kladde/{key}", values | {"formaal": "At barnet får en stabil hverdag."})
        assert r.headers["location"] == f"/indstilling/kladde/{key}?gemt=2"
        assert [v.version for v in versions(reg, key)] == [1, 2]
        assert versions(reg, key)[0].submission.get("formaal") is None
        # unchanged: no new version, and the page says so
        r = client.post(f"/indstilling/kladde/{key}", values | {"formaal": "At barnet får en stabil hverdag."})
        assert "uaendret=1" in r.headers["location"]
        assert len(versions(reg, key)) == 2
        assert [d.key for d in list_drafts(reg)] == [key]

    def test_a_field_that_cannot_be_read_is_named_and_nothing_is_saved(self, client: Client, reg: Any) -> None:
        r = client.post("/indstilling/ny", {"sagsnummer": "S-1", "dokumenter.0.type": "bfu", "dokumenter.0.dato": "31.02.2026", "handling": "gem"})
        assert r.status_code == 200
        assert list_drafts(reg) == []
        summary = re.search(r'<div class="error-summary" role="alert" tabindex="-1" id="fejlliste" autofocus data-focus>.*?</div>', r.text, flags=re.S).group(0)  # type: ignore[union-attr]
        assert 'href="#dokumenter-0-dato"' in summary
        assert "Dokumenter, række 1: dato" in summary
        assert re.search(r'id="dokumenter-0-dato-error" role="alert">.*?Skal være en dato', r.text, flags=re.S)
        assert 'value="31.02.2026"' in r.text  # kept

    def test_the_live_check_gives_the_findings_by_field(self, client: Client) -> None:
        """As one types (the page's script): the findings by the slot they belong to, rendered by the server."""
        values = form_values(PLANS.latest, {k: v for k, v in load(SUB_46).items() if k not in ("borger", "formaal")})
        answer = client.post("/indstilling/tjek", values, headers={"Accept": "application/json"}).json()
        assert answer["ok"]
        assert "formaal" in answer["findings"]
        assert "finding-fejl" in answer["findings"]["formaal"]
        answer = client.post("/indstilling/tjek", values | {"formaal": "At barnet trives."}, headers={"Accept": "application/json"}).json()
        assert "formaal" not in answer["findings"]
        assert "klar" in answer["status"]

    def test_json_upload_stays_for_case_tools(self, client: Client) -> None:
        r = client.http.post("/indstilling", data={"csrf": client.token(), "moededato": SOON.isoformat()}, files=[("filer", (SUB_46.name, SUB_46.read_bytes(), "application/json"))])
        assert r.status_code == 200
        assert 'class="report"' in r.text


# -- row 3: add to a meeting ---------------------------------------------------------------------------------------


def meeting(client: Client, body: str = "visitationsudvalg", day: dt.date = SOON) -> int:
    r = client.post("/moede", {"moededato": day.isoformat(), "udvalg": body, "titel": f"Møde {body}"})
    return int(re.search(r"/moede/(\d+)", r.headers["location"]).group(1))  # type: ignore[union-attr]


class TestAddToAMeeting:
    def test_the_required_body_s_meeting_is_preselected_and_another_asks_first(self, client: Client, reg: Any) -> None:
        """A § 47 indstilling: børne- og ungeudvalget's meeting pre-selected; adding it to the
        visitationsudvalg's meeting asks what and why first and adds nothing until confirmed."""
        vu, bu = meeting(client), meeting(client, "boerne_og_ungeudvalg", SOON + dt.timedelta(days=2))
        saved = save_draft(reg, PLANS, load(SUB_47), actor=ACTOR, on=SOON)
        page = client.get(f"/indstilling/kladde/{saved.key}").text
        assert re.search(rf'<option value="{bu}" selected>', page)
        assert not re.search(rf'<option value="{vu}" selected>', page)
        r = client.post(f"/indstilling/kladde/{saved.key}/moede", {"moede": str(vu)})
        assert r.status_code == 200
        assert 'id="bekraeft"' in r.text
        assert "Børne- og ungeudvalget" in text_of(r.text)
        assert committee.build_agenda(reg, PLANS, vu).items == []
        r = client.post(f"/indstilling/kladde/{saved.key}/moede", {"moede": str(vu), "bekraeftet": "ja"})
        assert r.status_code == 303
        assert [i.case_ref for i in committee.build_agenda(reg, PLANS, vu).items] == [saved.case_ref]

    def test_each_case_s_committee_meeting_is_preselected(self, client: Client, reg: Any) -> None:
        """With separate visitation committees (issue 27): a child's case pre-selects the children's
        committee, an adult's the adults', a § 47 case børne- og ungeudvalget, and a case for
        Familieretshuset (serviceloven § 129) the adults' committee, which puts it to Familieretshuset;
        another committee's meeting asks first and names the committee the case belongs to."""
        boern = meeting(client, "visitationsudvalg_boern")
        voksne = meeting(client, "visitationsudvalg_voksne", SOON + dt.timedelta(days=1))
        bu = meeting(client, "boerne_og_ungeudvalg", SOON + dt.timedelta(days=2))
        cases = {SUB_46: boern, SUB_108: voksne, SUB_47: bu}
        for path, expected in cases.items():
            saved = save_draft(reg, PLANS, load(path), actor=ACTOR, on=SOON)
            page = client.get(f"/indstilling/kladde/{saved.key}").text
            assert chosen_meeting(page) == [str(expected)], path.name
        saved = save_draft(reg, PLANS, sel_129(), actor=ACTOR, on=SOON)
        page = client.get(f"/indstilling/kladde/{saved.key}").text
        assert chosen_meeting(page) == [str(voksne)]
        assert "Familieretshuset" in text_of(page)
        assert "på indstilling fra Visitationsudvalget for voksne" in text_of(page)
        child = save_draft(reg, PLANS, load(SUB_46) | {"sagsnummer": "S-2026-0046"}, actor=ACTOR, on=SOON)
        r = client.post(f"/indstilling/kladde/{child.key}/moede", {"moede": str(voksne)})
        assert 'id="bekraeft"' in r.text
        assert "Visitationsudvalget for børn og unge" in text_of(r.text)
        assert committee.build_agenda(reg, PLANS, voksne).items == []
        r = client.post(f"/moede/{voksne}/kladde", {"kladde": child.key})
        assert 'id="bekraeft"' in r.text
        assert "Visitationsudvalget for børn og unge" in text_of(r.text)
        assert client.post(f"/moede/{voksne}/kladde", {"kladde": saved.key}).status_code == 303  # its own committee: no question
        on_page = client.get(f"/moede/{voksne}").text
        offered = re.findall(r'<select id="kladde".*?</select>', on_page, flags=re.S)[0]
        assert [html.unescape(o) for o in re.findall(r'<option value="[0-9a-f]+">Sag ([^ ]+)', offered)][0] == load(SUB_108)["sagsnummer"]  # the adults' case first

    def test_a_case_for_familieretshuset_is_put_to_it_with_oversendt(self, client: Client, reg: Any) -> None:
        """The outcome select offers oversendt and explains it; for a § 129 case the adults' committee
        cannot grant (the library's refusal on the field), and oversendt goes to Familieretshuset,
        pre-selected, without a confirmation — the minutes say 'indstillet til Familieretshuset'."""
        from kompetenceplan.meetings.model import OUTCOMES

        voksne = meeting(client, "visitationsudvalg_voksne")
        committee.add_submission(reg, PLANS, voksne, sel_129(), actor=ACTOR)
        page = client.get(f"/moede/{voksne}").text
        form = re.search(r'<form class="outcome-form".*?</form>', page, flags=re.S).group(0)  # type: ignore[union-attr]
        assert re.findall(r'<option value="([^"]+)"', re.search(r'<select id="udfald-1".*?</select>', form, flags=re.S).group(0)) == list(OUTCOMES)  # type: ignore[union-attr]
        assert "Oversendt" in text_of(form)
        assert "loven giver sagen" in text_of(form)
        assert re.search(r'<option value="familieretshuset" selected>', form)
        r = client.post(f"/moede/{voksne}/punkt/1", {"udfald": "bevilget", "begrundelse": ""})
        assert r.status_code == 200
        assert 'id="bekraeft"' not in r.text
        assert 'id="fejlliste"' in r.text
        assert "Familieretshuset" in text_of(r.text)
        assert committee.build_agenda(reg, PLANS, voksne).items[0].outcome is None
        r = client.post(f"/moede/{voksne}/punkt/1", {"udfald": "oversendt", "begrundelse": "Indstilling om optagelse uden samtykke.", "oversendt_til": "familieretshuset"})
        assert r.status_code == 303
        item = committee.build_agenda(reg, PLANS, voksne).items[0]
        assert (item.outcome, item.forwarded_to, item.decision_id) == ("oversendt", "familieretshuset", None)
        assert "indstillet til Familieretshuset" in text_of(client.get(f"/moede/{voksne}/referat").text)
        assert reg.decisions(case_ref=item.case_ref) == []

    def test_oversendt_to_a_body_below_is_refused_on_its_field(self, client: Client, reg: Any) -> None:
        """Oversendt goes up, to a body above the meeting's: a forged lower one is named on the field."""
        vu = meeting(client, "visitationsudvalg_boern")
        committee.add_submission(reg, PLANS, vu, load(SUB_47), actor=ACTOR)
        r = client.post(f"/moede/{vu}/punkt/1", {"udfald": "oversendt", "begrundelse": "Til udvalget.", "oversendt_til": "leder"})
        assert r.status_code == 200
        assert 'id="oversendt_til-1-error"' in r.text
        assert "over mødets udvalg" in text_of(r.text)
        assert client.post(f"/moede/{vu}/punkt/1", {"udfald": "oversendt", "begrundelse": "Til udvalget."}).status_code == 303
        assert committee.build_agenda(reg, PLANS, vu).items[0].forwarded_to == "boerne_og_ungeudvalg"  # the default: the required level

    def test_saved_indstillinger_are_added_from_the_meeting_page_and_never_twice(self, client: Client, reg: Any) -> None:
        vu = meeting(client)
        saved = save_draft(reg, PLANS, load(SUB_46), actor=ACTOR, on=SOON)
        page = client.get(f"/moede/{vu}").text
        assert f'<option value="{saved.key}">' in page
        assert client.post(f"/moede/{vu}/kladde", {"kladde": saved.key}).status_code == 303
        assert f'<option value="{saved.key}">' not in client.get(f"/moede/{vu}").text  # on the agenda: not offered again
        again = committee.add_submission(reg, PLANS, vu, saved.submission, actor=ACTOR)  # the library: idempotent, and says so
        assert again.existing
        assert again.number == 1
        assert len(committee.build_agenda(reg, PLANS, vu).items) == 1
        r = client.post("/moede/tilfoej", {"moede": str(vu), "indstilling": json.dumps(load(SUB_46)), "navn": "igen"}, headers={"Accept": "application/json"})
        assert r.json()["ok"] is False
        assert "allerede punkt 1" in r.json()["message"]

    def test_an_item_is_withdrawn_before_the_meeting_recorded_never_deleted(self, client: Client, reg: Any) -> None:
        vu = meeting(client)
        for path in (SUB_46, SUB_47):
            committee.add_submission(reg, PLANS, vu, load(path), actor=ACTOR)
        r = client.post(f"/moede/{vu}/punkt/1/tilbagetraek", {"begrundelse": "Genfremsættes i januar."})
        assert r.status_code == 200
        assert 'id="bekraeft"' in r.text
        assert "kan ikke gøres om" in text_of(r.text)
        assert not committee.build_agenda(reg, PLANS, vu).items[0].withdrawn
        r = client.post(f"/moede/{vu}/punkt/1/tilbagetraek", {"begrundelse": "Genfremsættes i januar.", "bekraeftet": "ja"})
        assert r.status_code == 303
        agenda = committee.build_agenda(reg, PLANS, vu)
        assert [(i.number, i.withdrawn) for i in agenda.items] == [(1, True), (2, False)]
        assert agenda.items[0].withdrawn_reason == "Genfremsættes i januar."
        page = client.get(r.headers["location"]).text
        assert "Punkt 1 er trukket tilbage" in page
        assert 'data-withdrawn="ja"' in page
        assert 'action="/moede/1/punkt/1"' not in page
        r = client.post(f"/moede/{vu}/punkt/1", {"udfald": "udsat", "begrundelse": "x", "bekraeftet": "ja"})
        assert "trukket tilbage" in text_of(r.text)
        assert committee.build_agenda(reg, PLANS, vu).items[0].outcome is None


# -- row 4: the agenda -------------------------------------------------------------------------------------------------


class TestTheAgenda:
    def test_the_agenda_has_each_case_s_content(self, client: Client, reg: Any) -> None:
        """Paragraph in the law's words, intervention and step, monthly and total cost, purpose and
        goals, the recommendation and the documents (type, date, status) — from the submission."""
        vu = meeting(client)
        sub = load(SUB_46) | {"anbefaling": "Forvaltningen indstiller, at anbringelsen bevilges."}
        committee.add_submission(reg, PLANS, vu, sub, actor=ACTOR)
        page = text_of(client.get(f"/moede/{vu}/dagsorden").text)
        plan = PLANS.latest
        for shown in (
            plan.inputs["paragraf"].values[sub["sag"]["paragraf"]].label,  # type: ignore[index]
            f"Trin {sub['sag']['trin']} på indsatstrappen",
            "38.000 kr. om måneden i 24 måneder, i alt 912.000 kr.",
            sub["formaal"],
            *sub["maal"],
            sub["anbefaling"],
            f"{plan.document_types['bfu'].label}, {date_text(dt.date.fromisoformat(sub['dokumenter'][0]['dato']))} · underskrevet · godkendt",
            sub["oekonomi"]["leverandoer"],
        ):
            assert shown in page, shown
        assert sub["sag"]["paragraf"] not in main_text(client.get(f"/moede/{vu}/dagsorden").text)  # the code: never in the text

    def test_without_smtp_the_button_says_what_it_does_and_times_are_danish(self, client: Client, reg: Any) -> None:
        vu = meeting(client)
        committee.add_submission(reg, PLANS, vu, load(SUB_46), actor=ACTOR)
        page = client.get(f"/moede/{vu}").text
        assert 'id="send-dagsorden">Markér som udsendt<' in page
        r = client.post(f"/moede/{vu}/send", {})
        assert 'id="bekraeft"' in r.text
        assert "intet bliver sendt" in text_of(r.text)
        assert client.post(f"/moede/{vu}/send", {"bekraeftet": "ja"}).headers["location"] == f"/moede/{vu}?markeret=1"
        agenda = committee.build_agenda(reg, PLANS, vu)
        page = client.get(f"/moede/{vu}").text
        assert time_text(agenda.sent_at) in text_of(page)
        assert "UTC" not in page
        assert agenda.sent_by_mail == "markeret"

    def test_the_agenda_and_minutes_as_pdf_read_back_as_text_and_rendered_as_images(self, client: Client, reg: Any, tmp_path: Path) -> None:
        vu = meeting(client)
        committee.add_submission(reg, PLANS, vu, load(SUB_46), actor=ACTOR)
        committee.set_attendees(reg, PLANS, vu, ["Anne Andersen, formand"], actor=ACTOR)
        r = client.get(f"/moede/{vu}/dagsorden.pdf")
        assert r.status_code == 200
        assert r.headers["content-type"] == "application/pdf"
        assert r.content.startswith(b"%PDF")
        from .test_web_day import pdf_text

        words = " ".join(pdf_text(r.content).split())
        assert load(SUB_46)["sagsnummer"] in words
        assert "38.000 kr." in words
        assert "Dagsorden" in words
        minutes = " ".join(pdf_text(client.get(f"/moede/{vu}/referat.pdf").content).split())
        assert "Referat" in minutes
        assert "Anne Andersen, formand" in minutes
        if shutil.which("pdftoppm"):
            (tmp_path / "dagsorden.pdf").write_bytes(r.content)
            subprocess.run(["pdftoppm", "-png", "-r", "40", str(tmp_path / "dagsorden.pdf"), str(tmp_path / "side")], check=True)
            pages = sorted(tmp_path.glob("side*.png"))
            assert pages
            assert all(p.stat().st_size > 1000 for p in pages)


def test_the_members_file_names_every_committee_of_the_plan() -> None:
    """Nyborg's members file has recipients for each body a meeting can belong to (the children's
    and the adults' visitation committee, børne- og ungeudvalget), and nothing else."""
    from kompetenceplan.meetings.mailing import load_members

    members = load_members(NYBORG.parent / f"{NYBORG.name}-udvalg.toml")
    assert set(members) == {b.id for b in PLANS.latest.meeting_bodies()}
    assert all(members.values())


# -- sending through a real SMTP server with STARTTLS and a login ---------------------------------------------------------


@pytest.fixture
def tls_inbox(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """aiosmtpd requiring STARTTLS and a login, with a self-signed certificate (its CA file for the client)."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    import ipaddress

    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "smtp.crt", tmp_path / "smtp.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    received: list[tuple[list[str], bytes]] = []
    lock = threading.Lock()

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            with lock:
                received.append((list(envelope.rcpt_tos), envelope.content))
            return "250 OK"

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"sekretariat", b"hemmelig")
        # handled=False: aiosmtpd answers a refused login with 535, as a real server does (with the
        # default it answers nothing, and the client waited out its 30 s timeout).
        return AuthResult(success=ok, handled=False)

    from .served import free_port

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True, authenticator=authenticator, auth_require_tls=True)
    controller.start()
    try:
        yield {"port": port, "ca": str(cert_file), "received": received}
    finally:
        controller.stop()


def test_send_e_mails_the_agenda_as_pdf_through_starttls_and_records_what_went_to_whom(tls_inbox: dict[str, Any], reg: Any, client: Client) -> None:
    """The municipality's SMTP server (STARTTLS, a login): the members get the PDF; the register
    records the recipients and the PDF's SHA-256; a refused login records nothing."""
    import hashlib

    from kompetenceplan.meetings.mailing import MailError, Member, send_agenda_mail, smtp_from_env

    vu = meeting(client)
    committee.add_submission(reg, PLANS, vu, load(SUB_46), actor=ACTOR)
    agenda = committee.build_agenda(reg, PLANS, vu)
    env = {"KOMPETENCEPLAN_SMTP_HOST": "127.0.0.1", "KOMPETENCEPLAN_SMTP_PORT": str(tls_inbox["port"]), "KOMPETENCEPLAN_SMTP_USER": "sekretariat", "KOMPETENCEPLAN_SMTP_CA_FILE": tls_inbox["ca"]}
    members = [Member("Anne Andersen", "anne@nyborg.example"), Member("Bo Bertelsen", "bo@nyborg.example")]
    with pytest.raises(MailError, match="ikke sendt") as refused:
        send_agenda_mail(reg, PLANS, vu, agenda, b"%PDF-1.7 x", members, smtp_from_env(env | {"KOMPETENCEPLAN_SMTP_PASSWORD": "forkert"}), actor=ACTOR)
    assert refused.value.problems[0].what == "afviste brugernavn eller adgangskode."
    assert committee.build_agenda(reg, PLANS, vu).sent_at is None
    assert tls_inbox["received"] == []
    pdf = client.get(f"/moede/{vu}/dagsorden.pdf").content
    sent = send_agenda_mail(reg, PLANS, vu, agenda, pdf, members, smtp_from_env(env | {"KOMPETENCEPLAN_SMTP_PASSWORD": "hemmelig"}), actor=ACTOR)
    ((rcpts, raw),) = tls_inbox["received"]
    assert sorted(rcpts) == ["anne@nyborg.example", "bo@nyborg.example"]
    message = message_from_bytes(raw)
    (attached,) = [p.get_payload(decode=True) for p in message.walk() if p.get_content_type() == "application/pdf"]
    assert attached == pdf
    assert sent.sent_at is not None
    assert sent.sent_by_mail == "smtp"
    assert sent.recipients == ["anne@nyborg.example", "bo@nyborg.example"]
    from kompetenceplan.store.tables import agenda_mailings

    with reg.engine.connect() as conn:
        (row,) = conn.execute(agenda_mailings.select()).mappings().all()
    assert row["pdf_sha256"] == hashlib.sha256(pdf).hexdigest()
    assert row["sent_by"] == ACTOR.id


# -- row 5: an outcome without its reason ------------------------------------------------------------------------------------


def test_a_missing_reason_is_an_error_summary_at_the_top_that_takes_the_focus(client: Client, reg: Any) -> None:
    vu = meeting(client)
    for path in (SUB_46, SUB_46.with_name("botilbud-108-klar.json")):
        committee.add_submission(reg, PLANS, vu, load(path), actor=ACTOR)
    r = client.post(f"/moede/{vu}/punkt/2", {"udfald": "afslået", "begrundelse": "", "bekraeftet": "ja"})
    assert r.status_code == 200
    summary = re.search(r'<div class="error-summary" role="alert" tabindex="-1" id="fejlliste" autofocus data-focus>.*?</div>', r.text, flags=re.S)
    assert summary is not None
    assert r.text.index('id="fejlliste"') < r.text.index('id="punkt-1"')
    assert 'href="#begrundelse-2"' in summary.group(0)
    assert "Punkt 2, begrundelse" in text_of(summary.group(0))
    assert re.search(r'id="begrundelse-2-error" role="alert">', r.text)


def test_an_outcome_at_another_body_asks_first(client: Client, reg: Any) -> None:
    """A decision by a body other than the one the case requires is confirmed first (what and why)."""
    vu = meeting(client)
    committee.add_submission(reg, PLANS, vu, load(EXAMPLES / "submissions" / "bostoette-85-mangler.json"), actor=ACTOR)
    r = client.post(
        f"/moede/{vu}/punkt/1",
        {"udfald": "bevilget", "begrundelse": ""},
    )
    assert 'id="bekraeft"' in r.text
    assert "Lederbeslutning" in text_of(r.text)
    assert committee.build_agenda(reg, PLANS, vu).items[0].outcome is None
    assert client.post(f"/moede/{vu}/punkt/1", {"udfald": "bevilget", "begrundelse": "", "bekraeftet": "ja"}).status_code == 303


# -- row 7 (plain Danish) and the 404 page --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("4. kvartal 2026", "2026Q4"),
        ("4. kvt. 2026", "2026Q4"),
        ("K4 2026", "2026Q4"),
        ("2026 K4", "2026Q4"),
        ("2026Q4", "2026Q4"),
        ("1 kvartal 2027", "2027Q1"),
        ("5. kvartal 2026", None),
        ("fjerde kvartal", None),
        ("", None),
    ],
)
def test_quarters_typed_as_danes_write_them(text: str, code: str | None) -> None:
    """The one Danish reader (`danish.read_quarter`) takes what a leader types; the pages' words
    ("4. kvartal 2026") read back as the same quarter."""

    def typed(text: str) -> str | None:
        try:
            return quarter_code(*read_quarter(text))
        except DanishTextError:
            return None

    assert typed(text) == code
    if code:
        assert typed(quarter_text(code)) == code


def test_dates_and_times_in_danish() -> None:
    """ "15. december 2026"; a moment in Danish time (winter: UTC+1, summer: UTC+2)."""
    assert date_text(dt.date(2026, 12, 15)) == "15. december 2026"
    assert time_text(dt.datetime(2026, 12, 15, 13, 5, tzinfo=dt.UTC)) == "15. december 2026 kl. 14.05"
    assert time_text(dt.datetime(2026, 7, 1, 22, 30, tzinfo=dt.UTC)) == "2. juli 2026 kl. 00.30"


def test_a_danish_404_page_for_people_and_json_for_programs(client: Client) -> None:
    r = client.get("/findes-ikke", headers={"Accept": "text/html"})
    assert r.status_code == 404
    assert "Siden findes ikke" in r.text
    assert '<html lang="da">' in r.text
    r = client.get("/findes-ikke", headers={"Accept": "application/json"})
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("path", ["/hvem-skal-afgoere", "/indstilling/ny", "/moede", "/tilsyn", "/oekonomi"])
def test_no_codes_paths_or_commands_in_the_main_text(client: Client, reg: Any, path: str) -> None:
    """Plain Danish for users: no rule ids, DOK/TIL codes, JSON paths, [U], commands, "frø" or
    "fingeraftryk" outside the details for plan owners."""
    page = client.get(path).text if path != "/hvem-skal-afgoere" else client.post(path, advisor_values()).text
    text = main_text(page)
    assert not re.search(r"\b(DOK|TIL)-\d{3}\b|\[U\]|\bkompetenceplan (db|serve|render)\b|\bfrø\b|fingeraftryk|\b[BV]-[A-Z]+-\d\b", text), text[:3000]


def test_a_refusal_names_the_paragraph_in_the_law_s_words(client: Client, reg: Any) -> None:
    """The statutory refusal (a § 47 case decided by the visitationsudvalg) names the paragraph as
    the law does, never by the plan's code."""
    vu = meeting(client)
    committee.add_submission(reg, PLANS, vu, load(SUB_47), actor=ACTOR)
    r = client.post(f"/moede/{vu}/punkt/1", {"udfald": "bevilget", "begrundelse": "", "bekraeftet": "ja"})
    error = text_of(re.search(r'id="udfald-1-error" role="alert">(.*?)</p>', r.text, flags=re.S).group(1))  # type: ignore[union-attr]
    label = PLANS.latest.inputs["paragraf"].values["bl-47"].label  # type: ignore[index]
    assert label in error
    assert "bl-47" not in error


def test_a_part_the_model_gains_later_appears_in_the_form_by_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing is written per field: a new group with yes/no, a list of whole numbers and text is a
    section of controls named in words, and it round-trips."""
    from pydantic import Field

    import kompetenceplan.web.submission_form as generated
    from kompetenceplan.model import submission as model

    class Hoering(model._Model):
        barnet_hoert: bool = False
        grunde: list[int] = Field(default=[], max_length=4)
        ny_bolig_og_stoette: str = ""

    class Later(model.Submission):
        partshoering_ny: Hoering | None = None

    monkeypatch.setattr(generated, "Submission", Later)
    generated.submission_form.cache_clear()
    try:
        plan = PLANS.latest
        (section,) = [s for s in generated.submission_form(plan) if s.key == "partshoering_ny"]
        assert [(c.path, c.kind, c.label) for c in section.controls] == [
            ("partshoering_ny.barnet_hoert", "bool", "Barnet hørt"),
            ("partshoering_ny.grunde", "numbers", "Grunde"),
            ("partshoering_ny.ny_bolig_og_stoette", "text", "Ny bolig og støtte"),
        ]
        sub = {"sag": {"paragraf": "bl-47"}, "partshoering_ny": {"barnet_hoert": True, "grunde": [1, 3], "ny_bolig_og_stoette": "Et værelse."}}
        back, errors = generated.submission_from_form(plan, generated.form_values(plan, sub))
        assert errors.fields == {}
        assert back == sub
    finally:
        generated.submission_form.cache_clear()
