"""Enumerate a plan's boundaries: one representative case for every region the rows can tell apart.

The level only changes where a condition changes truth value, so it is enough to try, for each
input a relevant row reads, the domain's ends and each threshold with its neighbours (2 decimals
for numbers, ±1 for integers). Rows that cannot apply to a paragraph (another area or
paragraph) are left out, which keeps the product small.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import CaseError
from ..model.case import ValidatedCase, validate_case
from ..plan.input_kinds import kind_of
from ..plan.model import OneOf, Plan, PlanRow, Term, Value

STEP = 0.01  # numbers are rounded to 2 decimals before routing


@dataclass(frozen=True)
class Axis:
    """One input varied over its candidate values, ascending."""

    name: str
    values: tuple[Value, ...]


@dataclass(frozen=True)
class Slice:
    """All enumerated cases for one paragraph: fixed inputs and the axes to vary."""

    paragraph: str
    fixed: dict[str, Value]
    axes: tuple[Axis, ...]

    def cases(self) -> Iterator[tuple[tuple[int, ...], dict[str, Value]]]:
        """(index per axis, raw case) for every combination."""
        ranges = [range(len(a.values)) for a in self.axes]
        for index in itertools.product(*ranges):
            case = dict(self.fixed)
            case.update({a.name: a.values[i] for a, i in zip(self.axes, index, strict=False)})
            yield index, case


def _scope_ok(plan: Plan, row: PlanRow, fixed: dict[str, Value]) -> bool:
    return all(t.holds(fixed[t.input]) for t in row.terms if t.input in fixed)


def relevant_rows(plan: Plan, fixed: dict[str, Value]) -> list[PlanRow]:
    """Rows whose area/paragraph conditions accept the fixed values."""
    return [r for r in plan.rows if _scope_ok(plan, r, fixed)]


def _bounds(plan: Plan, name: str, implied: tuple[Term, ...]) -> tuple[float, float, tuple[Value, ...] | None]:
    spec = plan.inputs[name]
    lo = float(spec.min) if spec.min is not None else 0.0
    hi = float(spec.max) if spec.max is not None else 0.0
    allowed: tuple[Value, ...] | None = None
    for t in implied:
        if t.input != name:
            continue
        if isinstance(t, OneOf):
            allowed = t.values
            continue
        # A strict bound excludes its own value: the nearest allowed one is a step beside it.
        nudge = (kind_of(spec).resolution or STEP) if t.operator.strict else 0
        if t.operator.bound == "lower":
            lo = max(lo, float(t.value) + nudge)
        elif t.operator.bound == "upper":
            hi = min(hi, float(t.value) - nudge)
    return lo, hi, allowed


def candidates(plan: Plan, name: str, rows: list[PlanRow], implied: tuple[Term, ...]) -> tuple[Value, ...]:
    """The values of ``name`` that tell every relevant row's conditions apart, ascending."""
    spec = plan.inputs[name]
    kind = kind_of(spec)
    lo, hi, allowed = _bounds(plan, name, implied)
    if not kind.numeric:
        return tuple(sorted(allowed or kind.domain(spec) or ()))
    if allowed is not None:
        return tuple(sorted(allowed))
    delta = kind.resolution or STEP
    points = {lo, hi}
    for row in rows:
        for t in row.terms:
            if t.input != name:
                continue
            values = t.values if isinstance(t, OneOf) else (t.value,)
            # gte/lt change truth between v - delta and v; gt/lte between v and v + delta.
            op = t.operator
            offsets: tuple[float, ...] = (-delta, 0, delta) if op.bound is None else ((-delta, 0) if (op.bound == "lower") != op.strict else (0, delta))
            for v in values:
                points |= {float(v) + d for d in offsets}
    kept = sorted(round(p, 2) for p in points if lo <= p <= hi)
    if kind.python_type is int:
        return tuple(sorted({int(p) for p in kept}))
    return tuple(dict.fromkeys(kept))


def _one_value(plan: Plan, name: str, implied: tuple[Term, ...]) -> Value:
    values = candidates(plan, name, [], implied)
    return values[0]


def slices(plan: Plan, also: Plan | None = None) -> Iterator[Slice]:
    """One slice per paragraph code (and area, where the paragraph does not imply one).

    With ``also`` (another version of the plan), the thresholds of both plans are used, so the
    same cases tell both apart (for `diff`)."""
    meta = plan.meta
    paragraph_spec = plan.inputs[meta.paragraph_input]
    for code in paragraph_spec.values or {}:
        implied = plan.implications.get((meta.paragraph_input, code), ())
        areas = candidates(plan, meta.area_input, [], implied)
        for area in areas:
            fixed: dict[str, Value] = {meta.paragraph_input: code, meta.area_input: area}
            rows = relevant_rows(plan, fixed)
            if also is not None:
                rows += [r for r in relevant_rows(also, fixed) if all(t.input in plan.inputs for t in r.terms)]
            required_by = set(plan.enum_value(meta.paragraph_input, code).requires) | set(plan.enum_value(meta.area_input, str(area)).requires)
            varied = sorted({t.input for r in rows for t in r.terms} - set(fixed) | {meta.step_input})
            axes = []
            for name in varied:
                values = candidates(plan, name, rows, implied)
                if name == meta.step_input:
                    values = tuple(v for v in values if any(s.area == area and s.step == v for s in plan.ladder))
                axes.append(Axis(name, values))
            if code in plan.consent_codes and meta.consent_input and meta.consent_input not in varied:
                fixed[meta.consent_input] = True  # without consent the case belongs under another paragraph
            for name, spec in plan.inputs.items():
                if name in fixed or name in varied:
                    continue
                if spec.required or name in required_by:
                    fixed[name] = _one_value(plan, name, implied)
            yield Slice(code, fixed, tuple(axes))


def validated(plan: Plan, case: dict[str, Any]) -> ValidatedCase | None:
    """The case validated, or None where the combination is not a valid case (e.g. at_least)."""
    try:
        return validate_case(plan, case)
    except CaseError:
        return None
