"""The bulk path for audits of many cases: fast validation and compiled routing.

`decide` answers one case for one advisor: durable-rules, checked against the reference
evaluator, with a full explanation. An audit ("which level should each of last year's 40,000
decisions have had?") needs the level alone, many times. This module generates Python per plan
from its declarations and its priority list (`rule_specs`, the same one durable-rules runs):

- `Decider.one` (``decide_many``): validates a case as strictly as `validate_case`, fills in the
  implied and derived values and walks the priority list, all in local variables of one
  function; a case it cannot vouch for (anything unusual, and every error) goes to the strict
  path below, so errors are the same;
- ``CompiledPlan.validate`` (the live path of `decide` and `check`) and ``CompiledPlan.route``:
  the common shape of a case checked with plain type checks (else `validate_case`), and the
  priority list over validated values.

Property tests hold each of them equal to `validate_case` and the reference evaluator.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from ..errors import CaseError
from ..model.case import DESCRIPTION_KEY, FLOAT_NOISE, MAX_DESCRIPTION, NUMBER_DECIMALS, ValidatedCase, implied_text, product_text, validate_case
from ..plan.compile import NEEDS, NOMATCH, ROW, Outcome, RuleSpec
from ..plan.model import OneOf, Plan, Term, Value
from ..plan.parts import InputSpec
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

        def const(value: Any) -> str:
            found = _literal(value)
            if found is not None:
                return found
            name = f"C{len(namespace)}"
            namespace[name] = value
            return name

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


class _FastValidator:
    """Plain type and range checks for a case that gives every input it needs in plain form,
    compiled per plan into one generated function (like the router) from the plan's input
    declarations. Returns validate_case's `ValidatedCase` (values and derived texts), or None
    whenever the strict path is needed (so it never accepts what it should not, and only
    validate_case writes error messages)."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self._run: Callable[[Any], ValidatedCase | None] = (lambda case: None) if plain() else self._compile()

    def __call__(self, case: Any) -> ValidatedCase | None:
        return self._run(case)

    def _compile(self) -> Callable[[Any], ValidatedCase | None]:
        plan, meta = self.plan, self.plan.meta
        env: dict[str, Any] = {"ValidatedCase": ValidatedCase, "MappingProxyType": MappingProxyType, "NOISE": FLOAT_NOISE}

        def const(value: Any) -> str:
            name = f"K{len(env)}"
            env[name] = value
            return name

        out = ["def fast(case):"]
        add = out.append
        add(f"    if case.__class__ is not dict or not {const(frozenset(plan.inputs) | {DESCRIPTION_KEY})}.issuperset(case):")
        add("        return None")
        add(f"    if {DESCRIPTION_KEY!r} in case:")
        add(f"        d = case[{DESCRIPTION_KEY!r}]")
        add(f"        if d.__class__ is not str or len(d) > {MAX_DESCRIPTION}:")
        add("            return None")
        add("    values = {}")
        add("    missing = False")
        required_missing: list[str] = []
        for name, spec in plan.inputs.items():
            add(f"    v = case.get({name!r})")
            add("    if v is None:")
            if spec.required:
                required_missing.append(name)
                add("        missing = True")
            else:
                add("        pass")
            if spec.type == "enum":
                add(f"    elif v.__class__ is str and v in {const(frozenset(spec.values or {}))}:")
                add(f"        values[{name!r}] = v")
            elif spec.type == "bool":
                add("    elif v.__class__ is bool:")
                add(f"        values[{name!r}] = v")
            elif spec.type == "int":
                add(f"    elif v.__class__ is int and {spec.min!r} <= v <= {spec.max!r}:")
                add(f"        values[{name!r}] = v")
            else:
                # Bounds are finite (the loader requires them), so NaN and inf fail them. Amounts
                # keep at most two decimals: only floating-point noise is rounded away.
                add(f"    elif v.__class__ is float and {spec.min!r} <= v <= {spec.max!r}:")
                add(f"        r = round(v, {NUMBER_DECIMALS}) + 0.0")
                add("        if abs(r - v) > NOISE:")
                add("            return None")
                add(f"        values[{name!r}] = r")
                add(f"    elif v.__class__ is int and {spec.min!r} <= v <= {spec.max!r}:")
                add(f"        values[{name!r}] = float(v)")
            add("    else:")
            add("        return None")
        add("    derived = []")
        # A value that implies another input's only possible value fills it in, in the plan's
        # order of implications and with validate_case's words; every implied condition must hold.
        implied: dict[str, dict[str, tuple[int, tuple[tuple[str, Any, str], ...], tuple[Term, ...]]]] = {}
        for order, ((name, code), terms) in enumerate(plan.implications.items()):
            fills = tuple((t.input, t.single, implied_text(plan, t.input, name, code)) for t in terms if t.single is not None)
            implied.setdefault(name, {})[code] = (order, fills, tuple(terms))
        sources = [n for n in plan.inputs if n in implied]
        if sources:
            add("    hits = []")
            for name in sources:
                add(f"    h = {const(implied[name])}.get(values.get({name!r}))")
                add("    if h is not None:")
                add("        hits.append(h)")
            if len(sources) > 1:
                add("    hits.sort(key=lambda h: h[0])")
            add("    for _, fills, _ in hits:")
            add("        for target, value, text in fills:")
            add("            if target not in values:")
            add("                values[target] = value")
            add("                derived.append(text)")
        if required_missing:
            add(f"    if missing and not ({' and '.join(f'{n!r} in values' for n in required_missing)}):")
            add("        return None")
        if sources:
            add("    for _, _, terms in hits:")
            add("        for t in terms:")
            add("            x = values.get(t.input)")
            add("            if x is not None and not t.holds(x):")
            add("                return None")
        for name, spec in plan.inputs.items():
            needs = {code: tuple(v.requires) for code, v in (spec.values or {}).items() if v.requires} if spec.type == "enum" else {}
            if needs:
                add(f"    need = {const(needs)}.get(values.get({name!r}))")
                add("    if need and not all(r in values for r in need):")
                add("        return None")
        for name, spec in plan.inputs.items():
            if spec.at_least:
                add(f"    if {name!r} in values and {spec.at_least!r} in values and values[{name!r}] < values[{spec.at_least!r}]:")
                add("        return None")
        for name, spec in plan.inputs.items():
            factors = tuple(spec.default_product or ())
            if not factors:
                continue
            text = product_text(plan, name)
            add(f"    if {' and '.join(f'{f!r} in values' for f in factors)}:")
            add(f"        p = {' * '.join(f'float(values[{f!r}])' for f in factors)}")
            add(f"        p = {'int(p)' if spec.type == 'int' else 'float(p)'}")
            add(f"        if {name!r} in values:")
            add(f"            if values[{name!r}] < p - NOISE:")
            add("                return None")
            add(f"        elif p > {spec.max!r}:")
            add("            return None")
            add("        else:")
            add(f"            values[{name!r}] = p")
            add(f"            derived.append({text!r})")
        add(f"    if (values.get({meta.area_input!r}), values.get({meta.step_input!r})) not in {const(frozenset((st.area, st.step) for st in plan.ladder))}:")
        add("        return None")
        if meta.consent_input:
            # Consent missing or refused: the strict path says why.
            add(f"    if values.get({meta.paragraph_input!r}) in {const(frozenset(plan.consent_codes))} and values.get({meta.consent_input!r}) is not True:")
            add("        return None")
        add("    return ValidatedCase(MappingProxyType(values), tuple(derived))")
        self.source = "\n".join(out)
        return build("validator", self.plan, out, env, "fast")


#: What ``Decider.one`` returns for a decided case: level, deciding row, escalated, no error
#: (``BulkResult`` without its index).
Answer = tuple[str, str | None, bool, None]
#: Int inputs whose whole domain (max - min + 1) is at most this are checked against an
#: implication by set membership; a larger domain leaves the plan to the strict path.
MAX_ENUMERATED_DOMAIN = 10_000
#: Below this magnitude an int converts to a float exactly (validate_case refuses one that does not).
EXACT_INT = 2**53


class Decider:
    """``one(case)``: one generated function per plan that validates a case, derives its values
    and walks the priority list, with every value in a local variable.

    It returns the `Answer` when it can vouch for the case: every value in its plain form and in
    bounds, nothing the strict path would refuse or report. For anything else (an error, an
    amount with floating-point noise, a float for an int, a missing input that could lift the
    level, a case without area or step) it returns None and the caller takes the strict path,
    `validate_case` and the router, which alone write error messages. ``one`` is None for a plan
    whose implications the generator does not cover (see `_implication_shape`): every case then
    takes the strict path. The statutory floor is re-checked by the ``floor`` callback for every
    decided case. Property tests hold it equal to `validate_case` + the reference evaluator."""

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
        shape = _implication_shape(plan)
        m = plan.meta
        if shape is not None and m.area_input in plan.inputs and m.step_input in plan.inputs and not plain():
            self.one = self._compile(compiled.specs, shape, floor)

    def _compile(
        self, specs: tuple[RuleSpec, ...], shape: dict[str, dict[str, tuple[dict[str, frozenset[Any]], dict[str, Any]]]], floor: Callable[[Plan, object, int], None]
    ) -> Callable[[Any], Answer | None]:
        plan, meta = self.plan, self.plan.meta
        names = list(plan.inputs)
        local = {name: f"v{i}" for i, name in enumerate(names)}
        env: dict[str, Any] = {"PLAN": plan, "FLOOR": floor}

        def const(value: Any) -> str:
            found = _literal(value)
            if found is not None:
                return found
            name = f"K{len(env)}"
            env[name] = value
            return name

        def var(name: str | None) -> str:
            return local[name] if name is not None and name in local else "None"

        targets = {t for by_target in shape.values() for t in by_target}
        out = ["def one(case):"]
        add = out.append
        env["KEYS"] = frozenset(plan.inputs) | {DESCRIPTION_KEY}
        add("    if case.__class__ is not dict or not KEYS.issuperset(case):")
        add("        return None")
        add(f"    if {DESCRIPTION_KEY!r} in case:")
        add(f"        d = case[{DESCRIPTION_KEY!r}]")
        add(f"        if d.__class__ is not str or len(d) > {MAX_DESCRIPTION}:")
        add("            return None")
        add("    get = case.get")
        for name, spec in plan.inputs.items():
            v = local[name]
            add(f"    {v} = get({name!r})")
            if spec.required and name not in targets:
                add(f"    if {v} is None:")
                add("        return None")
                cond_head = "    "
            else:
                add(f"    if {v} is not None:")
                cond_head = "        "
            i = cond_head
            if spec.type == "enum":
                add(f"{i}if {v}.__class__ is not str or {v} not in {const(frozenset(spec.values or {}))}:")
                add(f"{i}    return None")
            elif spec.type == "bool":
                add(f"{i}if {v}.__class__ is not bool:")
                add(f"{i}    return None")
            elif spec.type == "int":
                add(f"{i}if {v}.__class__ is not int or not {spec.min!r} <= {v} <= {spec.max!r}:")
                add(f"{i}    return None")
            else:
                # An amount in kroner and øre: n / 100 (an int divided exactly rounded) is the float
                # nearest n øre, so a float equal to it is a two-decimal amount and round(v, 2)
                # gives it back unchanged (validate_case's value; 0.0 for -0.0). Anything else,
                # floating-point noise included, takes the strict path.
                add(f"{i}if {v}.__class__ is float and {spec.min!r} <= {v} <= {spec.max!r}:")
                add(f"{i}    r = round({v} * 100.0) / 100")
                add(f"{i}    if r != {v}:")
                add(f"{i}        return None")
                add(f"{i}    {v} = r")
                if max(abs(spec.min or 0), abs(spec.max or 0)) < EXACT_INT:
                    add(f"{i}elif {v}.__class__ is int and {spec.min!r} <= {v} <= {spec.max!r}:")
                    add(f"{i}    {v} = float({v})")
                add(f"{i}else:")
                add(f"{i}    return None")
        # Implied values, filled in and checked as validate_case does (one source per target).
        for source, by_target in shape.items():
            for target, (allowed, fills) in by_target.items():
                vs, vt = local[source], local[target]
                add(f"    a = {const(allowed)}.get({vs})")
                add("    if a is not None:")
                if fills:
                    add(f"        if {vt} is None:")
                    add(f"            {vt} = {const(fills)}.get({vs})")
                add(f"        if {vt} is not None and {vt} not in a:")
                add("            return None")
        for name in targets:
            if plan.inputs[name].required:
                add(f"    if {local[name]} is None:")
                add("        return None")
        # An enum value that needs other inputs (validate_case: "skal oplyses, når …").
        for name, spec in plan.inputs.items():
            if spec.type != "enum":
                continue
            groups: dict[tuple[str, ...], set[str]] = {}
            for code, value in (spec.values or {}).items():
                if value.requires:
                    groups.setdefault(tuple(value.requires), set()).add(code)
            for needed, codes in groups.items():
                add(f"    if {local[name]} in {const(frozenset(codes))} and ({' or '.join(f'{var(r)} is None' for r in needed)}):")
                add("        return None")
        for name, spec in plan.inputs.items():
            if spec.at_least:
                a, b = local[name], var(spec.at_least)
                add(f"    if {a} is not None and {b} is not None and {a} < {b}:")
                add("        return None")
        for name, spec in plan.inputs.items():
            factors = tuple(spec.default_product or ())
            if not factors:
                continue
            v = local[name]
            add(f"    if {' and '.join(f'{var(f)} is not None' for f in factors)}:")
            add(f"        p = {' * '.join(f'float({var(f)})' for f in factors)}")
            add(f"        p = {'int(p)' if spec.type == 'int' else 'float(p)'}")
            add(f"        if {v} is not None:")
            add(f"            if {v} < p - NOISE:")
            add("                return None")
            add(f"        elif p > {spec.max!r}:")
            add("            return None")
            add("        else:")
            add(f"            {v} = p")
        env["NOISE"] = FLOAT_NOISE
        add(f"    if ({var(meta.area_input)}, {var(meta.step_input)}) not in {const(frozenset((st.area, st.step) for st in plan.ladder))}:")
        add("        return None")
        if plan.consent_codes:
            # Consent missing or refused: the strict path says why.
            add(f"    if {var(meta.paragraph_input)} in {const(frozenset(plan.consent_codes))} and {var(meta.consent_input)} is not True:")
            add("        return None")
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
            assert spec.row is not None
            status = known.get(spec.row.id)
            if status is None:
                status = known[spec.row.id] = row_status(spec.row, case)
            if (spec.kind == ROW and status == MATCH) or (spec.kind == NEEDS and status == UNKNOWN):
                return i
        raise AssertionError("rule_specs always ends with a catch-all")

    return route


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
    assert rule.row is not None
    out: dict[str, frozenset[Any]] = {}
    for term in rule.row.terms:
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
        domain = _domain(plan.inputs[name])
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
    assert spec.row is not None
    terms = spec.row.terms

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


def _implication_shape(plan: Plan) -> dict[str, dict[str, tuple[dict[str, frozenset[Any]], dict[str, Any]]]] | None:
    """The plan's implications as lookup tables: source input -> target input -> (code -> the
    target's values that meet every implied condition, code -> the value filled in when the case
    leaves the target out). None when validate_case's order of filling could matter or a target's
    domain cannot be listed (a source that is itself a target, a target implied by two sources, a
    source that is not an enum, a number or large int target): such a plan takes the strict path."""
    shape: dict[str, dict[str, tuple[dict[str, frozenset[Any]], dict[str, Any]]]] = {}
    owner: dict[str, str] = {}
    for (source, code), terms in plan.implications.items():
        if plan.inputs[source].type != "enum":
            return None
        by_target = shape.setdefault(source, {})
        for term in terms:
            if owner.setdefault(term.input, source) != source or term.input == source:
                return None
            domain = _domain(plan.inputs[term.input])
            if domain is None:
                return None
            allowed, fills = by_target.setdefault(term.input, ({}, {}))
            on_target = [t for t in terms if t.input == term.input]
            allowed[code] = frozenset(x for x in domain if all(t.holds(x) for t in on_target))
            single = next((t.single for t in on_target if t.single is not None), None)
            if single is not None:
                fills[code] = single
    if set(shape) & set(owner):
        return None
    return shape


def _domain(spec: InputSpec) -> tuple[Any, ...] | None:
    """Every valid value of an input, when there are few enough to list."""
    if spec.type == "enum":
        return tuple(spec.values or {})
    if spec.type == "bool":
        return (False, True)
    if spec.type == "int" and spec.min is not None and spec.max is not None:
        low, high = math.ceil(spec.min), math.floor(spec.max)
        if high - low < MAX_ENUMERATED_DOMAIN:
            return tuple(range(low, high + 1))
    return None


def compiled(plan: Plan) -> CompiledPlan:
    """The plan's compiled router and validator, built once per loaded plan (kept on the plan)."""
    found = plan.memo.get("bulk")
    if found is None:
        found = plan.memo["bulk"] = CompiledPlan(plan)
    return found
