"""The parts of a loaded plan as plain, frozen data: what the engine, the texts and the checks read.

The rule-data format (`plan.schema`) validates a TOML file with pydantic; the loader then copies
each validated section into these classes (`of`), field for field (a test holds the names equal).
Keeping pydantic out of a loaded plan lets the CLI start without it and a plan be cached
(`plan.cache`). Field meanings and limits are documented in `plan.schema`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, fields
from typing import Any, Literal, Union

#: A typed case value (an input's kinds: `plan.input_kinds`).
Value = Union[bool, int, float, str]

#: Names a plan may not give an input: durable-rules reserves ``id`` and ``sid``; the engine adds
#: ``kind`` and ``cid`` to every event; ``beskrivelse`` is the free-text field of a case.
RESERVED_INPUT_NAMES = frozenset({"id", "sid", "kind", "cid", "beskrivelse"})


@dataclass(frozen=True)
class PlanMeta:
    id: str
    kommune: str
    name: str
    version: str
    valid_from: dt.date
    valid_to: dt.date | None
    price_year: int
    source: str
    note: str
    escalation_level: str
    area_input: str
    step_input: str
    paragraph_input: str
    consent_input: str | None
    urgent_input: str | None


@dataclass(frozen=True)
class Level:
    id: str
    name: str
    description: str
    body: str | None
    decided_by: str


@dataclass(frozen=True)
class Committee:
    id: str
    level: str
    areas: list[str]
    name: str
    decided_by: str


@dataclass(frozen=True)
class LadderStep:
    area: str
    step: int
    name: str
    description: str
    examples: list[str]


@dataclass(frozen=True)
class EnumValue:
    label: str
    law: str | None
    section: int | None
    stk: int | None
    requires: list[str]
    implies: dict[str, Any]


@dataclass(frozen=True)
class InputSpec:
    type: Literal["int", "number", "bool", "enum"]
    label: str
    description: str
    unit: str
    required: bool
    min: int | float | None
    max: int | float | None
    values: dict[str, EnumValue] | None
    at_least: str | None
    default_product: list[str] | None
    monotone: bool


@dataclass(frozen=True)
class DocumentType:
    label: str
    description: str


@dataclass(frozen=True)
class ConsentRole:
    label: str


@dataclass(frozen=True)
class RequirementDoc:
    what: str
    why: str
    example: str
    fix: str


RequirementKind = Literal["document", "fields", "consent", "child_view", "alternatives", "economy", "hearing", "siblings"]


@dataclass(frozen=True)
class Check:
    kind: RequirementKind
    types: list[str]
    max_age_days: str | int | None
    signed: bool
    approved: bool
    only_if_present: bool
    or_paths: list[str]
    paths: list[str]
    roles: list[str]
    any_role: bool
    covers_purpose: bool
    monthly_input: str | None
    duration_input: str | None


PARTS: dict[str, type] = {cls.__name__: cls for cls in (PlanMeta, Level, Committee, LadderStep, EnumValue, InputSpec, DocumentType, ConsentRole, RequirementDoc, Check)}


def of(model: Any) -> Any:
    """The plain copy of a validated rule-format section (`plan.schema` model of the same name)."""
    cls = PARTS[type(model).__name__]
    return cls(**{f.name: _plain(getattr(model, f.name)) for f in fields(cls)})


def _plain(value: Any) -> Any:
    if type(value).__name__ in PARTS and not dataclasses.is_dataclass(value):
        return of(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def as_json(part: Any, exclude_none: bool = False) -> dict[str, Any]:
    """A part as JSON-ready data, in field order (dates as ISO text), like the rule format's dump."""
    out: dict[str, Any] = {}
    for f in fields(part):
        value = _json(getattr(part, f.name), exclude_none)
        if not (exclude_none and value is None):
            out[f.name] = value
    return out


def _json(value: Any, exclude_none: bool) -> Any:
    if type(value).__name__ in PARTS and not isinstance(value, type):
        return as_json(value, exclude_none)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _json(v, exclude_none) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json(v, exclude_none) for v in value]
    return value
