"""Hypothesis strategies that generate cases from a plan's own declarations (no plan-specific code).

Values cluster around the plan's thresholds (the boundaries where levels change) and spread over
the declared domain; the paragraph's implications (area, steps, ages) are respected, so every
generated case is valid unless a test corrupts it on purpose.

Every strategy is built once and kept (`_sampled`, `_numeric`): building and validating
hypothesis strategies inside each draw cost more than the engines under test (the same draws,
twice the time).
"""

from __future__ import annotations

import math
from typing import Any

from hypothesis import strategies as st

from kompetenceplan import Plan
from kompetenceplan.plan.schema import InputSpec

_SAMPLED: dict[tuple[tuple[type, Any], ...], st.SearchStrategy[Any]] = {}


def sampled(values: tuple[Any, ...]) -> st.SearchStrategy[Any]:
    """``st.sampled_from(values)``, built once per values (keyed with their types: 1 == 1.0 == True)."""
    key = tuple((type(v), v) for v in values)
    if key not in _SAMPLED:
        _SAMPLED[key] = st.sampled_from(values)
    return _SAMPLED[key]


_TOTAL_FACTOR = st.sampled_from([0, 0, 1])
_PRODUCT_EXTRA = st.sampled_from([0, 0, 1000.5, 250000])


def thresholds(plan: Plan, name: str) -> list[float]:
    out = set()
    for row in plan.rows:
        for t in row.terms:
            if t.input == name and t.op != "in" and not isinstance(t.value, bool):
                out.add(float(t.value))  # type: ignore[arg-type]
    return sorted(out)


_NUMERIC: dict[tuple[str, str, float, float], st.SearchStrategy[Any]] = {}


def _numeric(plan: Plan, name: str, spec: InputSpec, lo: float, hi: float) -> st.SearchStrategy[Any]:
    """The values of ``name`` in [lo, hi], built once per plan (by fingerprint) and bounds."""
    key = (plan.fingerprint, name, lo, hi)
    if key not in _NUMERIC:
        _NUMERIC[key] = _build_numeric(plan, name, spec, lo, hi)
    return _NUMERIC[key]


def _build_numeric(plan: Plan, name: str, spec: InputSpec, lo: float, hi: float) -> st.SearchStrategy[Any]:
    near = sorted({t + d for t in thresholds(plan, name) for d in (-1, -0.5, 0, 0.5, 1) if lo <= t + d <= hi})
    if spec.type == "int":
        lo_i, hi_i = math.ceil(lo), math.floor(hi)
        ints = [int(v) for v in near if float(v).is_integer()]
        # Small values are the common ones (durations in months, ages, steps).
        options = [st.integers(lo_i, hi_i), st.integers(lo_i, min(hi_i, lo_i + 12))] + ([st.sampled_from(ints)] if ints else [])
        return st.one_of(options)
    options = [
        # Amounts have at most 2 decimals (øre); more is refused by validation.
        st.floats(lo, hi, allow_nan=False, allow_infinity=False).map(lambda x: min(hi, max(lo, round(x, 2)))),
        st.integers(math.ceil(lo), math.floor(min(hi, 10**7))).map(float),
    ] + ([st.sampled_from(near)] if near else [])
    return st.one_of(options)


def _bounds_from(terms, name: str, spec: InputSpec) -> tuple[float, float, tuple | None]:
    lo, hi, allowed = float(spec.min), float(spec.max), None  # type: ignore[arg-type]
    for t in terms:
        if t.input != name:
            continue
        if t.op == "in":
            allowed = t.value
        elif t.op == "gte":
            lo = max(lo, t.value)
        elif t.op == "lte":
            hi = min(hi, t.value)
        elif t.op == "gt":
            lo = max(lo, t.value + (1 if spec.type == "int" else 1e-6))
        elif t.op == "lt":
            hi = min(hi, t.value - (1 if spec.type == "int" else 1e-6))
    return lo, hi, allowed


@st.composite
def cases(draw: st.DrawFn, plan: Plan, complete: bool = True) -> dict[str, Any]:
    """A valid case. ``complete``: every optional input given (so no input can be missing)."""
    meta = plan.meta
    case: dict[str, Any] = {}
    paragraph_spec = plan.inputs[meta.paragraph_input]
    code = draw(sampled(tuple(sorted(paragraph_spec.values or {}))))
    case[meta.paragraph_input] = code
    implied = plan.implications.get((meta.paragraph_input, code), ())
    required_by = set(plan.enum_value(meta.paragraph_input, code).requires)
    # A paragraph that needs consent is only valid with consent (barnets lov §§ 32, 46).
    consent_needed = code in plan.consent_codes and meta.consent_input is not None
    if consent_needed:
        required_by.add(meta.consent_input)

    for name, spec in plan.inputs.items():
        if name in case:
            continue
        lo, hi, allowed = _bounds_from(implied, name, spec) if spec.type in ("int", "number") else (0, 0, None)
        if spec.type == "enum":
            allowed = next((t.value for t in implied if t.input == name and t.op == "in"), None)
            value = draw(sampled(tuple(sorted(allowed or spec.values or {}))))
            case[name] = value
            required_by |= set(plan.enum_value(name, value).requires)
            continue
        if name == meta.step_input:
            area = case.get(meta.area_input)
            steps = [s.step for s in plan.steps(area)] if area else list(range(int(lo), int(hi) + 1))
            case[name] = draw(sampled(tuple(s for s in steps if allowed is None or s in allowed)))
            continue
        if spec.type == "bool":
            value = True if (consent_needed and name == meta.consent_input) else draw(st.booleans())
        elif allowed is not None:
            value = draw(sampled(tuple(sorted(allowed))))
        else:
            value = draw(_numeric(plan, name, spec, lo, hi))
        case[name] = value

    # at_least: the case total includes this intervention (same or more).
    for name, spec in plan.inputs.items():
        if spec.at_least and name in case:
            base = case[spec.at_least]
            case[name] = min(float(spec.max), base + abs(case[name] - base) * draw(_TOTAL_FACTOR))  # type: ignore[arg-type]

    for name, spec in plan.inputs.items():
        if spec.required or name in required_by or name == meta.step_input:
            continue
        if spec.default_product is not None:
            keep = draw(st.booleans())  # absent: derived from its factors
            if all(f in case for f in spec.default_product):
                # The product may not exceed the domain, and an explicit value is at least it.
                first, *rest = spec.default_product
                others = math.prod(case[f] for f in rest)
                if others and case[first] * others > spec.max:  # type: ignore[operator]
                    case[first] = math.floor(spec.max / others * 100) / 100  # type: ignore[operator]
                product = math.prod(case[f] for f in spec.default_product)
                if keep:
                    case[name] = min(float(spec.max), round(product + draw(_PRODUCT_EXTRA), 2))
                    if case[name] < product:
                        keep = False
        else:
            keep = complete or draw(st.booleans())
        if not keep:
            case.pop(name, None)
    # A paragraph that implies the area: sometimes leave it for the engine to derive.
    if draw(st.booleans()) and any(t.input == meta.area_input for t in implied):
        case.pop(meta.area_input, None)
    return case
