"""The bulk path for audits of many cases: fast validation and compiled routing.

Why it is long: three generators that must stay equal to `validate_case` and the reference evaluator
(the validation, the router, the decider) and the helpers they share.

`decide` answers one case for one advisor: durable-rules, checked against the reference
evaluator, with a full explanation. An audit ("which level should each of last year's 40,000
decisions have had?") needs the level alone, many times. This module generates Python per plan
from its declarations and its priority list (`rule_specs`, the same one durable-rules runs):

- one case validator (`_FastValidator`): the common shape of a case checked with plain type
  checks written by each input's kind (`plan.input_kinds`), implied and derived values filled in;
  a case it cannot vouch for (anything unusual, and every error) goes to `validate_case`, so
  errors are the same. ``CompiledPlan.validate`` (the live path of `decide` and `check`) and
  `Decider.one` (``decide_many``) both use it;
- ``CompiledPlan.route``: the priority list over validated values; `Decider.one` walks the same
  list with every value in a local variable.

Property tests hold each of them equal to `validate_case` and the reference evaluator.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple, Protocol

from ..errors import CaseError, not_none
from ..model.case import DESCRIPTION_KEY, MAX_DESCRIPTION, ValidatedCase, implied_text, product_text, validate_case
from ..plan.compile import NEEDS, NOMATCH, ROW, Outcome, RuleSpec
from ..plan.input_kinds import FLOAT_NOISE, kind_of
from ..plan.model import OneOf, Plan, Term, Value
from .generated import build, plain
from .reference import MATCH, UNKNOWN, row_status


class BulkResult(NamedTuple):
    """One case's outcome: the level, the deciding row, or the error that stopped it. A named
    tuple: an audit builds one per case, and a tuple is the cheapest record Python builds."""

    index: int  # type: ignore[assignment]  # shadows tuple.index on purpose: the field is the API
    level: str | None
    row: str | None
    escalated: bool
    error: CaseError | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"index": self.index, "level": self.level, "row": self.row, "escalated": self.escalated}
        if self.error is not None:
            out["error"] = self.error.to_dict()
        return out


class CompiledPlan:
    """A plan compiled for bulk use: ``route(values)`` returns the first rule hit."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.specs: tuple[RuleSpec, ...] = plan.rule_specs
        self.outcomes = [Outcome.of(s) for s in self.specs]
        self.route: Callable[[Mapping[str, Value]], int] = _plain_route(plan, self.specs) if plain() else self._compile()
        self._fast = _FastValidator(plan)
        self._deciders: dict[tuple[Any, Any], Decider] = {}

    def _compile(self) -> Callable[[Mapping[str, Value]], int]:
        names = sorted(self.plan.inputs)
        local = {name: f"v{i}" for i, name in enumerate(names)}
        namespace: dict[str, Any] = {}
        const = _constants(namespace, "C")
        lines = ["def route(values):"]
        lines += [f"    {local[n]} = values.get({n!r})" for n in names]
        for i, spec in enumerate(self.specs):
            if spec.kind == NOMATCH:
                lines.append(f"    return {i}")
                break
            lines.append(f"    if {_condition(self.plan, spec, local, const)}:")
            lines.append(f"        return {i}")
        return build("router", self.plan, lines, namespace, "route")

    def decider(self, rank_of: Callable[[Plan, Outcome], int], floor: Callable[[Plan, object, int], None]) -> Decider:
        """The plan's `Decider` for ``decide_many``, built once per plan (and per pair of callbacks:
        the level an outcome points at, and the check of the law's reserved levels)."""
        key = (rank_of, floor)
        found = self._deciders.get(key)
        if found is None:
            self._deciders.clear()  # one pair in practice; never let the memo grow
            found = self._deciders[key] = Decider(self, rank_of, floor)
        return found

    def validate(self, case: Any, where: str = "sagen") -> ValidatedCase:
        """Like `validate_case` (same values, same errors), faster for the common shape."""
        found = self._fast(case)
        if found is None:
            return validate_case(self.plan, case, where=where)
        return found


class _Holds:
    """The values that meet some conditions, for ``in``: an implied target whose values are too
    many to list (an amount)."""

    __slots__ = ("terms",)

    def __init__(self, terms: tuple[Term, ...]) -> None:
        self.terms = terms

    def __contains__(self, value: Value) -> bool:
        return all(t.holds(value) for t in self.terms)


#: What the generated validator returns for a case it vouches for: the typed values (implied and
#: derived ones filled in, in validate_case's order) and the derived texts.
Checked = tuple[dict[str, Value], list[str]]


class _FastValidator:
    """The one generated case validator: each input's kind writes its plain check
    (`InputKind.check_source`), then implied and derived values, required inputs, the ladder and
    consent, as `validate_case` checks them. It answers for a case that gives what it needs in
    plain form, and returns None whenever the strict path is needed (so it never accepts what it
    should not, and only validate_case writes error messages). ``decide`` and ``check`` use it
    through ``CompiledPlan.validate``; `Decider` writes the same validation (`_validation`) into
    its own function, with the values in local variables."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.source: str | None = None
        self.run: Callable[[Any], Checked | None] = (lambda case: None) if plain() else self._compile()

    def __call__(self, case: Any) -> ValidatedCase | None:
        found = self.run(case)
        if found is None:
            return None
        values, derived = found
        return ValidatedCase(MappingProxyType(values), tuple(derived))

    def _compile(self) -> Callable[[Any], Checked | None]:
        env: dict[str, Any] = {}
        out = ["def fast(case):", *_validation(self.plan, _constants(env, "K"), None), "    return values, derived"]
        self.source = "\n".join(out)
        return build("validator", self.plan, out, env, "fast")


def _validation(plan: Plan, const: Constants, local: Mapping[str, str] | None) -> list[str]:  # noqa: C901 - writes validate_case's steps in its order, one block each, as generated code
    """The one generated validation of a case (function body lines, indented once): each input's
    plain check from its kind (`InputKind.check_source`), implied values filled in, required
    inputs, the implied conditions, the values an enum value needs, ``at_least``, derived
    products, the ladder and consent — as `validate_case` checks them, ``return None`` for
    anything it does not vouch for. The values end in the dict ``values`` with the derived texts
    in ``derived`` (``local`` None: ``CompiledPlan.validate``), or in the local variables
    ``local`` names, without texts (the decider, which routes on them next)."""
    meta = plan.meta
    texts = local is None
    out: list[str] = []
    add = out.append

    def get(name: str | None) -> str:
        if name is None or name not in plan.inputs:
            return "None"
        return f"values.get({name!r})" if local is None else local[name]

    def put(name: str, expr: str) -> str:
        return f"values[{name!r}] = {expr}" if local is None else f"{local[name]} = {expr}"

    def given(name: str) -> str:
        return f"{name!r} in values" if local is None else f"{local[name]} is not None"

    add(f"    if case.__class__ is not dict or not {const(frozenset(plan.inputs) | {DESCRIPTION_KEY}, literal=False)}.issuperset(case):")
    add("        return None")
    add(f"    if {DESCRIPTION_KEY!r} in case:")
    add(f"        d = case[{DESCRIPTION_KEY!r}]")
    add(f"        if d.__class__ is not str or len(d) > {MAX_DESCRIPTION}:")
    add("            return None")
    if texts:
        add("    values = {}")
        add("    derived = []")
    for name, spec in plan.inputs.items():
        v = "v" if local is None else local[name]
        add(f"    {v} = case.get({name!r})")
        add(f"    if {v} is not None:")
        out.extend(f"        {line}" for line in kind_of(spec).check_source(spec, v, const))
        if local is None:
            add(f"        values[{name!r}] = v")
    # A value that implies another input's only possible value fills it in (validate_case's
    # words, in its order: the plan's order of implications, then of their conditions).
    implied: dict[str, dict[str, tuple[Term, ...]]] = {}
    rank: dict[tuple[str, str, str], tuple[int, int]] = {}
    for order, ((name, code), terms) in enumerate(plan.implications.items()):
        implied.setdefault(name, {})[code] = tuple(terms)
        for i, t in enumerate(terms):
            rank.setdefault((name, code, t.input), (order, i))
    # each source's targets, in the order of their first condition
    targets = {n: tuple(dict.fromkeys(t.input for terms in implied[n].values() for t in terms)) for n in plan.inputs if n in implied}
    filled = False
    for name, its_targets in targets.items():
        for target in its_targets:
            fills = {}
            for code, terms in implied[name].items():
                single = next((t.single for t in terms if t.input == target and t.single is not None), None)
                if single is not None:
                    fills[code] = (single, (*rank[(name, code, target)], implied_text(plan, target, name, code)))
            if not fills:
                continue
            filled = True
            add(f"    f = {const(fills)}.get({get(name)})")
            add(f"    if f is not None and {get(target)} is None:")
            add(f"        {put(target, 'f[0]')}")
            if texts:
                add("        derived.append(f[1])")
    if texts and filled:
        add("    if derived:")
        add("        derived.sort()")
        add("        derived = [d[2] for d in derived]")
    required = [n for n, spec in plan.inputs.items() if spec.required]
    if required:
        add(f"    if {' or '.join(f'{get(n)} is None' for n in required)}:")
        add("        return None")
    # Every implied condition must hold: per source and target, the target's values each code
    # allows, listed where the target's kind can list them (else tested condition by condition).
    for name, its_targets in targets.items():
        for target in its_targets:
            target_spec = plan.inputs[target]
            domain = kind_of(target_spec).domain(target_spec)
            allowed: dict[str, frozenset[Any] | _Holds] = {}
            for code, terms in implied[name].items():
                on_target = tuple(t for t in terms if t.input == target)
                if on_target:
                    allowed[code] = _Holds(on_target) if domain is None else frozenset(x for x in domain if all(t.holds(x) for t in on_target))
            add(f"    a = {const(allowed)}.get({get(name)})")
            add(f"    if a is not None and {get(target)} is not None and {get(target)} not in a:")
            add("        return None")
    # An enum value that needs other inputs (validate_case: "skal oplyses, når …").
    for name, spec in plan.inputs.items():
        groups: dict[tuple[str, ...], set[str]] = {}
        for code, value in (spec.values or {}).items():
            if value.requires:
                groups.setdefault(tuple(value.requires), set()).add(code)
        for needed, codes in groups.items():
            add(f"    if {get(name)} in {const(frozenset(codes))} and ({' or '.join(f'{get(r)} is None' for r in needed)}):")
            add("        return None")
    for name, spec in plan.inputs.items():
        if spec.at_least:
            add(f"    if {given(name)} and {get(spec.at_least)} is not None and {get(name)} < {get(spec.at_least)}:")
            add("        return None")
    for name, spec in plan.inputs.items():
        factors = tuple(spec.default_product or ())
        if not factors:
            continue
        add(f"    if {' and '.join(f'{get(f)} is not None' for f in factors)}:")
        add(f"        p = {kind_of(spec).python_type.__name__}({' * '.join(f'float({get(f)})' for f in factors)})")
        add(f"        if {given(name)}:")
        add(f"            if {get(name)} < p - {FLOAT_NOISE!r}:")
        add("                return None")
        add(f"        elif p > {spec.max!r}:")
        add("            return None")
        add("        else:")
        add(f"            {put(name, 'p')}")
        if texts:
            add(f"            derived.append({product_text(plan, name)!r})")
    add(f"    if ({get(meta.area_input)}, {get(meta.step_input)}) not in {const(frozenset((st.area, st.step) for st in plan.ladder))}:")
    add("        return None")
    if plan.consent_codes:
        # Consent missing or refused: the strict path says why.
        add(f"    if {get(meta.paragraph_input)} in {const(frozenset(plan.consent_codes))} and {get(meta.consent_input)} is not True:")
        add("        return None")
    return out


#: What ``Decider.one`` returns for a decided case: level, deciding row, escalated, no error
#: (``BulkResult`` without its index).
Answer = tuple[str, str | None, bool, None]


class Decider:
    """``one(case)``: one generated function per plan that validates a case as the plan's
    validator does (the same generator, `_validation`) and walks the priority list, with every
    value in a local variable.

    It returns the `Answer` when it can vouch for the case: every value in its plain form and in
    bounds, nothing the strict path would refuse or report. For anything else (an error, an
    amount with more than floating-point noise, a float for an int, a missing input that could
    lift the level, a case without area or step) it returns None and the caller takes the strict
    path, `validate_case` and the router, which alone write error messages. ``one`` is None on the
    plain path (``KOMPETENCEPLAN_PLAIN=1``): every case then takes the strict path. The statutory
    floor is re-checked by the ``floor`` callback for every decided case. Property tests hold it
    equal to `validate_case` + the reference evaluator."""

    def __init__(self, compiled: CompiledPlan, rank_of: Callable[[Plan, Outcome], int], floor: Callable[[Plan, object, int], None]) -> None:
        plan = compiled.plan
        self.plan = plan
        #: Per rule of the priority list: None for a missing-input guard (the strict path refuses
        #: with decide's message), else the level's rank and the answer.
        self.answers: list[tuple[int, Answer] | None] = []
        for o in compiled.outcomes:
            if o.kind == NEEDS:
                self.answers.append(None)
            else:
                rank = rank_of(plan, o)
                self.answers.append((rank, (plan.levels[rank].id, o.row_id, o.kind == NOMATCH, None)))
        self.source: str | None = None
        self.one: Callable[[Any], Answer | None] | None = None
        if not plain():
            self.one = self._compile(compiled.specs, floor)

    def _compile(self, specs: tuple[RuleSpec, ...], floor: Callable[[Plan, object, int], None]) -> Callable[[Any], Answer | None]:
        plan, meta = self.plan, self.plan.meta
        names = list(plan.inputs)
        local = {name: f"v{i}" for i, name in enumerate(names)}
        env: dict[str, Any] = {"PLAN": plan, "FLOOR": floor}
        out: list[str] = []
        add = out.append
        const = _constants(env, "K")

        def var(name: str | None) -> str:
            return local[name] if name is not None and name in local else "None"

        # The case checked, typed and completed by the one validation generator, in local variables.
        add("def one(case):")
        out.extend(_validation(plan, const, local))
        # The priority list, first hit wins (as durable-rules and the reference evaluator walk it).
        paragraph = var(meta.paragraph_input)
        floors = const(frozenset(plan.floors))

        def decided(index: int, pad: str) -> None:
            found = self.answers[index]
            if found is None:  # a missing input could lift the level: the strict path refuses
                add(f"{pad}    return None")
                return
            rank, answer = found
            if paragraph != "None":
                add(f"{pad}    if {paragraph} in {floors}:")
                add(f"{pad}        FLOOR(PLAN, {paragraph}, {rank})")
            add(f"{pad}    return {const(answer)}")

        rules = [r for r in specs if r.kind != NOMATCH]
        needs_of = [_needed_values(plan, r) for r in rules]
        start = 0
        while start < len(rules):
            # A run of rules that each need one of a few values of the same input (the paragraph,
            # the area) is skipped with one membership test when the case has none of them:
            # none of those rules can match, so the first hit is the same.
            run, guard = _run(plan, needs_of, start)
            pad = "    "
            if guard is not None:
                add(f"    if {local[guard[0]]} in {const(guard[1])}:")
                pad = "        "
            for index in range(start, start + run):
                add(f"{pad}if {_condition(plan, rules[index], local, const)}:")
                decided(index, pad)
            start += run
        decided(len(rules), "")
        self.source = "\n".join(out)
        return build("decider", plan, out, env, "one")


def _plain_route(plan: Plan, specs: tuple[RuleSpec, ...]) -> Callable[[Mapping[str, Value]], int]:
    """The router without generated code (``KOMPETENCEPLAN_PLAIN=1``): the reference evaluator's
    walk of the priority list, returning the index of the first rule hit."""

    def route(values: Mapping[str, Value]) -> int:
        case = ValidatedCase(MappingProxyType(dict(values)), ())
        known: dict[str, str] = {}
        for i, spec in enumerate(specs):
            if spec.kind == NOMATCH:
                return i
            row = not_none(spec.row, "a rule's row")
            status = known.get(row.id)
            if status is None:
                status = known[row.id] = row_status(row, case)
            if (spec.kind == ROW and status == MATCH) or (spec.kind == NEEDS and status == UNKNOWN):
                return i
        raise AssertionError("rule_specs always ends with a catch-all")

    return route


class Constants(Protocol):
    """How generated code names a constant (`_constants`)."""

    def __call__(self, value: Any, *, literal: bool = True) -> str: ...


def _constants(env: dict[str, Any], prefix: str) -> Constants:
    """A namer of the constants one generated function uses: a literal where the value has one
    (``literal``: only where the value is tested for membership, see `_literal`), else a name
    (``prefix`` + number) bound in ``env``."""

    def const(value: Any, *, literal: bool = True) -> str:
        found = _literal(value) if literal else None
        if found is not None:
            return found
        name = f"{prefix}{len(env)}"
        env[name] = value
        return name

    return const


def _literal(value: Any, inner: bool = False) -> str | None:
    """``value`` as Python source, when it has an exact literal (a constant in the compiled code,
    cheaper to load than a global): a text, an int, a finite float, a bool, None, a tuple of them,
    or a non-empty frozenset of them (written as a set display, which Python compiles to a
    frozenset constant where it is only tested for membership — the only place one is passed)."""
    if value is None or value.__class__ in (str, int, bool):
        return repr(value)
    if value.__class__ is float:
        return repr(value) if math.isfinite(value) else None
    if value.__class__ not in (tuple, frozenset) or not value or (inner and value.__class__ is frozenset):
        return None  # a set display inside a tuple would be a new mutable set, not a constant
    parts = [_literal(v, inner=True) for v in value]
    shown = [p for p in parts if p is not None]
    if len(shown) < len(parts):
        return None
    if value.__class__ is tuple:
        return "(" + "".join(f"{p}, " for p in shown) + ")"
    return "{" + ", ".join(sorted(shown)) + "}"


#: The fewest consecutive rules worth a guard of their own.
MIN_GUARDED_RUN = 3


def _needed_values(plan: Plan, rule: RuleSpec) -> dict[str, frozenset[Any]]:
    """Input -> the values one of which the rule needs (its ``in``/``eq`` conditions on an input
    that must be present for it to fire)."""
    out: dict[str, frozenset[Any]] = {}
    for term in not_none(rule.row, "a rule's row").terms:
        if rule.kind == NEEDS and not plan.inputs[term.input].required:
            continue  # a missing-input guard also fires when this input is absent
        if isinstance(term, OneOf):
            values = frozenset(term.values)
        elif term.operator.name == "eq":
            values = frozenset((term.value,))
        else:
            continue
        out[term.input] = out[term.input] & values if term.input in out else values
    return out


def _run(plan: Plan, needed: list[dict[str, frozenset[Any]]], start: int) -> tuple[int, tuple[str, frozenset[Any]] | None]:
    """The longest run of rules from ``start`` that all need some values of one input (and not
    every value it can have), with that input and the union of those values; or a run of one
    rule and no guard. ``needed``: `_needed_values` of each rule in order."""
    best: tuple[int, tuple[str, frozenset[Any]] | None] = (1, None)
    for name, values in needed[start].items():
        domain = kind_of(plan.inputs[name]).domain(plan.inputs[name])
        union, end = set(values), start + 1
        while end < len(needed):
            more = needed[end].get(name)
            # A guard every valid value passes skips nothing: end the run before that.
            if more is None or (domain is not None and set(domain) <= union | more):
                break
            union |= more
            end += 1
        if end - start >= MIN_GUARDED_RUN and end - start > best[0]:
            best = (end - start, (name, frozenset(union)))
    return best


def _condition(plan: Plan, spec: RuleSpec, local: Mapping[str, str], const: Callable[[Any], str]) -> str:
    """A rule's condition over the case's values as Python source (the router's and the decider's)."""
    terms = not_none(spec.row, "a rule's row").terms

    def term_code(term: Term, optional: bool) -> str:
        v = local[term.input]
        if isinstance(term, OneOf):
            code = f"{v} == {const(term.values[0])}" if len(term.values) == 1 else f"{v} in {const(frozenset(term.values))}"
        else:
            code = f"{v} {term.operator.python} {const(term.value)}"
        return f"({v} is not None and {code})" if optional else f"({code})"

    if spec.kind == ROW:
        return " and ".join(term_code(t, not plan.inputs[t.input].required) for t in terms)
    # NEEDS: every condition met or its input missing, and some optional input missing
    missing = sorted({t.input for t in terms if not plan.inputs[t.input].required})
    parts = [f"({local[t.input]} is None or {term_code(t, False)})" if t.input in missing else term_code(t, False) for t in terms]
    parts.append("(" + " or ".join(f"{local[m]} is None" for m in missing) + ")")
    return " and ".join(parts)


def compiled(plan: Plan) -> CompiledPlan:
    """The plan's compiled router and validator, built once per loaded plan (kept on the plan)."""
    found = plan.memo.get("bulk")
    if found is None:
        found = plan.memo["bulk"] = CompiledPlan(plan)
    return found
