"""HTTP JSON API for case tools: the same library calls as the CLI, over FastAPI.

Why it is long: the service's construction in one place: every route, error handler and middleware
is registered here, and each is small.

Optional: ``pip install 'kompetenceplan[serve]'``. Binds 127.0.0.1 by default. Every error is a
problem details document (RFC 9457, `service.problems`): bad input is 422 with the field path and
a Danish message (never 500 for a user mistake); a body over the limit is 413; an engine fault is
500 with no decision. Request bodies are never logged. `/plan`, `/plan/rendered` and the schemas
carry an ``ETag`` and answer ``If-None-Match`` with 304; every GET answers HEAD.
What the service promises and how each promise is tested: docs/security.md (the network-facing
guards live in `http_guard`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import signal
import threading
import time
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..actor import PermissionDenied
from ..api import decide
from ..checks.agenda import check_agenda
from ..checks.check import check
from ..engine import durable_adapter
from ..errors import CaseError, KompetenceplanError, NotFound, PlanError, Problem, UnavailableError
from ..io import MAX_INPUT_BYTES, parse_date, parse_json
from ..plan import PlanSet, load_plans
from ..tooling.render import markdown, to_html
from . import problems
from .auth import Auth, NotSignedIn, SignIn
from .guard import Guard, allowed_host_names, guarded_protocol
from .problems import relative_paths
from .schemas import KINDS, schema

log = logging.getLogger("kompetenceplan.service.app")
MAX_AGENDA = 200


class PlanHolder:
    """The plan in use. A reload swaps the reference atomically; each request reads it once,
    so an in-flight request finishes on the plan it started with. A failed reload (any error,
    always a `PlanError`) keeps the old plan; a replaced plan's rulesets are released."""

    def __init__(self, path: Path, settle: float = 0.5) -> None:
        self.path = Path(path)  # an embedder may pass a str
        self.settle = settle
        self._lock = threading.Lock()
        self.plans: PlanSet = load_plans(path)
        self.reloads = 0
        self.failed_reloads = 0

    def reload(self) -> PlanSet:
        with self._lock:
            try:
                # A file saved less than `settle` seconds ago may be half written (an editor that
                # truncates, then writes): refuse it now; the snapshot check in the loader
                # refuses files that change while they are read.
                _settled(self.path, self.settle)
                fresh = load_plans(self.path)  # every failure is a PlanError; the old plan stays
                _settled(self.path, self.settle)
            except PlanError:
                self.failed_reloads += 1
                raise
            old, self.plans = self.plans, fresh
            self.reloads += 1
            kept = {p.fingerprint for p in fresh.versions}
            for plan in old.versions:
                if plan.fingerprint not in kept:
                    durable_adapter.release(plan)
            return fresh


def _settled(folder: Path, settle: float) -> None:
    if settle <= 0:
        return
    try:
        recent = [p for p in folder.rglob("*.toml") if time.time() - p.stat().st_mtime < settle]
    except OSError:
        return  # the loader reports unreadable folders
    if recent:
        raise PlanError(
            "Planen er lige blevet ændret; den gamle plan bruges stadig.",
            [Problem(str(recent[0]), f"filen blev gemt for under {settle:g} sekunder siden og kan være halvt skrevet.", "Vent et øjeblik, og indlæs planen igen.")],
        )


def fingerprints(plans: PlanSet) -> dict[str, str]:
    """Each version's content fingerprint, by version label."""
    return {p.meta.version: p.fingerprint for p in plans.versions}


def _cid(request: Request) -> str:
    return str(getattr(request.state, "correlation_id", ""))


def plans_tag(plans: PlanSet) -> str:
    """What every plan-derived answer depends on: the API's version and every version's fingerprint."""
    from .contract import API_VERSION

    return hashlib.sha256("|".join([API_VERSION, *(p.fingerprint for p in plans.versions)]).encode()).hexdigest()[:16]


def conditional(request: Request, fingerprint: str, plans: PlanSet, answer: Any) -> Response:
    """A plan-derived answer with its ``ETag`` (the plan's fingerprint, then what else it depends
    on), or 304 Not Modified when ``If-None-Match`` names it (weak comparison, RFC 9110 13.1.2).
    ``answer`` makes the response only when it is needed."""
    tag = f'"{fingerprint}-{plans_tag(plans)}"'
    headers = {"ETag": tag, "Cache-Control": "no-cache"}
    given = request.headers.get("if-none-match", "")
    wanted = {t.strip().removeprefix("W/") for t in given.split(",")}
    if "*" in wanted or tag in wanted:
        return Response(status_code=304, headers=headers)
    response: Response = answer()
    response.headers["ETag"] = tag
    response.headers.setdefault("Cache-Control", headers["Cache-Control"])  # a document for people keeps its no-store
    return response


def _program_version() -> str:
    """The program's version, from its one place (pyproject.toml, through the installed metadata)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("kompetenceplan")
    except PackageNotFoundError:  # run from a checkout that is not installed
        return "0+ukendt"


def _date(value: str | None, name: str) -> dt.date | None:
    return parse_date(value, name, f"?{name}=2026-12-01")


async def _json(request: Request) -> Any:
    # The body limit is enforced once, by the Guard, before this point.
    return parse_json(await request.body(), "body", limit=None)


def create_app(  # noqa: C901 - the service's routes and handlers, each small, registered in one place
    plan_path: Path,
    allow_reload: bool = False,
    max_body: int = MAX_INPUT_BYTES,
    allowed_hosts: frozenset[str] | None = None,
    body_timeout: float = 30.0,
    reload_settle: float = 0.5,
    db_url: str | None = None,
    sign_in: SignIn | None = None,
) -> Any:
    """The ASGI application (FastAPI inside the `service.guard.Guard` middleware). With ``db_url`` the
    register and meeting endpoints are included (`service.register_api`). Without ``sign_in``
    every request runs as the local user (`actor.local_actor`); with it, people sign in with
    OpenID Connect and case tools send bearer tokens (`service.auth`). Every route checks its
    permission through `service.permissions.authorize` (one table, `permissions.ROUTES`)."""
    from .permissions import authorize, is_page, on_not_signed_in, on_permission_denied

    holder = PlanHolder(plan_path, reload_settle)
    app = FastAPI(
        title="kompetenceplan",
        version=_program_version(),
        description="Hvem må træffe afgørelse om en social indsats, og er indstillingen klar til visitationsudvalget?",
        # /docs and /redoc load scripts from a public CDN: off. /openapi.json stays.
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(authorize)],  # the one permission check of every route
    )
    app.state.holder = holder
    app.state.auth = Auth(sign_in)
    app.add_exception_handler(PermissionDenied, on_permission_denied)
    app.add_exception_handler(NotSignedIn, on_not_signed_in)

    # -- one error format (service.problems): every error of every JSON route -------------------
    @app.exception_handler(KompetenceplanError)
    async def on_domain_error(request: Request, exc: KompetenceplanError) -> Response:
        if isinstance(exc, UnavailableError) and _wants_html(request):
            from ..web.views import unavailable_page  # a person at a page: a page, with the same status

            return unavailable_page(request, exc)
        return problems.response(problems.from_error(exc, _cid(request), holder.path))

    @app.exception_handler(RequestValidationError)
    async def on_invalid_request(request: Request, exc: RequestValidationError) -> Response:
        if is_page(request):  # a page's address that does not parse (/moede/abc): no such page
            return _not_found_page(request)
        return problems.response(problems.from_validation(list(exc.errors()), exc.body, _cid(request)))

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(exc.headers or {})
        if exc.status_code == 404:
            if _wants_html(request):
                return _not_found_page(request)
            return problems.response(problems.from_error(NOT_FOUND, _cid(request)), headers)
        kind = problems.TYPES[problems.HTTP_STATUS.get(exc.status_code, "bad-request")]
        if exc.status_code == 405:
            allowed = _allowed(app, request)
            headers = {k: v for k, v in headers.items() if k.lower() != "allow"} | {"Allow": allowed}
            problem = Problem("metode", f"stien tager kun imod {allowed}.", "Brug en af metoderne i headeren Allow.")
            return problems.response(problems.simple(kind.slug, "MethodNotAllowed", "Metoden er ikke tilladt på stien.", problem, _cid(request)), headers)
        problem = Problem("forespørgsel", "kan ikke bruges.", "Se kontrakten på /openapi.json.")
        doc = problems.simple(kind.slug, "HTTPError", kind.title, problem, _cid(request)) | {"status": exc.status_code}
        return problems.response(doc, headers)

    @app.exception_handler(Exception)
    async def on_bug(request: Request, exc: Exception) -> Response:
        # Logged by the Guard (type and correlation id only: a traceback's frames hold the case).
        cid = _cid(request)
        problem = Problem("tjenesten", "en uventet fejl.", f"Oplys korrelations-id {cid} til systemets ejer.")
        return problems.response(problems.simple("internal", "InternalError", "Uventet fejl; der er ikke truffet nogen afgørelse.", problem, cid))

    @app.post("/route", summary="Hvilket niveau skal træffe afgørelsen?", responses=_docs("decision"))
    async def route(request: Request, on: str | None = None) -> Response:
        data = await _json(request)
        plans = holder.plans
        when = _date(on, "on") or dt.date.today()
        # One case is a bounded, sub-millisecond piece of work (the body limit bounds it): it
        # runs on the event loop, explanation and JSON included, without a thread-pool hop.
        # The answer names the day the plan version was chosen for (routed_on), also when the
        # client left ?on= out and the service took today.
        decision = decide(plans, data, when)
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
            raise CaseError(
                "Ugyldig dagsorden.", [Problem("body.submissions", f"skal være et objekt med højst {MAX_AGENDA} navngivne indstillinger.", 'Send {"submissions": {"sag-1": {...}, "sag-2": {...}}}.')]
            )
        on = _date(meeting_date, "meeting_date") or dt.date.today()
        plans = holder.plans
        # The client's names are keys and can be personal data: rows are named by position
        # ("1", "2", … in the order sent), never by the name.
        items = [(str(i), lambda sub=sub: sub) for i, sub in enumerate(data["submissions"].values(), 1)]
        return JSONResponse(await _in_thread(check_agenda, plans, items, on))

    @app.get("/plan", summary="Planens metadata, niveauer, indsatstrappe og input")
    async def plan(request: Request, on: str | None = None) -> Response:
        plans = holder.plans
        version = plans.in_force(d) if (d := _date(on, "on")) else plans.latest
        return conditional(request, version.fingerprint, plans, lambda: JSONResponse(version.summary() | {"versions": [p.meta.version for p in plans.versions]}))

    @app.get("/plan/rendered", summary="Kompetenceplanen som dokument")
    async def rendered(request: Request, format: str = "markdown") -> Response:
        plans = holder.plans
        version = plans.latest
        if format not in ("markdown", "html"):
            raise CaseError("Ukendt format.", [Problem("format", "skal være markdown eller html.", "Brug ?format=html.")])
        if format == "html":
            from ..web.views import document_response

            # the pages' security and no-cache headers; the ETag lets a client ask again cheaply
            return conditional(request, version.fingerprint + "-html", plans, lambda: document_response(to_html(version)))
        return conditional(request, version.fingerprint, plans, lambda: PlainTextResponse(markdown(version), media_type="text/markdown; charset=utf-8"))

    @app.get("/schema/{kind}", summary="JSON Schema for case, submission, decision eller report")
    async def get_schema(request: Request, kind: str) -> Response:
        if kind not in KINDS:
            raise NotFound("Ukendt skema.", [Problem("kind", f"skal være en af {', '.join(KINDS)}.", "Brug fx /schema/case.")])
        plans = holder.plans
        return conditional(request, plans.latest.fingerprint, plans, lambda: JSONResponse(schema(kind, plans.latest)))

    @app.get("/problems/{slug}", summary="Hvad en fejltype (problem details: type) betyder")
    async def problem_type(slug: str) -> JSONResponse:
        kind = problems.TYPES.get(slug)
        if kind is None:
            raise NotFound("Ukendt fejltype.", [Problem("slug", f"skal være en af {', '.join(problems.TYPES)}.", "Brug værdien af type i en fejl, fx /problems/invalid-input.")])
        return JSONResponse({"type": kind.uri, "title": kind.title, "status": kind.status, "description": kind.description}, headers={"Cache-Control": "max-age=86400"})

    @app.get("/health", summary="Kører tjenesten, og hvilken plan bruger den?")
    async def health() -> JSONResponse:
        plans = holder.plans
        engine = durable_adapter.health()
        register: dict[str, Any] = {}
        status = engine["status"]
        if getattr(app.state, "register", None) is not None:
            from ..store.db import write_status

            # Degraded while the register cannot be written (read-only, a full disk, a lost connection).
            problem = await _in_thread(write_status, app.state.register.engine)
            register = {"register": {"status": "degraded", "problem": problem} if problem else {"status": "ok"}}
            status = "degraded" if problem else status
        return JSONResponse(
            {
                "status": status,
                **register,
                "plan": plans.latest.meta.id,
                "versions": [p.meta.version for p in plans.versions],
                "fingerprint": plans.latest.fingerprint,
                "fingerprints": fingerprints(plans),
                "reloads": holder.reloads,
                "failed_reloads": holder.failed_reloads,
                "engine": engine,
            }
        )

    if allow_reload:

        @app.post("/admin/reload", summary="Indlæs planen igen (kun med --allow-reload)")
        async def reload() -> JSONResponse:
            plans = await _in_thread(holder.reload)
            return JSONResponse({"status": "ok", "versions": [p.meta.version for p in plans.versions], "fingerprints": fingerprints(plans), "reloads": holder.reloads})

    from .. import web  # the HTML pages (kompetenceplan.web), left out of the OpenAPI description
    from .auth import router as auth_router

    app.include_router(web.router)
    app.include_router(auth_router)

    from .frister_api import create_router as frister_router  # deadlines and case events (issue 26)

    app.include_router(frister_router(lambda: holder.plans, lambda: getattr(app.state, "register", None)))
    if db_url is not None:  # the register and committee meetings (issue 13)
        from ..store.register import Register
        from .register_api import create_router

        app.state.register = Register(db_url)
        app.include_router(create_router(lambda: holder.plans, app.state.register))
        from sqlalchemy.exc import TimeoutError as PoolTimeout

        from ..store.db import pool_exhausted

        async def on_pool_timeout(request: Request, exc: Exception) -> Response:
            # no connection came free in time: the register is busy (503, the page or the problem)
            return await on_domain_error(request, pool_exhausted(app.state.register.engine.url))

        app.add_exception_handler(PoolTimeout, on_pool_timeout)
    _add_schemas_to_openapi(app, holder, sign_in is not None)
    if sign_in is not None:
        from starlette.middleware.sessions import SessionMiddleware

        from .auth import SESSION_COOKIE, session_secret

        # A signed cookie (HttpOnly always; SameSite=Lax, so it comes along when the provider
        # sends the browser back; Secure behind https). Its lifetime is the idle timeout: every
        # answer sends it again, and `Auth` checks the time of the last request itself.
        app.add_middleware(
            SessionMiddleware,
            secret_key=session_secret(),
            session_cookie=SESSION_COOKIE,
            max_age=sign_in.idle_minutes * 60,
            same_site="lax",
            https_only=sign_in.secure,
        )
        from urllib.parse import urlsplit

        from .guard import LOOPBACK_NAMES

        # the name in the public address is one the service answers to (behind the reverse proxy)
        allowed_hosts = (allowed_hosts if allowed_hosts is not None else LOOPBACK_NAMES) | {(urlsplit(sign_in.public_url).hostname or "").lower()}
    return Guard(app, max_body=max_body, allowed_hosts=allowed_hosts, body_timeout=body_timeout)


NOT_FOUND = NotFound("Stien findes ikke.", [Problem("sti", "tjenesten har ingen side eller ressource her.", "Se kontrakten på /openapi.json for API'ets stier.")])


def _allowed(app: FastAPI, request: Request) -> str:
    """Every method some route takes on the request's path (Starlette's 405 names only the first
    route's), HEAD wherever GET is (`guard.Guard`)."""
    from starlette.routing import Match

    from .permissions import app_routes

    methods = {method for method, _, route in app_routes(app) if route.matches(request.scope)[0] != Match.NONE}
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))


def _wants_html(request: Request) -> bool:
    """A person's browser (it asks for HTML first), not a case tool."""
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "json" not in accept


def _not_found_page(request: Request) -> Response:
    from ..web.views import not_found_page

    return not_found_page(request)


async def _in_thread(func: Any, *args: Any) -> Any:
    """Run a blocking library call in the worker thread pool (durable's sids are per call)."""
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(func, *args)


def _docs(response_kind: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {"description": "OK", "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{response_kind}"}}}},
        422: {"description": "Fejl i input: feltets sti og en dansk besked."},
        503: {"description": "Registerets database kunne ikke skrives eller læses; intet er gemt."},
        413: {"description": "Forespørgslen er for stor."},
        500: {"description": "Motorfejl; der er ikke truffet nogen afgørelse."},
    }


def _add_schemas_to_openapi(app: FastAPI, holder: PlanHolder, sign_in: bool) -> None:
    """/openapi.json is the exact contract for the plan in use (`contract.describe`), made
    again after a reload changes the plan; with a register, its operations are in it too."""
    from .contract import describe

    original = app.openapi
    cache: dict[str, dict[str, Any]] = {}

    def openapi() -> dict[str, Any]:
        plans = holder.plans
        key = "|".join(p.fingerprint for p in plans.versions)
        if key not in cache:
            app.openapi_schema = None
            cache.clear()
            parts = []
            if getattr(app.state, "register", None) is not None:
                from .register_api import CONTRACT

                parts.append(CONTRACT)
            cache[key] = describe(original(), plans, MAX_AGENDA, parts, sign_in)
        return cache[key]

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to replace the schema


def serve(
    plan_path: Path,
    host: str,
    port: int,
    allow_reload: bool,
    max_body: int,
    *,
    allowed_hosts: tuple[str, ...] = (),
    header_timeout: float = 10.0,
    body_timeout: float = 30.0,
    keep_alive: int = 5,
    max_connections: int = 200,
    access_log: bool = True,
    reload_settle: float = 0.5,
    db_url: str | None = None,
    sign_in: SignIn | None = None,
    workers: int = 1,
) -> None:
    """Run the service with uvicorn until interrupted. Without ``sign_in`` only a loopback
    address may be bound (the local user has every permission). ``workers`` > 1: that many
    processes on one address (`service.workers`)."""
    import uvicorn

    from .auth import check_sign_in, is_loopback, local_mode_refusal

    if sign_in is None and not is_loopback(host):
        raise local_mode_refusal(host)
    if sign_in is not None:
        check_sign_in(sign_in)
    if workers > 1:
        settings = {
            "plan_path": plan_path,
            "allow_reload": allow_reload,
            "max_body": max_body,
            "allowed_hosts": allowed_host_names(host, allowed_hosts),
            "body_timeout": body_timeout,
            "reload_settle": reload_settle,
            "db_url": db_url,
            "sign_in": sign_in,
            "access_log": access_log,
            "header_timeout": header_timeout,
            "max_connections": max_connections,
        }
        _serve_workers(settings, host, port, keep_alive, workers)
        return
    _log_to_stderr(access_log)
    app = create_app(
        plan_path,
        allow_reload=allow_reload,
        max_body=max_body,
        allowed_hosts=allowed_host_names(host, allowed_hosts),
        body_timeout=body_timeout,
        reload_settle=reload_settle,
        db_url=db_url,
        sign_in=sign_in,
    )
    if allow_reload:
        holder: PlanHolder = app.app.state.holder

        def reload_in_background() -> None:
            try:
                holder.reload()
                log.warning("planen er indlæst igen (%d)", holder.reloads)
            except PlanError as exc:
                log.error("planen kunne ikke indlæses igen; den gamle bruges stadig: %s", relative_paths(exc, holder.path)["title"])
            except Exception as exc:  # noqa: BLE001 - a reload must never take the server down
                log.error("planen kunne ikke indlæses igen (%s); den gamle bruges stadig", type(exc).__name__)

        def on_hup(signum: int, frame: Any) -> None:
            # Not in the signal handler itself: it runs inside the event loop, and an error
            # there would escape into uvicorn.
            threading.Thread(target=reload_in_background, name="reload", daemon=True).start()

        signal.signal(signal.SIGHUP, on_hup)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="info",
        server_header=False,
        access_log=False,  # uvicorn's access log has the query string; the Guard logs instead
        http=guarded_protocol(header_timeout, max_connections),
        timeout_keep_alive=keep_alive,
        limit_concurrency=max_connections,
    )


def _serve_workers(settings: dict[str, Any], host: str, port: int, keep_alive: int, workers: int) -> None:
    """``workers`` uvicorn processes sharing the socket (`service.workers`)."""
    import os
    import secrets

    import uvicorn

    from ..web.csrf import SECRET_ENV
    from .worker_settings import SETTINGS_ENV, write_settings

    if settings["allow_reload"]:
        raise PlanError(
            "--allow-reload kan ikke bruges med flere arbejdsprocesser.",
            [
                Problem(
                    "--workers",
                    "POST /admin/reload ville kun indlæse planen i én af processerne.",
                    "Indlæs planen i alle ved at sende SIGHUP til hovedprocessen (kill -HUP PID): den starter arbejderne igen én ad gangen.",
                )
            ],
        )
    load_plans(settings["plan_path"])  # a plan or register that cannot be used is refused here, once, not by every worker
    if settings["db_url"] is not None:
        from ..store.register import Register

        Register(settings["db_url"]).close()
    # A request can land in any worker: they sign sessions and forms with one secret.
    os.environ.setdefault(SECRET_ENV, secrets.token_urlsafe(32))
    os.environ[SETTINGS_ENV] = str(write_settings(settings))
    _log_to_stderr(settings["access_log"])
    uvicorn.run(
        "kompetenceplan.service.workers:app",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="info",
        server_header=False,
        access_log=False,
        http="kompetenceplan.service.workers:GuardedProtocol",
        timeout_keep_alive=keep_alive,
        limit_concurrency=settings["max_connections"],
    )


def _log_to_stderr(access_log: bool) -> None:
    service = logging.getLogger("kompetenceplan")
    if not service.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        service.addHandler(handler)
        service.setLevel(logging.INFO)
        service.propagate = False
    # By level, not ``disabled``: uvicorn's logging set-up (dictConfig) enables every logger again.
    logging.getLogger("kompetenceplan.access").setLevel(logging.INFO if access_log else logging.WARNING)


def generate(plan_path: Any, register: bool = False) -> dict[str, Any]:
    """The contract the service publishes for the plan folder ``plan_path`` (`contract.describe`);
    ``register``: as served with ``--db`` (the register and meeting operations included; the
    database itself is never opened)."""
    app = create_app(plan_path).app
    if register:
        from ..store.register import Register
        from .register_api import create_router

        app.state.register = Register("sqlite://", check=False)  # never connected: routes only
        app.include_router(create_router(lambda: app.state.holder.plans, app.state.register))
        app.openapi_schema = None
    return app.openapi()
