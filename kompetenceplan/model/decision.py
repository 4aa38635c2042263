"""The decision an advisor gets: the level, the rows that set it, and a trace of every condition.

The level and its reason are built at once; the row traces (why this level, why not higher) are
built from the same evaluation the first time they are read or serialised, so a caller that only
needs the level never pays for the explanation. A decision read back from JSON carries its
traces as given.

The classes are plain frozen dataclasses: building and writing a decision (`to_json`,
`model_dump`) never imports pydantic, so the CLI starts without it. pydantic reads decisions
(`model_validate`, `model_validate_json`) and describes them (`model_json_schema`) through one
`TypeAdapter` built on first use; the attribute docstrings are the fields' descriptions in the
JSON Schema, and a property test holds `to_json` byte-equal to pydantic's own serialiser.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, Literal, NamedTuple, Union

from ..json_edge import JSON_CONFIG, JsonEdge
from ..plan.model import Plan

JsonValue = Union[bool, int, float, str, None]

#: Bounds of the whole numbers a decision read back may carry (no plan comes near them).
MAX_RANK, MAX_ROWS = 1_000, 1_000_000


@dataclass(frozen=True, kw_only=True)
class LevelRef:
    """The level that decides: its id, name and rank (0 = lowest)."""

    __pydantic_config__ = JSON_CONFIG
    id: str
    name: str
    rank: int

    def __post_init__(self) -> None:
        if not 0 <= self.rank <= MAX_RANK:
            raise ValueError(f"rank skal være mellem 0 og {MAX_RANK}")


@dataclass(frozen=True, kw_only=True)
class ConditionTrace:
    """One condition of a row, the case's value and whether it holds (None: not given)."""

    __pydantic_config__ = JSON_CONFIG
    input: str
    text: str
    actual: JsonValue
    actual_text: str = ""
    """The case's value as a caseworker reads it (labels, Danish numbers)."""
    met: bool | None


@dataclass(frozen=True, kw_only=True)
class RowTrace:
    """One row of the plan and how the case fared against it."""

    __pydantic_config__ = JSON_CONFIG
    id: str
    level: str
    level_name: str
    status: Literal["opfyldt", "ikke opfyldt", "ukendt"]
    reference: str
    note: str
    law: bool
    file: str
    conditions: list[ConditionTrace]


@dataclass(frozen=True, kw_only=True)
class PlanRef:
    """Which plan answered."""

    __pydantic_config__ = JSON_CONFIG
    id: str
    kommune: str
    name: str
    version: str
    valid_from: str
    fingerprint: str
    """Hash of the plan files' bytes: which exact plan answered."""

    @classmethod
    def of(cls, plan: Plan) -> PlanRef:
        m = plan.meta
        return cls(id=m.id, kommune=m.kommune, name=m.name, version=m.version, valid_from=m.valid_from.isoformat(), fingerprint=plan.fingerprint)


@dataclass(frozen=True, kw_only=True)
class CommitteeRef:
    """The plan's committee that holds the level for the case's area (e.g. the visitation
    committee for adults): which meeting decides."""

    __pydantic_config__ = JSON_CONFIG
    id: str
    name: str


class Traces(NamedTuple):
    """The explanation's rows: those that set the level, those above it that fail, the rest counted."""

    matched: list[RowTrace]
    higher_not_matched: list[RowTrace]
    other_rows: int


_TRACE_KEYS = Traces._fields


@dataclass(frozen=True, kw_only=True)
class Decision(JsonEdge):
    """Who must decide, and why. ``escalated`` means no row covered the case."""

    __pydantic_config__ = JSON_CONFIG
    __hash__ = None  # type: ignore[assignment]  # equal by content; the traces are lists

    plan: PlanRef
    routed_on: str | None = None
    """The day the plan's version was chosen for (ÅÅÅÅ-MM-DD): ``decide``'s ``on``, or today."""
    level: LevelRef
    escalated: bool
    reason: str
    deciding_row: str | None
    inputs: dict[str, JsonValue]
    derived: list[str]
    provisional: str | None = None
    """For an acute case the law lets the chair of børne- og ungeudvalget decide provisionally (barnets lov § 143): how, and that the committee must approve it. The level is still the committee's."""
    committee: CommitteeRef | None = None
    """The plan's committee that holds the decided level for the case's area (None: the level is not split into committees)."""
    matched: list[RowTrace]
    """The rows the case meets: the deciding level's first, then lower ones (never lowering it)."""
    higher_not_matched: list[RowTrace]
    """Rows above the decided level, about the case's own area and paragraph, that fail."""
    other_rows: int
    """Rows above the level about another area or paragraph (not listed)."""

    @classmethod
    def explained_by(cls, explain: Callable[[], Traces], **values: Any) -> Decision:
        """A decision whose traces ``explain`` builds on first use (`explain.build_decision`).

        The values are the engine's own, already checked data: they are not validated again.
        The traces (`matched`, `higher_not_matched`, `other_rows`) are not in the instance until
        first read; `__getattr__` builds them then."""
        if values.keys() != _OWN_FIELDS:
            raise TypeError(f"Decision.explained_by needs exactly the fields {sorted(_OWN_FIELDS)}")
        decision = object.__new__(cls)
        object.__setattr__(decision, "__dict__", {**values, "_explain": explain})
        return decision

    def __getattr__(self, name: str) -> Any:
        # Called only for what the instance does not hold yet: the lazy traces.
        if name not in _TRACE_KEYS:
            raise AttributeError(name)
        own = self.__dict__
        explain = own.get("_explain")
        if explain is None:
            if name in own:  # built meanwhile by another thread
                return own[name]
            raise ValueError("Afgørelsen mangler sin forklaring (matched, higher_not_matched, other_rows).")
        for key, value in explain()._asdict().items():
            own.setdefault(key, value)  # threads that built it at once all see the first one
        own.pop("_explain", None)
        return own[name]

    def __post_init__(self) -> None:  # a decision read back from JSON (built here, never)
        if not 0 <= self.other_rows <= MAX_ROWS:
            raise ValueError(f"other_rows skal være mellem 0 og {MAX_ROWS}")

    def __getstate__(self) -> dict[str, Any]:
        """Copied or pickled with its traces built (the way to build them is not data)."""
        self.traces()
        return {k: v for k, v in self.__dict__.items() if k != "_explain"}

    @property
    def explained(self) -> bool:
        """Whether the traces have been built (or were read from JSON)."""
        return "matched" in self.__dict__

    def traces(self) -> Traces:
        return Traces(self.matched, self.higher_not_matched, self.other_rows)

    # -- the JSON edge ----------------------------------------------------------------------
    def model_dump(self, mode: Literal["python", "json"] = "python") -> dict[str, Any]:
        """The decision as plain data, traces included (every value is already a JSON type,
        so ``mode`` changes nothing; it is kept for callers written against pydantic)."""
        return _plain(self)

    def to_json(self) -> str:
        """The decision as JSON (indented by 2), without importing pydantic: a one-case CLI run
        stays fast. A property test holds it byte-equal to pydantic's `TypeAdapter.dump_json`."""
        return json.dumps(_plain(self), ensure_ascii=False, indent=2, allow_nan=False)


_OWN_FIELDS = frozenset(f.name for f in fields(Decision)) - set(_TRACE_KEYS)
_FIELDS = {cls: tuple(f.name for f in fields(cls)) for cls in (LevelRef, CommitteeRef, ConditionTrace, RowTrace, PlanRef, Decision)}


def _plain(value: Any) -> Any:
    """Dataclasses as dicts in field order (the traces built if they were not), recursively."""
    names = _FIELDS.get(type(value))
    if names is not None:
        return {name: _plain(getattr(value, name)) for name in names}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value
