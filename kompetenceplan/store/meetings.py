"""Committee meetings, their items (each change a new row), agendas as sent, and outcomes.

An item's number is given once, under the meeting's lock (`lock_meeting`), and every version of
the item keeps it; the current version of an item and its current outcome are the rows nothing
corrects (the database refuses a second correction of one row)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Date, Integer, func, literal, select, tuple_
from sqlalchemy.engine import Connection

from .db import inserted_id
from .tables import MAX_ID, agendas, decision_retractions, meeting_items, meetings, outcomes


def insert(conn: Connection, table: Any, values: dict[str, Any]) -> int:
    return inserted_id(conn.execute(table.insert().values(**values)))


def meeting(conn: Connection, meeting_id: int) -> dict[str, Any] | None:
    if not 1 <= meeting_id <= MAX_ID:
        return None  # no such id can be stored; never sent to the database (an overflow there)
    row = conn.execute(select(meetings).where(meetings.c.id == meeting_id)).mappings().first()
    return dict(row) if row else None


def lock_meeting(conn: Connection, meeting_id: int) -> dict[str, Any] | None:
    """The meeting, with its row locked until the transaction ends (PostgreSQL ``FOR UPDATE``;
    on SQLite every writer already holds the database's write lock from ``BEGIN IMMEDIATE``):
    every change to a meeting's items, agenda or outcomes takes it first, so concurrent writers
    to one meeting queue instead of forking chains or racing for item numbers."""
    if not 1 <= meeting_id <= MAX_ID:
        return None
    row = conn.execute(select(meetings).where(meetings.c.id == meeting_id).with_for_update()).mappings().first()
    return dict(row) if row else None


def all_meetings(conn: Connection, after: tuple[dt.date, int] | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    """Meetings by date, then id; ``after`` (date, id) and ``limit`` give one page (a keyset on the
    index (meeting_date, id): a meeting added meanwhile never shifts a page)."""
    query = select(meetings).order_by(meetings.c.meeting_date, meetings.c.id)
    if after is not None:
        query = query.where(_key() > _literal_key(after))
    if limit is not None:
        query = query.limit(limit)
    return [dict(r) for r in conn.execute(query).mappings()]


def _key() -> Any:
    return tuple_(meetings.c.meeting_date, meetings.c.id)


def _literal_key(key: tuple[dt.date, int]) -> Any:
    return tuple_(literal(key[0], Date), literal(key[1], Integer))


def meetings_before(conn: Connection, key: tuple[dt.date, int], limit: int) -> list[dict[str, Any]]:
    """The ``limit`` meetings just before ``key`` (date, id), in date order."""
    rows = conn.execute(select(meetings).where(_key() < _literal_key(key)).order_by(meetings.c.meeting_date.desc(), meetings.c.id.desc()).limit(limit)).mappings()
    return [dict(r) for r in reversed(list(rows))]


def meetings_from(conn: Connection, key: tuple[dt.date, int], limit: int) -> list[dict[str, Any]]:
    """The ``limit`` meetings from ``key`` (date, id) on, in date order."""
    return [dict(r) for r in conn.execute(select(meetings).where(_key() >= _literal_key(key)).order_by(meetings.c.meeting_date, meetings.c.id).limit(limit)).mappings()]


def any_before(conn: Connection, key: tuple[dt.date, int]) -> bool:
    return conn.execute(select(meetings.c.id).where(_key() < _literal_key(key)).limit(1)).first() is not None


def any_after(conn: Connection, key: tuple[dt.date, int]) -> bool:
    return conn.execute(select(meetings.c.id).where(_key() > _literal_key(key)).limit(1)).first() is not None


def item_counts(conn: Connection, meeting_ids: list[int]) -> list[tuple[int, str, bool, int]]:
    """(meeting id, plan fingerprint, ready, how many) of the current items of these meetings,
    counted by the database: a list of meetings never reads a submission or a check report."""
    if not meeting_ids:
        return []
    newer = meeting_items.alias("newer")
    corrected = select(newer.c.id).where(newer.c.corrects_id == meeting_items.c.id).exists()
    query = (
        select(meeting_items.c.meeting_id, meeting_items.c.plan_fingerprint, meeting_items.c.ready, func.count())
        .where(meeting_items.c.meeting_id.in_(meeting_ids), ~corrected)
        .group_by(meeting_items.c.meeting_id, meeting_items.c.plan_fingerprint, meeting_items.c.ready)
    )
    return [(m, f, bool(r), n) for m, f, r, n in conn.execute(query)]


def current_items_checked_with(conn: Connection, meeting_id: int, fingerprint: str) -> list[dict[str, Any]]:
    """The meeting's current items checked with the plan ``fingerprint`` (to check them again)."""
    return [r for r in items(conn, meeting_id) if r["plan_fingerprint"] == fingerprint]


def sent_meetings(conn: Connection, meeting_ids: list[int]) -> set[int]:
    """Those of the meetings whose agenda has been sent."""
    if not meeting_ids:
        return set()
    return set(conn.execute(select(agendas.c.meeting_id).where(agendas.c.meeting_id.in_(meeting_ids)).distinct()).scalars())


def find_meeting(conn: Connection, meeting_date: dt.date, body: str, title: str) -> dict[str, Any] | None:
    """The meeting of ``body`` on ``meeting_date`` with ``title`` (its natural key), if one exists."""
    query = select(meetings).where(meetings.c.meeting_date == meeting_date, meetings.c.body == body, meetings.c.title == title).order_by(meetings.c.id).limit(1)
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def items(conn: Connection, meeting_id: int) -> list[dict[str, Any]]:
    """The current version of each item, by item number, each with ``versions`` (how many rows
    the item has)."""
    rows = [dict(r) for r in conn.execute(select(meeting_items).where(meeting_items.c.meeting_id == meeting_id).order_by(meeting_items.c.id)).mappings()]
    corrected = {r["corrects_id"] for r in rows if r["corrects_id"] is not None}
    count: dict[str, int] = {}
    for r in rows:
        count[r["item_key"]] = count.get(r["item_key"], 0) + 1
    current = [r | {"versions": count[r["item_key"]]} for r in rows if r["id"] not in corrected]
    return sorted(current, key=lambda r: r["number"])


def next_number(conn: Connection, meeting_id: int) -> int:
    """The number a new item gets: one above every number the meeting has given (call under
    `lock_meeting`; a number is never given twice)."""
    return (conn.execute(select(func.max(meeting_items.c.number)).where(meeting_items.c.meeting_id == meeting_id)).scalar() or 0) + 1


def item_rows(conn: Connection, meeting_id: int) -> int:
    return conn.execute(select(func.count()).select_from(meeting_items).where(meeting_items.c.meeting_id == meeting_id)).scalar_one()


def latest_agenda(conn: Connection, meeting_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(agendas).where(agendas.c.meeting_id == meeting_id).order_by(agendas.c.id.desc()).limit(1)).mappings().first()
    return dict(row) if row else None


def current_outcomes(conn: Connection, meeting_id: int) -> dict[str, dict[str, Any]]:
    """item key -> the outcome recorded for it that no later outcome corrects."""
    rows = [dict(r) for r in conn.execute(select(outcomes).where(outcomes.c.meeting_id == meeting_id).order_by(outcomes.c.id)).mappings()]
    corrected = {r["corrects_id"] for r in rows if r["corrects_id"] is not None}
    return {r["item_key"]: r for r in rows if r["id"] not in corrected}


def retraction_by(conn: Connection, outcome_id: int) -> int | None:
    """The decision the outcome ``outcome_id`` took out of force (None: it retracted nothing)."""
    return conn.execute(select(decision_retractions.c.decision_id).where(decision_retractions.c.outcome_id == outcome_id)).scalar()


def item_decisions(conn: Connection, meeting_id: int, item_key: str) -> list[int]:
    """Every decision the item's outcomes registered, oldest first."""
    found = conn.execute(select(outcomes.c.decision_id).where(outcomes.c.meeting_id == meeting_id, outcomes.c.item_key == item_key, outcomes.c.decision_id.is_not(None)).order_by(outcomes.c.id))
    return [row[0] for row in found]
