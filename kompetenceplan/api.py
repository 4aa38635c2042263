"""The public library calls every interface (CLI, HTTP, case tools) goes through.

`decide` answers one case with its explanation; `decide_many` gives levels for many cases (audits).
The routing itself lives in `routing`, the explanation in `explain`.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable
from typing import Any

from .engine.bulk import BulkResult
from .engine.bulk import compiled as compiled_plan
from .engine.explain import build_decision
from .engine.reference import evaluate
from .engine.routing import enforce_floor, missing_inputs, outcome_rank, route
from .errors import CaseError
from .model.case import ValidatedCase, validate_case
from .model.decision import Decision
from .plan.model import Plan
from .plan.versions import PlanSet

__all__ = ["decide", "decide_many", "plan_in_force", "route_validated"]


def plan_in_force(plan: Plan | PlanSet, on: dt.date | None) -> Plan:
    """The version to use: the one in force on ``on`` (default: today). A single `Plan` is
    checked the same way as the CLI checks it: a plan whose ``valid_to`` has passed (or that is
    not yet in force) is a `PlanError`, never silently used."""
    when = on or dt.date.today()
    if isinstance(plan, PlanSet):
        return plan.in_force(when)
    alone = plan.memo.get("planset")
    if alone is None:
        alone = plan.memo["planset"] = PlanSet(plan.path, (plan,))
    return alone.in_force(when)


def decide(plan: Plan | PlanSet, case: Any, on: dt.date | None = None) -> Decision:
    """Which level must decide ``case`` (a JSON-like mapping) under ``plan``, and why.

    The version in force on ``on`` (default: today) is used. The case is validated strictly,
    routed by durable-rules and checked against the reference evaluator. Raises `CaseError` (bad
    input), `MissingInputError` (an input that could lift the level is missing), `PlanError` (no
    version in force) or `EngineError` (engine fault or disagreement); never returns a level lower
    than the plan and the law require.
    """
    when = on or dt.date.today()
    version = plan_in_force(plan, when)
    return route_validated(version, _validator(version)(case), when)


#: How many cases a plan validates with `validate_case` before `decide` builds its compiled
#: validator: building it (≈ 2 ms) would be most of a one-case command's work.
COMPILE_AFTER = 8


def _validator(plan: Plan) -> Callable[[Any], ValidatedCase]:
    """The compiled validator gives `validate_case`'s result for the common shape and hands
    everything else to it (the two are held equal by a property test); a plan that has decided
    only a few cases uses `validate_case` itself. The count is a hint, not a guarantee:
    threads may race on it, and both paths give the same result."""
    seen = plan.memo.get("validated", 0)
    if seen < COMPILE_AFTER:
        plan.memo["validated"] = seen + 1
        return functools.partial(validate_case, plan)
    return compiled_plan(plan).validate


def route_validated(plan: Plan, validated: ValidatedCase, on: dt.date | None = None) -> Decision:
    """`decide` for a case that `validate_case` has already checked (``on``: the day ``plan``
    was chosen for, echoed as the decision's ``routed_on``)."""
    return build_decision(route(plan, validated), on.isoformat() if on is not None else None)


def decide_many(plan: Plan | PlanSet, cases: Iterable[Any], on: dt.date | None = None) -> list[BulkResult]:
    """The level for each case (audit use): validated strictly, routed by the compiled plan of
    the version in force on ``on`` (default: today; an expired plan is refused as by `decide`).

    A bad case gives a result with its `CaseError` (or a `MissingInputError`: an optional input
    that could lift the level is missing); the others are still decided. For a live decision
    with its explanation use `decide`.
    """
    plan = plan_in_force(plan, on)
    cp = compiled_plan(plan)
    decider = cp.decider(outcome_rank, enforce_floor)
    one, answers, validate, route_values = decider.one, decider.answers, cp.validate, cp.route
    paragraph, floors = plan.meta.paragraph_input, plan.floors

    def strict(i: int, case: Any) -> BulkResult:
        """A case the generated decider does not vouch for: validate_case's values or error."""
        try:
            validated = validate(case)
        except CaseError as exc:
            return BulkResult(i, None, None, False, exc)
        values = validated.values
        found = answers[route_values(values)]
        if found is None:  # the same refusal, with the same message, as decide()
            return BulkResult(i, None, None, False, missing_inputs(plan, evaluate(plan, validated)))
        rank, answer = found
        if values.get(paragraph) in floors:
            enforce_floor(plan, values[paragraph], rank)
        return BulkResult(i, *answer)

    out: list[BulkResult] = []
    append = out.append
    if one is None:
        for i, case in enumerate(cases):
            append(strict(i, case))
        return out
    new = tuple.__new__
    for i, case in enumerate(cases):
        answer = one(case)
        append(strict(i, case) if answer is None else new(BulkResult, (i, *answer)))
    return out
