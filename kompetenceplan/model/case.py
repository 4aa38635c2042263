"""Strict validation of a case against the plan's declared inputs, before any engine sees it.

durable-rules silently compares a string with a number as text, treats true as 1, never matches
null and errors on inf (DESIGN.md). So every value is checked and typed here, and errors name the
field, never the value: a case can hold personal data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from ..errors import CaseError, Problem
from ..plan.input_kinds import FLOAT_NOISE, kind_of
from ..plan.model import Plan, Value, format_number
from ..plan.parts import RESERVED_INPUT_NAMES

DESCRIPTION_KEY = "beskrivelse"
MAX_DESCRIPTION = 2000


@dataclass(frozen=True)
class ValidatedCase:
    """A case's inputs, typed and complete as far as the plan requires. Read-only."""

    values: Mapping[str, Value]
    derived: tuple[str, ...] = ()

    def get(self, name: str) -> Value | None:
        return self.values.get(name)


def validate_case(plan: Plan, data: Any, where: str = "sagen") -> ValidatedCase:
    """Check ``data`` (a JSON object) against the plan's inputs; raise `CaseError` on any problem.
    Every step below adds its problems to one list, in this order, so the caseworker sees them all."""
    if not isinstance(data, Mapping):
        raise CaseError(
            "Sagen kan ikke afgøres.",
            [Problem(where, "skal være et JSON-objekt med sagens oplysninger.", 'Skriv fx {"paragraf": "bl-32-1-5", "trin": 3, ...}.')],
        )
    problems: list[Problem] = []
    values = _typed_values(plan, data, where, problems)
    derived = _fill_implied(plan, data, values)
    _required(plan, values, where, problems)
    _what_a_value_needs(plan, values, where, problems)
    consent = _consent_problem(plan, values, where)
    if consent is not None and not _reported(problems, consent.where):
        problems.append(consent)
    _at_least(plan, values, where, problems)
    derived += _products(plan, values, where, problems)
    _on_the_ladder(plan, values, where, problems)
    if problems:
        raise CaseError("Sagen kan ikke afgøres: oplysningerne passer ikke til kompetenceplanen.", problems)
    return ValidatedCase(MappingProxyType(values), tuple(derived))


def _typed_values(plan: Plan, data: Mapping[Any, Any], where: str, problems: list[Problem]) -> dict[str, Value]:
    """Every given value of a declared input, in its kind's type; the other keys refused."""
    values: dict[str, Value] = {}
    for position, key in enumerate(data, 1):
        if not isinstance(key, str):
            problems.append(Problem(where, "en nøgle er ikke tekst.", "Brug inputnavnene fra planen."))
        elif key == DESCRIPTION_KEY:
            if not isinstance(data[key], str) or len(data[key]) > MAX_DESCRIPTION:
                problems.append(Problem(f"{where}.{key}", f"skal være tekst på højst {MAX_DESCRIPTION} tegn.", "Ret eller fjern beskrivelsen."))
        elif key in RESERVED_INPUT_NAMES:
            problems.append(Problem(f"{where}.{key}", "nøglen er reserveret af regelmotoren og må ikke sendes med.", "Fjern nøglen; brug 'beskrivelse' til fritekst."))
        elif key not in plan.inputs:
            # Shown by position, never by name: a key can be personal data (a CPR number, a name).
            problems.append(Problem(f"{where}.ukendt felt nr. {position}", "ukendt oplysning; planen erklærer den ikke.", f"Brug et af: {', '.join(plan.inputs)}."))
        elif data[key] is not None:
            spec = plan.inputs[key]
            typed = kind_of(spec).typed(spec, data[key], f"{where}.{key}", problems)  # never echoes the value
            if typed is not None:
                values[key] = typed
    return values


def _fill_implied(plan: Plan, data: Mapping[Any, Any], values: dict[str, Value]) -> list[str]:
    """A value can imply another input's only possible value (a Barnets lov paragraph is always
    område børn): fill it in, and say so in the decision (the texts returned)."""
    derived: list[str] = []
    for (name, code), terms in plan.implications.items():
        if values.get(name) != code:
            continue
        for term in terms:
            if term.input not in values and data.get(term.input) is None and term.single is not None:
                values[term.input] = term.single
                derived.append(implied_text(plan, term.input, name, code))
    return derived


def _required(plan: Plan, values: Mapping[str, Value], where: str, problems: list[Problem]) -> None:
    for name, spec in plan.inputs.items():
        if spec.required and name not in values and not _reported(problems, f"{where}.{name}"):
            problems.append(Problem(f"{where}.{name}", f"mangler ({spec.label}).", kind_of(spec).hint(spec, name)))


def _what_a_value_needs(plan: Plan, values: Mapping[str, Value], where: str, problems: list[Problem]) -> None:
    """An enum value's required inputs ("skal oplyses, når …") and implied conditions."""
    for name, value in list(values.items()):
        spec = plan.inputs[name]
        if not spec.values or not isinstance(value, str):
            continue
        for req in spec.values[value].requires:
            if req not in values and not _reported(problems, f"{where}.{req}"):
                problems.append(Problem(f"{where}.{req}", f"skal oplyses, når {spec.label} er {value}.", kind_of(plan.inputs[req]).hint(plan.inputs[req], req)))
        for term in plan.implications.get((name, value), ()):
            if term.input in values and not term.holds(values[term.input]):
                problems.append(
                    Problem(
                        f"{where}.{term.input}",
                        f"passer ikke med {spec.label} {value}: kræver at {term.describe(plan.inputs[term.input])}.",
                        "Ret oplysningen eller paragraffen.",
                    )
                )


def _at_least(plan: Plan, values: Mapping[str, Value], where: str, problems: list[Problem]) -> None:
    for name, spec in plan.inputs.items():
        if spec.at_least and _number(values.get(name)) < _number(values.get(spec.at_least), float("-inf")):
            other = plan.inputs[spec.at_least]
            problems.append(Problem(f"{where}.{name}", f"er mindre end {other.label} ({spec.at_least}), som den skal omfatte.", f"{spec.label} skal være mindst {other.label}."))


def _products(plan: Plan, values: dict[str, Value], where: str, problems: list[Problem]) -> list[str]:
    """Values derived as a product (a total = monthly cost × duration) when not given; a given one
    checked against it. Returns what the decision says about the derived ones."""
    derived: list[str] = []
    for name, spec in plan.inputs.items():
        if not spec.default_product or not all(f in values for f in spec.default_product):
            continue
        # default_product names numeric inputs only (checked at load), so these are numbers.
        product = kind_of(spec).product(values[f] for f in spec.default_product)
        if name in values:
            # A total below monthly cost × duration contradicts the case and could route it
            # below the level its real total requires: refuse, do not guess which is right.
            if _number(values[name]) < product - FLOAT_NOISE:
                factors = " × ".join(plan.inputs[f].label.lower() for f in spec.default_product)
                problems.append(Problem(f"{where}.{name}", f"er mindre end {factors}.", f"Ret beløbene, eller udelad {name}, så den beregnes."))
            continue
        if spec.max is not None and product > spec.max:
            problems.append(
                Problem(f"{where}.{name}", f"den udledte værdi ({' × '.join(spec.default_product)}) overstiger {format_number(spec.max, spec.unit).rstrip('.')}.", "Kontrollér beløb og varighed.")
            )
            continue
        values[name] = product
        derived.append(product_text(plan, name))
    return derived


def _on_the_ladder(plan: Plan, values: Mapping[str, Value], where: str, problems: list[Problem]) -> None:
    area, step = values.get(plan.meta.area_input), values.get(plan.meta.step_input)
    if area is not None and step is not None and not any(s.area == area and s.step == step for s in plan.ladder):
        steps = ", ".join(str(s.step) for s in plan.steps(str(area)))
        problems.append(Problem(f"{where}.{plan.meta.step_input}", f"trinnet findes ikke på indsatstrappen for {area}.", f"Brug et af trinnene: {steps}."))


def implied_text(plan: Plan, target: str, name: str, code: str) -> str:
    """What the decision says when ``name = code`` filled in ``target`` (shared with the compiled validator)."""
    return f"{plan.inputs[target].label} er udledt af {plan.inputs[name].label.lower()}: {plan.value_text(name, code)}."


def product_text(plan: Plan, name: str) -> str:
    """What the decision says when ``name`` was computed from its ``default_product``."""
    spec = plan.inputs[name]
    return f"{spec.label} er beregnet som {' × '.join(plan.inputs[f].label for f in spec.default_product or [])}."


def _number(value: Value | None, missing: float = float("inf")) -> float:
    """A numeric input's value (the loader declares which inputs are numbers); ``missing`` for
    one not given, so a comparison with it never holds."""
    return missing if value is None or isinstance(value, str) else float(value)


def _consent_problem(plan: Plan, values: Mapping[str, Value], where: str) -> Problem | None:
    """Barnets lov §§ 32, 46 and 98, stk. 1, and serviceloven §§ 107 and 108 can only be used with
    consent (law.CONSENT_RULES). Without it the case belongs under another paragraph (§ 47:
    børne- og ungeudvalget; serviceloven § 129: Familieretshuset), so it is refused, never routed
    at the consent paragraph's lower level; unknown consent is asked for, not assumed."""
    code = values.get(plan.meta.paragraph_input)
    rule = plan.consent_codes.get(code) if isinstance(code, str) else None
    name = plan.meta.consent_input
    if rule is None or name is None or values.get(name) is True:
        return None
    spec = plan.inputs[name]
    if name not in values:
        return Problem(f"{where}.{name}", f"mangler ({spec.label}): {rule.reference} kræver samtykke.", f"Angiv {name} = true, hvis samtykket foreligger.")
    codes = [(code, i.what) for i in rule.instead if (code := plan.code_for(i.law, i.section, i.stk)) is not None]
    named = " eller ".join(f"{code} ({what})" if what else code for code, what in codes)
    fix = rule.fix or (f"Brug paragraf {named}." if codes else "Brug den paragraf, der gælder uden samtykke.")
    return Problem(f"{where}.{name}", rule.without, fix)


def _reported(problems: list[Problem], where: str) -> bool:
    return any(p.where == where for p in problems)
