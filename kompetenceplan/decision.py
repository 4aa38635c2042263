"""The decision an advisor gets: the level, the rows that set it, and a trace of every condition."""

from __future__ import annotations

from typing import Literal, Union

from pydantic import BaseModel, ConfigDict, Field

from .plan.model import Plan

JsonValue = Union[bool, int, float, str, None]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LevelRef(_Out):
    id: str
    name: str
    rank: int


class ConditionTrace(_Out):
    input: str
    text: str
    actual: JsonValue
    actual_text: str = Field(default="", description="The case's value as a caseworker reads it (labels, Danish numbers).")
    met: bool | None


class RowTrace(_Out):
    id: str
    level: str
    level_name: str
    status: Literal["opfyldt", "ikke opfyldt", "ukendt"]
    reference: str
    note: str
    law: bool
    file: str
    conditions: list[ConditionTrace]


class PlanRef(_Out):
    id: str
    kommune: str
    name: str
    version: str
    valid_from: str
    fingerprint: str = Field(description="Hash of the plan files' bytes: which exact plan answered.")

    @classmethod
    def of(cls, plan: Plan) -> PlanRef:
        m = plan.meta
        return cls(id=m.id, kommune=m.kommune, name=m.name, version=m.version, valid_from=m.valid_from.isoformat(), fingerprint=plan.fingerprint)


class Decision(_Out):
    """Who must decide, and why. ``escalated`` means no row covered the case."""

    plan: PlanRef
    level: LevelRef
    escalated: bool
    reason: str
    deciding_row: str | None
    matched: list[RowTrace]
    higher_not_matched: list[RowTrace]
    other_rows: int = Field(description="Rows above the level about another area or paragraph (not listed).")
    inputs: dict[str, JsonValue]
    derived: list[str]
    provisional: str | None = Field(
        default=None,
        description="For an acute case the law lets the chair of børne- og ungeudvalget decide provisionally "
        "(barnets lov § 143): how, and that the committee must approve it. The level is still the committee's.",
    )

    def to_json(self) -> str:
        return self.model_dump_json(indent=2)
