"""HTTP JSON API for case tools: the same library calls as the CLI, over FastAPI.

Optional: ``pip install 'kompetenceplan[serve]'``. Binds 127.0.0.1 by default. Bad input is
422 with the field path and a Danish message (never 500 for a user mistake); a body over the
limit is 413; an engine fault is 500 with no decision. Request bodies are never logged.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response

from .api import decide
from .checks.agenda import check_agenda
from .checks.check import check
from .errors import CaseError, EngineError, KompetenceplanError, PlanError, Problem
from .io import MAX_INPUT_BYTES, parse_date, parse_json
from .plan import PlanSet, load_plans
from .schemas import KINDS, schema
from .tooling.render import markdown, to_html

log = logging.getLogger("kompetenceplan.service")
MAX_AGENDA = 200


class PlanHolder:
    """The plan in use. A reload swaps the reference atomically; each request reads it once,
    so an in-flight request finishes on the plan it started with."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self.plans: PlanSet = load_plans(path)
        self.reloads = 0

    def reload(self) -> PlanSet:
        with self._lock:
            fresh = load_plans(self.path)  # raises PlanError and keeps the old plan on failure
            self.plans = fresh
            self.reloads += 1
            return fresh


class BodyLimit:
    """ASGI middleware: refuse a request body over ``limit`` bytes with 413, without reading it all."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await _too_large(self.limit)(scope, receive, send)
            return
        seen = 0

        async def limited() -> dict[str, Any]:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _BodyTooLarge:
            await _too_large(self.limit)(scope, receive, send)


class _BodyTooLarge(Exception):
    pass


def _too_large(limit: int) -> JSONResponse:
    return JSONResponse(
        {"error": "BodyTooLarge", "title": "Forespørgslen er for stor.", "problems": [{"where": "body", "what": f"er større end {limit} bytes.", "fix": "Send én sag eller indstilling ad gangen, eller del dagsordenen op."}]},
        status_code=413,
    )


def _error(exc: KompetenceplanError) -> JSONResponse:
    status = 500 if isinstance(exc, EngineError) else 422
    return JSONResponse(exc.to_dict(), status_code=status)


def _date(value: str | None, name: str) -> dt.date | None:
    return parse_date(value, name, f"?{name}=2026-12-01")


async def _json(request: Request) -> Any:
    return parse_json(await request.body(), "body")


def create_app(plan_path: Path, allow_reload: bool = False, max_body: int = MAX_INPUT_BYTES, db_url: str | None = None) -> Any:
    """The ASGI application (FastAPI inside the body-limit middleware). With ``db_url`` the
    register and meeting endpoints are included (`meetings.http`)."""
    holder = PlanHolder(plan_path)
    app = FastAPI(
        title="kompetenceplan",
        version="0.1.0",
        description="Hvem må træffe afgørelse om en social indsats, og er indstillingen klar til visitationsudvalget?",
    )
    app.state.holder = holder

    @app.exception_handler(KompetenceplanError)
    async def on_domain_error(request: Request, exc: KompetenceplanError) -> JSONResponse:
        return _error(exc)

    @app.exception_handler(Exception)
    async def on_bug(request: Request, exc: Exception) -> JSONResponse:
        # Log the type only: a traceback's locals could hold a case.
        log.error("uventet fejl i %s: %s", request.url.path, type(exc).__name__)
        return JSONResponse({"error": "InternalError", "title": "Uventet fejl; der er ikke truffet nogen afgørelse.", "problems": []}, status_code=500)

    @app.post("/route", summary="Hvilket niveau skal træffe afgørelsen?", responses=_docs("decision"))
    async def route(request: Request, on: str | None = None) -> Response:
        data = await _json(request)
        plans = holder.plans
        decision = await _in_thread(decide, plans, data, _date(on, "on") or dt.date.today())
        return Response(decision.to_json(), media_type="application/json")

    @app.post("/validate", summary="Er indstillingen klar til visitationsudvalget?", responses=_docs("report"))
    async def validate(request: Request, meeting_date: str | None = None) -> Response:
        data = await _json(request)
        plans = holder.plans
        report = await _in_thread(check, plans, data, _date(meeting_date, "meeting_date") or dt.date.today())
        return Response(report.to_json(), media_type="application/json")

    @app.post("/validate/agenda", summary="Tjek alle indstillinger til et møde")
    async def agenda(request: Request, meeting_date: str | None = None) -> JSONResponse:
        data = await _json(request)
        if not isinstance(data, dict) or not isinstance(data.get("submissions"), dict) or len(data["submissions"]) > MAX_AGENDA:
            raise CaseError("Ugyldig dagsorden.", [Problem("body.submissions", f"skal være et objekt med højst {MAX_AGENDA} navngivne indstillinger.", 'Send {"submissions": {"sag-1": {...}, "sag-2": {...}}}.')])
        on = _date(meeting_date, "meeting_date") or dt.date.today()
        plans = holder.plans
        items = [(name, lambda sub=sub: sub) for name, sub in data["submissions"].items()]
        return JSONResponse(await _in_thread(check_agenda, plans, items, on))

    @app.get("/plan", summary="Planens metadata, niveauer, indsatstrappe og input")
    async def plan(on: str | None = None) -> JSONResponse:
        plans = holder.plans
        version = plans.in_force(d) if (d := _date(on, "on")) else plans.latest
        return JSONResponse(version.summary() | {"versions": [p.meta.version for p in plans.versions]})

    @app.get("/plan/rendered", summary="Kompetenceplanen som dokument")
    async def rendered(format: str = "markdown") -> Response:
        version = holder.plans.latest
        if format == "html":
            return HTMLResponse(to_html(version))
        if format != "markdown":
            raise CaseError("Ukendt format.", [Problem("format", "skal være markdown eller html.", "Brug ?format=html.")])
        return PlainTextResponse(markdown(version), media_type="text/markdown; charset=utf-8")

    @app.get("/schema/{kind}", summary="JSON Schema for case, submission, decision eller report")
    async def get_schema(kind: str) -> JSONResponse:
        if kind not in KINDS:
            raise CaseError("Ukendt skema.", [Problem("kind", f"skal være en af {', '.join(KINDS)}.", "Brug fx /schema/case.")])
        return JSONResponse(schema(kind, holder.plans.latest))

    @app.get("/health", summary="Kører tjenesten, og hvilken plan bruger den?")
    async def health() -> JSONResponse:
        plans = holder.plans
        return JSONResponse({"status": "ok", "plan": plans.latest.meta.id, "versions": [p.meta.version for p in plans.versions], "reloads": holder.reloads})

    if allow_reload:
        @app.post("/admin/reload", summary="Indlæs planen igen (kun med --allow-reload)")
        async def reload() -> JSONResponse:
            plans = await _in_thread(holder.reload)
            return JSONResponse({"status": "ok", "versions": [p.meta.version for p in plans.versions], "reloads": holder.reloads})

    if db_url is not None:  # the register and committee meetings (issue 13)
        from .meetings.http import create_router
        from .store.register import Register

        app.state.register = Register(db_url)
        app.include_router(create_router(lambda: holder.plans, app.state.register))
    _add_schemas_to_openapi(app, holder)
    return BodyLimit(app, max_body)


async def _in_thread(func: Any, *args: Any) -> Any:
    """Run a blocking library call in the worker thread pool (durable's sids are per call)."""
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(func, *args)


def _docs(response_kind: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {"description": "OK", "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{response_kind}"}}}},
        422: {"description": "Fejl i input: feltets sti og en dansk besked."},
        413: {"description": "Forespørgslen er for stor."},
        500: {"description": "Motorfejl; der er ikke truffet nogen afgørelse."},
    }


def _add_schemas_to_openapi(app: FastAPI, holder: PlanHolder) -> None:
    """Put the case, submission, decision and report schemas in /openapi.json."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        spec = original()
        components = spec.setdefault("components", {}).setdefault("schemas", {})
        for kind in KINDS:
            body = schema(kind, holder.plans.latest)
            for name, definition in body.pop("$defs", {}).items():
                components.setdefault(name, definition)
            body.pop("$schema", None)
            components[kind] = _refs_to_components(body)
        for path, kind in (("/route", "case"), ("/validate", "submission")):
            spec["paths"][path]["post"]["requestBody"] = {"required": True, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{kind}"}}}}
        app.openapi_schema = spec
        return spec

    app.openapi = openapi  # type: ignore[method-assign]


def _refs_to_components(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: (v.replace("#/$defs/", "#/components/schemas/") if k == "$ref" else _refs_to_components(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_refs_to_components(v) for v in node]
    return node


def serve(plan_path: Path, host: str, port: int, allow_reload: bool, max_body: int, db_url: str | None = None) -> None:
    """Run the service with uvicorn until interrupted."""
    import uvicorn

    app = create_app(plan_path, allow_reload=allow_reload, max_body=max_body, db_url=db_url)
    if allow_reload:
        holder: PlanHolder = app.app.state.holder

        def on_hup(signum: int, frame: Any) -> None:
            try:
                holder.reload()
                log.warning("planen er indlæst igen (%d)", holder.reloads)
            except PlanError as exc:
                log.error("planen kunne ikke indlæses igen; den gamle bruges stadig: %s", exc.title)

        signal.signal(signal.SIGHUP, on_hup)
    uvicorn.run(app, host=host, port=port, log_level="info", server_header=False)
