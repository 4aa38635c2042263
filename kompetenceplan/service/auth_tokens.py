"""Bearer tokens from the municipality's identity provider: the JSON API's case tools send an
access token (a JWT, RFC 9068) they got by OAuth2 client credentials; this module checks it
against the provider's published keys.

A token is accepted only when all of these hold:

- the header's ``alg`` is on the allow-list (asymmetric only: RS256, PS256, ES256 and their
  longer siblings; ``none`` and the HMAC algorithms are refused before any key is looked at);
- its ``kid`` names a key in the provider's JWKS and the signature verifies with that key;
- ``iss`` is the configured issuer, ``aud`` contains the configured audience, ``exp`` is in
  the future and ``nbf``/``iat`` not in the future (60 seconds' leeway for clocks).

The JWKS is fetched from the ``jwks_uri`` of the provider's discovery document and kept for
`JWKS_MAX_AGE` seconds. A token whose ``kid`` is unknown makes the validator fetch the JWKS
again (the provider may have rotated its key), but at most once per `REFETCH_INTERVAL`
seconds, so a flood of tokens with made-up key ids cannot turn the service into a load
generator against the provider. A key the provider has dropped is gone after the next fetch.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

#: Signature algorithms a token may use. Never "none", never HS* (a public key used as an HMAC secret).
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
JWKS_MAX_AGE = 3600.0
REFETCH_INTERVAL = 60.0
LEEWAY = 60


class InvalidToken(Exception):
    """A bearer token that is not accepted; ``reason`` is a short Danish text for the 401 answer
    and the log (never the token or a claim's value)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


Fetch = Callable[[str], Any]


def fetch_json(url: str) -> Any:
    """GET a JSON document from the provider (discovery, JWKS); 10 seconds at most, 1 MB at most."""
    import urllib.request

    if not url.startswith(("https://", "http://")):
        raise ValueError("not an http(s) address")
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "application/json"}), timeout=10.0) as response:  # noqa: S310 - the configured provider
        return json.loads(response.read(1_000_001))


class TokenValidator:
    """Checks bearer tokens for one issuer and audience (see the module docstring). Thread-safe."""

    def __init__(
        self,
        issuer: str,
        audience: str,
        *,
        fetch: Fetch = fetch_json,
        clock: Callable[[], float] = time.monotonic,
        refetch_interval: float = REFETCH_INTERVAL,
        max_age: float = JWKS_MAX_AGE,
        algorithms: tuple[str, ...] = ALGORITHMS,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.audience = audience
        self._fetch = fetch
        self._clock = clock
        self.refetch_interval = refetch_interval
        self.max_age = max_age
        self.algorithms = algorithms
        self._lock = threading.Lock()
        self._keys: KeySet | None = None
        self._kids: frozenset[str] = frozenset()
        self._fetched_at: float | None = None
        self._jwks_uri: str | None = None
        self.fetches = 0  # how often the JWKS was fetched (tests read it)

    # -- keys ------------------------------------------------------------------------------------
    def _uri(self) -> str:
        if self._jwks_uri is None:
            document = self._fetch(f"{self.issuer}/.well-known/openid-configuration")
            if not isinstance(document, dict) or document.get("issuer", "").rstrip("/") != self.issuer or not isinstance(document.get("jwks_uri"), str):
                raise InvalidToken("udbyderens discovery-dokument passer ikke til den konfigurerede issuer")
            self._jwks_uri = document["jwks_uri"]
        return self._jwks_uri

    def _refresh(self) -> None:
        try:
            data = self._fetch(self._uri())
            keys = KeySet.import_key_set(data)
        except InvalidToken:
            raise
        except Exception as exc:  # noqa: BLE001 - the provider is unreachable or sent garbage
            self._fetched_at = self._clock()  # also rate-limits retries against a failing provider
            raise InvalidToken(f"udbyderens nøgler kunne ikke hentes ({type(exc).__name__})") from None
        self._keys = keys
        self._kids = frozenset(k.kid for k in keys.keys if k.kid)
        self._fetched_at = self._clock()
        self.fetches += 1

    def _key_set(self, kid: str) -> KeySet:
        with self._lock:
            now = self._clock()
            stale = self._fetched_at is None or now - self._fetched_at >= self.max_age
            may_refetch = self._fetched_at is None or now - self._fetched_at >= self.refetch_interval
            if stale or (kid not in self._kids and may_refetch):
                self._refresh()
            if self._keys is None or kid not in self._kids:
                raise InvalidToken("tokenet er underskrevet med en nøgle, udbyderen ikke (længere) offentliggør")
            return self._keys

    # -- tokens ----------------------------------------------------------------------------------
    def validate(self, token: str) -> dict[str, Any]:
        """The token's claims, or `InvalidToken`."""
        header = _header(token)
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in self.algorithms:
            raise InvalidToken("tokenets signaturalgoritme er ikke tilladt")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("tokenet angiver ikke sin nøgle (kid)")
        keys = self._key_set(kid)
        try:
            decoded = jwt.decode(token, keys, algorithms=list(self.algorithms))
        except JoseError:
            raise InvalidToken("tokenets signatur er ugyldig") from None
        claims = decoded.claims
        registry = jwt.JWTClaimsRegistry(
            leeway=LEEWAY,
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": self.audience},
            exp={"essential": True},
            sub={"essential": True},
        )
        try:
            registry.validate(claims)
        except JoseError as exc:
            raise InvalidToken(_claim_reason(exc)) from None
        return dict(claims)


def _header(token: str) -> dict[str, Any]:
    import base64

    parts = token.split(".")
    if len(parts) != 3 or len(token) > 16_000:
        raise InvalidToken("tokenet er ikke en JWT")
    try:
        raw = parts[0] + "=" * (-len(parts[0]) % 4)
        header = json.loads(base64.urlsafe_b64decode(raw.encode("ascii")))
    except (ValueError, UnicodeError):
        raise InvalidToken("tokenet er ikke en JWT") from None
    if not isinstance(header, dict):
        raise InvalidToken("tokenet er ikke en JWT")
    return header


def _claim_reason(exc: JoseError) -> str:
    name = type(exc).__name__
    claim = getattr(exc, "claim", "")
    if name == "ExpiredTokenError":
        return "tokenet er udløbet"
    if claim == "iss":
        return "tokenet er udstedt af en anden udbyder (iss)"
    if claim == "aud":
        return "tokenet er ikke udstedt til denne tjeneste (aud)"
    if claim in ("nbf", "iat"):
        return "tokenet er ikke gyldigt endnu (nbf/iat)"
    if name == "MissingClaimError":
        return f"tokenet mangler claims ({claim})"
    return f"tokenets claims er ugyldige ({claim or name})"
