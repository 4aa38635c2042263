"""The Frister page: the worklist of open deadlines (the same `frister.worklist.worklist` as
``kompetenceplan frister`` and ``POST /deadlines``) and a form to record a case event (the same
`store.events.record` as ``kompetenceplan haendelse record`` and ``POST /deadlines/events``).

``GET /frister`` shows the whole department today. The filter (team, advisor, day) is a POSTed
form (``/frister/arbejdsliste``): an advisor's initials never appear in a URL. A new event is
POSTed to ``/frister/ny-haendelse`` (CSRF, form types only); a saved one redirects to
``/frister?gemt=<id>`` (an id, not personal data). Without a register the page says how to start
one; without deadline rules for the plan it says where they go. The actor is the one the
service's permission check resolved; the cases the list shows and an event recorded are
written to the adgangslog.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select, union
from starlette.concurrency import run_in_threadpool

from ..actor import actor_of
from ..errors import KompetenceplanError
from ..store.tables import case_events, decisions
from .access import log_case_access
from .forms import FieldErrors
from .views import _message_page, _plans, _render, posted, register_of, register_or, router

TEAM, ADVISOR, DAY = "team", "raadgiver", "dato"
CASE, KIND, ART, OCCURRED, PARAGRAPH, NOTE = "sagsreference", "haendelse", "art", "haendelsesdato", "paragraf", "note"
LABELS = {
    TEAM: "Team",
    ADVISOR: "Rådgiver",
    DAY: "Opgjort pr.",
    CASE: "Sagsreference",
    KIND: "Hændelse",
    ART: "Art",
    OCCURRED: "Dato",
    PARAGRAPH: "Paragraf",
    NOTE: "Note",
    "ev_team": "Team",
    "ev_raadgiver": "Rådgiver",
}
#: The library's field names (store.events.prepare) → the form's fields.
EVENT_FIELDS = {"sagsreference": CASE, "team": "ev_team", "raadgiver": "ev_raadgiver", "haendelse": KIND, "art": ART, "dato": OCCURRED, "paragraf": PARAGRAPH, "note": NOTE, "retter": CASE}
_SAVED = re.compile(r"\d{1,9}")


def _teams(reg: Any) -> list[str]:
    with reg.engine.connect() as conn:
        rows = conn.execute(union(select(decisions.c.team), select(case_events.c.team))).scalars().all()
    return sorted({t for t in rows if t})


def _rules(request: Request) -> Any:
    from ..frister.rules import rules_for

    return rules_for(_plans(request))


def _page(request: Request, values: dict[str, str], errors: FieldErrors, event_values: dict[str, str], event_errors: FieldErrors, notice: str = "", status: int = 200) -> HTMLResponse:
    from ..frister.worklist import worklist
    from ..store.events import ARTS, KINDS, paragraph_codes

    reg = register_of(request)
    if reg is None:
        return _render(request, "frister.html", "frister", status=status, register=False)
    try:
        config = _rules(request)
    except KompetenceplanError as exc:
        return _message_page(request, 500, "Fristreglerne kan ikke læses", f"{exc.title} {' '.join(f'{p.where}: {p.what} {p.fix}' for p in exc.problems)}")
    if config is None:
        return _message_page(request, 404, "Planen har ingen fristregler", "Læg fristreglerne ved siden af planmappen (fx rules/nyborg-frister.toml), og genstart tjenesten. Se docs/frister.md.")
    day = dt.date.today()
    if values.get(DAY):
        try:
            day = dt.date.fromisoformat(values[DAY])
        except ValueError:
            errors.fields[DAY] = "Skal være en dato, fx 2026-12-01."
    team = values.get(TEAM) or None
    advisor = (values.get(ADVISOR) or "").strip() or None
    wl = worklist(reg.engine, config, on=day, team=team, advisor=advisor)
    log_case_access(request, "læst", "frist", [i.case_ref for i in wl.items])
    return _render(
        request,
        "frister.html",
        "frister",
        status=status,
        register=True,
        wl=wl,
        teams=_teams(reg),
        values=values,
        errors=errors,
        event_values=event_values,
        event_errors=event_errors,
        kinds=KINDS,
        art_labels={k: v for values in ARTS.values() for k, v in values.items()},
        codes=sorted(paragraph_codes(_plans(request))),
        labels=LABELS,
        notice=notice,
        version=config.frister.version,
    )


@router.get("/frister", response_class=HTMLResponse)
async def frister_page(request: Request) -> HTMLResponse:
    saved = request.query_params.get("gemt", "")
    notice = f"Hændelse {saved} er gemt; arbejdslisten er opdateret." if _SAVED.fullmatch(saved) else ""
    return await run_in_threadpool(_page, request, {}, FieldErrors(), {}, FieldErrors(), notice)


@router.post("/frister/arbejdsliste", response_class=HTMLResponse)
async def frister_filter(request: Request) -> Response:
    values, _ = await posted(request, expired=lambda message: _page(request, {}, FieldErrors(general=[message]), {}, FieldErrors(), "", 403))
    kept = {TEAM: values.get(TEAM, "")[:64], ADVISOR: values.get(ADVISOR, "")[:64], DAY: values.get(DAY, "")[:10]}
    errors = FieldErrors()
    if kept[ADVISOR].strip() and not re.fullmatch(r"[\w.@:+-]{1,64}", kept[ADVISOR].strip()):
        errors.fields[ADVISOR] = "Skriv rådgiverens initialer eller id (bogstaver, cifre og . @ : + -), fx ABC."
        kept[ADVISOR] = ""
    return await run_in_threadpool(_page, request, kept, errors, {}, FieldErrors())


def _record(request: Request, kept: dict[str, str]) -> Any:
    from ..store.events import record

    day: dt.date | str | None = None
    if kept[OCCURRED]:
        try:
            day = dt.date.fromisoformat(kept[OCCURRED])
        except ValueError:
            day = kept[OCCURRED]  # refused by the library with its own message, on the field
    return record(
        register_of(request),
        _plans(request),
        actor_of(request),
        case_ref=kept[CASE],
        team=kept["ev_team"],
        kind=kept[KIND],
        art=kept[ART] or None,
        occurred_on=day,
        paragraph=kept[PARAGRAPH] or None,
        advisor=kept["ev_raadgiver"] or None,
        note=kept[NOTE],
    )


@router.post("/frister/ny-haendelse", response_class=HTMLResponse)
async def record_event(request: Request) -> Response:
    register_or(request, lambda: _render(request, "frister.html", "frister", status=404, register=False))
    values, _ = await posted(request, expired=lambda message: _page(request, {}, FieldErrors(), {}, FieldErrors(general=[message]), "", 403))
    kept = {name: values.get(name, "")[: 2000 if name == NOTE else 64] for name in (CASE, "ev_team", "ev_raadgiver", KIND, ART, OCCURRED, PARAGRAPH, NOTE)}
    try:
        rec = await run_in_threadpool(_record, request, kept)
    except KompetenceplanError as exc:
        errors = FieldErrors()
        from ..store.privacy import PersonalDataError

        for p in exc.problems:
            name = EVENT_FIELDS.get(p.where.split(" ")[0].split(".")[0])
            text = f"{p.what[:1].upper()}{p.what[1:]} {p.fix}".strip()
            if isinstance(exc, PersonalDataError) and name:
                kept[name] = ""  # the offending text is never sent back
            if name:
                errors.fields[name] = f"{errors.fields[name]} {text}" if name in errors.fields else text
            else:
                errors.general.append(f"{exc.title} {text}")
        if not exc.problems:
            errors.general.append(exc.title)
        return await run_in_threadpool(_page, request, {}, FieldErrors(), kept, errors)
    await run_in_threadpool(log_case_access, request, "ændret", "sagshændelse", [rec.case_ref])
    return RedirectResponse(f"/frister?gemt={rec.id}#arbejdsliste", status_code=303)
