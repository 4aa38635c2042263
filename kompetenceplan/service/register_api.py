"""HTTP endpoints for the register and committee meetings (a FastAPI router the service
includes when started with ``serve --db URL``), and their part of the contract (`CONTRACT`).
The same JSON models as the Python API and CLI. Stored values are never logged.

Why it is long: the register's JSON routes and their part of the contract side by side, so a route
and the contract that describes it change together.

What an integrator can rely on (docs/api.md):

- **No case data in an address.** A case reference, a team or a case is sent in the JSON body,
  never in the query string (proxies and access logs keep addresses); only ids, dates, a team
  filter, page markers and formats are in addresses.
- **Repeating a request is safe.** Every POST that stores something is idempotent by the
  record's natural key (the library's, `Register.record_routing`, `Register.record_decision`,
  `meetings.committee`): the same routing, decision, meeting, agenda item or outcome sent again
  stores nothing and answers with the stored record; an agenda sent again unchanged keeps the
  time it was sent.
- **Pages.** ``GET /register/decisions`` and ``GET /meetings`` answer one page
  (``{"items": […], "next": marker}``, at most ``limit``, default 100, at most 500) in a stable
  order (the day, then id); ``after=<next>`` gives the next page (a keyset: a record added
  meanwhile never shifts or repeats a page). The ``Link`` header names the next page too.
- **Errors** are problem details (`service.problems`) whose ``where`` names the request's own
  field (``body.monthly_cost``), never the library's Danish name for it.
- **Ids** are 1 … 2,147,483,647 (what the register's id columns hold); anything else is 422.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

from annotated_types import Ge, Le
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict, WithJsonSchema
from pydantic_core import PydanticCustomError

from ..actor import actor_of
from ..danish import read_date, read_optional_date
from ..errors import CaseError, KompetenceplanError, Problem
from ..meetings import committee
from ..meetings.documents import agenda_html, agenda_markdown, minutes_html, minutes_markdown
from ..meetings.model import AddedItem, Agenda, Meeting, Outcome, OutcomeRecord
from ..plan.model import Plan
from ..plan.versions import PlanSet
from ..store.records import DecisionRecord, RoutedCase
from ..store.register import Register
from ..store.tables import MAX_ID
from ..web.access import log_case_access
from ..web.views import HEADERS, document_response
from .contract import Part
from .schemas import semantic_refusals, submission_refusals

#: The largest page a list answers, and the page size when none is asked for.
MAX_PAGE, PAGE = 500, 100
DOCUMENT_FORMATS = ("json", "markdown", "html")


def _not_blank(value: Any) -> Any:
    """A date field is a date or null, never an empty text (the library reads a blank form field
    as "not given"; JSON has null for that)."""
    if isinstance(value, str) and not value.strip():
        raise PydanticCustomError("date_parsing", "a date YYYY-MM-DD")
    return value


def _whole(value: Any) -> Any:
    """A whole number as JSON Schema's ``integer`` has it: 3 or 3.0, never "3" or true."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


#: Agendas and minutes name cases: never cached (as the pages).
NO_STORE = {"Cache-Control": HEADERS["Cache-Control"], "X-Content-Type-Options": HEADERS["X-Content-Type-Options"]}

#: Dates, steps and amounts are handed to the library as sent and read there by `danish`, as the
#: CLI, the pages and the imports read them (issue 22): a date is the text ``ÅÅÅÅ-MM-DD`` only
#: (``0`` is not 1970-01-01, a time zone is never dropped), a step or an amount a JSON number or
#: Danish text (``"12.000"`` is twelve thousand, never 12), and ``true`` is never a number. A
#: refusal names the request's field (`fields_named`).
IsoDate = Annotated[Any, BeforeValidator(_not_blank), WithJsonSchema({"type": "string", "format": "date", "description": "ÅÅÅÅ-MM-DD"})]
OptionalDate = Annotated[Any, BeforeValidator(_not_blank), WithJsonSchema({"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}], "description": "ÅÅÅÅ-MM-DD"})]
Amount = Annotated[
    Any,
    WithJsonSchema(
        {
            "anyOf": [{"type": "number", "minimum": 0, "exclusiveMaximum": 10**9}, {"type": "string", "maxLength": 40}],
            "description": 'Kroner pr. måned, højst 2 decimaler (øre): et tal eller dansk tekst, fx "12.000,50".',
        }
    ),
]
Step = Annotated[
    Any,
    WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 1, "maximum": 20}, {"type": "string", "maxLength": 10}], "description": "Trinnet på indsatstrappen (1–20): et heltal eller dansk tekst."}),
]
# The bounds before the validator: so pydantic writes them as JSON Schema's minimum/maximum.
Id = Annotated[int, Strict(), Ge(1), Le(MAX_ID), BeforeValidator(_whole)]
CaseRef = Annotated[str, Field(min_length=1, max_length=64, description="Sagssystemets sagsnummer/pseudonym: 1–64 bogstaver, cifre og . : / - _. Aldrig et CPR-nummer.")]
Team = Annotated[str, Field(min_length=1, max_length=64, description="Teamets navn på én linje (1–64 tegn).")]
Text = Annotated[str, Field(max_length=2000)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID, description="Mødets id (1–2147483647).")]
PathNumber = Annotated[int, Path(ge=1, le=MAX_ID, description="Punktets nummer på dagsordenen.")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RoutingIn(_In):
    """``POST /register/route``: a case to route and save, with its reference and team."""

    case_ref: CaseRef
    team: Team
    case: dict[str, Any] = Field(description="Sagen (se schemas.case).")
    on: OptionalDate = Field(None, description="Datoen, planens version vælges efter (ÅÅÅÅ-MM-DD). Standard: i dag.")
    corrects: Id | None = Field(None, description="Id'et på den routing, denne retter (kun den nyeste version kan rettes).")


class DecisionIn(_In):
    """``POST /register/decisions``: a decision actually taken. Who decided is the caller."""

    case_ref: CaseRef
    team: Team
    level: str = Field(description="Niveauet, der traf afgørelsen (et niveau-id i planen).")
    decided_on: IsoDate
    outcome: Literal["bevilget", "afslået", "bevilget med ændringer"]
    paragraph: str = Field(description="Paragrafkoden (planens koder).")
    step: Step
    monthly_cost: Amount
    start: IsoDate
    expected_end: OptionalDate = None
    required_level: str | None = Field(None, description="Det krævede niveau, hvis det kendes bedre end registrets routing af sagen.")
    routing_id: Id | None = None
    corrects: Id | None = Field(None, description="Id'et på den afgørelse, denne retter (kun den nyeste version kan rettes).")
    note: Text = ""


class MeetingIn(_In):
    """``POST /meetings``."""

    meeting_date: IsoDate
    body: str = Field(description="Udvalget (et niveau-id ved eller over visitationsudvalget).")
    title: Annotated[str, Field(max_length=200)] = ""


class ItemIn(_In):
    """``POST /meetings/{meeting_id}/items``: a submission for the agenda."""

    submission: dict[str, Any] = Field(description="Indstillingen (se schemas.submission); borger gemmes aldrig.")
    case_ref: CaseRef | None = Field(None, description="Sagsnummeret, hvis indstillingen ikke selv har et (sagsnummer).")
    replaces: Id | None = Field(None, description="Nummeret på det punkt, dette er en ny version af (det beholder nummeret).")


class SendIn(_In):
    """``POST /meetings/{meeting_id}/agenda/send``: nothing but an empty JSON object (a request
    that changes something is always JSON: a cross-site form cannot send it)."""


class OutcomeIn(_In):
    """``POST /meetings/{meeting_id}/items/{number}/outcome``."""

    outcome: Outcome
    reason: Text = Field("", description="Udvalgets begrundelse; kræves for alt andet end bevilget.")
    start: OptionalDate = Field(None, description="En bevillings start (standard: mødedatoen).")
    expected_end: OptionalDate = Field(None, description="En bevillings forventede slut (standard: start + indstillingens varighed).")
    forward_to: str | None = Field(None, description="oversendt: niveauet, punktet sendes videre til (standard: punktets krævede niveau).")


class DecisionPage(BaseModel):
    """One page of decisions; ``next`` is the marker of the next page (null: the last page)."""

    model_config = ConfigDict(extra="forbid")
    items: list[DecisionRecord]
    next: str | None


class MeetingPage(BaseModel):
    """One page of meetings; ``next`` is the marker of the next page (null: the last page)."""

    model_config = ConfigDict(extra="forbid")
    items: list[Meeting]
    next: str | None


# -- page markers ------------------------------------------------------------------------------


def marker(day: dt.date, record_id: int) -> str:
    """The opaque marker of a page's last record (its day and id; no case data)."""
    return base64.urlsafe_b64encode(f"{day.isoformat()}|{record_id}".encode()).decode().rstrip("=")


def read_marker(text: str | None) -> tuple[dt.date, int] | None:
    """The (day, id) of a marker from `marker`; anything else is a `CaseError` naming ``after``."""
    if text is None:
        return None
    try:
        day, _, record_id = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode().partition("|")
        found = (dt.date.fromisoformat(day), int(record_id))
        if marker(*found) == text and 1 <= found[1] <= MAX_ID:
            return found
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise CaseError("Ugyldig markør.", [Problem("after", "er ikke en markør fra et svar fra tjenesten.", "Brug værdien af next fra det forrige svar, eller udelad after for første side.")])


def _next(request: Request, response: Response, last: tuple[dt.date, int] | None) -> str | None:
    if last is None:
        return None
    following = marker(*last)
    response.headers["Link"] = f'<{request.url.path}?{request.url.include_query_params(after=following).query}>; rel="next"'
    return following


# -- where a refusal points: the request's own field names --------------------------------------

#: The library's field names (Danish, as the CLI shows them) → the request's own.
ROUTING_FIELDS = {"sagsreference": "body.case_ref", "team": "body.team", "retter": "body.corrects", "on": "body.on", "sag": "sagen"}
DECISION_FIELDS = {
    "sagsreference": "body.case_ref",
    "team": "body.team",
    "niveau": "body.level",
    "dato": "body.decided_on",
    "udfald": "body.outcome",
    "paragraf": "body.paragraph",
    "trin": "body.step",
    "maanedlig_udgift": "body.monthly_cost",
    "start": "body.start",
    "forventet_slut": "body.expected_end",
    "retter": "body.corrects",
    "routing": "body.routing_id",
    "kraevet_niveau": "body.required_level",
    "note": "body.note",
    "truffet_af": "Authorization",
}
MEETING_FIELDS = {"udvalg": "body.body", "titel": "body.title", "meeting_date": "body.meeting_date", "møde": "meeting_id"}
ITEM_FIELDS = {"sagsreference": "body.case_ref", "sagsnummer": "indstilling.sagsnummer", "erstatter": "body.replaces", "møde": "meeting_id"}
OUTCOME_FIELDS = {
    "udfald": "body.outcome",
    "begrundelse": "body.reason",
    "start": "body.start",
    "forventet_slut": "body.expected_end",
    "expected_end": "body.expected_end",
    "oversendt_til": "body.forward_to",
    "møde": "meeting_id",
    "punkt": "number",
    # a decision an outcome registers reads these from the item's submission
    "paragraf": "indstilling.sag.paragraf",
    "trin": "indstilling.sag.trin",
    "maanedlig_udgift": "indstilling.sag.maanedlig_udgift",
}


@contextmanager
def fields_named(names: dict[str, str]) -> Iterator[None]:
    """Refusals from the library name the request's fields: ``niveau`` → ``body.level``,
    ``sag.x`` → ``sagen.x`` (the case, as `/route` names it)."""
    try:
        yield
    except KompetenceplanError as exc:
        renamed = []
        for p in exc.problems:
            head, dot, rest = p.where.partition(".")
            where = names.get(p.where) or (names[head] + dot + rest if head in names and dot else p.where)
            renamed.append(Problem(where, p.what, p.fix, p.code))
        exc.problems = renamed
        raise


def _document(agenda: Agenda, fmt: str, markdown: Callable[[Agenda], str], html: Callable[[Agenda], str]) -> Response:
    if fmt == "html":
        return document_response(html(agenda))  # the pages' security and no-cache headers
    if fmt == "markdown":
        return PlainTextResponse(markdown(agenda), media_type="text/markdown; charset=utf-8", headers=NO_STORE)
    if fmt == "json":
        return Response(agenda.to_json(), media_type="application/json", headers=NO_STORE)
    raise CaseError("Ukendt format.", [Problem("format", "skal være json, markdown eller html.", "Brug fx ?format=html.")])


def create_router(plans: Callable[[], PlanSet], register: Register) -> APIRouter:
    """The endpoints; ``plans()`` gives the plan in use (the service's reloadable holder)."""
    router = APIRouter(tags=["register"])

    # Every handler that reads or changes a case's data writes the adgangslog (`web.access`):
    # reads before the answer leaves, writes after the library stored them.

    @router.post("/register/route", response_model=RoutedCase, operation_id="register_route", summary="Route en sag og gem routingen")
    def route(request: Request, body: RoutingIn) -> RoutedCase:
        with fields_named(ROUTING_FIELDS):
            routed = register.record_routing(plans(), body.case, case_ref=body.case_ref, team=body.team, actor=actor_of(request), on=body.on, corrects=body.corrects)
        log_case_access(request, "ændret", "routing", [routed.record.case_ref])
        return routed

    @router.post("/register/decisions", response_model=DecisionRecord, operation_id="record_decision", summary="Registrér en truffet afgørelse")
    def record_decision(request: Request, body: DecisionIn) -> DecisionRecord:
        with fields_named(DECISION_FIELDS):
            recorded = register.record_decision(plans(), actor=actor_of(request), **body.model_dump())
        log_case_access(request, "ændret", "afgørelse", [recorded.case_ref])
        return recorded

    @router.get("/register/decisions", response_model=DecisionPage, operation_id="list_decisions", summary="Afgørelser i en periode, én side ad gangen")
    def list_decisions(
        request: Request,
        response: Response,
        start: str | None = None,
        end: str | None = None,
        team: Annotated[str | None, Query(max_length=64)] = None,
        overskridelser: bool = False,
        after: Annotated[str | None, Query(max_length=100)] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = PAGE,
    ) -> DecisionPage:
        # a date or nothing: an empty ?start= is not a date (the schema says format: date)
        period = (None if start is None else read_date(start, "start"), None if end is None else read_date(end, "end"))
        cursor = read_marker(after)
        found = (register.overskridelser if overskridelser else register.decisions)(period, team, after=cursor, limit=limit + 1)
        page = found[:limit]
        log_case_access(request, "læst", "afgørelse", [d.case_ref for d in page])
        last = (page[-1].decided_on, page[-1].id) if len(found) > limit else None
        return DecisionPage(items=page, next=_next(request, response, last))

    @router.post("/meetings", response_model=Meeting, operation_id="new_meeting", summary="Opret et udvalgsmøde")
    def new_meeting(request: Request, body: MeetingIn) -> Meeting:
        with fields_named(MEETING_FIELDS):
            return committee.new_meeting(register, plans(), read_date(body.meeting_date, "meeting_date"), body.body, body.title, actor=actor_of(request))

    @router.get("/meetings", response_model=MeetingPage, operation_id="list_meetings", summary="Møderne efter dato, én side ad gangen")
    def meetings(request: Request, response: Response, after: Annotated[str | None, Query(max_length=100)] = None, limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = PAGE) -> MeetingPage:
        found = committee.list_meetings(register, plans(), after=read_marker(after), limit=limit + 1)
        page = found[:limit]
        last = (page[-1].meeting_date, page[-1].id) if len(found) > limit else None
        return MeetingPage(items=page, next=_next(request, response, last))

    @router.post("/meetings/{meeting_id}/items", response_model=AddedItem, operation_id="add_item", summary="Tilføj en indstilling til mødet")
    def add_item(request: Request, meeting_id: PathId, body: ItemIn) -> AddedItem:
        with fields_named(ITEM_FIELDS):
            added = committee.add_submission(register, plans(), meeting_id, body.submission, body.case_ref, body.replaces, actor=actor_of(request))
        log_case_access(request, "ændret", "dagsordenspunkt", [added.item.case_ref])
        return added

    @router.get("/meetings/{meeting_id}/agenda", operation_id="get_agenda", summary="Dagsordenen (json, markdown eller html)")
    def agenda(request: Request, meeting_id: PathId, format: Literal["json", "markdown", "html"] = "json") -> Response:
        with fields_named(MEETING_FIELDS):
            found = committee.build_agenda(register, plans(), meeting_id)
        response = _document(found, format, agenda_markdown, agenda_html)
        log_case_access(request, "læst", "dagsordenspunkt", [i.case_ref for i in found.items])
        return response

    @router.post("/meetings/{meeting_id}/agenda/send", response_model=Agenda, operation_id="send_agenda", summary="Markér dagsordenen som udsendt")
    def send(request: Request, meeting_id: PathId, body: SendIn) -> Agenda:
        with fields_named(MEETING_FIELDS):
            sent = committee.send_agenda(register, plans(), meeting_id, actor=actor_of(request))
        log_case_access(request, "ændret", "dagsordenspunkt", [i.case_ref for i in sent.items])
        return sent

    @router.post("/meetings/{meeting_id}/items/{number}/outcome", response_model=OutcomeRecord, operation_id="record_outcome", summary="Udvalgets udfald for et punkt")
    def outcome(request: Request, meeting_id: PathId, number: PathNumber, body: OutcomeIn) -> OutcomeRecord:
        with fields_named(OUTCOME_FIELDS):
            start, end = read_optional_date(body.start, "start"), read_optional_date(body.expected_end, "expected_end")
            recorded = committee.record_outcome(register, plans(), meeting_id, number, body.outcome, body.reason, actor=actor_of(request), start=start, expected_end=end, forward_to=body.forward_to)
        log_case_access(request, "ændret", "udfald", [recorded.case_ref])
        return recorded

    @router.get("/meetings/{meeting_id}/minutes", operation_id="get_minutes", summary="Referatet (json, markdown eller html)")
    def minutes(request: Request, meeting_id: PathId, format: Literal["json", "markdown", "html"] = "json") -> Response:
        with fields_named(MEETING_FIELDS):
            found = committee.build_agenda(register, plans(), meeting_id)
        response = _document(found, format, minutes_markdown, minutes_html)
        log_case_access(request, "læst", "dagsordenspunkt", [i.case_ref for i in found.items])
        return response

    return router


# -- the register's part of the contract -----------------------------------------------------------

_CPR = {"error": "PersonalDataError", "where": ".*", "rule": "Intet felt må ligne et CPR-nummer (6 cifre, evt. bindestreg, 4 cifre); registret gemmer ingen CPR-numre."}
_DATE = {"error": "PlanError", "where": ".*", "rule": "Ingen version af planen er i kraft på datoen."}
_REF = {
    "error": "CaseError",
    "where": r"^body\.(case_ref|team)$",
    "rule": "En sagsreference har kun bogstaver, cifre og . : / - _ (1–64 tegn); et team står på én linje (1–64 tegn, ikke kun mellemrum).",
}
_AFTER = {"error": "CaseError", "where": r"^after$", "rule": "after skal være next fra et tidligere svar."}


def _route_refusals(plan: Plan) -> list[dict[str, str]]:
    return [
        _REF,
        _CPR,
        {"error": "CaseError", "where": r"^body\.corrects$", "rule": "Routingen, der rettes, skal findes, og kun den nyeste version af en routing kan rettes."},
        {"error": "CaseError", "where": r"^sagen\.sagens_maanedlige_udgift$", "rule": "Sagens samlede udgift må ikke være lavere end registrets sum af sagens aktive indsatser plus den nye."},
        *semantic_refusals(plan, "sagen"),
        _DATE,
    ]


def _decision_refusals(plan: Plan) -> list[dict[str, str]]:
    return [
        _REF,
        _CPR,
        {
            "error": "CaseError",
            "where": r"^body\.(level|required_level|paragraph)$",
            "rule": "Niveau, krævet niveau og paragraf skal findes i den version af planen, der er i kraft på afgørelsesdatoen, og det krævede niveau skal kendes (angivet, fra sagens routing i registret eller fra loven).",
        },
        {
            "error": "CaseError",
            "where": r"^body\.(step|monthly_cost)$",
            "rule": "Trin og beløb kan skrives som tal eller dansk tekst (fx 12.000,50), men skal kunne læses: trinnet er et heltal fra 1 til 20, beløbet har højst 2 decimaler (øre) og er under 1 mia. kr.",
        },
        {"error": "CaseError", "where": r"^body\.expected_end$", "rule": "Forventet slut ligger ikke før start."},
        {
            "error": "CaseError",
            "where": r"^body\.(corrects|routing_id)$",
            "rule": "Afgørelsen, der rettes, skal findes i samme sag, være den nyeste version og ikke trukket tilbage; routingen skal findes for samme sag.",
        },
        {"error": "StatutoryCompetenceError", "where": r"^body\.level$", "rule": "En afgørelse på et niveau under det udvalg, loven forbeholder paragraffen (barnets lov § 142, stk. 1), afvises."},
        _DATE,
    ]


def _meeting_refusals(plan: Plan) -> list[dict[str, str]]:
    return [
        {"error": "CaseError", "where": r"^body\.body$", "rule": "Udvalget skal være et udvalg i den version af planen, der er i kraft på mødedatoen."},
        {"error": "CaseError", "where": r"^body\.title$", "rule": "Titlen står på én linje uden styretegn (højst 200 tegn)."},
        _CPR,
        _DATE,
    ]


def _item_refusals(plan: Plan) -> list[dict[str, str]]:
    return [
        *submission_refusals(plan),
        {"error": "CaseError", "where": r"^indstilling\.sagsnummer$", "rule": "Indstillingen skal have et gyldigt sagsnummer (bogstaver, cifre og . : / - _), eller case_ref skal angives."},
        _REF,
        {"error": "CaseError", "where": r"^body\.replaces$", "rule": "Punktet, der erstattes, skal findes på mødet og være samme sag."},
        _CPR,
        _DATE,
    ]


def _outcome_refusals(plan: Plan) -> list[dict[str, str]]:
    return [
        {"error": "CaseError", "where": r"^body\.reason$", "rule": "En begrundelse kræves for alt andet end bevilget."},
        {
            "error": "CaseError",
            "where": r"^body\.(start|expected_end)$",
            "rule": "Start og forventet slut gælder kun en bevilling (bevilget, bevilget med ændringer), og forventet slut ligger ikke før start.",
        },
        {"error": "CaseError", "where": r"^body\.forward_to$", "rule": "forward_to gælder kun udfaldet oversendt og skal være et niveau over mødets udvalg."},
        {"error": "StatutoryCompetenceError", "where": r"^body\.outcome$", "rule": "Et udvalg under det, loven forbeholder punktets paragraf, kan kun udsætte, sende tilbage eller oversende punktet."},
        {
            "error": "CaseError",
            "where": r"^(indstilling\.sag\.(paragraf|trin|maanedlig_udgift)|indstilling\.sagsnummer)$",
            "rule": "Et udfald, der er en afgørelse, kræver at punktets indstilling har paragraf, trin, månedlig udgift og et gyldigt sagsnummer.",
        },
        _CPR,
        _DATE,
    ]


def _path_param(name: str, what: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": what, "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}


def _query(name: str, what: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": what, "schema": schema}


_MEETING_ID = _path_param("meeting_id", "Mødets id.")
_NUMBER = _path_param("number", "Punktets nummer på dagsordenen.")
_PAGE = [
    _query("after", "Markøren for næste side: next fra det forrige svar.", {"type": "string", "maxLength": 100}),
    _query("limit", f"Højst så mange på siden (standard {PAGE}).", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": PAGE}),
]
_FORMAT = {"description": "Dokumentets format: json (data; det en genereret klient læser), markdown eller html (dokumenter til mennesker)."}
_DOCUMENT = {"application/json": "Agenda", "text/markdown": "text", "text/html": "text"}
_AT = {"path.meeting_id": "$request.path.meeting_id"}

#: (path, method) -> the operation, as `contract.OPERATIONS` (``register``: 409 for writes, 503).
OPERATIONS: dict[tuple[str, str], dict[str, Any]] = {
    ("/register/route", "post"): {
        "id": "register_route",
        "body": "RoutingIn",
        "ok": {"application/json": "RoutedCase"},
        "refusals": _route_refusals,
        "register": True,
        "links": {
            "CorrectRouting": {
                "operationId": "register_route",
                "requestBody": {"corrects": "$response.body#/record/id", "case_ref": "$response.body#/record/case_ref"},
                "description": "Ret routingen.",
            },
            "RecordDecision": {
                "operationId": "record_decision",
                "requestBody": {"routing_id": "$response.body#/record/id", "case_ref": "$response.body#/record/case_ref"},
                "description": "Registrér afgørelsen i sagen.",
            },
        },
    },
    ("/register/decisions", "post"): {
        "id": "record_decision",
        "body": "DecisionIn",
        "ok": {"application/json": "DecisionRecord"},
        "refusals": _decision_refusals,
        "register": True,
        "links": {
            "ListDecisions": {
                "operationId": "list_decisions",
                "parameters": {"query.start": "$response.body#/decided_on", "query.end": "$response.body#/decided_on", "query.team": "$response.body#/team"},
                "description": "Afgørelserne den dag i teamet (med denne).",
            },
            "CorrectDecision": {"operationId": "record_decision", "requestBody": {"corrects": "$response.body#/id", "case_ref": "$response.body#/case_ref"}, "description": "Ret afgørelsen."},
        },
    },
    ("/register/decisions", "get"): {
        "id": "list_decisions",
        "params": [
            _query("start", "Fra denne dag (ÅÅÅÅ-MM-DD), afgørelsesdatoen.", {"type": "string", "format": "date"}),
            _query("end", "Til og med denne dag (ÅÅÅÅ-MM-DD).", {"type": "string", "format": "date"}),
            _query("team", "Kun dette team.", {"type": "string", "maxLength": 64}),
            _query("overskridelser", "Kun afgørelser truffet under det krævede niveau (kompetenceoverskridelser).", {"type": "boolean", "default": False}),
            *_PAGE,
        ],
        "ok": {"application/json": "DecisionPage"},
        "refusals": lambda plan: [_AFTER],
        "register": True,
        "links": {"NextPage": {"operationId": "list_decisions", "parameters": {"query.after": "$response.body#/next"}, "description": "Næste side."}},
    },
    ("/meetings", "post"): {
        "id": "new_meeting",
        "body": "MeetingIn",
        "ok": {"application/json": "Meeting"},
        "refusals": _meeting_refusals,
        "register": True,
        "links": {
            "AddItem": {"operationId": "add_item", "parameters": {"path.meeting_id": "$response.body#/id"}, "description": "Sæt en indstilling på mødets dagsorden."},
            "GetAgenda": {"operationId": "get_agenda", "parameters": {"path.meeting_id": "$response.body#/id"}, "description": "Mødets dagsorden."},
            "SendAgenda": {"operationId": "send_agenda", "parameters": {"path.meeting_id": "$response.body#/id"}, "description": "Send dagsordenen."},
            "GetMinutes": {"operationId": "get_minutes", "parameters": {"path.meeting_id": "$response.body#/id"}, "description": "Mødets referat."},
        },
    },
    ("/meetings", "get"): {
        "id": "list_meetings",
        "params": list(_PAGE),
        "ok": {"application/json": "MeetingPage"},
        "refusals": lambda plan: [_AFTER],
        "register": True,
        "links": {"NextPage": {"operationId": "list_meetings", "parameters": {"query.after": "$response.body#/next"}, "description": "Næste side."}},
    },
    ("/meetings/{meeting_id}/items", "post"): {
        "id": "add_item",
        "params": [_MEETING_ID],
        "body": "ItemIn",
        "ok": {"application/json": "AddedItem"},
        "refusals": _item_refusals,
        "not_found": "Mødet findes ikke.",
        "register": True,
        "links": {
            "RecordOutcome": {"operationId": "record_outcome", "parameters": {**_AT, "path.number": "$response.body#/number"}, "description": "Udvalgets udfald for punktet."},
            "GetAgenda": {"operationId": "get_agenda", "parameters": _AT, "description": "Dagsordenen med punktet."},
        },
    },
    ("/meetings/{meeting_id}/agenda", "get"): {
        "id": "get_agenda",
        "params": [_MEETING_ID, {"name": "format", "in": "query", "required": False, **_FORMAT, "schema": {"enum": list(DOCUMENT_FORMATS), "default": "json"}}],
        "ok": _DOCUMENT,
        "not_found": "Mødet findes ikke.",
        "register": True,
    },
    ("/meetings/{meeting_id}/agenda/send", "post"): {
        "id": "send_agenda",
        "params": [_MEETING_ID],
        "body": "SendIn",
        "ok": {"application/json": "Agenda"},
        "not_found": "Mødet findes ikke.",
        "register": True,
        "links": {"GetMinutes": {"operationId": "get_minutes", "parameters": _AT, "description": "Mødets referat."}},
    },
    ("/meetings/{meeting_id}/items/{number}/outcome", "post"): {
        "id": "record_outcome",
        "params": [_MEETING_ID, _NUMBER],
        "body": "OutcomeIn",
        "ok": {"application/json": "OutcomeRecord"},
        "refusals": _outcome_refusals,
        "not_found": "Mødet eller punktet findes ikke.",
        "register": True,
        "links": {
            "GetMinutes": {"operationId": "get_minutes", "parameters": _AT, "description": "Referatet med udfaldet."},
            "ListDecisions": {"operationId": "list_decisions", "parameters": {}, "description": "Afgørelserne, herunder udvalgets."},
        },
    },
    ("/meetings/{meeting_id}/minutes", "get"): {
        "id": "get_minutes",
        "params": [_MEETING_ID, {"name": "format", "in": "query", "required": False, **_FORMAT, "schema": {"enum": list(DOCUMENT_FORMATS), "default": "json"}}],
        "ok": _DOCUMENT,
        "not_found": "Mødet findes ikke.",
        "register": True,
    },
}


def components(plan: Plan) -> dict[str, dict[str, Any]]:
    """The register's request and answer schemas. Requests enumerate the plan's codes (levels,
    committees, paragraphs: what the service accepts today); answers never do."""
    ref = "#/components/schemas/"
    out: dict[str, dict[str, Any]] = {}
    requests: tuple[type[BaseModel], ...] = (RoutingIn, DecisionIn, MeetingIn, ItemIn, SendIn, OutcomeIn)
    answers: tuple[type[BaseModel], ...] = (RoutedCase, DecisionRecord, DecisionPage, Meeting, MeetingPage, AddedItem, Agenda, OutcomeRecord)
    for model in requests:
        out[model.__name__] = model.model_json_schema(mode="validation")
    for model in answers:
        out[model.__name__] = model.model_json_schema(mode="serialization")
    levels = [lv.id for lv in plan.levels]
    committees = [lv.id for lv in plan.levels[plan.escalation_rank :]]
    codes = list(plan.inputs[plan.meta.paragraph_input].values or {})
    out["RoutingIn"]["properties"]["case"] = {"$ref": ref + "case"}
    out["ItemIn"]["properties"]["submission"] = {"$ref": ref + "submission"}
    decision = out["DecisionIn"]["properties"]
    decision["level"]["enum"] = levels
    decision["paragraph"]["enum"] = codes
    decision["required_level"] = {"anyOf": [{"enum": levels}, {"type": "null"}], "default": None, "description": decision["required_level"].get("description", "")}
    out["MeetingIn"]["properties"]["body"]["enum"] = committees
    forward = out["OutcomeIn"]["properties"]["forward_to"]
    out["OutcomeIn"]["properties"]["forward_to"] = {"anyOf": [{"enum": levels}, {"type": "null"}], "default": None, "description": forward.get("description", "")}
    out["RoutedCase"]["properties"]["decision"] = {"$ref": ref + "decision"}
    out["AddedItem"]["properties"]["report"] = {"$ref": ref + "report"}
    return out


#: What `contract.describe` adds to the contract when the service has a register.
CONTRACT = Part(OPERATIONS, components)
