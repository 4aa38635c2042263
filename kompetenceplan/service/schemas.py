"""JSON Schemas (2020-12) for every input and output, generated from the loaded plan.

The case schema says exactly what `validate_case` accepts, as far as JSON Schema can say it:
types, bounds and codes of the plan's inputs; ``null`` as "not given"; and one ``oneOf`` branch
per paragraph with what the paragraph implies (the area, the steps of the indsatstrappe, an age
range) and which inputs it then requires (``alder`` for children). Rules JSON Schema cannot
state (one amount at least another, a total at least monthly × months, an input that could lift
the level, amounts in øre: at most 2 decimals) are listed by `semantic_refusals` and documented
as 422 answers.

A request's schema may enumerate the plan's codes (the case's paragraphs, document types): they
say what the service accepts today. An answer's schema never does (decision, report): a level,
a row or a requirement code is a string whose current values are described, so a plan that adds
a DOK code or a level never breaks a client generated from an older contract.

Amounts have no ``multipleOf: 0.01``: standard validators compute it in binary floating point and
reject an amount such as 1234.56 that the service accepts; the description says "højst 2
decimaler" and the service refuses more (a declared refusal).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from typing import Any

from ..checks.report import Report
from ..model.case import MAX_DESCRIPTION
from ..model.decision import Decision
from ..model.submission import Submission
from ..plan.input_kinds import NUMBER_DECIMALS, kind_of
from ..plan.model import OneOf, Plan, Term, Value, make_term
from ..plan.parts import InputSpec

KINDS = ("case", "submission", "decision", "report")
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _prop(spec: InputSpec, nullable: bool) -> dict[str, Any]:
    """One input's schema; ``nullable``: null means "not given" (the case validator skips it)."""
    kind = kind_of(spec)
    prop: dict[str, Any] = {"type": [kind.json_type, "null"] if nullable else kind.json_type, **kind.schema(spec)}
    if "enum" in prop and nullable:
        prop["enum"] = [*prop["enum"], None]
    prop["title"] = spec.label
    # Kroner and øre: at most 2 decimals, checked by the service (see the module doc). The validator
    # also rounds binary floating-point noise away (0.1 + 0.2 = 0.30000000000000004): that leniency
    # is documented, not a rule.
    decimals = f"Højst {kind.decimals} decimaler." if kind.decimals else ""
    if spec.description or spec.unit or decimals:
        prop["description"] = " ".join(x for x in (spec.description, f"Enhed: {spec.unit}." if spec.unit else "", decimals) if x)
    return prop


def _narrow(prop: dict[str, Any], term: Term) -> None:
    """Tighten ``prop`` in place so it allows only values meeting ``term`` (null stays allowed
    where it was: an implication is checked only for a value that is given)."""
    nullable = "null" in prop["type"] if isinstance(prop["type"], list) else False
    op = term.operator
    if op.bound is None:  # in / eq: the allowed values
        allowed: list[Value] = list(term.values) if isinstance(term, OneOf) else [term.value]
        if "enum" in prop:
            allowed = [v for v in prop["enum"] if v is not None and v in allowed]
        elif "minimum" in prop:
            allowed = [v for v in allowed if prop["minimum"] <= v <= prop["maximum"]]
        prop["enum"] = allowed + ([None] if nullable else [])
        return
    tighter = max if op.bound == "lower" else min
    prop[op.schema] = tighter(prop.get(op.schema, term.value), term.value)


def _derived(plan: Plan, name: str, code: str) -> dict[str, Value]:
    """Inputs a value fills in when they are not given (a Barnets lov paragraph: område børn)."""
    return {t.input: t.single for t in plan.implications.get((name, code), ()) if t.single is not None}


def _branch(plan: Plan, code: str) -> dict[str, Any] | None:  # noqa: C901 - one paragraph's branch: its implied values, narrowed inputs, required inputs and ladder
    """The case schema when the paragraph is ``code``; None when no case can have it."""
    par = plan.meta.paragraph_input
    derived = _derived(plan, par, code)
    required = {n for n, s in plan.inputs.items() if s.required and n not in derived}
    fixed: dict[str, Value] = {par: code, **derived}  # values known in this branch
    props: dict[str, Any] = {"beskrivelse": {"type": "string", "maxLength": MAX_DESCRIPTION, "description": "Fritekst; bruges ikke af motoren."}}
    for name, spec in plan.inputs.items():
        props[name] = _prop(spec, nullable=name not in required)
    props[par] = {"const": code, "title": plan.inputs[par].label, "description": plan.enum_value(par, code).label}
    for name, value in fixed.items():
        if name != par:
            props[name]["enum"] = [value, None]  # given it must be this value; left out it is derived
        if plan.inputs[name].type != "enum":
            continue
        for req in plan.enum_value(name, str(value)).requires:
            required.add(req)
            _not_null(props[req])
    # A paragraph that needs consent (Barnets lov § 32, stk. 2; § 46; the plan's consent_codes, where
    # the plan has them) is refused without consent = true: the branch requires it, as true.
    consent = plan.meta.consent_input
    if consent and code in plan.consent_codes:
        required.add(consent)
        props[consent] = _prop(plan.inputs[consent], nullable=False) | {"const": True}
    for name, value in fixed.items():
        for term in plan.implications.get((name, str(value)), ()) if plan.inputs[name].type == "enum" else ():
            _narrow(props[term.input], term)
    conditions: list[dict[str, Any]] = []
    area, step = plan.meta.area_input, plan.meta.step_input
    if area in fixed:
        _narrow(props[step], make_term(step, "in", tuple(s.step for s in plan.steps(str(fixed[area])))))
    else:
        for value in plan.inputs[area].values or {}:
            steps = [s.step for s in plan.steps(value)]
            conditions.append({"if": _is(area, value), "then": {"properties": {step: {"enum": steps}}}})
    for name, spec in plan.inputs.items():  # conditions of enum values that are not fixed here
        if spec.type != "enum" or name in fixed:
            continue
        for value, enum_value in (spec.values or {}).items():
            then: dict[str, Any] = {"properties": {}}
            if enum_value.requires:
                then["required"] = list(enum_value.requires)
                then["properties"] = {r: {"not": {"type": "null"}} for r in enum_value.requires}
            for term in plan.implications.get((name, value), ()):
                narrowed = _prop(plan.inputs[term.input], nullable=True)
                _narrow(narrowed, term)
                then["properties"][term.input] = {k: v for k, v in narrowed.items() if k not in ("title", "description")}
            if then["properties"]:
                conditions.append({"if": _is(name, value), "then": then})
    if any(name in required and not [v for v in props[name].get("enum", [0]) if v is not None] for name in props):
        return None  # e.g. the paragraph's steps are not on the area's ladder: refused, never routed
    out: dict[str, Any] = {
        # A name a code generator can use ("Case_bl_46"); the paragraph's label is the description.
        "title": "Case_" + re.sub(r"\W", "_", code),
        "description": plan.enum_value(par, code).label,
        "type": "object",
        "properties": props,
        "required": [n for n in plan.inputs if n in required],
        "additionalProperties": False,
    }
    if conditions:
        out["allOf"] = conditions
    return out


def _not_null(prop: dict[str, Any]) -> None:
    if isinstance(prop.get("type"), list):
        prop["type"] = [t for t in prop["type"] if t != "null"][0]
    if "enum" in prop:
        prop["enum"] = [v for v in prop["enum"] if v is not None]


def _is(name: str, value: str) -> dict[str, Any]:
    return {"properties": {name: {"const": value}}, "required": [name]}


def case_schema(plan: Plan) -> dict[str, Any]:
    """JSON Schema of a case under ``plan``: one branch per paragraph code (see the module doc)."""
    par = plan.meta.paragraph_input
    branches = [b for code in plan.inputs[par].values or {} if (b := _branch(plan, code)) is not None]
    return {
        "$schema": DIALECT,
        "title": f"Sag ({plan.meta.kommune}, plan {plan.meta.id} {plan.meta.version})",
        "description": (
            f"En sag. Feltet {par} vælger grenen; null betyder 'ikke oplyst'. Beløb har højst {NUMBER_DECIMALS} decimaler "
            "(binær afrundingsstøj som 0.30000000000000004 rundes dog til øre). Reglerne, skemaet ikke kan udtrykke, "
            "står i semantic_refusals og giver 422: " + " ".join(r["rule"] for r in semantic_refusals(plan, "sagen"))
        ),
        "type": "object",
        "properties": {par: {"enum": [b["properties"][par]["const"] for b in branches], "title": plan.inputs[par].label}},
        "required": [par],
        "oneOf": branches,
    }


def semantic_refusals(plan: Plan, where: str) -> list[dict[str, str]]:
    """Refusals of a schema-valid case: the rules JSON Schema cannot state. Each names the error,
    a regular expression for the problem's ``where`` and the rule in Danish."""
    out = []
    prefix = where.replace(".", r"\.")
    amounts = [name for name, spec in plan.inputs.items() if kind_of(spec).decimals]
    if amounts:
        out.append({"error": "CaseError", "where": f"^{prefix}\\.({'|'.join(amounts)})$", "rule": f"Beløb har højst {NUMBER_DECIMALS} decimaler (øre)."})
    for name, spec in plan.inputs.items():
        if spec.at_least:
            out.append({"error": "CaseError", "where": f"^{prefix}\\.{name}$", "rule": f"{name} skal være mindst {spec.at_least}."})
        if spec.default_product:
            product = " × ".join(spec.default_product)
            out.append({"error": "CaseError", "where": f"^{prefix}\\.{name}$", "rule": f"{name} skal være mindst {product}; udeladt beregnes den og må ikke overstige {spec.max}."})
    # An input with a default (monthly × months) is computed when left out, never asked for.
    optional = sorted({t.input for r in plan.rows for t in r.terms if not plan.inputs[t.input].required and not plan.inputs[t.input].default_product})
    if optional:
        names = "|".join(optional)
        # decide() names a missing input as sagen.<input>, also inside a submission
        out.append({"error": "MissingInputError", "where": f"^sagen\\.({names})$", "rule": f"{', '.join(optional)} skal oplyses, når en regel på et højere niveau afhænger af den."})
    return out


def submission_refusals(plan: Plan) -> list[dict[str, str]]:
    """`semantic_refusals` of a submission: its case's, and dates after today (the server's clock)."""
    dates = r"^indstilling\.(dokumenter\[\d+\]|samtykker\[\d+\]|barnets_perspektiv)\.dato$"
    return semantic_refusals(plan, "indstilling.sag") + [{"error": "CaseError", "where": dates, "rule": "En dato i indstillingen må ikke ligge efter dags dato."}]


def schema(kind: str, plan: Plan, versions: Sequence[Plan] = ()) -> dict[str, Any]:
    """The JSON Schema for ``kind`` (case, submission, decision, report) under ``plan``. An
    answer's codes (levels, rows, inputs, requirement codes) are strings whose current values —
    of ``plan`` and ``versions`` (``?on=`` can pick an older version) — are described, never
    enumerated (see the module doc)."""
    if kind == "case":
        return case_schema(plan)
    if kind == "submission":
        out = copy.deepcopy(Submission.model_json_schema())
        out["$schema"] = DIALECT
        defs = out["$defs"]
        defs["case"] = {k: v for k, v in case_schema(plan).items() if k != "$schema"}
        out["properties"]["sag"] = {"$ref": "#/$defs/case"}
        defs["Document"]["properties"]["type"]["enum"] = list(plan.document_types)
        defs["Consent"]["properties"]["fra"]["enum"] = list(plan.consent_roles)
        return out
    every = [plan, *versions]
    levels = [lv.id for p in every for lv in p.levels]
    if kind == "decision":
        out = {"$schema": DIALECT} | Decision.model_json_schema(mode="serialization")
        defs = out["$defs"]
        _described(defs["LevelRef"]["properties"]["id"], levels, "Niveauets id")
        defs["LevelRef"]["properties"]["rank"] |= {"minimum": 0, "description": "Niveauets plads i planens rækkefølge (0 = laveste)."}
        _described(defs["RowTrace"]["properties"]["id"], [r.id for p in every for r in p.rows], "Rækkens id")
        _described(defs["RowTrace"]["properties"]["level"], levels, "Rækkens niveau")
        inputs = [n for p in every for n in p.inputs]
        _described(defs["ConditionTrace"]["properties"]["input"], inputs, "Inputtets navn")
        out["properties"]["inputs"]["description"] = values_text(inputs, "Sagens input efter validering; nøglerne er inputtenes navne")
        routed_on = out["properties"]["routed_on"]
        routed_on["anyOf"] = [{"type": "string", "format": "date"}, {"type": "null"}]
        routed_on["description"] = "Datoen, planens version blev valgt efter (POST /route: ?on= eller dagens dato)."
        return out
    if kind == "report":
        out = {"$schema": DIALECT} | Report.model_json_schema(mode="serialization")
        _described(out["$defs"]["Routing"]["properties"]["level"], levels, "Niveauet, der skal træffe afgørelsen")
        _described(out["$defs"]["Finding"]["properties"]["code"], [r.code for p in every for r in p.requirements], "Dokumentationskravets kode")
        out["properties"]["meeting_date"]["format"] = "date"
        return out
    raise ValueError(kind)


def values_text(values: Sequence[str], what: str) -> str:
    """A description naming a code's current values, for an answer's schema: the values are the
    plan's and change with it, so they are described, never an ``enum`` a client would reject."""
    return f"{what} (en kode fra planen; nu: {', '.join(dict.fromkeys(values))})."


def _described(prop: dict[str, Any], values: Sequence[str], what: str) -> None:
    """An answer's code: a string whose current values are described (no enum)."""
    prop.pop("enum", None)
    prop["description"] = values_text(values, what)
