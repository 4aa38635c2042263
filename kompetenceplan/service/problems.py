"""ONE error format for every answer of the service: RFC 9457 problem details.

Every error of every JSON route — the library's refusals, a request that does not match the
contract, sign-in (401) and permissions (403), an unknown path (404) or method (405), a
concurrent change (409), the guard's refusals (400, 408, 413, 415), the register being unavailable
(503) and a fault (500) — is answered as ``application/problem+json``::

    {"type": "/problems/invalid-input", "title": "Fejl i input.", "status": 422,
     "detail": "Ugyldig dato.", "error": "CaseError",
     "problems": [{"where": "on", "what": "skal være en dato på formen ÅÅÅÅ-MM-DD.", "fix": "…"}],
     "correlation_id": "3f2a…"}

``type`` names the kind of problem (a relative URI; ``GET /problems/{slug}`` describes it) and
``title`` is that kind's fixed Danish title; ``detail`` says what went wrong this time, in Danish;
the extension members keep what the API said before: ``error`` (the error's class),
``problems`` (where — a field path —, what, how to fix it) and ``correlation_id``. No member
ever holds a value from the request: FastAPI's own 422 (which echoes the input, in English) is
replaced by `from_validation`, and a key the contract does not know is named by its position.

Which status an error of the library gets is ONE table (`STATUS`), read along the error's
classes, nearest first: a new `KompetenceplanError` subclass gets its parent's status until it is
listed (`tests/test_register_api.py::TestOneErrorFormat` walks every subclass).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.responses import JSONResponse

from ..errors import KompetenceplanError, Problem

MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "/problems/"


@dataclass(frozen=True)
class ProblemType:
    """A kind of problem: its status, its Danish title (the same every time) and what it means."""

    slug: str
    status: int
    title: str
    description: str

    @property
    def uri(self) -> str:
        return TYPE_PREFIX + self.slug


TYPES: dict[str, ProblemType] = {
    t.slug: t
    for t in (
        ProblemType(
            "invalid-input", 422, "Fejl i input.", "Forespørgslen kan ikke bruges: et felt mangler, har en forkert type eller værdi, eller bryder en regel. problems siger hvor og hvordan det rettes."
        ),
        ProblemType("missing-input", 422, "Et input mangler.", "Et valgfrit input mangler, og en regel på et højere niveau afhænger af det: uden det kunne sagen rutes for lavt. Oplys det."),
        ProblemType(
            "statutory-competence", 422, "Lovbestemt kompetence.", "Afgørelsen er forbeholdt et udvalg efter loven (fx barnets lov § 142, stk. 1) og kan ikke registreres på et lavere niveau."
        ),
        ProblemType("plan", 422, "Planen kan ikke bruges.", "Ingen version af kompetenceplanen er i kraft på datoen, eller planen på disken kan ikke indlæses."),
        ProblemType("bad-request", 400, "Forespørgslen kan ikke læses.", "Forespørgslen er ikke en gyldig HTTP-forespørgsel til tjenesten, fx sendt til et værtsnavn, tjenesten ikke lytter på."),
        ProblemType("not-signed-in", 401, "Ikke logget ind.", "Forespørgslen har intet gyldigt adgangstoken (Authorization: Bearer …) eller login."),
        ProblemType("forbidden", 403, "Ingen adgang.", "Brugeren eller tjenestekontoen har ikke den rettighed, ruten kræver (se docs/security.md)."),
        ProblemType("not-found", 404, "Findes ikke.", "Stien eller den post, den peger på (et møde, et dagsordenspunkt), findes ikke."),
        ProblemType("method-not-allowed", 405, "Metoden er ikke tilladt.", "Stien findes, men ikke med denne HTTP-metode; headeren Allow siger hvilke."),
        ProblemType("timeout", 408, "Forespørgslen kom ikke frem i tide.", "Hele forespørgslen skal sendes inden for tjenestens tidsgrænse."),
        ProblemType("conflict", 409, "Samtidig ændring.", "En anden gemte det samme i samme øjeblik; intet er gemt. Hent data igen, og prøv igen."),
        ProblemType("too-large", 413, "Forespørgslen er for stor.", "Forespørgslens krop er større end tjenestens grænse (serve --max-body)."),
        ProblemType("unsupported-media-type", 415, "Forespørgslen skal være JSON.", "En forespørgsel med krop skal have Content-Type: application/json."),
        ProblemType("internal", 500, "Uventet fejl.", "En fejl i tjenesten; der er ikke truffet nogen afgørelse og intet gemt. Oplys korrelations-id'et til systemets ejer."),
        ProblemType("engine-fault", 500, "Motorfejl.", "Regelmotoren fejlede eller var uenig med referenceevalueringen; der er ikke truffet nogen afgørelse."),
        ProblemType("register-unavailable", 503, "Registret kan ikke bruges lige nu.", "Registrets database kan ikke skrives eller læses lige nu; intet er gemt. Prøv igen senere."),
    )
}

#: The library's errors (by class name, so that optional modules need not be imported) → the kind
#: of problem. An error's nearest listed class decides; `KompetenceplanError` is the fallback.
STATUS: dict[str, str] = {
    "KompetenceplanError": "invalid-input",
    "CaseError": "invalid-input",
    "MissingInputError": "missing-input",
    "StatutoryCompetenceError": "statutory-competence",
    "PlanError": "plan",
    "NotFound": "not-found",
    "NotAvailable": "not-found",  # service.frister_api: no register, or no deadline rules
    "PermissionDenied": "forbidden",
    "ConcurrentChange": "conflict",
    "StoreError": "register-unavailable",
    "UnavailableError": "register-unavailable",
    "EngineError": "engine-fault",
}

#: Statuses the framework itself answers (Starlette's HTTPException) → the kind of problem.
HTTP_STATUS = {400: "bad-request", 404: "not-found", 405: "method-not-allowed", 408: "timeout", 413: "too-large", 415: "unsupported-media-type", 503: "register-unavailable"}


def kind_of(error: type[BaseException]) -> ProblemType:
    """The problem type of a library error class (the nearest class `STATUS` lists)."""
    for cls in error.__mro__:
        if cls.__name__ in STATUS:
            return TYPES[STATUS[cls.__name__]]
    return TYPES["internal"]


def document(kind: ProblemType, error: str, detail: str, problems: list[dict[str, str]], correlation_id: str) -> dict[str, Any]:
    """A problem details document (RFC 9457) with the service's extension members."""
    return {
        "type": kind.uri,
        "title": kind.title,
        "status": kind.status,
        "detail": detail,
        "error": error,
        "problems": problems,
        "correlation_id": correlation_id,
    }


def from_error(exc: KompetenceplanError, correlation_id: str, root: Path | None = None) -> dict[str, Any]:
    """A library error as a problem document (the plan folder cut out of every text when
    ``root`` is given: a client learns which plan file is wrong, not where the server keeps it)."""
    body = relative_paths(exc, root) if root is not None else exc.to_dict()
    problems = body["problems"]
    if not isinstance(problems, list):  # KompetenceplanError.to_dict gives a list of dicts
        raise TypeError("an error's problems are not a list")
    return document(kind_of(type(exc)), str(body["error"]), str(body["title"]), problems, correlation_id)


def relative_paths(error: KompetenceplanError, root: Path) -> dict[str, Any]:
    """An error as JSON with the server's plan folder cut out of every text: a client learns
    which plan file is wrong ("regler.toml"), not where the server keeps it."""
    prefixes = sorted({str(root), str(root.resolve())}, key=len, reverse=True)

    def cut(text: str) -> str:
        for prefix in prefixes:
            text = text.replace(prefix + "/", "").replace(prefix, root.name)
        return text

    out = error.to_dict()
    out["title"] = cut(str(out["title"]))
    problems = out["problems"]
    if not isinstance(problems, list):  # KompetenceplanError.to_dict gives a list of dicts
        raise TypeError("an error's problems are not a list")
    out["problems"] = [{k: cut(v) for k, v in p.items()} for p in problems]
    return out


def simple(slug: str, error: str, detail: str, problem: Problem, correlation_id: str) -> dict[str, Any]:
    """A problem document for the service's own refusals (one problem)."""
    return document(TYPES[slug], error, detail, [problem.to_dict()], correlation_id)


def response(doc: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    """The answer: ``application/problem+json``, never cached (a refusal can name a case's field)."""
    return JSONResponse(doc, status_code=int(doc["status"]), media_type=MEDIA_TYPE, headers={"Cache-Control": "no-store", **(headers or {})})


def encoded(doc: dict[str, Any]) -> bytes:
    """The document's bytes, for answers written below FastAPI (the guard)."""
    return json.dumps(doc, ensure_ascii=False).encode()


# -- a request that does not match the contract (FastAPI's RequestValidationError) -------------------

_SIMPLE = {
    "missing": "påkrævet felt mangler.",
    "extra_forbidden": "ukendt felt (ikke en del af formatet; stavefejl?).",
    "string_type": "skal være tekst.",
    "int_type": "skal være et heltal.",
    "int_parsing": "skal være et heltal.",
    "int_from_float": "skal være et heltal.",
    "float_type": "skal være et tal.",
    "float_parsing": "skal være et tal.",
    "finite_number": "skal være et endeligt tal.",
    "bool_type": "skal være true eller false.",
    "bool_parsing": "skal være true eller false.",
    "date_type": "skal være en dato på formen ÅÅÅÅ-MM-DD.",
    "date_parsing": "skal være en dato på formen ÅÅÅÅ-MM-DD.",
    "date_from_datetime_parsing": "skal være en dato på formen ÅÅÅÅ-MM-DD.",
    "date_from_datetime_inexact": "skal være en dato på formen ÅÅÅÅ-MM-DD.",
    "list_type": "skal være en liste.",
    "dict_type": "skal være et objekt.",
    "model_type": "skal være et objekt.",
    "model_attributes_type": "skal være et objekt.",
    "json_invalid": "er ikke gyldig JSON.",
    "json_type": "er ikke gyldig JSON.",
    "string_too_long": "teksten er for lang.",
    "string_too_short": "teksten er for kort (tom?).",
    "string_pattern_mismatch": "har ugyldige tegn.",
    "too_long": "listen er for lang.",
    "too_short": "listen er for kort.",
    "int_too_big": "er for stort.",
}


def _message(err: dict[str, Any]) -> str:
    """A request error in Danish, from its kind and the contract's own limits (never the input)."""
    kind, ctx = err.get("type", ""), err.get("ctx") or {}
    if kind in _SIMPLE:
        return _SIMPLE[kind]
    bounds = {"greater_than_equal": ("ge", "mindst"), "greater_than": ("gt", "over"), "less_than_equal": ("le", "højst"), "less_than": ("lt", "under")}
    if kind in bounds:
        key, word = bounds[kind]
        return f"skal være {word} {ctx.get(key)}."
    if kind in ("literal_error", "enum"):
        return f"skal være en af: {ctx.get('expected', '')}."
    return "har en ugyldig værdi."


def _path(loc: tuple[Any, ...], kind: str, body: Any) -> str:
    """The field path of a request error: ``body.case_ref``, ``body.case.trin``, ``limit``
    (a query or path parameter, or a header, by its name). A key the contract does not know is
    shown by its position (``body.ukendt felt nr. 2``): a key is input too, and can be a name."""
    where, rest = (loc[0], loc[1:]) if loc and loc[0] in ("body", "query", "path", "header", "cookie") else ("body", loc)
    parts = ["body"] if where == "body" else []
    node = body if where == "body" else None
    for i, step in enumerate(rest):
        if kind == "extra_forbidden" and i == len(rest) - 1:
            position = list(node).index(step) + 1 if isinstance(node, dict) and step in node else None
            parts.append(f"ukendt felt nr. {position}" if position else "ukendt felt")
            break
        if isinstance(step, int) and where == "body":
            parts[-1] += f"[{step}]"
        else:
            parts.append(str(step))
        node = node[step] if isinstance(node, (dict, list)) and _has(node, step) else None
    if where == "body" and kind == "json_invalid":
        return "body"
    return ".".join(parts) if parts else where


def _has(node: dict[str, Any] | list[Any], step: Any) -> bool:
    if isinstance(node, dict):
        return step in node
    return isinstance(step, int) and 0 <= step < len(node)


def _fix(kind: str) -> str:
    if kind == "extra_forbidden":
        return "Fjern feltet; kontrakten (/openapi.json) viser formatet."
    if kind == "missing":
        return "Tilføj feltet; kontrakten (/openapi.json) viser formatet."
    if kind == "json_invalid":
        return "Send gyldig JSON (UTF-8)."
    return "Ret værdien; kontrakten (/openapi.json) viser formatet og grænserne."


def from_validation(errors: list[dict[str, Any]], body: Any, correlation_id: str) -> dict[str, Any]:
    """FastAPI's request errors as a problem document: Danish, a field path each, no value."""
    problems: list[dict[str, str]] = []
    for err in errors:
        kind = str(err.get("type", ""))
        item = {"where": _path(tuple(err.get("loc") or ()), kind, body), "what": _message(err), "fix": _fix(kind)}
        if item not in problems:
            problems.append(item)
    return document(TYPES["invalid-input"], "InvalidRequest", "Forespørgslen passer ikke med kontrakten.", problems, correlation_id)
