"""Routings: what the engine said for a case (append-only)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from ..errors import not_none
from .db import inserted_id
from .records import RoutingRecord
from .tables import MAX_ID, routings


def insert(conn: Connection, values: dict[str, Any]) -> RoutingRecord:
    # inserted just now, in this transaction
    return not_none(get(conn, inserted_id(conn.execute(routings.insert().values(**values)))), "the routing just inserted")


def get(conn: Connection, routing_id: int) -> RoutingRecord | None:
    if not 1 <= routing_id <= MAX_ID:
        return None  # no such id can be stored; never sent to the database (an overflow there)
    row = conn.execute(select(routings).where(routings.c.id == routing_id)).mappings().first()
    return RoutingRecord.model_validate(dict(row)) if row else None


def current_for_case(conn: Connection, case_ref: str, paragraph_input: str, paragraph: str | None = None) -> RoutingRecord | None:
    """The newest routing of a case that no later record corrects (optionally for one paragraph)."""
    newer = routings.alias("newer")
    corrected = select(newer.c.id).where(newer.c.corrects_id == routings.c.id).exists()  # per row, from the unique index
    rows = conn.execute(select(routings).where(routings.c.case_ref == case_ref, ~corrected).order_by(routings.c.id.desc())).mappings()
    for row in rows:
        if paragraph is None or (row["inputs"] or {}).get(paragraph_input) == paragraph:
            return RoutingRecord.model_validate(dict(row))
    return None


def same_as(conn: Connection, values: dict[str, Any]) -> RoutingRecord | None:
    """A stored routing with the same natural key as ``values``: the same case, team and advisor,
    day, plan and inputs (so the same answer), correcting the same record. Saving the same
    routing twice stores it once (`Register.record_routing`)."""
    where = [routings.c.case_ref == values["case_ref"], routings.c.routed_on == values["routed_on"], routings.c.plan_fingerprint == values["plan_fingerprint"]]
    where.append(routings.c.corrects_id == values["corrects_id"] if values["corrects_id"] is not None else routings.c.corrects_id.is_(None))
    for row in conn.execute(select(routings).where(*where).order_by(routings.c.id)).mappings():
        record = RoutingRecord.model_validate(dict(row))
        if (record.team, record.advisor, record.inputs) == (values["team"], values["advisor"], values["inputs"]):
            return record
    return None


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def corrected_by(conn: Connection, routing_id: int) -> int | None:
    """The routing that corrects ``routing_id`` (None: nothing does)."""
    return conn.execute(select(routings.c.id).where(routings.c.corrects_id == routing_id)).scalar()


def lock(conn: Connection, routing_id: int) -> None:
    """Take the row lock a correction needs (PostgreSQL; SQLite's writers queue at BEGIN)."""
    if not 1 <= routing_id <= MAX_ID:
        return  # no such record (`get` says so)
    conn.execute(select(routings.c.id).where(routings.c.id == routing_id).with_for_update())
