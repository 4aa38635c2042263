"""The HTML pages: thin views over the same library calls as the CLI and the JSON API.

Why it is long: the pages' shared machinery (router, form reader, register check, rendering,
security headers) and the advisor's and secretary's pages that every other page module builds on.

Every page reads the plan from the service's `PlanHolder` once per request. A form with
mistakes is shown again with status 200 (a page, not an API error; the browser console stays
clean); refusals (CSRF 403, wrong content type 415) keep their status. Forms POST (no
personal data in URLs), carry a CSRF token (see `csrf`), and are accepted only as
``application/x-www-form-urlencoded`` or ``multipart/form-data``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Coroutine
from pathlib import Path
from types import MappingProxyType
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from ..actor import actor_of
from ..api import decide, plan_in_force
from ..checks.check import check
from ..checks.requirements import applies
from ..engine.explain import explain
from ..errors import CaseError, EngineError, KompetenceplanError, PlanError, UnavailableError
from ..io import MAX_INPUT_BYTES, parse_date, parse_json
from ..model.case import ValidatedCase, validate_case
from ..model.decision import Decision
from ..plan.input_kinds import kind_of
from ..plan.model import Plan, format_number
from ..plan.versions import PlanSet
from ..store.privacy import looks_like_cpr, minimise
from ..tooling.diff import Change, diff
from ..tooling.render import blocks
from . import csrf as csrf_module
from . import danish
from .forms import NUMBER_HELP, FieldErrors, advisor_form, case_from_form
from .nav import NAV
from .submission_form import plain as plain_hint

STATIC = Path(__file__).with_name("static")
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml"}
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
MAX_SUBMISSIONS = 200
DATE_FIELD, MEETING_FIELD, FILES_FIELD, PASTE_FIELD = "dato", "moededato", "filer", "json"

#: Pages can show personal data: never cached, never framed, scripts and styles only from here.
HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # "no-referrer" makes Chrome send "Origin: null" with forms
    "X-Frame-Options": "DENY",
}


def document_headers(document: str) -> dict[str, str]:
    """The pages' security and no-cache headers for a whole HTML document the library rendered
    (agenda, minutes, the plan): the same policy, with the document's own ``<style>`` blocks
    allowed by their hashes and nothing else inline."""
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()}'" for style in re.findall(r"<style>(.*?)</style>", document, flags=re.S))
    policy = HEADERS["Content-Security-Policy"].replace("style-src 'self'", f"style-src 'self' {hashes}".rstrip())
    return {**HEADERS, "Content-Security-Policy": policy}


def document_response(document: str) -> HTMLResponse:
    """A library-rendered HTML document with `document_headers`."""
    return HTMLResponse(document, headers=document_headers(document))


class Answer(Exception):
    """The page a route answers before its own work: there is no register, or the form was
    refused (`register_or`, `posted`). Raised; `PageRoute` gives the page as the response."""

    def __init__(self, response: Response) -> None:
        super().__init__()
        self.response = response


class PageRoute(APIRoute):
    """The pages' routes: an `Answer` raised by the route is its response."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answered(request: Request) -> Response:
            try:
                return await handler(request)
            except Answer as answer:
                return answer.response

        return answered


router = APIRouter(include_in_schema=False, route_class=PageRoute)
templates = Environment(
    loader=PackageLoader("kompetenceplan.web", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
templates.filters["tal"] = format_number
templates.filters["dato"] = danish.date_text
templates.filters["tid"] = danish.time_text
templates.filters["kvartal"] = danish.quarter_text
templates.filters["kr"] = danish.kroner
templates.filters["periode"] = danish.period_text
templates.filters["klar"] = danish.plain_reference
templates.filters["uden_regel"] = danish.without_rule_ids
templates.filters["isodato"] = lambda text: danish.date_text(dt.date.fromisoformat(str(text))) if text else ""
templates.globals["plain"] = plain_hint


def _plans(request: Request) -> PlanSet:
    plans: PlanSet = request.app.state.holder.plans
    return plans


def _csrf(request: Request) -> csrf_module.Csrf:
    state = request.app.state
    if not hasattr(state, "web_csrf"):
        state.web_csrf = csrf_module.Csrf()
    csrf: csrf_module.Csrf = state.web_csrf
    return csrf


def _current(plans: PlanSet) -> Plan:
    """The version in force today (the latest when none is: a plan not yet in force)."""
    try:
        return plans.in_force(dt.date.today())
    except PlanError:
        return plans.latest


def _render(request: Request, name: str, active: str, status: int = 200, **context: Any) -> HTMLResponse:
    token, fresh = _csrf(request).token_for(request.cookies.get(csrf_module.COOKIE))
    plans = _plans(request)
    context.setdefault("plan", _current(plans))
    context.setdefault("stores", register_of(request) is not None)
    # Who is signed in (set by the service's permission check; None on a public page).
    context.setdefault("actor", getattr(request.state, "actor", None))
    auth = getattr(request.app.state, "auth", None)
    context.setdefault("signs_in", bool(auth is not None and auth.signs_in))
    html = templates.get_template(name).render(nav=NAV, active=active, csrf_field=csrf_module.FIELD, csrf_token=token, **context)
    headers = HEADERS
    if auth is not None and auth.config is not None:
        # "Log ud" posts here and is redirected to the provider's end-session page: a browser
        # follows a form's redirect only to an origin the page's form-action allows.
        from urllib.parse import urlsplit

        issuer = urlsplit(auth.config.issuer)
        csp = HEADERS["Content-Security-Policy"].replace("form-action 'self'", f"form-action 'self' {issuer.scheme}://{issuer.netloc}")
        headers = {**HEADERS, "Content-Security-Policy": csp}
    response = HTMLResponse(html, status_code=status, headers=headers)
    if fresh:
        response.set_cookie(csrf_module.COOKIE, token, httponly=True, samesite="strict", path="/")
    return response


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        self.status, self.message = status, message


EXPIRED = "Formularen kunne ikke godkendes (sikkerhedsnøglen manglede eller var udløbet, fx fordi tjenesten er genstartet). Kontrollér felterne, og send igen."


async def _form(request: Request) -> tuple[dict[str, str], list[tuple[str, bytes]]]:
    """The posted form's text fields and uploaded files (name, content), after the content-type,
    origin and CSRF checks. Uploads are read and closed here; only ``filer`` is read."""
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind not in FORM_TYPES:
        raise Refused(415, "Siden tager kun imod formularer (application/x-www-form-urlencoded eller multipart/form-data). Brug JSON-API'et til JSON.")
    if not csrf_module.same_origin(request.headers.get("origin"), request.headers.get("host")):
        raise Refused(403, "Formularen kom fra en anden side end denne. Åbn siden her, og send igen.")
    try:
        form = await request.form(max_files=MAX_SUBMISSIONS, max_fields=200)
    except Exception:  # noqa: BLE001 - a malformed multipart body raises what its parser raises; the type only, never the content
        raise Refused(400, "Formularen kunne ikke læses. Genindlæs siden, og send igen.") from None
    try:
        token = form.get(csrf_module.FIELD)
        if not _csrf(request).accepts(request.cookies.get(csrf_module.COOKIE), token if isinstance(token, str) else None):
            raise Refused(403, EXPIRED)
        texts = [k for k, v in form.multi_items() if isinstance(v, str)]
        if len(texts) != len(set(texts)):
            # Every field of these forms is one value: a field given twice (a crafted or doubled post)
            # is refused, never read as its last value. The field is not named: a name can be input too.
            raise Refused(400, "Et felt kom mere end én gang i formularen. Genindlæs siden, og send igen.")
        values = {k: v for k, v in form.items() if isinstance(v, str) and k != csrf_module.FIELD}
        files = []
        for i, upload in enumerate(form.getlist(FILES_FIELD), 1):
            if isinstance(upload, UploadFile) and upload.filename:
                # The file's name is shown beside its result; a name holding a CPR number (files are
                # often named after the person) is shown by its position instead, never echoed.
                name = upload.filename[:120]
                files.append((f"fil nr. {i}" if looks_like_cpr(name) else name, await upload.read(MAX_INPUT_BYTES + 1)))
        return values, files
    finally:
        await form.close()


async def posted(
    request: Request,
    expired: Callable[[str], Response] | None = None,
    refused: Callable[[Refused], Response] | None = None,
) -> tuple[dict[str, str], list[tuple[str, bytes]]]:
    """The posted form (`_form`), or the route's answer to a refused one, raised as `Answer`.

    A key that was missing or expired (a restarted service, a page left open) shows the route's
    own page again with the message and status 403 when the route has one (``expired``: the
    message to the page; run in the thread pool, it may read the register), so what was typed
    can be sent again. Any other refusal is ``refused`` (the routes that answer JSON), else the
    message page with the refusal's status."""
    try:
        return await _form(request)
    except Refused as exc:
        if expired is not None and exc.status == 403 and exc.message == EXPIRED:
            raise Answer(await run_in_threadpool(expired, exc.message)) from None
        if refused is not None:
            raise Answer(refused(exc)) from None
        raise Answer(_message_page(request, exc.status, "Formularen blev ikke modtaget", exc.message)) from None


def refused_json(exc: Refused) -> JSONResponse:
    """A refused form, for a page's script: the message with the refusal's status."""
    return JSONResponse({"ok": False, "message": exc.message}, status_code=exc.status, headers={"Cache-Control": "no-store"})


def _message_page(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    return _render(request, "message.html", "", status=status, title=title, message=message)


def unavailable_page(request: Request, exc: KompetenceplanError) -> HTMLResponse:
    """503 as a page: the register's database could not be written or read, so nothing was stored."""
    return _message_page(request, 503, exc.title, " ".join(f"{p.what} {p.fix}".strip() for p in exc.problems))


# -- pages ------------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
async def index(request: Request) -> HTMLResponse:
    return _render(request, "index.html", "")


@router.get("/static/{name}")
async def static(name: str) -> Response:
    path = STATIC / name
    if "/" in name or name.startswith(".") or path.suffix not in STATIC_TYPES or not path.is_file():
        return Response("Ikke fundet.", status_code=404, media_type="text/plain; charset=utf-8")
    return Response(path.read_bytes(), media_type=STATIC_TYPES[path.suffix], headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"})


@router.get("/favicon.ico")
async def favicon() -> Response:
    return RedirectResponse("/static/favicon.svg", status_code=308)


# -- Hvem skal afgøre? --------------------------------------------------------------------------


def _selected_area(plan: Plan, values: dict[str, str]) -> str:
    m = plan.meta
    area = values.get(m.area_input, "")
    if area:
        return area
    for term in plan.implications.get((m.paragraph_input, values.get(m.paragraph_input, "")), ()):
        if term.input == m.area_input and term.single is not None:
            return str(term.single)
    return ""


def _answer_context(plan: Plan, decision: Decision) -> dict[str, Any]:
    # the decision's inputs are the validated case's values (never None; `explain` copies them)
    case = ValidatedCase(MappingProxyType({k: v for k, v in decision.inputs.items() if v is not None}))
    requirements = [r for r in plan.requirements if applies(r, case, decision.level.rank)]
    shown = []
    order = [f.name for f in advisor_form(plan).fields]
    for name in sorted(decision.inputs, key=lambda n: order.index(n) if n in order else len(order)):
        value, spec = decision.inputs[name], plan.inputs.get(name)
        if spec is None:
            continue
        text = kind_of(spec).show(spec, value) if isinstance(value, (bool, int, float, str)) else str(value)
        shown.append((spec.label, text, any(d.startswith(spec.label) for d in decision.derived)))
    top = [r for r in decision.matched if r.level == decision.level.id]
    return {
        "decision": decision,
        "top": top,
        "lower": [r for r in decision.matched if r.level != decision.level.id],
        "requirements": requirements,
        "explanation": explain(decision),
        "journal": journal_text(decision, top, shown),
        "inputs_shown": shown,
    }


def journal_text(decision: Decision, top: list[Any], shown: list[tuple[str, str, bool]]) -> str:
    """The answer as plain Danish for the case's journal: who decides, why, on which legal basis
    and which plan — no rule ids, no commands, nothing from the register."""
    lines = [f"Afgørelsen træffes af: {decision.level.name}.", "", danish.without_rule_ids(decision.reason)]
    if decision.escalated:
        lines += ["", "Ingen regel i kompetenceplanen dækker sagen; den går derfor til det sikre niveau."]
    grounds = [r for r in top if r.reference]
    if grounds:
        lines += ["", "Hjemmel:"] + [f"- {r.reference}" for r in grounds]
        met = [c.text for r in grounds for c in r.conditions]
        if met:
            lines += ["", "Opfyldte betingelser:"] + [f"- {t}" for t in dict.fromkeys(met)]
    lines += ["", "Oplysninger om sagen:"] + [f"- {label}: {text}" + (" (udledt)" if derived else "") for label, text, derived in shown]
    plan = decision.plan
    lines += ["", f"Vurderet efter {plan.name}, version {plan.version} (gyldig fra {danish.date_text(dt.date.fromisoformat(str(plan.valid_from)))})."]
    return "\n".join(lines)


def _advise(plans: PlanSet, values: dict[str, str]) -> tuple[Plan, FieldErrors, dict[str, Any] | None]:
    """Route the form's case; field errors instead of a decision when the input is not usable.
    Raises `EngineError` (no decision is made; the page says so)."""
    errors = FieldErrors()
    on = dt.date.today()
    if values.get(DATE_FIELD):
        try:
            on = parse_date(values[DATE_FIELD], DATE_FIELD, "2026-12-01") or on
        except CaseError:
            errors.fields[DATE_FIELD] = "skal være en dato på formen ÅÅÅÅ-MM-DD, fx 2026-12-01."
    try:
        plan = plan_in_force(plans, on)
    except PlanError as exc:
        errors.fields[DATE_FIELD] = " ".join(f"{p.what} {p.fix}" for p in exc.problems)
        return _current(plans), errors, None
    case, syntax = case_from_form(plan, values)
    errors.fields.update(syntax)
    try:
        if errors.fields:
            validate_case(plan, {k: v for k, v in case.items() if k not in syntax})
        else:
            return plan, errors, _answer_context(plan, decide(plan, case, on=on))
    except (EngineError, UnavailableError):
        raise
    except KompetenceplanError as exc:
        errors.add(plan, exc, advisor_form(plan))
    order = [f.name for f in advisor_form(plan).fields] + [DATE_FIELD]
    errors.fields = dict(sorted(errors.fields.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)))
    return plan, errors, None


#: The fields of "Gem i registret" (name, label, example): the register's case reference and team.
SAVE_FIELDS = (("sagsreference", "Sagsreference", "S-2026-0042"), ("team", "Team", "Team Syd"))


def _advisor_page(request: Request, plan: Plan, values: dict[str, str], errors: FieldErrors, answer: dict[str, Any] | None, status: int = 200, posted: bool = False, saved: str = "") -> HTMLResponse:
    return _render(
        request,
        "advisor.html",
        "afgoer",
        status=status,
        plan=plan,
        form=advisor_form(plan),
        values=values,
        errors=errors,
        answer=answer,
        posted=posted,
        number_help=NUMBER_HELP,
        selected_area=_selected_area(plan, values),
        date_field=DATE_FIELD,
        missing_labels=_missing(plan, errors),
        labels=_labels(plan),
        save_fields=SAVE_FIELDS,
        saved=saved,
    )


def _labels(plan: Plan) -> dict[str, str]:
    """Every field of the advisor's page by its label (the error summary's links)."""
    return {DATE_FIELD: "Dato for afgørelsen", **{name: label for name, label, _ in SAVE_FIELDS}, **{name: spec.label for name, spec in plan.inputs.items()}}


def _missing(plan: Plan, errors: FieldErrors) -> list[str]:
    labels = [plan.inputs[n].label for n in errors.fields if n in plan.inputs]
    return labels + (["Dato for afgørelsen"] if DATE_FIELD in errors.fields else [])


@router.get("/hvem-skal-afgoere", response_class=HTMLResponse)
async def advisor(request: Request) -> HTMLResponse:
    return _advisor_page(request, _current(_plans(request)), {}, FieldErrors(), None)


@router.post("/hvem-skal-afgoere", response_class=HTMLResponse)
async def advisor_post(request: Request) -> HTMLResponse:
    plans = _plans(request)
    values, _ = await posted(request, expired=lambda message: _advisor_page(request, _current(plans), {}, FieldErrors(general=[message]), None, status=403))
    try:
        plan, errors, answer = await run_in_threadpool(_advise, plans, values)
    except EngineError as exc:
        return _message_page(request, 500, "Der er ikke truffet nogen afgørelse", exc.title)
    return _advisor_page(request, plan, values, errors, answer, posted=True)


@router.post("/hvem-skal-afgoere/svar")
async def advisor_live(request: Request) -> JSONResponse:
    """The answer as an HTML fragment plus field errors, for the page's script (no reload)."""
    values, _ = await posted(request, refused=refused_json)
    plans = _plans(request)
    try:
        plan, errors, answer = await run_in_threadpool(_advise, plans, values)
    except EngineError as exc:
        return JSONResponse({"ok": False, "message": exc.title}, status_code=500, headers={"Cache-Control": "no-store"})
    context = {"answer": answer, "errors": errors, "posted": True, "missing_labels": _missing(plan, errors), "labels": _labels(plan), "plan": plan}
    return JSONResponse(
        {
            "ok": answer is not None,
            "html": templates.get_template("_answer.html").render(**context),
            "summary": templates.get_template("_summary.html").render(**context),
            "fields": errors.fields,
            "announce": f"Svar: {answer['decision'].level.name}" if answer else "Svaret mangler oplysninger.",
        },
        headers={"Cache-Control": "no-store"},
    )


def _save_routing(request: Request, plans: PlanSet, values: dict[str, str]) -> tuple[Plan, FieldErrors, dict[str, Any] | None, str]:
    """Route the form's case and store the routing in the register (the answer, and the notice)."""
    plan, errors, answer = _advise(plans, values)
    for name, label, example in SAVE_FIELDS:
        if not values.get(name, "").strip():
            errors.fields[name] = f"Mangler. Skriv {label.lower()}en, fx {example}."
    if errors.fields or answer is None:
        return plan, errors, answer, ""
    case, _ = case_from_form(plan, values)
    day = dt.date.today()
    if values.get(DATE_FIELD):
        day = parse_date(values[DATE_FIELD], DATE_FIELD, "2026-12-01") or day
    try:
        routed = register_of(request).record_routing(plans, case, case_ref=values["sagsreference"].strip(), team=values["team"].strip(), actor=actor_of(request), on=day)
    except (EngineError, UnavailableError):
        raise
    except KompetenceplanError as exc:
        for p in exc.problems:
            field = {"sagsreference": "sagsreference", "team": "team"}.get(p.where.split(".", 1)[0])
            if field:
                errors.fields[field] = f"{p.what} {p.fix}".strip()
            else:
                errors.general.append(f"{p.what} {p.fix}".strip())
        return plan, errors, answer, ""
    from .access import log_case_access

    log_case_access(request, "ændret", "routing", [routed.record.case_ref])
    who = actor_of(request).name
    return plan, errors, answer, f"Routingen er gemt i registret for sag {routed.record.case_ref} ({routed.record.team}) med {who} som rådgiver."


@router.post("/hvem-skal-afgoere/gem", response_class=HTMLResponse)
async def advisor_save(request: Request) -> HTMLResponse:
    plans = _plans(request)
    register_or(request, lambda: _message_page(request, 404, "Registret er ikke sat op", "Denne installation gemmer ikke routinger. Spørg den, der driver systemet, om at slå registret til."))
    values, _ = await posted(request, expired=lambda message: _advisor_page(request, _current(plans), {}, FieldErrors(general=[message]), None, status=403))
    try:
        plan, errors, answer, saved = await run_in_threadpool(_save_routing, request, plans, values)
    except EngineError as exc:
        return _message_page(request, 500, "Der er ikke truffet nogen afgørelse", exc.title)
    return _advisor_page(request, plan, values, errors, answer, posted=True, saved=saved)


# -- Indstilling ----------------------------------------------------------------------------------


def _items_from_paste(text: str) -> list[tuple[str, Any]]:
    data = parse_json(text.encode("utf-8"), "indsat tekst")
    if isinstance(data, list):
        return [(f"Indsat indstilling nr. {i}", item) for i, item in enumerate(data, 1)]
    if isinstance(data, dict) and isinstance(data.get("submissions"), dict) and "sag" not in data:
        return [(f"Indsat: {name}"[:80], item) for name, item in data["submissions"].items()]
    return [("Indsat indstilling", data)]


def _check_all(plans: PlanSet, items: list[tuple[str, Any]], on: dt.date) -> list[dict[str, Any]]:
    """One result per submission. Engine faults are raised: the meeting must not be reported as
    checked (as in `checks.agenda`)."""
    results = []
    for name, load in items:
        try:
            data = load()
            number = data.get("sagsnummer") if isinstance(data, dict) else None
            report = check(plans, data, on=on)
        except (EngineError, UnavailableError):
            raise
        except KompetenceplanError as exc:
            results.append({"name": name, "status": "fejl i input", "error": exc, "report": None, "case_number": None, "submission": None})
            continue
        from ..meetings.committee import required_body, required_level

        plan = plan_in_force(plans, on)
        required = required_level(plan, minimise(data), report.routing.level) if isinstance(data, dict) else None
        body = required_body(plan, minimise(data), required) if isinstance(data, dict) and required else None
        results.append(
            {
                "name": name,
                "required": required,
                # the meetings that take the case: its committee (a child's, an adult's, børne- og
                # ungeudvalget; the one that puts a case to Familieretshuset), or a meeting of that
                # committee's level from before the plan split it
                "bodies": (body.id, body.level) if body is not None else (),  # `committee.takes`
                "status": "klar" if report.ready else "ikke klar",
                "report": report,
                "error": None,
                "case_number": number if isinstance(number, str) and len(number) <= 40 else None,
                # for "Tilføj til møde": without the person's identity (the register stores none)
                "submission": json.dumps(minimise(data), ensure_ascii=False) if isinstance(data, dict) else None,
            }
        )
    return results


def _secretary_page(request: Request, values: dict[str, str], status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("results", None)
    context.setdefault("errors", FieldErrors())
    context.setdefault("meetings", None)
    values.setdefault(MEETING_FIELD, dt.date.today().isoformat())
    reg = register_of(request)
    if reg is not None and "drafts" not in context:
        from ..meetings.drafts import list_drafts

        context["drafts"] = list_drafts(reg)
        from .access import log_case_access

        log_case_access(request, "læst", "indstilling", [d.case_ref for d in context["drafts"]])
        context["level_names"] = {lv.id: lv.name for lv in _current(_plans(request)).levels}
    return _render(request, "secretary.html", "indstilling", status=status, values=values, **context)


@router.get("/indstilling", response_class=HTMLResponse)
async def secretary(request: Request) -> HTMLResponse:
    return await run_in_threadpool(_secretary_page, request, {})


@router.post("/indstilling", response_class=HTMLResponse)
async def secretary_post(request: Request) -> HTMLResponse:
    values, files = await posted(request, expired=lambda message: _secretary_page(request, {}, status=403, errors=FieldErrors(general=[message])))
    errors = FieldErrors()
    on = dt.date.today()
    try:
        on = parse_date(values.get(MEETING_FIELD) or None, MEETING_FIELD, "2026-12-01") or on
    except CaseError:
        errors.fields[MEETING_FIELD] = "skal være en dato på formen ÅÅÅÅ-MM-DD, fx 2026-12-01."
    items: list[tuple[str, Any]] = [(name, lambda content=content, i=i: parse_json(content, f"fil nr. {i}")) for i, (name, content) in enumerate(files, 1)]
    pasted = values.get(PASTE_FIELD, "").strip()
    if pasted:
        try:
            items += [(name, lambda data=data: data) for name, data in _items_from_paste(pasted)]
        except KompetenceplanError as exc:
            errors.fields[PASTE_FIELD] = " ".join(f"{p.where}: {p.what} {p.fix}" for p in exc.problems)
    if not items and not errors.fields:
        errors.fields[FILES_FIELD] = "Vælg mindst én indstilling (JSON-fil), eller indsæt en indstilling som JSON."
    if len(items) > MAX_SUBMISSIONS:
        errors.fields[FILES_FIELD] = f"Højst {MAX_SUBMISSIONS} indstillinger ad gangen."
    if errors.fields:
        return await run_in_threadpool(lambda: _secretary_page(request, values, errors=errors))
    try:
        results = await run_in_threadpool(_check_all, _plans(request), items, on)
    except EngineError as exc:
        return _message_page(request, 500, "Indstillingerne er ikke tjekket", exc.title)
    counts = {s: sum(r["status"] == s for r in results) for s in ("klar", "ikke klar", "fejl i input")}
    meetings = await run_in_threadpool(upcoming, request)
    return await run_in_threadpool(lambda: _secretary_page(request, values, results=results, counts=counts, meeting=on, meetings=meetings))


# -- Møde -----------------------------------------------------------------------------------------


# The pages themselves are in `meeting_pages`; the Indstilling page offers the upcoming meetings.


def register_of(request: Request) -> Any:
    """The service's `Register`, or None when it was started without ``--db``."""
    return getattr(request.app.state, "register", None)


def register_or(request: Request, missing: Callable[[], Response]) -> Any:
    """The service's `Register` for a route that needs one; without it (``serve`` without
    ``--db``) the route answers ``missing()``, the page that says how to start one (raised as
    `Answer`)."""
    reg = register_of(request)
    if reg is None:
        raise Answer(missing())
    return reg


def upcoming(request: Request) -> list[Any] | None:
    """The soonest meetings on or after today, soonest first (None without a register)."""
    reg = register_of(request)
    if reg is None:
        return None
    from ..meetings.overview import upcoming as soonest

    return soonest(reg, _plans(request), dt.date.today())


# -- Kompetenceplanen -------------------------------------------------------------------------------


def _version(plans: PlanSet, wanted: str | None) -> Plan | None:
    if not wanted:
        return _current(plans)
    return next((p for p in plans.versions if p.meta.version == wanted), None)


def _unknown_version(request: Request) -> HTMLResponse:
    return _message_page(request, 404, "Ukendt version", "Planen har ingen version med det navn. Vælg en version på siden Kompetenceplanen.")


def _plan_context(plans: PlanSet, shown: Plan, tab: str) -> dict[str, Any]:
    return {"plans": plans, "shown": shown, "in_force": _current(plans), "tab": tab, "today": dt.date.today()}


@router.get("/kompetenceplan", response_class=HTMLResponse)
async def plan_page(request: Request, version: str | None = None) -> HTMLResponse:
    plans = _plans(request)
    shown = _version(plans, version)
    if shown is None:
        return _unknown_version(request)
    return _render(request, "plan.html", "plan", blocks=blocks(shown), **_plan_context(plans, shown, "plan"))


@router.get("/kompetenceplan/dokumentation", response_class=HTMLResponse)
async def standard_page(request: Request, version: str | None = None) -> HTMLResponse:
    plans = _plans(request)
    shown = _version(plans, version)
    if shown is None:
        return _unknown_version(request)
    return _render(request, "standard.html", "plan", **_plan_context(plans, shown, "dokumentation"))


_DIFFS: dict[tuple[str, str], tuple[list[Change], list[str]]] = {}


def _diff(old: Plan, new: Plan) -> tuple[list[Change], list[str]]:
    """`tooling.diff` (seconds on a large plan), remembered per pair of plan fingerprints."""
    key = (old.fingerprint, new.fingerprint)
    found = _DIFFS.get(key)
    if found is None:
        found = diff(old, new)
        if len(_DIFFS) > 32:
            _DIFFS.clear()
        _DIFFS[key] = found
    return found


@router.get("/kompetenceplan/aendringer", response_class=HTMLResponse)
async def diff_page(request: Request, fra: str | None = None, til: str | None = None) -> HTMLResponse:
    plans = _plans(request)
    versions = plans.versions
    context = _plan_context(plans, _current(plans), "aendringer")
    if len(versions) < 2:
        return _render(request, "diff.html", "plan", old=None, new=None, changes=None, notes=[], **context)
    old = _version(plans, fra) if fra else versions[-2]
    new = _version(plans, til) if til else versions[-1]
    if old is None or new is None:
        return _unknown_version(request)
    changes, notes = await run_in_threadpool(_diff, old, new)
    return _render(request, "diff.html", "plan", old=old, new=new, changes=changes, notes=notes, example=_example_text, **context)


def _example_text(plan: Plan, case: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    for name, value in case.items():
        spec = plan.inputs.get(name)
        if spec is None:
            continue
        if name == plan.meta.paragraph_input:
            continue  # the row's first column
        text = kind_of(spec).show(spec, value)
        out.append((spec.label, text))
    return out


# -- a page that does not exist -----------------------------------------------------------------------


def not_found_page(request: Request) -> HTMLResponse:
    """The Danish 404 page (every unknown address a browser asks for)."""
    return _render(
        request,
        "message.html",
        "",
        status=404,
        title="Siden findes ikke",
        message="Adressen findes ikke her. Den kan være skrevet forkert, eller siden kan være flyttet. Vælg en side i menuen, eller gå til forsiden.",
    )
