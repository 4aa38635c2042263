"""The Møde pages without a browser (FastAPI's TestClient, in process): meetings on a real SQLite
register, the agenda's readiness compared with `checks.check()`, outcomes, the printable
documents, "Tilføj til møde" from the Indstilling page, CSRF, bad input kept, and the pages
without a register."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("jinja2")
pytest.importorskip("multipart")
pytest.importorskip("sqlalchemy")

with warnings.catch_warnings():  # starlette's TestClient warns about its httpx dependency on import
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from kompetenceplan import check, load_plans
from kompetenceplan.errors import CaseError
from kompetenceplan.meetings import committee
from kompetenceplan.meetings.model import OUTCOMES
from kompetenceplan.service.app import create_app
from kompetenceplan.store.db import make_engine, upgrade
from kompetenceplan.store.tables import meeting_items
from kompetenceplan.web.danish import date_text
from kompetenceplan.web.meeting_pages import GRANTS

from .conftest import EXAMPLES, NYBORG
from .register_fixtures import ACTOR

PLANS = load_plans(NYBORG)
SUBMISSIONS = sorted((EXAMPLES / "submissions").glob("*.json"))
CPR = "010115-0000"
SOON = dt.date.today() + dt.timedelta(days=14)


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


class Client:
    """A TestClient on the loopback name the guard accepts, with the page's CSRF token."""

    def __init__(self, app: Any) -> None:
        self.http = TestClient(app, base_url="http://127.0.0.1")

    def get(self, path: str) -> Any:
        return self.http.get(path)

    def token(self, path: str = "/indstilling") -> str:
        return re.search(r'name="csrf" value="([^"]+)"', self.get(path).text).group(1)  # type: ignore[union-attr]

    def post(self, path: str, fields: dict[str, str], token: bool = True, confirmed: bool = True, **kw: Any) -> Any:
        """POST the form; ``confirmed``: as after the confirmation step ("bekraeftet=ja"; the
        tests of that step post without it)."""
        data = ({"csrf": self.token()} if token else {}) | ({"bekraeftet": "ja"} if confirmed else {}) | fields
        return self.http.post(path, data=data, follow_redirects=False, **kw)


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'register.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture
def app(db: str) -> Iterator[Any]:
    application = create_app(NYBORG, db_url=db)
    yield application
    application.app.state.register.close()


@pytest.fixture
def client(app: Any) -> Client:
    return Client(app)


@pytest.fixture
def reg(app: Any) -> Any:
    return app.app.state.register


@pytest.fixture(scope="module")
def bare() -> Client:
    return Client(create_app(NYBORG))


def new_meeting(client: Client, day: dt.date = SOON, body: str = "visitationsudvalg", title: str = "Visitationsudvalget") -> int:
    r = client.post("/moede", {"moededato": day.isoformat(), "udvalg": body, "titel": title})
    assert r.status_code == 303, r.text
    return int(re.fullmatch(r"/moede/(\d+)\?oprettet=1", r.headers["location"]).group(1))  # type: ignore[union-attr]


def add(client: Client, meeting_id: int, submission: dict[str, Any], name: str = "fil", as_json: bool = True) -> Any:
    headers = {"Accept": "application/json"} if as_json else {}
    return client.post("/moede/tilfoej", {"moede": str(meeting_id), "indstilling": json.dumps(submission, ensure_ascii=False), "navn": name}, headers=headers)


def items_shown(page: str) -> list[dict[str, Any]]:
    """Each agenda item on the meeting page: case, readiness, level, codes, flags, outcome."""
    out = []
    for block in re.findall(r'<article class="report agenda-item".*?</article>', page, flags=re.S):
        out.append(
            {
                "case": re.search(r'data-case="([^"]+)"', block).group(1),  # type: ignore[union-attr]
                "ready": re.search(r'data-ready="(ja|nej)"', block).group(1) == "ja",  # type: ignore[union-attr]
                "level": re.search(r'data-level="([^"]+)"', block).group(1),  # type: ignore[union-attr]
                "codes": re.findall(r'<li data-code="([^"]+)"', block),
                "flags": [html.unescape(f) for f in re.findall(r'<li class="flag">(.*?)</li>', block)],
                "outcome": (re.findall(r'data-outcome="([^"]*)"', block) or [None])[0],
            }
        )
    return out


# -- without a register ------------------------------------------------------------------------------


class TestWithoutRegister:
    def test_the_meeting_page_says_how_to_start_one(self, bare: Client) -> None:
        r = bare.get("/moede")
        assert r.status_code == 200
        text = html.unescape(r.text)
        assert "ikke sat op" in text
        assert "kompetenceplan serve --db" in text
        assert "kompetenceplan db upgrade" in text
        assert 'action="/moede"' not in r.text  # no create form without a register

    @pytest.mark.parametrize(
        ("method", "path"),
        [("GET", "/moede/1"), ("GET", "/moede/1/dagsorden"), ("GET", "/moede/1/referat"), ("POST", "/moede"), ("POST", "/moede/1/send"), ("POST", "/moede/1/punkt/1"), ("POST", "/moede/tilfoej")],
    )
    def test_every_meeting_route_answers_the_same_notice_never_a_500(self, bare: Client, method: str, path: str) -> None:
        r = bare.get(path) if method == "GET" else bare.post(path, {"moededato": SOON.isoformat(), "udvalg": "visitationsudvalg"})
        assert r.status_code == 404
        assert "kompetenceplan serve --db" in html.unescape(r.text)

    def test_the_indstilling_page_checks_but_offers_no_meeting(self, bare: Client) -> None:
        path = SUBMISSIONS[0]
        r = bare.http.post("/indstilling", data={"csrf": bare.token("/indstilling"), "moededato": SOON.isoformat()}, files=[("filer", (path.name, path.read_bytes(), "application/json"))])
        assert r.status_code == 200
        assert 'data-status="' in r.text
        assert "add-form" not in r.text
        assert "intet møderegister" in r.text


# -- the list and a new meeting ---------------------------------------------------------------------


class TestMeetings:
    def test_the_bodies_are_the_plans_meeting_bodies(self, client: Client) -> None:
        """The visitation committees for children and for adults and børne- og ungeudvalget;
        never Familieretshuset, a body outside the municipality (issue 27)."""
        page = client.get("/moede").text
        select = re.search(r'<select id="udvalg".*?</select>', page, flags=re.S).group(0)  # type: ignore[union-attr]
        options = [(v, html.unescape(t)) for v, t in re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', select)]
        plan = PLANS.in_force(dt.date.today())
        assert options == [(b.id, b.name) for b in plan.meeting_bodies()]
        assert {v for v, _ in options} == {"visitationsudvalg_boern", "visitationsudvalg_voksne", "boerne_og_ungeudvalg"}

    def test_a_new_meeting_is_listed_with_its_counts(self, client: Client, reg: Any) -> None:
        meeting_id = new_meeting(client, title="December")
        (m,) = committee.list_meetings(reg, PLANS)
        assert (m.id, m.meeting_date, m.body, m.title) == (meeting_id, SOON, "visitationsudvalg", "December")
        page = client.get("/moede").text
        row = re.search(rf'<tr data-meeting="{meeting_id}">.*?</tr>', page, flags=re.S).group(0)  # type: ignore[union-attr]
        assert date_text(SOON) in row
        assert "December" in row
        assert f'href="/moede/{meeting_id}"' in row
        assert 'data-items="0"' in row
        assert 'data-ready="0"' in row

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"moededato": "1. december", "udvalg": "visitationsudvalg", "titel": "Beholdes"}, "moededato"),
            ({"moededato": "", "udvalg": "visitationsudvalg", "titel": "Beholdes"}, "moededato"),
            ({"moededato": SOON.isoformat(), "udvalg": "", "titel": "Beholdes"}, "udvalg"),
            ({"moededato": SOON.isoformat(), "udvalg": "raadgiver", "titel": "Beholdes"}, "udvalg"),
            ({"moededato": SOON.isoformat(), "udvalg": "visitationsudvalg", "titel": f"Sag om {CPR}"}, "titel"),
        ],
    )
    def test_bad_input_is_named_on_its_field_and_kept(self, client: Client, reg: Any, fields: dict[str, str], field: str) -> None:
        r = client.post("/moede", fields)
        assert r.status_code == 200
        page = r.text
        assert 'role="alert"' in page
        assert f'href="#{field}"' in page
        assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', page, flags=re.S), field
        error = re.search(rf'id="{field}-error"[^>]*>(.*?)</p>', page, flags=re.S).group(1)  # type: ignore[union-attr]
        assert error.strip()
        assert CPR not in error
        for name, value in fields.items():
            if name == "udvalg":
                if value in {b.id for b in PLANS.latest.meeting_bodies()}:
                    assert f'value="{value}" selected' in page
            else:
                assert f'value="{html.escape(value)}"' in page, name
        assert committee.list_meetings(reg, PLANS) == []


# -- CSRF and the form rules -------------------------------------------------------------------------


ROUTES = ["/moede", "/moede/{id}/send", "/moede/{id}/punkt/1", "/moede/tilfoej"]


class TestRefusals:
    @pytest.mark.parametrize("path", ROUTES)
    @pytest.mark.parametrize("how", ["no-token", "other-token", "other-origin"])
    def test_a_post_without_the_signed_token_changes_nothing(self, client: Client, app: Any, reg: Any, path: str, how: str) -> None:
        meeting_id = new_meeting(client)
        add(client, meeting_id, load(SUBMISSIONS[0]))
        before = committee.build_agenda(reg, PLANS, meeting_id)
        fields = {"moededato": SOON.isoformat(), "udvalg": "visitationsudvalg", "udfald": "bevilget", "moede": str(meeting_id), "indstilling": json.dumps(load(SUBMISSIONS[1]))}
        headers = {}
        if how == "other-token":
            fields["csrf"] = Client(app).token()
        elif how == "other-origin":
            fields["csrf"] = client.token()
            headers["Origin"] = "http://evil.example"
        r = client.post(path.format(id=meeting_id), fields, token=False, headers=headers)
        assert r.status_code == 403
        assert "sikkerhedsnøglen" in r.text or "anden side" in r.text
        assert len(committee.list_meetings(reg, PLANS)) == 1
        assert committee.build_agenda(reg, PLANS, meeting_id) == before

    @pytest.mark.parametrize("path", ROUTES)
    def test_only_forms_are_accepted(self, client: Client, path: str) -> None:
        token = client.token()
        r = client.http.post(path.format(id=1), content=json.dumps({"csrf": token}), headers={"Content-Type": "application/json"})
        assert r.status_code == 415

    @pytest.mark.parametrize("path", ["/moede/abc/send", "/moede/1/punkt/x", "/moede/abc/punkt/1/tilbagetraek", "/moede/abc/deltagere", "/moede/abc/kladde"])
    def test_an_address_that_is_no_page_is_answered_before_the_register_and_the_form(self, client: Client, bare: Client, path: str) -> None:
        """The address is read first (FastAPI, before the route runs): a POST to a meeting
        address that does not parse is the page that does not exist, also when its form would be
        refused or there is no register."""
        for who in (client, bare):
            for token in (True, False):
                r = who.post(path, {"begrundelse": "x"}, token=token, confirmed=False)
                assert r.status_code == 404
                assert "Siden findes ikke" in r.text

    def test_without_a_register_a_refused_form_is_the_notice(self, bare: Client) -> None:
        """No register comes before the form: the notice how to start one, not the refusal."""
        r = bare.post("/moede/1/send", {}, token=False)
        assert r.status_code == 404
        assert "kompetenceplan serve --db" in html.unescape(r.text)
        assert "sikkerhedsnøglen" not in r.text

    def test_no_case_data_in_urls(self, client: Client) -> None:
        """Every form on the meeting pages posts; links carry only meeting ids and item numbers."""
        meeting_id = new_meeting(client)
        add(client, meeting_id, load(SUBMISSIONS[0]))
        for path in ("/moede", f"/moede/{meeting_id}", f"/moede/{meeting_id}/dagsorden", f"/moede/{meeting_id}/referat"):
            page = client.get(path).text
            for form in re.findall(r"<form\b[^>]*>", page):
                assert 'method="post"' in form, (path, form)
                assert "?" not in form, (path, form)
            for href in re.findall(r'href="(/moede[^"]*)"', page):
                assert re.fullmatch(r"/moede(/\d+(/dagsorden|/referat)?(\.pdf)?)?", href), href

    @pytest.mark.parametrize("path", ["/moede/999", "/moede/999/dagsorden", "/moede/999/referat", "/moede/abc", "/moede/1x/referat"])
    def test_an_unknown_meeting_is_a_page_not_a_crash(self, client: Client, path: str) -> None:
        r = client.get(path)
        assert r.status_code == 404
        assert "Ukendt møde" in r.text


# -- the agenda, outcomes and documents ------------------------------------------------------------


class TestAgenda:
    def test_added_submissions_show_the_readiness_check_gives(self, client: Client, reg: Any) -> None:
        meeting_id = new_meeting(client)
        for path in SUBMISSIONS:
            r = add(client, meeting_id, load(path), path.name)
            assert r.status_code == 200
            assert r.json()["ok"] is True
            assert r.json()["href"] == f"/moede/{meeting_id}"
        shown = items_shown(client.get(f"/moede/{meeting_id}").text)
        assert len(shown) == len(SUBMISSIONS)
        for item, path in zip(shown, SUBMISSIONS, strict=True):
            data = load(path)
            expected = check(PLANS, data, on=SOON)
            assert item["case"] == data["sagsnummer"]
            assert item["ready"] == expected.ready, path.name
            assert item["codes"] == [f.code for f in expected.findings], path.name
            assert item["level"] == expected.routing.level
            assert any("IKKE KLAR" in f for f in item["flags"]) == (not expected.ready)
            assert any("ANDET NIVEAU" in f for f in item["flags"]) == (expected.routing.level != "visitationsudvalg")
        ready = sum(check(PLANS, load(p), on=SOON).ready for p in SUBMISSIONS)
        row = re.search(rf'<tr data-meeting="{meeting_id}">.*?</tr>', client.get("/moede").text, flags=re.S).group(0)  # type: ignore[union-attr]
        assert f'data-items="{len(SUBMISSIONS)}"' in row
        assert f'data-ready="{ready}"' in row

    def test_no_person_on_the_pages_or_in_the_register(self, client: Client, reg: Any) -> None:
        meeting_id = new_meeting(client)
        paths = [p for p in SUBMISSIONS if "borger" in load(p)]
        with_person = [load(p) for p in paths]
        assert with_person
        for data in with_person:
            assert add(client, meeting_id, data).json()["ok"]
        files = [("filer", (p.name, p.read_bytes(), "application/json")) for p in paths]
        secretary = client.http.post("/indstilling", data={"csrf": client.token("/indstilling"), "moededato": SOON.isoformat()}, files=files).text
        assert secretary.count('name="indstilling"') == len(paths)
        pages = [secretary] + [client.get(f"/moede/{meeting_id}{tail}").text for tail in ("", "/dagsorden", "/referat")]
        for data in with_person:
            for value in data["borger"].values():
                assert all(str(value) not in html.unescape(page) for page in pages)
        assert '"borger"' not in html.unescape(secretary)
        with reg.engine.connect() as conn:
            assert all("borger" not in row.submission for row in conn.execute(meeting_items.select()))

    def test_send_then_outcomes(self, client: Client, reg: Any) -> None:
        meeting_id = new_meeting(client)
        for path in SUBMISSIONS[:3]:
            add(client, meeting_id, load(path), as_json=False)
        assert 'data-sent="nej"' in client.get(f"/moede/{meeting_id}").text
        r = client.post(f"/moede/{meeting_id}/send", {})
        # no mail server configured: the agenda is only marked sent, and the page says so
        assert r.status_code == 303
        assert r.headers["location"] == f"/moede/{meeting_id}?markeret=1"
        assert committee.build_agenda(reg, PLANS, meeting_id).sent_at is not None
        page = client.get(r.headers["location"]).text
        assert 'data-sent="ja"' in page
        assert "udsendt" in page

        options = re.findall(r'<option value="([^"]+)"', re.search(r'<select id="udfald-1".*?</select>', page, flags=re.S).group(0))  # type: ignore[union-attr]
        assert tuple(options) == OUTCOMES

        r = client.post(f"/moede/{meeting_id}/punkt/1", {"udfald": "afslået", "begrundelse": ""})
        assert r.status_code == 200
        assert re.search(r'id="begrundelse-1-error" role="alert">.*?begrundelse', r.text, flags=re.S)
        assert 'value="afslået" selected' in r.text
        assert 'id="begrundelse-1"' in r.text
        assert re.search(r'id="begrundelse-1"[^>]*aria-invalid="true"', r.text)
        assert committee.build_agenda(reg, PLANS, meeting_id).items[0].outcome is None

        r = client.post(f"/moede/{meeting_id}/punkt/2", {"udfald": "udsat", "begrundelse": f"Ring på {CPR}"})
        assert r.status_code == 200
        assert CPR in r.text
        error = re.search(r'id="begrundelse-2-error"[^>]*>(.*?)</p>', r.text, flags=re.S).group(1)  # type: ignore[union-attr]
        assert "CPR" in error
        assert CPR not in error
        assert committee.build_agenda(reg, PLANS, meeting_id).items[1].outcome is None

        r = client.post(f"/moede/{meeting_id}/punkt/1", {"udfald": "tja", "begrundelse": "x"})
        assert r.status_code == 200
        assert re.search(r"id=\"udfald-1-error\" role=\"alert\">.*?ukendt udfald", r.text, flags=re.S | re.I)

        r = client.post(f"/moede/{meeting_id}/punkt/9", {"udfald": "bevilget"})
        assert r.status_code == 200
        assert "punkt 9" in r.text

        # Item 1 is a § 47 placement: the law reserves it for børne- og ungeudvalget (§ 142), so the
        # visitationsudvalg cannot refuse it either — only postpone, send back or forward it.
        r = client.post(f"/moede/{meeting_id}/punkt/1", {"udfald": "afslået", "begrundelse": "Ikke tilstrækkeligt belyst."})
        assert r.status_code == 200
        assert "forbeholdt Børne- og ungeudvalget" in field_error(r.text, "udfald-1")
        assert committee.build_agenda(reg, PLANS, meeting_id).items[0].outcome is None
        assert reg.decisions() == []
        r = client.post(f"/moede/{meeting_id}/punkt/1", {"udfald": "oversendt", "begrundelse": "Anbringelse uden samtykke."})
        assert r.status_code == 303
        assert r.headers["location"] == f"/moede/{meeting_id}?gemt=1"
        r = client.post(f"/moede/{meeting_id}/punkt/2", {"udfald": "afslået", "begrundelse": "Ikke tilstrækkeligt belyst."})
        assert r.status_code == 303
        assert r.headers["location"] == f"/moede/{meeting_id}?gemt=2"
        agenda = committee.build_agenda(reg, PLANS, meeting_id)
        assert (agenda.items[0].outcome, agenda.items[0].forwarded_to) == ("oversendt", "boerne_og_ungeudvalg")
        assert (agenda.items[1].outcome, agenda.items[1].reason) == ("afslået", "Ikke tilstrækkeligt belyst.")
        shown = items_shown(client.get(f"/moede/{meeting_id}?gemt=1").text)
        assert [i["outcome"] for i in shown] == [i.outcome for i in agenda.items]

        minutes = client.get(f"/moede/{meeting_id}/referat").text
        decisions = re.findall(r'<p class="decision" data-outcome="([^"]*)"', minutes)
        assert decisions == [i.outcome or "" for i in agenda.items]
        assert "Ikke tilstrækkeligt belyst." in minutes
        assert f"{sum(1 for i in agenda.items if i.outcome)} med beslutning" in minutes

    def test_printable_documents(self, client: Client, reg: Any) -> None:
        meeting_id = new_meeting(client)
        for path in SUBMISSIONS:
            add(client, meeting_id, load(path))
        agenda = committee.build_agenda(reg, PLANS, meeting_id)
        for kind in ("dagsorden", "referat"):
            page = client.get(f"/moede/{meeting_id}/{kind}").text
            assert 'class="print-document"' in page
            assert f'data-kind="{kind}"' in page
            cases = re.findall(r'<section class="doc-item" id="punkt-\d+" data-case="([^"]+)"', page)
            assert cases == [i.case_ref for i in agenda.items]
        page = client.get(f"/moede/{meeting_id}/dagsorden").text
        assert re.findall(r'data-ready="(ja|nej)"', page) == ["ja" if i.ready else "nej" for i in agenda.items]
        flags = re.findall(r'<li class="flag">(.*?)</li>', page)
        assert [html.unescape(f) for f in flags] == [f for i in agenda.items for f in i.flags]
        css = client.get("/static/app.css").text
        print_css = css[css.rindex("@media print") :]
        assert ".doc-item + .doc-item { break-before: page; }" in print_css
        assert ".site-header" in css[css.index("@media print") :]


# -- the dates of a grant ---------------------------------------------------------------------------

GRANTED = EXAMPLES / "submissions" / "plejefamilie-46-klar.json"


def field_error(page: str, field_id: str) -> str:
    """The text of a field's error slot; the slot must be announced (role=alert)."""
    found = re.search(rf'<p class="field-error" id="{field_id}-error" role="alert">(.*?)</p>', page, flags=re.S)
    assert found, f"{field_id}: ingen meddelt fejl"
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1)))


def date_input(page: str, field_id: str) -> str:
    tag = re.search(rf'<input type="date" id="{field_id}"[^>]*>', page)
    assert tag, field_id
    return re.search(r'value="([^"]*)"', tag.group(0)).group(1)  # type: ignore[union-attr]


class TestGrantDates:
    def test_the_grants_are_the_deciding_outcomes_but_afslag(self) -> None:
        assert set(GRANTS) == set(committee.DECIDING) - {"afslået"}
        assert set(GRANTS) <= set(OUTCOMES)

    def test_every_outcome_form_has_labelled_optional_date_fields(self, client: Client) -> None:
        meeting_id = new_meeting(client)
        for path in SUBMISSIONS[:2]:
            add(client, meeting_id, load(path))
        page = client.get(f"/moede/{meeting_id}").text
        for n in (1, 2):
            for name, label in (("startdato", "Startdato"), ("slutdato", "Forventet slutdato")):
                assert re.search(rf'<label for="{name}-{n}">{label} <span class="opt">', page), (name, n)
                tag = re.search(rf'<input type="date" id="{name}-{n}" name="{name}"[^>]*>', page).group(0)  # type: ignore[union-attr]
                assert f'aria-describedby="{name}-{n}-hint {name}-{n}-error"' in tag
                assert "aria-invalid" not in tag
                assert date_input(page, f"{name}-{n}") == ""
        assert f"mødedatoen ({date_text(SOON)})" in page

    def test_a_grant_stores_the_dates_typed_and_shows_them_on_the_page_and_in_the_minutes(self, client: Client, reg: Any) -> None:
        meeting_id = new_meeting(client)
        add(client, meeting_id, load(SUBMISSIONS[0]))
        add(client, meeting_id, load(GRANTED))
        start, end = SOON + dt.timedelta(days=10), SOON + dt.timedelta(days=400)
        r = client.post(f"/moede/{meeting_id}/punkt/2", {"udfald": "bevilget med ændringer", "begrundelse": "Kortere forløb.", "startdato": start.isoformat(), "slutdato": end.isoformat()})
        assert r.status_code == 303
        assert r.headers["location"] == f"/moede/{meeting_id}?gemt=2"
        (decision,) = reg.decisions(case_ref=load(GRANTED)["sagsnummer"])
        assert (decision.outcome, decision.start, decision.expected_end) == ("bevilget med ændringer", start, end)
        assert committee.build_agenda(reg, PLANS, meeting_id).items[1].decision_id == decision.id

        page = client.get(f"/moede/{meeting_id}?gemt=2").text
        shown = re.search(r'<p class="outcome-dates" id="punkt-2-datoer">.*?</p>', page, flags=re.S).group(0)  # type: ignore[union-attr]
        assert f'data-start="{start.isoformat()}"' in shown
        assert f'data-end="{end.isoformat()}"' in shown
        assert "punkt-1-datoer" not in page  # no outcome, no dates
        # a correction starts from what is stored
        assert (date_input(page, "startdato-2"), date_input(page, "slutdato-2")) == (start.isoformat(), end.isoformat())
        assert (date_input(page, "startdato-1"), date_input(page, "slutdato-1")) == ("", "")

        minutes = client.get(f"/moede/{meeting_id}/referat").text
        assert re.findall(r'<p class="dates" data-start="([^"]*)" data-end="([^"]*)">', minutes) == [(start.isoformat(), end.isoformat())]
        assert 'class="dates"' not in client.get(f"/moede/{meeting_id}/dagsorden").text

    def test_empty_dates_are_the_library_defaults(self, client: Client, reg: Any) -> None:
        """Start: the meeting date; expected end: start plus the submission's varighed_maaneder."""
        meeting_id = new_meeting(client)
        add(client, meeting_id, load(GRANTED))
        start = SOON + dt.timedelta(days=3)
        assert client.post(f"/moede/{meeting_id}/punkt/1", {"udfald": "bevilget", "startdato": start.isoformat(), "slutdato": ""}).status_code == 303
        (decision,) = reg.decisions(case_ref=load(GRANTED)["sagsnummer"])
        assert (decision.start, decision.expected_end) == (start, committee.add_months(start, load(GRANTED)["sag"]["varighed_maaneder"]))

        assert client.post(f"/moede/{meeting_id}/punkt/1", {"udfald": "bevilget", "startdato": "", "slutdato": ""}).status_code == 303
        (decision,) = reg.decisions(case_ref=load(GRANTED)["sagsnummer"])  # the correction replaces the first
        assert (decision.start, decision.expected_end) == (SOON, committee.add_months(SOON, load(GRANTED)["sag"]["varighed_maaneder"]))
        page = client.get(f"/moede/{meeting_id}").text
        assert f'data-start="{SOON.isoformat()}"' in page
        assert f'data-end="{decision.expected_end.isoformat()}"' in page

    @pytest.mark.parametrize(
        ("dates", "field", "words"),
        [
            ({"startdato": "1. januar 2027"}, "startdato", "ÅÅÅÅ-MM-DD"),
            ({"startdato": "2027-02-30"}, "startdato", "ÅÅÅÅ-MM-DD"),
            ({"slutdato": "2027-13-01"}, "slutdato", "ÅÅÅÅ-MM-DD"),
            ({"startdato": "9999-12-31"}, "startdato", "Årstallet"),
            ({"slutdato": "0001-01-01"}, "slutdato", "Årstallet"),
            ({"startdato": (SOON + dt.timedelta(days=30)).isoformat(), "slutdato": (SOON + dt.timedelta(days=29)).isoformat()}, "slutdato", "før start"),
            ({"slutdato": (SOON - dt.timedelta(days=1)).isoformat()}, "slutdato", "før start"),  # before the default start
        ],
    )
    @pytest.mark.parametrize("outcome", GRANTS)
    def test_a_bad_date_is_an_error_on_its_field_and_the_input_is_kept(self, client: Client, reg: Any, dates: dict[str, str], field: str, words: str, outcome: str) -> None:
        meeting_id = new_meeting(client)
        add(client, meeting_id, load(SUBMISSIONS[0]))
        add(client, meeting_id, load(GRANTED))
        fields = {"udfald": outcome, "begrundelse": "Som indstillet.", "startdato": "", "slutdato": ""} | dates
        r = client.post(f"/moede/{meeting_id}/punkt/2", fields)
        assert r.status_code == 200
        assert words in field_error(r.text, f"{field}-2")
        assert re.search(rf'<input type="date" id="{field}-2"[^>]*aria-invalid="true"', r.text)
        other = "slutdato" if field == "startdato" else "startdato"
        assert 'role="alert"' not in re.search(rf'id="{other}-2-error"[^>]*>', r.text).group(0)  # type: ignore[union-attr]
        for name in ("startdato", "slutdato"):
            assert date_input(r.text, f"{name}-2") == html.escape(fields[name]), name
        assert f'value="{outcome}" selected' in r.text
        assert 'value="Som indstillet."' in r.text
        assert committee.build_agenda(reg, PLANS, meeting_id).items[1].outcome is None
        assert reg.decisions() == []

    @pytest.mark.parametrize("outcome", [o for o in OUTCOMES if o not in GRANTS and o != "oversendt"])
    def test_the_dates_are_not_used_unless_the_committee_grants(self, client: Client, reg: Any, outcome: str) -> None:
        """The fields say "kun ved bevilling": an afslag keeps the library's default dates, udsat and
        sendt tilbage register no decision; what was typed there is never an error."""
        meeting_id = new_meeting(client)
        add(client, meeting_id, load(GRANTED))
        r = client.post(f"/moede/{meeting_id}/punkt/1", {"udfald": outcome, "begrundelse": "Grund.", "startdato": "2030-01-01", "slutdato": "ikke en dato"})
        assert r.status_code == 303
        assert committee.build_agenda(reg, PLANS, meeting_id).items[0].outcome == outcome
        stored = reg.decisions()
        if outcome in committee.DECIDING:
            assert [(d.outcome, d.start) for d in stored] == [(outcome, SOON)]
        else:
            assert stored == []
        assert "outcome-dates" not in client.get(f"/moede/{meeting_id}").text


# -- from the Indstilling page ------------------------------------------------------------------------


class TestAddFromSecretary:
    def test_each_checked_submission_gets_a_form_with_the_upcoming_meetings(self, client: Client, reg: Any) -> None:
        """Each checked submission can go on an upcoming meeting; the one pre-selected is the
        soonest meeting of the body the case requires (a § 47 case: børne- og ungeudvalget), none
        when no meeting of that body is coming."""
        later = new_meeting(client, SOON + dt.timedelta(days=7), title="Senere")
        soon = new_meeting(client, SOON, title="Snart")
        bu = new_meeting(client, SOON + dt.timedelta(days=3), body="boerne_og_ungeudvalg", title="BU")
        committee.new_meeting(reg, PLANS, dt.date.today() - dt.timedelta(days=1), "visitationsudvalg", "Forbi", actor=ACTOR)
        files = [("filer", (p.name, p.read_bytes(), "application/json")) for p in SUBMISSIONS] + [("filer", ("ødelagt.json", b"{", "application/json"))]
        page = client.http.post("/indstilling", data={"csrf": client.token("/indstilling"), "moededato": SOON.isoformat()}, files=files).text
        forms = re.findall(r'<form class="add-form[^"]*" method="post" action="/moede/tilfoej".*?</form>', page, flags=re.S)
        assert len(forms) == len(SUBMISSIONS)  # not for the unreadable file
        for form, path in zip(forms, SUBMISSIONS, strict=True):
            options = re.findall(r'<option value="(\d+)"( selected)?>', form)
            plan = PLANS.in_force(SOON)
            required = committee.required_level(plan, load(path), check(plan, load(path), on=SOON).routing.level)
            chosen = {"visitationsudvalg": soon, "boerne_og_ungeudvalg": bu}.get(required)
            assert options == [(str(m), " selected" if m == chosen else "") for m in (soon, bu, later)], path.name
            submission = json.loads(html.unescape(re.search(r'name="indstilling" value="([^"]*)"', form).group(1)))  # type: ignore[union-attr]
            assert submission == {k: v for k, v in load(path).items() if k != "borger"}
            assert re.search(r'<label for="(moede-\d+)">', form).group(1) in form  # type: ignore[union-attr]

    def test_without_javascript_the_answer_is_a_page_with_a_link(self, client: Client, reg: Any) -> None:
        meeting_id = new_meeting(client)
        path = SUBMISSIONS[0]
        r = add(client, meeting_id, load(path), path.name, as_json=False)
        assert r.status_code == 200
        assert f'href="/moede/{meeting_id}"' in r.text
        assert 'role="status"' in r.text
        item = committee.build_agenda(reg, PLANS, meeting_id).items[0]
        assert f"punkt 1 (sag {item.case_ref}" in r.text

    @pytest.mark.parametrize(
        ("change", "words"),
        [
            ({"moede": "999"}, "findes ikke"),
            ({"moede": ""}, "Vælg et møde"),
            ({"indstilling": "{"}, "kom ikke med"),
            ({"indstilling": json.dumps({"sag": {}})}, "sagsnummer"),
            ({"indstilling": json.dumps([1, 2])}, "JSON-objekt"),
        ],
    )
    def test_a_refused_addition_says_why_in_danish(self, client: Client, reg: Any, change: dict[str, str], words: str) -> None:
        meeting_id = new_meeting(client)
        fields = {"moede": str(meeting_id), "indstilling": json.dumps(load(SUBMISSIONS[0])), "navn": "x"} | change
        r = client.post("/moede/tilfoej", fields, headers={"Accept": "application/json"})
        assert r.status_code == 200
        assert r.json()["ok"] is False
        assert words in r.json()["message"]
        assert r.json()["href"] is None
        r = client.post("/moede/tilfoej", fields)
        assert r.status_code == 200
        assert 'role="alert"' in r.text
        assert words in html.unescape(r.text)
        assert committee.build_agenda(reg, PLANS, meeting_id).items == []

    def test_each_add_form_has_a_labelled_erstatter_field(self, client: Client) -> None:
        new_meeting(client)
        files = [("filer", (p.name, p.read_bytes(), "application/json")) for p in SUBMISSIONS[:2]]
        page = client.http.post("/indstilling", data={"csrf": client.token("/indstilling"), "moededato": SOON.isoformat()}, files=files).text
        forms = re.findall(r'<form class="add-form[^"]*" method="post" action="/moede/tilfoej".*?</form>', page, flags=re.S)
        assert len(forms) == 2
        for i, form in enumerate(forms, 1):
            assert f'<label for="erstatter-{i}">Erstatter punkt <span class="opt">(valgfri)</span></label>' in form
            tag = re.search(rf'<input type="text" id="erstatter-{i}" name="erstatter"[^>]*>', form).group(0)  # type: ignore[union-attr]
            assert f'aria-describedby="erstatter-{i}-hint erstatter-{i}-error"' in tag
            assert 'inputmode="numeric"' in tag
            assert f'id="erstatter-{i}-error" data-error-for="erstatter"' in form

    @pytest.mark.parametrize("as_json", [True, False])
    def test_a_new_version_of_an_item(self, client: Client, reg: Any, as_json: bool) -> None:
        meeting_id = new_meeting(client)
        for path in SUBMISSIONS[:2]:
            add(client, meeting_id, load(path))
        client.post(f"/moede/{meeting_id}/send", {})
        before = committee.build_agenda(reg, PLANS, meeting_id).items
        changed = load(SUBMISSIONS[0]) | {"formaal": "Rettet formål efter udsendelse."}
        fields = {"moede": str(meeting_id), "indstilling": json.dumps(changed, ensure_ascii=False), "navn": "rettet.json", "erstatter": "1"}
        r = client.post("/moede/tilfoej", fields, headers={"Accept": "application/json"} if as_json else {})
        assert r.status_code == 200
        message = r.json()["message"] if as_json else html.unescape(r.text)
        assert "rettet.json er tilføjet som ny version af punkt 1 (sag" in message
        items = committee.build_agenda(reg, PLANS, meeting_id).items
        assert len(items) == 2
        assert items[1] == before[1]
        assert (items[0].item_key, items[0].versions) == (before[0].item_key, 2)
        assert items[0].content_hash != before[0].content_hash
        assert any("ÆNDRET EFTER UDSENDELSE" in f for f in items[0].flags)

    @pytest.mark.parametrize("number", ["3", "0", "999999999999"])
    def test_an_unknown_item_is_the_librarys_message_on_the_erstatter_field(self, client: Client, reg: Any, number: str) -> None:
        meeting_id = new_meeting(client)
        for path in SUBMISSIONS[:2]:
            add(client, meeting_id, load(path))
        before = committee.build_agenda(reg, PLANS, meeting_id)
        with pytest.raises(CaseError) as refused:
            committee.add_submission(reg, PLANS, meeting_id, load(SUBMISSIONS[2]), replaces=int(number), actor=ACTOR)
        (problem,) = refused.value.problems
        assert problem.where == "erstatter"
        fields = {"moede": str(meeting_id), "indstilling": json.dumps(load(SUBMISSIONS[2])), "navn": "ny.json", "erstatter": number}
        answer = client.post("/moede/tilfoej", fields, headers={"Accept": "application/json"}).json()
        assert (answer["ok"], answer["field"], answer["href"]) == (False, "erstatter", None)
        assert answer["message"] == f"ny.json er ikke tilføjet: {problem.what} {problem.fix}"
        page = client.post("/moede/tilfoej", fields)
        assert page.status_code == 200
        assert 'role="alert"' in page.text
        assert f"{problem.what} {problem.fix}" in html.unescape(page.text)
        assert committee.build_agenda(reg, PLANS, meeting_id) == before

    @pytest.mark.parametrize("number", ["1a", "-1", "1,0", " 2 x", "²", "1" * 13])
    def test_an_erstatter_that_is_not_a_number_is_refused_on_its_field(self, client: Client, reg: Any, number: str) -> None:
        meeting_id = new_meeting(client)
        add(client, meeting_id, load(SUBMISSIONS[0]))
        before = committee.build_agenda(reg, PLANS, meeting_id)
        fields = {"moede": str(meeting_id), "indstilling": json.dumps(load(SUBMISSIONS[0])), "navn": "x", "erstatter": number}
        answer = client.post("/moede/tilfoej", fields, headers={"Accept": "application/json"}).json()
        assert (answer["ok"], answer["field"]) == (False, "erstatter")
        assert "punktnummer" in answer["message"]
        assert committee.build_agenda(reg, PLANS, meeting_id) == before

    def test_an_empty_erstatter_adds_a_new_item(self, client: Client, reg: Any) -> None:
        """An empty "Erstatter punkt" adds a new item — unless the same content for the same case is
        already on the agenda: that is refused, naming the item (never added twice without a word)."""
        meeting_id = new_meeting(client)
        add(client, meeting_id, load(SUBMISSIONS[0]))
        fields = {"moede": str(meeting_id), "indstilling": json.dumps(load(SUBMISSIONS[0])), "navn": "x", "erstatter": " "}
        answer = client.post("/moede/tilfoej", fields, headers={"Accept": "application/json"}).json()
        assert not answer["ok"]
        assert "allerede punkt 1" in answer["message"]
        changed = load(SUBMISSIONS[0]) | {"formaal": "Et ændret formål."}
        answer = client.post("/moede/tilfoej", fields | {"indstilling": json.dumps(changed)}, headers={"Accept": "application/json"}).json()
        assert answer["ok"]
        assert "som punkt 2 (" in answer["message"]
        assert [i.versions for i in committee.build_agenda(reg, PLANS, meeting_id).items] == [1, 1]


def test_a_meeting_on_each_backend(migrated_url: str) -> None:
    """The whole path on SQLite and on a real PostgreSQL server: add, send, an outcome, minutes."""
    application = create_app(NYBORG, db_url=migrated_url)
    try:
        client, reg = Client(application), application.app.state.register
        meeting_id = new_meeting(client)
        for path in SUBMISSIONS:
            assert add(client, meeting_id, load(path)).json()["ok"]
        assert client.post(f"/moede/{meeting_id}/send", {}).status_code == 303
        assert client.post(f"/moede/{meeting_id}/punkt/2", {"udfald": "udsat", "begrundelse": "Afventer udredning."}).status_code == 303
        shown = items_shown(client.get(f"/moede/{meeting_id}").text)
        expected = [check(PLANS, load(p), on=SOON) for p in SUBMISSIONS]
        assert [(i["ready"], i["codes"]) for i in shown] == [(e.ready, [f.code for f in e.findings]) for e in expected]
        assert [i["outcome"] for i in shown] == [None, "udsat"] + [None] * (len(SUBMISSIONS) - 2)
        assert committee.build_agenda(reg, PLANS, meeting_id).items[1].reason == "Afventer udredning."
    finally:
        application.app.state.register.close()


def test_the_footer_says_what_is_stored(client: Client, bare: Client) -> None:
    """With a register the pages do store meetings, submissions and outcomes: the footer must not
    promise otherwise; without one, nothing of the case is stored."""
    with_register = client.http.get("/moede").text
    assert "gemmes i kommunens register" in with_register
    assert "sagens oplysninger gemmes ikke" not in with_register
    without = bare.http.get("/").text
    assert "sagens oplysninger gemmes ikke" in without
    assert "register" not in without.split("<footer")[-1]
