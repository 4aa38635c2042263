"""The indstilling written in the pages (issue 25): a form generated from the submission model and
the documentation standard (`submission_form`), saved in the register as drafts with versions
(`meetings.drafts`), checked on every save and — with JavaScript — as one types, each finding
beside its field in plain Danish. "Lav indstilling" on the advisor's page opens it prefilled from
the routing. A saved indstilling goes on a meeting from here (the meeting of its required body is
pre-selected; another body asks first) or from the meeting page. JSON upload stays on
``/indstilling`` for case tools.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ..actor import actor_of
from ..api import plan_in_force
from ..checks.check import check
from ..errors import EngineError, KompetenceplanError, PlanError, UnavailableError
from ..plan.model import Plan
from ..plan.versions import PlanSet
from .access import log_case_access
from .danish import date_text
from .forms import FieldErrors, advisor_form
from .submission_form import COUNT_PREFIX, finding_slot, form_values, label, plain, row_count, submission_form, submission_from_form
from .views import NUMBER_HELP, _current, _message_page, _plans, _render, _selected_area, posted, refused_json, register_of, router, templates, upcoming

ACTION, FROM_ROUTING, CONFIRMED, MEETING = "handling", "fra_routing", "bekraeftet", "moede"
SAVE = "gem"
_KEY = re.compile(r"[0-9a-f]{32}")


def _labels(plan: Plan) -> dict[str, str]:
    """Every form field's label (for the error summary), rows included."""
    out = {name: spec.label for name, spec in plan.inputs.items()}
    out["sagsreference"] = "Sagsnummer"
    return out


def _field_label(plan: Plan, name: str) -> str:
    if name in plan.inputs:
        return plan.inputs[name].label
    found = re.fullmatch(r"([a-z_]+)\.(\d+)\.([a-z_]+)", name)
    if found:
        return f"{label(found.group(1))}, række {int(found.group(2)) + 1}: {label(f'{found.group(1)}.{found.group(3)}').lower()}"
    return label(name)


def _problems_on_fields(plan: Plan, exc: KompetenceplanError, errors: FieldErrors) -> None:
    """The check's refusals (a case that is not complete, a value the model refuses) on the form's fields."""
    case_problems = []
    for p in exc.problems:
        where = p.where.removeprefix("indstilling.")
        if where.startswith("sag.") or where == "sag":
            case_problems.append(p)
            continue
        name = re.sub(r"\[(\d+)\]", r".\1", where)
        text = f"{p.what} {p.fix}".strip()
        text = text[:1].upper() + text[1:]
        if name and (name in {s.key for s in submission_form(plan)} or re.fullmatch(r"[a-z_]+(\.\d+)?\.[a-z_]+", name)):
            errors.fields.setdefault(name, text)
        else:
            errors.general.append(text)
    if case_problems:
        from ..errors import CaseError, Problem

        errors.add(plan, CaseError(exc.title, [Problem(p.where.removeprefix("indstilling."), p.what, p.fix) for p in case_problems]), advisor_form(plan), prefix="sag")


def evaluate(plans: PlanSet, values: dict[str, str], on: dt.date) -> dict[str, Any]:
    """The form read and checked for ``on``: the submission, the fields that cannot be read or
    that the case needs, and the report's findings by the form slot they belong to."""
    plan = plan_in_force(plans, on)
    submission, errors = submission_from_form(plan, values)
    report = None
    try:
        if not errors.fields:
            report = check(plan, submission, on=on)
    except (EngineError, UnavailableError):
        raise
    except KompetenceplanError as exc:
        _problems_on_fields(plan, exc, errors)
    findings: dict[str, list[dict[str, str]]] = {}
    if report is not None:
        sections = {s.key for s in submission_form(plan)}
        for f in report.findings:
            slot = finding_slot(f.path)
            if slot not in sections and slot.split(".", 1)[0] not in sections:
                slot = "generelt"
            findings.setdefault(slot, []).append({"severity": f.severity, "title": f.title, "message": f.message, "fix": plain(plan, f.hint), "reference": f.reference, "code": f.code, "path": f.path})
    return {"plan": plan, "submission": submission, "errors": errors, "report": report, "findings": findings}


def _page(request: Request, values: dict[str, str], result: dict[str, Any] | None, status: int = 200, **context: Any) -> HTMLResponse:
    plans = _plans(request)
    plan = result["plan"] if result else _current(plans)
    context.setdefault("draft", None)
    context.setdefault("notice", "")
    context.setdefault("meetings", None)
    context.setdefault("versions", [])
    errors = result["errors"] if result else FieldErrors()
    return _render(
        request,
        "draft.html",
        "indstilling",
        status=status,
        plan=plan,
        sections=submission_form(plan),
        form=advisor_form(plan),
        values=values,
        errors=errors,
        result=result,
        findings=result["findings"] if result else {},
        rows={s.key: max(row_count(values, s.key), 1) for s in submission_form(plan) if s.kind == "rows"},
        labels={name: _field_label(plan, name) for name in errors.fields},
        links={name: name.replace(".", "-") if "." in name else f"felt-{name}" if name in plan.inputs else name for name in errors.fields},
        number_help=NUMBER_HELP,
        selected_area=_selected_area(plan, values),
        count_prefix=COUNT_PREFIX,
        **context,
    )


def _from_routing(plan: Plan, values: dict[str, str]) -> dict[str, str]:
    """The advisor's form as the start of an indstilling: the case, its number, and the economy
    the documentation standard compares with the case (its `economy` requirement's inputs)."""
    out = {k: v for k, v in values.items() if k in plan.inputs}
    if values.get("sagsreference", "").strip():
        out["sagsnummer"] = values["sagsreference"].strip()
    for r in plan.requirements:
        if r.check.kind == "economy":
            if r.check.monthly_input and values.get(r.check.monthly_input):
                out.setdefault("oekonomi.pris_pr_maaned", values[r.check.monthly_input])
            if r.check.duration_input and values.get(r.check.duration_input):
                out.setdefault("oekonomi.varighed_maaneder", values[r.check.duration_input])
    return out


def _save(request: Request, values: dict[str, str], key: str | None) -> tuple[Any, dict[str, Any]]:
    from ..meetings.drafts import save_draft

    plans = _plans(request)
    result = evaluate(plans, values, dt.date.today())
    if result["errors"].fields:
        return None, result
    try:
        saved = save_draft(register_of(request), plans, result["submission"], actor=actor_of(request), key=key)
    except (EngineError, UnavailableError):
        raise
    except KompetenceplanError as exc:
        for p in exc.problems:
            name = {"sagsnummer": "sagsnummer"}.get(p.where)
            text = f"{p.what} {p.fix}".strip()
            if name:
                result["errors"].fields[name] = text[:1].upper() + text[1:]
            else:
                result["errors"].general.append(f"{exc.title} {text}")
        return None, result
    log_case_access(request, "ændret", "indstilling", [saved.case_ref])
    return saved, result


async def _post(request: Request, key: str | None) -> Response:
    values, _ = await posted(request, expired=lambda message: _page(request, {}, None, status=403, notice="", general=[message]))
    plans = _plans(request)
    action = values.get(ACTION, "")
    draft = None
    if key is not None:
        from ..meetings.drafts import draft as get_draft

        draft = await run_in_threadpool(get_draft, register_of(request), key)
        if draft is None:
            return _unknown(request)
    if values.get(FROM_ROUTING):
        plan = _current(plans)
        prefilled = _from_routing(plan, values)
        result = await run_in_threadpool(evaluate, plans, prefilled, dt.date.today())
        return _page(request, prefilled, result, notice="Indstillingen er udfyldt med sagens oplysninger fra routingen. Udfyld resten, og gem den.")
    if action.startswith("flere-"):
        section = action.removeprefix("flere-")
        values[f"{COUNT_PREFIX}{section}"] = str(row_count(values, section) + 1)
        result = await run_in_threadpool(evaluate, plans, values, dt.date.today())
        return _page(request, values, result, draft=draft, focus=f"{section}-{row_count(values, section) - 1}")
    if register_of(request) is None:
        result = await run_in_threadpool(evaluate, plans, values, dt.date.today())
        result["errors"].general.append("Indstillingen er tjekket, men ikke gemt: denne installation har intet register. Spørg den, der driver systemet.")
        return _page(request, values, result, draft=draft)
    saved, result = await run_in_threadpool(_save, request, values, key)
    if saved is None:
        return _page(request, values, result, draft=draft)
    return RedirectResponse(f"/indstilling/kladde/{saved.key}?gemt={saved.version}{'&uaendret=1' if saved.unchanged else ''}", status_code=303)


def _unknown(request: Request) -> HTMLResponse:
    return _message_page(request, 404, "Ukendt indstilling", "Indstillingen findes ikke i registret. Vælg en indstilling på siden Indstilling.")


@router.get("/indstilling/ny", response_class=HTMLResponse)
async def new_draft(request: Request) -> HTMLResponse:
    return _page(request, {}, None)


@router.post("/indstilling/ny", response_class=HTMLResponse)
async def new_draft_post(request: Request) -> Response:
    return await _post(request, None)


@router.post("/indstilling/tjek")
async def live_check(request: Request) -> JSONResponse:
    """The form checked as one types (the page's script): field errors and the findings by slot."""
    values, _ = await posted(request, refused=refused_json)
    try:
        result = await run_in_threadpool(evaluate, _plans(request), values, dt.date.today())
    except (EngineError, PlanError) as exc:
        return JSONResponse({"ok": False, "message": exc.title}, status_code=500, headers={"Cache-Control": "no-store"})
    report = result["report"]
    fragments = {slot: templates.get_template("_draft_findings.html").render(found=found, slot=slot) for slot, found in result["findings"].items()}
    return JSONResponse(
        {
            "ok": True,
            "fields": result["errors"].fields,
            "general": result["errors"].general,
            "findings": fragments,
            "status": templates.get_template("_draft_status.html").render(result=result, plan=result["plan"]),
            "announce": ("Klar til udvalget." if report.ready else f"{len(report.errors)} fejl, {len(report.warnings)} advarsler.") if report else "Sagen mangler oplysninger.",
        },
        headers={"Cache-Control": "no-store"},
    )


def _draft_context(request: Request, key: str) -> dict[str, Any] | None:
    from ..meetings.drafts import draft, versions

    found = draft(register_of(request), key)
    if found is None:
        return None
    log_case_access(request, "læst", "indstilling", [found.case_ref])
    from ..meetings.committee import required_body, takes

    meetings = upcoming(request) or []
    plan = _current(_plans(request))
    required = found.required_level
    body = required_body(plan, found.submission, required) if required else None
    matching = [m for m in meetings if takes(plan, m.body, body.id if body else None)]
    return {
        "draft": found,
        "versions": versions(register_of(request), key),
        "meetings": meetings,
        "preselected": matching[0].id if matching else None,
        "required_body": body.id if body else None,
        "required_name": required_words(plan, required, body.id if body else None),
    }


def required_words(plan: Plan, required: str | None, body: str | None) -> str | None:
    """Who decides a case, in words: its committee ("Visitationsudvalget for voksne"), the level
    for a case below the committees, or a body outside the municipality with the committee that
    puts the case to it ("Familieretshuset …, på indstilling fra Visitationsudvalget for voksne")."""
    from ..law import OUTSIDE_MUNICIPALITY

    levels = {lv.id: lv for lv in plan.levels}
    found = plan.meeting_body(body) if body else None
    if required in levels and levels[required].body in OUTSIDE_MUNICIPALITY:
        return f"{levels[required].name}, på indstilling fra {found.name}" if found is not None else levels[required].name
    if found is not None:
        return str(found.name)
    return levels[required].name if required in levels else None


@router.get("/indstilling/kladde/{key}", response_class=HTMLResponse)
async def draft_page(request: Request, key: str) -> HTMLResponse:
    if register_of(request) is None or not _KEY.fullmatch(key):
        return _unknown(request)
    context = await run_in_threadpool(_draft_context, request, key)
    if context is None:
        return _unknown(request)
    d = context["draft"]
    plans = _plans(request)
    values = form_values(_current(plans), d.submission)
    result = await run_in_threadpool(evaluate, plans, values, dt.date.today())
    saved = request.query_params.get("gemt", "")
    notice = ""
    if saved.isdigit() and len(saved) < 6:
        notice = "Indstillingen er uændret; der er ikke gemt en ny version." if "uaendret" in request.query_params else f"Indstillingen er gemt som version {int(saved)}."
    added = request.query_params.get("tilfoejet", "")
    if added.isdigit() and len(added) < 6:
        notice = f"Indstillingen er sat på mødet som punkt {int(added)}."
    return _page(request, values, result, notice=notice, **context)


@router.post("/indstilling/kladde/{key}", response_class=HTMLResponse)
async def draft_post(request: Request, key: str) -> Response:
    if register_of(request) is None or not _KEY.fullmatch(key):
        return _unknown(request)
    return await _post(request, key)


def _add_to_meeting(request: Request, key: str, meeting_id: int) -> Any:
    from ..meetings import committee
    from ..meetings.drafts import draft

    found = draft(register_of(request), key)
    if found is None:
        return None
    added = committee.add_submission(register_of(request), _plans(request), meeting_id, found.submission, actor=actor_of(request))
    if added.existing:
        raise committee.already_on_agenda(added)
    log_case_access(request, "ændret", "dagsordenspunkt", [added.item.case_ref])
    return added


@router.post("/indstilling/kladde/{key}/moede", response_class=HTMLResponse)
async def draft_to_meeting(request: Request, key: str) -> Response:
    """Put the saved indstilling on a meeting; a meeting of another body than the one the case
    requires asks first (what and why)."""
    if register_of(request) is None or not _KEY.fullmatch(key):
        return _unknown(request)
    values, _ = await posted(request)
    context = await run_in_threadpool(_draft_context, request, key)
    if context is None:
        return _unknown(request)
    raw = values.get(MEETING, "")
    meeting = next((m for m in context["meetings"] if raw.isdigit() and m.id == int(raw)), None)
    d = context["draft"]
    plans = _plans(request)
    form_vals = form_values(_current(plans), d.submission)
    if meeting is None:
        result = await run_in_threadpool(evaluate, plans, form_vals, dt.date.today())
        result["errors"].fields[MEETING] = "Vælg et kommende møde i listen."
        return _page(request, form_vals, result, **context)
    from ..meetings.committee import takes

    if d.required_level and not takes(_current(plans), meeting.body, context["required_body"]) and values.get(CONFIRMED) != "ja":
        return confirm_page(
            request,
            title="Sæt indstillingen på et andet udvalgs møde?",
            what=f"Sag {d.case_ref} sættes på mødet {date_text(meeting.meeting_date)} i {meeting.body_name}.",
            why=f"Efter kompetenceplanen skal sagen afgøres af {context['required_name'] or d.required_level}, ikke {meeting.body_name}. Punktet bliver markeret på dagsordenen (andet niveau eller andet udvalg), og et udvalg under det lovbestemte niveau kan kun udsætte, sende tilbage eller oversende sagen.",
            action=f"/indstilling/kladde/{key}/moede",
            fields={MEETING: str(meeting.id)},
            yes="Ja, sæt den på mødet alligevel",
            back=f"/indstilling/kladde/{key}",
        )
    try:
        added = await run_in_threadpool(_add_to_meeting, request, key, meeting.id)
    except (EngineError, UnavailableError):
        raise
    except KompetenceplanError as exc:
        result = await run_in_threadpool(evaluate, plans, form_vals, dt.date.today())
        result["errors"].fields[MEETING] = " ".join(f"{p.what} {p.fix}".strip() for p in exc.problems) or exc.title
        result["errors"].fields[MEETING] = result["errors"].fields[MEETING][:1].upper() + result["errors"].fields[MEETING][1:]
        return _page(request, form_vals, result, **context)
    return RedirectResponse(f"/moede/{meeting.id}?tilfoejet={added.number}", status_code=303)


def confirm_page(request: Request, *, title: str, what: str, why: str, action: str, fields: dict[str, str], yes: str, back: str, warn: bool = True) -> HTMLResponse:
    """The step before something that cannot be undone: what will happen and why it needs a
    second look; "yes" posts the same form again with ``bekraeftet=ja``."""
    return _render(request, "confirm.html", "", title=title, what=what, why=why, action=action, fields=fields, yes=yes, back=back, warn=warn, confirmed=CONFIRMED)
