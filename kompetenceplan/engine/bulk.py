"""The bulk path for audits of many cases: fast validation and a compiled router.

`decide` answers one case for one advisor: durable-rules, checked against the reference
evaluator, with a full explanation. An audit ("which level should each of last year's 40,000
decisions have had?") needs the level alone, many times. This module compiles the plan's priority
list (`rule_specs`, the same one durable-rules runs) into one Python function, and validates the
common shape of a case with plain type checks. Anything unusual (a missing field, a wrong type,
a value to derive or infer) takes the strict path, `validate_case`, so errors are the same.
Property tests check both against `validate_case` and the reference evaluator.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from ..case import DESCRIPTION_KEY, FLOAT_NOISE, MAX_DESCRIPTION, NUMBER_DECIMALS, ValidatedCase, implied_text, product_text, validate_case
from ..errors import CaseError
from ..plan.compile import NOMATCH, ROW, Outcome, RuleSpec
from ..plan.model import OneOf, Plan, Term, Value


@dataclass(frozen=True, slots=True)
class BulkResult:
    """One case's outcome: the level, the deciding row, or the error that stopped it."""

    index: int
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
        self.route: Callable[[Mapping[str, Value]], int] = self._compile()
        self._fast = _FastValidator(plan)

    def _compile(self) -> Callable[[Mapping[str, Value]], int]:
        names = sorted(self.plan.inputs)
        local = {name: f"v{i}" for i, name in enumerate(names)}
        constants: dict[str, Any] = {}
        lines = ["def route(values):"]
        lines += [f"    {local[n]} = values.get({n!r})" for n in names]

        def term_code(term: Term, optional: bool) -> str:
            var = local[term.input]
            const = f"C{len(constants)}"
            constants[const] = frozenset(term.values) if isinstance(term, OneOf) else term.value
            code = f"{var} {term.operator.python} {const}"
            return f"({var} is not None and {code})" if optional else f"({code})"

        for i, spec in enumerate(self.specs):
            if spec.kind == NOMATCH:
                lines.append(f"    return {i}")
                break
            assert spec.row is not None
            terms = spec.row.terms
            if spec.kind == ROW:
                cond = " and ".join(term_code(t, not self.plan.inputs[t.input].required) for t in terms)
            else:  # NEEDS: every condition met or its input missing, and some optional input missing
                missing = sorted({t.input for t in terms if not self.plan.inputs[t.input].required})
                parts = [f"({local[t.input]} is None or {term_code(t, False)})" if t.input in missing else term_code(t, False) for t in terms]
                parts.append("(" + " or ".join(f"{local[m]} is None" for m in missing) + ")")
                cond = " and ".join(parts)
            lines.append(f"    if {cond}:")
            lines.append(f"        return {i}")
        namespace: dict[str, Any] = dict(constants)
        exec("\n".join(lines), namespace)  # noqa: S102 - source built from validated plan data only
        return namespace["route"]

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
        self._run = self._compile()

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
        exec(self.source, env)  # noqa: S102 - source built from validated plan data only
        return env["fast"]


def compiled(plan: Plan) -> CompiledPlan:
    """The plan's compiled router and validator, built once per loaded plan (kept on the plan)."""
    found = plan.memo.get("bulk")
    if found is None:
        found = plan.memo["bulk"] = CompiledPlan(plan)
    return found
