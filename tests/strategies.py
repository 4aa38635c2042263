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
from kompetenceplan.plan.model import Compare, OneOf, Term, Value
from kompetenceplan.plan.parts import InputSpec

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
            if isinstance(t, Compare) and t.input == name and not isinstance(t.value, bool):
                out.add(float(t.value))
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
    amounts = [
        # Amounts have at most 2 decimals (øre); more is refused by validation.
        st.floats(lo, hi, allow_nan=False, allow_infinity=False).map(lambda x: min(hi, max(lo, round(x, 2)))),
        st.integers(math.ceil(lo), math.floor(min(hi, 10**7))).map(float),
    ] + ([st.sampled_from(near)] if near else [])
    return st.one_of(amounts)


def _bounds_from(terms: tuple[Term, ...], name: str, spec: InputSpec) -> tuple[float, float, tuple[Value, ...] | None]:
    assert spec.min is not None  # a number input declares its domain (the loader requires it)
    assert spec.max is not None
    lo, hi, allowed = float(spec.min), float(spec.max), None
    for t in terms:
        if t.input != name:
            continue
        if isinstance(t, OneOf):
            allowed = t.values
            continue
        bound = t.value
        assert isinstance(bound, int | float)  # a bound on a number input
        if t.op == "gte":
            lo = max(lo, bound)
        elif t.op == "lte":
            hi = min(hi, bound)
        elif t.op == "gt":
            lo = max(lo, bound + (1 if spec.type == "int" else 1e-6))
        elif t.op == "lt":
            hi = min(hi, bound - (1 if spec.type == "int" else 1e-6))
    return lo, hi, allowed


@st.composite
def cases(draw: st.DrawFn, plan: Plan, complete: bool = True) -> dict[str, Any]:  # noqa: C901 - one draw per input kind, in the plan's order (the draws are the shrinker's)
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
    if consent_needed and meta.consent_input is not None:
        required_by.add(meta.consent_input)

    for name, spec in plan.inputs.items():
        if name in case:
            continue
        lo, hi, allowed = _bounds_from(implied, name, spec) if spec.type in ("int", "number") else (0, 0, None)
        if spec.type == "enum":
            allowed = next((t.values for t in implied if isinstance(t, OneOf) and t.input == name), None)
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
            assert spec.max is not None  # a total is a number input with a domain
            base = case[spec.at_least]
            case[name] = min(float(spec.max), base + abs(case[name] - base) * draw(_TOTAL_FACTOR))

    for name, spec in plan.inputs.items():
        if spec.required or name in required_by or name == meta.step_input:
            continue
        if spec.default_product is not None:
            assert spec.max is not None  # a product is a number input with a domain
            keep = draw(st.booleans())  # absent: derived from its factors
            if all(f in case for f in spec.default_product):
                # The product may not exceed the domain, and an explicit value is at least it.
                first, *rest = spec.default_product
                others = math.prod(case[f] for f in rest)
                if others and case[first] * others > spec.max:
                    case[first] = math.floor(spec.max / others * 100) / 100
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


_TEXTS = ["", "  ", "Beskrevet i sagen"]


@st.composite
def submissions(draw: st.DrawFn, plan: Plan, meeting: Any) -> dict[str, Any]:
    """A submission (indstilling) around a case from `cases`: documents of the plan's types, dated
    around each requirement's age limit, signed or not; consents from the plan's roles; the child's
    view, alternatives, economy (agreeing with the case or not) and texts present, blank or left
    out. Dates are on or before ``meeting`` except now and then (the future-date error)."""
    import datetime as dt

    case = draw(cases(plan, complete=draw(st.booleans())))
    limits = sorted({r.max_age_days for r in plan.requirements if r.max_age_days is not None})
    day_offsets = st.one_of(st.integers(0, 1200), st.sampled_from([d + k for d in limits for k in (-1, 0, 1)] or [0]))

    def date() -> str:
        days = -draw(st.integers(1, 30)) if draw(st.integers(0, 40)) == 0 else draw(day_offsets)
        return (meeting - dt.timedelta(days=days)).isoformat()

    def text() -> str:
        return draw(st.sampled_from(_TEXTS))

    out: dict[str, Any] = {"sag": case}
    for name in ("sagsnummer", "formaal", "akut_begrundelse", "foraeldreplan_undladt_begrundelse", "tre_aar_undtagelse_begrundelse"):
        if draw(st.booleans()):
            out[name] = text()
    if draw(st.booleans()):
        out["maal"] = [text() for _ in range(draw(st.integers(0, 2)))]
    if draw(st.booleans()):
        view: dict[str, Any] = {"indhentet": draw(st.booleans())}
        if draw(st.booleans()):
            view["dato"] = date()
        for name in ("metode", "undtagelse_begrundelse"):
            if draw(st.booleans()):
                view[name] = text()
        out["barnets_perspektiv"] = view
    roles = sorted(plan.consent_roles)
    out["samtykker"] = [{"fra": draw(st.sampled_from(roles)), "dato": date(), "daekker_formaal": draw(st.booleans())} for _ in range(draw(st.integers(0, 3)))]
    out["alternativer"] = [{"indsats": "Tidligere indsats", "trin": draw(st.integers(1, 7)), "begrundelse": text()} for _ in range(draw(st.integers(0, 2)))]
    if draw(st.booleans()):
        # Often the case's own price and duration (as an economy requirement compares them).
        econ = next((r.check for r in plan.requirements if r.check.kind == "economy"), None)
        given = [case.get(econ.monthly_input or ""), case.get(econ.duration_input or "")] if econ else [None, None]
        price = given[0] if given[0] is not None and draw(st.integers(0, 3)) else draw(st.integers(0, 90000))
        months = given[1] if given[1] is not None and draw(st.integers(0, 3)) else draw(st.integers(1, 36))
        economy: dict[str, Any] = {}
        for name, value in (("pris_pr_maaned", price), ("varighed_maaneder", months), ("samlet", round(price * months, 2) + draw(st.sampled_from([0, 0, 0.5, 2, 1000])))):
            if draw(st.integers(0, 4)):
                economy[name] = value
        if draw(st.booleans()):
            economy["leverandoer"] = text()
        out["oekonomi"] = economy
    if draw(st.booleans()):
        vum_fields = ["baggrundsoplysninger", "centrale_oplysninger", "indsatsformaal_og_maal", "specificering_af_indsatser", "alternative_indsatser", "handleplan", "stoettebehov", "maalgruppe"]
        out["vum"] = {name: text() for name in vum_fields if draw(st.integers(0, 3))}
    types = sorted(plan.document_types)
    out["dokumenter"] = [{"type": draw(st.sampled_from(types)), "dato": date(), "underskrevet": draw(st.booleans()), "godkendt": draw(st.booleans())} for _ in range(draw(st.integers(0, 6)))]
    return out
