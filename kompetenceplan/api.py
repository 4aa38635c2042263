"""The library calls every interface (CLI, HTTP, case tools) goes through."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from .case import ValidatedCase, validate_case
from .decision import Decision, PlanRef
from .engine import durable_adapter
from .engine.bulk import BulkResult
from .engine.bulk import compiled as compiled_plan
from .engine.reference import MATCH, NO_MATCH, UNKNOWN, Evaluation, RowResult, evaluate
from .errors import CaseError, EngineError, MissingInputError, Problem
from .law import PROVISIONAL_SECTIONS, PROVISIONAL_TEXT, enforce_floor
from .plan.compile import NEEDS, NOMATCH, Outcome
from .plan.model import Plan
from .plan.versions import PlanSet


def plan_in_force(plan: Plan | PlanSet, on: dt.date | None) -> Plan:
    """The version to use: the one in force on ``on`` (default: today). A single `Plan` is
    checked the same way as the CLI checks it: a plan whose ``valid_to`` has passed (or that is
    not yet in force) is a `PlanError`, never silently used."""
    when = on or dt.date.today()
    if isinstance(plan, PlanSet):
        return plan.in_force(when)
    return PlanSet(plan.path, (plan,)).in_force(when)


def decide(plan: Plan | PlanSet, case: Any, on: dt.date | None = None) -> Decision:
    """Which level must decide ``case`` (a JSON-like mapping) under ``plan``, and why.

    With a `PlanSet` (several dated versions), the version in force on ``on`` is used. The case
    is validated strictly, routed by durable-rules and checked against the reference evaluator. Raises `CaseError` (bad input), `MissingInputError` (an input that could lift the
    level is missing) or `EngineError` (engine fault or disagreement); never returns a level
    lower than the plan requires.
    """
    version = plan_in_force(plan, on)
    return route_validated(version, validate_case(version, case))


def route_validated(plan: Plan, validated: ValidatedCase) -> Decision:
    """`decide` for a case that `validate_case` has already checked."""
    return build_decision(plan, validated, checked_evaluation(plan, validated))


def checked_evaluation(plan: Plan, validated: ValidatedCase) -> Evaluation:
    """Route by durable-rules and the reference evaluator; they must agree."""
    evaluation = evaluate(plan, validated)
    fired = Outcome.of(durable_adapter.route(plan, validated.values))
    if fired != evaluation.outcome:
        raise disagreement(f"durable-rules gav {fired.kind} {fired.row_id}, referencen {evaluation.outcome.kind} {evaluation.outcome.row_id}.")
    return evaluation


def decided_rank(plan: Plan, validated: ValidatedCase, evaluation: Evaluation) -> int:
    """The level (rank) an agreed evaluation decides, with the same refusals as `decide`
    (missing input, statutory floor), without building the explanation."""
    outcome = evaluation.outcome
    if outcome.kind == NEEDS:
        raise _missing_inputs(plan, evaluation)
    rank = plan.escalation_rank if outcome.kind == NOMATCH else outcome.rank
    assert rank is not None
    enforce_floor(plan, validated.get(plan.meta.paragraph_input), rank)
    return rank


def disagreement(what: str) -> EngineError:
    return EngineError(
        "Systemet kunne ikke fastslå niveauet sikkert; der er ikke truffet nogen afgørelse.",
        [Problem("regelmotoren", what, "Kontakt systemansvarlig med planens version; sagen må ikke afgøres på et lavere niveau.")],
    )


def build_decision(plan: Plan, case: ValidatedCase, evaluation: Evaluation) -> Decision:
    """Turn an evaluation into a `Decision`, or raise `MissingInputError`."""
    outcome = evaluation.outcome
    rank = decided_rank(plan, case, evaluation)
    matched = [evaluation.result(r) for r in evaluation.rows_with(MATCH)]
    level = plan.levels[rank]
    if outcome.kind == NOMATCH:
        reason = (
            f"Kompetenceplanen har ingen regel for denne sag. Den skal derfor afgøres af {level.name}, så den ikke "
            "afgøres på et for lavt niveau. Giv besked til den, der vedligeholder kompetenceplanen."
        )
        deciding = None
    else:
        deciding = outcome.row_id
        row = next(r.row for r in matched if r.row.id == deciding)
        basis = "hjemmel" if row.law else "grundlag"
        reason = f"Sagen afgøres på niveauet {level.name}, jf. regel {row.id} ({basis}: {row.reference})."
    # Why not higher: the rows above the decided level that fail, except those about another
    # area or paragraph (they are counted, not listed; lint and render show the whole table).
    not_higher = [r for r in evaluation.rows_with(NO_MATCH) if r.rank > rank]
    scope = (plan.meta.area_input, plan.meta.paragraph_input)
    higher = [r for r in not_higher if not any(t.input in scope and not t.holds(case.values[t.input]) for t in r.terms if t.input in case.values)]
    return Decision.model_validate(
        {
            "plan": PlanRef.of(plan),
            "level": {"id": level.id, "name": level.name, "rank": rank},
            "escalated": outcome.kind == NOMATCH,
            "reason": reason,
            "deciding_row": deciding,
            "matched": [_trace(plan, r) for r in matched],
            "higher_not_matched": [_trace(plan, evaluation.result(r)) for r in higher],
            "other_rows": len(not_higher) - len(higher),
            "inputs": dict(case.values),
            "derived": list(case.derived),
            "provisional": _provisional(plan, case),
        }
    )


def _provisional(plan: Plan, case: ValidatedCase) -> str | None:
    """An acute case under a paragraph where the chair may decide provisionally (barnets lov § 143)."""
    urgent = plan.meta.urgent_input
    if urgent is None or case.get(urgent) is not True:
        return None
    value = (plan.inputs[plan.meta.paragraph_input].values or {}).get(case.get(plan.meta.paragraph_input))  # type: ignore[arg-type]
    if value is None or (value.law or "", value.section or 0) not in PROVISIONAL_SECTIONS:
        return None
    return PROVISIONAL_TEXT


def _missing_inputs(plan: Plan, evaluation: Evaluation) -> MissingInputError:
    matched_rank = max((r.rank for r in evaluation.rows_with(MATCH)), default=-1)
    blocking = [evaluation.result(r) for r in evaluation.rows_with(UNKNOWN) if r.rank > matched_rank]
    problems: dict[str, Problem] = {}
    for result in blocking:
        for t in result.terms:
            if t.met is None and t.term.input not in problems:
                spec = plan.inputs[t.term.input]
                rows = [r for r in blocking if any(x.met is None and x.term.input == t.term.input for x in r.terms)]
                why = "; ".join(f"regel {r.row.id} ({plan.level(r.row.level).name}) gælder, hvis {_conditions_text(plan, r)}" for r in rows)
                problems[t.term.input] = Problem(
                    f"sagen.{t.term.input}",
                    f"mangler ({spec.label}), og uden den kan niveauet blive for lavt: {why.rstrip('.')}.",
                    f"Oplys {t.term.input}{' (' + spec.description + ')' if spec.description else ''}.",
                )
    return MissingInputError("Sagen kan ikke afgøres endnu: en oplysning, der kan løfte niveauet, mangler.", list(problems.values()))


def _conditions_text(plan: Plan, result: RowResult) -> str:
    return " og ".join(t.term.describe(plan.inputs[t.term.input]) for t in result.terms)


def _trace(plan: Plan, result: RowResult) -> dict[str, Any]:
    # Plain data, validated into `RowTrace`s in one pass with the whole Decision (pydantic's core
    # builds nested models far faster than one constructor call per row and condition).
    row = result.row
    return {
        "id": row.id,
        "level": row.level,
        "level_name": plan.levels[row.rank].name,
        "status": result.status,
        "reference": row.reference,
        "note": row.note,
        "law": row.law,
        "file": row.file,
        "conditions": [
            {"input": t.term.input, "text": plan.term_text(t.term), "actual": t.actual, "actual_text": plan.value_text(t.term.input, t.actual), "met": t.met}
            for t in result.terms
        ],
    }


def decide_many(plan: Plan, cases: Iterable[Any]) -> list[BulkResult]:
    """The level for each case (audit use): validated strictly, routed by the compiled plan.

    A bad case gives a result with its `CaseError` (or a `MissingInputError`: an optional input
    that could lift the level is missing); the others are still decided. For a live decision
    with its explanation use `decide`.
    """
    cp = compiled_plan(plan)
    levels = plan.levels
    escalation = levels[plan.escalation_rank].id
    out = []
    for i, case in enumerate(cases):
        try:
            validated = cp.validate(case)
        except CaseError as exc:
            out.append(BulkResult(i, None, None, False, exc))
            continue
        outcome = cp.outcomes[cp.route(validated.values)]
        if outcome.kind == NEEDS:  # the same refusal, with the same message, as decide()
            out.append(BulkResult(i, None, None, False, _missing_inputs(plan, evaluate(plan, validated))))
        elif outcome.kind == NOMATCH:
            out.append(BulkResult(i, escalation, None, True))
        else:
            enforce_floor(plan, validated.get(plan.meta.paragraph_input), outcome.rank)  # type: ignore[arg-type]
            out.append(BulkResult(i, levels[outcome.rank].id, outcome.row_id, False))  # type: ignore[index]
    return out
