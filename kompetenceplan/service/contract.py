"""The HTTP API's contract: the OpenAPI 3.1 description, generated from the loaded plan.

Why it is long: the OpenAPI description of every core route, stated next to each other so the
contract test reads one place.

FastAPI describes the routes' shape; this module states what each operation really accepts and
answers: dates as ``format: date``, closed sets as enums (paragraph codes, levels, schema kinds,
formats), the plan's bounds and conditional requirements (`schemas.case_schema`), required bodies,
each answer's media types, ETags and 304s, OpenAPI links between operations, and for every error
the one format, RFC 9457 problem details (`service.problems`). A 422 answer also lists, as
``x-semantic-refusals``, the rules a schema-valid request can still break (generated from the
plan): a client cannot know them from the schema, so they are declared, and the API fuzzer in
the tests accepts a 422 on schema-valid data only for them.

Requests may enumerate the plan's codes (what the service accepts today); answers never do: a
level, a row or a DOK code in an answer is a string whose current values are described, so a plan
edit never breaks a generated client. ``info.version`` is the API's own semantic version
(`API_VERSION`); ``info.x-plan`` names the plan and its fingerprint.

Rules for routes: every JSON route is described here (``OPERATIONS``) or by its router's `Part`
(the register's: `service.register_api.CONTRACT`), a test fails on one that is not; HTML pages
for people are mounted with ``include_in_schema=False`` and are not part of the contract. A
change of ``API_VERSION`` or of the generated description is deliberate: the committed copies
``docs/openapi.json`` and ``docs/openapi-register.json`` are compared in a test, and
``kompetenceplan openapi [--register] --output …`` regenerates them (after a change to the
bundled plan too).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict

from ..plan.model import Plan
from ..plan.schema import Committee, InputSpec, LadderStep, Level, PlanMeta
from ..plan.versions import PlanSet
from .schemas import KINDS, schema, semantic_refusals, submission_refusals
from .schemas import values_text as current_values

#: The API's version (semantic versioning, https://semver.org): major for a change that can break a
#: client written against the contract, minor for an addition, patch for wording. The plan in use
#: is not part of it: answers never enumerate the plan's codes (levels, rows, DOK codes), so a plan
#: edit never breaks a client; ``info.x-plan`` names the plan and its fingerprint. README and
#: CHANGELOG name this version (a test compares).
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
    "title": "ProblemDetails",
    "description": (
        "Problem details (RFC 9457). Enhver fejl fra enhver rute: type (fejltypen; GET /problems/{slug} beskriver den), title (typens faste danske titel), "
        "status, detail (hvad der gik galt denne gang), error (fejlens klasse), problems (hvor, hvad og hvordan det rettes) og "
        "correlation_id. Aldrig en værdi fra forespørgslen."
    ),
    "type": "object",
    "required": ["type", "title", "status", "detail", "error", "problems", "correlation_id"],
    "properties": {
        "type": {"type": "string", "format": "uri-reference", "description": "Fejltypen, fx /problems/invalid-input."},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "error": {
            "type": "string",
            "description": "Fejlens art, fx CaseError, MissingInputError, PlanError, NotFound, InvalidRequest, NotSignedIn, PermissionDenied, ConcurrentChange, BodyTooLarge, EngineError, InternalError.",
        },
        "problems": {"type": "array", "items": {"$ref": COMPONENTS + "Problem"}},
        "correlation_id": {"type": "string"},
    },
}
PROBLEM = {
    "title": "Problem",
    "type": "object",
    "required": ["where", "what", "fix"],
    "properties": {"where": {"type": "string"}, "what": {"type": "string"}, "fix": {"type": "string"}, "code": {"type": "string"}},
    "additionalProperties": False,
}
ROW_ERROR = {
    "title": "RowError",
    "description": "Hvorfor en indstilling på dagsordenen ikke kunne læses eller tjekkes (de øvrige tjekkes stadig).",
    "type": "object",
    "required": ["error", "title", "problems"],
    "properties": {"error": {"type": "string"}, "title": {"type": "string"}, "problems": {"type": "array", "items": {"$ref": COMPONENTS + "Problem"}}},
    "additionalProperties": False,
}
PROBLEM_TYPE = {
    "title": "ProblemType",
    "type": "object",
    "required": ["type", "title", "status", "description"],
    "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"}, "description": {"type": "string"}},
    "additionalProperties": False,
}
HEALTH = {
    "title": "Health",
    "type": "object",
    "required": ["status", "plan", "versions"],
    "properties": {"status": {"type": "string"}, "plan": {"type": "string"}, "versions": {"type": "array", "items": {"type": "string"}}, "reloads": {"type": "integer", "minimum": 0}},
}
RELOAD = {
    "title": "Reload",
    "description": "Planen er indlæst igen.",
    "type": "object",
    "required": ["status", "versions", "fingerprints", "reloads"],
    "properties": {
        "status": {"type": "string"},
        "versions": {"type": "array", "items": {"type": "string"}},
        "fingerprints": {"type": "object", "additionalProperties": {"type": "string"}},
        "reloads": {"type": "integer", "minimum": 0},
    },
}
AGENDA_STATUS = ("klar", "ikke klar", "fejl i input")


def _agenda_request(max_agenda: int) -> dict[str, Any]:
    return {
        "title": "AgendaRequest",
        "description": "Dagsorden: navngivne indstillinger, der tjekkes til mødedatoen.",
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
    codes = [r.code for p in versions for r in p.requirements]
    levels = [lv.id for p in versions for lv in p.levels]
    row = {
        "type": "object",
        "required": ["name", "status"],
        "properties": {
            "name": {"type": "string", "description": "Rækkens nummer i den rækkefølge, indstillingerne blev sendt (1, 2, …); aldrig klientens navn."},
            "status": {"enum": list(AGENDA_STATUS)},
            "level": {"type": "string", "description": current_values(levels, "Niveauet, der skal træffe afgørelsen")},
            "level_name": {"type": "string"},
            "committee": {"type": "boolean", "description": "Om niveauet er et udvalg (afgøres på et møde)."},
            "codes": {"type": "array", "items": {"type": "string"}, "description": current_values(codes, "Dokumentationskravenes koder, der ikke er opfyldt")},
            "error": {"$ref": COMPONENTS + "RowError"},
        },
        "additionalProperties": False,
    }
    return {
        "title": "AgendaReport",
        "description": "Dagsordensrapport: hver indstilling (efter nummer) og optællingen pr. dokumentationskrav.",
        "type": "object",
        "required": ["meeting_date", "submissions", "totals", "ready", "not_ready", "invalid"],
        "properties": {
            "meeting_date": {"type": "string", "format": "date"},
            "submissions": {"type": "array", "items": row},
            "totals": {
                "type": "object",
                "additionalProperties": {"type": "integer", "minimum": 1},
                "description": "Antal indstillinger pr. dokumentationskrav, der ikke er opfyldt (nøglen er kravets kode).",
            },
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
IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "ETag'en fra et tidligere svar: er svaret det samme, svarer tjenesten 304 uden krop.",
    "schema": {"type": "string"},
}
ETAG = {"ETag": {"description": "Planens fingeraftryk og det, svaret ellers afhænger af (API'ets version, planens versioner).", "schema": {"type": "string"}}}


@dataclass(frozen=True)
class Part:
    """A router's part of the contract: its operations (as ``OPERATIONS``) and the components they
    name, made for the plan in use (request schemas may enumerate the plan's codes; answers never)."""

    operations: dict[tuple[str, str], dict[str, Any]]
    components: Callable[[Plan], dict[str, dict[str, Any]]] = field(default=lambda plan: {})


#: (path, method) -> the operation: ``id`` (operationId), ``params``, request ``body`` (a component),
#: the ``ok`` answer (media type -> component, or "text"), ``refusals`` (a kind for `_refusals`, or
#: a function of the plan giving ``x-semantic-refusals``), ``not_found`` (a 404 when the path's
#: record does not exist), ``etag`` (ETag and 304), ``links`` (OpenAPI links of the 200 answer).
OPERATIONS: dict[tuple[str, str], dict[str, Any]] = {
    ("/route", "post"): {"id": "route", "params": [ON], "body": "case", "ok": {"application/json": "decision"}, "refusals": "case"},
    ("/validate", "post"): {"id": "validate", "params": [MEETING], "body": "submission", "ok": {"application/json": "report"}, "refusals": "submission"},
    ("/validate/agenda", "post"): {"id": "validate_agenda", "params": [MEETING], "body": "agenda", "ok": {"application/json": "agenda_report"}, "refusals": "agenda"},
    ("/plan", "get"): {"id": "get_plan", "params": [ON], "ok": {"application/json": "plan_summary"}, "refusals": "date", "etag": True},
    ("/plan/rendered", "get"): {
        "id": "get_rendered_plan",
        "params": [{"name": "format", "in": "query", "required": False, "description": "Dokumentets format.", "schema": {"enum": list(RENDER_FORMATS), "default": "markdown"}}],
        "ok": {"text/markdown": "text", "text/html": "text"},
        "etag": True,
    },
    ("/schema/{kind}", "get"): {
        "id": "get_schema",
        "params": [{"name": "kind", "in": "path", "required": True, "schema": {"enum": list(KINDS)}}],
        "ok": {"application/json": "json_schema"},
        "not_found": "Ukendt skema.",
        "etag": True,
    },
    ("/problems/{slug}", "get"): {
        "id": "get_problem_type",
        "params": [{"name": "slug", "in": "path", "required": True, "description": "Fejltypens navn (det sidste led af type).", "schema": {"type": "string", "maxLength": 64}}],
        "ok": {"application/json": "problem_type"},
        "not_found": "Ukendt fejltype.",
    },
    ("/health", "get"): {"id": "health", "ok": {"application/json": "health"}},
    ("/admin/reload", "post"): {"id": "reload_plan", "ok": {"application/json": "reload"}, "refusals": "plan"},
    # Deadlines and case events (issue 26, service/frister_api.py): no case reference, team or
    # advisor in a query string; 404 when the service has no register or the plan no rules.
    ("/deadlines", "post"): {"id": "worklist", "body": "worklist_request", "ok": {"application/json": "worklist"}, "refusals": "worklist", "not_found": NO_REGISTER},
    ("/deadlines/events", "post"): {"id": "record_case_event", "body": "case_event", "ok": {"application/json": "case_event_record"}, "refusals": "event", "not_found": NO_REGISTER},
    ("/deadlines/cases/{case_ref}/events", "get"): {
        "id": "list_case_events",
        "params": [{"name": "case_ref", "in": "path", "required": True, "description": "Sagssystemets sagsnummer.", "schema": {"type": "string", "pattern": "^[A-Za-z0-9_.:/-]{1,64}$"}}],
        "ok": {"application/json": "case_event_list"},
        "refusals": "read",
        "not_found": NO_REGISTER,
    },
    ("/deadlines/rules", "get"): {"id": "get_deadline_rules", "ok": {"application/json": "frist_rules"}, "not_found": "Planen har ingen fristregler (<planmappe>-frister.toml)."},
}


def _refusals(kind: str | Callable[[Plan], list[dict[str, str]]], plan: Plan) -> list[dict[str, str]]:
    if callable(kind):
        return kind(plan)
    if kind == "case":
        return semantic_refusals(plan, "sagen") + [DATE_REFUSAL]
    if kind == "submission":
        return submission_refusals(plan) + [DATE_REFUSAL]
    if kind in ("date", "agenda"):
        return [DATE_REFUSAL]
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


#: A date no version of the plan is in force on (every operation that picks a version by a date).
DATE_REFUSAL = {"error": "PlanError", "where": ".*", "rule": "Ingen version af planen er i kraft på datoen."}


def _problem(text: str) -> dict[str, Any]:
    return {"description": text, "content": {"application/problem+json": {"schema": {"$ref": COMPONENTS + "Error"}}}}


def _responses(op: dict[str, Any], plan: Plan, public: bool) -> dict[str, Any]:
    ok: dict[str, Any] = {}
    for media, ref in op["ok"].items():
        ok[media] = {"schema": {"type": "string"}} if ref == "text" else {"schema": {"$ref": COMPONENTS + ref}}
    out: dict[str, Any] = {"200": {"description": "OK", "content": ok}}
    if op.get("etag"):
        out["200"]["headers"] = ETAG
        out["304"] = {"description": "Uændret siden det svar, If-None-Match nævner (ingen krop).", "headers": ETAG}
    if op.get("links"):
        out["200"]["links"] = op["links"]
    if not public:
        out["401"] = _problem("Ikke logget ind (med login slået til): send Authorization: Bearer <adgangstoken>.")
        out["403"] = _problem("Brugeren eller tjenestekontoen har ikke den rettighed, ruten kræver.")
    if op.get("not_found"):
        out["404"] = _problem(op["not_found"] if isinstance(op["not_found"], str) else "Findes ikke.")
    if op.get("register") and op.get("body"):
        out["409"] = _problem("En anden gemte det samme i samme øjeblik; intet er gemt. Prøv igen.")
    if "body" in op:
        out["413"] = _problem("Forespørgslen er for stor (se serve --max-body).")
        out["415"] = _problem("Forespørgslen er ikke JSON (Content-Type).")
    if "refusals" in op or "body" in op or op.get("params"):
        refusals = _refusals(op.get("refusals", ""), plan)
        text = "Fejl i input: feltets sti (where), hvad der er galt og hvordan det rettes, på dansk."
        if refusals:
            text += " Også en forespørgsel, der overholder skemaet, afvises, hvis den bryder en af disse regler: " + " ".join(dict.fromkeys(r["rule"] for r in refusals))
        out["422"] = _problem(text)
        if refusals:
            out["422"]["x-semantic-refusals"] = refusals
    out["500"] = _problem("Motorfejl eller uventet fejl; der er ikke truffet nogen afgørelse, og intet er gemt.")
    if op.get("register"):
        out["503"] = _problem("Registrets database kan ikke bruges lige nu; intet er gemt. Prøv igen senere.")
    out["default"] = _problem("Enhver anden fejl (fx 400 for et værtsnavn, tjenesten ikke lytter på, 405, 408): samme format.")
    return out


DESCRIPTION = """Hvem må træffe afgørelse om en social indsats, og er indstillingen klar til visitationsudvalget?

Vejledning for sagssystemer: docs/api.md. Kort:

- **Versioner.** info.version er API'ets version (semantisk versionering: et nyt major-nummer kan bryde en klient). Planen i brug står i x-plan (id, version, fingeraftryk); svarene opregner aldrig planens koder (niveauer, rækker, DOK-koder) som enum, så en ny kode i planen bryder ingen klient.
- **Login.** Med login slået til sender et sagssystem `Authorization: Bearer <adgangstoken>` fra kommunens login-tjeneste (OAuth2 client credentials); uden login kører tjenesten kun på 127.0.0.1 som den lokale bruger.
- **Fejl.** Enhver fejl er problem details (RFC 9457, application/problem+json) med problems: hvor (feltets sti), hvad og hvordan det rettes, på dansk. Aldrig en værdi fra forespørgslen.
- **Ingen sagsdata i adresser.** Sagsreferencer, teams og sager sendes i JSON-kroppen.
- **Gentagelser.** Enhver POST, der gemmer noget, kan sendes igen: det samme gemmes én gang, og svaret er det gemte.
- **Sider.** Lister svarer én side ({items, next}); after=<next> giver den næste; limit højst 500.
- **Cache.** /plan, /plan/rendered og /schema/{kind} har ETag og svarer 304 på If-None-Match.
- **HEAD** virker overalt, hvor GET gør.
- **Sporing.** X-Correlation-Id (eller X-Request-Id) og traceparent (W3C) bevares og sendes tilbage; korrelations-id'et står i hver fejl.
"""


def describe(spec: dict[str, Any], plans: Plan | PlanSet, max_agenda: int, parts: Sequence[Part] = (), sign_in: bool = False) -> dict[str, Any]:
    """The exact contract: FastAPI's generated ``spec`` rewritten for ``plans`` (not mutated);
    requests are described by the latest version, answers by all. ``max_agenda`` is the
    service's limit on submissions per agenda; ``parts`` are included routers' own operations;
    ``sign_in``: whether a bearer token is required (else it is optional: the local user)."""
    from .permissions import PUBLIC, ROUTES

    versions = plans.versions if isinstance(plans, PlanSet) else (plans,)
    plan = versions[-1]
    out = copy.deepcopy(spec)
    out["info"]["version"] = API_VERSION
    out["info"]["description"] = DESCRIPTION
    out["info"]["x-plan"] = {"id": plan.meta.id, "version": plan.meta.version, "fingerprint": plan.fingerprint, "versions": {p.meta.version: p.fingerprint for p in versions}}
    operations = dict(OPERATIONS)
    components: dict[str, Any] = {}
    for kind in KINDS:
        _add(components, kind, schema(kind, plan, versions))
    _add(components, "plan_summary", PlanSummary.model_json_schema(mode="serialization"))
    components["agenda"] = _agenda_request(max_agenda)
    components["agenda_report"] = _agenda_response(versions)
    components["health"] = HEALTH
    components["reload"] = RELOAD
    components["json_schema"] = {"title": "JsonSchema", "type": "object", "description": "Et JSON Schema (2020-12)."}
    _frister_components(components)
    components["Error"] = ERROR
    components["Problem"] = PROBLEM
    components["RowError"] = ROW_ERROR
    components["problem_type"] = PROBLEM_TYPE
    for part in parts:
        operations |= part.operations
        for name, body in part.components(plan).items():
            _add(components, name, body)
    for path, methods in out.get("paths", {}).items():
        for method, operation in methods.items():
            op = operations.get((path, method))
            if op is None:
                continue  # not described: the contract test names it
            operation["operationId"] = op["id"]
            operation.pop("tags", None)
            operation["parameters"] = copy.deepcopy(op.get("params", [])) + ([copy.deepcopy(IF_NONE_MATCH)] if op.get("etag") else [])
            for param in operation["parameters"]:
                if param["schema"].get("format") == "date":
                    param["schema"]["examples"] = [plan.meta.valid_from.isoformat()]  # a day the latest version is in force
            if not operation["parameters"]:
                del operation["parameters"]
            if "body" in op:
                operation["requestBody"] = {"required": True, "content": _json(op["body"])}
            else:
                operation.pop("requestBody", None)
            public = ROUTES.get((method.upper(), path)) == PUBLIC
            operation["responses"] = _responses(op, plan, public)
            if not public:
                # With sign-in a bearer token is required; without it the service runs as the local user.
                operation["security"] = [{"bearer": []}] if sign_in else [{"bearer": []}, {}]
    out["components"] = {
        "schemas": dict(sorted(components.items())),
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": "Et adgangstoken fra kommunens login-tjeneste (docs/security.md)."}},
    }
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
    # A generated client names a class by its title: a class "Frist" with a field "frist" makes
    # openapi-python-client write code that does not type-check (the field and the instance share
    # a name), so a worklist's deadline is "Deadline" to a code generator.
    for body in components.values():
        if body.get("title") == "Frist" and "frist" in body.get("properties", {}):
            body["title"] = "Deadline"


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
