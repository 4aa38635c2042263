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


class AgendaItem(_Model):
    """An item as the committee sees it. ``flags`` say why it needs attention (never dropped)."""

    number: int
    item_key: str
    item_id: int
    case_ref: str
    required_level: str
    required_level_name: str
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
