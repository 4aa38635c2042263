"""Compile a plan into durable-rules ruleset definitions (plain dicts; no durable import here).

The order of rules is the product's central promise: durable-rules consumes a posted event with
the first matching rule (lowest ``pri``), so rules are laid out

    for each level, highest first:
        the plan's rows at that level            -> "row":   decide at this level
        one guard per row that reads an optional -> "needs": refuse, an input that could lift
          input the case may leave out                      the case to this level is missing
    a catch-all                                  -> "nomatch": no row covers the case; escalate

so the first hit is always a row of the highest matching level (the plan lifts, never lowers),
and a missing input can never let a lower row win. The reference evaluator walks the same list.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from math import prod
from typing import Any

from ..errors import Problem
from .input_kinds import KINDS
from .model import NEEDS, NOMATCH, ROW, Compare, OneOf, Outcome, Plan, PlanRow, RuleSpec, Term, Value

__all__ = ["NEEDS", "NOMATCH", "ROW", "Outcome", "RuleSpec", "rule_specs", "event_value", "ok_key"]


#: durable-rules 2.0.28 hangs in post() at >= 512 sibling tests under one node and in ruleset
#: creation at >= 513 (measured, DESIGN.md). Each compiled alternative adds at most one sibling
#: per node, so keeping the alternatives well below 512 keeps every node below the limit.
MAX_ALTERNATIVES = 480
#: Lint code for a table too large for durable-rules.
#: durable-rules fails with error 303 when more than 64 rules match one event (measured: 64
#: work, 65 fail). The count includes the catch-all and the missing-input guards.
MAX_MATCHING_RULES = 64


def event_value(value: Value) -> Value:
    """How a validated value is posted: bools as 1/0 so a comparison can never mix kinds."""
    if isinstance(value, bool):
        return 1 if value else 0
    return value


def _term_expr(term: Term) -> tuple[dict[str, Any], int]:
    """The durable-rules test for a condition, and how many alternatives it adds."""
    if isinstance(term, OneOf):
        alts = [{term.input: event_value(v)} for v in term.values]
        return (alts[0], 1) if len(alts) == 1 else ({"$or": alts}, len(alts))
    if not isinstance(term, Compare):
        raise TypeError(f"a condition is a OneOf or a Compare, not {type(term).__name__}")
    if term.operator.durable is None:  # equality
        return {term.input: event_value(term.value)}, 1
    return {term.operator.durable: {term.input: term.value}}, 1


def optional_inputs(plan: Plan, row: PlanRow) -> tuple[str, ...]:
    """The inputs a row reads that a valid case may leave out."""
    return tuple(sorted(name for name in row.inputs if not plan.inputs[name].required))


def rule_specs(plan: Plan) -> list[RuleSpec]:
    """All rules in priority order (see module docstring)."""
    specs: list[RuleSpec] = []
    ordered = plan.ordered_rows
    ranks = sorted({r.rank for r in ordered}, reverse=True)
    for rank in ranks:
        at_level = [r for r in ordered if r.rank == rank]
        for row in at_level:
            parts: list[dict[str, Any]] = [{"kind": "case"}]
            alternatives = 1
            for term in row.terms:
                expr, n = _term_expr(term)
                parts.append(expr)
                alternatives *= n
            specs.append(RuleSpec(f"r{len(specs)}", ROW, row, {"$and": parts}, alternatives))
        for row in at_level:
            missing = optional_inputs(plan, row)
            if not missing:
                continue
            parts = [{"kind": "case"}]
            sizes = []
            for term in row.terms:
                expr, n = _term_expr(term)
                if term.input in missing:
                    parts.append({"$or": [expr, {"$nex": {term.input: 1}}]})
                    sizes.append(n + 1)
                else:
                    parts.append(expr)
                    sizes.append(n)
            if len(missing) == 1:
                parts.append({"$nex": {missing[0]: 1}})
            else:
                parts.append({"$or": [{"$nex": {name: 1}} for name in missing]})
                sizes.append(len(missing))
            specs.append(RuleSpec(f"r{len(specs)}", NEEDS, row, {"$and": parts}, prod(sizes)))
    specs.append(RuleSpec(f"r{len(specs)}", NOMATCH, None, {"kind": "case"}, 1))
    return specs


def ruleset_definition(specs: list[RuleSpec], action: Callable[[str], Callable[[Any], None]]) -> dict[str, Any]:
    """A fresh durable-rules definition dict (durable deletes ``run`` from what it is given)."""
    return {spec.name: {"all": [{"m": _copy(spec.condition)}], "pri": pri, "run": action(spec.name)} for pri, spec in enumerate(specs)}


def _copy(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _copy(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_copy(v) for v in node]
    return node


def check_engine_limits(plan: Plan) -> list[Problem]:
    """Refuse, at load time and without touching durable, a table durable-rules would hang on."""
    from .codes import TOO_LARGE  # only when a plan is loaded, not on every start-up

    problems = []
    if len(plan.requirements) > MAX_REQUIREMENTS:
        problems.append(
            Problem(
                code=TOO_LARGE,
                where=str(plan.path),
                what=f"planen har {len(plan.requirements)} dokumentationskrav; grænsen er {MAX_REQUIREMENTS}, fordi durable-rules fejler, når mere end 64 regler rammer samme indstilling.",
                fix="Saml beslægtede krav (fx flere felter i ét fields-krav).",
            )
        )
    bound, paragraph = matching_rules_bound(plan)
    if bound > MAX_MATCHING_RULES:
        problems.append(
            Problem(
                code=TOO_LARGE,
                where=str(plan.path),
                what=f"op til {bound} regler kan gælde samtidig for én sag (paragraf {paragraph}); durable-rules fejler over {MAX_MATCHING_RULES} (fejl 303), og sådanne sager kunne aldrig afgøres.",
                fix="Saml rækker med samme niveau, eller brug intervaller (gte og lt), så færre rækker overlapper.",
            )
        )
    total = sum(s.alternatives for s in plan.rule_specs)
    if total <= MAX_ALTERNATIVES:
        return problems
    return problems + [
        Problem(
            code=TOO_LARGE,
            where=str(plan.path),
            what=f"planen giver {total} regelalternativer i motoren ({len(plan.rows)} rækker); grænsen er {MAX_ALTERNATIVES}, fordi durable-rules hænger ved 512 søskende-tests.",
            fix="Saml rækker med beløbsgrænser i intervaller (gte/lt) i stedet for én række pr. værdi, eller del planen pr. område.",
        )
    ]


def matching_rules_bound(plan: Plan) -> tuple[int, str]:
    """An upper bound on how many compiled rules one case can match, and the paragraph where
    it is largest. Bounded time (no grid): per paragraph, for each required input the rows that
    can hold together on that input alone are counted exactly (one dimension), and a set of
    rows that all match must fit on every input at once, so the smallest such count bounds it.
    A row and its missing-input guard never match together; the catch-all always matches."""
    paragraph_input = plan.meta.paragraph_input
    codes = list(plan.inputs[paragraph_input].values or {})
    worst, where = 0, ""
    for code in codes:
        implied = {t.input: t for t in plan.implications.get((paragraph_input, code), ())}
        rows = [r for r in plan.rows if _may_hold(r, paragraph_input, code, implied)]
        bound = len(rows)
        for name, spec in plan.inputs.items():
            if not spec.required or name == paragraph_input:
                continue  # a missing optional input lets every guard on it match
            constraining = [r for r in rows if name in r.inputs]
            free = len(rows) - len(constraining)
            if free >= bound:
                continue
            bound = min(bound, free + _max_overlap(constraining, name, spec))
        if bound + 1 > worst:
            worst, where = bound + 1, code
    return worst, where


def _may_hold(row: PlanRow, paragraph_input: str, code: str, implied: dict[str, Term]) -> bool:
    for term in row.terms:
        if term.input == paragraph_input and not term.holds(code):
            return False
        fixed = implied.get(term.input)
        if isinstance(fixed, OneOf) and not any(term.holds(v) for v in fixed.values):
            return False
    return True


def _max_overlap(rows: list[PlanRow], name: str, spec: Any) -> int:
    """The most rows whose conditions on input ``name`` one value meets (exact in one dimension:
    every boundary and a point just beside it is tried)."""
    conditions = [tuple(t for t in row.terms if t.input == name) for row in rows]
    kind = KINDS[spec.type]
    if not kind.numeric:
        points: list[Value] = list(kind.domain(spec) or ())
    else:
        # A whole number's neighbour, or half an øre beside an amount's threshold.
        resolution = kind.resolution or 0.01  # a number kind always has one
        step = resolution if kind.python_type is int else resolution / 2
        points = [spec.min, spec.max]
        for terms in conditions:
            for t in terms:
                for v in t.value if isinstance(t.value, tuple) else (t.value,):
                    if isinstance(v, (int, float)):  # a numeric input's conditions are numbers
                        points += [v, v - step, v + step]
        points = [p for p in points if spec.min <= p <= spec.max]
        ranges = _Ranges([terms for terms in conditions if all(isinstance(t, Compare) for t in terms)])
        conditions = [terms for terms in conditions if not all(isinstance(t, Compare) for t in terms)]
        return max(ranges.count(p) + sum(all(t.holds(p) for t in terms) for terms in conditions) for p in points)
    return max(sum(all(t.holds(p) for t in terms) for terms in conditions) for p in points)


class _Ranges:
    """Rows whose conditions on one input are bounds only (``gte``, ``lt``, ``eq`` …): how many a
    value meets, counted by binary search instead of row by row (plans of hundreds of rows)."""

    def __init__(self, conditions: list[tuple[Term, ...]]) -> None:
        # Each row's tightest bound on each side, kept apart by whether the bound itself fails.
        low_closed: list[float] = []
        low_open: list[float] = []
        high_closed: list[float] = []
        high_open: list[float] = []
        self.total = 0
        for terms in conditions:
            low: tuple[float, bool] = (-math.inf, False)
            high: tuple[float, bool] = (math.inf, False)
            for t in terms:
                # Only bounds reach here (lists were set apart), and their values are numbers.
                op, v = t.operator, float(t.value) if isinstance(t.value, (int, float)) else math.nan
                if op.bound != "upper" and (v, op.strict) > low:  # a lower bound, or eq
                    low = (v, op.strict)
                if op.bound != "lower" and (v, not op.strict) < (high[0], not high[1]):  # an upper bound, or eq
                    high = (v, op.strict)
            if low[0] > high[0] or (low[0] == high[0] and (low[1] or high[1])):
                continue  # no value meets this row
            self.total += 1
            (low_open if low[1] else low_closed).append(low[0])
            (high_open if high[1] else high_closed).append(high[0])
        self.low_closed, self.low_open = sorted(low_closed), sorted(low_open)
        self.high_closed, self.high_open = sorted(high_closed), sorted(high_open)

    def count(self, point: Value) -> int:
        p = float(point)
        below = len(self.low_closed) - bisect_right(self.low_closed, p) + len(self.low_open) - bisect_left(self.low_open, p)
        above = bisect_left(self.high_closed, p) + bisect_right(self.high_open, p)
        return self.total - below - above


# -- documentation requirements -----------------------------------------------------------------

SEEN = "seen"
#: durable-rules fails (error 303) when more than 64 rules match one fact.
MAX_REQUIREMENTS = 60


def ok_key(code: str) -> str:
    """The fact key that says whether a requirement is met, e.g. ``ok_dok_001``."""
    return "ok_" + code.lower().replace("-", "_")


@dataclass(frozen=True)
class RequirementSpec:
    """One durable-rules rule for the documentation check: fires when a requirement applies
    to the submission and is not met. The ``seen`` rule fires for every fact (proof of work)."""

    name: str
    code: str | None
    condition: dict[str, Any]


def requirement_specs(plan: Plan) -> list[RequirementSpec]:
    """Rules over one submission fact: the case's inputs, the decided level (``niveau``) and
    one ``ok_<code>`` flag per requirement. A condition on an input the case leaves out counts
    as met unless the requirement says otherwise: when in doubt, a requirement applies."""
    specs = [RequirementSpec(SEEN, None, {"kind": "sub"})]
    for req in plan.requirements:
        parts: list[dict[str, Any]] = [{"kind": "sub"}]
        for term in req.terms:
            expr, _ = _term_expr(term)
            optional = not plan.inputs[term.input].required
            parts.append({"$or": [expr, {"$nex": {term.input: 1}}]} if optional and req.unknown_applies else expr)
        if req.min_rank is not None:
            parts.append({"$gte": {"niveau": req.min_rank}})
        parts.append({ok_key(req.code): 0})
        specs.append(RequirementSpec(f"q{len(specs)}", req.code, {"$and": parts}))
    return specs


def requirement_definition(specs: list[RequirementSpec], action: Callable[[str], Callable[[Any], None]]) -> dict[str, Any]:
    """A fresh ruleset definition for the documentation check."""
    return {spec.name: {"all": [{"m": _copy(spec.condition)}], "run": action(spec.name)} for spec in specs}
