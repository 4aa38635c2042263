"""The register's records as JSON models (the same models for the Python API, CLI and HTTP)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict

from ..danish import format_kroner, utc


def _utc(value: dt.datetime) -> dt.datetime:
    # Stored in UTC; SQLite hands it back without a zone, PostgreSQL with one: the same out.
    return utc(value)


UtcDatetime = Annotated[dt.datetime, AfterValidator(_utc)]

#: What a decision can say (the committee may also postpone or send back; see `meetings`).
DECISION_OUTCOMES = ("bevilget", "afslået", "bevilget med ændringer")
DecisionOutcome = Literal["bevilget", "afslået", "bevilget med ændringer"]
#: Outcomes that grant an intervention (counted in the case's total while active).
GRANTED = ("bevilget", "bevilget med ændringer")


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RoutingRecord(_Record):
    id: int
    corrects_id: int | None
    case_ref: str
    team: str
    #: Who routed and saved it: the actor's id and name (`kompetenceplan.actor`).
    advisor: str
    advisor_name: str | None
    inputs: dict[str, Any]
    required_level: str
    required_rank: int
    deciding_row: str | None
    escalated: bool
    routed_on: dt.date
    plan_id: str
    plan_version: str
    plan_fingerprint: str
    recorded_at: UtcDatetime


class DecisionRecord(_Record):
    """A decision actually taken. ``kompetenceoverskridelse``: taken below the required level;
    ``lovbestemt_overskredet``: below the body the statute reserves the paragraph for (only an
    imported, historical decision can be stored so). ``decided_by``: who decided — the actor's id,
    the committee's level for a committee, or typed initials for an import (``source`` import)."""

    id: int
    corrects_id: int | None
    routing_id: int | None
    case_ref: str
    team: str
    level: str
    level_rank: int
    decided_by: str
    decided_by_name: str | None
    decided_on: dt.date
    outcome: DecisionOutcome
    paragraph: str
    step: int
    monthly_cost: float
    start: dt.date
    expected_end: dt.date | None
    required_level: str
    required_rank: int
    kompetenceoverskridelse: bool
    lovbestemt_overskredet: bool
    plan_id: str
    plan_version: str
    plan_fingerprint: str
    source: str
    note: str
    recorded_by: str | None
    recorded_by_name: str | None
    recorded_at: UtcDatetime
    #: An imported decision's natural key (None for one recorded otherwise).
    import_key: str | None = None


class ActiveIntervention(_Record):
    decision_id: int
    paragraph: str
    step: int
    monthly_cost: float
    start: dt.date
    expected_end: dt.date | None


class CaseTotal(_Record):
    """The case's monthly total computed by the register: its active interventions plus the new one."""

    case_ref: str
    on: dt.date
    interventions: list[ActiveIntervention]
    new_cost: float
    total: float
    typed: float | None

    def explain(self) -> str:
        lines = [f"Sagens samlede månedlige udgift ({self.case_ref}) beregnet af registeret pr. {self.on.isoformat()}:"]
        lines += [
            f"  afgørelse {i.decision_id}: {i.paragraph} trin {i.step}, {_kr(i.monthly_cost)} fra {i.start.isoformat()}" + (f" til {i.expected_end.isoformat()}" if i.expected_end else "")
            for i in self.interventions
        ]
        lines.append(f"  den nye indsats: {_kr(self.new_cost)}")
        lines.append(f"  i alt: {_kr(self.total)}" + (f" (indtastet: {_kr(self.typed)})" if self.typed is not None else ""))
        return "\n".join(lines)


def _kr(amount: float) -> str:
    return format_kroner(amount, per="md.")


class RoutedCase(_Record):
    """What `Register.record_routing` returns: the stored record, the decision and the case total."""

    record: RoutingRecord
    decision: dict[str, Any]
    case_total: CaseTotal | None


class PurgeReport(_Record):
    before: dt.date
    deleted: dict[str, int]
    kept_referenced: dict[str, int]


class ImportReport(_Record):
    imported: int
    skipped: list[dict[str, Any]]
    decision_ids: list[int]
    #: Lines whose decision the register already held from an import (or that repeat an earlier
    #: line of the file): not stored again.
    already_imported: int = 0
    already_lines: list[int] = []
    #: Imported decisions taken below the statutory body of their paragraph (stored as history, flagged).
    statutory_breaches: list[int] = []
