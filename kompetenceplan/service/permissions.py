"""Who may call which route: ONE table (`ROUTES`) and ONE dependency (`authorize`) that every
route of the app runs — web pages, the JSON API and the sign-in pages alike.

`create_app` gives the application `authorize` as a dependency, so FastAPI runs it before the
handler of every route (included routers too). It looks the matched route up in `ROUTES` by
method and path template, resolves the caller (`auth.Auth.actor`), puts the `Actor` on
``request.state.actor`` and checks the permission:

- a route not in the table is refused (fail-closed: a new route without a declared permission
  answers 403, and `tests/test_auth.py::TestEveryRoute` fails);
- nobody signed in: **401** (a web page redirects to sign-in; the JSON API answers with
  ``WWW-Authenticate: Bearer``);
- the actor lacks the permission: **403**, saying in Danish what is missing;
- both are logged by route template, permission and roles — never a name, an id or a value.

Library functions that write also call ``actor.require(...)`` (the same verbs), so a route's
check and the library's agree.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from ..actor import PERMISSIONS, Actor, PermissionDenied
from ..errors import Problem
from . import problems
from .auth import Auth, NotSignedIn, remember_next

log = logging.getLogger("kompetenceplan.auth")

#: A route anybody may call (sign-in itself, health checks, the API description and its error
#: types, static files).
PUBLIC = ""

#: (method, path template) → the permission it needs (a verb of `actor.PERMISSIONS`) or PUBLIC.
ROUTES: dict[tuple[str, str], str] = {
    # public: sign-in, health, the contract, static files
    ("GET", "/health"): PUBLIC,
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/problems/{slug}"): PUBLIC,  # what an error's type means (RFC 9457)
    ("GET", "/static/{name}"): PUBLIC,
    ("GET", "/favicon.ico"): PUBLIC,
    ("GET", "/logind"): PUBLIC,
    ("GET", "/logind/svar"): PUBLIC,
    ("POST", "/logud"): PUBLIC,
    ("GET", "/logget-ud"): PUBLIC,
    # the JSON API: routing, documentation check, the plan
    ("POST", "/route"): "route",
    ("POST", "/validate"): "write_submission",
    ("POST", "/validate/agenda"): "write_submission",
    ("GET", "/plan"): "read_plan",
    ("GET", "/plan/rendered"): "read_plan",
    ("GET", "/schema/{kind}"): "read_plan",
    ("POST", "/admin/reload"): "reload_plan",
    # the JSON API: register and meetings (serve --db)
    ("POST", "/register/route"): "save_routing",
    ("POST", "/register/decisions"): "record_decision",
    ("GET", "/register/decisions"): "read_register",
    ("POST", "/meetings"): "manage_meetings",
    ("GET", "/meetings"): "read_register",
    ("POST", "/meetings/{meeting_id}/items"): "manage_meetings",
    ("GET", "/meetings/{meeting_id}/agenda"): "read_register",
    ("POST", "/meetings/{meeting_id}/agenda/send"): "manage_meetings",
    ("POST", "/meetings/{meeting_id}/items/{number}/outcome"): "record_outcome",
    ("GET", "/meetings/{meeting_id}/minutes"): "read_register",
    # the JSON API: deadlines and case events (issue 26)
    ("POST", "/deadlines"): "read_deadlines",
    ("POST", "/deadlines/events"): "record_event",
    ("GET", "/deadlines/cases/{case_ref}/events"): "read_deadlines",
    ("GET", "/deadlines/rules"): "read_plan",
    # web pages
    ("GET", "/"): "read_plan",
    ("GET", "/hvem-skal-afgoere"): "route",
    ("POST", "/hvem-skal-afgoere"): "route",
    ("POST", "/hvem-skal-afgoere/svar"): "route",
    ("POST", "/hvem-skal-afgoere/gem"): "save_routing",
    ("GET", "/indstilling"): "write_submission",
    ("POST", "/indstilling"): "write_submission",
    ("GET", "/moede"): "read_register",
    ("POST", "/moede"): "manage_meetings",
    ("GET", "/moede/{meeting_id}"): "read_register",
    ("POST", "/moede/{meeting_id}/send"): "manage_meetings",
    ("POST", "/moede/{meeting_id}/punkt/{number}"): "record_outcome",
    ("GET", "/moede/{meeting_id}/dagsorden"): "read_register",
    ("GET", "/moede/{meeting_id}/referat"): "read_register",
    ("POST", "/moede/tilfoej"): "manage_meetings",
    # issue 25: the indstilling as a form, drafts, withdrawn items, attendees, PDFs, one checklist form per case
    ("GET", "/indstilling/ny"): "write_submission",
    ("POST", "/indstilling/ny"): "write_submission",
    ("POST", "/indstilling/tjek"): "write_submission",
    ("GET", "/indstilling/kladde/{key}"): "write_submission",
    ("POST", "/indstilling/kladde/{key}"): "write_submission",
    ("POST", "/indstilling/kladde/{key}/moede"): "manage_meetings",
    ("POST", "/moede/{meeting_id}/kladde"): "manage_meetings",
    ("POST", "/moede/{meeting_id}/punkt/{number}/tilbagetraek"): "manage_meetings",
    ("POST", "/moede/{meeting_id}/deltagere"): "record_outcome",
    ("GET", "/moede/{meeting_id}/dagsorden.pdf"): "read_register",
    ("GET", "/moede/{meeting_id}/referat.pdf"): "read_register",
    ("POST", "/tilsyn/{quarter}/sag/{position}"): "answer_checklist",
    ("GET", "/tilsyn"): "read_reports",
    ("POST", "/tilsyn"): "draw_sample",
    ("GET", "/tilsyn/{quarter}"): "read_reports",
    ("GET", "/tilsyn/{quarter}/rapport"): "read_reports",
    ("GET", "/oekonomi"): "read_reports",
    ("GET", "/frister"): "read_deadlines",
    ("POST", "/frister/arbejdsliste"): "read_deadlines",
    ("POST", "/frister/ny-haendelse"): "record_event",
    ("GET", "/kompetenceplan"): "read_plan",
    ("GET", "/kompetenceplan/dokumentation"): "read_plan",
    ("GET", "/kompetenceplan/aendringer"): "read_plan",
    ("GET", "/admin/adgangslog"): "read_access_log",
    ("POST", "/admin/adgangslog"): "read_access_log",
}

# A route whose permission no role can hold would be closed to everyone, or a typo open a hole: refuse to start.
if not all(p == PUBLIC or p in PERMISSIONS for p in ROUTES.values()):
    raise RuntimeError("ROUTES names a permission actor.PERMISSIONS lacks")


def app_routes(app: Any) -> list[tuple[str, str, Any]]:
    """Every (method, path template, route) the FastAPI ``app`` serves, included routers too
    (FastAPI keeps an included router as one entry: walked here). HEAD is GET's."""
    from fastapi.routing import APIRoute

    found: list[tuple[str, str, Any]] = []

    def walk(routes: list[Any]) -> None:
        for route in routes:
            if isinstance(route, APIRoute):
                found.extend((method, route.path, route) for method in sorted((route.methods or set()) - {"HEAD"}))
            elif hasattr(route, "original_router"):
                walk(list(route.original_router.routes))

    walk(list(app.routes))
    return found


class RouteNotDeclared(PermissionDenied):
    """A route missing from `ROUTES`: refused for everybody (a programming error, fail-closed)."""


def _template(request: Request) -> str:
    route = request.scope.get("route")
    return str(getattr(route, "path", "") or "-")


def is_page(request: Request) -> bool:
    """Whether the matched route is a web page for people (left out of the API contract)."""
    route = request.scope.get("route")
    return not bool(getattr(route, "include_in_schema", True))


async def authorize(request: Request) -> None:
    """The one permission check of every route (see the module docstring)."""
    method = "GET" if request.method == "HEAD" else request.method
    template = _template(request)
    permission = ROUTES.get((method, template))
    auth: Auth = request.app.state.auth
    if permission == PUBLIC:
        try:
            request.state.actor = await auth.actor(request)
        except NotSignedIn:
            request.state.actor = None
        return
    if permission is None:
        log.error("ruten %s %s har ingen rettighed i service.permissions.ROUTES; afvist", method, template)
        raise RouteNotDeclared(
            "Siden er ikke sat op til adgangskontrol.", [Problem("adgang", "siden har ingen rettighed i tabellen over ruter.", "Kontakt systemets ejer: ruten skal tilføjes i service/permissions.py.")]
        )
    actor = await auth.actor(request)
    request.state.actor = actor
    if actor is None:
        raise NotSignedIn("du er ikke logget ind")
    actor.require(permission)


def current_actor(request: Request) -> Actor:
    """The signed-in actor of this request (a dependency for handlers; `authorize` has run)."""
    actor = getattr(request.state, "actor", None)
    if actor is None:
        raise NotSignedIn("du er ikke logget ind")
    if not isinstance(actor, Actor):  # only `authorize` sets it
        raise RuntimeError("the request's actor is not an Actor")
    return actor


# -- the answers --------------------------------------------------------------------------------------


def _wants_json(request: Request) -> bool:
    return not is_page(request) or "application/json" in request.headers.get("accept", "")


def _cid(request: Request) -> str:
    return str(getattr(request.state, "correlation_id", ""))


async def on_not_signed_in(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, NotSignedIn):  # registered for NotSignedIn only
        raise exc
    log.warning("ikke logget ind: %s %s (%s); korrelations-id %s", request.method, _template(request), exc.reason, _cid(request))
    if is_page(request) and not _wants_json(request):
        remember_next(request)
        return RedirectResponse("/logind", status_code=303)
    challenge = {"WWW-Authenticate": 'Bearer realm="kompetenceplan"', "Cache-Control": "no-store"}
    if is_page(request):  # the pages' scripts read {"ok": false, "message": …}
        body = {"ok": False, "message": "Du er ikke logget ind (eller er logget ud efter for lang tids inaktivitet). Genindlæs siden, og log ind."}
        return JSONResponse(body, status_code=401, headers=challenge)
    problem = Problem("Authorization", f"{exc.reason}.", "Log ind, eller send et gyldigt adgangstoken fra kommunens login-tjeneste: Authorization: Bearer <token>.")
    return problems.response(problems.simple("not-signed-in", "NotSignedIn", "Du er ikke logget ind.", problem, _cid(request)), challenge)


async def on_permission_denied(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, PermissionDenied):  # registered for PermissionDenied only
        raise exc
    actor = getattr(request.state, "actor", None)
    roles = ", ".join(sorted(actor.roles)) if isinstance(actor, Actor) else "-"
    kind = actor.kind if isinstance(actor, Actor) else "-"
    missing = ROUTES.get(("GET" if request.method == "HEAD" else request.method, _template(request)), "ukendt")
    log.warning("adgang nægtet: %s %s kræver %s; roller: %s (%s); korrelations-id %s", request.method, _template(request), missing or "-", roles or "ingen", kind, _cid(request))
    what = " ".join(f"{p.what} {p.fix}" for p in exc.problems)
    if is_page(request) and not _wants_json(request):
        from ..web.views import _render

        return _render(request, "message.html", "", status=403, title="Ingen adgang", message=what)
    if is_page(request):
        return JSONResponse({"ok": False, "message": what}, status_code=403, headers={"Cache-Control": "no-store"})
    return problems.response(problems.from_error(exc, _cid(request)))
