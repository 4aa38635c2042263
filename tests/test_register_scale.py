"""A large municipality's register, in small (issue 29): the scale generator writes a register the
library reads as its own; lists are pages by key whose walk is exactly the whole list; the meeting
list counts what each agenda shows without building it; the JSON lists answer one page with the
next page's address; several worker processes sign with one secret. Speed is never asserted here
(docs/performance.md, benchmarks/register_scale.py); tests/test_query_plans.py reads the plans."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from kompetenceplan.meetings import committee
from kompetenceplan.meetings.overview import PAGE, RECENT_DAYS, overview, upcoming
from kompetenceplan.plan import load_plans
from kompetenceplan.store.db import make_engine, upgrade
from kompetenceplan.store.register import Register
from kompetenceplan.store.tables import decisions, meeting_items, meetings, outcomes, payments, routings, tilsyn_answers, tilsyn_draws
from kompetenceplan.tilsyn.config import load_config
from kompetenceplan.tilsyn.scale import build

from .conftest import EXAMPLES, NYBORG, ROOT
from .register_fixtures import ACTOR, PostgresServer

PLANS = load_plans(NYBORG)
CONFIG = load_config(ROOT / "rules" / "nyborg-tilsyn.toml")
START, MONTHS = dt.date(2026, 1, 1), 6


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Any]:
    """Six months of a municipality the size of the medium one, built once per backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('scale') / 'register.db'}"
    else:
        server: PostgresServer = request.getfixturevalue("postgres_server")
        url = server.new_database()
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    with Register(url) as reg:
        made = build(reg, PLANS, CONFIG, start=START, months=MONTHS, scale=1, seed=3, keep_undrawn=0, payment_years=1)
    return url, made


def _walk(fetch: Any, key: Any, size: int) -> list[Any]:
    found, after = [], None
    while True:
        page = fetch(after, size)
        assert len(page) <= size
        found += page
        if len(page) < size:
            return found
        after = key(page[-1])


class TestScaleGenerator:
    def test_the_generated_register_is_read_by_the_library_as_its_own(self, built: tuple[str, Any]) -> None:
        """Every count the generator reports is in the register, every meeting's agenda builds,
        and a decision recorded afterwards gets the next id (the id sequences were moved past the
        rows the generator numbered itself)."""
        url, made = built
        with Register(url) as reg, reg.engine.connect() as conn:
            count = {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in (decisions, routings, meetings, meeting_items, tilsyn_draws, tilsyn_answers, payments)}
            assert (count["decisions"], count["routings"], count["meetings"], count["meeting_items"]) == (made.decisions, made.routings, made.meetings, made.items)
            assert (count["tilsyn_draws"], count["tilsyn_answers"], count["payments"]) == (made.draws, made.answers, made.payments)
            assert made.decisions > 300
            assert made.meetings > 20
            assert made.draws == 1
            assert made.answers > 0
            assert made.payments > 0
            for m in committee.list_meetings(reg, PLANS)[:: max(1, made.meetings // 10)]:
                agenda = committee.build_agenda(reg, PLANS, m.id)
                assert sorted(i.number for i in agenda.items) == list(range(1, len(agenda.items) + 1))
            highest = conn.execute(select(func.max(decisions.c.id))).scalar_one()
        with Register(url) as reg:
            new = reg.record_decision(
                PLANS,
                actor=ACTOR,
                case_ref="NY-1",
                team="Team Syd",
                level="leder",
                decided_on=dt.date(2026, 7, 1),
                outcome="bevilget",
                paragraph="bl-32-1-2",
                step=3,
                monthly_cost=1000,
                start=dt.date(2026, 7, 1),
                required_level="team",
            )
            assert new.id == highest + 1

    def test_each_held_item_has_one_current_outcome_and_open_ended_grants_are_closed(self, built: tuple[str, Any]) -> None:
        """The generated committees decided every item of a held meeting once (one current
        outcome per item), and a grant registered without an expected end is closed 3 to 36
        months later by a correction, as a caseworker closes a case (else the running grants
        would grow with the history)."""
        url, _ = built
        with Register(url) as reg, reg.engine.connect() as conn:
            rows = conn.execute(select(outcomes.c.meeting_id, outcomes.c.item_key, outcomes.c.id, outcomes.c.corrects_id)).all()
            corrected = {r.corrects_id for r in rows if r.corrects_id is not None}
            current = [(r.meeting_id, r.item_key) for r in rows if r.id not in corrected]
            assert len(current) == len(set(current)) > 0
            old = decisions.alias("old")
            closings = conn.execute(
                select(old.c.expected_end, old.c.start, decisions.c.expected_end).join(old, old.c.id == decisions.c.corrects_id).where(decisions.c.note == "Sagen er afsluttet.")
            ).all()
        assert closings
        assert all(was is None and 90 <= (end - start).days < 1100 for was, start, end in closings)

    def test_payments_follow_the_grants_of_each_month(self, built: tuple[str, Any]) -> None:
        """Payments are one a month per running grant, in the months of the history, in one
        batch per month; a few belong to cases the register does not know (as a finance
        system's do)."""
        url, made = built
        with Register(url) as reg, reg.engine.connect() as conn:
            days = conn.execute(select(func.min(payments.c.paid_on), func.max(payments.c.paid_on))).one()
            batches = conn.execute(select(func.count(payments.c.batch_sha256.distinct()))).scalar_one()
            unknown = conn.execute(select(func.count()).select_from(payments).where(payments.c.case_ref.like("Z-%"))).scalar_one()
        assert days[0] >= START
        assert days[1] <= dt.date(2026, 6, 30)
        assert batches == MONTHS
        assert 0 < unknown < made.payments // 20


class TestEconomyByTheDatabase:
    @pytest.mark.parametrize("code", ["2026Q1", "2026Q2", "2026Q3"])
    def test_the_figures_summed_by_the_database_are_the_definitions(self, built: tuple[str, Any], code: str) -> None:
        """For a quarter and its months, the counts, costs (to the øre), movements and prices the
        database sums (`figures.report_figures`) equal `period_figures`, `flow` and `prices` over
        the interventions read one by one."""
        from kompetenceplan.tilsyn import economy
        from kompetenceplan.tilsyn.figures import report_figures

        url, _ = built
        q = economy.parse_quarter(code)
        periods = [q, *q.months()]
        cat = economy.Catalogue.of(PLANS, q.last)
        engine = make_engine(url)
        try:
            rows = economy.load_interventions(engine, min(p.previous().first for p in periods), q.last)
            figures, flows, prices = report_figures(engine, periods, cat)
        finally:
            engine.dispose()
        assert rows
        assert figures[0].active > 0
        assert figures == [economy.period_figures(rows, p, cat) for p in periods]
        assert flows == [economy.flow(rows, p.previous(), p) for p in periods]
        assert prices == [economy.prices(rows, p, p.previous(), cat) for p in periods]

    def test_the_payments_summed_by_the_database_are_the_lines_counted_one_by_one(self, built: tuple[str, Any]) -> None:
        """Paid, counted and unmatched (no decision with the case reference) per period are the
        same from the database's sums as from every payment line and the known cases."""
        from kompetenceplan.tilsyn import economy
        from kompetenceplan.tilsyn.finance import load_payments, payment_sums

        url, _ = built
        q = economy.parse_quarter("2026Q2")
        cat = economy.Catalogue.of(PLANS, q.last)
        engine = make_engine(url)
        try:
            rows = economy.load_interventions(engine, q.previous().first, q.last)
            lines = load_payments(engine, q.first, q.last)
            known = economy._known_cases(engine, {p.case_ref for p in lines})
            sums = payment_sums(engine, q.first, q.last)
        finally:
            engine.dispose()
        for period in [q, *q.months()]:
            figures = economy.period_figures(rows, period, cat)
            expected = economy._paid(figures, rows, lines, known, period, cat)
            assert economy._paid_sums(figures, sums, period, cat) == expected
            assert expected.unmatched_count > 0
            assert expected.count > expected.unmatched_count


class TestPages:
    def test_a_walk_over_pages_of_decisions_is_the_whole_list(self, built: tuple[str, Any]) -> None:
        """Following ``after`` from page to page gives every decision once, in the list's order
        (the day taken, then id), with and without a team or the overskridelser filter."""
        url, _ = built
        with Register(url) as reg:
            key = lambda d: (d.decided_on, d.id)  # noqa: E731
            for kwargs in ({}, {"team": "Team Syd"}, {"period": (dt.date(2026, 2, 1), dt.date(2026, 3, 31))}):
                whole = reg.decisions(**kwargs)
                assert [d.id for d in _walk(lambda after, n, kw=kwargs: reg.decisions(**kw, after=after, limit=n), key, 37)] == [d.id for d in whole]
            whole = reg.overskridelser()
            assert whole
            assert [d.id for d in _walk(lambda after, n: reg.overskridelser(after=after, limit=n), key, 7)] == [d.id for d in whole]

    def test_a_walk_over_pages_of_meetings_is_the_whole_list(self, built: tuple[str, Any]) -> None:
        """`list_meetings` with ``after``/``limit`` pages through every meeting once, by date then id."""
        url, _ = built
        with Register(url) as reg:
            whole = committee.list_meetings(reg, PLANS)
            assert _walk(lambda after, n: committee.list_meetings(reg, PLANS, after=after, limit=n), lambda m: (m.meeting_date, m.id), 9) == whole

    def test_the_meeting_list_counts_what_each_agenda_shows(self, built: tuple[str, Any]) -> None:
        """For every meeting on a page the list's items, ready items and 'sent' are the agenda's,
        counted by the database, never by building the agenda."""
        url, _ = built
        with Register(url) as reg:
            meeting_id = committee.list_meetings(reg, PLANS)[-1].id
            committee.send_agenda(reg, PLANS, meeting_id, actor=ACTOR)
            seen = 0
            page = overview(reg, PLANS, today=dt.date(2026, 7, 1))
            while True:
                for row in page.rows:
                    agenda = committee.build_agenda(reg, PLANS, row.meeting.id)
                    assert (row.items, row.ready, row.sent) == (len(agenda.items), sum(i.ready for i in agenda.items), agenda.sent_at is not None)
                    seen += 1
                if page.earlier is None:
                    break
                page = overview(reg, PLANS, before=page.earlier)
            assert seen >= min(PAGE, len(committee.list_meetings(reg, PLANS)))


def _meeting_register(tmp_path: Path, days: list[dt.date]) -> Register:
    url = f"sqlite:///{tmp_path / 'moeder.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    reg = Register(url)
    for day in days:
        committee.new_meeting(reg, PLANS, day, "visitationsudvalg", actor=ACTOR)
    return reg


class TestMeetingList:
    def test_the_first_page_opens_before_today_and_the_pages_cover_every_meeting_once(self, tmp_path: Path) -> None:
        """120 meetings, one every 5 days: the first page starts with the first meeting at most
        RECENT_DAYS before today; walking earlier and later from it meets every meeting once, in
        date order."""
        today = dt.date(2026, 6, 1)
        days = [dt.date(2026, 1, 2) + dt.timedelta(days=5 * i) for i in range(120)]
        reg = _meeting_register(tmp_path, days)
        try:
            first = overview(reg, PLANS, today=today)
            assert len(first.rows) == PAGE
            assert first.rows[0].meeting.meeting_date == min(d for d in days if d >= today - dt.timedelta(days=RECENT_DAYS))
            pages, page = [first], first
            while page.earlier is not None:
                page = overview(reg, PLANS, before=page.earlier)
                pages.insert(0, page)
            page = first
            while page.later is not None:
                page = overview(reg, PLANS, after=page.later)
                pages.append(page)
            assert [r.meeting.meeting_date for p in pages for r in p.rows] == days
            assert all(r.items == 0 and r.ready == 0 and not r.sent for p in pages for r in p.rows)
        finally:
            reg.close()

    def test_near_the_end_of_the_list_the_first_page_is_filled_with_earlier_meetings(self, tmp_path: Path) -> None:
        """With no meeting after today, the first page is the newest PAGE meetings, not an empty page."""
        days = [dt.date(2026, 1, 2) + dt.timedelta(days=i) for i in range(PAGE + 5)]
        reg = _meeting_register(tmp_path, days)
        try:
            page = overview(reg, PLANS, today=dt.date(2027, 1, 1))
            assert [r.meeting.meeting_date for r in page.rows] == days[-PAGE:]
            assert page.later is None
            assert page.earlier is not None
        finally:
            reg.close()

    def test_an_item_checked_with_another_plan_version_is_counted_as_the_agenda_checks_it_again(self, tmp_path: Path) -> None:
        """An item stored with another plan's fingerprint is checked again with the plan in force
        on the meeting date by the agenda (PLANEN ER ÆNDRET), and the list's ready count follows
        the agenda, not the stored readiness."""
        day = dt.date(2026, 12, 1)
        reg = _meeting_register(tmp_path, [day])
        try:
            meeting_id = committee.list_meetings(reg, PLANS)[0].id
            ready = json.loads((EXAMPLES / "submissions" / "plejefamilie-46-klar.json").read_text(encoding="utf-8"))
            committee.add_submission(reg, PLANS, meeting_id, ready, case_ref="S-1", actor=ACTOR)
            with reg.engine.begin() as conn:  # as if checked with an older plan that found it not ready
                conn.execute(update(meeting_items).values(plan_fingerprint="en-anden-plan", ready=False))
            agenda = committee.build_agenda(reg, PLANS, meeting_id)
            row = overview(reg, PLANS, today=day).rows[0]
            assert agenda.items[0].ready
            assert any(f.startswith("PLANEN ER ÆNDRET") for f in agenda.items[0].flags)
            assert (row.items, row.ready) == (1, 1)
        finally:
            reg.close()

    def test_the_coming_meetings_are_the_soonest_from_today(self, tmp_path: Path) -> None:
        """`upcoming` gives the meetings on or after today, soonest first, at most ``limit``."""
        days = [dt.date(2026, 1, 2) + dt.timedelta(days=3 * i) for i in range(40)]
        reg = _meeting_register(tmp_path, days)
        try:
            found = upcoming(reg, PLANS, dt.date(2026, 2, 1), limit=5)
            assert [m.meeting_date for m in found] == [d for d in days if d >= dt.date(2026, 2, 1)][:5]
        finally:
            reg.close()


def test_on_sqlite_a_reader_waits_for_no_writer(tmp_path: Path) -> None:
    """While a writer holds SQLite's write lock (an ``engine.begin()`` block), another connection
    still reads — the last committed state — at once; a second writer waits for the first
    (BEGIN IMMEDIATE), and gets in when it commits."""
    import threading

    reg = _meeting_register(tmp_path, [dt.date(2026, 1, 5)])
    done: dict[str, Any] = {}
    try:
        with reg.engine.begin() as writer:
            writer.execute(update(meetings).values(title="ændret"))

            def read() -> None:
                done["titles"] = [m.title for m in committee.list_meetings(reg, PLANS)]

            def write() -> None:
                with reg.engine.begin() as second:
                    second.execute(update(meetings).values(title="anden"))
                done["second"] = True

            reader, second = threading.Thread(target=read), threading.Thread(target=write)
            reader.start()
            second.start()
            reader.join(timeout=20)
            assert not reader.is_alive()
            assert done["titles"] == ["Visitationsudvalget 2026-01-05"]
            time.sleep(0.3)
            assert "second" not in done  # queued behind the first writer
        second.join(timeout=60)
        assert done.get("second")
        assert [m.title for m in committee.list_meetings(reg, PLANS)] == ["anden"]
    finally:
        reg.close()


# -- HTTP ------------------------------------------------------------------------------------------------


@pytest.fixture
def http(built: tuple[str, Any]) -> Iterator[Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    from kompetenceplan.service.app import create_app

    url, _ = built
    app = create_app(NYBORG, db_url=url)
    yield TestClient(app, base_url="http://127.0.0.1")
    app.app.state.register.close()


def _follow(http: Any, path: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while path:
        answer = http.get(path)
        assert answer.status_code == 200, answer.text
        found += answer.json()["items"]  # a page object (issue 23): items and the next marker
        link = re.fullmatch(r'<([^>]+)>; rel="next"', answer.headers.get("link", ""))
        path = link.group(1) if link else ""
    return found


class TestHttpLists:
    def test_the_decision_list_answers_one_page_and_the_link_to_the_next(self, http: Any, built: tuple[str, Any]) -> None:
        """GET /register/decisions answers at most ``limit`` decisions; following the Link header
        gives every decision once, as the library lists them."""
        url, _ = built
        first = http.get("/register/decisions?limit=50")
        assert first.status_code == 200
        assert len(first.json()["items"]) == 50
        assert first.json()["next"]
        assert 'rel="next"' in first.headers["link"]
        with Register(url) as reg:
            assert [d["id"] for d in _follow(http, "/register/decisions?limit=200&team=Team%20Syd")] == [d.id for d in reg.decisions(team="Team Syd")]

    def test_the_meeting_list_answers_pages_that_cover_every_meeting(self, http: Any, built: tuple[str, Any]) -> None:
        """GET /meetings pages through every meeting once (keyset, ``after``)."""
        url, _ = built
        with Register(url) as reg:
            assert [m["id"] for m in _follow(http, "/meetings?limit=17")] == [m.id for m in committee.list_meetings(reg, PLANS)]

    @pytest.mark.parametrize("query", ["limit=0", "limit=501", "after=2026-13-01.4", "after=igår", "after=2026-01-01.-1"])
    def test_a_bad_page_is_refused_in_danish_and_names_the_field(self, http: Any, query: str) -> None:
        """A page size outside 1–500 or a key that is not 'date.id' is 422 naming the field."""
        answer = http.get(f"/register/decisions?{query}")
        assert answer.status_code == 422
        assert answer.json()["problems"][0]["where"] == query.split("=")[0]

    def test_the_meeting_page_links_to_earlier_and_later_meetings(self, tmp_path: Path) -> None:
        """/moede shows one page of meetings (around today); 'Tidligere møder' shows the ones
        before it, and its 'Senere møder' leads back."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from fastapi.testclient import TestClient
        from kompetenceplan.service.app import create_app

        today = dt.date.today()
        reg = _meeting_register(tmp_path, [today + dt.timedelta(days=2 * i) for i in range(-70, 60)])
        reg.close()
        app = create_app(NYBORG, db_url=str(reg.url))
        try:
            http = TestClient(app, base_url="http://127.0.0.1")
            shown = lambda page: re.findall(r'data-meeting="(\d+)"', page.text)  # noqa: E731
            first = http.get("/moede")
            assert first.status_code == 200
            assert len(shown(first)) == PAGE
            earlier = re.search(r'href="(/moede\?foer=[^"]+)" rel="prev"', first.text)
            assert earlier is not None
            before = http.get(earlier.group(1))
            assert shown(before)
            assert not set(shown(before)) & set(shown(first))
            later = re.search(r'href="(/moede\?efter=[^"]+)" rel="next"', before.text)
            assert later is not None
            assert shown(http.get(later.group(1)))[0] == shown(first)[0]
            assert http.get("/moede?foer=ikke-en-noegle").status_code == 200  # a bad key is the first page
        finally:
            app.app.state.register.close()


def test_every_page_that_reads_the_register_is_measured() -> None:
    """benchmarks/register_scale.py measures every GET route that reads the register (the
    permission table lists them), so a new page is measured at scale too or the test says so."""
    import importlib.util

    from kompetenceplan.service.permissions import ROUTES

    spec = importlib.util.spec_from_file_location("register_scale", ROOT / "benchmarks" / "register_scale.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    reads = {"read_register", "read_reports", "read_deadlines", "read_access_log"}
    routes = {path for (method, path), verb in ROUTES.items() if method == "GET" and verb in reads} | {"/indstilling"}  # it lists the coming meetings
    assert routes == set(module.MEASURED)


# -- several workers -------------------------------------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_two_workers_accept_each_others_forms(tmp_path: Path) -> None:
    """`serve --workers 2` runs two processes that sign forms with one secret: a form's CSRF
    token from one is accepted whichever process receives the POST (twenty meetings created,
    none refused), and both processes answer."""
    url = f"sqlite:///{tmp_path / 'register.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "KOMPETENCEPLAN_WEB_SECRET"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "kompetenceplan", "serve", "--plan", str(NYBORG), "--db", url, "--port", str(port), "--workers", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5).read()
                break
            except OSError:
                assert proc.poll() is None, "the service exited before it answered"
                assert time.monotonic() < deadline, "the service did not answer in time"
                time.sleep(0.2)
        import http.cookiejar

        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = opener.open(f"http://127.0.0.1:{port}/moede", timeout=30).read().decode()
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        refused = 0
        for n in range(20):
            data = f"csrf={token}&moededato=2026-12-{n + 1:02d}&udvalg=visitationsudvalg&titel=M{n}".encode()
            request = urllib.request.Request(f"http://127.0.0.1:{port}/moede", data=data, headers={"Content-Type": "application/x-www-form-urlencoded", "Connection": "close"})
            try:
                opener.open(request, timeout=30).read()
            except urllib.error.HTTPError as exc:
                refused += exc.code == 403
        assert refused == 0
        with Register(url) as reg:
            assert len(committee.list_meetings(reg, PLANS)) == 20
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=60)
    assert len(set(re.findall(r"Started server process \[(\d+)\]", err.decode()))) == 2


@pytest.mark.parametrize("workers", ["1", "2"])
def test_no_access_log_means_no_request_is_logged(workers: str) -> None:
    """`serve --no-access-log` logs no request line, in one process or several (uvicorn's logging
    set-up used to switch the access logger on again)."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "kompetenceplan", "serve", "--plan", str(NYBORG), "--port", str(port), "--workers", workers, "--no-access-log"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 120
        answered = 0
        while answered < 5:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5).read()
                answered += 1
            except OSError:
                assert proc.poll() is None, "the service exited before it answered"
                assert time.monotonic() < deadline, "the service did not answer in time"
                time.sleep(0.2)
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=60)
    assert "Application startup complete" in err.decode()
    assert "GET /health" not in err.decode()


def test_reload_by_request_is_refused_with_several_workers() -> None:
    """--allow-reload with --workers 2 is refused in Danish (POST /admin/reload would reload one
    process of several); the fix names SIGHUP to the main process."""
    done = subprocess.run([sys.executable, "-m", "kompetenceplan", "serve", "--plan", str(NYBORG), "--workers", "2", "--allow-reload"], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 2
    assert "flere arbejdsprocesser" in done.stderr
    assert "SIGHUP" in done.stderr
