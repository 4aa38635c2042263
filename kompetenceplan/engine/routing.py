"""The one path from a validated case to an agreed level.

durable-rules (the engine) and the reference evaluator (plain Python) both walk the plan's
priority list here; they must agree, or no decision is made. Every caller that needs "which
level must decide this case" — `decide`, `check`, `decide_many`, `lint`, `diff` — goes through
this module, so the rules for a missing input, no match and the law's reserved levels live in
one place.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import EngineError, MissingInputError, Problem
from ..model.case import ValidatedCase
from ..plan.model import NEEDS, NOMATCH, Outcome, Plan
from . import durable_adapter
from .reference import MATCH, UNKNOWN, Evaluation, RowResult, evaluate


@dataclass(frozen=True)
class Routed:
    """An agreed routing: the evaluation both paths agree on and the level (rank) it decides."""

    plan: Plan
    case: ValidatedCase
    evaluation: Evaluation
    rank: int

    @property
    def outcome(self) -> Outcome:
        return self.evaluation.outcome

    @property
    def escalated(self) -> bool:
        return self.outcome.kind == NOMATCH


def route(plan: Plan, case: ValidatedCase) -> Routed:
    """Route ``case`` by durable-rules and the reference evaluator; refuse on a missing input that
    could lift the level, on disagreement and below the law's reserved level."""
    evaluation = agreed_evaluation(plan, case)
    return Routed(plan, case, evaluation, decided_rank(plan, case, evaluation))


def agreed_evaluation(plan: Plan, case: ValidatedCase) -> Evaluation:
    """The reference evaluation, after durable-rules has fired the same outcome."""
    evaluation = evaluate(plan, case)
    fired = durable_adapter.route(plan, case.values).outcome
    if fired is not evaluation.outcome and fired != evaluation.outcome:
        raise disagreement(f"durable-rules gav {fired.kind} {fired.row_id}, referencen {evaluation.outcome.kind} {evaluation.outcome.row_id}.")
    return evaluation


def outcome_rank(plan: Plan, outcome: Outcome) -> int:
    """The level an outcome points at: its row's, or the escalation level when no row covers."""
    return plan.escalation_rank if outcome.rank is None else outcome.rank


def decided_rank(plan: Plan, case: ValidatedCase, evaluation: Evaluation) -> int:
    """The level an agreed evaluation decides: refused when an input that could lift it is
    missing; checked against the law's reserved level."""
    if evaluation.outcome.kind == NEEDS:
        raise missing_inputs(plan, evaluation)
    rank = outcome_rank(plan, evaluation.outcome)
    enforce_floor(plan, case.get(plan.meta.paragraph_input), rank)
    return rank


def enforce_floor(plan: Plan, paragraph: object, rank: int) -> None:
    """Defence in depth: the loader guarantees the law's reserved levels; every decision re-checks them."""
    found = plan.floors.get(paragraph)  # type: ignore[call-overload]  # paragraph is a validated code or None
    if found is not None and rank < found[0]:
        required, floor = found
        raise EngineError(
            f"Efter loven skal denne afgørelse træffes af {plan.levels[required].name}; der er ikke truffet nogen afgørelse.",
            [Problem("kompetenceplanen", f"{floor.reference} kræver {plan.levels[required].name}.", "Giv besked til systemansvarlig; sagen skal forelægges det organ, loven udpeger.")],
        )


def disagreement(what: str) -> EngineError:
    return EngineError(
        "Systemet kunne ikke fastslå niveauet sikkert; der er ikke truffet nogen afgørelse.",
        [Problem("regelmotoren", what, "Kontakt systemansvarlig med planens version; sagen må ikke afgøres på et lavere niveau.")],
    )


def missing_inputs(plan: Plan, evaluation: Evaluation) -> MissingInputError:
    """Which optional inputs, if given, could lift the case above the rows it meets."""
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
    return " og ".join(plan.term_text(t.term) for t in result.terms)
