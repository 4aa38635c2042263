"""``kompetenceplan serve``: the HTTP service (JSON API and web pages) with its security
settings and, optionally, sign-in; the service's modules are imported only when it starts."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import KompetenceplanError, Problem
from .base import Command, plan_option


@click.command(name="serve", cls=Command)
@plan_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Adresse. Standard er kun denne maskine; sagsdata forlader den ikke.")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--allow-reload", is_flag=True, help="Tillad POST /admin/reload og SIGHUP for at indlæse planen igen.")
@click.option("--max-body", default=1_000_000, show_default=True, type=click.IntRange(1), help="Største forespørgsel i bytes (ellers 413). Den eneste grænse for en forespørgsels størrelse.")
@click.option("--allowed-host", "allowed_hosts", multiple=True, metavar="NAVN", help="Et værtsnavn mere, som Host-headeren må have (ud over --host). Kan gentages.")
@click.option("--header-timeout", default=10.0, show_default=True, type=click.FloatRange(0.1), help="Sekunder en forbindelse har til at sende en hel forespørgsels hoved (også mellem forespørgsler).")
@click.option("--body-timeout", default=30.0, show_default=True, type=click.FloatRange(0.1), help="Sekunder til at sende hele forespørgslens krop (ellers 408).")
@click.option("--keep-alive", default=5, show_default=True, type=click.IntRange(1), help="Sekunder en ledig keep-alive-forbindelse holdes åben.")
@click.option("--max-connections", default=200, show_default=True, type=click.IntRange(1), help="Højst så mange forbindelser på én gang; flere lukkes straks (503 ved travlhed).")
@click.option("--access-log/--no-access-log", default=True, show_default=True, help="Log metode, rute-skabelon, status og korrelations-id (aldrig forespørgselsstrenge eller værdier).")
@click.option(
    "--reload-settle", default=0.5, show_default=True, type=click.FloatRange(0), help="En genindlæsning afvises, hvis en planfil er gemt for under så mange sekunder siden (kan være halvt skrevet)."
)
@click.option("--db", "db_url", default=None, metavar="URL", help="Slå registeret og udvalgsmøderne til på denne database (fx sqlite:///kompetenceplan.db eller postgresql+psycopg://…).")
@click.option("--oidc-issuer", metavar="URL", help="Slå login til: kommunens OpenID Connect-udbyder (issuer), fx https://login.kommune.dk/realms/kommune.")
@click.option("--oidc-client-id", metavar="ID", help="Tjenestens klient-id hos udbyderen. Hemmeligheden: KOMPETENCEPLAN_OIDC_CLIENT_SECRET eller --oidc-client-secret-file.")
@click.option("--oidc-client-secret-file", type=click.Path(dir_okay=False, path_type=Path), help="Fil med klienthemmeligheden (aldrig hemmeligheden selv på kommandolinjen).")
@click.option("--oidc-audience", metavar="AUD", default="", help="Den aud, sagssystemers adgangstokens skal have (standard: --public-url).")
@click.option("--oidc-scope", default="openid profile", show_default=True, help="De scopes, login beder om (fx 'openid profile groups').")
@click.option("--public-url", metavar="URL", help="Adressen, brugerne når tjenesten på (fx https://kompetenceplan.kommune.dk); login sender dem tilbage hertil.")
@click.option(
    "--roles", "roles_file", type=click.Path(dir_okay=False, path_type=Path), help="Rollefilen (grupper → roller → rettigheder); standard: den medfølgende kompetenceplan/service/roller.toml."
)
@click.option("--idle-minutes", default=30, show_default=True, type=click.IntRange(1, 24 * 60), help="Minutter uden aktivitet, før en bruger logges ud.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Så mange processer på samme adresse (fx én pr. kerne). Flere processer deler registret (brug PostgreSQL) og KOMPETENCEPLAN_WEB_SECRET; en ny plan indlæses med kill -HUP til hovedprocessen.",
)
def serve_command(
    plan_path: Path,
    host: str,
    port: int,
    allow_reload: bool,
    max_body: int,
    allowed_hosts: tuple[str, ...],
    header_timeout: float,
    body_timeout: float,
    keep_alive: int,
    max_connections: int,
    access_log: bool,
    reload_settle: float,
    db_url: str | None,
    oidc_issuer: str | None,
    oidc_client_id: str | None,
    oidc_client_secret_file: Path | None,
    oidc_audience: str,
    oidc_scope: str,
    public_url: str | None,
    roles_file: Path | None,
    idle_minutes: int,
    workers: int,
) -> None:
    """Start HTTP JSON API'et for sagssystemer (POST /route, /validate, /validate/agenda …).

    Kræver: pip install 'kompetenceplan[serve]'. OpenAPI-beskrivelsen er på /openapi.json.

    \b
    Eksempel:
      kompetenceplan serve --plan rules/nyborg --port 8000
      curl -s -X POST localhost:8000/route -H 'Content-Type: application/json' \\
          --data @examples/cases/kontaktperson-team.json

    Uden login kører tjenesten som den lokale bruger med alle roller og lytter kun på denne
    maskine. Med login (kommunens OpenID Connect-udbyder):

    \b
      export KOMPETENCEPLAN_OIDC_CLIENT_SECRET=…
      kompetenceplan serve --host 0.0.0.0 --public-url https://kompetenceplan.kommune.dk \\
          --oidc-issuer https://login.kommune.dk/realms/kommune --oidc-client-id kompetenceplan \\
          --roles roller.toml --db "$KOMPETENCEPLAN_DB"

    Sikkerhed (docs/security.md): kun JSON-forespørgsler (415), Host skal være et af tjenestens
    navne (400), tidsgrænser og et loft over forbindelser; /docs er slået fra.
    """
    try:
        from ..service.app import serve
        from ..service.auth import SignIn, read_client_secret
        from ..service.auth_roles import load_roles
    except ImportError:
        raise KompetenceplanError("HTTP-tjenesten er ikke installeret.", [Problem("serve", "fastapi og uvicorn mangler.", "Installér med: pip install 'kompetenceplan[serve]'.")]) from None
    sign_in = None
    if oidc_issuer or oidc_client_id:
        missing = [name for name, value in (("--oidc-issuer", oidc_issuer), ("--oidc-client-id", oidc_client_id), ("--public-url", public_url)) if not value]
        if missing or not (oidc_issuer and oidc_client_id and public_url):  # the second test restates the first for the type checker
            raise KompetenceplanError("Login er ikke sat helt op.", [Problem(name, "mangler.", "Login kræver --oidc-issuer, --oidc-client-id og --public-url.") for name in missing])
        sign_in = SignIn(
            issuer=oidc_issuer,
            client_id=oidc_client_id,
            client_secret=read_client_secret(oidc_client_secret_file),
            roles=load_roles(roles_file),
            public_url=public_url.rstrip("/"),
            audience=oidc_audience,
            scope=oidc_scope,
            idle_minutes=idle_minutes,
        )
    serve(
        plan_path,
        host,
        port,
        allow_reload,
        max_body,
        allowed_hosts=allowed_hosts,
        header_timeout=header_timeout,
        body_timeout=body_timeout,
        keep_alive=keep_alive,
        max_connections=max_connections,
        access_log=access_log,
        reload_settle=reload_settle,
        db_url=db_url,
        sign_in=sign_in,
        workers=workers,
    )
