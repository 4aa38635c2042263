"""The Møde pages: the committee's meetings on the register (`meetings.committee`).

``/moede`` lists the meetings and creates one; ``/moede/{id}`` is the agenda with each item's
readiness, the "send dagsorden" button and an outcome form per item; ``/moede/{id}/dagsorden``
and ``/moede/{id}/referat`` are printable. ``/moede/tilfoej`` adds a checked submission from the
Indstilling page (the submission travels in the POST body). Only meeting ids and item numbers
appear in URLs; the pages show case references, never the person (the register stores no
``borger``).

When the committee grants, the outcome form takes the intervention's start and expected end
(``record_outcome(start=, expected_end=)``; empty: the library's defaults), and the agenda and
minutes show the dates the register stored. "Tilføj til møde" can add a submission as a new
version of an item (``add_submission(replaces=)``).

Without a register (``kompetenceplan serve`` without ``--db``) every page says how to start one.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ..actor import actor_of
from ..errors import CaseError, EngineError, KompetenceplanError, PlanError, UnavailableError
from ..io import parse_date
from .access import log_case_access
from .forms import FieldErrors
from .views import EXPIRED, Refused, _current, _form, _message_page, _plans, _render, register_of, router

DATE, BODY, TITLE, OUTCOME, REASON = "moededato", "udvalg", "titel", "udfald", "begrundelse"
START, END = "startdato", "slutdato"
MEETING, SUBMISSION, NAME, REPLACES = "moede", "indstilling", "navn", "erstatter"
NO_REGISTER = "no-register"
FIELD_LABELS = {
    DATE: "Mødedato",
    BODY: "Udvalg",
    TITLE: "Titel",
    OUTCOME: "Udfald",
    REASON: "Begrundelse",
    START: "Startdato",
    END: "Forventet slutdato",
    MEETING: "Møde",
    REPLACES: "Erstatter punkt",
}
#: The outcomes that grant an intervention: only these take a start and an expected end from the
#: form (an afslag is registered as a decision too, with the library's default dates).
GRANTS = ("bevilget", "bevilget med ændringer")  # meetings.committee.GRANTED (not imported: no register, no SQLAlchemy)
#: Dates outside these years are typing mistakes (and a start near year 9999 plus the case's
#: duration would not be a date at all).
FIRST_YEAR, LAST_YEAR = 1900, 2199
DATE_FORMAT = "Skal være en dato på formen ÅÅÅÅ-MM-DD, fx 2026-12-01."


def _no_register(request: Request, status: int = 200) -> HTMLResponse:
    return _render(request, "meeting.html", "moede", status=status, register=False, meetings=[], values={}, errors=FieldErrors(), bodies=[])


def _bodies(request: Request) -> list[tuple[str, str]]:
    """The bodies a meeting can belong to (`Plan.meeting_bodies`: the plan's committees and unsplit committee levels; id, Danish name)."""
    plan = _current(_plans(request))
    return [(b.id, b.name) for b in plan.meeting_bodies()]


def _problems_text(exc: KompetenceplanError) -> str:
    return " ".join(f"{p.what} {p.fix}".strip() for p in exc.problems) or exc.title


def _field_errors(exc: KompetenceplanError, fields: dict[str, str], general_field: str | None = None) -> FieldErrors:
    """The library's problems on the form's fields (``fields`` maps a problem's ``where`` to a field)."""
    errors = FieldErrors()
    for p in exc.problems:
        name = fields.get(p.where.split(".", 1)[0].split("[", 1)[0])
        text = f"{p.what} {p.fix}".strip()
        text = text[:1].upper() + text[1:]
        if name:
            errors.fields[name] = f"{errors.fields[name]} {text}" if name in errors.fields else text
        elif general_field:
            errors.fields[general_field] = f"{errors.fields[general_field]} {text}" if general_field in errors.fields else text
        else:
            errors.general.append(f"{p.where}: {text}")
    if not exc.problems:
        errors.general.append(exc.title)
    return errors


def _form_date(text: str) -> tuple[dt.date | None, str]:
    """An optional ISO date from a form field, and the field's error ('' when none)."""
    text = text.strip()
    if not text:
        return None, ""
    try:
        day = parse_date(text, "dato", "2026-12-01")
    except CaseError:
        return None, DATE_FORMAT
    if day is None or not FIRST_YEAR <= day.year <= LAST_YEAR:
        return None, f"Årstallet skal være mellem {FIRST_YEAR} og {LAST_YEAR}."
    return day, ""


# -- the list and a new meeting ---------------------------------------------------------------------


def _overview(reg: Any, plans: Any) -> list[dict[str, Any]]:
    from ..meetings import committee

    out: list[dict[str, Any]] = []
    for m in committee.list_meetings(reg, plans):
        try:
            agenda = committee.build_agenda(reg, plans, m.id)
        except PlanError:  # no plan version in force on the meeting date: say so, never count
            out.append({"meeting": m, "items": None, "ready": None, "sent": None})
            continue
        out.append({"meeting": m, "items": len(agenda.items), "ready": sum(1 for i in agenda.items if i.ready), "sent": agenda.sent_at})
    return out


def _meetings_page(request: Request, values: dict[str, str], errors: FieldErrors, status: int = 200) -> HTMLResponse:
    reg = register_of(request)
    overview = []
    try:
        overview = _overview(reg, _plans(request))
    except EngineError as exc:
        errors.general.append(exc.title)
    values.setdefault(DATE, "")
    return _render(request, "meeting.html", "moede", status=status, register=True, meetings=overview, values=values, errors=errors, bodies=_bodies(request), labels=FIELD_LABELS)


@router.get("/moede", response_class=HTMLResponse)
async def meetings_page(request: Request) -> HTMLResponse:
    if register_of(request) is None:
        return _no_register(request)
    return await run_in_threadpool(_meetings_page, request, {}, FieldErrors())


@router.post("/moede", response_class=HTMLResponse)
async def meetings_post(request: Request) -> Response:
    reg = register_of(request)
    if reg is None:
        return _no_register(request, status=404)
    try:
        values, _ = await _form(request)
    except Refused as exc:
        if exc.status == 403 and exc.message == EXPIRED:
            return await run_in_threadpool(_meetings_page, request, {}, FieldErrors(general=[exc.message]), 403)
        return _message_page(request, exc.status, "Formularen blev ikke modtaget", exc.message)
    errors = FieldErrors()
    on = None
    try:
        on = parse_date(values.get(DATE) or None, DATE, "2026-12-01")
    except CaseError:
        errors.fields[DATE] = "Skal være en dato på formen ÅÅÅÅ-MM-DD, fx 2026-12-01."
    if on is None and DATE not in errors.fields:
        errors.fields[DATE] = "Mangler. Skriv mødets dato, fx 2026-12-01."
    if not values.get(BODY):
        errors.fields[BODY] = "Mangler. Vælg udvalget i listen."
    if len(values.get(TITLE, "")) > 200:
        errors.fields[TITLE] = "Er for lang. Højst 200 tegn."
    if errors.fields or on is None:
        return await run_in_threadpool(_meetings_page, request, values, errors)
    from ..meetings import committee

    try:
        meeting = await run_in_threadpool(lambda: committee.new_meeting(reg, _plans(request), on, values[BODY], values.get(TITLE, ""), actor=actor_of(request)))
    except (EngineError, UnavailableError):
        raise
    except PlanError as exc:
        return await run_in_threadpool(_meetings_page, request, values, FieldErrors(fields={DATE: _problems_text(exc)}))
    except KompetenceplanError as exc:
        return await run_in_threadpool(_meetings_page, request, values, _field_errors(exc, {"udvalg": BODY, "titel": TITLE}))
    return RedirectResponse(f"/moede/{meeting.id}?oprettet=1", status_code=303)


# -- one meeting ---------------------------------------------------------------------------------------


def _agenda(request: Request, meeting_id: int) -> Any:
    """The agenda, or None when the meeting does not exist."""
    from ..meetings import committee

    try:
        return committee.build_agenda(register_of(request), _plans(request), meeting_id)
    except PlanError:
        raise
    except CaseError:
        return None


def _granted_dates(agenda: Any) -> dict[int, dict[str, dt.date | None]]:
    """The start and expected end the register stored for each granted item (by item number)."""
    return {i.number: {START: i.start, END: i.expected_end} for i in agenda.items if i.start is not None}


def _id(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= 12


def _unknown_meeting(request: Request) -> HTMLResponse:
    return _message_page(request, 404, "Ukendt møde", "Mødet findes ikke i registret. Vælg et møde på siden Møde.")


def _meeting_page(
    request: Request,
    meeting_id: int,
    status: int = 200,
    notice: str = "",
    item_errors: dict[int, FieldErrors] | None = None,
    item_values: dict[int, dict[str, str]] | None = None,
    general: list[str] | None = None,
) -> HTMLResponse:
    from ..meetings.model import OUTCOMES

    try:
        agenda = _agenda(request, meeting_id)
    except PlanError as exc:
        return _message_page(request, 409, "Mødet kan ikke vises", f"Ingen version af planen gælder på mødedatoen. {_problems_text(exc)}")
    if agenda is None:
        return _unknown_meeting(request)
    log_case_access(request, "læst", "dagsordenspunkt", [i.case_ref for i in agenda.items])
    return _render(
        request,
        "meeting_detail.html",
        "moede",
        status=status,
        agenda=agenda,
        dates=_granted_dates(agenda),
        outcomes=OUTCOMES,
        notice=notice,
        item_errors=item_errors or {},
        item_values=item_values or {},
        general=general or [],
        labels=FIELD_LABELS,
    )


NOTICES = {"oprettet": "Mødet er oprettet. Tilføj indstillinger fra siden Indstilling.", "udsendt": "Dagsordenen er markeret som udsendt."}


@router.get("/moede/{meeting_id}", response_class=HTMLResponse)
async def meeting_page(request: Request, meeting_id: str) -> HTMLResponse:
    if register_of(request) is None:
        return _no_register(request, status=404)
    if not _id(meeting_id):
        return _unknown_meeting(request)
    notice = next((text for key, text in NOTICES.items() if key in request.query_params), "")
    saved = request.query_params.get("gemt", "")
    if saved.isdigit() and len(saved) < 6:
        notice = f"Udfaldet for punkt {int(saved)} er registreret."
    return await run_in_threadpool(_meeting_page, request, int(meeting_id), 200, notice)


@router.post("/moede/{meeting_id}/send", response_class=HTMLResponse)
async def send_agenda(request: Request, meeting_id: int) -> Response:
    reg = register_of(request)
    if reg is None:
        return _no_register(request, status=404)
    try:
        await _form(request)
    except Refused as exc:
        if exc.status == 403 and exc.message == EXPIRED:
            return await run_in_threadpool(_meeting_page, request, meeting_id, 403, "", None, None, [exc.message])
        return _message_page(request, exc.status, "Formularen blev ikke modtaget", exc.message)
    from ..meetings import committee

    try:
        sent = await run_in_threadpool(lambda: committee.send_agenda(reg, _plans(request), meeting_id, actor=actor_of(request)))
        await run_in_threadpool(log_case_access, request, "ændret", "dagsordenspunkt", [i.case_ref for i in sent.items])
    except (EngineError, UnavailableError):
        raise
    except PlanError as exc:
        return _message_page(request, 409, "Dagsordenen er ikke udsendt", _problems_text(exc))
    except CaseError:
        return _unknown_meeting(request)
    return RedirectResponse(f"/moede/{meeting_id}?udsendt=1", status_code=303)


@router.post("/moede/{meeting_id}/punkt/{number}", response_class=HTMLResponse)
async def record_outcome(request: Request, meeting_id: int, number: int) -> Response:
    reg = register_of(request)
    if reg is None:
        return _no_register(request, status=404)
    try:
        values, _ = await _form(request)
    except Refused as exc:
        if exc.status == 403 and exc.message == EXPIRED:
            return await run_in_threadpool(_meeting_page, request, meeting_id, 403, "", {number: FieldErrors(general=[exc.message])})
        return _message_page(request, exc.status, "Formularen blev ikke modtaget", exc.message)
    from ..meetings import committee

    outcome, reason = values.get(OUTCOME, ""), values.get(REASON, "")
    kept = {OUTCOME: outcome, REASON: reason, START: values.get(START, ""), END: values.get(END, "")}
    errors = FieldErrors()
    if not outcome:
        errors.fields[OUTCOME] = "Mangler. Vælg udvalgets udfald i listen."
    if len(reason) > 2000:
        errors.fields[REASON] = "Er for lang. Højst 2000 tegn."
    # The dates belong to a grant; with any other outcome they are not used (the form says so).
    # An end before the start is the library's to refuse (it knows the default start).
    dates: dict[str, dt.date | None] = {START: None, END: None}
    if outcome in GRANTS:
        for name in dates:
            dates[name], problem = _form_date(kept[name])
            if problem:
                errors.fields[name] = problem
    if errors.fields:
        return await run_in_threadpool(_meeting_page, request, meeting_id, 200, "", {number: errors}, {number: kept})
    try:
        recorded = await run_in_threadpool(
            lambda: committee.record_outcome(reg, _plans(request), meeting_id, number, outcome, reason, actor=actor_of(request), start=dates[START], expected_end=dates[END])
        )
    except (EngineError, UnavailableError):
        raise
    except PlanError as exc:
        return _message_page(request, 409, "Udfaldet er ikke registreret", _problems_text(exc))
    except KompetenceplanError as exc:
        if any(p.where == "møde" for p in exc.problems):
            return _unknown_meeting(request)
        if any(p.where == "punkt" for p in exc.problems):  # no such item (e.g. an old page): say so above the agenda
            return await run_in_threadpool(_meeting_page, request, meeting_id, 200, "", None, None, [f"Udfaldet er ikke registreret: {_problems_text(exc)}"])
        errors = _field_errors(exc, {"udfald": OUTCOME, "begrundelse": REASON, "forventet_slut": END}, general_field=OUTCOME)
        return await run_in_threadpool(_meeting_page, request, meeting_id, 200, "", {number: errors}, {number: kept})
    await run_in_threadpool(log_case_access, request, "ændret", "udfald", [recorded.case_ref])
    return RedirectResponse(f"/moede/{meeting_id}?gemt={number}#punkt-{number}", status_code=303)


async def _document(request: Request, meeting_id: str, kind: str) -> HTMLResponse:
    if register_of(request) is None:
        return _no_register(request, status=404)
    if not _id(meeting_id):
        return _unknown_meeting(request)
    try:
        agenda = await run_in_threadpool(_agenda, request, int(meeting_id))
    except PlanError as exc:
        return _message_page(request, 409, "Mødet kan ikke vises", _problems_text(exc))
    if agenda is None:
        return _unknown_meeting(request)
    dates = _granted_dates(agenda) if kind == "referat" else {}
    await run_in_threadpool(log_case_access, request, "læst", "dagsordenspunkt", [i.case_ref for i in agenda.items])
    return _render(request, "meeting_document.html", "moede", agenda=agenda, kind=kind, dates=dates)


@router.get("/moede/{meeting_id}/dagsorden", response_class=HTMLResponse)
async def agenda_document(request: Request, meeting_id: str) -> HTMLResponse:
    return await _document(request, meeting_id, "dagsorden")


@router.get("/moede/{meeting_id}/referat", response_class=HTMLResponse)
async def minutes_document(request: Request, meeting_id: str) -> HTMLResponse:
    return await _document(request, meeting_id, "referat")


# -- from the Indstilling page ------------------------------------------------------------------------


def _added(request: Request, wants_json: bool, ok: bool, message: str, meeting_id: int | None = None, field: str | None = None, status: int = 200) -> Response:
    href = f"/moede/{meeting_id}" if ok and meeting_id is not None else None
    if wants_json:
        return JSONResponse({"ok": ok, "message": message, "href": href, "field": field}, status_code=status, headers={"Cache-Control": "no-store"})
    return _render(request, "meeting_added.html", "indstilling", status=status, ok=ok, message=message, href=href)


@router.post("/moede/tilfoej")
async def add_submission(request: Request) -> Response:
    """Add one checked submission (JSON in the form field ``indstilling``) to a meeting.

    Answers a page, or JSON for the Indstilling page's script (``Accept: application/json``;
    mistakes are status 200 with ``ok: false`` so the console stays clean)."""
    wants_json = "application/json" in request.headers.get("accept", "")
    reg = register_of(request)
    if reg is None:
        if wants_json:
            return _added(request, True, False, "Møderegistret er ikke sat op. Start tjenesten med --db.", status=404)
        return _no_register(request, status=404)
    try:
        values, _ = await _form(request)
    except Refused as exc:
        return _added(request, wants_json, False, exc.message, status=exc.status)
    name = values.get(NAME, "")[:120] or "Indstillingen"
    raw = values.get(MEETING, "")
    if not raw.isdigit() or len(raw) > 12:
        return _added(request, wants_json, False, "Vælg et møde i listen.", field=MEETING)
    replaces_text = values.get(REPLACES, "").strip()
    if replaces_text and not (replaces_text.isascii() and replaces_text.isdigit() and len(replaces_text) <= 12):
        return _added(request, wants_json, False, f"{name} er ikke tilføjet: Erstatter punkt skal være et punktnummer på mødet, fx 2, eller tomt for et nyt punkt.", field=REPLACES)
    replaces = int(replaces_text) if replaces_text else None
    try:
        submission = json.loads(values.get(SUBMISSION, ""))
    except ValueError:
        return _added(request, wants_json, False, "Indstillingen kom ikke med formularen. Tjek indstillingerne igen på siden Indstilling, og tilføj derefter.", field=MEETING)
    from ..meetings import committee

    try:
        added = await run_in_threadpool(lambda: committee.add_submission(reg, _plans(request), int(raw), submission, None, replaces, actor=actor_of(request)))
    except (EngineError, UnavailableError):
        raise
    except KompetenceplanError as exc:
        if any(p.where == "møde" for p in exc.problems):
            return _added(request, wants_json, False, "Mødet findes ikke i registret. Vælg et andet møde.", field=MEETING)
        field = REPLACES if any(p.where == "erstatter" for p in exc.problems) else MEETING
        return _added(request, wants_json, False, f"{name} er ikke tilføjet: {_problems_text(exc)}", field=field)
    await run_in_threadpool(log_case_access, request, "ændret", "dagsordenspunkt", [added.item.case_ref])
    state = "klar" if added.item.ready else "ikke klar"
    what = f"som ny version af punkt {added.number}" if replaces is not None else f"som punkt {added.number}"
    return _added(request, wants_json, True, f"{name} er tilføjet {what} (sag {added.item.case_ref}, {state}).", meeting_id=int(raw))
