"""A whole meeting: check every submission, report each one and the totals per code.

A submission that cannot be read or checked is reported with its error; the others are still
checked. Shared by `kompetenceplan validate --agenda` and `POST /validate/agenda`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from ..errors import EngineError, KompetenceplanError
from ..plan.model import Plan
from ..plan.versions import PlanSet
from .check import check

READY, NOT_READY, INVALID = "klar", "ikke klar", "fejl i input"


def check_agenda(plan: Plan | PlanSet, items: Iterable[tuple[str, Callable[[], Any]]], on: dt.date) -> dict[str, Any]:
    """``items`` are (name, a function returning the submission data). Engine faults are raised:
    they are not a submission's mistake, and the meeting must not be reported as checked."""
    rows: list[dict[str, Any]] = []
    totals: dict[str, int] = {}
    for name, load in items:
        try:
            report = check(plan, load(), on=on)
        except EngineError:
            raise
        except KompetenceplanError as exc:
            rows.append({"name": name, "status": INVALID, "error": exc.to_dict()})
            continue
        codes = [f.code for f in report.findings]
        for code in codes:
            totals[code] = totals.get(code, 0) + 1
        rows.append(
            {
                "name": name,
                "status": READY if report.ready else NOT_READY,
                "level": report.routing.level,
                "level_name": report.routing.level_name,
                "committee": report.routing.committee,
                "codes": codes,
            }
        )
    invalid = sum(r["status"] == INVALID for r in rows)
    not_ready = sum(r["status"] == NOT_READY for r in rows)
    return {
        "meeting_date": on.isoformat(),
        "submissions": rows,
        "totals": dict(sorted(totals.items())),
        "ready": len(rows) - invalid - not_ready,
        "not_ready": not_ready,
        "invalid": invalid,
    }


def render_agenda(result: dict[str, Any], plan: Plan, on: dt.date) -> str:
    """The checked agenda as text: one group per deciding body, highest first; cases a committee
    does not decide are listed apart, so a secretary sees at once what does not belong on it."""
    rows = result["submissions"]
    width = max((len(r["name"]) for r in rows), default=0)
    lines = [f"Dagsorden {on.isoformat()}: {len(rows)} indstillinger, {result['ready']} klar, {result['not_ready']} ikke klar, {result['invalid']} med fejl i input."]
    order = {lv.id: i for i, lv in enumerate(plan.levels)}
    groups: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for r in rows:
        if r["status"] == INVALID:
            key = (-1, "Kan ikke læses (fejl i input)")
        else:
            key = (order.get(r["level"], 0), r["level_name"] if r["committee"] else f"Afgøres ikke i udvalg: {r['level_name']}")
        groups.setdefault(key, []).append(r)
    for (_, title), members in sorted(groups.items(), key=lambda kv: -kv[0][0]):
        lines += ["", f"{title}: {len(members)}"]
        for r in members:
            if r["status"] == INVALID:
                detail = "; ".join(p["where"] + ": " + p["what"] for p in r["error"]["problems"][:3])
                lines.append(f"  {r['name']:<{width}}  {detail}")
            else:
                lines.append(f"  {r['name']:<{width}}  {r['status'].upper():<9}  {' '.join(r['codes'])}")
    if result["totals"]:
        lines += ["", "Mangler pr. krav:"] + [f"  {code}: {n}" for code, n in result["totals"].items()]
    return "\n".join(lines)
