"""The deadlines of a case, computed from its events and the register's decisions by the rules
(`rules.Rule`). Pure: no database; `worklist` and `status` read the rows and call `deadlines`.

For each rule and each event that starts it (on or before the evaluation day ``on``):

1. the limit is counted from the start (or, with ``regnes_fra``, from the latest such event on
   or before the start — e.g. the receipt that made the municipality aware, barnets lov § 20,
   stk. 3) by the rule's days, weeks or calendar months (``medregn_startdag``: the first day is
   day 1); ``tidligere_ved`` brings the limit forward to the first such event after the start
   (barnets lov § 95, stk. 2: "det tidligste af følgende tidspunkter"); a limit ending on a
   weekend or helligdag is moved as the rule's basis says;
2. the deadline is met by the first event that meets it, from the start (or ``tidligst`` before
   it) up to ``on``; the starting event itself never meets its own deadline;
3. a rule with ``bortfalder_uden_aktiv_indsats`` lapses when no granted intervention (the
   starting decision, or one of the rule's paragraphs) runs on the limit's day, unless it was met.

Status on ``on``: ``overholdt`` (met by the limit), ``for_sent`` (met after it), ``overskredet``
(not met and the limit has passed), ``aaben`` (not met, the limit is today or later).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from ..store.events import DECISION
from ..store.records import GRANTED
from .calendar import add_months, shift
from .rules import FristConfig, Rule, Selector, Span, matches

MET, LATE, MISSED, OPEN = "overholdt", "for_sent", "overskredet", "aaben"
STATUS_TEXT = {MET: "overholdt", LATE: "overholdt for sent", MISSED: "overskredet", OPEN: "åben"}


@dataclass(frozen=True)
class Event:
    """A case event or a decision, as the rules read it. ``ref`` names the source row
    (``hændelse 12`` / ``afgørelse 7``); decisions carry their outcome, start and expected end.
    ``order`` sorts a case's rows: by day, decisions before events, then by row id."""

    kind: str
    day: dt.date
    case_ref: str
    ref: str
    art: str | None = None
    paragraph: str | None = None
    outcome: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    team: str = ""
    advisor: str | None = None

    @property
    def order(self) -> tuple[dt.date, int, int]:
        source, _, row = self.ref.partition(" ")
        return (self.day, 0 if source == "afgørelse" else 1, int(row) if row.isdigit() else 0)

    @classmethod
    def from_event_row(cls, row: dict[str, object]) -> Event:
        return cls(
            kind=str(row["kind"]),
            day=row["occurred_on"],  # type: ignore[arg-type]  # a Date column
            case_ref=str(row["case_ref"]),
            ref=f"hændelse {row['id']}",
            art=row.get("art"),  # type: ignore[arg-type]
            paragraph=row.get("paragraph"),  # type: ignore[arg-type]
            team=str(row.get("team") or ""),
            advisor=row.get("advisor"),  # type: ignore[arg-type]
        )

    @classmethod
    def from_decision_row(cls, row: dict[str, object]) -> Event:
        return cls(
            kind=DECISION,
            day=row["decided_on"],  # type: ignore[arg-type]
            case_ref=str(row["case_ref"]),
            ref=f"afgørelse {row['id']}",
            paragraph=row.get("paragraph"),  # type: ignore[arg-type]
            outcome=row.get("outcome"),  # type: ignore[arg-type]
            start=row.get("start"),  # type: ignore[arg-type]
            end=row.get("expected_end"),  # type: ignore[arg-type]
            team=str(row.get("team") or ""),
        )


@dataclass(frozen=True)
class Deadline:
    rule: Rule
    case_ref: str
    started_by: Event
    counted_from: dt.date
    due: dt.date
    met_by: Event | None
    met_on: dt.date | None
    status: str

    def days_left(self, on: dt.date) -> int:
        """Days from ``on`` to the limit; negative when it has passed."""
        return (self.due - on).days

    @property
    def missed(self) -> bool:
        return self.status in (LATE, MISSED)

    @property
    def open(self) -> bool:
        return self.status in (OPEN, MISSED)


def add_span(day: dt.date, span: Span, first_day_counts: bool = False) -> dt.date:
    """The last day of a limit of ``span`` from ``day``."""
    if span.maaneder is not None:
        return add_months(day, span.maaneder)
    days = span.dage if span.dage is not None else 7 * (span.uger or 0)
    if first_day_counts and days > 0:
        days -= 1
    return day + dt.timedelta(days=days)


def sub_span(day: dt.date, span: Span) -> dt.date:
    if span.maaneder is not None:
        return add_months(day, -span.maaneder)
    return day - dt.timedelta(days=span.dage if span.dage is not None else 7 * (span.uger or 0))


def selects(sel: Selector, ev: Event) -> bool:
    """Whether ``ev`` is one of the events ``sel`` names."""
    if ev.kind != sel.haendelse:
        return False
    if sel.art and ev.art not in sel.art:
        return False
    if sel.paragraffer and not matches(ev.paragraph, sel.paragraffer):
        return False
    return not (sel.udfald and ev.outcome not in sel.udfald)


def date_of(sel: Selector, ev: Event) -> dt.date:
    return ev.start if sel.dato == "start" and ev.start is not None else ev.day


def _active(ev: Event, day: dt.date) -> bool:
    return ev.kind == DECISION and ev.outcome in GRANTED and (ev.start or ev.day) <= day and (ev.end is None or day <= ev.end)


def case_deadlines(rule: Rule, events: list[Event], on: dt.date) -> list[Deadline]:
    """The deadlines ``rule`` gives one case's ``events`` (sorted by `Event.order`), seen on ``on``."""
    seen = [e for e in events if e.day <= on]
    out = []
    for start_ev in seen:
        starter = next((s for s in rule.starter if selects(s, start_ev)), None)
        if starter is None:
            continue
        if rule.paragraffer and not matches(start_ev.paragraph, rule.paragraffer):
            continue
        anchor = date_of(starter, start_ev)
        if anchor > on:
            continue  # a decision whose start (iværksættelse) is still ahead
        counted_from = anchor
        if rule.regnes_fra is not None:
            prior = [date_of(rule.regnes_fra, e) for e in seen if selects(rule.regnes_fra, e) and date_of(rule.regnes_fra, e) <= anchor]
            if prior:
                counted_from = max(prior)
        due = add_span(counted_from, rule.frist, rule.medregn_startdag)
        if rule.tidligere_ved is not None:
            sooner = [date_of(rule.tidligere_ved, e) for e in seen if e is not start_ev and selects(rule.tidligere_ved, e) and date_of(rule.tidligere_ved, e) >= anchor]
            if sooner:
                due = min(due, min(sooner))
        due = shift(due, rule.helligdage)
        window = sub_span(counted_from, rule.tidligst) if rule.tidligst is not None else counted_from
        meeting = _first_meeting(rule, start_ev, seen, window, on)
        met_by, met_on = meeting if meeting else (None, None)
        if met_on is not None:
            status = MET if met_on <= due else LATE
        else:
            if rule.bortfalder_uden_aktiv_indsats and not _runs(rule, start_ev, events, due):
                continue
            status = MISSED if due < on else OPEN
        out.append(Deadline(rule, start_ev.case_ref, start_ev, counted_from, due, met_by, met_on, status))
    return out


def _first_meeting(rule: Rule, start_ev: Event, seen: list[Event], window: dt.date, on: dt.date) -> tuple[Event, dt.date] | None:
    """The earliest event that meets the deadline ``start_ev`` started, dated from ``window`` to
    ``on``, with its date (for `samme_paragraf`, in the starting event's paragraph)."""
    meeting = None
    for e in seen:
        if e is start_ev:
            continue
        sel = next((s for s in rule.opfyldes_af if selects(s, e)), None)
        if sel is None or not window <= date_of(sel, e) <= on:
            continue
        if rule.samme_paragraf and start_ev.paragraph and e.paragraph and e.paragraph != start_ev.paragraph:
            continue
        if meeting is None or date_of(sel, e) < meeting[1]:
            meeting = (e, date_of(sel, e))
    return meeting


def _runs(rule: Rule, start_ev: Event, events: list[Event], day: dt.date) -> bool:
    """Whether the intervention the deadline follows still runs on ``day`` (as registered,
    planned end included): the starting decision itself, or a granted decision in the rule's
    paragraphs."""
    if start_ev.kind == DECISION:
        return _active(start_ev, day)
    return any(_active(e, day) and (not rule.paragraffer or matches(e.paragraph, rule.paragraffer)) for e in events)


def deadlines(config: FristConfig, events: Iterable[Event], on: dt.date, rules: Iterable[Rule] | None = None) -> list[Deadline]:
    """Every deadline of every case in ``events`` on ``on``, by case, then limit."""
    by_case: dict[str, list[Event]] = {}
    for e in events:
        by_case.setdefault(e.case_ref, []).append(e)
    chosen = list(rules) if rules is not None else config.regler
    out = []
    for case_ref in sorted(by_case):
        evs = sorted(by_case[case_ref], key=lambda e: e.order)
        for rule in chosen:
            out.extend(case_deadlines(rule, evs, on))
    out.sort(key=lambda d: (d.case_ref, d.due, d.rule.id))
    return out
