"""The adgangslog: who read or changed which case's data, when, and from which client.

What a data protection officer needs to answer a citizen's request ("who has seen my case?"):
one row per case reference per request that read or changed the case's data in the register
(a routing, an indstilling on an agenda, an agenda item, a decision, a tilsyn answer, an
export). The HTTP service writes the rows for every signed-in person, service account and the
local user (`kompetenceplan.web.access`); `kompetenceplan db adgangslog --sag REF` and the
administrator's page read them.

Append-only: this module inserts and reads. The only deletion is the log's own retention
(`purge`, `kompetenceplan db adgangslog-purge --keep-years N` or
``KOMPETENCEPLAN_ADGANGSLOG_YEARS``), separate from the register's `Register.purge`, which never
touches the log: a case's records may be deleted while the log of who saw them is kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import delete, select
from sqlalchemy.engine import Engine

from ..actor import Actor
from .case_ref import case_ref_problem
from .privacy import looks_like_cpr
from .tables import access_log

Action = Literal["læst", "ændret"]
Channel = Literal["web", "api", "cli"]
#: What a row is about (the case data the request read or changed).
SUBJECTS = ("routing", "indstilling", "dagsordenspunkt", "afgørelse", "udfald", "tilsynssvar", "tilsynssag", "eksport", "frist", "sagshændelse")
RETENTION_ENV = "KOMPETENCEPLAN_ADGANGSLOG_YEARS"


class AccessRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: int
    logged_at: dt.datetime
    actor_id: str
    actor_name: str
    actor_kind: str
    action: str
    subject: str
    case_ref: str
    route: str
    channel: str
    client_address: str | None


def record(
    engine: Engine,
    actor: Actor,
    action: Action,
    subject: str,
    case_refs: Iterable[str],
    *,
    route: str,
    channel: Channel,
    client_address: str | None = None,
) -> int:
    """Append one row per distinct case reference (in the order given); the number of rows."""
    if subject not in SUBJECTS:  # a programming error, never a user's
        raise ValueError(f"unknown subject {subject!r}")
    # Only references the register's own rule accepts: a CPR number (or anything else) sent where a
    # case reference belongs is never written to the log.
    # ("*" is the whole register: an export.)
    refs = list(dict.fromkeys(r for r in case_refs if r == "*" or (r and case_ref_problem(r) is None and not looks_like_cpr(r))))
    if not refs:
        return 0
    now = dt.datetime.now(dt.UTC)
    rows = [
        {
            "logged_at": now,
            "actor_id": actor.id[:200],
            "actor_name": actor.name[:200],
            "actor_kind": actor.kind,
            "action": action,
            "subject": subject,
            "case_ref": ref[:64],
            "route": route[:200],
            "channel": channel,
            "client_address": (client_address or None) and client_address[:64],
        }
        for ref in refs
    ]
    with engine.begin() as conn:
        conn.execute(access_log.insert(), rows)
    return len(rows)


def for_case(engine: Engine, case_ref: str) -> list[AccessRecord]:
    """Every row about ``case_ref``, oldest first (exports of the whole register are under ``*``)."""
    with engine.connect() as conn:
        rows = conn.execute(select(access_log).where(access_log.c.case_ref == case_ref).order_by(access_log.c.id)).mappings()
        return [AccessRecord.model_validate(dict(r)) for r in rows]


def all_rows(engine: Engine) -> list[AccessRecord]:
    """Every row, oldest first."""
    with engine.connect() as conn:
        return [AccessRecord.model_validate(dict(r)) for r in conn.execute(select(access_log).order_by(access_log.c.id)).mappings()]


def purge(engine: Engine, before: dt.date) -> int:
    """Delete the rows logged before ``before`` (the log's own retention); the number deleted."""
    start = dt.datetime.combine(before, dt.time(), tzinfo=dt.UTC)
    with engine.begin() as conn:
        return int(conn.execute(delete(access_log).where(access_log.c.logged_at < start)).rowcount)
