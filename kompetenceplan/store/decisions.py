"""Decisions actually taken (append-only). A correction is a new record pointing to the one it
corrects; a retraction (a committee's grant followed by udsat, sendt tilbage or oversendt) is a
record of its own. **Current** means: nothing corrects it and nothing retracts it — the one
definition the register, the case total and the tilsyn use (`current`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, Date, Integer, and_, literal, or_, select, tuple_
from sqlalchemy.engine import Connection

from ..errors import not_none
from .db import inserted_id
from .records import GRANTED, ActiveIntervention, DecisionRecord
from .tables import MAX_ID, decision_retractions, decisions


def insert(conn: Connection, values: dict[str, Any]) -> DecisionRecord:
    # inserted just now, in this transaction
    return not_none(get(conn, inserted_id(conn.execute(decisions.insert().values(**values)))), "the decision just inserted")


def get(conn: Connection, decision_id: int) -> DecisionRecord | None:
    if not 1 <= decision_id <= MAX_ID:
        return None  # no such id can be stored; never sent to the database (an overflow there)
    row = conn.execute(select(decisions).where(decisions.c.id == decision_id)).mappings().first()
    return DecisionRecord.model_validate(dict(row)) if row else None


def current() -> ColumnElement[bool]:
    """The condition "this decision is in force": no record corrects it, no retraction names it.

    Written as NOT EXISTS, which both databases answer per row from the unique indexes on
    ``corrects_id`` and ``decision_retractions.decision_id``: a page of 100 decisions costs 100
    index probes however long the history is (``NOT IN (subquery)`` read every correction and
    retraction ever stored, on every query)."""
    newer = decisions.alias("newer")
    corrected = select(newer.c.id).where(newer.c.corrects_id == decisions.c.id).exists()
    retracted = select(decision_retractions.c.id).where(decision_retractions.c.decision_id == decisions.c.id).exists()
    return and_(~corrected, ~retracted)


def corrected_by(conn: Connection, decision_id: int) -> int | None:
    """The record that corrects ``decision_id`` (None: nothing does)."""
    if not 1 <= decision_id <= MAX_ID:
        return None
    return conn.execute(select(decisions.c.id).where(decisions.c.corrects_id == decision_id)).scalar()


def retracted(conn: Connection, decision_id: int) -> bool:
    return conn.execute(select(decision_retractions.c.id).where(decision_retractions.c.decision_id == decision_id)).first() is not None


def head(conn: Connection, decision_id: int) -> int:
    """The newest version of the decision ``decision_id`` belongs to (following corrections)."""
    seen = {decision_id}
    while (nxt := corrected_by(conn, decision_id)) is not None and nxt not in seen:
        seen.add(nxt)
        decision_id = nxt
    return decision_id


def lock_head(conn: Connection, decision_id: int) -> int:
    """Lock the newest version of the decision ``decision_id`` belongs to and return its id.
    Another writer may correct it while this one waits for the lock: then the chain is followed
    again from the version that writer added (READ COMMITTED sees it once its lock is released)."""
    newest = head(conn, decision_id)
    while True:
        lock(conn, newest)
        nxt = corrected_by(conn, newest)
        if nxt is None:
            return newest
        newest = head(conn, nxt)


def lock(conn: Connection, decision_id: int) -> None:
    """Take the row lock a correction needs (PostgreSQL; SQLite's writers queue at BEGIN)."""
    if not 1 <= decision_id <= MAX_ID:
        return  # no such record (`get` says so)
    conn.execute(select(decisions.c.id).where(decisions.c.id == decision_id).with_for_update())


def retract(conn: Connection, values: dict[str, Any]) -> int:
    return inserted_id(conn.execute(decision_retractions.insert().values(**values)))


def query(
    conn: Connection,
    start: dt.date | None = None,
    end: dt.date | None = None,
    team: str | None = None,
    case_ref: str | None = None,
    only_overskridelser: bool = False,
    include_corrected: bool = False,
    after: tuple[dt.date, int] | None = None,
    limit: int | None = None,
) -> list[DecisionRecord]:
    """Decisions taken from ``start`` to ``end`` (both included), oldest first (by the day taken,
    then id). ``after`` (the day and id of the last one seen) and ``limit`` give one page: a keyset
    on the index (decided_on, id), so a page costs the same on the first day and after ten years,
    and a decision recorded meanwhile never shifts a page."""
    where = []
    if not include_corrected:
        where.append(current())
    if start is not None:
        where.append(decisions.c.decided_on >= start)
    if end is not None:
        where.append(decisions.c.decided_on <= end)
    if team is not None:
        where.append(decisions.c.team == team)
    if case_ref is not None:
        where.append(decisions.c.case_ref == case_ref)
    if only_overskridelser:
        where.append(decisions.c.kompetenceoverskridelse.is_(True))
    if after is not None:
        # a row-value comparison: both databases read it as one range of the index
        where.append(tuple_(decisions.c.decided_on, decisions.c.id) > tuple_(literal(after[0], Date), literal(after[1], Integer)))
    found = select(decisions).where(*where).order_by(decisions.c.decided_on, decisions.c.id)
    if limit is not None:
        found = found.limit(limit)
    rows = conn.execute(found).mappings()
    return [DecisionRecord.model_validate(dict(r)) for r in rows]


def active(conn: Connection, case_ref: str, on: dt.date) -> list[ActiveIntervention]:
    """The case's granted interventions running on ``on`` (current records only)."""
    rows = conn.execute(
        select(decisions)
        .where(
            current(),
            decisions.c.case_ref == case_ref,
            decisions.c.outcome.in_(GRANTED),
            decisions.c.start <= on,
            or_(decisions.c.expected_end.is_(None), and_(decisions.c.expected_end >= on)),
        )
        .order_by(decisions.c.id)
    ).mappings()
    return [ActiveIntervention(decision_id=r["id"], paragraph=r["paragraph"], step=r["step"], monthly_cost=r["monthly_cost"], start=r["start"], expected_end=r["expected_end"]) for r in rows]


def same_as(conn: Connection, values: dict[str, Any]) -> DecisionRecord | None:
    """A stored decision with the same natural key as ``values`` (the fields the caller typed:
    case, team, level, who decided, the day, outcome, paragraph, step, amount, period, note, the
    record it corrects): a correction of the same record, or else a current decision. Sending the
    same decision twice stores it once (`Register.record_decision`)."""
    keys = ("case_ref", "team", "level", "decided_by", "decided_on", "outcome", "paragraph", "step", "start", "expected_end", "note", "source")
    where = [getattr(decisions.c, k) == values[k] if values[k] is not None else getattr(decisions.c, k).is_(None) for k in keys]
    if values["corrects_id"] is not None:
        where.append(decisions.c.corrects_id == values["corrects_id"])
    else:
        where += [decisions.c.corrects_id.is_(None), current()]
    for row in conn.execute(select(decisions).where(*where).order_by(decisions.c.id)).mappings():
        record = DecisionRecord.model_validate(dict(row))
        if round(record.monthly_cost, 2) == round(float(values["monthly_cost"]), 2) and all(values.get(k) is None or getattr(record, k) == values[k] for k in ("routing_id", "required_level")):
            return record
    return None


def known_case(conn: Connection, case_ref: str) -> bool:
    return conn.execute(select(decisions.c.id).where(decisions.c.case_ref == case_ref).limit(1)).first() is not None
