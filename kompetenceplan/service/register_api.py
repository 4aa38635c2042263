"""HTTP endpoints for the register and committee meetings (a FastAPI router the service
includes when started with ``serve --db URL``). The same JSON models as the Python API and CLI.
Stored values are never logged."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Request
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, WithJsonSchema

from ..actor import actor_of
from ..danish import read_date, read_optional_date
from ..errors import CaseError, Problem
from ..meetings import committee
from ..meetings.documents import agenda_html, agenda_markdown, minutes_html, minutes_markdown
from ..meetings.model import AddedItem, Agenda, Meeting, Outcome, OutcomeRecord
from ..plan.versions import PlanSet
from ..store.records import DecisionRecord, RoutedCase
from ..store.register import Register
from ..web.access import log_case_access
from ..web.views import HEADERS, document_response

#: Agendas and minutes name cases: never cached (as the pages).
NO_STORE = {"Cache-Control": HEADERS["Cache-Control"], "X-Content-Type-Options": HEADERS["X-Content-Type-Options"]}

#: Dates and numbers are handed to the library as sent and read there by `danish`, as the CLI, the
#: pages and the imports read them: a date is the text ``ÅÅÅÅ-MM-DD`` only (``0`` is not
#: 1970-01-01, a time zone is never dropped), an amount a JSON number or Danish text (``"12.000"``
#: is twelve thousand, never 12), and ``true`` is never a number. A refusal is the usual 422 body.
Date = Annotated[Any, WithJsonSchema({"type": "string", "format": "date", "description": "ÅÅÅÅ-MM-DD"})]
Amount = Annotated[Any, WithJsonSchema({"anyOf": [{"type": "number", "minimum": 0}, {"type": "string", "maxLength": 40}], "description": 'kr. pr. måned: et tal eller dansk tekst, fx "12.000,50"'})]
Step = Annotated[Any, WithJsonSchema({"type": "integer", "minimum": 1, "maximum": 20})]


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case_ref: str
    team: str
    level: str
    decided_on: Date
    outcome: Literal["bevilget", "afslået", "bevilget med ændringer"]
    paragraph: str
    step: Step
    monthly_cost: Amount
    start: Date
    expected_end: Date = None
    required_level: str | None = None
    routing_id: int | None = None
    corrects: int | None = None
    note: str = ""


#: A date in the query string, read by `danish.read_date` (FastAPI's own reading takes ``0`` as 1970-01-01).
DateQuery = Annotated[str | None, WithJsonSchema({"type": "string", "format": "date"})]


class MeetingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    meeting_date: Date
    body: str
    title: str = ""


class OutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Outcome
    reason: str = ""
    start: Date = None
    expected_end: Date = None
    #: "oversendt": the level the item is sent on to (default: the item's required level).
    forward_to: str | None = None


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

    @router.post("/register/route", response_model=RoutedCase, summary="Route en sag og gem routingen")
    def route(request: Request, case_ref: str, team: str, on: DateQuery = None, corrects: int | None = None, case: dict[str, Any] = Body(...)) -> RoutedCase:
        routed = register.record_routing(plans(), case, case_ref=case_ref, team=team, actor=actor_of(request), on=read_optional_date(on, "on"), corrects=corrects)
        log_case_access(request, "ændret", "routing", [routed.record.case_ref])
        return routed

    @router.post("/register/decisions", response_model=DecisionRecord, summary="Registrér en truffet afgørelse")
    def record_decision(request: Request, decision: DecisionIn) -> DecisionRecord:
        recorded = register.record_decision(plans(), actor=actor_of(request), **decision.model_dump())
        log_case_access(request, "ændret", "afgørelse", [recorded.case_ref])
        return recorded

    @router.get("/register/decisions", response_model=list[DecisionRecord], summary="Afgørelser i en periode")
    def list_decisions(request: Request, start: DateQuery = None, end: DateQuery = None, team: str | None = None, overskridelser: bool = False) -> list[DecisionRecord]:
        period = (read_optional_date(start, "start"), read_optional_date(end, "end"))
        found = register.overskridelser(period, team) if overskridelser else register.decisions(period, team)
        log_case_access(request, "læst", "afgørelse", [d.case_ref for d in found])
        return found

    @router.post("/meetings", response_model=Meeting, summary="Opret et udvalgsmøde")
    def new_meeting(request: Request, meeting: MeetingIn) -> Meeting:
        return committee.new_meeting(register, plans(), read_date(meeting.meeting_date, "meeting_date"), meeting.body, meeting.title, actor=actor_of(request))

    @router.get("/meetings", response_model=list[Meeting], summary="Alle møder")
    def meetings() -> list[Meeting]:
        return committee.list_meetings(register, plans())

    @router.post("/meetings/{meeting_id}/items", response_model=AddedItem, summary="Tilføj en indstilling til mødet")
    def add_item(request: Request, meeting_id: int, case_ref: str | None = None, replaces: int | None = None, submission: dict[str, Any] = Body(...)) -> AddedItem:
        added = committee.add_submission(register, plans(), meeting_id, submission, case_ref, replaces, actor=actor_of(request))
        log_case_access(request, "ændret", "dagsordenspunkt", [added.item.case_ref])
        return added

    @router.get("/meetings/{meeting_id}/agenda", summary="Dagsordenen (json, markdown eller html)")
    def agenda(request: Request, meeting_id: int, format: str = "json") -> Response:
        found = committee.build_agenda(register, plans(), meeting_id)
        response = _document(found, format, agenda_markdown, agenda_html)
        log_case_access(request, "læst", "dagsordenspunkt", [i.case_ref for i in found.items])
        return response

    @router.post("/meetings/{meeting_id}/agenda/send", response_model=Agenda, summary="Markér dagsordenen som udsendt")
    def send(request: Request, meeting_id: int) -> Agenda:
        sent = committee.send_agenda(register, plans(), meeting_id, actor=actor_of(request))
        log_case_access(request, "ændret", "dagsordenspunkt", [i.case_ref for i in sent.items])
        return sent

    @router.post("/meetings/{meeting_id}/items/{number}/outcome", response_model=OutcomeRecord, summary="Udvalgets udfald for et punkt")
    def outcome(request: Request, meeting_id: int, number: int, body: OutcomeIn) -> OutcomeRecord:
        start, end = read_optional_date(body.start, "start"), read_optional_date(body.expected_end, "expected_end")
        recorded = committee.record_outcome(register, plans(), meeting_id, number, body.outcome, body.reason, actor=actor_of(request), start=start, expected_end=end, forward_to=body.forward_to)
        log_case_access(request, "ændret", "udfald", [recorded.case_ref])
        return recorded

    @router.get("/meetings/{meeting_id}/minutes", summary="Referatet (json, markdown eller html)")
    def minutes(request: Request, meeting_id: int, format: str = "markdown") -> Response:
        found = committee.build_agenda(register, plans(), meeting_id)
        response = _document(found, format, minutes_markdown, minutes_html)
        log_case_access(request, "læst", "dagsordenspunkt", [i.case_ref for i in found.items])
        return response

    return router
