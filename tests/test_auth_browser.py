"""Sign-in in a real browser (issue 24): Chromium signs in through the real OpenID Connect
provider's login page (`tests/oidc_fixtures.py`), routes a case, saves the routing, records a
committee outcome and signs out (RP-initiated logout at the provider) — against a
`kompetenceplan serve --oidc-issuer …` subprocess with a SQLite register.

The adgangslog afterwards holds exactly one row for each read and each write of a case's data
the browser made, with the signed-in person as the actor, and nothing else.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from kompetenceplan import decide, load_plans

from .conftest import EXAMPLES, NYBORG, ROOT
from .oidc_fixtures import USERS, WEB_CLIENT, WEB_SECRET, Provider, free_port, new_signing_key
from .served import Server
from .test_web_browser import _chrome, _quit, fill_case, screenshot, shown_level, wait, wait_live_idle

CASE = EXAMPLES / "cases" / "familiebehandling-raadgiver.json"
SUBMISSION = EXAMPLES / "submissions" / "plejefamilie-46-klar.json"
USER = "mette"


@pytest.fixture(scope="module")
def setup() -> Iterator[dict[str, Any]]:
    """The provider, a register with one meeting and one item (made with the CLI, which does not
    write the adgangslog), and the service with sign-in on a port the provider knows."""
    port = free_port()
    app_url = f"http://127.0.0.1:{port}"
    provider = Provider(app_url=app_url, api_audience=f"{app_url}/api", keys=[new_signing_key("browser-1")]).start()
    folder = Path(tempfile.mkdtemp(prefix="kp-auth-browser-"))
    url = f"sqlite:///{folder / 'register.db'}"

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "kompetenceplan", *args, "--db", url], cwd=ROOT, capture_output=True, text=True, timeout=120)

    assert cli("db", "upgrade").returncode == 0
    assert cli("meeting", "new", "--date", "2026-12-01", "--body", "visitationsudvalg").returncode == 0
    assert cli("meeting", "add", "1", str(SUBMISSION)).returncode in (0, 1)
    env = {**os.environ, "KOMPETENCEPLAN_OIDC_CLIENT_SECRET": WEB_SECRET}
    options = ["--db", url, "--oidc-issuer", provider.issuer, "--oidc-client-id", WEB_CLIENT, "--public-url", app_url, "--oidc-scope", "openid profile groups"]
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    with mock.patch("tests.served.free_port", return_value=port):
        server = Server(NYBORG, artifacts / "serve-login.log", *options, env=env, cwd=ROOT)
    try:
        yield {"server": server, "provider": provider, "url": url, "app": app_url}
    finally:
        server.stop()
        provider.close()
        shutil.rmtree(folder, ignore_errors=True)
    log = server.log.read_text(errors="replace")
    assert "Traceback" not in log
    assert "uventet fejl" not in log


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    driver = _chrome(js=True)
    yield driver
    _quit(driver)


def test_a_person_signs_in_routes_saves_records_an_outcome_and_signs_out(setup: dict[str, Any], browser: Any) -> None:
    """The whole day through the provider's real pages, and an adgangslog of exactly what was read and changed."""
    from kompetenceplan.store import access_log
    from kompetenceplan.store.db import make_engine

    d, app, provider = browser, setup["app"], setup["provider"]
    plans = load_plans(NYBORG)
    # 1. Any page asks for sign-in: the provider's own login page (authorization code + PKCE).
    d.get(f"{app}/hvem-skal-afgoere")
    wait(d, lambda drv: drv.current_url.startswith(provider.issuer) and drv.find_elements(By.NAME, "login"))
    # (the provider requires PKCE of every client: getting past it proves the code challenge was sent)
    d.find_element(By.NAME, "login").send_keys(USER)
    d.find_element(By.NAME, "password").send_keys("hvad-som-helst")
    d.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(d, lambda drv: drv.current_url == f"{app}/hvem-skal-afgoere")
    who = d.find_element(By.CSS_SELECTOR, ".who-name").text
    assert who == f"{USERS[USER]['name']} (rådgiver, sekretær)"
    cookie = d.get_cookie("kp_session")
    assert cookie is not None
    assert cookie["httpOnly"]
    assert cookie["sameSite"] == "Lax"
    assert not cookie["secure"]
    screenshot(d, "login-logget-ind")
    # 2. Route a case and save the routing in the register.
    case = json.loads(CASE.read_text(encoding="utf-8"))
    expected = decide(plans, case)
    fill_case(d, plans.latest, case, expected.inputs[plans.latest.meta.area_input])
    wait_live_idle(d)
    wait(d, lambda drv: drv.find_elements(By.CSS_SELECTOR, "#svar .answer"))
    assert shown_level(d) == (expected.level.id, expected.level.name)
    d.find_element(By.ID, "sagsreference").send_keys("S-LOGIN-1")
    d.find_element(By.ID, "team").send_keys("Team Syd")
    old = d.find_element(By.TAG_NAME, "html")
    d.find_element(By.ID, "gem-routing").click()
    wait(d, lambda drv: old.id != drv.find_element(By.TAG_NAME, "html").id and drv.find_elements(By.ID, "gemt"))
    assert "S-LOGIN-1" in d.find_element(By.ID, "gemt").text
    assert USERS[USER]["name"] in d.find_element(By.ID, "gemt").text
    # 2b. Turn the routing into an indstilling and save it: saved by the person signed in (issue 25).
    old = d.find_element(By.TAG_NAME, "html")
    d.find_element(By.ID, "lav-indstilling").click()
    wait(d, lambda drv: old.id != drv.find_element(By.TAG_NAME, "html").id and drv.find_elements(By.ID, "formaal"))
    assert d.find_element(By.ID, "sagsnummer").get_attribute("value") == "S-LOGIN-1"
    d.find_element(By.ID, "formaal").send_keys("At familien får hjælp i hjemmet.")
    old = d.find_element(By.TAG_NAME, "html")
    d.find_element(By.ID, "gem-indstilling").click()
    wait(d, lambda drv: old.id != drv.find_element(By.TAG_NAME, "html").id and drv.find_elements(By.ID, "besked"))
    assert "gemt som version 1" in d.find_element(By.ID, "besked").text
    screenshot(d, "login-indstilling")
    # 3. Record the committee's outcome for the meeting's item.
    d.get(f"{app}/moede/1")
    Select(d.find_element(By.ID, "udfald-1")).select_by_value("bevilget")
    old = d.find_element(By.TAG_NAME, "html")
    d.find_element(By.CSS_SELECTOR, "form[action='/moede/1/punkt/1'] button[type=submit]").click()
    wait(d, lambda drv: old.id != drv.find_element(By.TAG_NAME, "html").id and "gemt=1" in drv.current_url)
    screenshot(d, "login-udfald")
    # 4. Sign out: the session ends here and at the provider (RP-initiated logout).
    d.find_element(By.CSS_SELECTOR, ".who-logout button").click()
    wait(d, lambda drv: drv.current_url.startswith(provider.issuer) and drv.find_elements(By.ID, "logout-yes"))
    d.find_element(By.ID, "logout-yes").click()
    wait(d, lambda drv: drv.current_url.startswith(f"{app}/logget-ud"))
    assert "Du er logget ud" in d.find_element(By.TAG_NAME, "h1").text
    assert d.get_cookie("kp_session") is None
    d.get(f"{app}/moede/1")  # signed out everywhere: the provider asks for the login again
    wait(d, lambda drv: drv.current_url.startswith(provider.issuer) and drv.find_elements(By.NAME, "login"))
    # 5. The adgangslog: each read and write the browser made, by the signed-in person, nothing else.
    item_ref = json.loads(SUBMISSION.read_text(encoding="utf-8"))["sagsnummer"]
    engine = make_engine(setup["url"])
    try:
        rows = access_log.all_rows(engine)
    finally:
        engine.dispose()
    assert [(r.action, r.subject, r.case_ref, r.route) for r in rows] == [
        ("ændret", "routing", "S-LOGIN-1", "/hvem-skal-afgoere/gem"),
        ("ændret", "indstilling", "S-LOGIN-1", "/indstilling/ny"),
        ("læst", "indstilling", "S-LOGIN-1", "/indstilling/kladde/{key}"),
        ("læst", "dagsordenspunkt", item_ref, "/moede/{meeting_id}"),
        ("læst", "indstilling", "S-LOGIN-1", "/moede/{meeting_id}"),  # offered on the meeting page
        ("ændret", "udfald", item_ref, "/moede/{meeting_id}/punkt/{number}"),
        ("læst", "dagsordenspunkt", item_ref, "/moede/{meeting_id}"),
        ("læst", "indstilling", "S-LOGIN-1", "/moede/{meeting_id}"),
    ]
    assert {(r.actor_id, r.actor_name, r.actor_kind, r.channel, r.client_address) for r in rows} == {(USER, USERS[USER]["name"], "person", "web", "127.0.0.1")}
    from kompetenceplan.meetings.drafts import list_drafts
    from kompetenceplan.store.register import Register

    with Register(setup["url"]) as reg:
        (saved,) = list_drafts(reg)
    assert (saved.case_ref, saved.saved_by, saved.saved_by_name) == ("S-LOGIN-1", USER, USERS[USER]["name"])
    log = setup["server"].log_text()
    assert USERS[USER]["name"] not in log
    assert "S-LOGIN-1" not in log
