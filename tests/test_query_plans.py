"""The queries behind the pages, the lists, the writes and the ledelsestilsyn read one range of an
index, never a whole large table (issue 29): each query the library sends while it serves them is
caught as it is sent and PostgreSQL's plan for it (``EXPLAIN (FORMAT JSON)``) is read. The register
here is small, so the planner is told not to scan tables (``enable_seqscan = off``): a sequential
scan in the plan then means no index can serve the query, and a query on an index without a
condition (a whole index read) is accepted only under a LIMIT (the first page of a list).

The same queries are read on SQLite (``EXPLAIN QUERY PLAN``), which plans without statistics (no
ANALYZE is run): its choice of index depends on the schema and the query only, so a small register
shows the plan a large one gets. There a search of an index for NULL is a whole read too: SQLite
takes ``x IS NULL`` on an index of ``x`` for a search of one value, and in an append-only register
NULL is the value most rows hold (``corrects_id``: a decision write at 100,000 decisions ran at a
seventh of the rate on an empty register until migration 0011, docs/performance.md)."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select

from kompetenceplan.meetings import committee
from kompetenceplan.meetings.overview import overview, upcoming
from kompetenceplan.plan import load_plans
from kompetenceplan.store import events
from kompetenceplan.store.db import make_engine, upgrade
from kompetenceplan.store.register import Register
from kompetenceplan.store.tables import case_events, decisions, meetings
from kompetenceplan.tilsyn import draw as draw_module
from kompetenceplan.tilsyn.config import load_config
from kompetenceplan.tilsyn.report import build_report
from kompetenceplan.tilsyn.scale import build

from .conftest import EXAMPLES, NYBORG, ROOT
from .register_fixtures import ACTOR, PostgresServer

PLANS = load_plans(NYBORG)
CONFIG = load_config(ROOT / "rules" / "nyborg-tilsyn.toml")
#: Tables that grow with the history. The draws (four a year) and the schema version do not, and
#: the retractions (a committee taking back its own grant) stay a few per meeting year: the
#: planner may rightly read them whole once per query rather than once per row.
LARGE = {"decisions", "routings", "meetings", "meeting_items", "agendas", "outcomes", "payments", "tilsyn_items", "tilsyn_results", "tilsyn_answers", "access_log", "case_events"}
INDEX_SCANS = ("Index Scan", "Index Only Scan", "Bitmap Index Scan")


@pytest.fixture(scope="module")
def register(postgres_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Register]:
    """Two years of the medium municipality with eight quarters drawn and answered (PostgreSQL):
    a quarter's draw is then one in eight, as a page is a small part of a long history."""
    yield from _history(postgres_server.new_database(), tmp_path_factory)


@pytest.fixture(scope="module")
def sqlite_register(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Register]:
    """The same history on SQLite."""
    yield from _history(f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'register.db'}", tmp_path_factory)


def _history(url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Register]:
    """The register at ``url`` migrated and filled with the history both fixtures read."""
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    reg = Register(url)
    plans = load_plans(history_plans(tmp_path_factory.mktemp("plans")))
    build(reg, plans, CONFIG, start=dt.date(2024, 12, 1), months=24, scale=1, seed=5, keep_undrawn=0, payment_years=1)
    yield reg
    reg.close()


@contextmanager
def selects(register: Register) -> Iterator[list[tuple[str, Any]]]:
    """Every SELECT the library sends to ``register`` meanwhile: (statement, parameters)."""
    caught: list[tuple[str, Any]] = []

    def catch(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT") and not executemany:
            caught.append((statement, parameters))

    event.listen(register.engine, "before_cursor_execute", catch)
    try:
        yield caught
    finally:
        event.remove(register.engine, "before_cursor_execute", catch)


@pytest.fixture
def sent(register: Register) -> Iterator[list[tuple[str, Any]]]:
    """Every SELECT the library sends to the PostgreSQL register while the test runs."""
    with selects(register) as caught:
        yield caught


def history_plans(folder: Path) -> Path:
    """The Nyborg plan as version 2016.1 (in force 2016–2025) beside the bundled 2026.1."""
    for version in ("2016.1", "2026.1"):
        shutil.copytree(NYBORG, folder / version, ignore=shutil.ignore_patterns("scenarier"))
    plan = folder / "2016.1" / "plan.toml"
    text = plan.read_text(encoding="utf-8")
    text = re.sub(r'(?m)^version = ".*"$', 'version = "2016.1"', text)
    plan.write_text(re.sub(r"(?m)^valid_from = .*$", "valid_from = 2016-01-01\nvalid_to = 2025-12-31", text), encoding="utf-8")
    return folder


def _scans(node: dict[str, Any], under_limit: bool = False) -> Iterator[tuple[dict[str, Any], bool]]:
    under_limit = under_limit or node["Node Type"] == "Limit"
    yield node, under_limit
    for child in node.get("Plans", []):
        yield from _scans(child, under_limit)


def whole_table_reads(register: Register, caught: list[tuple[str, Any]]) -> list[str]:
    """What reads a whole large table in the plans of ``caught``: a sequential scan, or an index
    read from end to end outside a LIMIT."""
    found = []
    with register.engine.connect() as conn:
        # As on a register of millions of rows: no table scans, and joins (the register's "not
        # corrected" is an anti-join) by an index on the inner side, as a page of 100 rows is.
        for setting in ("enable_seqscan", "enable_hashjoin", "enable_mergejoin"):
            conn.exec_driver_sql(f"SET {setting} = off")
        for statement, parameters in caught:
            plan = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar_one()
            plan = json.loads(plan) if isinstance(plan, str) else plan
            for node, under_limit in _scans(plan[0]["Plan"]):
                table = node.get("Relation Name")
                if table not in LARGE:
                    continue
                # a whole index read under a LIMIT is a first page only if every row it reads is
                # on the page: with a Filter it may read all the index to find none
                if node["Node Type"] == "Seq Scan" or (node["Node Type"] in INDEX_SCANS and "Index Cond" not in node and (not under_limit or "Filter" in node)):
                    found.append(f"{node['Node Type']} on {table} ({node.get('Index Name', '')}) in: {' '.join(statement.split())[:300]}")
        conn.rollback()
    return found


#: SQLite's plan lines (``EXPLAIN QUERY PLAN``, the detail column): a table or whole index read
#: (``SCAN t``, ``SCAN t USING [COVERING] INDEX i``), an index built for the query from the whole
#: table (``AUTOMATIC``), and a search with its conditions (``SEARCH t USING [COVERING] INDEX i (a=? AND b>?)``).
_SQLITE_SCAN = re.compile(r"SCAN (\w+)(?: USING (?:COVERING )?INDEX (\w+))?$")
_SQLITE_SEARCH = re.compile(r"SEARCH (\w+) USING (AUTOMATIC )?(?:PARTIAL )?(?:COVERING )?INDEX (\w*) ?\((.*)\)$")


def sqlite_whole_reads(register: Register, caught: list[tuple[str, Any]]) -> list[str]:
    """What reads a whole large table in SQLite's plans of ``caught``: a scan of the table, or of
    an index outside a LIMIT; an index SQLite builds for the query (from the whole table); and a
    search of an index for NULL (``x=?`` in the plan where the query says ``x IS NULL``)."""
    found = []
    with register.engine.connect() as conn:
        for statement, parameters in caught:
            flat = " ".join(statement.split())
            where = flat[flat.find(" FROM ") + 1 :][:300]  # what is read and how, not the columns
            aliases = dict((alias, table) for table, alias in re.findall(r"\b(\w+) AS (\w+)\b", flat))
            for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all():
                detail = row[3]
                if scan := _SQLITE_SCAN.match(detail):
                    name, index = scan.groups()
                    if aliases.get(name, name) in LARGE and (index is None or not re.search(r"\bLIMIT\b", flat)):
                        found.append(f"{detail} in: {where}")
                elif search := _SQLITE_SEARCH.match(detail):
                    name, automatic, _, terms = search.groups()
                    nulls = [col for col in re.findall(r"(\w+)=\?", terms) if re.search(rf"\b{name}\.{col} IS NULL\b", flat)]
                    if aliases.get(name, name) in LARGE and (automatic or nulls):
                        found.append(f"{detail}{' (searched for NULL: ' + ', '.join(nulls) + ')' if nulls else ''} in: {where}")
    return found


def _middle(register: Register, table: Any, day: Any) -> tuple[dt.date, int]:
    """A page key in the middle of the list (read on an engine of its own: not a query under test)."""
    engine = make_engine(register.url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(day, table.c.id).order_by(day, table.c.id)).all()
    finally:
        engine.dispose()
    return tuple(rows[len(rows) // 2])


def _lists(reg: Register) -> None:
    key = _middle(reg, decisions, decisions.c.decided_on)
    reg.decisions(limit=100)
    reg.decisions(after=key, limit=100)
    reg.decisions(team="Team Syd", after=key, limit=100)
    reg.decisions(team="Team Ukendt", limit=100)
    reg.decisions((dt.date(2026, 3, 1), dt.date(2026, 3, 31)), limit=100)
    reg.overskridelser(limit=100)
    committee.list_meetings(reg, PLANS, limit=100)
    committee.list_meetings(reg, PLANS, after=_middle(reg, meetings, meetings.c.meeting_date), limit=100)


def _meeting_pages(reg: Register) -> None:
    page = overview(reg, PLANS, today=dt.date(2026, 6, 1))
    overview(reg, PLANS, before=page.earlier) if page.earlier else None
    upcoming(reg, PLANS, dt.date(2026, 6, 1))
    for row in page.rows[:3]:
        committee.build_agenda(reg, PLANS, row.meeting.id)


def _tilsyn(reg: Register) -> None:
    quarter = draw_module.draws(reg)[-1]
    build_report(reg, CONFIG, quarter)
    _, start, end = draw_module.quarter_dates(CONFIG, quarter)
    with reg.engine.connect() as conn:
        population = draw_module._population(conn, start, end)
        whole = draw_module._decisions(conn, [r["id"] for r in population[:20]])
        from kompetenceplan.tilsyn.checks import run_checks

        for row in list(whole.values())[:20]:
            run_checks(conn, PLANS, row)


def _writes(reg: Register) -> None:
    day = dt.date(2026, 6, 15)
    sub = json.loads((EXAMPLES / "submissions" / "plejefamilie-46-klar.json").read_text(encoding="utf-8"))
    case = json.loads((EXAMPLES / "cases" / "kontaktperson-team.json").read_text(encoding="utf-8"))
    engine = make_engine(reg.url)  # the case to write for, read apart from the queries under test
    with engine.connect() as conn:
        known = conn.execute(select(decisions.c.case_ref, decisions.c.id).order_by(decisions.c.id.desc()).limit(1)).one()
    engine.dispose()
    reg.record_routing(PLANS, case, case_ref=known.case_ref, team="Team Syd", actor=ACTOR, on=day)
    first = reg.record_decision(
        PLANS,
        actor=ACTOR,
        case_ref=known.case_ref,
        team="Team Syd",
        level="leder",
        decided_on=day,
        outcome="bevilget",
        paragraph="bl-32-1-3",
        step=2,
        monthly_cost=1000,
        start=day,
        required_level="team",
    )
    reg.record_decision(
        PLANS,
        actor=ACTOR,
        case_ref=known.case_ref,
        team="Team Syd",
        level="leder",
        decided_on=day,
        outcome="bevilget",
        paragraph="bl-32-1-3",
        step=2,
        monthly_cost=1100,
        start=day,
        required_level="team",
        corrects=first.id,
    )
    meeting = committee.new_meeting(reg, PLANS, day, "boerne_og_ungeudvalg", "Plan", actor=ACTOR)
    committee.add_submission(reg, PLANS, meeting.id, sub, case_ref="P-1", actor=ACTOR)
    committee.send_agenda(reg, PLANS, meeting.id, actor=ACTOR)
    committee.record_outcome(reg, PLANS, meeting.id, 1, "bevilget", "", actor=ACTOR)
    committee.record_outcome(reg, PLANS, meeting.id, 1, "udsat", "Mangler oplysninger.", actor=ACTOR)


def _case_events(reg: Register) -> None:
    """A case's events (the page ``GET /deadlines/cases/{case}/events`` and the deadlines of one
    case), an event recorded and corrected."""
    engine = make_engine(reg.url)  # the case to read, found apart from the queries under test
    with engine.connect() as conn:
        case_ref = conn.execute(select(case_events.c.case_ref).order_by(case_events.c.id.desc()).limit(1)).scalar_one()
    engine.dispose()
    events.query(reg, case_ref=case_ref)
    with reg.engine.connect() as conn:
        events.current_events(conn, dt.date(2026, 12, 1), case_ref)
    day = dt.date(2026, 6, 15)
    first = events.record(reg, PLANS, ACTOR, case_ref="H-1", team="Team Syd", kind="modtaget", art="underretning", occurred_on=day, paragraph="bl-32-1-3", today=day)
    events.record(reg, PLANS, ACTOR, case_ref="H-1", team="Team Syd", kind="modtaget", art="underretning", occurred_on=day, paragraph="bl-32-1-3", today=day, corrects=first.id, note="Rettet.")


SERVED = [_lists, _meeting_pages, _tilsyn, _writes, _case_events]
SERVED_IDS = ["lists", "meeting pages", "tilsyn", "writes", "case events"]


@pytest.mark.parametrize("served", SERVED, ids=SERVED_IDS)
def test_no_hot_query_reads_a_whole_large_table(register: Register, sent: list[tuple[str, Any]], served: Callable[[Register], None]) -> None:
    """Every query sent while serving the lists, the meeting pages, the ledelsestilsyn or the
    writes has a plan that reads a range of an index (or a first page under a LIMIT)."""
    served(register)
    assert len(sent) >= 5
    assert whole_table_reads(register, sent) == []


@pytest.mark.parametrize("served", SERVED, ids=SERVED_IDS)
def test_no_hot_query_reads_a_whole_large_table_on_sqlite(sqlite_register: Register, served: Callable[[Register], None]) -> None:
    """The same on SQLite: every query sent reads a range of an index, never an index searched
    for NULL (the check that a decision or routing is not stored twice did, until migration 0011)."""
    with selects(sqlite_register) as caught:
        served(sqlite_register)
    assert len(caught) >= 5
    assert sqlite_whole_reads(sqlite_register, caught) == []


def test_the_sqlite_check_finds_a_scan_and_a_search_for_null(sqlite_register: Register) -> None:
    """The check itself: a query on a column no index serves (the decision's note) is a scan; a
    case's decisions that were not imported (``import_key IS NULL``, a unique index where nearly
    every row is NULL) are searched for NULL in that index, as the same-record check searched
    ``corrects_id`` before migration 0011."""
    queries = [
        select(decisions.c.id).where(decisions.c.note == "x"),
        select(decisions.c.id).where(decisions.c.case_ref == "S-1", decisions.c.import_key.is_(None)),
    ]
    caught = []
    with sqlite_register.engine.connect() as conn:
        for query in queries:
            compiled = query.compile(conn)
            caught.append((str(compiled), tuple(compiled.params[k] for k in compiled.positiontup or ())))
    found = sqlite_whole_reads(sqlite_register, caught)
    assert len(found) == 2
    assert found[0].startswith("SCAN decisions in:")
    assert found[1].startswith("SEARCH decisions USING INDEX ix_decisions_import_key (import_key=?) (searched for NULL: import_key)")


def test_the_check_finds_a_query_without_an_index(register: Register) -> None:
    """The check itself: a query on a column no index serves (the decision's note) is found."""
    statement = select(decisions.c.id).where(decisions.c.note == "x")
    with register.engine.connect() as conn:
        compiled = statement.compile(conn)
        text = str(compiled)
    found = whole_table_reads(register, [(text, compiled.params)])
    assert len(found) == 1
    assert found[0].startswith("Seq Scan on decisions")
