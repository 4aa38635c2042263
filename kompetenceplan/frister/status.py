"""The figures of the status report to the Social- og Handicapudvalg (plain data; `render` draws
and writes them). Ankestyrelsen asked Nyborg to report sagsbehandlingstider, cases per employee,
sickness absence and resignations; the deadline rules add the statutory time limits.

Why it is long: the status report's figures, each with its definition from docs/frister.md; they
share the reading of a quarter's cases.

    figures = build_status(reg.engine, config, "2026Q4", hr=read_hr("hr.csv"))

Definitions (docs/frister.md, "Statusrapport"), each checked in tests against a naive count:

- **Sagsbehandlingstid**: a receipt (``modtaget``) is answered by the case's first decision on
  or after it — with the receipt's paragraph when it names one (ties: the lower decision id). The
  time is the days between them; it counts in the quarter of the decision, by the decision's
  team, area and paragraph group. Median; 90th percentile by the nearest rank (the smallest value
  with at least 90 % of the times at or below it). *Inden for kommunens frist*: the decision came
  on or before the limit of the municipality's own rule for the receipt's paragraph.
- **Frister**: every deadline whose limit falls in the quarter, as it stood on the report date
  (the quarter's last day, or today while the quarter runs): overholdt, overholdt for sent,
  overskredet (not met, limit passed) and åben.
- **Sagsstamme**: on the report date, a case is active when a granted decision runs (start ≤ day ≤
  expected end, or no end) or an investigation has started and not finished; it belongs to its
  current advisor and to the area of its newest running decision (else of its newest paragraph).
- **HR**: the HR system's figures per team and quarter, as given; the department's absence is the
  mean weighted by årsværk (unweighted when a team lacks them).
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from dataclasses import asdict, dataclass, field
from typing import Any

from ..danish import format_quarter, quarter_code, quarter_dates, read_quarter
from ..errors import CaseError, Problem
from ..store.events import DECISION
from ..store.records import GRANTED
from .calendar import shift
from .engine import LATE, MET, MISSED, OPEN, Deadline, Event, add_span, deadlines
from .hr import HrRow
from .rules import FristConfig, Rule, matches
from .worklist import CaseData, read_cases

TREND_QUARTERS = 8
NO_ADVISOR = "(ingen rådgiver)"
NO_AREA = "ukendt"


class QuarterError(CaseError):
    """A quarter that has not begun."""


def quarter_bounds(code: str) -> tuple[str, dt.date, dt.date]:
    """``2026Q4`` (or ``4. kvartal 2026``, ``K4 2026`` …: the one reader, `danish.read_quarter`, as
    the ledelsestilsyn and the økonomisk tilsyn read it) → ("2026Q4", 2026-10-01, 2026-12-31)."""
    year, n = read_quarter(code)
    return (quarter_code(year, n), *quarter_dates(year, n))


def previous(code: str, k: int) -> list[str]:
    """The ``k`` quarters up to and including ``code``, oldest first."""
    _, start, _ = quarter_bounds(code)
    index = start.year * 4 + (start.month - 1) // 3
    return [f"{i // 4}Q{i % 4 + 1}" for i in range(index - k + 1, index + 1)]


def quarter_label(code: str) -> str:
    return format_quarter(*read_quarter(code))


def nearest_rank(values: list[int], p: float) -> int:
    """The p-th percentile by the nearest-rank method (values need not be sorted)."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p * len(ordered))) - 1]


# -- sagsbehandlingstid ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answered:
    """A receipt and the decision that answered it."""

    case_ref: str
    received: dt.date
    decided: dt.date
    paragraph: str
    team: str
    own_rule: str | None
    own_due: dt.date | None

    @property
    def days(self) -> int:
        return (self.decided - self.received).days

    @property
    def within(self) -> bool | None:
        return None if self.own_due is None else self.decided <= self.own_due


def own_rule(config: FristConfig, paragraph: str | None) -> Rule | None:
    """The municipality's own sagsbehandlingsfrist for a receipt on ``paragraph``: the first own
    rule started by a receipt and met by a decision whose paragraphs include it."""
    for rule in config.regler:
        if rule.statutory or not rule.paragraffer or not matches(paragraph, rule.paragraffer):
            continue
        if any(s.haendelse == "modtaget" for s in rule.starter) and any(s.haendelse == DECISION for s in rule.opfyldes_af):
            return rule
    return None


def answered(config: FristConfig, events: list[Event]) -> list[Answered]:
    """Every receipt that a decision answered (see the module docstring), oldest first."""
    by_case: dict[str, list[Event]] = {}
    for e in events:
        by_case.setdefault(e.case_ref, []).append(e)
    out = []
    for case_ref, evs in by_case.items():
        decisions = sorted((e for e in evs if e.kind == DECISION), key=lambda e: e.order)
        for r in (e for e in evs if e.kind == "modtaget"):
            answer = next((d for d in decisions if d.day >= r.day and (r.paragraph is None or d.paragraph == r.paragraph)), None)
            if answer is None:
                continue
            rule = own_rule(config, r.paragraph)
            due = shift(add_span(r.day, rule.frist, rule.medregn_startdag), rule.helligdage) if rule else None
            out.append(Answered(case_ref, r.day, answer.day, answer.paragraph or "", answer.team, rule.id if rule else None, due))
    out.sort(key=lambda a: (a.decided, a.case_ref, a.received))
    return out


@dataclass
class TimeFigure:
    label: str
    n: int = 0
    median: float | None = None
    p90: int | None = None
    with_frist: int = 0
    within: int = 0
    over_cases: list[str] = field(default_factory=list)

    @property
    def share_within(self) -> float | None:
        return self.within / self.with_frist if self.with_frist else None

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "share_within": self.share_within}


def time_figure(label: str, items: list[Answered]) -> TimeFigure:
    days = [a.days for a in items]
    fig = TimeFigure(label, n=len(days))
    if days:
        fig.median = float(statistics.median(days))
        fig.p90 = nearest_rank(days, 0.9)
    judged = [a for a in items if a.within is not None]
    fig.with_frist = len(judged)
    fig.within = sum(1 for a in judged if a.within)
    fig.over_cases = sorted({a.case_ref for a in judged if not a.within})
    return fig


# -- deadlines ---------------------------------------------------------------------------------------


@dataclass
class RuleFigure:
    rule: str
    title: str
    basis: str
    verification: str
    illustrative: bool
    met: int = 0
    late: int = 0
    missed: int = 0
    open: int = 0
    missed_cases: list[str] = field(default_factory=list)

    @property
    def decided(self) -> int:
        """Deadlines whose outcome is known: met on time, met late, or missed."""
        return self.met + self.late + self.missed

    @property
    def share_met(self) -> float | None:
        return self.met / self.decided if self.decided else None

    def add(self, d: Deadline) -> None:
        if d.status == MET:
            self.met += 1
        elif d.status == LATE:
            self.late += 1
            self.missed_cases.append(d.case_ref)
        elif d.status == MISSED:
            self.missed += 1
            self.missed_cases.append(d.case_ref)
        else:
            self.open += 1

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "missed_cases": sorted(set(self.missed_cases)), "share_met": self.share_met}


# -- caseload ----------------------------------------------------------------------------------------


@dataclass
class AdvisorLoad:
    advisor: str
    team: str
    cases: dict[str, int]
    over: list[str]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class AreaLoad:
    area: str
    label: str
    advisors: int
    cases: int
    target: int | None
    over_target: list[str]

    @property
    def average(self) -> float | None:
        return self.cases / self.advisors if self.advisors else None

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "average": self.average}


def active_cases(config: FristConfig, data: CaseData, day: dt.date) -> dict[str, str]:
    """case → area of every active case on ``day`` (see the module docstring)."""
    by_case: dict[str, list[Event]] = {}
    for e in data.events:
        if e.day <= day:
            by_case.setdefault(e.case_ref, []).append(e)
    out = {}
    for case_ref, evs in by_case.items():
        running = [e for e in evs if e.kind == DECISION and e.outcome in GRANTED and (e.start or e.day) <= day and (e.end is None or day <= e.end)]
        investigating = False
        for art in ("bfu", "ungefaglig", "voksenudredning"):
            starts = [e.day for e in evs if e.kind == "undersoegelse_startet" and e.art == art]
            ends = [e.day for e in evs if e.kind == "undersoegelse_afsluttet" and e.art == art]
            if starts and not any(end >= max(starts) for end in ends):
                investigating = True
        if not running and not investigating:
            continue
        source = max(running, key=lambda e: e.order) if running else max((e for e in evs if e.paragraph), key=lambda e: e.order, default=None)
        out[case_ref] = (config.area(source.paragraph) if source else None) or NO_AREA
    return out


def caseload(config: FristConfig, data: CaseData, day: dt.date) -> tuple[list[AdvisorLoad], list[AreaLoad]]:
    active = active_cases(config, data, day)
    per: dict[str, dict[str, int]] = {}
    team_of: dict[str, str] = {}
    for case_ref, area in active.items():
        info = data.cases.get(case_ref)
        who = (info.advisor if info else None) or NO_ADVISOR
        per.setdefault(who, {})
        per[who][area] = per[who].get(area, 0) + 1
        if info:
            team_of.setdefault(who, info.team)
    targets = config.sagsstamme.maal
    advisors = [
        AdvisorLoad(who, team_of.get(who, ""), dict(sorted(counts.items())), sorted(a for a, n in counts.items() if a in targets and n > targets[a] and who != NO_ADVISOR))
        for who, counts in sorted(per.items())
    ]
    areas = []
    for key in [*config.omraader, NO_AREA]:
        named = [a for a in advisors if key in a.cases and a.advisor != NO_ADVISOR]
        total = sum(a.cases.get(key, 0) for a in advisors)
        if key == NO_AREA and not total:
            continue
        label = config.omraader[key].navn if key in config.omraader else "Ukendt område"
        areas.append(AreaLoad(key, label, len(named), total, targets.get(key), [a.advisor for a in named if key in a.over]))
    return advisors, areas


# -- the report --------------------------------------------------------------------------------------


@dataclass
class TrendPoint:
    quarter: str
    asof: str
    median_days: dict[str, float | None]
    share_within: float | None
    share_met: float | None
    average_caseload: dict[str, float | None]
    sickness_pct: float | None
    resignations: int | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class StatusFigures:
    quarter: str
    start: dt.date
    end: dt.date
    asof: dt.date
    complete: bool
    kommune: str
    rules_version: str
    targets: dict[str, int]
    area_labels: dict[str, str]
    time_total: TimeFigure
    time_by_team: list[TimeFigure]
    time_by_area: list[TimeFigure]
    time_by_group: list[TimeFigure]
    decisions_without_receipt: int
    rules: list[RuleFigure]
    deadlines_by_team: list[RuleFigure]
    advisors: list[AdvisorLoad]
    areas: list[AreaLoad]
    hr: list[HrRow] | None
    hr_total: dict[str, Any] | None
    trend: list[TrendPoint]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kvartal": self.quarter,
            "periode": [self.start.isoformat(), self.end.isoformat()],
            "opgjort": self.asof.isoformat(),
            "kvartalet_afsluttet": self.complete,
            "kommune": self.kommune,
            "fristregler_version": self.rules_version,
            "sagsstamme_maal": self.targets,
            "sagsbehandlingstid": {
                "i_alt": self.time_total.to_dict(),
                "team": [f.to_dict() for f in self.time_by_team],
                "omraade": [f.to_dict() for f in self.time_by_area],
                "paragrafgruppe": [f.to_dict() for f in self.time_by_group],
                "afgoerelser_uden_modtagelse": self.decisions_without_receipt,
            },
            "frister": {"regel": [r.to_dict() for r in self.rules], "team": [r.to_dict() for r in self.deadlines_by_team]},
            "sagsstamme": {"raadgiver": [a.to_dict() for a in self.advisors], "omraade": [a.to_dict() for a in self.areas]},
            "hr": None if self.hr is None else {"team": [asdict(r) for r in self.hr], "i_alt": self.hr_total},
            "udvikling": [t.to_dict() for t in self.trend],
        }


def _asof(end: dt.date, today: dt.date) -> dt.date:
    return min(end, today)


def _hr_total(rows: list[HrRow]) -> dict[str, Any] | None:
    if not rows:
        return None
    if all(r.fte for r in rows):
        weight = sum(r.fte or 0 for r in rows)
        pct = sum(r.sickness_pct * (r.fte or 0) for r in rows) / weight
    else:
        pct = statistics.fmean(r.sickness_pct for r in rows)
    return {"sygefravaer_pct": round(pct, 2), "fratraadte": sum(r.resignations for r in rows), "aarsvaerk": round(sum(r.fte for r in rows if r.fte), 2) if any(r.fte for r in rows) else None}


def _groups(config: FristConfig, items: list[Answered]) -> tuple[list[TimeFigure], list[TimeFigure], list[TimeFigure]]:
    teams = sorted({a.team for a in items})
    by_team = [time_figure(t, [a for a in items if a.team == t]) for t in teams]
    by_area = [time_figure(area.navn, [a for a in items if config.area(a.paragraph) == key]) for key, area in config.omraader.items()]
    by_group = [time_figure(g.navn, [a for a in items if config.group(a.paragraph) == key]) for key, g in config.paragrafgrupper.items()]
    return by_team, by_area, by_group


def _in(day: dt.date, start: dt.date, end: dt.date) -> bool:
    return start <= day <= end


def build_status(engine: Any, config: FristConfig, quarter: str, *, hr: list[HrRow] | None = None, today: dt.date | None = None) -> StatusFigures:
    """The quarter's figures and the trend over the last `TREND_QUARTERS` quarters."""
    code, start, end = quarter_bounds(quarter)
    today = today or dt.date.today()
    if today < start:
        raise QuarterError("Kvartalet er ikke begyndt.", [Problem("--quarter", f"{code} begynder {start.isoformat()}.", "Vælg et kvartal, der er begyndt.")])
    trend: list[TrendPoint] = []
    current: dict[str, Any] = {}
    with engine.connect() as conn:
        for q in previous(code, TREND_QUARTERS):
            _, q_start, q_end = quarter_bounds(q)
            asof = _asof(q_end, today)
            data = read_cases(conn, asof)
            items = [a for a in answered(config, data.events) if _in(a.decided, q_start, q_end)]
            due = [d for d in deadlines(config, data.events, asof) if _in(d.due, q_start, q_end)]
            advisors, areas = caseload(config, data, asof)
            statutory = [d for d in due if d.rule.statutory and d.status != OPEN]
            q_hr = [r for r in (hr or []) if r.quarter == q]
            q_total = _hr_total(q_hr)
            trend.append(
                TrendPoint(
                    quarter=q,
                    asof=asof.isoformat(),
                    median_days={key: time_figure(key, [a for a in items if config.area(a.paragraph) == key]).median for key in config.omraader},
                    share_within=time_figure("", items).share_within,
                    share_met=(sum(1 for d in statutory if d.status == MET) / len(statutory)) if statutory else None,
                    average_caseload={a.area: a.average for a in areas if a.area in config.omraader},
                    sickness_pct=q_total["sygefravaer_pct"] if q_total else None,
                    resignations=q_total["fratraadte"] if q_total else None,
                )
            )
            if q == code:
                current = {"data": data, "items": items, "due": due, "advisors": advisors, "areas": areas, "asof": asof, "hr": q_hr}
    items = current["items"]
    by_team, by_area, by_group = _groups(config, items)
    answered_decisions = {(a.case_ref, a.decided, a.paragraph) for a in items}
    in_quarter = [e for e in current["data"].events if e.kind == DECISION and _in(e.day, start, end)]
    rules = []
    for rule in config.regler:
        fig = RuleFigure(rule.id, rule.titel, rule.grundlag.text(), rule.status, rule.illustrativ)
        for d in current["due"]:
            if d.rule.id == rule.id:
                fig.add(d)
        rules.append(fig)
    teams: dict[str, RuleFigure] = {}
    for d in current["due"]:
        if not d.rule.statutory:
            continue
        info = current["data"].cases.get(d.case_ref)
        team = info.team if info else ""
        teams.setdefault(team, RuleFigure(team, team, "", "", False)).add(d)
    return StatusFigures(
        quarter=code,
        start=start,
        end=end,
        asof=current["asof"],
        complete=today > end,
        kommune=config.frister.kommune,
        rules_version=config.frister.version,
        targets=dict(config.sagsstamme.maal),
        area_labels={k: a.navn for k, a in config.omraader.items()},
        time_total=time_figure("I alt", items),
        time_by_team=by_team,
        time_by_area=by_area,
        time_by_group=by_group,
        decisions_without_receipt=sum(1 for e in in_quarter if (e.case_ref, e.day, e.paragraph or "") not in answered_decisions),
        rules=rules,
        deadlines_by_team=[teams[t] for t in sorted(teams)],
        advisors=current["advisors"],
        areas=current["areas"],
        hr=None if hr is None else current["hr"],
        hr_total=None if hr is None else _hr_total(current["hr"]),
        trend=trend,
    )


__all__ = ["MISSED", "StatusFigures", "answered", "build_status", "caseload", "nearest_rank", "quarter_bounds"]
