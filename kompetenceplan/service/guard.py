"""What stands between the network and the service: one ASGI middleware and one h11 protocol.

`Guard` (ASGI, around the whole app), in this order:

- a correlation id per request (``X-Correlation-Id``; in error bodies and the log): the
  client's own (``X-Correlation-Id`` or ``X-Request-Id``, 1–64 letters, digits and ``._:-``,
  never shaped like a CPR number), else the trace id of a W3C ``traceparent``, else a new one;
  a valid ``traceparent`` is kept and sent back unchanged, so a case tool's trace goes through;
- ``HEAD`` is answered wherever ``GET`` is: the same status and headers, no body;
- ``Host`` must be one of the names the service is bound to (DNS rebinding): else 400;
- a request with a body must be ``application/json`` (a cross-site form or ``text/plain``
  POST cannot be, without a CORS preflight the service never answers): else 415;
- the body is read here, once, up to ``max_body`` bytes (413 above, also when chunked) and
  within ``body_timeout`` seconds (408); the app gets it replayed. This is the only body limit;
- a client that disconnects is not an error: nothing is answered and nothing is logged;
- an unexpected exception is logged by type and correlation id only (never a traceback: its
  frames hold the request), and answered with a 500 that carries the correlation id;
- every refusal here is a problem details document (`service.problems`), like the app's;
- the access log names the method, the route template (``/schema/{kind}``, never the raw
  path or query string), the status, the time and the correlation id.

`guarded_protocol` (uvicorn's h11 protocol) closes a connection that has not sent a complete
request head within ``header_timeout`` seconds (idle and slow-header connections) and refuses
connections above ``max_connections``, so idle clients cannot use up file descriptors.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from typing import Any

from ..errors import Problem
from ..store.privacy import CPR_SHAPED
from . import problems as problem_details

log = logging.getLogger("kompetenceplan.service.app")
access = logging.getLogger("kompetenceplan.access")

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
#: The wildcard addresses (every interface): never a Host name a request may use.
ALL_INTERFACES = frozenset({"0.0.0.0", "::"})  # noqa: S104 - recognised here, bound by no one
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: A client's correlation id we keep: short, plain characters (it is logged).
CORRELATION_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
#: W3C Trace Context: version 00, a 32-hex trace id and a 16-hex parent id (neither all zeros), flags.
TRACEPARENT = re.compile(r"00-(?!0{32})([0-9a-f]{32})-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}")


def correlation_of(headers: dict[bytes, bytes]) -> tuple[str, bytes | None]:
    """The request's correlation id and its ``traceparent`` to send back (None: none valid)."""
    trace = headers.get(b"traceparent", b"").decode("latin-1").strip().lower()
    found = TRACEPARENT.fullmatch(trace)
    for name in (b"x-correlation-id", b"x-request-id"):
        given = headers.get(name, b"").decode("latin-1").strip()
        if CORRELATION_ID.fullmatch(given) and not CPR_SHAPED.search(given):
            return given, trace.encode() if found else None
    if found:
        return found.group(1), trace.encode()
    return uuid.uuid4().hex[:12], None


def allowed_host_names(bind: str, extra: tuple[str, ...] = ()) -> frozenset[str]:
    """The Host names a request may use: the bound address (all loopback names when it is a
    loopback address) and any names given with ``--allowed-host``."""
    names = {bind.strip("[]").lower(), *(h.strip("[]").lower() for h in extra)}
    if names & LOOPBACK_NAMES or bind in ALL_INTERFACES:
        names |= LOOPBACK_NAMES
    names -= ALL_INTERFACES
    return frozenset(names)


def host_name(header: str) -> str:
    """The name in a Host header, without the port ("[::1]:8000" → "::1")."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].partition("]")[0]
    return header.rpartition(":")[0] if header.count(":") == 1 else header


def _body(status: int, error: str, title: str, where: str, what: str, fix: str, cid: str) -> tuple[int, bytes]:
    """A refusal of the guard's own as a problem details document."""
    doc = problem_details.simple(problem_details.HTTP_STATUS.get(status, "internal"), error, title, Problem(where, what, fix), cid)
    return status, problem_details.encoded(doc)


class Guard:
    """ASGI middleware; see the module docstring."""

    def __init__(
        self,
        app: Any,
        *,
        max_body: int,
        allowed_hosts: frozenset[str] | None = None,
        body_timeout: float = 30.0,
        form_prefixes: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.allowed_hosts = allowed_hosts if allowed_hosts is not None else LOOPBACK_NAMES
        self.body_timeout = body_timeout
        self.form_prefixes = form_prefixes  # paths that take HTML forms (must carry their own CSRF token)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cid, trace = correlation_of(dict(scope.get("headers") or []))
        scope.setdefault("state", {})["correlation_id"] = cid
        method = scope["method"]
        if method == "HEAD":  # answered as GET, without the body
            scope = {**scope, "method": "GET"}
        started = time.perf_counter()
        status = [0]
        echo = [(b"x-correlation-id", cid.encode())] + ([(b"traceparent", trace)] if trace else [])

        async def send_with_id(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                message = {**message, "headers": [*message.get("headers", []), *echo]}
            elif message["type"] == "http.response.body" and method == "HEAD":
                message = {**message, "body": b""}
            await send(message)

        try:
            refusal = self._refusal(scope, cid)
            if refusal is not None:
                await _respond(send_with_id, *refusal)
                return
            replay = receive
            if scope["method"] in BODY_METHODS:
                body = await self._read_body(scope, receive, send_with_id, cid)
                if body is None:
                    return  # answered (413/408) or the client went away
                replay = _replay(body, receive)
            try:
                await self.app(scope, replay, send_with_id)
            except Exception as exc:  # noqa: BLE001 - the one place that turns a bug into a 500
                log.error("uventet fejl %s (korrelations-id %s)", type(exc).__name__, cid)
                if status[0] == 0:
                    await _respond(
                        send_with_id,
                        *_body(500, "InternalError", "Uventet fejl; der er ikke truffet nogen afgørelse.", "tjenesten", "en uventet fejl.", f"Oplys korrelations-id {cid} til systemets ejer.", cid),
                    )
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "-"
            access.info("%s %s %s %.1f ms %s", method, template, status[0] or "-", (time.perf_counter() - started) * 1000, cid)

    def _routed(self, scope: dict[str, Any]) -> bool:
        """Whether a JSON route of the wrapped app takes this method on this path (True if
        unknown). The HTML pages are left out of the API contract (``include_in_schema=False``)
        and check their own form content types and CSRF tokens (`kompetenceplan.web`)."""
        routes = getattr(self.app, "routes", None)
        if routes is None:
            return True
        from starlette.routing import Match

        return any(route.matches(scope)[0] == Match.FULL and _in_contract(route) for route in routes)

    def _refusal(self, scope: dict[str, Any], cid: str) -> tuple[int, bytes] | None:
        headers = dict(scope.get("headers") or [])
        host = headers.get(b"host", b"").decode("latin-1")
        if host_name(host) not in self.allowed_hosts:
            return _body(
                400,
                "BadHost",
                "Ukendt værtsnavn.",
                "Host",
                "forespørgslen er ikke sendt til et navn, tjenesten lytter på.",
                "Brug tjenestens adresse, fx 127.0.0.1, eller start den med --allowed-host NAVN.",
                cid,
            )
        form = bool(self.form_prefixes) and scope["path"].startswith(self.form_prefixes)
        # Only a request a JSON route will take must be JSON; any other method or path reaches the
        # router and gets 405/404 (what an API client expects), still under the body limit.
        if scope["method"] in BODY_METHODS and not form and self._routed(scope):
            kind = headers.get(b"content-type", b"").decode("latin-1").partition(";")[0].strip().lower()
            if kind != "application/json":
                return _body(415, "UnsupportedMediaType", "Forespørgslen skal være JSON.", "Content-Type", "skal være application/json.", "Send headeren Content-Type: application/json.", cid)
        return None

    async def _read_body(self, scope: dict[str, Any], receive: Any, send: Any, cid: str) -> bytes | None:
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            await _respond(send, *self._too_large(cid))
            return None
        chunks: list[bytes] = []
        size = 0
        deadline = asyncio.get_running_loop().time() + self.body_timeout
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            try:
                message = await asyncio.wait_for(receive(), timeout=max(remaining, 0.001))
            except TimeoutError:
                await _respond(
                    send,
                    *_body(
                        408,
                        "RequestTimeout",
                        "Forespørgslen kom ikke frem i tide.",
                        "body",
                        f"blev ikke modtaget inden for {self.body_timeout:g} sekunder.",
                        "Send hele forespørgslen på én gang.",
                        cid,
                    ),
                )
                return None
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                await _respond(send, *self._too_large(cid))
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    def _too_large(self, cid: str) -> tuple[int, bytes]:
        return _body(413, "BodyTooLarge", "Forespørgslen er for stor.", "body", f"er større end {self.max_body} bytes.", "Send én sag eller indstilling ad gangen, eller del dagsordenen op.", cid)


def _replay(body: bytes, receive: Any) -> Any:
    sent = False

    async def replay() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: wait for a disconnect

    return replay


async def _respond(send: Any, status: int, body: bytes) -> None:
    headers = [(b"content-type", problem_details.MEDIA_TYPE.encode()), (b"content-length", str(len(body)).encode()), (b"cache-control", b"no-store")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def guarded_protocol(header_timeout: float, max_connections: int) -> type:
    """uvicorn's h11 protocol with a request-head timeout and a connection cap."""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class GuardedH11Protocol(H11Protocol):
        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._head_timer: asyncio.TimerHandle | None = None
            if len(self.connections) > max_connections:
                _warn_once("for mange forbindelser; nye afvises")
                transport.close()
                return
            self._arm()

        def _arm(self) -> None:
            self._disarm()
            self._head_timer = self.loop.call_later(header_timeout, self._head_timeout)

        def _disarm(self) -> None:
            timer = getattr(self, "_head_timer", None)
            if timer is not None:
                timer.cancel()
                self._head_timer = None

        def _in_request(self) -> bool:
            return self.cycle is not None and not self.cycle.response_complete

        def _head_timeout(self) -> None:
            self._head_timer = None
            if not self._in_request() and not self.transport.is_closing():
                self.transport.close()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self._in_request():
                self._disarm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

    return GuardedH11Protocol


_warned: dict[str, float] = {}


def _warn_once(text: str, every_s: float = 60.0) -> None:
    """A warning at most once a minute: a flood of refused connections must not flood the log."""
    now = time.monotonic()
    if now - _warned.get(text, -every_s) >= every_s:
        _warned[text] = now
        log.warning(text)


def _in_contract(route: Any) -> bool:
    """Whether a route belongs to the JSON API (an included router carries the flag itself)."""
    flag = getattr(route, "include_in_schema", None)
    if flag is None:
        flag = getattr(getattr(route, "original_router", None), "include_in_schema", True)
    return bool(flag)
