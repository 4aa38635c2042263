"""The reference evaluator: the plan's rules in plain Python.

It is the oracle the durable-rules path is tested (and, in `decide`, checked) against, and the
source of every explanation: for each row, each condition with the case's value, met or not.
It walks the same priority list as the compiled ruleset (`plan.compile.rule_specs`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ..case import ValidatedCase
from ..plan.compile import NEEDS, NOMATCH, ROW, Outcome, RuleSpec, rule_specs
from ..plan.model import Plan, PlanRow, Term, Value

MATCH, NO_MATCH, UNKNOWN = "opfyldt", "ikke opfyldt", "ukendt"


@dataclass(frozen=True)
class TermResult:
    term: Term
    actual: Value | None
    met: bool | None  # None: the case does not give this input


@dataclass(frozen=True)
class RowResult:
    row: PlanRow
    status: str
    terms: tuple[TermResult, ...]


@dataclass(frozen=True)
class Evaluation:
    outcome: Outcome
    rows: tuple[RowResult, ...]  # in priority order

    def by_status(self, status: str) -> list[RowResult]:
        return [r for r in self.rows if r.status == status]


@lru_cache(maxsize=64)
def _specs(plan: Plan) -> tuple[RuleSpec, ...]:
    return tuple(rule_specs(plan))


def evaluate_row(row: PlanRow, case: ValidatedCase) -> RowResult:
    results = []
    for term in row.terms:
        actual = case.get(term.input)
        results.append(TermResult(term, actual, None if actual is None else term.holds(actual)))
    if any(r.met is False for r in results):
        status = NO_MATCH
    elif any(r.met is None for r in results):
        status = UNKNOWN
    else:
        status = MATCH
    return RowResult(row, status, tuple(results))


def evaluate(plan: Plan, case: ValidatedCase) -> Evaluation:
    """Evaluate every row and find the outcome the engine must agree with."""
    specs = _specs(plan)
    results: dict[str, RowResult] = {}
    outcome: Outcome | None = None
    for spec in specs:
        if spec.kind == NOMATCH:
            outcome = outcome or Outcome.of(spec)
            continue
        assert spec.row is not None
        result = results.get(spec.row.id)
        if result is None:
            result = results[spec.row.id] = evaluate_row(spec.row, case)
        if outcome is None:
            if spec.kind == ROW and result.status == MATCH:
                outcome = Outcome.of(spec)
            elif spec.kind == NEEDS and result.status == UNKNOWN:
                outcome = Outcome.of(spec)
    assert outcome is not None
    ordered = tuple(results[r.id] for r in plan.ordered_rows)
    return Evaluation(outcome, ordered)

