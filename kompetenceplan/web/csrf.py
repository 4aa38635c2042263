"""CSRF protection for the pages' forms: a signed double-submit token.

The token is a random nonce and its HMAC under a server secret. It is sent twice: in a cookie
(HttpOnly, SameSite=Strict) and in a hidden form field. A POST is accepted only when both are
present, equal and correctly signed, and when a browser's ``Origin`` header (if sent) names this
host. Another site can neither read the cookie nor forge the signature. The secret is random per
process unless ``KOMPETENCEPLAN_WEB_SECRET`` is set (needed when several replicas serve one site).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from urllib.parse import urlsplit

COOKIE = "kp_csrf"
FIELD = "csrf"
SECRET_ENV = "KOMPETENCEPLAN_WEB_SECRET"  # noqa: S105 - the environment variable's name, not a secret


class Csrf:
    def __init__(self, secret: bytes | None = None) -> None:
        configured = os.environ.get(SECRET_ENV, "")
        self.secret = secret or (configured.encode() if configured else secrets.token_bytes(32))

    def _sign(self, nonce: str) -> str:
        return hmac.new(self.secret, nonce.encode(), hashlib.sha256).hexdigest()

    def new_token(self) -> str:
        nonce = secrets.token_hex(16)
        return f"{nonce}.{self._sign(nonce)}"

    def valid(self, token: str | None) -> bool:
        if not token or len(token) > 200 or "." not in token:
            return False
        nonce, _, signature = token.partition(".")
        return hmac.compare_digest(signature, self._sign(nonce))

    def token_for(self, cookie: str | None) -> tuple[str, bool]:
        """The token to put in a form: the browser's own when valid, else a new one (and True:
        set the cookie)."""
        if cookie is not None and self.valid(cookie):
            return cookie, False
        return self.new_token(), True

    def accepts(self, cookie: str | None, submitted: str | None) -> bool:
        return cookie is not None and submitted is not None and self.valid(cookie) and hmac.compare_digest(cookie, submitted)


def same_origin(origin: str | None, host: str | None) -> bool:
    """A browser sends ``Origin`` with a POST; it must name the host the page came from."""
    if origin is None:
        return True  # old browsers and non-browser clients; the token still has to match
    if origin == "null" or not host:
        return False
    return urlsplit(origin).netloc.lower() == host.lower()
