"""The økonomisk tilsyn's figures for a quarter and its months, summed by the database (issue 29):
a large municipality's quarter runs about a hundred thousand interventions, which the report used
to read into Python and walk once per period and figure. `economy.period_figures`, `economy.flow`
and `economy.prices` stay the definitions; tests/test_register_scale.py holds `report_figures`
equal to them on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import BigInteger, Date, Integer, and_, case, cast, func, literal, or_, select

from ..store.tables import decisions
from .economy_model import OTHER_TYPE, PLACEMENT_TYPES, Catalogue, Cell, Flow, Period, PeriodFigures, Price, Row, _average, _months, _rows


def _collect(period: Period, active: int, cells: dict[tuple[str, int], Cell], cat: Catalogue) -> PeriodFigures:
    by_step: dict[tuple[str, int], Cell] = defaultdict(Cell)
    by_paragraph: dict[str, Cell] = defaultdict(Cell)
    by_placement: dict[str, Cell] = defaultdict(Cell)
    for (paragraph, step), cell in cells.items():
        for target in (by_step[cat.step_key(paragraph, step)], by_paragraph[paragraph], by_placement[cat.placement(paragraph, step).id]):
            target.count += cell.count
            target.cost_oere += cell.cost_oere
    order_types = {t.id: i for i, t in enumerate((*PLACEMENT_TYPES, OTHER_TYPE))}
    labels_types = {t.id: t.label for t in (*PLACEMENT_TYPES, OTHER_TYPE)}
    return PeriodFigures(
        period,
        active,
        sum(c.cost_oere for c in cells.values()),
        [Row(f"{a}:{s}", cat.step_label((a, s)), c.count, c.cost_oere) for (a, s), c in sorted(by_step.items())],
        _rows(by_paragraph, lambda k: cat.paragraph(k).label, lambda k: k),
        _rows(by_placement, lambda k: labels_types[k], lambda k: order_types[k]),
    )


# The database sums the interventions per (paragraph, step) — each period's active count and sum
# of monthly costs, each month's prorated cost — and per case its highest step on the flows' days;
# Python only turns the ~100 sums into the report's rows. The arithmetic is the definitions'
# (docs/oekonomisk-tilsyn.md): whole øre, a month's cost prorated by days and rounded half up.


def _granted_running(first: dt.date, last: dt.date) -> list[Any]:
    """Current granted decisions running at some time in [first, last] (`economy.load_interventions`)."""
    from ..store import decisions as decision_repo
    from ..store.records import GRANTED

    return [decision_repo.current(), decisions.c.outcome.in_(GRANTED), decisions.c.start <= last, or_(decisions.c.expected_end.is_(None), decisions.c.expected_end >= first)]


def _active(first: dt.date, last: dt.date) -> Any:
    return and_(decisions.c.start <= last, or_(decisions.c.expected_end.is_(None), decisions.c.expected_end >= first))


def _monthly_oere() -> Any:
    return cast(func.round(decisions.c.monthly_cost * 100), BigInteger)


def _month_cost_sql(m: Period, sqlite: bool) -> Any:
    """`_month_cost` in SQL: 0 when the intervention does not run in month ``m``."""
    least, greatest = (func.min, func.max) if sqlite else (func.least, func.greatest)
    first = greatest(decisions.c.start, literal(m.first, Date))
    last = least(func.coalesce(decisions.c.expected_end, literal(m.last, Date)), literal(m.last, Date))
    days = (cast(func.julianday(last) - func.julianday(first), Integer) if sqlite else cast(last - first, Integer)) + 1
    in_month = (m.last - m.first).days + 1
    monthly = _monthly_oere()
    return case((days < 1, 0), (days == in_month, monthly), else_=(2 * monthly * days + in_month) // (2 * in_month))  # floor division, as in Python


def report_figures(engine: Any, periods: Sequence[Period], cat: Catalogue) -> tuple[list[PeriodFigures], list[Flow], list[list[Price]]]:
    """The figures, flows and prices `economy.build_report` shows for ``periods`` (each period
    with its previous one), from two grouped queries: ``(all_figures(rows, periods, cat),
    all_flows(rows, [(p.previous(), p) ...]), all_prices(rows, [(p, p.previous()) ...], cat))``
    for the interventions ``rows`` running in them."""
    every = list(dict.fromkeys(x for p in periods for x in (p, p.previous())))
    months = sorted({m for p in periods for m in _months(p)}, key=lambda m: m.first)
    earliest, latest = min(p.first for p in every), max(p.last for p in every)
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        counts = [func.sum(case((_active(p.first, p.last), 1), else_=0)) for p in every]
        monthly = [func.sum(case((_active(p.first, p.last), _monthly_oere()), else_=0)) for p in every]
        costs = [func.sum(_month_cost_sql(m, sqlite)) for m in months]
        query = select(decisions.c.paragraph, decisions.c.step, *counts, *monthly, *costs).where(*_granted_running(earliest, latest)).group_by(decisions.c.paragraph, decisions.c.step)
        grouped = conn.execute(query).all()
        days = sorted({d for p in periods for d in (p.previous().last, p.last)})
        steps = [func.max(case((_active(d, d), decisions.c.step), else_=None)).label(f"h{i}") for i, d in enumerate(days)]
        per_case = select(*steps).where(*_granted_running(days[0], days[-1])).group_by(decisions.c.case_ref).subquery()
        states = conn.execute(select(*per_case.c, func.count()).group_by(*per_case.c)).all()
    k = len(every)
    cells: dict[Period, dict[tuple[str, int], Cell]] = {p: {} for p in every}
    for row in grouped:
        key, values = (row[0], int(row[1])), row[2:]
        month_cost = {m: int(values[2 * k + i] or 0) for i, m in enumerate(months)}
        for i, p in enumerate(every):
            active = int(values[i] or 0)
            if active:
                cost = sum(month_cost[m] for m in _months(p)) if p in periods else int(values[k + i] or 0)
                cells[p][key] = Cell(active, cost)
    figures = [_collect(p, sum(c.count for c in cells[p].values()), cells[p], cat) for p in periods]
    flows = []
    for p in periods:
        before, after = days.index(p.previous().last), days.index(p.last)
        matrix: Counter[tuple[int | None, int | None]] = Counter()
        for state in states:
            a, b = state[before], state[after]
            if a is not None or b is not None:
                matrix[(int(a) if a is not None else None, int(b) if b is not None else None)] += int(state[-1])
        flows.append(Flow(p.previous(), p, dict(matrix)))
    prices = []
    for p in periods:
        found = []
        sums = {x: _placement_sums(grouped, every.index(x), k, cat) for x in (p, p.previous())}
        for kind_id, label in [*((t.id, t.label) for t in PLACEMENT_TYPES), ("alle", "Alle anbringelser")]:
            now, before_cell = sums[p].get(kind_id, Cell()), sums[p.previous()].get(kind_id, Cell())
            found.append(Price(kind_id, label, now.count, _average(now.cost_oere, now.count), before_cell.count, _average(before_cell.cost_oere, before_cell.count)))
        prices.append(found)
    return figures, flows, prices


def _placement_sums(grouped: Sequence[Any], index: int, k: int, cat: Catalogue) -> dict[str, Cell]:
    """Each placement type's active count and sum of monthly costs in period number ``index``."""
    out: dict[str, Cell] = defaultdict(Cell)
    for row in grouped:
        kind = cat.placement(row[0], int(row[1]))
        count = int(row[2 + index] or 0)
        if kind is OTHER_TYPE or not count:
            continue
        for key in (kind.id, "alle"):
            out[key].count += count
            out[key].cost_oere += int(row[2 + k + index] or 0)
    return out
