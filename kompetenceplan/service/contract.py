"""The HTTP API's contract: the OpenAPI 3.1 description, generated from the loaded plan.

FastAPI describes the routes' shape; this module states what each operation really accepts and
answers: dates as ``format: date``, closed sets as enums (paragraph codes, levels, schema kinds,
formats), the plan's bounds and conditional requirements (`schemas.case_schema`), required bodies,
each answer's media types and the one error model for 413/415/422/500. A 422 answer also lists,
as ``x-semantic-refusals``, the rules a schema-valid request can still break (generated from the
plan): a client cannot know them from the schema, so they are declared, and the API fuzzer in
the tests accepts a 422 on schema-valid data only for them.

Rules for routes: every JSON route is described here (``OPERATIONS``), a test fails on one that
is not; HTML pages for people are mounted with ``include_in_schema=False`` and are not part of
the contract. A change of ``API_VERSION`` or of the generated description is deliberate: the
committed copy ``docs/openapi.json`` is compared in a test, and ``kompetenceplan openapi
--output docs/openapi.json`` regenerates it (after a change to the bundled plan too).
"""

from __future__ import annotations

import copy
import re
from typing import Any

from pydantic import BaseModel, ConfigDict

from ..plan.model import Plan
from ..plan.schema import Committee, InputSpec, LadderStep, Level, PlanMeta
from ..plan.versions import PlanSet
from .schemas import KINDS, schema, semantic_refusals, submission_refusals

#: The contract's version (semantic versioning): major for a change that can break a client,
#: minor for an addition, patch for wording. Listed in CHANGELOG with every change.
API_VERSION = "2.0.0"
RENDER_FORMATS = ("markdown", "html")
COMPONENTS = "#/components/schemas/"


class PlanSummary(BaseModel):
    """``GET /plan``: metadata, levels, committees, ladder and inputs of one version, and all versions."""

    model_config = ConfigDict(extra="forbid")
    plan: PlanMeta
    levels: list[Level]
    committees: list[Committee]
    ladder: list[LadderStep]
    inputs: dict[str, InputSpec]
    versions: list[str]


ERROR = {
    "title": "Fejl",
    "description": "Hvad der er galt (title) og hvert problem: hvor, hvad og hvordan det rettes, på dansk. Aldrig en værdi fra sagen.",
    "type": "object",
    "required": ["error", "title", "problems"],
    "properties": {
        "error": {"type": "string", "description": "Fejlens art, fx CaseError, CaseFileError, MissingInputError, PlanError, EngineError, BodyTooLarge, InternalError."},
        "title": {"type": "string"},
        "problems": {"type": "array", "items": {"$ref": COMPONENTS + "Problem"}},
    },
}
PROBLEM = {
    "title": "Problem",
    "type": "object",
    "required": ["where", "what", "fix"],
    "properties": {"where": {"type": "string"}, "what": {"type": "string"}, "fix": {"type": "string"}, "code": {"type": "string"}},
    "additionalProperties": False,
}
HEALTH = {
    "title": "Health",
    "type": "object",
    "required": ["status", "plan", "versions"],
    "properties": {"status": {"type": "string"}, "plan": {"type": "string"}, "versions": {"type": "array", "items": {"type": "string"}}, "reloads": {"type": "integer", "minimum": 0}},
}
AGENDA_STATUS = ("klar", "ikke klar", "fejl i input")


def _agenda_request(max_agenda: int) -> dict[str, Any]:
    return {
        "title": "Dagsorden",
        "type": "object",
        "required": ["submissions"],
        "properties": {
            "submissions": {
                "type": "object",
                "maxProperties": max_agenda,
                "description": "Navngivne indstillinger (se submission). En indstilling, der ikke kan læses eller tjekkes, afvises ikke: den rapporteres med status 'fejl i input'.",
            }
        },
    }


def _agenda_response(versions: tuple[Plan, ...]) -> dict[str, Any]:
    codes = list(dict.fromkeys(r.code for p in versions for r in p.requirements))
    levels = list(dict.fromkeys(lv.id for p in versions for lv in p.levels))
    row = {
        "type": "object",
        "required": ["name", "status"],
        "properties": {
            "name": {"type": "string"},
            "status": {"enum": list(AGENDA_STATUS)},
            "level": {"enum": levels},
            "codes": {"type": "array", "items": {"enum": codes}},
            "error": {"$ref": COMPONENTS + "Error"},
        },
        "additionalProperties": False,
    }
    return {
        "title": "Dagsordensrapport",
        "type": "object",
        "required": ["meeting_date", "submissions", "totals", "ready", "not_ready", "invalid"],
        "properties": {
            "meeting_date": {"type": "string", "format": "date"},
            "submissions": {"type": "array", "items": row},
            "totals": {"type": "object", "propertyNames": {"enum": codes}, "additionalProperties": {"type": "integer", "minimum": 1}},
            "ready": {"type": "integer", "minimum": 0},
            "not_ready": {"type": "integer", "minimum": 0},
            "invalid": {"type": "integer", "minimum": 0},
        },
        "additionalProperties": False,
    }


def _date_param(name: str, what: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": what, "schema": {"type": "string", "format": "date"}}


def _json(ref: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": COMPONENTS + ref}}}


NO_REGISTER = "Tjenesten er startet uden register (serve --db), eller planen har ingen fristregler."
ON = _date_param("on", "Datoen, planens version vælges efter (ÅÅÅÅ-MM-DD). Standard: i dag.")
MEETING = _date_param("meeting_date", "Mødedatoen (ÅÅÅÅ-MM-DD); dokumenternes alder regnes til den. Standard: i dag.")

#: (path, method) -> parameters, request body schema, 200 answer (media type -> schema), 422 refusals.
OPERATIONS: dict[tuple[str, str], dict[str, Any]] = {
    ("/route", "post"): {"params": [ON], "body": "case", "ok": {"application/json": "decision"}, "refusals": "case"},
    ("/validate", "post"): {"params": [MEETING], "body": "submission", "ok": {"application/json": "report"}, "refusals": "submission"},
    ("/validate/agenda", "post"): {"params": [MEETING], "body": "agenda", "ok": {"application/json": "agenda_report"}, "refusals": "agenda"},
    ("/plan", "get"): {"params": [ON], "ok": {"application/json": "plan_summary"}, "refusals": "date"},
    ("/plan/rendered", "get"): {
        "params": [{"name": "format", "in": "query", "required": False, "description": "Dokumentets format.", "schema": {"enum": list(RENDER_FORMATS), "default": "markdown"}}],
        "ok": {"text/markdown": "text", "text/html": "text"},
    },
    ("/schema/{kind}", "get"): {
        "params": [{"name": "kind", "in": "path", "required": True, "schema": {"enum": list(KINDS)}}],
        "ok": {"application/json": "json_schema"},
        "not_found": True,
    },
    ("/health", "get"): {"ok": {"application/json": "health"}},
    ("/admin/reload", "post"): {"ok": {"application/json": "health"}, "refusals": "plan"},
    # Deadlines and case events (issue 26, service/frister_api.py): no case reference, team or
    # advisor in a query string; 404 when the service has no register or the plan no rules.
    ("/deadlines", "post"): {"body": "worklist_request", "ok": {"application/json": "worklist"}, "refusals": "worklist", "not_found": NO_REGISTER},
    ("/deadlines/events", "post"): {"body": "case_event", "ok": {"application/json": "case_event_record"}, "refusals": "event", "not_found": NO_REGISTER},
    ("/deadlines/cases/{case_ref}/events", "get"): {
        "params": [{"name": "case_ref", "in": "path", "required": True, "description": "Sagssystemets sagsnummer.", "schema": {"type": "string", "pattern": "^[A-Za-z0-9_.:/-]{1,64}$"}}],
        "ok": {"application/json": "case_event_list"},
        "refusals": "read",
        "not_found": NO_REGISTER,
    },
    ("/deadlines/rules", "get"): {"ok": {"application/json": "frist_rules"}, "not_found": "Planen har ingen fristregler (<planmappe>-frister.toml)."},
}


def _refusals(kind: str, plan: Plan) -> list[dict[str, str]]:
    date = [{"error": "PlanError", "where": ".*", "rule": "Ingen version af planen er i kraft på datoen."}]
    if kind == "case":
        return semantic_refusals(plan, "sagen") + date
    if kind == "submission":
        return submission_refusals(plan) + date
    if kind in ("date", "agenda"):
        return date
    if kind == "plan":
        return [{"error": "PlanError", "where": ".*", "rule": "Planen på disken kan ikke indlæses; den gamle bruges stadig."}]
    denied = {"error": "PermissionDenied", "where": "adgang", "rule": "Brugeren mangler adgangen (read_register, record_event)."}
    if kind == "worklist":
        return [
            {"error": "CaseError", "where": "^body", "rule": "Datoen skal være en gyldig kalenderdag."},
            {"error": "CaseError", "where": "^query$", "rule": "Ruten tager ingen parametre i adressen."},
            {"error": "FristError", "where": ".*", "rule": "Fristreglerne kan ikke læses."},
            denied,
        ]
    if kind == "event":
        return [
            {
                "error": "CaseError",
                "where": ".*",
                "rule": "Hændelsen skal passe til planen og registret: en kendt hændelse med en art, der hører til den; en paragrafkode fra planen (krævet for en formandsafgørelse); en dato, der ikke ligger i fremtiden; en hændelse, der ikke er gemt før; en rettelse af den nyeste version i samme sag.",
            },
            {"error": "PersonalDataError", "where": ".*", "rule": "Ingen tekst må ligne et CPR-nummer."},
            denied,
        ]
    if kind == "read":
        return [
            {"error": "CaseError", "where": "case_ref", "rule": "Sagsreferencen må kun have bogstaver, cifre og . : / - _."},
            {"error": "CaseError", "where": "^query$", "rule": "Ruten tager ingen parametre i adressen."},
            denied,
        ]
    return []


def _responses(op: dict[str, Any], plan: Plan) -> dict[str, Any]:
    ok: dict[str, Any] = {}
    for media, ref in op["ok"].items():
        ok[media] = {"schema": {"type": "string"}} if ref == "text" else {"schema": {"$ref": COMPONENTS + ref}}
    out: dict[str, Any] = {"200": {"description": "OK", "content": ok}}
    if "refusals" in op or "body" in op or op.get("params"):
        refusals = _refusals(op.get("refusals", ""), plan)
        text = "Fejl i input: feltets sti (where), hvad der er galt og hvordan det rettes, på dansk."
        if refusals:
            text += " Også en forespørgsel, der overholder skemaet, afvises, hvis den bryder en af disse regler: " + " ".join(r["rule"] for r in refusals)
        out["422"] = {"description": text, "content": _json("Error")}
        if refusals:
            out["422"]["x-semantic-refusals"] = refusals
    if isinstance(op.get("not_found"), str):
        out["404"] = {"description": op["not_found"], "content": _json("Error")}
    elif op.get("not_found"):
        out["404"] = {"description": "Ingen sådan sti.", "content": {"application/json": {"schema": {"type": "object"}}}}
    if "body" in op:
        out["413"] = {"description": "Forespørgslen er for stor (se serve --max-body).", "content": _json("Error")}
        out["415"] = {"description": "Forespørgslen er ikke JSON (Content-Type).", "content": _json("Error")}
    out["500"] = {"description": "Motorfejl eller uventet fejl; der er ikke truffet nogen afgørelse.", "content": _json("Error")}
    return out


def describe(spec: dict[str, Any], plans: Plan | PlanSet, max_agenda: int) -> dict[str, Any]:
    """The exact contract: FastAPI's generated ``spec`` rewritten for ``plans`` (not mutated);
    requests are described by the latest version, answers by all. ``max_agenda`` is the
    service's limit on submissions per agenda."""
    versions = plans.versions if isinstance(plans, PlanSet) else (plans,)
    plan = versions[-1]
    out = copy.deepcopy(spec)
    out["info"]["version"] = API_VERSION
    out["info"]["x-plan"] = {"id": plan.meta.id, "version": plan.meta.version}
    components: dict[str, Any] = {}
    for kind in KINDS:
        _add(components, kind, schema(kind, plan, versions))
    _add(components, "plan_summary", PlanSummary.model_json_schema(mode="serialization"))
    components["agenda"] = _agenda_request(max_agenda)
    components["agenda_report"] = _agenda_response(versions)
    components["health"] = HEALTH
    components["json_schema"] = {"title": "JSON Schema", "type": "object", "description": "Et JSON Schema (2020-12)."}
    _frister_components(components)
    components["Error"] = ERROR
    components["Problem"] = PROBLEM
    for path, methods in out.get("paths", {}).items():
        for method, operation in methods.items():
            op = OPERATIONS.get((path, method))
            if op is None:
                continue  # not described: the contract test names it
            operation["parameters"] = copy.deepcopy(op.get("params", []))
            for param in operation["parameters"]:
                if param["schema"].get("format") == "date":
                    param["schema"]["examples"] = [plan.meta.valid_from.isoformat()]  # a day the latest version is in force
            if not operation["parameters"]:
                del operation["parameters"]
            if "body" in op:
                operation["requestBody"] = {"required": True, "content": _json(op["body"])}
            operation["responses"] = _responses(op, plan)
    out["components"] = {"schemas": dict(sorted(components.items()))}
    dangling = sorted(set(_refs(out)) - {COMPONENTS + name for name in components})
    if dangling:
        raise ValueError(f"dangling $ref in the OpenAPI description: {dangling}")
    return out


def _frister_components(components: dict[str, Any]) -> None:
    """The deadline routes' request and answer schemas (service/frister_api.py)."""
    from ..frister.rules import FristConfig
    from ..store.events import EventRecord
    from .frister_api import EventIn, WorklistIn, WorklistOut

    _add(components, "worklist_request", WorklistIn.model_json_schema())
    _add(components, "worklist", WorklistOut.model_json_schema(mode="serialization"))
    _add(components, "case_event", EventIn.model_json_schema())
    _add(components, "case_event_record", EventRecord.model_json_schema(mode="serialization"))
    components["case_event_list"] = {"title": "Sagshændelser", "type": "array", "items": {"$ref": COMPONENTS + "case_event_record"}}
    _add(components, "frist_rules", FristConfig.model_json_schema(mode="serialization"))


def _add(components: dict[str, Any], name: str, body: dict[str, Any]) -> None:
    """Put a JSON Schema and its ``$defs`` into components, with the refs rewritten."""
    body = _rewrite(copy.deepcopy(body))
    body.pop("$schema", None)
    for def_name, definition in body.pop("$defs", {}).items():
        if def_name in components and components[def_name] != definition:
            raise ValueError(f"two different schemas named {def_name}")
        components[def_name] = definition
    components[name] = body


def _rewrite(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: (v.replace("#/$defs/", COMPONENTS) if k == "$ref" else _rewrite(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_rewrite(v) for v in node]
    return node


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "$ref"] + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def refusal_matches(refusals: list[dict[str, str]], body: Any) -> bool:
    """Whether a 422 body is one of the declared ``x-semantic-refusals`` (every problem is)."""
    if not isinstance(body, dict) or not body.get("problems"):
        return False
    rules = [r for r in refusals if r["error"] == body.get("error")]
    return all(any(re.search(r["where"], p.get("where", "")) for r in rules) for p in body["problems"])


def dumps(spec: dict[str, Any]) -> str:
    """The committed form of the contract (docs/openapi.json): stable, readable, one newline."""
    import json

    return json.dumps(spec, ensure_ascii=False, indent=2) + "\n"
