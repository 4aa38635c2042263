"""The decision an advisor gets: the level, the rows that set it, and a trace of every condition.

The level and its reason are built at once; the row traces (why this level, why not higher) are
built from the same evaluation the first time they are read or serialised, so a caller that only
needs the level never pays for the explanation. A decision read back from JSON carries its
traces as given.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, NamedTuple, Union

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, TypeAdapter, computed_field, model_validator

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


class Traces(NamedTuple):
    """The explanation's rows: those that set the level, those above it that fail, the rest counted."""

    matched: list[RowTrace]
    higher_not_matched: list[RowTrace]
    other_rows: int


_TRACE_KEYS = ("matched", "higher_not_matched", "other_rows")
_ROWS = TypeAdapter(list[RowTrace])


class Decision(_Out):
    """Who must decide, and why. ``escalated`` means no row covered the case."""

    plan: PlanRef
    level: LevelRef
    escalated: bool
    reason: str
    deciding_row: str | None
    inputs: dict[str, JsonValue]
    derived: list[str]
    provisional: str | None = Field(
        default=None,
        description="For an acute case the law lets the chair of børne- og ungeudvalget decide provisionally "
        "(barnets lov § 143): how, and that the committee must approve it. The level is still the committee's.",
    )
    _explain: Callable[[], Traces] | None = PrivateAttr(default=None)
    _traces: Traces | None = PrivateAttr(default=None)

    @classmethod
    def explained_by(cls, explain: Callable[[], Traces], **fields: Any) -> Decision:
        """A decision whose traces ``explain`` builds on first use (`explain.build_decision`).

        The fields are the engine's own, already validated data: they are not validated again.
        This is what ``model_construct`` does for a model whose every field is given, without its
        generic handling of aliases and defaults (a test holds the two equal)."""
        if fields.keys() != _FIELD_NAMES:
            raise TypeError(f"Decision.explained_by needs exactly the fields {sorted(_FIELD_NAMES)}")
        decision = cls.__new__(cls)
        _set = object.__setattr__
        _set(decision, "__dict__", fields)
        _set(decision, "__pydantic_fields_set__", set(_FIELD_NAMES))
        _set(decision, "__pydantic_extra__", None)
        _set(decision, "__pydantic_private__", {"_explain": explain, "_traces": None})
        return decision

    @model_validator(mode="wrap")
    @classmethod
    def _read_traces(cls, data: Any, handler: Any) -> Any:
        # Reading JSON: the traces are data, validated like the rest (extra keys still refused).
        if not isinstance(data, dict) or not any(k in data for k in _TRACE_KEYS):
            return handler(data)
        missing = [k for k in _TRACE_KEYS if k not in data]
        if missing:
            raise ValueError(f"mangler {', '.join(missing)}")
        other = data["other_rows"]
        if not isinstance(other, int) or isinstance(other, bool):
            raise ValueError("other_rows skal være et heltal")
        decision = handler({k: v for k, v in data.items() if k not in _TRACE_KEYS})
        decision._traces = Traces(_ROWS.validate_python(data["matched"]), _ROWS.validate_python(data["higher_not_matched"]), other)
        return decision

    def _trace(self) -> Traces:
        if self._traces is None:
            if self._explain is None:
                raise ValueError("Afgørelsen mangler sin forklaring (matched, higher_not_matched, other_rows).")
            self._traces = self._explain()
            self._explain = None
        return self._traces

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented pattern
    @property
    def matched(self) -> list[RowTrace]:
        """The rows the case meets: the deciding level's first, then lower ones (never lowering it)."""
        return self._trace().matched

    @computed_field  # type: ignore[prop-decorator]
    @property
    def higher_not_matched(self) -> list[RowTrace]:
        """Rows above the decided level, about the case's own area and paragraph, that fail."""
        return self._trace().higher_not_matched

    @computed_field(description="Rows above the level about another area or paragraph (not listed).")  # type: ignore[prop-decorator]
    @property
    def other_rows(self) -> int:
        return self._trace().other_rows

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Decision):
            return NotImplemented
        return self.model_dump() == other.model_dump()

    __hash__ = None  # type: ignore[assignment]  # equal by content, and mutable traces

    def to_json(self) -> str:
        return self.model_dump_json(indent=2)


_FIELD_NAMES = frozenset(Decision.model_fields)
