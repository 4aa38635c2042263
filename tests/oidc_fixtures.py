"""A real OpenID Connect provider for the sign-in tests: the certified `oidc-provider` package
(tests/oidc/package.json, installed by ``npm ci`` in .ci/run) run by the machine's Node.js on a
free loopback port. Without Node.js or the installed package the tests skip locally and FAIL in
CI (``CI=true``).

The tests make the provider's signing keys themselves (so that they can also sign a token with
the provider's own key but a wrong audience, issuer or expiry, and rotate the key by starting
the provider again with a new one). Users carry group claims; one client signs people in
(authorization code + PKCE), service clients get access tokens by client credentials.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent / "oidc"
WEB_CLIENT, WEB_SECRET = "kompetenceplan-web", "web-hemmelighed-til-test"
SERVICE_CLIENT, SERVICE_SECRET = "sagssystem", "sagssystem-hemmelighed-til-test"
SERVICE_NO_ROLES, SERVICE_NO_ROLES_SECRET = "ukendt-system", "ukendt-hemmelighed-til-test"
OTHER_AUDIENCE = "https://andet-api.example.test"

#: The provider's users: login → display name and group claims (the roles file maps groups to roles).
USERS: dict[str, dict[str, Any]] = {
    "rita": {"name": "Rita Rådgiver", "groups": ["kp-raadgivere"]},
    "sonja": {"name": "Sonja Sekretær", "groups": ["kp-sekretariat"]},
    "lene": {"name": "Lene Leder", "groups": ["kp-ledere"]},
    "tage": {"name": "Tage Tilsyn", "groups": ["kp-tilsyn"]},
    "palle": {"name": "Palle Planejer", "groups": ["kp-planejere"]},
    "ada": {"name": "Ada Administrator", "groups": ["kp-administratorer"]},
    "ulla": {"name": "Ulla Uden Rolle", "groups": ["kantinen"]},
    "mette": {"name": "Mette Mødesekretær", "groups": ["kp-raadgivere", "kp-sekretariat"]},
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require_provider() -> tuple[str, Path]:
    """Node.js and the installed oidc-provider; without them: skip locally, fail in CI."""
    node = shutil.which("node")
    missing = []
    if node is None:
        missing.append("Node.js (node)")
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        missing.append("oidc-provider (cd tests/oidc && npm ci)")
    if missing or node is None:
        message = f"login-testene kræver {', '.join(missing)}; bash .ci/run installerer dem"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return node, HERE


def new_signing_key(kid: str) -> dict[str, Any]:
    """A new RSA signing key as a private JWK."""
    from joserfc.jwk import RSAKey

    key = RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"}, private=True)
    return key.as_dict(private=True)


@dataclass
class Provider:
    """One running provider; `restart` starts it again on the same port (e.g. with a rotated key)."""

    app_url: str
    api_audience: str
    keys: list[dict[str, Any]]
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="kp-oidc-")))

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def config(self) -> dict[str, Any]:
        return {
            "port": self.port,
            "issuer": self.issuer,
            "jwks": {"keys": self.keys},
            "users": USERS,
            "defaultResource": self.api_audience,
            "resources": {self.api_audience: {"scope": "api"}, OTHER_AUDIENCE: {"scope": "api"}},
            "clients": [
                {
                    "client_id": WEB_CLIENT,
                    "client_secret": WEB_SECRET,
                    "redirect_uris": [f"{self.app_url}/logind/svar"],
                    "post_logout_redirect_uris": [f"{self.app_url}/logget-ud"],
                    "grant_types": ["authorization_code"],
                    "response_types": ["code"],
                    "scope": "openid profile groups",
                },
                *(
                    {"client_id": cid, "client_secret": secret, "grant_types": ["client_credentials"], "response_types": [], "redirect_uris": [], "scope": "api"}
                    for cid, secret in ((SERVICE_CLIENT, SERVICE_SECRET), (SERVICE_NO_ROLES, SERVICE_NO_ROLES_SECRET))
                ),
            ],
        }

    def start(self) -> Provider:
        node, here = require_provider()
        config = self.folder / "config.json"
        config.write_text(json.dumps(self.config()), encoding="utf-8")
        with (self.folder / "provider.log").open("ab") as log:  # the child keeps its own handle
            self.proc = subprocess.Popen([node, str(here / "provider.mjs"), str(config)], cwd=here, stdout=subprocess.PIPE, stderr=log)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if line.strip() != b"ready":
            self.stop()
            raise RuntimeError("OIDC-udbyderen startede ikke:\n" + (self.folder / "provider.log").read_text(errors="replace")[-2000:])
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()
        self.proc = None

    def restart(self, keys: list[dict[str, Any]]) -> None:
        """Start again with ``keys`` (the first signs): the provider has rotated its key."""
        self.stop()
        self.keys = keys
        deadline = time.monotonic() + 10
        while True:  # the port is free again once the old process has closed it
            try:
                self.start()
                return
            except RuntimeError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def client_credentials(self, client_id: str = SERVICE_CLIENT, secret: str = SERVICE_SECRET, resource: str | None = None) -> str:
        """An access token for a service client, from the provider's token endpoint."""
        form = {"grant_type": "client_credentials", "scope": "api"}
        if resource is not None:
            form["resource"] = resource
        basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        request = urllib.request.Request(
            f"{self.issuer}/token", data=urllib.parse.urlencode(form).encode(), headers={"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return str(json.loads(response.read())["access_token"])

    def sign(self, claims: dict[str, Any], key: dict[str, Any] | None = None, header: dict[str, Any] | None = None) -> str:
        """A token signed with the provider's own current key (or ``key``): for claims the
        provider itself would never issue (expired, wrong issuer or audience)."""
        from joserfc import jwt
        from joserfc.jwk import RSAKey

        jwk = key or self.keys[0]
        return jwt.encode({"alg": "RS256", "kid": jwk["kid"], "typ": "at+jwt", **(header or {})}, claims, RSAKey.import_key(jwk))
