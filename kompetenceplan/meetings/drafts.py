"""Indstillinger written in the pages, saved in the register as drafts: every save is a new
version (the versions before are kept), checked with the documentation check for the day it is
saved (or the meeting date). A draft that cannot be checked yet (its case is not complete) is
still saved, with the reasons; the person (``borger``) is dropped before anything is stored.

    saved = save_draft(reg, plans, submission, actor=actor)             # a new draft
    saved = save_draft(reg, plans, changed, actor=actor, key=saved.key) # its next version
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import func, select

from ..actor import Actor
from ..api import plan_in_force
from ..checks.check import check
from ..errors import CaseError, EngineError, KompetenceplanError, Problem
from ..plan.model import Plan
from ..plan.versions import PlanSet
from ..store.privacy import minimise, refuse_cpr
from ..store.register import Register, now
from ..store.tables import submission_drafts
from .committee import content_hash, required_level
from .model import DraftRecord

Plans = Plan | PlanSet
MAX_KEY = 32


def _record(row: Any, versions: int, problems: list[dict[str, str]] | None = None, unchanged: bool = False) -> DraftRecord:
    return DraftRecord(
        key=row["draft_key"],
        id=row["id"],
        version=row["version"],
        versions=versions,
        case_ref=row["case_ref"],
        submission=row["submission"],
        report=row["report"],
        ready=row["ready"],
        required_level=row["required_level"],
        plan_version=row["plan_version"],
        saved_by=row["saved_by"],
        saved_by_name=row["saved_by_name"],
        saved_at=row["saved_at"],
        problems=problems or [],
        unchanged=unchanged,
    )


def _chain(conn: Any, key: str) -> list[dict[str, Any]]:
    rows = [dict(r) for r in conn.execute(select(submission_drafts).where(submission_drafts.c.draft_key == key).order_by(submission_drafts.c.id)).mappings()]
    for n, r in enumerate(rows, 1):
        r["version"] = n
    return rows


def save_draft(reg: Register, plans: Plans, submission: Any, *, actor: Actor, key: str | None = None, on: dt.date | None = None) -> DraftRecord:
    """Store ``submission`` as a new draft, or as the next version of draft ``key``. Checked for
    ``on`` (default today) with the plan version in force that day; unchanged content adds no
    version (``unchanged``). Refused: not an object, no sagsnummer, a CPR number anywhere, an
    unknown key."""
    actor.require("write_submission")
    if not isinstance(submission, dict):
        raise CaseError("Indstillingen kan ikke gemmes.", [Problem("indstilling", "skal være ét objekt.", "Udfyld formularen.")])
    stored = minimise(submission)
    ref = stored.get("sagsnummer")
    if not isinstance(ref, str) or not ref.strip():
        raise CaseError("Indstillingen kan ikke gemmes.", [Problem("sagsnummer", "mangler.", "Skriv sagens nummer i sagssystemet, fx S-2026-0042.")])
    refuse_cpr({"sagsnummer": ref, "indstilling": stored})
    day = on or dt.date.today()
    plan = plan_in_force(plans, day)
    problems: list[dict[str, str]] = []
    report: dict[str, Any] | None = None
    level = None
    try:
        checked = check(plan, stored, on=day)
    except EngineError:
        raise
    except KompetenceplanError as exc:
        problems = [{"where": p.where, "what": p.what, "fix": p.fix} for p in exc.problems] or [{"where": "indstilling", "what": exc.title, "fix": ""}]
    else:
        report = checked.model_dump(mode="json")
        level = required_level(plan, stored, checked.routing.level)
    digest = content_hash(stored)
    with reg.transaction() as conn:
        corrects = None
        if key is not None:
            chain = _chain(conn, key)
            if not chain:
                raise CaseError("Ukendt indstilling.", [Problem("indstilling", "findes ikke i registret.", "Åbn indstillingen fra listen på siden Indstilling.")])
            newest = chain[-1]
            # lock the newest version: two saves of one draft never fork its chain (the unique
            # corrects_id is the backstop)
            conn.execute(select(submission_drafts.c.id).where(submission_drafts.c.id == newest["id"]).with_for_update())
            if newest["content_hash"] == digest and newest["report"] == report:
                return _record(newest, len(chain), problems, unchanged=True)
            corrects = newest["id"]
        new_key = key or uuid.uuid4().hex
        conn.execute(
            submission_drafts.insert().values(
                draft_key=new_key,
                corrects_id=corrects,
                case_ref=ref.strip()[:64],
                submission=stored,
                content_hash=digest,
                report=report,
                ready=bool(report and report["ready"]),
                required_level=level,
                plan_version=plan.meta.version,
                saved_by=actor.id,
                saved_by_name=actor.name,
                saved_at=now(),
            )
        )
        chain = _chain(conn, new_key)
    return _record(chain[-1], len(chain), problems)


def draft(reg: Register, key: str, version: int | None = None) -> DraftRecord | None:
    """The newest version of draft ``key`` (or version ``version``), None when there is none."""
    if not (isinstance(key, str) and key.isalnum() and len(key) <= MAX_KEY):
        return None
    with reg.engine.connect() as conn:
        chain = _chain(conn, key)
    if not chain:
        return None
    if version is None:
        return _record(chain[-1], len(chain))
    if not 1 <= version <= len(chain):
        return None
    return _record(chain[version - 1], len(chain))


def versions(reg: Register, key: str) -> list[DraftRecord]:
    """Every version of draft ``key``, oldest first."""
    with reg.engine.connect() as conn:
        chain = _chain(conn, key)
    return [_record(r, len(chain)) for r in chain]


def list_drafts(reg: Register) -> list[DraftRecord]:
    """The newest version of every draft, the most recently saved first."""
    with reg.engine.connect() as conn:
        counts: dict[str, int] = {row[0]: row[1] for row in conn.execute(select(submission_drafts.c.draft_key, func.count()).group_by(submission_drafts.c.draft_key))}
        corrected = select(submission_drafts.c.corrects_id).where(submission_drafts.c.corrects_id.is_not(None))
        rows = [
            dict(r)
            for r in conn.execute(select(submission_drafts).where(submission_drafts.c.id.not_in(corrected)).order_by(submission_drafts.c.saved_at.desc(), submission_drafts.c.id.desc())).mappings()
        ]
    for r in rows:
        r["version"] = counts[r["draft_key"]]
    return [_record(r, counts[r["draft_key"]]) for r in rows]
