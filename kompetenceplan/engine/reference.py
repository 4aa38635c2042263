"""The reference evaluator: the plan's rules in plain Python.

It is the oracle the durable-rules path is tested (and, in `decide`, checked) against, and the
source of every explanation: for each row, each condition with the case's value, met or not.
It walks the same priority list as the compiled ruleset (`Plan.rule_specs`); `routing` runs it
beside durable-rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from ..errors import EngineError, Problem
from ..model.case import ValidatedCase
from ..plan.model import NEEDS, NOMATCH, ROW, Outcome, Plan, PlanRow, Term, Value

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
    """The outcome, and on demand every row's status and each condition's trace.

    ``known`` holds the statuses the walk to the outcome computed; the rest of the table (for
    the explanation) is evaluated the first time `statuses` is read."""

    outcome: Outcome
    known: dict[str, str]  # row id -> MATCH / NO_MATCH / UNKNOWN
    plan: Plan
    case: ValidatedCase

    @cached_property
    def statuses(self) -> dict[str, str]:
        """Every row's status (row id -> MATCH / NO_MATCH / UNKNOWN)."""
        known = self.known
        return {row.id: known[row.id] if row.id in known else row_status(row, self.case) for row in self.plan.rows}

    def rows_with(self, status: str) -> list[PlanRow]:
        """Rows with ``status``, in priority order (highest level first)."""
        return [r for r in self.plan.ordered_rows if self.statuses[r.id] == status]

    def result(self, row: PlanRow) -> RowResult:
        """The row with each of its conditions: the case's value and whether it is met."""
        return RowResult(row, self.statuses[row.id], trace(row, self.case))


def row_status(row: PlanRow, case: ValidatedCase) -> str:
    """MATCH, NO_MATCH, or UNKNOWN (no condition fails, but one reads an input the case lacks)."""
    unknown = False
    values = case.values
    for term in row.terms:
        actual = values.get(term.input)
        if actual is None:
            unknown = True
        elif not term.holds(actual):
            return NO_MATCH
    return UNKNOWN if unknown else MATCH


def trace(row: PlanRow, case: ValidatedCase) -> tuple[TermResult, ...]:
    results = []
    for term in row.terms:
        actual = case.get(term.input)
        results.append(TermResult(term, actual, None if actual is None else term.holds(actual)))
    return tuple(results)


def evaluate(plan: Plan, case: ValidatedCase) -> Evaluation:
    """The outcome the engine must agree with: the first rule in the compiled priority list
    (`rule_specs`) that the case meets. Each row is evaluated once, as the walk reaches it."""
    known: dict[str, str] = {}
    outcome: Outcome | None = None
    for spec in plan.rule_specs:
        if spec.kind == NOMATCH:
            outcome = spec.outcome
            break
        row = spec.row
        if row is None:  # only the catch-all has no row, and it ended the walk above
            raise _not_compiled("en regel uden en række i planen står før opsamlingsreglen.")
        status = known.get(row.id)
        if status is None:
            status = known[row.id] = row_status(row, case)
        if (spec.kind == ROW and status == MATCH) or (spec.kind == NEEDS and status == UNKNOWN):
            outcome = spec.outcome
            break
    if outcome is None:  # rule_specs always ends with a catch-all
        raise _not_compiled("regellisten slutter ikke med en opsamlingsregel.")
    return Evaluation(outcome, known, plan, case)


def _not_compiled(what: str) -> EngineError:
    """The plan's rule list is not as the compiler makes it: no level is given rather than a guess
    (the same refusal as the engines' disagreement, `routing.disagreement`)."""
    return EngineError(
        "Systemet kunne ikke fastslå niveauet sikkert; der er ikke truffet nogen afgørelse.",
        [Problem("regelmotoren", what, "Kontakt systemansvarlig med planens version; sagen må ikke afgøres på et lavere niveau.")],
    )
