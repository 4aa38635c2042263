"""Committee meetings, their items (each change a new row), agendas as sent, and outcomes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from .db import inserted_id
from .tables import agendas, meeting_items, meetings, outcomes


def insert(conn: Connection, table: Any, values: dict[str, Any]) -> int:
    return inserted_id(conn.execute(table.insert().values(**values)))


def meeting(conn: Connection, meeting_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(meetings).where(meetings.c.id == meeting_id)).mappings().first()
    return dict(row) if row else None


def all_meetings(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(select(meetings).order_by(meetings.c.meeting_date, meetings.c.id)).mappings()]


def items(conn: Connection, meeting_id: int) -> list[dict[str, Any]]:
    """The current version of each item, in agenda order (the order the items were first added),
    each with ``versions`` (how many rows the item has)."""
    rows = [dict(r) for r in conn.execute(select(meeting_items).where(meeting_items.c.meeting_id == meeting_id).order_by(meeting_items.c.id)).mappings()]
    first: dict[str, int] = {}
    latest: dict[str, dict[str, Any]] = {}
    count: dict[str, int] = {}
    for r in rows:
        first.setdefault(r["item_key"], r["id"])
        latest[r["item_key"]] = r
        count[r["item_key"]] = count.get(r["item_key"], 0) + 1
    return [latest[k] | {"versions": count[k]} for k in sorted(first, key=first.__getitem__)]


def item_rows(conn: Connection, meeting_id: int) -> int:
    return conn.execute(select(func.count()).select_from(meeting_items).where(meeting_items.c.meeting_id == meeting_id)).scalar_one()


def latest_agenda(conn: Connection, meeting_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(agendas).where(agendas.c.meeting_id == meeting_id).order_by(agendas.c.id.desc()).limit(1)).mappings().first()
    return dict(row) if row else None


def current_outcomes(conn: Connection, meeting_id: int) -> dict[str, dict[str, Any]]:
    """item key -> the newest outcome recorded for it."""
    out: dict[str, dict[str, Any]] = {}
    for r in conn.execute(select(outcomes).where(outcomes.c.meeting_id == meeting_id).order_by(outcomes.c.id)).mappings():
        out[r["item_key"]] = dict(r)
    return out
