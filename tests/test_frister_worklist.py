"""The worklist ("Frister") on a small register built by hand, where every open deadline is known:
the library call, `kompetenceplan frister` (text, JSON, CSV, exit codes), `POST /deadlines` and the
event routes (body and path only, 404 without a register), the Frister page (filter by POST,
recording an event, CSRF, no CPR echoed), and TIL-005 in the ledelsestilsyn."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from kompetenceplan.actor import local_actor
from kompetenceplan.cli import main
from kompetenceplan.frister.rules import load_rules
from kompetenceplan.frister.worklist import CSV_COLUMNS, render_csv, render_text, worklist
from kompetenceplan.plan import load_plans
from kompetenceplan.store import events
from kompetenceplan.store.db import make_engine, upgrade
from kompetenceplan.store.register import Register
from kompetenceplan.store.tables import decisions
from kompetenceplan.tilsyn import checks as til

from .conftest import NYBORG, ROOT

with warnings.catch_warnings():  # starlette's TestClient warns about its httpx dependency on import
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

PLANS = load_plans(NYBORG)
CONFIG = load_rules(ROOT / "rules" / "nyborg-frister.toml", PLANS)
ON = dt.date(2026, 6, 30)
CPR = "010115-0000"
ME = local_actor()

#: (case, rule, limit, days left on ON) — what the worklist must show.
EXPECTED = {
    ("N-1", "BL-20-3", dt.date(2026, 5, 5), -56),
    ("N-1", "BL-20-3-FV", dt.date(2026, 5, 5), -56),
    ("N-1", "NY-SAG-B46", dt.date(2026, 5, 5), -56),
    ("S-2", "BL-143-4", dt.date(2026, 7, 4), 4),
    ("S-1", "BL-95-2", dt.date(2026, 7, 15), 15),
    ("S-2", "BL-143-GYLDIG", dt.date(2026, 7, 28), 28),
    ("S-3", "BL-95-2", dt.date(2026, 4, 10), -81),  # a decision without any registered follow-up
}


def _build(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    with Register(url) as reg:
        rec = lambda **kw: events.record(reg, PLANS, ME, **kw)  # noqa: E731
        rec(case_ref="N-1", team="Team Nord", kind="modtaget", art="underretning", occurred_on=dt.date(2026, 1, 5), paragraph="bl-46", advisor="AAA")
        rec(case_ref="N-1", team="Team Nord", kind="undersoegelse_startet", art="bfu", occurred_on=dt.date(2026, 1, 10), advisor="AAA")
        rec(case_ref="S-1", team="Team Syd", kind="modtaget", art="ansoegning", occurred_on=dt.date(2026, 3, 1), paragraph="bl-32-1-3", advisor="BBB")
        reg.record_decision(
            PLANS,
            actor=ME,
            case_ref="S-1",
            team="Team Syd",
            level="team",
            decided_on=dt.date(2026, 4, 10),
            outcome="bevilget",
            paragraph="bl-32-1-3",
            step=2,
            monthly_cost=4000,
            start=dt.date(2026, 4, 15),
            required_level="team",
        )
        rec(case_ref="S-2", team="Team Syd", kind="formandsafgoerelse", occurred_on=dt.date(2026, 6, 28), paragraph="bl-47", advisor="CCC")
        reg.record_decision(
            PLANS,
            actor=ME,
            case_ref="S-3",
            team="Team Syd",
            level="team",
            decided_on=dt.date(2026, 1, 10),
            outcome="bevilget",
            paragraph="bl-32-1-3",
            step=2,
            monthly_cost=4000,
            start=dt.date(2026, 1, 10),
            required_level="team",
        )


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> str:
    found = f"sqlite:///{tmp_path_factory.mktemp('frister') / 'r.db'}"
    _build(found)
    return found


@pytest.fixture
def reg(url: str) -> Iterator[Register]:
    with Register(url) as r:
        yield r


def _rows(wl: Any) -> set[tuple[str, str, dt.date, int]]:
    return {(i.case_ref, i.rule, i.due, i.days_left) for i in wl.items}


class TestLibrary:
    def test_every_open_deadline_is_listed_most_urgent_first(self, reg: Register) -> None:
        """The whole department: each known deadline once, overdue first, with team and advisor."""
        wl = worklist(reg.engine, CONFIG, on=ON)
        assert _rows(wl) == EXPECTED
        assert [i.due for i in wl.items] == sorted(i.due for i in wl.items)
        assert wl.overdue == 4
        first = wl.items[0]
        assert (first.case_ref, first.team, first.advisor, first.status) == ("S-3", "Team Syd", None, "overskredet")
        assert {(i.team, i.advisor) for i in wl.items if i.case_ref == "N-1"} == {("Team Nord", "AAA")}

    def test_a_team_or_an_advisor_sees_only_their_cases(self, reg: Register) -> None:
        """The filter is the case's current team or advisor."""
        assert {r[0] for r in _rows(worklist(reg.engine, CONFIG, on=ON, team="Team Syd"))} == {"S-1", "S-2", "S-3"}
        assert {r[0] for r in _rows(worklist(reg.engine, CONFIG, on=ON, advisor="AAA"))} == {"N-1"}
        assert worklist(reg.engine, CONFIG, on=ON, team="Team Nord", advisor="BBB").items == []

    def test_a_met_deadline_leaves_the_list_and_an_earlier_day_sees_less(self, url: str, tmp_path: Path) -> None:
        """Recording the BFU's end removes both § 20 deadlines; on 1 March nothing was overdue yet."""
        copy = f"sqlite:///{tmp_path / 'c.db'}"
        _build(copy)
        with Register(copy) as reg:
            events.record(reg, PLANS, ME, case_ref="N-1", team="Team Nord", kind="undersoegelse_afsluttet", art="bfu", occurred_on=dt.date(2026, 6, 1))
            rules = {r[1] for r in _rows(worklist(reg.engine, CONFIG, on=ON)) if r[0] == "N-1"}
            assert rules == {"NY-SAG-B46"}
            assert worklist(reg.engine, CONFIG, on=dt.date(2026, 3, 1)).overdue == 0

    def test_text_and_csv_say_the_same(self, reg: Register) -> None:
        """Text for people (days over / left), CSV for spreadsheets (semicolons, every column)."""
        wl = worklist(reg.engine, CONFIG, on=ON)
        text = render_text(wl)
        assert "56 dage over" in text
        assert "4 dage tilbage" in text
        assert "N-1" in text
        rows = list(csv.DictReader(io.StringIO(render_csv(wl)), delimiter=";"))
        assert tuple(rows[0]) == CSV_COLUMNS
        assert {(r["sagsreference"], r["regel"], r["frist"], int(r["dage_tilbage"])) for r in rows} == {(c, r, d.isoformat(), n) for c, r, d, n in EXPECTED}


class TestCli:
    def test_the_worklist_command_in_three_formats_and_its_exit_code(self, url: str, tmp_path: Path, monkeypatch) -> None:
        """Exit 1 when a deadline is overdue, 0 when none is; JSON is the library's dict."""
        monkeypatch.chdir(ROOT)
        runner = CliRunner()
        base = ["frister", "--db", url, "--on", ON.isoformat()]
        text = runner.invoke(main, base)
        assert text.exit_code == 1, text.output
        assert "4 overskredet" in text.output, text.output
        ccc = runner.invoke(main, [*base, "--advisor", "CCC", "--format", "json"])
        assert ccc.exit_code == 0
        assert {f["sagsreference"] for f in json.loads(ccc.output)["frister"]} == {"S-2"}
        out = tmp_path / "frister.csv"
        written = runner.invoke(main, [*base, "--format", "csv", "-o", str(out)])
        assert written.exit_code == 1
        assert out.read_text(encoding="utf-8").startswith("sagsreference;team;")
        bad = runner.invoke(main, [*base, "--on", "30-06-2026"])
        assert bad.exit_code == 2
        assert "ÅÅÅÅ-MM-DD" in bad.stderr

    def test_the_rules_document_is_the_cli_output(self, monkeypatch) -> None:
        """`frister --regler` prints the rules with source and verification (docs/frister.md has it)."""
        monkeypatch.chdir(ROOT)
        result = CliRunner().invoke(main, ["frister", "--regler"])
        assert result.exit_code == 0
        assert "**BL-143-4**" in result.output
        assert "verificeret i vejledning" in result.output


class _Client:
    def __init__(self, app: Any) -> None:
        self.http = TestClient(app, base_url="http://127.0.0.1")

    def token(self) -> str:
        found = re.search(r'name="csrf" value="([^"]+)"', self.http.get("/indstilling").text)
        assert found
        return found.group(1)

    def form(self, path: str, fields: dict[str, str], token: bool = True) -> Any:
        return self.http.post(path, data=({"csrf": self.token()} if token else {}) | fields, follow_redirects=False)


@pytest.fixture
def client(url: str, tmp_path: Path) -> Iterator[_Client]:
    from kompetenceplan.service.app import create_app

    copy = tmp_path / "web.db"
    copy.write_bytes(Path(url.removeprefix("sqlite:///")).read_bytes())
    app = create_app(NYBORG, db_url=f"sqlite:///{copy}")
    yield _Client(app)
    app.app.state.register.close()


class TestHttp:
    def test_the_worklist_route_takes_a_body_and_answers_the_library(self, client: _Client) -> None:
        """POST /deadlines with team/on in the body gives the library's worklist as JSON."""
        r = client.http.post("/deadlines", json={"team": "Team Syd", "on": ON.isoformat()})
        assert r.status_code == 200
        assert {(f["sagsreference"], f["regel"]) for f in r.json()["frister"]} == {(c, rule) for c, rule, _, _ in EXPECTED if c.startswith("S")}

    def test_nothing_travels_in_the_query_string(self, client: _Client) -> None:
        """A parameter in the address is refused without repeating it (it could be an advisor)."""
        r = client.http.post("/deadlines?advisor=AAA", json={})
        assert r.status_code == 422
        assert "AAA" not in r.text
        assert r.json()["problems"][0]["where"] == "query"
        assert client.http.get("/deadlines/cases/N-1/events?x=1").status_code == 422

    def test_an_event_is_recorded_and_listed_by_path(self, client: _Client) -> None:
        """POST /deadlines/events records as the local user; the case's events are read by path."""
        body = {"case_ref": "S-9", "team": "Team Syd", "kind": "modtaget", "art": "ansoegning", "occurred_on": "2026-06-01", "paragraph": "bl-35"}
        r = client.http.post("/deadlines/events", json=body)
        assert r.status_code == 200
        assert r.json()["recorded_by"] == ME.id
        listed = client.http.get("/deadlines/cases/S-9/events").json()
        assert [e["id"] for e in listed] == [r.json()["id"]]
        again = client.http.post("/deadlines/events", json=body)
        assert again.status_code == 422
        assert "allerede registreret" in again.json()["detail"]
        cpr = client.http.post("/deadlines/events", json={**body, "note": f"ring {CPR}"})
        assert cpr.status_code == 422
        assert CPR not in cpr.text

    def test_bad_bodies_are_422_with_the_field(self, client: _Client) -> None:
        """Unknown keys (named by position, never by themselves: a key can hold personal data), a bad
        date or a bad type: Danish problems on body fields, never 500."""
        for body, where in (({"hold": 1}, "body.ukendt felt nr. 1"), ({"on": "2026-02-30"}, "body.on"), ({"team": 5}, "body.team")):
            r = client.http.post("/deadlines", json=body)
            assert r.status_code == 422, (body, r.text)
            assert any(p["where"] == where for p in r.json()["problems"]), (body, r.text)
            assert "hold" not in r.text

    def test_without_a_register_the_routes_say_so_with_404(self) -> None:
        """The contract's 404: started without --db (the rules are still served)."""
        from kompetenceplan.service.app import create_app

        bare = TestClient(create_app(NYBORG), base_url="http://127.0.0.1")
        r = bare.post("/deadlines", json={})
        assert r.status_code == 404
        assert "--db" in r.json()["problems"][0]["where"]
        assert bare.get("/deadlines/cases/S-1/events").status_code == 404
        assert [x["id"] for x in bare.get("/deadlines/rules").json()["regler"]] == [x.id for x in CONFIG.regler]


class TestPage:
    def test_the_page_lists_the_worklist_and_filters_by_post(self, client: _Client) -> None:
        """The Frister page shows today's list; the filter form (POST) shows one advisor's cases."""
        page = client.http.get("/frister")
        assert page.status_code == 200
        assert 'aria-current="page">Frister' in page.text
        filtered = client.form("/frister/arbejdsliste", {"raadgiver": "AAA", "dato": ON.isoformat()})
        assert filtered.status_code == 200
        assert set(re.findall(r'data-case="([^"]+)" data-rule="([^"]+)"', filtered.text)) == {("N-1", r) for c, r, _, _ in EXPECTED if c == "N-1"}
        assert 'data-overdue="3"' in filtered.text  # N-1's three

    def test_an_event_is_recorded_from_the_form(self, client: _Client) -> None:
        """A saved event redirects to the list with its id; a mistake stays on the form, on its field."""
        saved = client.form("/frister/ny-haendelse", {"sagsreference": "N-1", "ev_team": "Team Nord", "haendelse": "foreloebig_vurdering", "haendelsesdato": "2026-05-01"})
        assert saved.status_code == 303
        assert re.fullmatch(r"/frister\?gemt=\d+#arbejdsliste", saved.headers["location"])
        wrong = client.form("/frister/ny-haendelse", {"sagsreference": "N-1", "ev_team": "Team Nord", "haendelse": "modtaget", "haendelsesdato": "2026-05-01"})
        assert wrong.status_code == 200
        assert 'href="#art"' in wrong.text
        assert 'value="N-1"' in wrong.text

    def test_a_cpr_number_is_refused_on_its_field_and_not_sent_back(self, client: _Client) -> None:
        """The offending text is neither stored nor echoed; the field says why."""
        r = client.form("/frister/ny-haendelse", {"sagsreference": CPR, "ev_team": "Team Nord", "haendelse": "opfoelgning", "haendelsesdato": "2026-05-01"})
        assert r.status_code == 200
        assert CPR not in r.text
        assert 'href="#sagsreference"' in r.text

    def test_a_form_without_its_csrf_token_is_refused(self, client: _Client) -> None:
        """Forms carry the signed token; without it nothing is stored (403)."""
        r = client.form("/frister/ny-haendelse", {"sagsreference": "N-1", "ev_team": "Team Nord", "haendelse": "opfoelgning", "haendelsesdato": "2026-05-01"}, token=False)
        assert r.status_code == 403

    def test_without_a_register_the_page_says_how_to_start_one(self) -> None:
        """As the tilsyn pages: a notice with the two commands."""
        from kompetenceplan.service.app import create_app

        page = TestClient(create_app(NYBORG), base_url="http://127.0.0.1").get("/frister")
        assert page.status_code == 200
        assert "ikke sat op" in page.text
        assert "kompetenceplan serve --db" in page.text


class TestTil005:
    def _decision(self, reg: Register, case_ref: str) -> dict[str, Any]:
        with reg.engine.connect() as conn:
            return dict(conn.execute(select(decisions).where(decisions.c.case_ref == case_ref)).mappings().one())

    def test_a_missed_follow_up_is_a_finding_and_a_met_one_passes(self, url: str, tmp_path: Path) -> None:
        """TIL-005 fejl names the rule and limit; after the follow-up is recorded in time it is ok."""
        copy = f"sqlite:///{tmp_path / 't.db'}"
        _build(copy)
        with Register(copy) as reg:
            d = self._decision(reg, "S-1")
            with reg.engine.connect() as conn:
                late = {r.code: r for r in til.run_checks(conn, PLANS, d, on=dt.date(2026, 7, 20))}["TIL-005"]
                early = {r.code: r for r in til.run_checks(conn, PLANS, d, on=dt.date(2026, 5, 1))}["TIL-005"]
            assert late.status == til.FEJL
            assert "BL-95-2" in late.message
            assert "2026-07-15" in late.message
            assert early.status == til.IKKE_RELEVANT
            events.record(reg, PLANS, ME, case_ref="S-1", team="Team Syd", kind="opfoelgning", occurred_on=dt.date(2026, 7, 10))
            with reg.engine.connect() as conn:
                ok = {r.code: r for r in til.run_checks(conn, PLANS, d, on=dt.date(2026, 7, 20))}["TIL-005"]
            assert ok.status == til.OK

    def test_a_case_without_events_is_not_verified_never_passed(self, reg: Register) -> None:
        """No case events: the follow-up cannot be judged; ikke efterprøvet, never ok."""
        with reg.engine.connect() as conn:
            result = {r.code: r for r in til.run_checks(conn, PLANS, self._decision(reg, "S-3"), on=ON)}["TIL-005"]
        assert result.status == til.IKKE_EFTERPROEVET
