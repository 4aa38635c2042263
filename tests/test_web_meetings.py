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

from kompetenceplan import check, load_plans  # noqa: E402
from kompetenceplan.meetings import committee  # noqa: E402
from kompetenceplan.meetings.model import OUTCOMES  # noqa: E402
from kompetenceplan.service import create_app  # noqa: E402
from kompetenceplan.store.db import make_engine, upgrade  # noqa: E402
from kompetenceplan.store.tables import meeting_items  # noqa: E402

from .conftest import EXAMPLES, NYBORG  # noqa: E402

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

    def post(self, path: str, fields: dict[str, str], token: bool = True, **kw: Any) -> Any:
        data = ({"csrf": self.token()} if token else {}) | fields
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
        assert "ikke sat op" in text and "kompetenceplan serve --db" in text and "kompetenceplan db upgrade" in text
        assert 'action="/moede"' not in r.text  # no create form without a register

    @pytest.mark.parametrize(
        "method,path",
        [("GET", "/moede/1"), ("GET", "/moede/1/dagsorden"), ("GET", "/moede/1/referat"), ("POST", "/moede"), ("POST", "/moede/1/send"), ("POST", "/moede/1/punkt/1"), ("POST", "/moede/tilfoej")],
    )
    def test_every_meeting_route_answers_the_same_notice_never_a_500(self, bare: Client, method: str, path: str) -> None:
        r = bare.get(path) if method == "GET" else bare.post(path, {"moededato": SOON.isoformat(), "udvalg": "visitationsudvalg"})
        assert r.status_code == 404
        assert "kompetenceplan serve --db" in html.unescape(r.text)

    def test_the_indstilling_page_checks_but_offers_no_meeting(self, bare: Client) -> None:
        path = SUBMISSIONS[0]
        r = bare.http.post("/indstilling", data={"csrf": bare.token("/indstilling"), "moededato": SOON.isoformat()}, files=[("filer", (path.name, path.read_bytes(), "application/json"))])
        assert r.status_code == 200 and 'data-status="' in r.text
        assert "add-form" not in r.text and "serve --db" in r.text


# -- the list and a new meeting ---------------------------------------------------------------------


class TestMeetings:
    def test_the_bodies_are_the_plan_levels_from_the_escalation_level_up(self, client: Client) -> None:
        page = client.get("/moede").text
        select = re.search(r'<select id="udvalg".*?</select>', page, flags=re.S).group(0)  # type: ignore[union-attr]
        options = [(v, html.unescape(t)) for v, t in re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', select)]
        plan = PLANS.in_force(dt.date.today())
        assert options == [(lv.id, lv.name) for lv in plan.levels if plan.rank(lv.id) >= plan.escalation_rank]
        assert len(options) >= 1

    def test_a_new_meeting_is_listed_with_its_counts(self, client: Client, reg: Any) -> None:
        meeting_id = new_meeting(client, title="December")
        (m,) = committee.list_meetings(reg, PLANS)
        assert (m.id, m.meeting_date, m.body, m.title) == (meeting_id, SOON, "visitationsudvalg", "December")
        page = client.get("/moede").text
        row = re.search(rf'<tr data-meeting="{meeting_id}">.*?</tr>', page, flags=re.S).group(0)  # type: ignore[union-attr]
        assert SOON.isoformat() in row and "December" in row and f'href="/moede/{meeting_id}"' in row
        assert 'data-items="0"' in row and 'data-ready="0"' in row

    @pytest.mark.parametrize(
        "fields,field",
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
        assert 'role="alert"' in page and f'href="#{field}"' in page
        assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', page, flags=re.S), field
        error = re.search(rf'id="{field}-error"[^>]*>(.*?)</p>', page, flags=re.S).group(1)  # type: ignore[union-attr]
        assert error.strip() and CPR not in error
        for name, value in fields.items():
            if name == "udvalg":
                if value in ("visitationsudvalg",):
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

    def test_no_case_data_in_urls(self, client: Client) -> None:
        """Every form on the meeting pages posts; links carry only meeting ids and item numbers."""
        meeting_id = new_meeting(client)
        add(client, meeting_id, load(SUBMISSIONS[0]))
        for path in ("/moede", f"/moede/{meeting_id}", f"/moede/{meeting_id}/dagsorden", f"/moede/{meeting_id}/referat"):
            page = client.get(path).text
            for form in re.findall(r"<form\b[^>]*>", page):
                assert 'method="post"' in form and "?" not in form, (path, form)
            for href in re.findall(r'href="(/moede[^"]*)"', page):
                assert re.fullmatch(r"/moede(/\d+(/dagsorden|/referat)?)?", href), href

    @pytest.mark.parametrize("path", ["/moede/999", "/moede/999/dagsorden", "/moede/999/referat", "/moede/abc", "/moede/1x/referat"])
    def test_an_unknown_meeting_is_a_page_not_a_crash(self, client: Client, path: str) -> None:
        r = client.get(path)
        assert r.status_code == 404 and "Ukendt møde" in r.text


# -- the agenda, outcomes and documents ------------------------------------------------------------


class TestAgenda:
    def test_added_submissions_show_the_readiness_check_gives(self, client: Client, reg: Any) -> None:
        meeting_id = new_meeting(client)
        for path in SUBMISSIONS:
            r = add(client, meeting_id, load(path), path.name)
            assert r.status_code == 200 and r.json()["ok"] is True and r.json()["href"] == f"/moede/{meeting_id}"
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
        assert f'data-items="{len(SUBMISSIONS)}"' in row and f'data-ready="{ready}"' in row

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
        assert r.status_code == 303 and r.headers["location"] == f"/moede/{meeting_id}?udsendt=1"
        assert committee.build_agenda(reg, PLANS, meeting_id).sent_at is not None
        page = client.get(r.headers["location"]).text
        assert 'data-sent="ja"' in page and "udsendt" in page

        options = re.findall(r'<option value="([^"]+)"', re.search(r'<select id="udfald-1".*?</select>', page, flags=re.S).group(0))  # type: ignore[union-attr]
        assert tuple(options) == OUTCOMES

        r = client.post(f"/moede/{meeting_id}/punkt/1", {"udfald": "afslået", "begrundelse": ""})
        assert r.status_code == 200
        assert re.search(r'id="begrundelse-1-error" role="alert">.*?begrundelse', r.text, flags=re.S)
        assert 'value="afslået" selected' in r.text and 'id="begrundelse-1"' in r.text
        assert re.search(r'id="begrundelse-1"[^>]*aria-invalid="true"', r.text)
        assert committee.build_agenda(reg, PLANS, meeting_id).items[0].outcome is None

        r = client.post(f"/moede/{meeting_id}/punkt/2", {"udfald": "udsat", "begrundelse": f"Ring på {CPR}"})
        assert r.status_code == 200 and CPR in r.text  # kept in the field …
        error = re.search(r'id="begrundelse-2-error"[^>]*>(.*?)</p>', r.text, flags=re.S).group(1)  # type: ignore[union-attr]
        assert "CPR" in error and CPR not in error  # … never in the message
        assert committee.build_agenda(reg, PLANS, meeting_id).items[1].outcome is None

        r = client.post(f"/moede/{meeting_id}/punkt/1", {"udfald": "tja", "begrundelse": "x"})
        assert r.status_code == 200 and re.search(r"id=\"udfald-1-error\" role=\"alert\">.*?ukendt udfald", r.text, flags=re.S | re.I)

        r = client.post(f"/moede/{meeting_id}/punkt/9", {"udfald": "bevilget"})
        assert r.status_code == 200 and "punkt 9" in r.text

        r = client.post(f"/moede/{meeting_id}/punkt/1", {"udfald": "afslået", "begrundelse": "Ikke tilstrækkeligt belyst."})
        assert r.status_code == 303 and r.headers["location"] == f"/moede/{meeting_id}?gemt=1#punkt-1"
        agenda = committee.build_agenda(reg, PLANS, meeting_id)
        assert (agenda.items[0].outcome, agenda.items[0].reason) == ("afslået", "Ikke tilstrækkeligt belyst.")
        shown = items_shown(client.get(f"/moede/{meeting_id}?gemt=1").text)
        assert [i["outcome"] for i in shown] == [i.outcome for i in agenda.items]

        minutes = client.get(f"/moede/{meeting_id}/referat").text
        decisions = re.findall(r'<li class="decision" data-outcome="([^"]*)"', minutes)
        assert decisions == [i.outcome or "" for i in agenda.items]
        assert "Ikke tilstrækkeligt belyst." in minutes and f"{sum(1 for i in agenda.items if i.outcome)} med beslutning" in minutes

    def test_printable_documents(self, client: Client, reg: Any) -> None:
        meeting_id = new_meeting(client)
        for path in SUBMISSIONS:
            add(client, meeting_id, load(path))
        agenda = committee.build_agenda(reg, PLANS, meeting_id)
        for kind in ("dagsorden", "referat"):
            page = client.get(f"/moede/{meeting_id}/{kind}").text
            assert 'class="print-document"' in page and f'data-kind="{kind}"' in page
            cases = re.findall(r'<section class="doc-item" id="punkt-\d+" data-case="([^"]+)"', page)
            assert cases == [i.case_ref for i in agenda.items]
        page = client.get(f"/moede/{meeting_id}/dagsorden").text
        assert re.findall(r'data-ready="(ja|nej)"', page) == ["ja" if i.ready else "nej" for i in agenda.items]
        assert f"{sum(1 for i in agenda.items if i.flags)} markeret" in page
        css = client.get("/static/app.css").text
        print_css = css[css.rindex("@media print") :]
        assert ".doc-item + .doc-item { break-before: page; }" in print_css
        assert ".site-header" in css[css.index("@media print") :]


# -- from the Indstilling page ------------------------------------------------------------------------


class TestAddFromSecretary:
    def test_each_checked_submission_gets_a_form_with_the_upcoming_meetings(self, client: Client, reg: Any) -> None:
        later = new_meeting(client, SOON + dt.timedelta(days=7), title="Senere")
        soon = new_meeting(client, SOON, title="Snart")
        committee.new_meeting(reg, PLANS, dt.date.today() - dt.timedelta(days=1), "visitationsudvalg", "Forbi")
        files = [("filer", (p.name, p.read_bytes(), "application/json")) for p in SUBMISSIONS] + [("filer", ("ødelagt.json", b"{", "application/json"))]
        page = client.http.post("/indstilling", data={"csrf": client.token("/indstilling"), "moededato": SOON.isoformat()}, files=files).text
        forms = re.findall(r'<form class="add-form[^"]*" method="post" action="/moede/tilfoej".*?</form>', page, flags=re.S)
        assert len(forms) == len(SUBMISSIONS)  # not for the unreadable file
        for form, path in zip(forms, SUBMISSIONS, strict=True):
            options = re.findall(r'<option value="(\d+)"( selected)?>', form)
            assert options == [(str(soon), " selected"), (str(later), "")]
            submission = json.loads(html.unescape(re.search(r'name="indstilling" value="([^"]*)"', form).group(1)))  # type: ignore[union-attr]
            assert submission == {k: v for k, v in load(path).items() if k != "borger"}
            assert re.search(r'<label for="(moede-\d+)">', form).group(1) in form  # type: ignore[union-attr]

    def test_without_javascript_the_answer_is_a_page_with_a_link(self, client: Client, reg: Any) -> None:
        meeting_id = new_meeting(client)
        path = SUBMISSIONS[0]
        r = add(client, meeting_id, load(path), path.name, as_json=False)
        assert r.status_code == 200 and f'href="/moede/{meeting_id}"' in r.text and 'role="status"' in r.text
        item = committee.build_agenda(reg, PLANS, meeting_id).items[0]
        assert f"punkt 1 (sag {item.case_ref}" in r.text

    @pytest.mark.parametrize(
        "change,words",
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
        assert r.status_code == 200 and r.json()["ok"] is False and words in r.json()["message"] and r.json()["href"] is None
        r = client.post("/moede/tilfoej", fields)
        assert r.status_code == 200 and 'role="alert"' in r.text and words in html.unescape(r.text)
        assert committee.build_agenda(reg, PLANS, meeting_id).items == []


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
