"""Conditions in rule data (a row's ``when``, a requirement's ``when``, an enum value's
``implies``) turned into typed terms. What a condition may say depends on its input's kind
(`plan.input_kinds`); the terms themselves are `plan.model.OneOf` and `Compare`."""

from __future__ import annotations

from typing import Any

from ..errors import Problem
from .codes import UNKNOWN_REFERENCE
from .input_kinds import kind_of
from .model import Term, make_term
from .parts import InputSpec


def parse_implications(inputs: dict[str, InputSpec], files: dict[str, str], problems: list[Problem]) -> dict[tuple[str, str], tuple[Term, ...]]:
    out: dict[tuple[str, str], tuple[Term, ...]] = {}
    for name, spec in inputs.items():
        for code, value in (spec.values or {}).items():
            if value.implies:
                terms = parse_conditions(value.implies, inputs, f"{files[name]}: inputs.{name}.values.{code}.implies", problems)
                if terms is not None:
                    out[(name, code)] = terms
    return out


def parse_conditions(raw: dict[str, Any], inputs: dict[str, InputSpec], where: str, problems: list[Problem]) -> tuple[Term, ...] | None:
    """Turn ``when``-style TOML into typed terms; report problems and return None on error."""
    terms: list[Term] = []
    ok = True
    for name, cond in raw.items():
        here = f"{where}.{name}"
        spec = inputs.get(name)
        if spec is None:
            problems.append(Problem(here, "ukendt input.", f"Brug et erklæret input: {', '.join(inputs)}.", code=UNKNOWN_REFERENCE))
            ok = False
            continue
        parsed = _parse_term(name, spec, cond, here, problems)
        if parsed is None:
            ok = False
        else:
            terms.extend(parsed)
    return tuple(terms) if ok else None


def _parse_term(name: str, spec: InputSpec, cond: Any, here: str, problems: list[Problem]) -> list[Term] | None:
    conditions = kind_of(spec).condition(name, spec, cond, here, problems)
    return None if conditions is None else [make_term(name, op, value) for op, value in conditions]
