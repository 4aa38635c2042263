"""The loaded, cross-checked plan: what the engine and the reference evaluator run."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar, Literal, Union

from ..danish import format_number
from ..law import OUTSIDE_MUNICIPALITY, ConsentRule, Floor, consent_rule, floor_for
from .input_kinds import KINDS
from .operators import OPERATORS, Operator
from .parts import Check, Committee, ConsentRole, DocumentType, EnumValue, InputSpec, LadderStep, Level, PlanMeta, RequirementDoc, Value, as_json


def or_list(items: list[str]) -> str:
    """'1, 2 eller 3'."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} eller {items[-1]}"


@dataclass(frozen=True)
class OneOf:
    """A row's condition: the input is one of ``values`` (an enum's codes, or whole numbers)."""

    input: str
    values: tuple[Value, ...]
    operator: ClassVar[Operator] = OPERATORS["in"]

    @property
    def op(self) -> str:
        return "in"

    @property
    def value(self) -> tuple[Value, ...]:
        return self.values

    @property
    def single(self) -> Value | None:
        """The one value this condition allows, if it lists exactly one (an implication then
        fills the input in when a case leaves it out)."""
        return self.values[0] if len(self.values) == 1 else None

    def holds(self, actual: Value) -> bool:
        """Whether a present, validated value meets this condition."""
        return actual in self.values

    def describe(self, spec: InputSpec) -> str:
        """Danish text, e.g. 'Område: Børn og unge'; enum values by their labels."""
        kind = KINDS[spec.type]
        return f"{spec.label}: {or_list([kind.show(spec, v, unit=False) for v in self.values])}"


@dataclass(frozen=True)
class Compare:
    """A row's condition: the input compared with one value, equal (``eq``) or a bound (``gte`` …)."""

    input: str
    operator: Operator
    value: Value

    @property
    def op(self) -> str:
        return self.operator.name

    @property
    def single(self) -> Value | None:
        """None: only a one-value `OneOf` fills in an implied input (as the rule format says)."""
        return None

    def holds(self, actual: Value) -> bool:
        """Whether a present, validated value meets this condition (validated first, so a bool
        never meets an int here)."""
        return self.operator.test(actual, self.value)

    def describe(self, spec: InputSpec) -> str:
        """Danish text, e.g. 'Månedlig udgift ≥ 30.000 kr./md.'."""
        kind = KINDS[spec.type]
        if self.operator.name == "eq" or not kind.numeric:
            return f"{spec.label}: {kind.show(spec, self.value)}"
        return f"{spec.label} {self.operator.symbol} {format_number(self.value, spec.unit)}"


#: One condition of a row on one input; the operator's behaviour is in `plan.operators`.
Term = Union[OneOf, Compare]


def make_term(input: str, op: str, value: Value | tuple[Value, ...]) -> Term:
    """The typed condition for ``input op value`` from rule data (``in`` takes a tuple)."""
    if op == "in":
        return OneOf(input, value if isinstance(value, tuple) else (value,))
    if isinstance(value, tuple):  # the loader gives a list of values to ``in`` only
        raise TypeError(f"{op} compares with one value, not a list")
    return Compare(input, OPERATORS[op], value)


@dataclass(frozen=True)
class PlanRow:
    """A decision row after loading: conditions parsed, level ranked, origin kept."""

    id: str
    level: str
    rank: int
    terms: tuple[Term, ...]
    reference: str
    note: str
    law: bool
    file: str

    @property
    def inputs(self) -> frozenset[str]:
        return frozenset(t.input for t in self.terms)


@dataclass(frozen=True)
class PlanRequirement:
    """A documentation requirement after loading: conditions parsed, parameters resolved."""

    code: str
    title: str
    severity: Literal["fejl", "advarsel"]
    terms: tuple[Term, ...]
    min_rank: int | None
    unknown_applies: bool
    check: Check
    max_age_days: int | None
    message: str
    hint: str
    reference: str
    doc: RequirementDoc
    file: str

    @property
    def blocks(self) -> bool:
        """A 'fejl' keeps the submission off the agenda; an 'advarsel' does not."""
        return self.severity == "fejl"


#: What a compiled rule does when it fires first: decide at its row's level, refuse because an
#: input that could lift the case is missing, or escalate because no row covers the case.
ROW, NEEDS, NOMATCH = "row", "needs", "nomatch"


@dataclass(frozen=True)
class RuleSpec:
    """One durable-rules rule, in priority order."""

    name: str
    kind: str
    row: PlanRow | None
    condition: dict[str, Any]
    alternatives: int

    @cached_property
    def outcome(self) -> Outcome:
        """What this rule decides when it fires first (one object per rule)."""
        return Outcome.of(self)


@dataclass(frozen=True)
class Outcome:
    """What fired first in priority order: a row, a missing-input guard, or the catch-all."""

    kind: str
    row_id: str | None
    rank: int | None

    @classmethod
    def of(cls, spec: RuleSpec) -> Outcome:
        if spec.row is None:
            return cls(spec.kind, None, None)
        return cls(spec.kind, spec.row.id, spec.row.rank)


@dataclass(frozen=True)
class MeetingBody:
    """A body a committee meeting can belong to: one of the plan's committees, or a committee
    level the plan does not split (børne- og ungeudvalget). ``areas`` is None when it takes every
    area. A body outside the municipality (Familieretshuset) never holds a municipal meeting."""

    id: str
    name: str
    level: str
    rank: int
    areas: tuple[str, ...] | None


@dataclass(frozen=True, eq=False)
class Plan:
    """A validated kompetenceplan. Build it with `load_plan`, never by hand."""

    meta: PlanMeta
    levels: tuple[Level, ...]
    ladder: tuple[LadderStep, ...]
    inputs: dict[str, InputSpec]
    rows: tuple[PlanRow, ...]
    implications: dict[tuple[str, str], tuple[Term, ...]]
    path: Path
    fingerprint: str
    files: tuple[str, ...] = field(default=())
    parameters: dict[str, int] = field(default_factory=dict)
    document_types: dict[str, DocumentType] = field(default_factory=dict)
    consent_roles: dict[str, ConsentRole] = field(default_factory=dict)
    requirements: tuple[PlanRequirement, ...] = ()
    input_files: dict[str, str] = field(default_factory=dict)  # input name -> the file declaring it
    #: The plan's own bodies: committees that hold a committee level for some areas.
    committees: tuple[Committee, ...] = ()
    #: Set by the loader from the statute tables (`law`): paragraph code -> (rank of the body
    #: the law reserves it for, the floor); paragraph code -> consent rule.
    floors: dict[str, tuple[int, Floor]] = field(default_factory=dict)
    consent_codes: dict[str, ConsentRule] = field(default_factory=dict)
    #: Set by the loader: the compiled priority list (`plan.compile.rule_specs`).
    rule_specs: tuple[RuleSpec, ...] = ()
    #: What higher layers build once from this plan (the bulk router, the explanation's level
    #: references): it lives and dies with the plan, so a reloaded plan frees it.
    memo: dict[str, Any] = field(default_factory=dict, init=False, compare=False, repr=False)

    # -- the plan cache pickles the loaded data only, never what was built from it -------------
    def __getstate__(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "memo"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, memo={})

    # -- levels ---------------------------------------------------------------------------
    def rank(self, level_id: str) -> int:
        for i, level in enumerate(self.levels):
            if level.id == level_id:
                return i
        raise KeyError(level_id)

    def level(self, level_id: str) -> Level:
        return self.levels[self.rank(level_id)]

    @property
    def escalation_rank(self) -> int:
        return self.rank(self.meta.escalation_level)

    # -- committees and meetings ------------------------------------------------------------
    def committee_for(self, level_id: str, area: object) -> Committee | None:
        """The plan's committee that holds ``level_id`` for ``area`` (None: the level is not split)."""
        for c in self.committees:
            if c.level == level_id and area in c.areas:
                return c
        return None

    def meeting_bodies(self) -> tuple[MeetingBody, ...]:
        """Every body a meeting can belong to, lowest first: at or above the escalation level, a
        split level by its committees, an unsplit level itself; never a body outside the
        municipality (its cases are sent to it as an indstilling)."""
        out = []
        for i, lv in enumerate(self.levels):
            if i < self.escalation_rank or lv.body in OUTSIDE_MUNICIPALITY:
                continue
            split = [c for c in self.committees if c.level == lv.id]
            out += [MeetingBody(c.id, c.name, lv.id, i, tuple(c.areas)) for c in split] or [MeetingBody(lv.id, lv.name, lv.id, i, None)]
        return tuple(out)

    def meeting_body(self, body_id: str) -> MeetingBody | None:
        """The body a meeting of ``body_id`` belongs to, or None if no meeting can be of it."""
        return next((b for b in self.meeting_bodies() if b.id == body_id), None)

    # -- rows in engine order ---------------------------------------------------------------
    @cached_property
    def _rows_by_id(self) -> dict[str, PlanRow]:
        return {r.id: r for r in self.rows}

    def row(self, row_id: str) -> PlanRow:
        """The row with this id (ids are unique: the loader checks)."""
        return self._rows_by_id[row_id]

    @cached_property
    def ordered_rows(self) -> tuple[PlanRow, ...]:
        """Highest level first, then file order: the order durable-rules tries them (``pri``)."""
        return tuple(sorted(self.rows, key=lambda r: -r.rank))

    @cached_property
    def _term_texts(self) -> dict[Term, str]:
        terms = [t for r in self.rows for t in r.terms] + [t for r in self.requirements for t in r.terms]
        return {t: t.describe(self.inputs[t.input]) for t in terms}

    def term_text(self, term: Term) -> str:
        """The Danish text of a row's condition (computed once per plan)."""
        text = self._term_texts.get(term)
        return text if text is not None else term.describe(self.inputs[term.input])

    def value_text(self, input_name: str, value: object) -> str:
        """A case value as a caseworker reads it: an enum's label, a Danish number, ja/nej."""
        if value is None:
            return "ikke oplyst"
        if isinstance(value, bool):
            return "ja" if value else "nej"
        spec = self.inputs.get(input_name)
        if spec is not None and isinstance(value, (int, float, str)):
            return KINDS[spec.type].show(spec, value)
        if isinstance(value, (int, float)):
            return format_number(value)
        return str(value)

    def enum_value(self, input_name: str, code: str) -> EnumValue:
        values = self.inputs[input_name].values or {}
        return values[code]

    def steps(self, area: str) -> tuple[LadderStep, ...]:
        return tuple(s for s in self.ladder if s.area == area)

    def code_for(self, law: str, section: int, stk: int | None = None) -> str | None:
        """The plan's paragraph code for a provision, if it has one (with ``stk``: the code for
        that stykke, e.g. § 98, stk. 4 rather than stk. 1)."""
        for code, value in (self.inputs[self.meta.paragraph_input].values or {}).items():
            if (value.law, value.section) == (law, section) and (stk is None or value.stk == stk):
                return code
        return None

    def summary(self) -> dict[str, object]:
        """Metadata, levels, ladder and inputs as JSON-ready data (CLI `plan`, HTTP `/plan`)."""
        return {
            "plan": as_json(self.meta),
            "levels": [as_json(lv) for lv in self.levels],
            "committees": [as_json(c) for c in self.committees],
            "ladder": [as_json(s) for s in self.ladder],
            "inputs": {n: as_json(s, exclude_none=True) for n, s in self.inputs.items()},
        }

    @property
    def title(self) -> str:
        return f"{self.meta.name} ({self.meta.kommune}), version {self.meta.version}"


# -- what the statute tables say about a plan (`law`), set by the loader and checked by the cache --


def statutory_floors(plan: Plan) -> dict[str, tuple[int, Floor]]:
    """Paragraph code -> (the rank of the body the law reserves it for, the floor)."""
    bodies = {lv.body: i for i, lv in enumerate(plan.levels) if lv.body}
    out = {}
    for code, value in (plan.inputs[plan.meta.paragraph_input].values or {}).items():
        floor = floor_for(value.law, value.section, value.stk)
        if floor is not None and floor.body in bodies:
            out[code] = (bodies[floor.body], floor)
    return out


def consent_rules(plan: Plan) -> dict[str, ConsentRule]:
    """Paragraph code -> the law's consent rule, for paragraphs usable only with consent."""
    values = plan.inputs[plan.meta.paragraph_input].values or {}
    return {code: rule for code, value in values.items() if code not in plan.floors and (rule := consent_rule(value.law, value.section)) is not None}
