"""JSON Schemas for every input and output. The case schema is generated from the plan's own
input declarations (types, bounds, codes), so a case tool sees exactly what the plan accepts."""

from __future__ import annotations

from typing import Any

from .checks.report import Report
from .submission import Submission
from .decision import Decision
from .plan.model import Plan
from .plan.schema import RESERVED_INPUT_NAMES

KINDS = ("case", "submission", "decision", "report")


def case_schema(plan: Plan) -> dict[str, Any]:
    """JSON Schema of a case under ``plan``. Cross-field rules (a paragraph's steps, at_least)
    are described, not encoded: the engine checks them and names the field."""
    props: dict[str, Any] = {"beskrivelse": {"type": "string", "maxLength": 2000, "description": "Fritekst; bruges ikke af motoren."}}
    for name, spec in plan.inputs.items():
        if spec.type == "enum":
            prop: dict[str, Any] = {"type": "string", "enum": list(spec.values or {})}
        elif spec.type == "bool":
            prop = {"type": "boolean"}
        else:
            prop = {"type": "integer" if spec.type == "int" else "number", "minimum": spec.min, "maximum": spec.max}
        prop["title"] = spec.label
        if spec.description or spec.unit:
            prop["description"] = " ".join(x for x in (spec.description, f"Enhed: {spec.unit}." if spec.unit else "") if x)
        props[name] = prop
    required = [n for n, s in plan.inputs.items() if s.required and n not in _inferable(plan)]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"Sag ({plan.meta.kommune}, plan {plan.meta.id} {plan.meta.version})",
        "type": "object",
        "properties": props,
        "required": required,
        "additionalProperties": False,
        "not": {"anyOf": [{"required": [k]} for k in sorted(RESERVED_INPUT_NAMES - {"beskrivelse"})]},
    }


def _inferable(plan: Plan) -> set[str]:
    """Required inputs that every value of another required enum fills in (e.g. the area)."""
    out = set()
    for name, spec in plan.inputs.items():
        if spec.type != "enum" or not spec.required or not spec.values:
            continue
        implied_by_all = None
        for code in spec.values:
            terms = plan.implications.get((name, code), ())
            single = {t.input for t in terms if t.op == "in" and len(t.value) == 1}  # type: ignore[arg-type]
            implied_by_all = single if implied_by_all is None else implied_by_all & single
        out |= implied_by_all or set()
    return out


def schema(kind: str, plan: Plan) -> dict[str, Any]:
    """The JSON Schema for ``kind`` (case, submission, decision, report)."""
    if kind == "case":
        return case_schema(plan)
    if kind == "submission":
        out = Submission.model_json_schema()
        out["properties"]["sag"] = {k: v for k, v in case_schema(plan).items() if k != "$schema"}
        out["properties"]["dokumenter"]["items"] = _with_enum(out, "Document", "type", list(plan.document_types))
        return out
    if kind == "decision":
        return Decision.model_json_schema()
    if kind == "report":
        return Report.model_json_schema()
    raise ValueError(kind)


def _with_enum(schema_: dict[str, Any], model: str, field: str, values: list[str]) -> dict[str, Any]:
    defs = schema_.get("$defs", {})
    if model in defs:
        defs[model]["properties"][field]["enum"] = values
    return {"$ref": f"#/$defs/{model}"}
