"""The Ledelsestilsyn and Økonomisk tilsyn pages: thin views over `tilsyn.draw`, `tilsyn.report`
and `tilsyn.economy` (the same calls as ``kompetenceplan tilsyn`` and ``kompetenceplan oekonomi``).

Why it is long: the ledelsestilsyn's and the økonomisk tilsyn's pages (draws, checklists, reports),
thin over `tilsyn/`.

``/tilsyn`` lists the stored draws and draws a quarter (POST + CSRF); ``/tilsyn/{kvartal}`` is the
sample per team and track with each case's automatic checks (TIL) and the leaders' checklist, one
form per case with the questions of its track (POST + CSRF, append-only: a new answer corrects the
previous one);
``/tilsyn/{kvartal}/rapport`` is the library's report, printable. ``/oekonomi`` is the økonomisk
tilsyn for a quarter (GET: a quarter, a threshold and "monthly" are not personal data).

Only quarters, sample numbers and question ids appear in URLs; the pages show case references,
never the person. Without a register every page says how to start one. The tilsyn configuration
is ``app.state.tilsyn_config_path`` when set, else ``$KOMPETENCEPLAN_TILSYN``, else
``<plan folder>-tilsyn.toml`` next to the plan folder (``rules/nyborg`` → ``rules/nyborg-tilsyn.toml``),
else ``rules/nyborg-tilsyn.toml`` as the CLI.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections import OrderedDict
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ..actor import actor_of
from ..danish import MAX_KRONER, DanishTextError, format_number, quarter_code, read_number, read_quarter
from ..errors import CaseError, EngineError, KompetenceplanError, UnavailableError
from .access import log_case_access
from .danish import quarter_text
from .forms import FieldErrors
from .views import _message_page, _plans, _render, posted, register_of, register_or, router

QUARTER, PER_TEAM = "kvartal", "pr_team"
ANSWER, COMMENT = "svar", "kommentar"
MONTHLY, THRESHOLD = "maaneder", "taerskel"
THRESHOLD_FIX = "Skriv kroner om måneden, 0 eller mere, fx 50.000 eller 1.250,50."
FIELD_LABELS = {QUARTER: "Kvartal", PER_TEAM: "Sager pr. team og spor", ANSWER: "Svar", COMMENT: "Kommentar", THRESHOLD: "Tærskel"}
CONFIG_ENV = "KOMPETENCEPLAN_TILSYN"
ANSWER_LABELS = {"ja": "ja", "nej": "nej", "delvist": "delvist", "ikke_relevant": "ikke relevant"}
STATUS_LABELS = {"ok": "ok", "fejl": "fejl", "ikke_relevant": "ikke relevant", "ikke_efterproevet": "ikke efterprøvet"}
_QUARTER_URL = re.compile(r"\d{4}Q[1-4]")
_SAVED = re.compile(r"\d{1,5}")


# -- shared ------------------------------------------------------------------------------------------


def _no_register(request: Request, active: str, status: int = 200) -> HTMLResponse:
    template = "tilsyn.html" if active == "tilsyn" else "oekonomi.html"
    return _render(request, template, active, status=status, register=False)


def _register(request: Request, active: str = "tilsyn", status: int = 404) -> Any:
    """The register the tilsyn pages work on; without one, the page (``active``) says how to
    start one (with 404 for every address but the page's own)."""
    return register_or(request, lambda: _no_register(request, active, status=status))


def _config_path(request: Request) -> Path:
    configured = getattr(request.app.state, "tilsyn_config_path", None) or os.environ.get(CONFIG_ENV)
    if configured:
        return Path(configured)
    plan_dir = Path(request.app.state.holder.path)
    sibling = plan_dir.parent / f"{plan_dir.name}-tilsyn.toml"
    if sibling.is_file():
        return sibling
    from ..tilsyn.config import DEFAULT_CONFIG

    return DEFAULT_CONFIG


def _config(request: Request) -> Any:
    """The tilsyn configuration (read again when the file changes); `TilsynError` when it cannot be read."""
    from ..tilsyn.config import load_config

    path = _config_path(request)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        stamp = None
    cached = getattr(request.app.state, "tilsyn_config", None)
    if cached is not None and cached[0] == (path, stamp):
        return cached[1]
    config = load_config(path)
    request.app.state.tilsyn_config = ((path, stamp), config)
    return config


def _problems(exc: KompetenceplanError, fields: dict[str, str], general_field: str | None = None) -> FieldErrors:
    """The library's problems on the form's fields (``fields`` maps a problem's ``where`` to a field);
    the message starts with the library's title (fx "Kvartalet er allerede trukket.")."""
    errors = FieldErrors()
    for p in exc.problems:
        name = fields.get(p.where) or general_field
        what = p.what[:1].upper() + p.what[1:]
        text = f"{what} {p.fix}".strip()
        if name:
            errors.fields[name] = f"{errors.fields[name]} {text}" if name in errors.fields else f"{exc.title} {text}"
        else:
            errors.general.append(f"{exc.title} {text}")
    if not exc.problems:
        errors.general.append(exc.title)
    return errors


def _quarter_code(year: int, n: int) -> str:
    return quarter_code(year, n)


def _typed_quarter(text: str) -> str | None:
    """What a person typed for a quarter ("4. kvartal 2026", "K4 2026", "2026Q4" …), read by the one
    Danish reader (`danish.read_quarter`), as the code the register and the URLs use; None when it
    is not a quarter (the field then says how to write it)."""
    try:
        return quarter_code(*read_quarter(text, QUARTER))
    except DanishTextError:
        return None


# -- Ledelsestilsyn: the draws ---------------------------------------------------------------------------


def _choices(config: Any, drawn: set[str], today: dt.date) -> tuple[list[str], str]:
    """Quarters to offer (the last eight whose draw date has passed, and the next one), newest
    first, and the default: the newest whose draw date has passed, unless it is drawn."""
    from ..tilsyn.draw import quarter_dates

    quarters = sorted(((quarter_dates(config, q)[0], q) for year in range(today.year - 2, today.year + 2) for q in (_quarter_code(year, n) for n in (1, 2, 3, 4))), reverse=True)
    passed = [q for day, q in quarters if day <= today]
    upcoming = [q for day, q in quarters if day > today][-1:]
    default = passed[0] if passed and passed[0] not in drawn else ""
    return upcoming + passed[:8], default


def _draw_dates_text(config: Any) -> str:
    """The configured draw dates as Danes write them: "1. marts, 1. juni, 1. september og 1. december"."""
    from ..danish import MONTHS

    days = [f"{int(d[3:])}. {MONTHS[int(d[:2]) - 1]}" for d in config.tilsyn.draw_dates]
    return f"{', '.join(days[:-1])} og {days[-1]}"


def _fully_answered(config: Any, item: dict[str, Any]) -> bool:
    return all(q.id in item["answers"] for q in config.questions_for(item["track"]))


#: The draws shown with their progress on /tilsyn (two years); older ones are listed as links, so
#: the page costs the same after ten years of quarterly draws (issue 29: 40 draws took 0.4 s).
RECENT_DRAWS = 8


def _overview(request: Request, values: dict[str, str], errors: FieldErrors, status: int = 200) -> HTMLResponse:
    from ..tilsyn.draw import draws, show

    reg = register_of(request)
    try:
        config = _config(request)
    except KompetenceplanError as exc:
        return _message_page(request, 500, "Tilsynets konfiguration kan ikke læses", f"{exc.title} {' '.join(f'{p.where}: {p.what} {p.fix}' for p in exc.problems)}")
    rows: list[dict[str, Any]] = []
    quarters = list(reversed(draws(reg)))
    for q in quarters[:RECENT_DRAWS]:  # each with its progress; older ones are links (the page stays flat)
        d = show(reg, q)
        rows.append({"draw": d, "answered": sum(_fully_answered(config, i) for i in d.items), "faulty": sum(any(r["status"] == "fejl" for r in i["results"]) for i in d.items)})
    choices, default = _choices(config, set(quarters), dt.date.today())
    values.setdefault(QUARTER, quarter_text(default))
    values.setdefault(PER_TEAM, str(config.tilsyn.per_stratum))
    return _render(
        request,
        "tilsyn.html",
        "tilsyn",
        status=status,
        register=True,
        rows=rows,
        values=values,
        errors=errors,
        choices=choices,
        config=config,
        labels=FIELD_LABELS,
        drawn=set(quarters),
        older=quarters[RECENT_DRAWS:],
        quarter_of=lambda text: _typed_quarter(text) or "",
        draw_dates=_draw_dates_text(config),
    )


@router.get("/tilsyn", response_class=HTMLResponse)
async def tilsyn_page(request: Request) -> HTMLResponse:
    _register(request, status=200)
    return await run_in_threadpool(_overview, request, {}, FieldErrors())


def _draw(request: Request, quarter: str, per_team: int) -> Any:
    from ..tilsyn.draw import draw

    return draw(register_of(request), _plans(request), _config(request), quarter, actor=actor_of(request), per_stratum=per_team)


@router.post("/tilsyn", response_class=HTMLResponse)
async def tilsyn_draw(request: Request) -> Response:
    _register(request)
    values, _ = await posted(request, expired=lambda message: _overview(request, {}, FieldErrors(general=[message]), 403))
    kept = {QUARTER: values.get(QUARTER, "")[:20], PER_TEAM: values.get(PER_TEAM, "")[:20]}
    errors = FieldErrors()
    quarter = _typed_quarter(kept[QUARTER]) or ""
    if not kept[QUARTER].strip():
        errors.fields[QUARTER] = "Mangler. Skriv kvartalet, fx 4. kvartal 2026."
    elif not quarter:
        errors.fields[QUARTER] = "Kan ikke læses som et kvartal. Skriv fx 4. kvartal 2026 (eller 2026Q4)."
    raw = kept[PER_TEAM].strip()
    per_team = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 6 else None
    if per_team is None or not 1 <= per_team <= 1000:
        errors.fields[PER_TEAM] = "Skal være et helt tal fra 1 til 1000, fx 5."
    if errors.fields or per_team is None:
        return await run_in_threadpool(_overview, request, kept, errors)
    if values.get("bekraeftet") != "ja":
        from ..tilsyn.draw import show
        from .draft_pages import confirm_page

        if await run_in_threadpool(show, register_of(request), quarter, missing_ok=True) is None:
            return confirm_page(
                request,
                title=f"Træk {quarter_text(quarter)}?",
                what=f"Stikprøven for {quarter_text(quarter)} trækkes nu: højst {per_team} {'sag' if per_team == 1 else 'sager'} pr. team og spor, og de automatiske kontroller køres.",
                why="Et kvartal trækkes kun én gang: trækningen gemmes og kan ikke trækkes om, så stikprøven ikke kan vælges efter resultatet.",
                action="/tilsyn",
                fields={QUARTER: quarter, PER_TEAM: str(per_team)},
                yes="Ja, træk kvartalet",
                back="/tilsyn",
            )
    try:
        found = await run_in_threadpool(_draw, request, quarter, per_team)
    except (EngineError, UnavailableError):
        raise
    except KompetenceplanError as exc:
        return await run_in_threadpool(_overview, request, kept, _problems(exc, {"--quarter": QUARTER, "--per-team": PER_TEAM}, QUARTER))
    return RedirectResponse(f"/tilsyn/{found.quarter}?trukket=1", status_code=303)


# -- Ledelsestilsyn: one quarter -----------------------------------------------------------------------


def _unknown_quarter(request: Request, quarter: str = "") -> HTMLResponse:
    what = f"Kvartalet {quarter} er ikke trukket." if quarter else "Adressen angiver ikke et kvartal (fx 2026Q4)."
    return _message_page(request, 404, "Ukendt trækning", f"{what} Træk kvartalet, eller vælg en trækning, på siden Ledelsestilsyn.")


def _quarter_page(
    request: Request,
    quarter: str,
    status: int = 200,
    notice: str = "",
    form_errors: dict[tuple[int, str], FieldErrors] | None = None,
    form_values: dict[tuple[int, str], dict[str, str]] | None = None,
    general: list[str] | None = None,
    opened: int | None = None,
) -> HTMLResponse:
    from ..tilsyn.checks import CHECK_BY_CODE
    from ..tilsyn.draw import ANSWERS, show

    d = show(register_of(request), quarter, missing_ok=True)
    if d is None:
        return _unknown_quarter(request, quarter)
    config = _config(request)
    groups: OrderedDict[tuple[str, str], list[dict[str, Any]]] = OrderedDict()
    for item in d.items:
        groups.setdefault((item["team"], item["track"]), []).append(item)
    tracks = {key: t.label for key, t in config.tracks.items()}
    answered = sum(_fully_answered(config, i) for i in d.items)
    log_case_access(request, "læst", "tilsynssag", [i["case_ref"] for i in d.items])
    return _render(
        request,
        "tilsyn_quarter.html",
        "tilsyn",
        status=status,
        d=d,
        groups=groups,
        tracks=tracks,
        config=config,
        checks=CHECK_BY_CODE,
        answers=ANSWERS,
        answer_labels=ANSWER_LABELS,
        status_labels=STATUS_LABELS,
        answered=answered,
        notice=notice,
        form_errors=form_errors or {},
        form_values=form_values or {},
        general=general or [],
        opened=opened,
        labels=FIELD_LABELS,
    )


@router.get("/tilsyn/{quarter}", response_class=HTMLResponse)
async def quarter_page(request: Request, quarter: str) -> HTMLResponse:
    _register(request)
    if not _QUARTER_URL.fullmatch(quarter):
        return _unknown_quarter(request)
    notice = "Kvartalet er trukket, og de automatiske kontroller er kørt. Besvar tjeklisten for hver sag." if "trukket" in request.query_params else ""
    saved = _SAVED.fullmatch(request.query_params.get("gemt", ""))
    opened = None
    if saved:
        opened = int(saved.group(0))
        notice = f"Tjeklisten for sag nr. {opened} er gemt."
    try:
        return await run_in_threadpool(_quarter_page, request, quarter, 200, notice, None, None, None, opened)
    except KompetenceplanError as exc:
        return _message_page(request, 500, "Tilsynets konfiguration kan ikke læses", exc.title)


@router.post("/tilsyn/{quarter}/sag/{position}", response_class=HTMLResponse)
async def answer_checklist(request: Request, quarter: str, position: int) -> Response:
    """The whole checklist of one drawn case, saved at once (one form per case)."""
    reg = _register(request)
    if not _QUARTER_URL.fullmatch(quarter):
        return _unknown_quarter(request)
    values, _ = await posted(request, expired=lambda message: _quarter_page(request, quarter, 403, "", None, None, [message]))
    from ..store.privacy import PersonalDataError
    from ..tilsyn.draw import record_answers, show

    found = await run_in_threadpool(show, reg, quarter, missing_ok=True)
    if found is None:
        return _unknown_quarter(request, quarter)
    config = await run_in_threadpool(_config, request)
    item = next((i for i in found.items if i["position"] == position), None)
    # the checklist of the case's track (issue 27); an unknown position gets the library's refusal
    questions = config.questions_for(item["track"]) if item is not None else list(config.checklist)
    kept: dict[tuple[int, str], dict[str, str]] = {}
    answers: dict[str, tuple[str, str]] = {}
    for q in questions:
        answer, comment = values.get(f"{ANSWER}-{q.id}", "")[:20], values.get(f"{COMMENT}-{q.id}", "")[:2000]
        kept[(position, q.id)] = {ANSWER: answer, COMMENT: comment}
        if answer:
            answers[q.id] = (answer, comment)
        elif comment.strip():
            answers[q.id] = ("", comment)  # a comment without an answer: the library names the missing answer
    if not answers:
        errors = {(position, questions[0].id): FieldErrors(fields={ANSWER: "Mangler. Besvar mindst ét spørgsmål: ja, nej, delvist eller ikke relevant."})}
        return await run_in_threadpool(_quarter_page, request, quarter, 200, "", errors, kept, None, position)
    try:
        await run_in_threadpool(lambda: record_answers(reg, config, quarter, position, answers, actor=actor_of(request)))
    except PersonalDataError as exc:
        # name the field, never echo the value: the offending text is not sent back
        errors = {}
        for p in exc.problems:
            qid = p.where.split(".", 1)[0]
            kept.setdefault((position, qid), {})[COMMENT] = ""
            errors[(position, qid)] = FieldErrors(fields={COMMENT: f"{exc.title} Feltet {p.what} {p.fix}"})
        return await run_in_threadpool(_quarter_page, request, quarter, 200, "", errors, kept, None, position)
    except KompetenceplanError as exc:
        if any(p.where in ("--item", "--question") for p in exc.problems):  # an old page or a forged address
            general = [f"Svarene er ikke gemt: {exc.title} {' '.join(f'{p.what} {p.fix}' for p in exc.problems)}"]
            return await run_in_threadpool(_quarter_page, request, quarter, 200, "", None, None, general)
        errors = {}
        for p in exc.problems:
            qid, _, field = p.where.partition(".")
            what = p.what[:1].upper() + p.what[1:]
            errors.setdefault((position, qid), FieldErrors()).fields[field or ANSWER] = f"{what} {p.fix}".strip()
        return await run_in_threadpool(_quarter_page, request, quarter, 200, "", errors, kept, None, position)
    await run_in_threadpool(log_case_access, request, "ændret", "tilsynssvar", [item["case_ref"]] if item is not None else [])
    return RedirectResponse(f"/tilsyn/{quarter}?gemt={position}", status_code=303)


# -- Ledelsestilsyn: the report ------------------------------------------------------------------------


def _tilsyn_report(request: Request, quarter: str) -> dict[str, Any] | None:
    """The report's parts for `_tilsyn_report_body.html` (None: the quarter is not drawn)."""
    from ..tilsyn.checks import CHECKS
    from ..tilsyn.draw import show
    from ..tilsyn.report import NO_CASES, TREND, TREND_CAPTION, build_report, intro, sections, trend_svg
    from .danish import date_text

    reg = register_of(request)
    if show(reg, quarter, missing_ok=True) is None:
        return None
    config = _config(request)
    report = build_report(reg, config, quarter)
    drawn = show(reg, quarter, missing_ok=True)
    log_case_access(request, "læst", "tilsynssag", [i["case_ref"] for i in drawn.items] if drawn else [])
    return {
        "kommune": config.tilsyn.kommune,
        "intro": intro(report, config, date=date_text, provenance=False),
        "no_cases": "" if report.draw.items else NO_CASES,
        "sections": sections(report, quarter=quarter_text),
        "trend_title": TREND,
        "trend": trend_svg(report.trend, quarter=quarter_text),
        "trend_caption": TREND_CAPTION,
        "checks": CHECKS,
    }


@router.get("/tilsyn/{quarter}/rapport", response_class=HTMLResponse)
async def tilsyn_report(request: Request, quarter: str) -> HTMLResponse:
    _register(request)
    if not _QUARTER_URL.fullmatch(quarter):
        return _unknown_quarter(request)
    try:
        report = await run_in_threadpool(_tilsyn_report, request, quarter)
    except KompetenceplanError as exc:
        return _message_page(request, 500, "Rapporten kan ikke dannes", exc.title)
    if report is None:
        return _unknown_quarter(request, quarter)
    return _render(request, "tilsyn_report.html", "tilsyn", quarter=quarter, **report)


# -- Økonomisk tilsyn -----------------------------------------------------------------------------------


def _threshold(text: str) -> tuple[float | None, str]:
    """Kroner as `danish.read_number` reads them (50.000 or 50000 or 1.250,50), as
    ``oekonomi report --threshold`` does, and the field's error ('' when none)."""
    try:
        return float(read_number(text, THRESHOLD, decimals=2, minimum=0, maximum=MAX_KRONER, fix=THRESHOLD_FIX)), ""
    except DanishTextError as exc:
        text = " ".join(f"{p.what} {p.fix}" for p in exc.problems)
        return None, text[:1].upper() + text[1:]


def _economy(request: Request, quarter: str, monthly: bool, threshold: float) -> dict[str, Any]:
    """The report's parts for `_economy_report_body.html`."""
    from ..tilsyn.economy import DEFINITIONS, PLACEMENT_HEAD, build_report, cell_class, flow_svg, parse_quarter, payments_line, placement_rows, sections
    from .danish import date_text

    report = build_report(register_of(request).engine, _plans(request), parse_quarter(quarter), monthly=monthly, threshold=threshold)
    return {
        "report": report,
        "payments": payments_line(report),
        "sections": sections(report, date=date_text),
        "definitions": DEFINITIONS,
        "placement_head": PLACEMENT_HEAD,
        "placement_rows": placement_rows(),
        "cell_class": cell_class,
        "flow_svg": flow_svg,
    }


@router.get("/oekonomi", response_class=HTMLResponse)
async def economy_page(request: Request) -> HTMLResponse:
    _register(request, "oekonomi", status=200)
    from ..tilsyn.economy import DEFAULT_THRESHOLD, parse_quarter

    today = dt.date.today()
    params = request.query_params
    asked = QUARTER in params
    values = {
        QUARTER: params.get(QUARTER, quarter_text(_quarter_code(today.year, (today.month - 1) // 3 + 1)))[:30],
        THRESHOLD: params.get(THRESHOLD, format_number(DEFAULT_THRESHOLD))[:30],
        MONTHLY: "1" if params.get(MONTHLY) else "",
    }
    errors = FieldErrors()
    quarter = values[QUARTER].strip()
    try:
        quarter = parse_quarter(quarter).code  # the one Danish reader (`danish.read_quarter`)
    except CaseError:
        errors.fields[QUARTER] = "Kan ikke læses som et kvartal. Skriv fx 4. kvartal 2026, K4 2026 eller 2026Q4 (år og kvartalets nummer 1-4)."
    threshold, problem = _threshold(values[THRESHOLD])
    if problem:
        errors.fields[THRESHOLD] = problem
    economy = None
    if asked and not errors.fields and threshold is not None:
        try:
            economy = await run_in_threadpool(_economy, request, quarter, bool(values[MONTHLY]), threshold)
        except KompetenceplanError as exc:
            errors.general.append(f"{exc.title} {' '.join(f'{p.what} {p.fix}' for p in exc.problems)}")
    return _render(request, "oekonomi.html", "oekonomi", register=True, values=values, errors=errors, economy=economy, asked=asked, labels=FIELD_LABELS)
