"""Sign-in: who is calling, resolved at the edge into an `Actor` (docs/security.md).

Three ways, one answer (`Auth.actor`):

- **Local** (no ``--oidc-issuer``): the operating-system user of a one-person installation,
  with every permission (`kompetenceplan.actor.local_actor`). `serve` then binds loopback only.
- **A person** signs in with OpenID Connect (authorization code flow with PKCE, through
  Authlib's Starlette client): the provider's discovery document and keys, the ID token checked
  (signature, issuer, audience, nonce, expiry), the groups claim mapped to roles by the roles
  file (`auth_roles`). The session is a signed cookie (``kp_session``: HttpOnly, SameSite=Lax,
  Secure when the public address is https) holding the person's id, name and roles; it ends
  after ``idle_minutes`` without a request and after ``max_hours`` in any case. Logout clears it
  and, when the provider offers it, ends the provider's session too (RP-initiated logout).
- **A case tool** sends ``Authorization: Bearer <access token>`` from the same provider
  (OAuth2 client credentials), checked by `auth_tokens.TokenValidator`; a service account has
  the roles the roles file gives its client id.

The client secret comes from ``KOMPETENCEPLAN_OIDC_CLIENT_SECRET`` or a file
(``--oidc-client-secret-file``), never from the command line (where `ps` shows it).
"""

from __future__ import annotations

import ipaddress
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ..actor import PERMISSIONS, Actor, local_actor
from ..errors import KompetenceplanError, Problem
from .auth_roles import Roles
from .auth_tokens import ALGORITHMS, InvalidToken, TokenValidator, _header

log = logging.getLogger("kompetenceplan.auth")

SECRET_ENV = "KOMPETENCEPLAN_OIDC_CLIENT_SECRET"  # noqa: S105 - the variable's name; the secret is in the environment
SESSION_COOKIE = "kp_session"
CLIENT_NAME = "kommune"  # the provider's name in Authlib's registry
SIGNED_IN, CALLBACK, SIGN_OUT, SIGNED_OUT = "/logind", "/logind/svar", "/logud", "/logget-ud"


class SignInError(KompetenceplanError):
    """The sign-in configuration cannot be used (`serve` exits with code 2)."""


class NotSignedIn(Exception):
    """No valid session or token (HTTP 401; a web page redirects to sign-in). ``reason`` is
    Danish and holds no value from the request."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SignIn:
    """`serve --oidc-issuer … --oidc-client-id …`: the provider and how to use it."""

    issuer: str
    client_id: str
    client_secret: str
    roles: Roles
    public_url: str
    audience: str = ""  # the ``aud`` bearer tokens must carry; default: the public URL
    scope: str = "openid profile"
    idle_minutes: int = 30
    max_hours: int = 10

    @property
    def token_audience(self) -> str:
        return self.audience or self.public_url

    @property
    def secure(self) -> bool:
        return self.public_url.startswith("https://")


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a name or address of this machine only."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def read_client_secret(secret_file: Path | None) -> str:
    """The client secret: the file's first line when ``secret_file`` is given, else the
    environment variable. Never from the command line."""
    if secret_file is not None:
        try:
            text = secret_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SignInError(
                "Klienthemmeligheden kan ikke læses.", [Problem("--oidc-client-secret-file", f"filen kan ikke læses ({type(exc).__name__}).", "Angiv en fil, tjenesten kan læse.")]
            ) from None
        secret = text.strip().splitlines()[0].strip() if text.strip() else ""
        where = "--oidc-client-secret-file"
    else:
        secret = os.environ.get(SECRET_ENV, "").strip()
        where = SECRET_ENV
    if not secret:
        raise SignInError(
            "Klienthemmeligheden mangler.",
            [Problem(where, "er tom eller ikke sat.", f"Sæt miljøvariablen {SECRET_ENV}, eller angiv --oidc-client-secret-file FIL (aldrig hemmeligheden selv på kommandolinjen).")],
        )
    return secret


def check_sign_in(config: SignIn) -> None:
    """Refuse a configuration that would be unsafe: an issuer or public address over plain
    http anywhere but on this machine."""
    problems = []
    for option, url in (("--oidc-issuer", config.issuer), ("--public-url", config.public_url)):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            problems.append(Problem(option, "er ikke en http(s)-adresse.", "Skriv fx https://login.kommune.dk/realms/kommune."))
        elif parts.scheme == "http" and not is_loopback(parts.hostname):
            problems.append(Problem(option, "bruger http uden TLS til en anden maskine.", "Brug https:// (bag en reverse proxy med TLS for tjenesten selv)."))
    if problems:
        raise SignInError("Login er ikke sat sikkert op.", problems)


def local_mode_refusal(host: str) -> SignInError:
    """The refusal when ``serve`` without sign-in is asked to bind another address than loopback."""
    return SignInError(
        "Tjenesten kan kun lytte på andre adresser end denne maskine med login slået til.",
        [
            Problem(
                "--host",
                "uden login kører tjenesten som den lokale bruger med alle roller, så den må kun lytte på 127.0.0.1 (eller ::1).",
                f"Start med --host 127.0.0.1, eller slå login til: --oidc-issuer URL --oidc-client-id ID --public-url URL og klienthemmeligheden i {SECRET_ENV} (docs/security.md).",
            )
        ],
    )


class Auth:
    """The service's sign-in (``None`` configuration: the local user)."""

    def __init__(self, config: SignIn | None, validator: TokenValidator | None = None) -> None:
        self.config = config
        self.local = local_actor() if config is None else None
        self.oauth: Any = None
        self.tokens: TokenValidator | None = None
        if config is not None:
            from authlib.integrations.starlette_client import OAuth

            self.oauth = OAuth()
            self.oauth.register(
                name=CLIENT_NAME,
                client_id=config.client_id,
                client_secret=config.client_secret,
                server_metadata_url=f"{config.issuer.rstrip('/')}/.well-known/openid-configuration",
                client_kwargs={"scope": config.scope, "code_challenge_method": "S256"},
            )
            self.tokens = validator or TokenValidator(config.issuer, config.token_audience)

    @property
    def signs_in(self) -> bool:
        return self.config is not None

    @property
    def client(self) -> Any:
        return getattr(self.oauth, CLIENT_NAME)

    async def actor(self, request: Request) -> Actor | None:
        """Who is calling (None: nobody signed in). Raises `NotSignedIn` for a bearer token that
        is not accepted and for a session that has run out."""
        if self.config is None:
            return self.local
        header = request.headers.get("authorization")
        if header is not None:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise NotSignedIn("Authorization-headeren skal være 'Bearer <token>'")
            return await run_in_threadpool(self._token_actor, token.strip())
        return self._session_actor(request)

    def _token_actor(self, token: str) -> Actor:
        if self.tokens is None or self.config is None:  # `actor` reads a token only with sign-in configured
            raise RuntimeError("a bearer token was read without sign-in configured")
        try:
            claims = self.tokens.validate(token)
        except InvalidToken as exc:
            raise NotSignedIn(exc.reason) from None
        roles = self.config.roles
        subject = str(claims["sub"])
        client = claims.get("client_id") or claims.get("azp") or claims.get("appid")
        if client is not None and client == subject:  # client credentials: the token is the client's own (RFC 9068)
            return roles.service(subject)
        name = claims.get(roles.name_claim)
        return roles.person(subject, name if isinstance(name, str) else subject, roles.groups_of(claims))

    def _session_actor(self, request: Request) -> Actor | None:
        if self.config is None:  # `actor` reads a session only with sign-in configured
            raise RuntimeError("a session was read without sign-in configured")
        session = request.session
        who = session.get("actor")
        if not isinstance(who, dict):
            return None
        now = time.time()
        seen, since = session.get("seen", 0), session.get("since", 0)
        if now - seen > self.config.idle_minutes * 60 or now - since > self.config.max_hours * 3600:
            session.clear()
            raise NotSignedIn(f"du er logget ud efter {self.config.idle_minutes} minutter uden aktivitet")
        session["seen"] = int(now)
        roles = frozenset(r for r in who.get("roles", []) if r in self.config.roles.permissions)
        permissions = frozenset(p for r in roles for p in self.config.roles.permissions[r] if p in PERMISSIONS)
        return Actor(id=str(who["id"]), name=str(who["name"]), kind="person", roles=roles, permissions=permissions)


def session_secret() -> str:
    """The key that signs the session cookie: ``KOMPETENCEPLAN_WEB_SECRET`` (shared by the
    replicas behind one address), else random per process (sessions end with a restart)."""
    import secrets

    from ..web.csrf import SECRET_ENV as WEB_SECRET_ENV

    return os.environ.get(WEB_SECRET_ENV) or secrets.token_urlsafe(32)


# -- the sign-in routes ------------------------------------------------------------------------------

router = APIRouter(include_in_schema=False)


def _auth(request: Request) -> Auth:
    auth: Auth = request.app.state.auth
    return auth


def _safe_next(path: str | None) -> str:
    """Only a path on this site (never another host: no open redirect)."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


def remember_next(request: Request) -> None:
    """Where to go after sign-in: the page that asked for it (GET only; a form is posted again by hand)."""
    if _auth(request).signs_in and request.method == "GET":
        request.session["next"] = _safe_next(request.url.path)


@router.get(SIGNED_IN)
async def sign_in(request: Request) -> Response:
    auth = _auth(request)
    if auth.config is None:
        return RedirectResponse("/", status_code=303)
    next_page = request.session.get("next", "/")
    request.session.clear()
    request.session["next"] = _safe_next(next_page)
    try:
        response: Response = await auth.client.authorize_redirect(request, f"{auth.config.public_url.rstrip('/')}{CALLBACK}")
    except Exception as exc:  # noqa: BLE001 - the provider cannot be reached: a page, not a 500
        log.error("login kunne ikke startes: udbyderen svarede ikke (%s)", type(exc).__name__)
        return _message(request, 503, "Login er ikke muligt lige nu", "Kommunens login-tjeneste svarer ikke. Prøv igen om lidt, eller kontakt it-afdelingen.")
    return response


@router.get(CALLBACK)
async def callback(request: Request) -> Response:
    auth = _auth(request)
    if auth.config is None:
        return RedirectResponse("/", status_code=303)
    try:
        token = await auth.client.authorize_access_token(request)
        if _header(token["id_token"]).get("alg") not in ALGORITHMS:
            raise InvalidToken("id-tokenets algoritme er ikke tilladt")
        claims = dict(token.get("userinfo") or {})
        roles = auth.config.roles
        if roles.groups_claim not in claims or roles.name_claim not in claims:
            # Many providers put profile and group claims in the userinfo answer only.
            info = await auth.client.userinfo(token=token)
            if info.get("sub") == claims.get("sub"):
                claims = {**dict(info), **claims}
    except Exception as exc:  # noqa: BLE001 - OAuthError, a state mismatch, a bad token, the provider gone
        log.warning("login afvist (%s)", type(exc).__name__)
        return _message(request, 400, "Login mislykkedes", "Login kunne ikke gennemføres (det kan være for gammelt eller afbrudt). Prøv at logge ind igen.")
    name = claims.get(roles.name_claim)
    actor = roles.person(str(claims["sub"]), name if isinstance(name, str) else str(claims["sub"]), roles.groups_of(claims))
    next_page = _safe_next(request.session.get("next"))
    request.session.clear()  # nothing from before sign-in survives it
    now = int(time.time())
    request.session.update({"actor": {"id": actor.id, "name": actor.name, "roles": sorted(actor.roles)}, "seen": now, "since": now, "id_token": token.get("id_token", "")})
    log.info("logget ind (roller: %s)", ", ".join(sorted(actor.roles)) or "ingen")
    return RedirectResponse(next_page, status_code=303)


@router.post(SIGN_OUT)
async def sign_out(request: Request) -> Response:
    from ..web.views import Refused, _form

    auth = _auth(request)
    try:
        await _form(request)  # the same CSRF check as every form
    except Refused as exc:
        return _message(request, exc.status, "Du er ikke logget ud", exc.message)
    if auth.config is None:
        return _message(request, 200, "Lokal bruger", "Tjenesten kører uden login som den lokale bruger; der er ikke noget at logge ud af.")
    id_token = request.session.get("id_token")
    request.session.clear()
    target = f"{auth.config.public_url.rstrip('/')}{SIGNED_OUT}"
    try:
        metadata = await auth.client.load_server_metadata()
        if metadata.get("end_session_endpoint"):
            logout = await auth.client.create_logout_url(post_logout_redirect_uri=target, id_token_hint=id_token or None, client_id=auth.config.client_id)
            return RedirectResponse(logout["url"], status_code=303)
    except Exception as exc:  # noqa: BLE001 - the local session is gone either way
        log.warning("udbyderens logout kunne ikke startes (%s)", type(exc).__name__)
    return RedirectResponse(SIGNED_OUT, status_code=303)


@router.get(SIGNED_OUT)
async def signed_out(request: Request) -> Response:
    return _message(request, 200, "Du er logget ud", "Du er logget ud af kompetenceplanen. Luk browseren, hvis du deler computeren med andre.", link=(SIGNED_IN, "Log ind igen"), notice=True)


def _message(request: Request, status: int, title: str, message: str, link: tuple[str, str] = ("/", "Til forsiden"), notice: bool = False) -> Response:
    from ..web.views import _render

    return _render(request, "message.html", "", status=status, title=title, message=message, link=link, notice=notice)
