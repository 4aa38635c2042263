"""The list of meetings: a page of meetings around today, each with its number of items, how
many are ready and whether its agenda was sent — counted by the database from the stored
readiness, never by building every meeting's agenda (issue 29: the list built each agenda per
request and took seconds on a year of meetings, minutes on ten).

The counts are the agenda's (`committee.build_agenda`): an item checked with another plan
version than the one in force on the meeting date is checked again here too, as the agenda
does (PLANEN ER ÆNDRET) — only those items, only on the page shown.

A page is found by key (the meeting's date, then its id), never by offset: the first page
starts `RECENT_DAYS` days before today, and ``earlier``/``later`` are the keys of the pages
before and after it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..api import plan_in_force
from ..errors import PlanError
from ..plan.model import Plan
from ..plan.versions import PlanSet
from ..store import meetings as repo
from ..store.register import Register
from .committee import _meeting, _recheck
from .model import Meeting

Plans = Plan | PlanSet
Key = tuple[dt.date, int]
#: Meetings on one page of the list.
PAGE = 50
#: The list opens this many days before today (the meetings just held, then the coming ones).
RECENT_DAYS = 30


@dataclass(frozen=True)
class MeetingRow:
    meeting: Meeting
    #: None when no plan version is in force on the meeting date (nothing can be counted).
    items: int | None
    ready: int | None
    sent: bool


@dataclass(frozen=True)
class MeetingPage:
    rows: list[MeetingRow]
    #: The key to ask for the page before this one (None: this is the first).
    earlier: Key | None
    #: The key to ask for the page after this one (None: this is the last).
    later: Key | None


def _latest(plans: Plans) -> Plan:
    return plans.latest if isinstance(plans, PlanSet) else plans


def overview(reg: Register, plans: Plans, *, before: Key | None = None, after: Key | None = None, today: dt.date | None = None, limit: int = PAGE) -> MeetingPage:
    """One page of the meeting list, in date order: the ``limit`` meetings before ``before``, or
    after ``after``, or else from `RECENT_DAYS` days before ``today`` on (filled up with earlier
    meetings when fewer are left)."""
    with reg.engine.connect() as conn:
        if before is not None:
            rows = repo.meetings_before(conn, before, limit)
        elif after is not None:
            rows = repo.all_meetings(conn, after, limit)
        else:
            start = ((today or dt.date.today()) - dt.timedelta(days=RECENT_DAYS), 0)
            rows = repo.meetings_from(conn, start, limit)
            if len(rows) < limit:
                rows = repo.meetings_before(conn, (rows[0]["meeting_date"], rows[0]["id"]) if rows else (dt.date.max, 0), limit - len(rows)) + rows
        ids = [r["id"] for r in rows]
        counts = repo.item_counts(conn, ids)
        sent = repo.sent_meetings(conn, ids)
        first, last = ((rows[0]["meeting_date"], rows[0]["id"]), (rows[-1]["meeting_date"], rows[-1]["id"])) if rows else (None, None)
        earlier = first if first is not None and repo.any_before(conn, first) else None
        later = last if last is not None and repo.any_after(conn, last) else None
        found = []
        names = _latest(plans)
        for row in rows:
            try:
                plan = plan_in_force(plans, row["meeting_date"])
            except PlanError:  # no plan version in force on the meeting date: say so, never count
                found.append(MeetingRow(_meeting(row, names), None, None, row["id"] in sent))
                continue
            items = ready = 0
            for meeting_id, fingerprint, is_ready, n in counts:
                if meeting_id != row["id"]:
                    continue
                items += n
                if fingerprint == plan.fingerprint:
                    ready += n if is_ready else 0
                else:  # checked with another plan version: the agenda checks it again, and so do we
                    again = [_recheck(plan, row["meeting_date"], r, []) for r in repo.current_items_checked_with(conn, row["id"], fingerprint) if bool(r["ready"]) == is_ready]
                    ready += sum(1 for r in again if r["ready"])
            found.append(MeetingRow(_meeting(row, names), items, ready, row["id"] in sent))
    return MeetingPage(found, earlier, later)


def upcoming(reg: Register, plans: Plans, today: dt.date, limit: int = PAGE) -> list[Meeting]:
    """The ``limit`` soonest meetings on or after ``today``, soonest first."""
    with reg.engine.connect() as conn:
        rows = repo.meetings_from(conn, (today, 0), limit)
    return [_meeting(r, _latest(plans)) for r in rows]
