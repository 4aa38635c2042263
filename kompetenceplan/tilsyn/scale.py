"""Ten years of a large fictional municipality, written fast enough to build at all: the
history of `tilsyn.generate` (the same events, the same rows the register computes) at a size
where only bulk loading is practical — with ``scale=160`` and ``months=123`` about 1,000,000
routings, 1,170,000 decisions and 5,300 committee meetings — followed by the ledelsestilsyn's
quarterly draws with the leaders' checklist answers and a finance system's monthly payments.

    build(reg, plans, config, start=dt.date(2016, 9, 1), months=123, scale=160, seed=1)

It is the register the performance work measures against (issue 29, `benchmarks/register_scale.py`
builds it once and keeps it); a vendor can use it to try a server before a municipality's
history is migrated. Everything is fiction, as in `tilsyn.generate`.

What differs from ``generate(..., bulk=True)``:

- **Ids are given here** (the register must be empty): a row's id is its position, so a
  correction can point to a row not yet written and nothing waits for the database's answer.
  Rows go to PostgreSQL with ``COPY`` and to SQLite with one ``executemany`` per table and batch
  (`BATCH` rows); PostgreSQL's id sequences are moved past the rows at the end.
- **Meetings every working day** for each committee (smaller agendas, more meetings), so ten
  years hold more than 5,000 meetings.
- **Interventions without an expected end are ended** after 3 to 36 months by a correction, as a
  caseworker closes a case; otherwise the running interventions would grow with the history
  (8 % of all grants never ending) and no municipality's register looks like that.
- **Tilsyn**: every quarter whose population lies in the history is drawn on its draw date with
  `tilsyn.draw.draw` (the real draw and TIL checks) except the newest (``keep_undrawn``), and
  every drawn case's checklist is answered (some ``nej`` with a comment, some answers corrected).
- **Payments**: one payment a month for every current grant running in the last
  ``payment_years`` years, the month's share of its monthly cost (`economy.Intervention.cost_oere`),
  with differences a finance system has: amounts off by a little, a refund, a payment for a case
  the register does not know. One batch per month.

Case events (issue 26): `tilsyn.generate` writes each case's history after the decisions
(`tilsyn.case_history`, in bulk: this generator's sink is a `_BulkSink`), so the deadline
worklist and the status report have ten years to read too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.engine import Connection

from ..errors import not_none
from ..plan.model import Plan
from ..plan.versions import PlanSet
from ..store.records import GRANTED
from ..store.register import Register, now
from ..store.tables import decisions, meeting_items, meetings, outcomes, payments, routings, tilsyn_answers, tilsyn_draws, tilsyn_items
from .config import TilsynConfig
from .generate import _add_months, _BulkSink, _Generator, _Granted, person

#: Bumped whenever the rows this module writes change: a cached register of another version is
#: built again (`benchmarks/register_scale.py` keys its cache by it).
GENERATOR_VERSION = 3
#: Rows per table written at a time.
BATCH = 20_000
#: Who draws and answers the generated ledelsestilsyn.
LEADER = person("LED")


@dataclass(frozen=True)
class ScaleReport:
    start: dt.date
    end: dt.date
    scale: int
    routings: int
    decisions: int
    meetings: int
    items: int
    draws: int
    answers: int
    payments: int
    events: int = 0


class _FastSink(_BulkSink):
    """`_BulkSink`'s rows with ids given here (a row's id is its handle + 1), written in large
    batches (COPY on PostgreSQL); each table in the order of the foreign keys between them."""

    def __init__(self, reg: Register, plans: Plan | PlanSet, seed: int = 0) -> None:
        super().__init__(reg, plans, seed)
        self.items_written = self.outcomes_written = 0

    def decision(self, values: dict[str, Any], routing: int | None, corrects: int | None, plan: Plan) -> int:
        self.decision_rows.append((values, routing, corrects))  # ids are known: never a flush to learn one
        handle = len(self.decision_ids) + len(self.decision_rows) - 1
        self._maybe_flush()
        return handle

    def routing(self, case: dict[str, Any], *, case_ref: str, team: str, advisor: str, on: dt.date, plan: Plan) -> int:
        handle = super().routing(case, case_ref=case_ref, team=team, advisor=advisor, on=on, plan=plan)
        self._maybe_flush()
        return handle

    def _maybe_flush(self) -> None:
        if len(self.routing_rows) + len(self.decision_rows) + len(self.item_rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not (self.routing_rows or self.decision_rows or self.meeting_rows or self.item_rows or self.outcome_rows):
            return
        stamp = now()
        with self.reg.engine.begin() as conn:
            write = _writer(conn)
            base = len(self.meeting_ids)
            write(meetings, [{"id": base + i + 1, **r, "created_at": stamp} for i, r in enumerate(self.meeting_rows)])
            self.meeting_ids.extend(range(base + 1, base + len(self.meeting_rows) + 1))
            base = len(self.routing_ids)
            write(routings, [{"id": base + i + 1, **r, "recorded_at": stamp} for i, r in enumerate(self.routing_rows)])
            self.routing_ids.extend(range(base + 1, base + len(self.routing_rows) + 1))
            base = len(self.decision_ids)
            rows = [
                {"id": base + i + 1, **self.decision_row(values, routing + 1 if routing is not None else None, corrects + 1 if corrects is not None else None, stamp)}
                for i, (values, routing, corrects) in enumerate(self.decision_rows)
            ]
            write(decisions, rows)
            self.decision_ids.extend(range(base + 1, base + len(rows) + 1))
            base = self.items_written
            write(meeting_items, [{"id": base + i + 1, **r, "meeting_id": m + 1, "added_at": stamp} for i, (m, r) in enumerate(self.item_rows)])
            self.items_written += len(self.item_rows)
            base = self.outcomes_written
            write(outcomes, [{"id": base + i + 1, **r, "meeting_id": m + 1, "decision_id": d + 1 if d is not None else None, "recorded_at": stamp} for i, (m, r, d) in enumerate(self.outcome_rows)])
            self.outcomes_written += len(self.outcome_rows)
        self.routing_rows, self.decision_rows, self.meeting_rows, self.item_rows, self.outcome_rows = [], [], [], [], []


class _ScaleGenerator(_Generator):
    """`tilsyn.generate`'s history at any size, with meetings every working day and open-ended
    grants closed in time (see the module docstring)."""

    def __init__(self, reg: Register, plans: Plan | PlanSet, start: dt.date, months: int, seed: int, scale: int) -> None:
        super().__init__(reg, plans, start, months, seed, "large", bulk=True)
        self.scale = scale
        self.size = f"x{scale}"
        self.sink = _FastSink(reg, plans, seed)
        self.end_rng = random.Random(f"kompetenceplan-scale-ends-{seed}")

    def _meeting_day(self, body: str, after: dt.date) -> dt.date:
        """The next working day (Monday to Friday) after ``after``."""
        day = after + dt.timedelta(days=1)
        while day.weekday() >= 5:
            day += dt.timedelta(days=1)
        return day

    def _decide(self, team: str, case_ref: str, case: dict[str, Any], on: dt.date, level: str, required: str, routing: int | None) -> None:
        super()._decide(team, case_ref, case, on, level, required, routing)
        granted = self.cases[case_ref][-1]
        v = granted.values
        if v["outcome"] in GRANTED and v["expected_end"] is None and v["source"] != "import":
            stop = on + dt.timedelta(days=self.end_rng.randrange(90, 1100))
            self._schedule(stop, lambda: self._close(granted, stop))

    def _close(self, granted: _Granted, stop: dt.date) -> None:
        current = self.cases[granted.case_ref]
        if granted in current:  # not corrected meanwhile
            self._correct(granted, stop, expected_end=stop, note="Sagen er afsluttet.")

    def _hold(self, meeting: Any) -> None:
        super()._hold(meeting)
        if not isinstance(self.sink, _FastSink):  # this generator writes through its own sink only
            raise TypeError("the scale generator holds meetings in its own sink")
        self.sink.items_of.pop(not_none(meeting.id, "the held meeting's id"), None)  # held: its items are never read again


def _writer(conn: Connection) -> Any:
    """``write(table, rows)``: PostgreSQL's COPY, else one executemany."""
    if conn.dialect.name != "postgresql":

        def insert(table: Table, rows: list[dict[str, Any]]) -> None:
            if rows:
                conn.execute(table.insert(), rows)

        return insert
    raw: Any = conn.connection.dbapi_connection  # psycopg's connection: its COPY

    def copy(table: Table, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        names = [c.name for c in table.columns if c.name in rows[0]]
        json_columns = {c.name for c in table.columns if c.type.__class__.__name__ == "JSON"}
        with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as out:
            for row in rows:
                out.write_row([json.dumps(row[n], ensure_ascii=False) if n in json_columns else row.get(n) for n in names])

    return copy


def _move_sequences(conn: Connection, tables: Iterable[Table]) -> None:
    """PostgreSQL: the next id after the rows written with ids given here."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), COALESCE((SELECT max(id) FROM {table.name}), 0) + 1, false)"))  # noqa: S608 - our own tables' names


def _quarters(config: TilsynConfig, start: dt.date, end: dt.date) -> list[str]:
    """The quarters whose population lies in [start, end] (oldest first)."""
    from .draw import quarter_dates

    found = []
    for year in range(start.year, end.year + 2):
        for n in range(1, 5):
            code = f"{year}Q{n}"
            _, first, last = quarter_dates(config, code)
            if first >= start and last <= end:
                found.append(code)
    return found


def _draw_all(reg: Register, plans: Plan | PlanSet, config: TilsynConfig, quarters: Sequence[str], seed: int) -> int:
    """Draw each quarter on its draw date and answer every drawn case's checklist."""
    from .draw import draw, quarter_dates

    rng = random.Random(f"kompetenceplan-scale-answers-{seed}")
    answers = 0
    for code in quarters:
        draw_date, _, _ = quarter_dates(config, code)
        found = draw(reg, plans, config, code, actor=LEADER, seed=seed, today=draw_date)
        stamp = dt.datetime.combine(draw_date + dt.timedelta(days=20), dt.time(10), dt.UTC)
        rows: list[dict[str, Any]] = []
        for item in found.items:
            for question in config.checklist:
                answer = rng.choices(("ja", "nej", "delvist", "ikke_relevant"), (0.8, 0.08, 0.07, 0.05))[0]
                comment = "Beskrevet i tilsynet (fiktiv)." if answer == "nej" else ""
                rows.append({"item_id": item["id"], "question": question.id, "answer": answer, "comment": comment, "answered_by": LEADER.id, "answered_by_name": LEADER.name, "answered_at": stamp})
        with reg.engine.begin() as conn:
            if rows:
                conn.execute(tilsyn_answers.insert(), rows)
            # a leader changes some answers later: corrections of the first ones
            firsts = conn.execute(
                select(tilsyn_answers.c.id, tilsyn_answers.c.item_id, tilsyn_answers.c.question)
                .join(tilsyn_items, tilsyn_items.c.id == tilsyn_answers.c.item_id)
                .where(tilsyn_items.c.draw_id == found.id)
                .order_by(tilsyn_answers.c.id)
            ).all()
            fixes = [
                {
                    "item_id": item_id,
                    "question": q,
                    "answer": "ja",
                    "comment": "",
                    "answered_by": LEADER.id,
                    "answered_by_name": LEADER.name,
                    "answered_at": stamp + dt.timedelta(days=3),
                    "corrects_id": answer_id,
                }
                for answer_id, item_id, q in firsts
                if rng.random() < 0.03
            ]
            if fixes:
                conn.execute(tilsyn_answers.insert(), fixes)
        answers += len(rows) + len(fixes)
    return answers


def _payments(reg: Register, first_month: dt.date, end: dt.date, seed: int) -> int:
    """One payment a month per current grant running in [first_month, end] (see the module docstring)."""
    from .economy_model import load_interventions, month

    rng = random.Random(f"kompetenceplan-scale-payments-{seed}")
    running = load_interventions(reg.engine, first_month, end)
    months = []
    day = first_month
    while day <= end:
        months.append(month(day.year, day.month))
        day = _add_months(day, 1)
    by_month: dict[int, list[tuple[str, int, str]]] = defaultdict(list)
    for iv in running:
        for i, m in enumerate(months):
            if iv.expected_end is not None and iv.expected_end < m.first:
                break  # ended: no later month either
            if iv.start > m.last:
                continue  # not started yet
            oere = iv.cost_oere(m)
            if oere <= 0:
                continue
            roll = rng.random()
            if roll < 0.05:
                oere = round(oere * rng.uniform(0.9, 1.1))  # an invoice that differs a little
            by_month[i].append((iv.case_ref, oere, iv.paragraph))
            if roll > 0.995:
                by_month[i].append((iv.case_ref, -rng.randrange(100, 100_000), iv.paragraph))  # a refund
    stamp = now()
    written = 0
    next_id = 1
    with reg.engine.connect() as conn:
        next_id = (conn.execute(select(func.max(payments.c.id))).scalar() or 0) + 1
    for i, m in enumerate(months):
        lines = by_month.get(i, [])
        unknown = max(1, len(lines) // 200)  # payments for cases the register does not know
        lines += [(f"Z-{m.first.year}-{rng.randrange(10**6):06d}", rng.randrange(1_000_00, 40_000_00), rng.choice(lines)[2] if lines else "bl-35") for _ in range(unknown)]
        rng.shuffle(lines)
        batch = hashlib.sha256(f"betalinger-{m.first:%Y-%m}.csv".encode()).hexdigest()
        rows = [
            {
                "id": next_id + n,
                "batch_sha256": batch,
                "line": n + 2,
                "case_ref": ref,
                "paid_on": m.first + dt.timedelta(days=rng.randrange((m.last - m.first).days + 1)),
                "amount": oere / 100,
                "paragraph": paragraph,
                "account": None,
                "text": None,
                "imported_at": stamp,
            }
            for n, (ref, oere, paragraph) in enumerate(lines)
        ]
        for j in range(0, len(rows), BATCH):
            with reg.engine.begin() as conn:
                _writer(conn)(payments, rows[j : j + BATCH])
        next_id += len(rows)
        written += len(rows)
    return written


def build(
    reg: Register,
    plans: Plan | PlanSet,
    config: TilsynConfig,
    *,
    start: dt.date,
    months: int,
    scale: int,
    seed: int = 1,
    payment_years: int = 3,
    keep_undrawn: int = 1,
) -> ScaleReport:
    """Fill an empty, migrated register with ``months`` months of a municipality ``scale`` times
    the size of `tilsyn.generate`'s medium one (see the module docstring). Refuses a register
    that already holds decisions (as `tilsyn.generate.generate`)."""
    with reg.engine.connect() as conn:
        if conn.execute(select(func.count()).select_from(decisions)).scalar_one():
            from ..errors import CaseError, Problem

            raise CaseError("Registret er ikke tomt.", [Problem("--db", "databasen har allerede afgørelser.", "Byg kun i en ny, tom database.")])
    gen = _ScaleGenerator(reg, plans, start, months, seed, scale)
    made = gen.run()
    with reg.engine.begin() as conn:
        _move_sequences(conn, (routings, decisions, meetings, meeting_items, outcomes))
    quarters = _quarters(config, start, gen.end)
    drawn = quarters[: len(quarters) - keep_undrawn] if keep_undrawn else quarters
    n_answers = _draw_all(reg, plans, config, drawn, seed)
    first_paid = max(start, _add_months(gen.end.replace(day=1), -12 * payment_years + 1))
    n_payments = _payments(reg, first_paid, gen.end, seed)
    with reg.engine.begin() as conn:
        _move_sequences(conn, (payments,))
    _analyze(reg)
    with reg.engine.connect() as conn:
        n_draws = conn.execute(select(func.count()).select_from(tilsyn_draws)).scalar_one()
    return ScaleReport(start, gen.end, scale, made.routings, made.decisions, made.meetings, made.items, n_draws, n_answers, n_payments, made.events)


def _analyze(reg: Register) -> None:
    """The planner's statistics after a bulk load (what PostgreSQL's autovacuum does in time);
    VACUUM also marks the pages all-visible, so index-only scans need no heap visit."""
    if reg.engine.dialect.name == "postgresql":
        with reg.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM (ANALYZE)"))
