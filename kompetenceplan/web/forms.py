"""The advisor's form, generated from the plan's declared inputs (numbers are read by `danish`).

Nothing here knows a paragraph, an area or an input name: fields, groups, steps, units, what is
required and what is derived all come from the loaded plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ..danish import NUMBER_HELP as NUMBER_HELP
from ..danish import NumberTextError as NumberTextError
from ..danish import parse_danish_number as parse_danish_number
from ..errors import KompetenceplanError
from ..plan.input_kinds import ValueTextError, kind_of
from ..plan.model import OneOf, Plan, format_number
from ..plan.parts import LadderStep


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    area: str = ""  # the area this value implies, for the step picker


@dataclass(frozen=True)
class OptionGroup:
    label: str
    options: tuple[Option, ...]


@dataclass(frozen=True)
class StepGroup:
    area: str
    label: str
    steps: tuple[LadderStep, ...]


@dataclass(frozen=True)
class Field:
    """One control of the advisor's form."""

    name: str
    label: str
    kind: str  # select, steps, number, bool
    required: bool
    description: str = ""
    unit: str = ""
    integer: bool = False
    derived: str = ""  # how the value is derived when left empty
    conditions: tuple[str, ...] = ()  # when an optional field must be given
    groups: tuple[OptionGroup, ...] = ()
    steps: tuple[StepGroup, ...] = ()
    bounds: str = ""


@dataclass(frozen=True)
class AdvisorForm:
    fields: tuple[Field, ...]
    area_input: str
    paragraph_input: str
    step_input: str
    derived_from: dict[str, str] = field(default_factory=dict)  # always-derived input -> its source

    def get(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


def _implied_areas(plan: Plan, name: str, code: str) -> list[str]:
    area = plan.meta.area_input
    for term in plan.implications.get((name, code), ()):
        if term.input == area and isinstance(term, OneOf):
            return [str(v) for v in term.values]
    return []


def _derivations(plan: Plan) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Inputs the engine fills in when the case leaves them out, with a Danish note how: those
    always derived (every value of an enum input implies one value) and those only sometimes,
    and for the former the enum input they come from."""
    always: dict[str, str] = {}
    sometimes: dict[str, str] = {}
    sources: dict[str, str] = {}
    for name, spec in plan.inputs.items():
        codes = list(spec.values or {})
        single: dict[str, int] = {}
        for code in codes:
            for term in plan.implications.get((name, code), ()):
                if term.single is not None:
                    single[term.input] = single.get(term.input, 0) + 1
        for target, count in single.items():
            if count == len(codes):
                always.setdefault(target, f"Udledes af {spec.label.lower()}, når den er valgt.")
                sources.setdefault(target, name)
            else:
                sometimes.setdefault(target, f"Udledes af {spec.label.lower()}, når den kun tillader én værdi; ellers skal feltet udfyldes.")
    for name, spec in plan.inputs.items():
        if spec.default_product:
            factors = " × ".join(plan.inputs[f].label.lower() for f in spec.default_product)
            always[name] = f"Udfyldes feltet ikke, beregnes det som {factors}."
    return always, {k: v for k, v in sometimes.items() if k not in always}, sources


def _conditions(plan: Plan) -> dict[str, list[str]]:
    """Optional inputs that an enum value makes necessary (e.g. the child's age for children)."""
    out: dict[str, list[str]] = {}
    for _name, spec in plan.inputs.items():
        for _code, value in (spec.values or {}).items():
            for req in value.requires:
                out.setdefault(req, []).append(f"Skal udfyldes, når {spec.label.lower()} er {value.label}.")
    return out


@lru_cache(maxsize=16)
def advisor_form(plan: Plan) -> AdvisorForm:
    """The form's fields in the order an advisor thinks: legal basis, area, step, then the rest."""
    m = plan.meta
    derived, partly, sources = _derivations(plan)
    conditions = _conditions(plan)
    first = [n for n in (m.paragraph_input, m.area_input, m.step_input) if n in plan.inputs]
    order = first + [n for n in plan.inputs if n not in first]
    area_values = plan.inputs[m.area_input].values or {} if m.area_input in plan.inputs else {}
    fields = []
    for name in order:
        spec = plan.inputs[name]
        note = derived.get(name, "")
        common: dict[str, Any] = {
            "name": name,
            "label": spec.label,
            "required": spec.required and not note,
            "description": spec.description,
            "unit": spec.unit,
            "derived": note or partly.get(name, ""),
            "conditions": tuple(conditions.get(name, ())),
        }
        if spec.at_least:
            common["conditions"] += (f"Mindst {plan.inputs[spec.at_least].label.lower()}.",)
        if name == m.step_input:
            steps = tuple(StepGroup(area, area_values[area].label if area in area_values else area, plan.steps(area)) for area in dict.fromkeys(s.area for s in plan.ladder))
            fields.append(Field(kind="steps", integer=True, steps=steps, **common))
        elif kind_of(spec).widget == "select":
            by_area: dict[str, list[Option]] = {}
            for code, value in (spec.values or {}).items():
                areas = _implied_areas(plan, name, code) if name != m.area_input else []
                key = areas[0] if len(areas) == 1 else ""
                by_area.setdefault(key, []).append(Option(code, value.label, key))
            groups = tuple(
                OptionGroup(area_values[k].label if k in area_values else ("Øvrige" if len(by_area) > 1 else ""), tuple(opts))
                for k, opts in sorted(by_area.items(), key=lambda kv: (kv[0] == "", list(area_values).index(kv[0]) if kv[0] in area_values else 0))
            )
            fields.append(Field(kind="select", groups=groups, **common))
        elif kind_of(spec).widget == "bool":
            fields.append(Field(kind="bool", **common))
        else:
            bounds = f"mellem {format_number(spec.min or 0)} og {format_number(spec.max or 0, spec.unit)}".rstrip(".")
            fields.append(Field(kind="number", integer=kind_of(spec).python_type is int, bounds=bounds, **common))
    return AdvisorForm(tuple(fields), m.area_input, m.paragraph_input, m.step_input, sources)


def case_from_form(plan: Plan, form: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The case a filled-in form describes, and the fields whose text could not be read.

    Only the plan's inputs are read; empty fields are left out (the case validation then asks
    for required ones, and derives what it can). Messages never repeat what was typed.
    """
    case: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, spec in plan.inputs.items():
        raw = form.get(name)
        if not isinstance(raw, str) or not raw.strip():
            continue
        try:
            case[name] = kind_of(spec).parse_text(spec, raw.strip())
        except ValueTextError as exc:
            errors[name] = str(exc)[:1].upper() + str(exc)[1:]
    return case, errors


_CHOICE_FIX = {"select": "Vælg i listen.", "steps": "Vælg et trin.", "bool": "Vælg ja eller nej."}


@dataclass
class FieldErrors:
    """Errors from the case validation, by form field; the rest are shown above the form."""

    fields: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    def add(self, plan: Plan, error: KompetenceplanError, form: AdvisorForm | None = None, prefix: str = "sagen") -> None:
        """The library's problems, worded for a form: the field's label instead of its input name,
        and "choose in the list" instead of a list of codes."""
        for p in error.problems:
            head, _, rest = p.where.partition(".")
            name = rest.split(".", 1)[0] if head == prefix else ""
            if name not in plan.inputs:
                self.general.append(f"{p.where}: {p.what} {p.fix}".strip())
                continue
            if name in self.fields:
                continue
            spec = plan.inputs[name]
            what = "mangler." if p.what == f"mangler ({spec.label})." else p.what
            f = form.get(name) if form else None
            fix = _CHOICE_FIX.get(f.kind, p.fix) if f else p.fix
            fix = fix.replace(f"Angiv {name} ", f"Angiv {spec.label.lower()} ").replace(f"Oplys {name} ", f"Oplys {spec.label.lower()} ")
            text = f"{what} {fix}".strip()
            self.fields[name] = text[:1].upper() + text[1:]
        if not error.problems:
            self.general.append(error.title)
        if form:
            # A derived field is "missing" only because its source is: name the source alone.
            for target, source in form.derived_from.items():
                if source in self.fields and self.fields.get(target, "").startswith("Mangler."):
                    del self.fields[target]
