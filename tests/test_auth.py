"""Sign-in, roles, bearer tokens and the permission of every route (issue 24), against a real
OpenID Connect provider (`tests/oidc_fixtures.py`: the certified Node.js oidc-provider on
loopback). The app runs in-process (Starlette's httpx.Client); the provider is a real process.

The route walk is table-driven over the app's own route list: for every role of the bundled
roles file, every route whose permission the role lacks must answer 403 — so a new route
without a declared permission fails here.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from kompetenceplan.actor import PERMISSIONS, local_actor
from kompetenceplan.service.auth import SignIn
from kompetenceplan.service.auth_roles import RolesError, load_roles
from kompetenceplan.service.auth_tokens import InvalidToken, TokenValidator
from kompetenceplan.service.permissions import PUBLIC, ROUTES, app_routes

from .conftest import NYBORG, ROOT
from .oidc_fixtures import OTHER_AUDIENCE, SERVICE_NO_ROLES, SERVICE_NO_ROLES_SECRET, Provider, free_port, new_signing_key
from .test_service import Server

API = "https://kompetenceplan.test/api"
PUBLIC_URL = "http://127.0.0.1"
ROLES = load_roles()


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    p = Provider(app_url=PUBLIC_URL, api_audience=API, keys=[new_signing_key("nøgle-1")]).start()
    yield p
    p.close()


@pytest.fixture(scope="module")
def register_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('auth') / 'register.db'}"
    subprocess.run([sys.executable, "-m", "kompetenceplan", "db", "upgrade", "--db", url], cwd=ROOT, check=True, capture_output=True)
    return url


def _sign_in(provider: Provider) -> SignIn:
    return SignIn(issuer=provider.issuer, client_id="kompetenceplan-web", client_secret="web-hemmelighed-til-test", roles=ROLES, public_url=PUBLIC_URL, audience=API, scope="openid profile groups")


class Served:
    """The app (`create_app` keyword arguments) under uvicorn on a free loopback port, and an
    httpx client for it that does not follow redirects."""

    def __init__(self, **kwargs: Any) -> None:
        self.server = Server(NYBORG, **kwargs)
        self.app = self.server.app

    def __enter__(self) -> httpx.Client:
        self.server.__enter__()
        self.client = httpx.Client(base_url=f"http://127.0.0.1:{self.server.port}", timeout=30)
        return self.client

    def __exit__(self, *exc: Any) -> None:
        self.client.close()
        self.server.__exit__(*exc)


@pytest.fixture(scope="module")
def served(provider: Provider, register_url: str) -> Iterator[Served]:
    s = Served(allow_reload=True, db_url=register_url, sign_in=_sign_in(provider), reload_settle=0)
    with s:
        yield s


@pytest.fixture(scope="module")
def app(served: Served) -> Any:
    return served.app


@pytest.fixture(scope="module")
def client(served: Served) -> httpx.Client:
    return served.client


def person_token(provider: Provider, groups: list[str], **claims: Any) -> str:
    """An access token for a person with ``groups``, signed with the provider's own key."""
    now = int(time.time())
    return provider.sign({"iss": provider.issuer, "aud": API, "sub": f"person-{'-'.join(groups) or 'ingen'}", "name": "Test Person", "groups": groups, "iat": now, "exp": now + 300, **claims})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# -- the roles file ------------------------------------------------------------------------------------


class TestRolesFile:
    def test_the_bundled_file_maps_every_group_to_a_role_with_known_permissions(self) -> None:
        """The example roles file loads, names the six roles, and only grants verbs of PERMISSIONS."""
        assert set(ROLES.permissions) == {"rådgiver", "sekretær", "leder", "tilsynsansvarlig", "planejer", "administrator"}
        assert all(perms <= set(PERMISSIONS) for perms in ROLES.permissions.values())
        assert ROLES.person("x", "X", ["kp-raadgivere", "kantinen"]).roles == frozenset({"rådgiver"})
        assert ROLES.service("sagssystem").permissions == ROLES.permissions["rådgiver"]
        assert ROLES.service("ukendt").permissions == frozenset()

    @pytest.mark.parametrize(
        ("text", "where", "what"),
        [
            ('[roller.a]\nrettigheder = ["flyve"]\n', "roller.a.rettigheder[1]", "ikke en kendt rettighed"),
            ('[roller.a]\nrettigheder = ["route"]\n[grupper]\n"g" = ["b"]\n', "grupper nr. 1", "ikke definerer"),
            ('[roller.a]\nrettigheder = "route"\n', "roller.a", "liste af rettigheder"),
            ('[rolle.a]\nrettigheder = ["route"]\n', "[rolle]", "ikke en del af formatet"),
            ('[roller.a]\nrettigheder = ["route"]\n[roller.a]\n', "roller.toml", "ikke gyldig TOML"),
            ('[tjenestekonti]\n"sagssystem" = "rådgiver"\n', "tjenestekonti nr. 1", "liste af roller"),
        ],
    )
    def test_a_bad_file_is_refused_in_danish_naming_the_key(self, tmp_path: Path, text: str, where: str, what: str) -> None:
        """Each mistake names the file and key, says what is wrong and how to fix it."""
        path = tmp_path / "roller.toml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(RolesError) as caught:
            load_roles(path)
        rendered = caught.value.render()
        assert any(where in p.where or where in rendered for p in caught.value.problems), rendered
        assert what in rendered
        assert all(p.fix for p in caught.value.problems)

    def test_serve_with_a_bad_roles_file_exits_2_without_traceback(self, tmp_path: Path, provider: Provider) -> None:
        """`serve` refuses to start on a broken roles file, with the Danish message and exit code 2."""
        path = tmp_path / "roller.toml"
        path.write_text('[roller.a]\nrettigheder = ["flyve"]\n', encoding="utf-8")
        env = {"KOMPETENCEPLAN_OIDC_CLIENT_SECRET": "x", "PATH": "/usr/bin:/bin"}
        args = ["--oidc-issuer", provider.issuer, "--oidc-client-id", "c", "--public-url", PUBLIC_URL, "--roles", str(path), "--port", str(free_port())]
        result = subprocess.run([sys.executable, "-m", "kompetenceplan", "serve", "--plan", str(NYBORG), *args], capture_output=True, text=True, env=env, timeout=60)
        assert result.returncode == 2
        assert "Rollefilen har fejl" in result.stderr
        assert "Traceback" not in result.stderr


# -- the local default ----------------------------------------------------------------------------------


class TestLocalDefault:
    def test_without_sign_in_every_page_runs_as_the_local_user_with_every_permission(self, register_url: str) -> None:
        """No --oidc-issuer: the OS user, every permission, named on the page as the local user."""
        with Served(db_url=register_url) as c:
            page = c.get("/moede")
            assert page.status_code == 200
            assert f"Lokal bruger: {local_actor().name} (alle roller)" in page.text
            assert "/logud" not in page.text
        assert local_actor().permissions == frozenset(PERMISSIONS)

    @pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "::"])  # noqa: S104 - the addresses refused here
    def test_binding_another_address_without_sign_in_is_refused_with_what_to_configure(self, host: str) -> None:
        """`serve --host` other than loopback without sign-in: exit 2 and a Danish message naming the options."""
        result = subprocess.run([sys.executable, "-m", "kompetenceplan", "serve", "--plan", str(NYBORG), "--host", host, "--port", str(free_port())], capture_output=True, text=True, timeout=60)
        assert result.returncode == 2, result.stderr
        assert "--oidc-issuer" in result.stderr
        assert "--oidc-client-id" in result.stderr
        assert "KOMPETENCEPLAN_OIDC_CLIENT_SECRET" in result.stderr

    def test_the_client_secret_is_never_a_command_line_option(self) -> None:
        """There is no option that takes the secret itself: only an environment variable or a file."""
        result = subprocess.run([sys.executable, "-m", "kompetenceplan", "serve", "--help"], capture_output=True, text=True, timeout=60)
        options = set(re.findall(r"--[a-z-]+", result.stdout))
        assert "--oidc-client-secret-file" in options
        assert "--oidc-client-secret" not in options


class TestSignInFlow:
    def test_sign_in_starts_an_authorization_code_request_with_pkce_at_the_providers_endpoint(self, client: httpx.Client, provider: Provider) -> None:
        """/logind redirects to the authorization endpoint of the discovery document: code flow,
        S256 code challenge, state and nonce, our redirect URI; the session cookie is HttpOnly and Lax."""
        import urllib.parse

        answer = client.get("/logind")
        assert answer.status_code in (302, 303, 307)
        location = urllib.parse.urlsplit(answer.headers["location"])
        query = urllib.parse.parse_qs(location.query)
        assert f"{location.scheme}://{location.netloc}{location.path}" == f"{provider.issuer}/auth"
        assert query["response_type"] == ["code"]
        assert query["code_challenge_method"] == ["S256"]
        assert len(query["code_challenge"][0]) >= 43
        assert query["state"]
        assert query["nonce"]
        assert query["redirect_uri"] == [f"{PUBLIC_URL}/logind/svar"]
        cookie = answer.headers["set-cookie"].lower()
        assert cookie.startswith("kp_session=")
        assert "httponly" in cookie
        assert "samesite=lax" in cookie
        assert "secure" not in cookie

    def test_a_callback_without_a_matching_state_is_refused_with_a_danish_page(self, client: httpx.Client) -> None:
        """A forged or stale callback (no state in the session) signs nobody in."""
        answer = client.get("/logind/svar?code=forfalsket&state=forkert")
        assert answer.status_code == 400
        assert "Login mislykkedes" in answer.text

    def test_the_session_cookie_is_secure_behind_https(self, provider: Provider, register_url: str) -> None:
        """With an https public address the session cookie carries Secure."""
        sign_in = _sign_in(provider)
        secure = SignIn(**{**sign_in.__dict__, "public_url": "https://kompetenceplan.test"})
        with Served(db_url=register_url, sign_in=secure) as c:
            answer = c.get("/logind", headers={"Host": "kompetenceplan.test"})
        assert "secure" in answer.headers["set-cookie"].lower()

    def test_an_idle_session_ends_and_the_page_asks_for_sign_in_again(self, app: Any) -> None:
        """A session whose last request is older than the idle timeout is cleared: NotSignedIn."""
        from starlette.requests import Request

        from kompetenceplan.service.auth import NotSignedIn

        auth = app.app.state.auth
        now = int(time.time())
        session = {"actor": {"id": "x", "name": "X", "roles": ["leder"]}, "seen": now - auth.config.idle_minutes * 60 - 1, "since": now - 7200}
        request = Request({"type": "http", "method": "GET", "path": "/", "headers": [], "session": session, "query_string": b""})
        with pytest.raises(NotSignedIn) as caught:
            auth._session_actor(request)
        assert "uden aktivitet" in caught.value.reason
        assert session == {}
        session.update({"actor": {"id": "x", "name": "X", "roles": ["leder"]}, "seen": now, "since": now})
        assert auth._session_actor(request).permissions == ROLES.permissions["leder"]


# -- bearer tokens --------------------------------------------------------------------------------------


class TestTokens:
    def test_a_service_token_from_the_provider_is_accepted_with_the_service_accounts_roles(self, client: httpx.Client, provider: Provider) -> None:
        """Client credentials from the real provider: the case tool routes (rådgiver) but may not record outcomes."""
        token = provider.client_credentials()
        case = json.loads((ROOT / "examples" / "cases" / "familiebehandling-raadgiver.json").read_text(encoding="utf-8"))
        assert client.post("/route", json=case, headers=bearer(token)).status_code == 200
        refused = client.post("/meetings/1/items/1/outcome", json={"outcome": "bevilget"}, headers=bearer(token))
        assert refused.status_code == 403
        assert PERMISSIONS["record_outcome"] in refused.json()["problems"][0]["what"]

    def test_a_service_account_the_roles_file_does_not_name_may_do_nothing(self, client: httpx.Client, provider: Provider) -> None:
        """A valid token of an unknown client is signed in with no roles: 403, not 401."""
        token = provider.client_credentials(SERVICE_NO_ROLES, SERVICE_NO_ROLES_SECRET)
        assert client.get("/plan", headers=bearer(token)).status_code == 403

    def test_without_a_token_the_api_answers_401_with_a_bearer_challenge(self, client: httpx.Client) -> None:
        """No session and no token: 401 and WWW-Authenticate: Bearer, in Danish, as problem details."""
        answer = client.get("/plan")
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"].startswith("Bearer")
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["detail"] == "Du er ikke logget ind."
        assert answer.json()["type"] == "/problems/not-signed-in"
        assert answer.json()["status"] == 401

    def _refused(self, client: httpx.Client, token: str) -> str:
        answer = client.get("/plan", headers=bearer(token))
        assert answer.status_code == 401, answer.text
        return str(answer.json()["problems"][0]["what"])

    def test_an_expired_token_is_refused(self, client: httpx.Client, provider: Provider) -> None:
        """exp in the past (beyond the leeway), signed with the provider's own key: 401."""
        assert "udløbet" in self._refused(client, person_token(provider, ["kp-ledere"], exp=int(time.time()) - 600, iat=int(time.time()) - 900))

    def test_a_token_for_another_audience_from_the_provider_is_refused(self, client: httpx.Client, provider: Provider) -> None:
        """The real provider issues a token for another resource server: its aud is not ours."""
        assert "aud" in self._refused(client, provider.client_credentials(resource=OTHER_AUDIENCE))

    def test_a_token_from_another_issuer_is_refused(self, client: httpx.Client, provider: Provider) -> None:
        """iss names another provider (even with the right key): 401."""
        assert "iss" in self._refused(client, person_token(provider, ["kp-ledere"], iss="https://login.andet.example"))

    def test_a_token_with_a_bad_signature_is_refused(self, client: httpx.Client, provider: Provider) -> None:
        """The provider's kid, another key's signature: 401."""
        forged = new_signing_key(provider.keys[0]["kid"])
        now = int(time.time())
        token = provider.sign({"iss": provider.issuer, "aud": API, "sub": "x", "groups": ["kp-administratorer"], "iat": now, "exp": now + 300}, key=forged)
        assert "signatur" in self._refused(client, token)

    def test_alg_none_is_refused(self, client: httpx.Client, provider: Provider) -> None:
        """An unsigned token (alg none) is refused before any key is looked at."""
        now = int(time.time())

        def part(data: dict[str, Any]) -> str:
            return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

        token = f"{part({'alg': 'none', 'kid': provider.keys[0]['kid']})}.{part({'iss': provider.issuer, 'aud': API, 'sub': 'x', 'groups': ['kp-administratorer'], 'exp': now + 300})}."
        assert "algoritme" in self._refused(client, token)

    def test_an_hmac_token_keyed_with_the_public_key_is_refused(self, client: httpx.Client, provider: Provider) -> None:
        """HS256 (the classic key-confusion attack) is not on the allow-list."""
        from joserfc import jwt
        from joserfc.jwk import OctKey

        now = int(time.time())
        key = OctKey.import_key(json.dumps({k: v for k, v in provider.keys[0].items() if k in ("kty", "n", "e")}).encode())
        token = jwt.encode({"alg": "HS256", "kid": provider.keys[0]["kid"]}, {"iss": provider.issuer, "aud": API, "sub": "x", "exp": now + 300}, key, algorithms=["HS256"])
        assert "algoritme" in self._refused(client, token)

    def test_a_rotated_key_is_picked_up_and_the_dropped_key_is_refused(self, register_url: str) -> None:
        """The provider rotates its key: a token signed with the new key is accepted (the JWKS is
        fetched again on the unknown kid), and one signed with the dropped key is refused."""
        p = Provider(app_url=PUBLIC_URL, api_audience=API, keys=[new_signing_key("gammel")]).start()
        try:
            served = Served(db_url=register_url, sign_in=_sign_in(p))
            auth = served.app.app.state.auth
            auth.tokens.refetch_interval = 0  # this test is about rotation, not about the rate limit (below)
            with served as c:
                old = p.client_credentials()
                assert c.get("/plan", headers=bearer(old)).status_code == 200
                p.restart([new_signing_key("ny")])
                new = p.client_credentials()
                assert c.get("/plan", headers=bearer(new)).status_code == 200
                answer = c.get("/plan", headers=bearer(old))
                assert answer.status_code == 401
                assert "nøgle" in answer.json()["problems"][0]["what"]
            assert auth.tokens.fetches == 3  # first use, the new key's kid, the dropped key's kid
        finally:
            p.close()

    def test_unknown_key_ids_refetch_the_jwks_at_most_once_per_interval(self, provider: Provider) -> None:
        """A flood of made-up kids costs one JWKS fetch per interval, not one per token."""
        now = [1000.0]
        validator = TokenValidator(provider.issuer, API, clock=lambda: now[0], refetch_interval=60)
        claims = {"iss": provider.issuer, "aud": API, "sub": "x", "exp": int(time.time()) + 300}
        assert validator.validate(provider.sign(claims))["sub"] == "x"
        assert validator.fetches == 1
        for i in range(20):
            with pytest.raises(InvalidToken):
                validator.validate(provider.sign(claims, key=new_signing_key(f"ukendt-{i}")))
        assert validator.fetches == 1  # the keys were fetched just now: no refetch within the interval
        now[0] += 61
        for _ in range(5):
            with pytest.raises(InvalidToken):
                validator.validate(provider.sign(claims, key=new_signing_key("ukendt-y")))
        assert validator.fetches == 2  # one refetch after the interval, then none again


# -- every route, every role ------------------------------------------------------------------------------

PATH_VALUES = {"meeting_id": "1", "number": "1", "quarter": "2026Q4", "position": "1", "question": "L-01", "kind": "case", "name": "app.css", "key": "0" * 32, "case_ref": "S-1"}


def _routes(app: Any) -> list[tuple[str, str]]:
    routes = [(method, path) for method, path, _ in app_routes(app.app)]
    assert len(routes) > 40  # the included routers were walked
    return routes


def _call(client: httpx.Client, method: str, path: str, headers: dict[str, str]) -> Any:
    url = re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES[m.group(1)], path)
    if method == "GET":
        return client.get(url, headers=headers)
    return client.request(method, url, json={}, headers=headers)


class TestEveryRoute:
    def test_every_route_of_the_app_declares_its_permission(self, app: Any) -> None:
        """The table covers exactly the app's routes (plus /openapi.json, which FastAPI serves itself)."""
        routes = set(_routes(app))
        assert routes - set(ROUTES) == set(), "ruter uden rettighed i service/permissions.py"
        assert set(ROUTES) - routes - {("GET", "/openapi.json")} == set(), "rettigheder for ruter, der ikke findes"

    @pytest.mark.parametrize("role", sorted(ROLES.permissions))
    def test_each_role_is_refused_every_route_whose_permission_it_lacks(self, client: httpx.Client, provider: Provider, app: Any, role: str) -> None:
        """For every route: a role without its permission gets 403 naming the missing permission;
        a role with it gets past the check (never 401/403)."""
        group = next(g for g, roles in ROLES.groups.items() if roles == {role})
        headers = bearer(person_token(provider, [group]))
        granted = ROLES.permissions[role]
        for method, path in _routes(app):
            needed = ROUTES[(method, path)]
            if needed == PUBLIC or (method, path) == ("POST", "/logud"):
                continue
            answer = _call(client, method, path, headers)
            if needed in granted:
                assert answer.status_code not in (401, 403), f"{role} blev afvist på {method} {path}"
            else:
                assert answer.status_code == 403, f"{role} fik {answer.status_code} på {method} {path} uden {needed}"
                assert PERMISSIONS[needed] in answer.text, f"{method} {path} siger ikke, hvad der mangler"
                if not any(p == path and m == method and not r.include_in_schema for m, p, r in app_routes(app.app)):  # the JSON API
                    assert answer.headers["content-type"] == "application/problem+json", f"{method} {path}"
                    assert answer.json()["type"] == "/problems/forbidden", f"{method} {path}"

    def test_nobody_signed_in_gets_401_from_the_api_and_is_sent_to_sign_in_from_a_page(self, client: httpx.Client, app: Any) -> None:
        """No token, no session: every non-public JSON route answers 401, every page redirects to /logind."""
        for method, path in _routes(app):
            if ROUTES[(method, path)] == PUBLIC:
                continue
            answer = _call(client, method, path, {})
            route = next(r for m, p, r in app_routes(app.app) if (m, p) == (method, path))
            if route.include_in_schema:
                assert answer.status_code == 401, f"{method} {path}"
                assert answer.headers["content-type"] == "application/problem+json", f"{method} {path}"
                assert answer.json()["status"] == 401, f"{method} {path}"
            else:
                assert answer.status_code in (303, 401), f"{method} {path}"
                assert answer.status_code == 401 or answer.headers["location"] == "/logind", f"{method} {path}"

    def test_a_route_missing_from_the_table_is_refused_for_everybody(self, provider: Provider, register_url: str) -> None:
        """Fail-closed: a route added without a permission answers 403, even to the administrator."""
        served = Served(db_url=register_url, sign_in=_sign_in(provider))
        served.app.app.get("/ny-side-uden-rettighed")(lambda: {"ok": True})
        with served as c:
            answer = c.get("/ny-side-uden-rettighed", headers=bearer(person_token(provider, ["kp-administratorer"])))
        assert answer.status_code == 403

    def test_a_refusal_is_logged_without_personal_data(self, client: httpx.Client, provider: Provider, caplog: pytest.LogCaptureFixture) -> None:
        """The log line names the route template, the permission and the roles — never the person."""
        token = person_token(provider, ["kp-raadgivere"], name="Hemmelig Person", sub="hemmelig-sub")
        with caplog.at_level("WARNING", logger="kompetenceplan.auth"):
            assert client.post("/meetings/{1}/agenda/send".replace("{1}", "7"), json={}, headers=bearer(token)).status_code == 403
        line = next(r.getMessage() for r in caplog.records if "adgang nægtet" in r.getMessage())
        assert "/meetings/{meeting_id}/agenda/send" in line
        assert "manage_meetings" in line
        assert "rådgiver" in line
        assert "Hemmelig" not in line
        assert "hemmelig-sub" not in line
        assert "/7/" not in line


def test_node_and_the_provider_are_installed_for_ci() -> None:
    """The sign-in tests need Node.js and tests/oidc/node_modules (installed by .ci/run with npm ci)."""
    if shutil.which("node") is None:
        pytest.skip("Node.js mangler")  # require_provider fails in CI before this point
    assert (ROOT / "tests" / "oidc" / "package-lock.json").is_file()
