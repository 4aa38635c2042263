"""The bulk path for audits of many cases: fast validation and a compiled router.

`decide` answers one case for one advisor: durable-rules, checked against the reference
evaluator, with a full explanation. An audit ("which level should each of last year's 40,000
decisions have had?") needs the level alone, many times. This module compiles the plan's priority
list (`rule_specs`, the same one durable-rules runs) into one Python function, and validates the
common shape of a case with plain type checks. Anything unusual (a missing field, a wrong type,
a value to derive or infer) takes the strict path, `validate_case`, so errors are the same.
Property tests check both against `validate_case` and the reference evaluator.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from ..case import FLOAT_NOISE, NUMBER_DECIMALS, ValidatedCase, validate_case
from ..errors import CaseError
from ..plan.compile import NOMATCH, ROW, Outcome, RuleSpec
from ..plan.model import OneOf, Plan, Term, Value


@dataclass(frozen=True)
class BulkResult:
    """One case's outcome: the level, the deciding row, or the error that stopped it."""

    index: int
    level: str | None
    row: str | None
    escalated: bool
    error: CaseError | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"index": self.index, "level": self.level, "row": self.row, "escalated": self.escalated}
        if self.error is not None:
            out["error"] = self.error.to_dict()
        return out


class CompiledPlan:
    """A plan compiled for bulk use: ``route(values)`` returns the first rule hit."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.specs: tuple[RuleSpec, ...] = plan.rule_specs
        self.outcomes = [Outcome.of(s) for s in self.specs]
        self.route: Callable[[Mapping[str, Value]], int] = self._compile()
        self._fast = _FastValidator(plan)

    def _compile(self) -> Callable[[Mapping[str, Value]], int]:
        names = sorted(self.plan.inputs)
        local = {name: f"v{i}" for i, name in enumerate(names)}
        constants: dict[str, Any] = {}
        lines = ["def route(values):"]
        lines += [f"    {local[n]} = values.get({n!r})" for n in names]

        def term_code(term: Term, optional: bool) -> str:
            var = local[term.input]
            const = f"C{len(constants)}"
            constants[const] = frozenset(term.values) if isinstance(term, OneOf) else term.value
            code = f"{var} {term.operator.python} {const}"
            return f"({var} is not None and {code})" if optional else f"({code})"

        for i, spec in enumerate(self.specs):
            if spec.kind == NOMATCH:
                lines.append(f"    return {i}")
                break
            assert spec.row is not None
            terms = spec.row.terms
            if spec.kind == ROW:
                cond = " and ".join(term_code(t, not self.plan.inputs[t.input].required) for t in terms)
            else:  # NEEDS: every condition met or its input missing, and some optional input missing
                missing = sorted({t.input for t in terms if not self.plan.inputs[t.input].required})
                parts = [f"({local[t.input]} is None or {term_code(t, False)})" if t.input in missing else term_code(t, False) for t in terms]
                parts.append("(" + " or ".join(f"{local[m]} is None" for m in missing) + ")")
                cond = " and ".join(parts)
            lines.append(f"    if {cond}:")
            lines.append(f"        return {i}")
        namespace: dict[str, Any] = dict(constants)
        exec("\n".join(lines), namespace)  # noqa: S102 - source built from validated plan data only
        return namespace["route"]

    def validate(self, case: Any, where: str = "sagen") -> ValidatedCase:
        """Like `validate_case` (same values, same errors), faster for the common shape."""
        found = self._fast(case)
        if found is None:
            return validate_case(self.plan, case, where=where)
        return found


class _FastValidator:
    """Plain type and range checks for a case that gives every input it needs in plain form.
    Returns None whenever the strict path is needed (so it never accepts what it should not)."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.allowed = set(plan.inputs) | {"beskrivelse"}
        self.checks: list[tuple[str, str, Any, Any, bool]] = []  # (name, kind, allowed or min, max, required)
        for name, spec in plan.inputs.items():
            if spec.type == "enum":
                self.checks.append((name, "enum", frozenset(spec.values or {}), None, spec.required))
            elif spec.type == "bool":
                self.checks.append((name, "bool", None, None, spec.required))
            else:
                self.checks.append((name, spec.type, spec.min, spec.max, spec.required))
        # Implications and requirements indexed by (input, value), so a case only looks up its own;
        # each with its place in the plan's order and the text validate_case gives a filled value.
        self.enum_inputs = [n for n, spec in plan.inputs.items() if spec.type == "enum"]
        self.implied: dict[str, dict[str, tuple[int, tuple[Term, ...], tuple[str, ...]]]] = {}
        for order, ((name, code), terms) in enumerate(plan.implications.items()):
            texts = tuple(f"{plan.inputs[t.input].label} er udledt af {plan.inputs[name].label.lower()}: {plan.value_text(name, code)}." for t in terms)
            self.implied.setdefault(name, {})[code] = (order, tuple(terms), texts)
        self.product_texts = {n: f"{s.label} er beregnet som {' × '.join(plan.inputs[f].label for f in s.default_product or [])}." for n, s in plan.inputs.items() if s.default_product}
        self.steps = {(s.area, s.step) for s in plan.ladder}
        self.derived = [(n, s) for n, s in plan.inputs.items() if s.default_product]
        self.at_least = [(n, s.at_least) for n, s in plan.inputs.items() if s.at_least]
        self.requires = {n: {code: tuple(v.requires) for code, v in (s.values or {}).items() if v.requires} for n, s in plan.inputs.items() if s.type == "enum"}

    def __call__(self, case: Any) -> ValidatedCase | None:
        if type(case) is not dict or not self.allowed.issuperset(case):
            return None
        if "beskrivelse" in case and (type(case["beskrivelse"]) is not str or len(case["beskrivelse"]) > 2000):
            return None
        values: dict[str, Value] = {}
        missing = []
        for name, kind, a, b, required in self.checks:
            v = case.get(name)
            if v is None:
                if required:
                    missing.append(name)
                continue
            t = type(v)
            if kind == "enum":
                if t is not str or v not in a:
                    return None
            elif kind == "bool":
                if t is not bool:
                    return None
            elif kind == "int":
                if t is not int or not a <= v <= b:
                    return None
            else:
                if (t is not float and t is not int) or not (a <= v <= b) or (t is float and not math.isfinite(v)):
                    return None
                r = round(float(v), NUMBER_DECIMALS) + 0.0
                if abs(r - v) > FLOAT_NOISE:
                    return None
                v = r
            values[name] = v
        # As validate_case: a value that implies another input's only possible value fills it in
        # (in the plan's order of implications, with the same words).
        found = sorted(hit for n in self.enum_inputs if n in values for hit in (self.implied.get(n, {}).get(str(values[n])),) if hit is not None)
        implied = [t for _, terms, _ in found for t in terms]
        derived: list[str] = []
        for _, terms, texts in found:
            for term, text in zip(terms, texts, strict=True):
                if term.input not in values and term.single is not None:
                    values[term.input] = term.single
                    derived.append(text)
        if missing and any(name not in values for name in missing):
            return None
        for term in implied:
            x = values.get(term.input)
            if x is not None and not term.holds(x):
                return None
        for n in self.enum_inputs:
            needed = self.requires[n].get(values.get(n))  # type: ignore[arg-type]
            if needed and any(r not in values for r in needed):
                return None
        for name, other in self.at_least:
            if name in values and other in values and values[name] < values[other]:  # type: ignore[operator]
                return None
        for name, spec in self.derived:
            factors = spec.default_product or []
            if not all(f in values for f in factors):
                continue
            # As validate_case: default_product names numeric inputs only (checked at load).
            product: int | float = math.prod(float(values[f]) for f in factors)
            product = int(product) if spec.type == "int" else float(product)
            if name in values:
                if values[name] < product - FLOAT_NOISE:  # type: ignore[operator]
                    return None
                continue
            if product > spec.max:  # type: ignore[operator]
                return None
            values[name] = product
            derived.append(self.product_texts[name])
        meta = self.plan.meta
        if (values[meta.area_input], values[meta.step_input]) not in self.steps:
            return None
        if values[meta.paragraph_input] in self.plan.consent_codes and values.get(meta.consent_input or "") is not True:
            return None  # consent missing or refused: the strict path says why
        return ValidatedCase(MappingProxyType(values), tuple(derived))


def compiled(plan: Plan) -> CompiledPlan:
    """The plan's compiled router and validator, built once per loaded plan (kept on the plan)."""
    found = plan.memo.get("bulk")
    if found is None:
        found = plan.memo["bulk"] = CompiledPlan(plan)
    return found
