"""Writing the adgangslog from a request: who (``request.state.actor``, set by the service's
permission check), which route (its template, never the raw path), which channel (a page or the
JSON API) and from which address. The rows themselves: `kompetenceplan.store.access_log`.

Reads are logged before the data leaves the service (a read that cannot be logged is not
answered); writes after the library has stored them. Without a register nothing is logged
(nothing of a case is kept)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import Request

from ..actor import Actor


def log_case_access(request: Request, action: str, subject: str, case_refs: Iterable[str]) -> None:
    """One adgangslog row per case reference (blocking: call it in the worker thread pool)."""
    register = getattr(request.app.state, "register", None)
    actor = getattr(request.state, "actor", None)
    if register is None or not isinstance(actor, Actor):
        return
    from ..store import access_log

    route: Any = request.scope.get("route")
    channel: access_log.Channel = "api" if getattr(route, "include_in_schema", True) else "web"
    access_log.record(
        register.engine,
        actor,
        "ændret" if action == "ændret" else "læst",
        subject,
        case_refs,
        route=str(getattr(route, "path", "-")),
        channel=channel,
        client_address=request.client.host if request.client else None,
    )
