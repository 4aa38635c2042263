"""The Møde pages: the committee's meetings on the register (`meetings.committee`).

Why it is long: every page of a meeting's life (list, agenda, items, outcomes, attendance,
withdrawals, documents, mailing) on one route prefix; each route is thin, the work is in
`meetings/`.

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
from .danish import date_text
from .forms import FieldErrors
from .submission_form import plain
from .views import Answer, _current, _message_page, _plans, _render, posted, register_of, register_or, router, templates

CONFIRMED = "bekraeftet"

DATE, BODY, TITLE, OUTCOME, REASON = "moededato", "udvalg", "titel", "udfald", "begrundelse"
START, END = "startdato", "slutdato"
FORWARD = "oversendt_til"
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
    FORWARD: "Oversendes til",
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


def _register(request: Request, status: int = 404) -> Any:
    """The register the Møde pages work on; without one, the Møde page says how to start one
    (with 404 for every address but the list's own)."""
    return register_or(request, lambda: _no_register(request, status=status))


def _bodies(request: Request) -> list[tuple[str, str]]:
    """The bodies a meeting can belong to (`Plan.meeting_bodies`: the plan's committees and unsplit committee levels; id, Danish name)."""
    plan = _current(_plans(request))
    return [(b.id, b.name) for b in plan.meeting_bodies()]


def _problems_text(exc: KompetenceplanError, plan: Any = None) -> str:
    """The library's problems in plain Danish (paragraph codes as the law's words)."""
    text = " ".join(f"{p.what} {p.fix}".strip() for p in exc.problems) or exc.title
    return plain(plan, text) if plan is not None else text


def _field_errors(exc: KompetenceplanError, fields: dict[str, str], general_field: str | None = None, plan: Any = None) -> FieldErrors:
    """The library's problems on the form's fields (``fields`` maps a problem's ``where`` to a field)."""
    errors = FieldErrors()
    for p in exc.problems:
        name = fields.get(p.where.split(".", 1)[0].split("[", 1)[0])
        text = f"{p.what} {p.fix}".strip()
        text = text[:1].upper() + text[1:]
        if plan is not None:
            text = plain(plan, text)
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


def _key(text: str | None) -> tuple[dt.date, int] | None:
    """A page key from the address (``2026-11-03.1234``: a meeting's date and id); anything else
    is no key (the first page)."""
    day, _, number = (text or "").partition(".")
    try:
        return (dt.date.fromisoformat(day), int(number)) if _id(number) and len(day) == 10 else None
    except ValueError:
        return None


def _overview(reg: Any, plans: Any, before: str | None = None, after: str | None = None) -> Any:
    """One page of meetings with their counts, by the database (`meetings.overview`)."""
    from ..meetings.overview import overview

    page = overview(reg, plans, before=_key(before), after=_key(after))
    key = lambda k: f"{k[0].isoformat()}.{k[1]}" if k else None  # noqa: E731
    return [{"meeting": r.meeting, "items": r.items, "ready": r.ready, "sent": r.sent} for r in page.rows], key(page.earlier), key(page.later)


def _meetings_page(request: Request, values: dict[str, str], errors: FieldErrors, status: int = 200) -> HTMLResponse:
    reg = register_of(request)
    overview, earlier, later = [], None, None
    try:
        overview, earlier, later = _overview(reg, _plans(request), request.query_params.get("foer"), request.query_params.get("efter"))
    except EngineError as exc:
        errors.general.append(exc.title)
    values.setdefault(DATE, "")
    return _render(
        request, "meeting.html", "moede", status=status, register=True, meetings=overview, earlier=earlier, later=later, values=values, errors=errors, bodies=_bodies(request), labels=FIELD_LABELS
    )


@router.get("/moede", response_class=HTMLResponse)
async def meetings_page(request: Request) -> HTMLResponse:
    _register(request, status=200)
    return await run_in_threadpool(_meetings_page, request, {}, FieldErrors())


@router.post("/moede", response_class=HTMLResponse)
async def meetings_post(request: Request) -> Response:
    reg = _register(request)
    values, _ = await posted(request, expired=lambda message: _meetings_page(request, {}, FieldErrors(general=[message]), 403))
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


def _forward_targets(plan: Any, agenda: Any) -> list[tuple[str, str]]:
    """The bodies an item can be sent on to from this meeting (outcome oversendt): the levels above
    the meeting's (barnets lov § 142 stk. 1: the body the law reserves a case for; Familieretshuset,
    which decides on the municipality's indstilling, serviceloven § 131) — id, Danish name."""
    body = plan.meeting_body(agenda.meeting.body)
    level = body.level if body is not None else agenda.meeting.body
    if level not in {lv.id for lv in plan.levels}:
        return []
    return [(lv.id, lv.name) for lv in plan.levels[plan.rank(level) + 1 :]]


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
    from ..meetings.committee import required_body, takes
    from ..meetings.drafts import list_drafts
    from ..meetings.mailing import load_members, members_path, smtp_from_env
    from .draft_pages import required_words

    plan = _current(_plans(request))
    on_agenda = {(i.case_ref, i.content_hash) for i in agenda.active_items}
    drafts = [d for d in list_drafts(register_of(request)) if (d.case_ref, _hash(d.submission)) not in on_agenda]
    bodies = {d.key: (b.id if (b := required_body(plan, d.submission, d.required_level)) else None) if d.required_level else None for d in drafts}
    # the indstillinger this meeting's committee takes first (a child's case on the children's committee …)
    drafts.sort(key=lambda d: (not takes(plan, agenda.meeting.body, bodies[d.key]), d.case_ref))
    draft_words = {d.key: required_words(plan, d.required_level, bodies[d.key]) for d in drafts}
    log_case_access(request, "læst", "indstilling", [d.case_ref for d in drafts])  # offered by case number
    try:
        members = load_members(members_path(request.app.state.holder.path)).get(agenda.meeting.body, [])
        mail = smtp_from_env() is not None
    except KompetenceplanError:
        members, mail = [], False
    level_names = {lv.id: lv.name for lv in plan.levels}
    targets = _forward_targets(plan, agenda)
    return _render(
        request,
        "meeting_detail.html",
        "moede",
        status=status,
        agenda=agenda,
        drafts=drafts,
        draft_words=draft_words,
        level_names=level_names,
        forward_targets=targets,
        forward_ids=[t[0] for t in targets],
        members=members,
        mail=mail,
        today=dt.date.today(),
        dates=_granted_dates(agenda),
        outcomes=OUTCOMES,
        notice=notice,
        item_errors=item_errors or {},
        item_values=item_values or {},
        general=general or [],
        labels=FIELD_LABELS,
    )


NOTICES = {
    "oprettet": "Mødet er oprettet. Sæt gemte indstillinger på dagsordenen nedenfor, eller fra siden Indstilling.",
    "udsendt": "Dagsordenen er sendt.",
    "markeret": "Dagsordenen er markeret som udsendt (der er ingen mailserver sat op; send den selv som PDF).",
    "deltagere": "Deltagerne er gemt til referatet.",
}


def _hash(submission: dict[str, Any]) -> str:
    from ..meetings.committee import content_hash
    from ..store.privacy import minimise

    return content_hash(minimise(submission))


@router.get("/moede/{meeting_id}", response_class=HTMLResponse)
async def meeting_page(request: Request, meeting_id: str) -> HTMLResponse:
    _register(request)
    if not _id(meeting_id):
        return _unknown_meeting(request)
    notice = next((text for key, text in NOTICES.items() if key in request.query_params), "")
    for key, text in (
        ("gemt", "Udfaldet for punkt {n} er registreret."),
        ("trukket", "Punkt {n} er trukket tilbage. Det står stadig på listen, markeret som trukket tilbage."),
        ("tilfoejet", "Indstillingen er sat på dagsordenen som punkt {n}."),
    ):
        found = request.query_params.get(key, "")
        if found.isdigit() and len(found) < 6:
            notice = text.format(n=int(found))
    if "udsendt" in request.query_params:
        notice = await run_in_threadpool(_sent_notice, request, int(meeting_id))
    return await run_in_threadpool(_meeting_page, request, int(meeting_id), 200, notice)


@router.post("/moede/{meeting_id}/send", response_class=HTMLResponse)
async def send_agenda(request: Request, meeting_id: int) -> Response:
    reg = _register(request)
    values, _ = await posted(request, expired=lambda message: _meeting_page(request, meeting_id, 403, "", None, None, [message]))
    from ..meetings.mailing import MailError, load_members, members_path, send_agenda_mail, smtp_from_env

    try:
        agenda = await run_in_threadpool(_agenda, request, meeting_id)
        smtp = smtp_from_env()
        members = load_members(members_path(request.app.state.holder.path)).get(agenda.meeting.body, []) if agenda is not None else []
    except PlanError as exc:
        return _message_page(request, 409, "Dagsordenen er ikke udsendt", _problems_text(exc))
    except KompetenceplanError as exc:
        return await run_in_threadpool(_meeting_page, request, meeting_id, 200, "", None, None, [f"Dagsordenen er ikke sendt: {exc.title} {_problems_text(exc)}"])
    if agenda is None:
        return _unknown_meeting(request)
    if values.get(CONFIRMED) != "ja":
        from .draft_pages import confirm_page

        n = len(agenda.active_items)
        if smtp is not None:
            what = f"Dagsordenen ({n} {'punkt' if n == 1 else 'punkter'}) sendes nu som PDF med e-mail til {len(members)} medlemmer af {agenda.meeting.body_name}: {', '.join(mb.name for mb in members) or 'ingen'}."
            why = "En sendt mail kan ikke kaldes tilbage. Registret gemmer, hvilken udgave af hver indstilling medlemmerne fik; ændres en indstilling bagefter, markeres den på dagsordenen."
            yes = "Ja, send dagsordenen"
        else:
            what = f"Dagsordenen ({n} {'punkt' if n == 1 else 'punkter'}) markeres som udsendt. Der er ingen mailserver sat op, så intet bliver sendt herfra: hent PDF'en, og send den selv."
            why = "Registret gemmer, hvilken udgave af hver indstilling medlemmerne fik; det kan ikke gøres om."
            yes = "Ja, markér som udsendt"
        return confirm_page(request, title="Send dagsordenen?", what=what, why=why, action=f"/moede/{meeting_id}/send", fields={}, yes=yes, back=f"/moede/{meeting_id}")
    try:
        pdf = await run_in_threadpool(_pdf, request, agenda, "dagsorden")
        sent = await run_in_threadpool(
            lambda: send_agenda_mail(reg, _plans(request), meeting_id, agenda, pdf, members, smtp, actor=actor_of(request), filename=f"dagsorden-{agenda.meeting.meeting_date.isoformat()}.pdf")
        )
        await run_in_threadpool(log_case_access, request, "ændret", "dagsordenspunkt", [i.case_ref for i in sent.items])
    except (EngineError, UnavailableError):
        raise
    except PlanError as exc:
        return _message_page(request, 409, "Dagsordenen er ikke udsendt", _problems_text(exc))
    except (MailError, KompetenceplanError) as exc:
        return await run_in_threadpool(_meeting_page, request, meeting_id, 200, "", None, None, [f"Dagsordenen er ikke sendt: {_problems_text(exc)}"])
    return RedirectResponse(f"/moede/{meeting_id}?{'udsendt' if smtp is not None else 'markeret'}=1", status_code=303)


def _sent_notice(request: Request, meeting_id: int) -> str:
    agenda = _agenda(request, meeting_id)
    if agenda is None or not agenda.recipients:
        return NOTICES["udsendt"]
    return f"Dagsordenen er sendt som PDF til {len(agenda.recipients)} modtagere: {', '.join(agenda.recipients)}."


def _pdf(request: Request, agenda: Any, kind: str) -> bytes:
    from .pdf import render_pdf, stylesheet

    html = templates.get_template("meeting_pdf.html").render(agenda=agenda, kind=kind, dates=_granted_dates(agenda) if kind == "referat" else {}, css=stylesheet())
    return render_pdf(html)


@router.post("/moede/{meeting_id}/punkt/{number}", response_class=HTMLResponse)
async def record_outcome(request: Request, meeting_id: int, number: int) -> Response:
    reg = _register(request)
    values, _ = await posted(request, expired=lambda message: _meeting_page(request, meeting_id, 403, "", {number: FieldErrors(general=[message])}))
    from ..meetings import committee

    outcome, reason = values.get(OUTCOME, ""), values.get(REASON, "")
    kept = {OUTCOME: outcome, REASON: reason, START: values.get(START, ""), END: values.get(END, ""), FORWARD: values.get(FORWARD, "")[:64]}
    # the body an item is sent on to belongs to oversendt only (the library refuses it otherwise);
    # empty: the item's required level
    forward_to = (kept[FORWARD] or None) if outcome == "oversendt" else None
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
    from ..meetings.model import DECIDING

    if outcome in DECIDING and values.get(CONFIRMED) != "ja":
        try:
            agenda = await run_in_threadpool(_agenda, request, meeting_id)
        except PlanError as exc:
            return _message_page(request, 409, "Udfaldet er ikke registreret", _problems_text(exc))
        item = next((i for i in agenda.items if i.number == number), None) if agenda is not None else None
        plan = _current(_plans(request))
        from ..meetings.committee import takes

        if agenda is not None and item is not None and not takes(plan, agenda.meeting.body, item.required_body):
            from .draft_pages import confirm_page, required_words

            return confirm_page(
                request,
                title=f"Registrér udfaldet for punkt {number}?",
                what=f"Udfaldet '{outcome}' for sag {item.case_ref} registreres som {agenda.meeting.body_name}s afgørelse.",
                why=f"Efter kompetenceplanen skal sagen afgøres af {required_words(plan, item.required_level, item.required_body) or item.required_level_name}, ikke {agenda.meeting.body_name}. Afgørelsen registreres med kompetenceoverskridelse, hvis udvalget ligger lavere; ligger sagen under et lovbestemt udvalg, afviser registret udfaldet.",
                action=f"/moede/{meeting_id}/punkt/{number}",
                fields={k: v for k, v in kept.items() if v},
                yes="Ja, registrér udfaldet",
                back=f"/moede/{meeting_id}#punkt-{number}",
            )
    try:
        recorded = await run_in_threadpool(
            lambda: committee.record_outcome(reg, _plans(request), meeting_id, number, outcome, reason, actor=actor_of(request), start=dates[START], expected_end=dates[END], forward_to=forward_to)
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
        errors = _field_errors(exc, {"udfald": OUTCOME, "begrundelse": REASON, "forventet_slut": END, "oversendt_til": FORWARD}, general_field=OUTCOME, plan=_current(_plans(request)))
        return await run_in_threadpool(_meeting_page, request, meeting_id, 200, "", {number: errors}, {number: kept})
    await run_in_threadpool(log_case_access, request, "ændret", "udfald", [recorded.case_ref])
    return RedirectResponse(f"/moede/{meeting_id}?gemt={number}", status_code=303)


async def _read_agenda(request: Request, meeting_id: str) -> Any:
    """The meeting's agenda for a document (read, and the reading logged); when there is none (no
    register, no such meeting, no plan version for its date) the page that says why, as `Answer`."""
    _register(request)
    if not _id(meeting_id):
        raise Answer(_unknown_meeting(request))
    try:
        agenda = await run_in_threadpool(_agenda, request, int(meeting_id))
    except PlanError as exc:
        raise Answer(_message_page(request, 409, "Mødet kan ikke vises", _problems_text(exc))) from None
    if agenda is None:
        raise Answer(_unknown_meeting(request))
    await run_in_threadpool(log_case_access, request, "læst", "dagsordenspunkt", [i.case_ref for i in agenda.items])
    return agenda


async def _document(request: Request, meeting_id: str, kind: str) -> HTMLResponse:
    agenda = await _read_agenda(request, meeting_id)
    dates = _granted_dates(agenda) if kind == "referat" else {}
    return _render(request, "meeting_document.html", "moede", agenda=agenda, kind=kind, dates=dates)


async def _pdf_document(request: Request, meeting_id: str, kind: str) -> Response:
    agenda = await _read_agenda(request, meeting_id)
    pdf = await run_in_threadpool(_pdf, request, agenda, kind)
    name = f"{kind}-{agenda.meeting.meeting_date.isoformat()}.pdf"
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"', "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


@router.get("/moede/{meeting_id}/dagsorden.pdf")
async def agenda_pdf(request: Request, meeting_id: str) -> Response:
    return await _pdf_document(request, meeting_id, "dagsorden")


@router.get("/moede/{meeting_id}/referat.pdf")
async def minutes_pdf(request: Request, meeting_id: str) -> Response:
    return await _pdf_document(request, meeting_id, "referat")


@router.post("/moede/{meeting_id}/punkt/{number}/tilbagetraek", response_class=HTMLResponse)
async def withdraw_item(request: Request, meeting_id: int, number: int) -> Response:
    """Withdraw an item before the meeting: a confirmation first (it cannot be undone), then
    recorded, never deleted."""
    reg = _register(request)
    values, _ = await posted(request)
    reason = values.get(REASON, "")[:2000]
    kept = {REASON: reason}
    if not reason.strip():
        errors = FieldErrors(fields={"tilbagetraek": "Mangler. Skriv kort, hvorfor punktet trækkes tilbage."})
        return await run_in_threadpool(_meeting_page, request, meeting_id, 200, "", {number: errors}, {number: kept})
    if values.get(CONFIRMED) != "ja":
        from .draft_pages import confirm_page

        return confirm_page(
            request,
            title=f"Træk punkt {number} tilbage?",
            what=f"Punkt {number} trækkes tilbage fra dagsordenen med begrundelsen: {reason.strip()}",
            why="Det kan ikke gøres om: punktet bliver stående med sit nummer, markeret som trukket tilbage, og kan ikke få et udfald. Skal sagen behandles, sættes indstillingen på igen som et nyt punkt.",
            action=f"/moede/{meeting_id}/punkt/{number}/tilbagetraek",
            fields={REASON: reason},
            yes="Ja, træk punktet tilbage",
            back=f"/moede/{meeting_id}#punkt-{number}",
        )
    from ..meetings import committee

    try:
        agenda = await run_in_threadpool(lambda: committee.withdraw_item(reg, _plans(request), meeting_id, number, reason, actor=actor_of(request)))
    except (EngineError, UnavailableError):
        raise
    except PlanError as exc:
        return _message_page(request, 409, "Punktet er ikke trukket tilbage", _problems_text(exc))
    except KompetenceplanError as exc:
        if any(p.where == "møde" for p in exc.problems):
            return _unknown_meeting(request)
        return await run_in_threadpool(_meeting_page, request, meeting_id, 200, "", None, None, [f"Punktet er ikke trukket tilbage: {_problems_text(exc)}"])
    await run_in_threadpool(log_case_access, request, "ændret", "dagsordenspunkt", [i.case_ref for i in agenda.items if i.number == number])
    return RedirectResponse(f"/moede/{meeting_id}?trukket={number}", status_code=303)


@router.post("/moede/{meeting_id}/deltagere", response_class=HTMLResponse)
async def attendees(request: Request, meeting_id: int) -> Response:
    """Who attended, for the minutes (one name per line)."""
    reg = _register(request)
    values, _ = await posted(request)
    from ..meetings import committee

    names = [line.strip() for line in values.get("deltagere", "").splitlines() if line.strip()]
    try:
        await run_in_threadpool(lambda: committee.set_attendees(reg, _plans(request), meeting_id, names, actor=actor_of(request)))
    except (EngineError, UnavailableError):
        raise
    except PlanError as exc:
        return _message_page(request, 409, "Deltagerne er ikke gemt", _problems_text(exc))
    except KompetenceplanError as exc:
        if any(p.where == "møde" for p in exc.problems):
            return _unknown_meeting(request)
        return await run_in_threadpool(_meeting_page, request, meeting_id, 200, "", None, None, [f"Deltagerne er ikke gemt: {_problems_text(exc)}"])
    return RedirectResponse(f"/moede/{meeting_id}?deltagere=1", status_code=303)


@router.post("/moede/{meeting_id}/kladde", response_class=HTMLResponse)
async def add_draft(request: Request, meeting_id: int) -> Response:
    """Put a saved indstilling on this meeting's agenda (from the meeting page); an indstilling
    for another body asks first."""
    reg = _register(request)
    values, _ = await posted(request)
    from ..meetings import committee
    from ..meetings.drafts import draft

    key = values.get("kladde", "")
    found = await run_in_threadpool(draft, reg, key) if key else None
    if found is None:
        return await run_in_threadpool(_meeting_page, request, meeting_id, 200, "", None, None, ["Vælg en gemt indstilling i listen."])
    try:
        agenda = await run_in_threadpool(_agenda, request, meeting_id)
    except PlanError as exc:
        return _message_page(request, 409, "Indstillingen er ikke sat på", _problems_text(exc))
    if agenda is None:
        return _unknown_meeting(request)
    from ..meetings.committee import required_body, takes

    plan = _current(_plans(request))
    body = required_body(plan, found.submission, found.required_level) if found.required_level else None
    if found.required_level and not takes(plan, agenda.meeting.body, body.id if body else None) and values.get(CONFIRMED) != "ja":
        from .draft_pages import confirm_page, required_words

        required = required_words(plan, found.required_level, body.id if body else None) or found.required_level
        return confirm_page(
            request,
            title="Sæt indstillingen på et andet udvalgs møde?",
            what=f"Sag {found.case_ref} sættes på dagsordenen for {agenda.meeting.body_name} {date_text(agenda.meeting.meeting_date)}.",
            why=f"Efter kompetenceplanen skal sagen afgøres af {required}, ikke {agenda.meeting.body_name}. Punktet bliver markeret på dagsordenen (andet niveau eller andet udvalg).",
            action=f"/moede/{meeting_id}/kladde",
            fields={"kladde": key},
            yes="Ja, sæt den på alligevel",
            back=f"/moede/{meeting_id}",
        )
    try:
        added = await run_in_threadpool(lambda: committee.add_submission(reg, _plans(request), meeting_id, found.submission, actor=actor_of(request)))
        if added.existing:
            raise committee.already_on_agenda(added)
    except (EngineError, UnavailableError):
        raise
    except KompetenceplanError as exc:
        if any(p.where == "møde" for p in exc.problems):
            return _unknown_meeting(request)
        return await run_in_threadpool(_meeting_page, request, meeting_id, 200, "", None, None, [f"Indstillingen er ikke sat på: {_problems_text(exc)}"])
    await run_in_threadpool(log_case_access, request, "ændret", "dagsordenspunkt", [added.item.case_ref])
    return RedirectResponse(f"/moede/{meeting_id}?tilfoejet={added.number}", status_code=303)


@router.get("/moede/{meeting_id}/dagsorden", response_class=HTMLResponse)
async def agenda_document(request: Request, meeting_id: str) -> HTMLResponse:
    return await _document(request, meeting_id, "dagsorden")


@router.get("/moede/{meeting_id}/referat", response_class=HTMLResponse)
async def minutes_document(request: Request, meeting_id: str) -> HTMLResponse:
    return await _document(request, meeting_id, "referat")


# -- from the Indstilling page ------------------------------------------------------------------------


def _other_body(request: Request, meeting_id: int, submission: Any) -> str:
    """Why adding ``submission`` to this meeting needs a second look: the case must be decided by
    another body ('' when it is the meeting's own, or when the check will refuse it anyway)."""
    from ..api import plan_in_force
    from ..checks.check import check
    from ..meetings import committee
    from ..store.privacy import minimise

    agenda = _agenda(request, meeting_id)
    if agenda is None or not isinstance(submission, dict):
        return ""
    try:
        plan = plan_in_force(_plans(request), agenda.meeting.meeting_date)
        stored = minimise(submission)
        required = committee.required_level(plan, stored, check(plan, stored, on=agenda.meeting.meeting_date).routing.level)
    except (EngineError, UnavailableError):
        raise
    except KompetenceplanError:
        return ""
    body = committee.required_body(plan, stored, required)
    if committee.takes(plan, agenda.meeting.body, body.id if body else None):
        return ""
    from .draft_pages import required_words

    who = required_words(plan, required, body.id if body else None) or plan.level(required).name
    return f"Efter kompetenceplanen skal sagen afgøres af {who}, men mødet er i {agenda.meeting.body_name}. Punktet bliver markeret på dagsordenen (andet niveau eller andet udvalg)."


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
    reg = register_or(request, lambda: _added(request, True, False, "Møderegistret er ikke sat op. Start tjenesten med --db.", status=404) if wants_json else _no_register(request, status=404))
    values, _ = await posted(request, refused=lambda exc: _added(request, wants_json, False, exc.message, status=exc.status))
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

    if values.get(CONFIRMED) != "ja" and replaces is None:
        other = await run_in_threadpool(_other_body, request, int(raw), submission)
        if other:
            if wants_json:
                return JSONResponse({"ok": False, "confirm": other, "message": other, "field": MEETING, "href": None}, headers={"Cache-Control": "no-store"})
            from .draft_pages import confirm_page

            return confirm_page(
                request,
                title="Tilføj indstillingen til et andet udvalgs møde?",
                what=f"{name} tilføjes til det valgte møde.",
                why=other,
                action="/moede/tilfoej",
                fields={MEETING: raw, SUBMISSION: values.get(SUBMISSION, ""), NAME: name, REPLACES: ""},
                yes="Ja, tilføj den alligevel",
                back="/indstilling",
            )
    try:
        added = await run_in_threadpool(lambda: committee.add_submission(reg, _plans(request), int(raw), submission, None, replaces, actor=actor_of(request)))
        if added.existing:
            raise committee.already_on_agenda(added)
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
