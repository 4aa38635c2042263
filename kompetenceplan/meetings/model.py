"""Meetings, agenda items, outcomes and minutes as JSON models (Python API, CLI and HTTP)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from ..store.records import UtcDatetime

#: What the committee can do with an item. The first three are decisions and are registered;
#: "oversendt" sends the item on to the body that has the competence (below a statutory body only
#: udsat, sendt tilbage and oversendt are possible: barnets lov § 142 stk. 1).
OUTCOMES = ("bevilget", "afslået", "bevilget med ændringer", "udsat", "sendt tilbage til rådgiver", "oversendt")
Outcome = Literal["bevilget", "afslået", "bevilget med ændringer", "udsat", "sendt tilbage til rådgiver", "oversendt"]
DECIDING = ("bevilget", "afslået", "bevilget med ændringer")
#: The outcomes that grant an intervention: they have a start and an expected end.
GRANTED = ("bevilget", "bevilget med ændringer")
FORWARDED = "oversendt"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Meeting(_Model):
    id: int
    meeting_date: dt.date
    body: str
    body_name: str
    title: str


class ItemFinding(_Model):
    code: str
    severity: str
    title: str


class ItemDocument(_Model):
    """A document listed with an agenda item: its type in words, date, title and status."""

    type: str
    type_name: str
    date: dt.date | None = None
    title: str = ""
    signed: bool = False
    approved: bool = False


class ItemContent(_Model):
    """What the committee decides on, read from the stored submission: the paragraph in the law's
    words, the intervention's step, the costs, purpose and goals, the recommendation and the
    documents. Any of them may be missing from a submission (then None or empty)."""

    paragraph: str | None = None
    paragraph_name: str | None = None
    step: int | None = None
    step_name: str | None = None
    monthly_cost: float | None = None
    months: int | None = None
    total_cost: float | None = None
    provider: str = ""
    purpose: str = ""
    goals: list[str] = []
    recommendation: str = ""
    documents: list[ItemDocument] = []


class AgendaItem(_Model):
    """An item as the committee sees it. ``flags`` say why it needs attention (never dropped)."""

    number: int
    item_key: str
    item_id: int
    case_ref: str
    required_level: str
    required_level_name: str
    #: The meeting body that takes the case (`committee.required_body`): its committee (a child's
    #: case the children's visitation committee, an adult's the adults'), or the committee that
    #: puts it to a body outside the municipality; None for a case below the committees.
    required_body: str | None = None
    required_body_name: str | None = None
    ready: bool
    findings: list[ItemFinding]
    flags: list[str]
    content_hash: str
    versions: int
    plan_version: str
    outcome: Outcome | None = None
    #: "oversendt": the level the item was sent on to, and its name; ``forwarded_outside``: a body
    #: outside the municipality (Familieretshuset), which decides on the municipality's indstilling.
    forwarded_to: str | None = None
    forwarded_to_name: str | None = None
    forwarded_outside: bool = False
    reason: str | None = None
    decision_id: int | None = None
    kompetenceoverskridelse: bool | None = None
    #: A granted intervention's start and expected end, as the register stored them.
    start: dt.date | None = None
    expected_end: dt.date | None = None
    #: Withdrawn before the meeting (recorded, never deleted: the item keeps its number).
    withdrawn: bool = False
    withdrawn_reason: str | None = None
    content: ItemContent | None = None

    @property
    def outcome_text(self) -> str | None:
        """The outcome as the minutes say it: "oversendt til Børne- og ungeudvalget", and for a body
        outside the municipality "indstillet til Familieretshuset" (serviceloven § 131: it decides
        on the municipality's indstilling)."""
        if self.outcome and self.forwarded_to_name:
            return f"indstillet til {self.forwarded_to_name}" if self.forwarded_outside else f"{self.outcome} til {self.forwarded_to_name}"
        return self.outcome


class Agenda(_Model):
    meeting: Meeting
    sent_at: UtcDatetime | None
    items: list[AgendaItem]
    #: Who attended (for the minutes), as the secretary wrote them.
    attendees: list[str] = []
    #: The newest sending: "smtp" (e-mailed) or "markeret" (only marked sent), and to whom.
    sent_by_mail: str | None = None
    recipients: list[str] = []

    @property
    def active_items(self) -> list[AgendaItem]:
        """The items the committee is to treat: every item not withdrawn."""
        return [i for i in self.items if not i.withdrawn]

    def to_json(self) -> str:
        return self.model_dump_json(indent=2)


class OutcomeRecord(_Model):
    id: int
    meeting_id: int
    item_number: int
    item_key: str
    case_ref: str
    outcome: Outcome
    forwarded_to: str | None = None
    reason: str
    decision_id: int | None
    #: The decision an earlier outcome registered that this outcome took out of force.
    retracted_decision_id: int | None = None
    kompetenceoverskridelse: bool | None
    recorded_at: UtcDatetime


class AddedItem(_Model):
    number: int
    item: AgendaItem
    report: dict[str, Any]
    #: The meeting already had this content for this case as a current item: nothing was added,
    #: and this is that item (adding the same submission again is idempotent; the pages say so).
    existing: bool = False


class DraftRecord(_Model):
    """One saved version of an indstilling written in the pages (`meetings.drafts`)."""

    key: str
    id: int
    version: int
    versions: int
    case_ref: str
    submission: dict[str, Any]
    report: dict[str, Any] | None
    ready: bool
    required_level: str | None
    plan_version: str
    saved_by: str
    saved_by_name: str | None
    saved_at: UtcDatetime
    #: Why the documentation check could not run on this version (the case is not complete yet).
    problems: list[dict[str, str]] = []
    #: The save changed nothing: the newest version already had this content.
    unchanged: bool = False
