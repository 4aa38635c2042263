"""The worklist ("Frister"): each open deadline of a team, an advisor or the whole department with
the case reference, what is due, the limit and the days left (negative: overdue). The same
function serves ``kompetenceplan frister``, ``POST /deadlines`` and the Frister page.

    items = worklist(reg, config, on=dt.date(2026, 11, 30), team="Team Nord")
    render_text(items) ; render_csv(items) ; items.to_dict()

A case's team and advisor are its newest registered ones on ``on``: the newest case event or
decision names the team, the newest case event naming an advisor (else the newest routing)
the advisor. Only case references, rule codes and dates are shown: never a person.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from ..store.events import current_events, decision_events
from ..store.tables import routings
from .engine import MISSED, STATUS_TEXT, Deadline, Event, deadlines
from .rules import STATUSES, FristConfig


@dataclass(frozen=True)
class CaseInfo:
    team: str
    advisor: str | None


@dataclass(frozen=True)
class CaseData:
    """What the deadline rules read from the register on a day: every case's events and
    decisions, and its current team and advisor."""

    on: dt.date
    events: list[Event]
    cases: dict[str, CaseInfo]
    has_events: frozenset[str]


def read_cases(conn: Connection, on: dt.date) -> CaseData:
    """Current events and decisions up to ``on`` (later ones are not yet known on that day)."""
    evs = [Event.from_event_row(r) for r in current_events(conn, on)]
    decs = [Event.from_decision_row(r) for r in decision_events(conn, on)]
    team: dict[str, str] = {}
    advisor: dict[str, str] = {}
    # Oldest first, so the newest wins; on one day a case event after a decision.
    for e in sorted([*decs, *evs], key=lambda e: e.order):
        if e.team:
            team[e.case_ref] = e.team
    routed = conn.execute(select(routings.c.case_ref, routings.c.advisor).where(routings.c.routed_on <= on).order_by(routings.c.routed_on, routings.c.id))
    for r in routed:
        advisor[r.case_ref] = r.advisor
    for e in evs:  # a case event naming an advisor outranks a routing
        if e.advisor:
            advisor[e.case_ref] = e.advisor
    cases = {ref: CaseInfo(team=t, advisor=advisor.get(ref)) for ref, t in team.items()}
    return CaseData(on=on, events=[*evs, *decs], cases=cases, has_events=frozenset(e.case_ref for e in evs))


@dataclass(frozen=True)
class WorkItem:
    case_ref: str
    team: str
    advisor: str | None
    rule: str
    what: str
    title: str
    due: dt.date
    days_left: int
    status: str
    counted_from: dt.date
    started_by: str
    basis: str
    verification: str
    illustrative: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "sagsreference": self.case_ref,
            "team": self.team,
            "raadgiver": self.advisor,
            "regel": self.rule,
            "hvad": self.what,
            "frist": self.due.isoformat(),
            "dage_tilbage": self.days_left,
            "status": self.status,
            "regnet_fra": self.counted_from.isoformat(),
            "startet_af": self.started_by,
            "grundlag": self.basis,
            "verifikation": self.verification,
            "illustrativ": self.illustrative,
        }


@dataclass
class Worklist:
    on: dt.date
    scope: str
    items: list[WorkItem] = field(default_factory=list)
    rules_version: str = ""

    @property
    def overdue(self) -> int:
        return sum(1 for i in self.items if i.days_left < 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "dato": self.on.isoformat(),
            "omfang": self.scope,
            "regler_version": self.rules_version,
            "antal": len(self.items),
            "overskredet": self.overdue,
            "frister": [i.to_dict() for i in self.items],
        }


def item(d: Deadline, info: CaseInfo | None, on: dt.date) -> WorkItem:
    return WorkItem(
        case_ref=d.case_ref,
        team=info.team if info else "",
        advisor=info.advisor if info else None,
        rule=d.rule.id,
        what=d.rule.hvad,
        title=d.rule.titel,
        due=d.due,
        days_left=d.days_left(on),
        status=STATUS_TEXT[d.status],
        counted_from=d.counted_from,
        started_by=d.started_by.ref,
        basis=d.rule.grundlag.text(),
        verification=STATUSES[d.rule.status],
        illustrative=d.rule.illustrativ,
    )


def scope_text(team: str | None, advisor: str | None) -> str:
    if team and advisor:
        return f"{team}, rådgiver {advisor}"
    if team:
        return team
    if advisor:
        return f"rådgiver {advisor}"
    return "hele afdelingen"


def worklist(engine: Any, config: FristConfig, *, on: dt.date, team: str | None = None, advisor: str | None = None) -> Worklist:
    """The open deadlines (not met: due ahead or overdue) on ``on``, most urgent first, for one
    team and/or advisor (their current cases) or the whole department."""
    with engine.connect() as conn:
        data = read_cases(conn, on)
    out = Worklist(on=on, scope=scope_text(team, advisor), rules_version=config.frister.version)
    for d in deadlines(config, data.events, on):
        if not d.open:
            continue
        info = data.cases.get(d.case_ref)
        if team is not None and (info is None or info.team != team):
            continue
        if advisor is not None and (info is None or info.advisor != advisor):
            continue
        out.items.append(item(d, info, on))
    out.items.sort(key=lambda i: (i.due, i.case_ref, i.rule))
    return out


def _days(n: int) -> str:
    if n == 0:
        return "i dag"
    if n > 0:
        return f"{n} dag{'e' if n != 1 else ''} tilbage"
    return f"{-n} dag{'e' if n != -1 else ''} over"


def render_text(wl: Worklist) -> str:
    head = f"Frister pr. {wl.on.isoformat()} — {wl.scope}: {len(wl.items)} åbne, heraf {wl.overdue} overskredet (fristregler {wl.rules_version})."
    if not wl.items:
        return head + "\nIngen åbne frister.\n"
    widths = (10, 17, max(6, *(len(i.case_ref) for i in wl.items)), 14, 8)
    lines = [head, ""]
    lines.append(f"{'Frist':<{widths[0]}}  {'Dage':<{widths[1]}}  {'Sag':<{widths[2]}}  {'Team':<{widths[3]}}  {'Rådgiver':<{widths[4]}}  Hvad (regel)")
    for i in wl.items:
        mark = " [illustrativ frist]" if i.illustrative else ""
        lines.append(
            f"{i.due.isoformat():<{widths[0]}}  {_days(i.days_left):<{widths[1]}}  {i.case_ref:<{widths[2]}}  {i.team[:14]:<{widths[3]}}  {(i.advisor or '–'):<{widths[4]}}  {i.what} ({i.rule}){mark}"
        )
    return "\n".join(lines) + "\n"


CSV_COLUMNS = ("sagsreference", "team", "raadgiver", "regel", "hvad", "frist", "dage_tilbage", "status", "regnet_fra", "startet_af", "grundlag", "verifikation", "illustrativ")


def _cell(value: Any) -> str:
    """A CSV cell; text starting like a formula is prefixed with ' (a spreadsheet runs no formula)."""
    text = "ja" if value is True else "nej" if value is False else "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not text.lstrip("-").isdigit() else text


def render_csv(wl: Worklist) -> str:
    """Semicolon-separated (as Danish spreadsheets read it), UTF-8, one line per deadline."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for i in wl.items:
        row = i.to_dict()
        writer.writerow([_cell(row[c]) for c in CSV_COLUMNS])
    return buf.getvalue()


__all__ = ["MISSED", "CaseData", "Worklist", "WorkItem", "read_cases", "render_csv", "render_text", "worklist"]
