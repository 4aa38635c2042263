"""The users' whole day in a real browser (issue 25): Chromium walks the advisor's, the visitation
secretary's and the leader's day end to end, at desktop width (1366×900) and on a phone
(390×844), with JavaScript on and off, against `kompetenceplan serve --db` subprocesses (the local
user: the sign-in walk is tests/test_auth_browser.py).

On every page state the walk visits: axe-core (tests/axe, pinned; ``npm ci``) reports 0
violations, the browser console is clean, and on the phone nothing is wider than the screen
(no sideways page scroll, nothing clipped) and the menu is compact. A real local SMTP server
(aiosmtpd) receives the agenda; the test reads the PDF attachment's text. A screenshot of each
step goes to ``test-artifacts/dag-…`` (git-ignored). What the pages show is compared with the
register and the library, never with a constant.

Without JavaScript axe cannot run in the page itself (its checks are asynchronous): the page
state's exact HTML is then checked in a second, JavaScript-enabled browser on the same origin,
with the page's own script left out.
"""

from __future__ import annotations

import datetime as dt
import email
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from kompetenceplan import decide, load_plans

from .conftest import EXAMPLES, NYBORG, ROOT
from .served import Server, free_port
from .test_web_browser import _chrome, _quit, fill_case, screenshot, shown_level, wait, wait_live_idle

AXE = ROOT / "tests" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
PLANS = load_plans(NYBORG)
CASE = EXAMPLES / "cases" / "plejefamilie-med-samtykke-visitationsudvalg.json"
SUB_47 = EXAMPLES / "submissions" / "anbringelse-uden-samtykke-47-klar.json"
SUB_46 = EXAMPLES / "submissions" / "plejefamilie-46-klar.json"
MEETING_DAY = dt.date.today() + dt.timedelta(days=10)
#: (name, width, height, JavaScript)
VARIANTS = [("skrivebord-js", 1366, 900, True), ("skrivebord-uden-js", 1366, 900, False), ("telefon-js", 390, 844, True), ("telefon-uden-js", 390, 844, False)]
MEMBERS = """
[udvalg.visitationsudvalg]
medlemmer = [{ navn = "Anne Andersen", email = "anne@nyborg.example" }, { navn = "Bo Bertelsen", email = "bo@nyborg.example" }]
[udvalg.boerne_og_ungeudvalg]
medlemmer = [{ navn = "Dorte Dam", email = "dorte@nyborg.example" }]
"""


def _axe_or_skip() -> None:
    if not AXE.is_file():
        message = "dagens browsertest kræver axe-core (cd tests/axe && npm ci); bash .ci/run installerer det"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message, allow_module_level=True)


_axe_or_skip()


# -- a real SMTP server -----------------------------------------------------------------------------


class Inbox:
    """aiosmtpd on a free loopback port; every message it receives, with its envelope."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[tuple[list[str], email.message.Message]] = []
        self.lock = threading.Lock()
        inbox = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                with inbox.lock:
                    inbox.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


def pdf_text(data: bytes) -> str:
    """The PDF's text, by poppler's pdftotext when installed, else pypdf."""
    if shutil.which("pdftotext"):
        done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True)
        return done.stdout.decode("utf-8")
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


# -- the servers ------------------------------------------------------------------------------------


def _serve(db_url: str, log: Path, env: dict[str, str]) -> Server:
    base = {k: v for k, v in os.environ.items() if k != "KOMPETENCEPLAN_WEB_SECRET"}
    return Server(NYBORG, log, "--db", db_url, env={**base, **env}, cwd=ROOT)


@pytest.fixture(scope="module")
def artifacts() -> Path:
    folder = ROOT / "test-artifacts"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def inbox() -> Iterator[Inbox]:
    box = Inbox()
    yield box
    box.stop()


@pytest.fixture(scope="module")
def day(artifacts: Path, inbox: Inbox) -> Iterator[dict[str, Any]]:
    """The service on a new register with a members list and the test's SMTP server."""
    folder = Path(tempfile.mkdtemp(prefix="kp-dag-"))
    url = f"sqlite:///{folder / 'register.db'}"
    subprocess.run([sys.executable, "-m", "kompetenceplan", "db", "upgrade", "--db", url], cwd=ROOT, check=True, capture_output=True)
    members = folder / "udvalg.toml"
    members.write_text(MEMBERS, encoding="utf-8")
    env = {
        "KOMPETENCEPLAN_UDVALG": str(members),
        "KOMPETENCEPLAN_SMTP_HOST": "127.0.0.1",
        "KOMPETENCEPLAN_SMTP_PORT": str(inbox.port),
        "KOMPETENCEPLAN_SMTP_STARTTLS": "nej",  # the test server on loopback; STARTTLS: tests/test_web_day_http.py
        "KOMPETENCEPLAN_SMTP_FROM": "visitation@nyborg.example",
    }
    server = _serve(url, artifacts / "serve-dag.log", env)
    try:
        yield {"server": server, "url": server.url, "db": url}
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    log = server.log.read_text(errors="replace")
    assert "Traceback" not in log, "tjenesten loggede en fejl under dagens browsertest"
    assert "uventet fejl" not in log, "tjenesten loggede en fejl under dagens browsertest"


@pytest.fixture(scope="module")
def checker() -> Iterator[Any]:
    """A JavaScript-enabled browser that runs axe on the page states of the browser without JavaScript."""
    driver = _chrome(js=True)
    yield driver
    _quit(driver)


@pytest.fixture(scope="module", params=VARIANTS, ids=[v[0] for v in VARIANTS])
def variant(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    name, width, height, js = request.param
    driver = _chrome(js=js)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})
    yield {"name": name, "driver": driver, "js": js, "phone": width < 600, "width": width, "height": height}
    _quit(driver)


# -- every page state -------------------------------------------------------------------------------

AXE_RUN = "axe.run(document, {resultTypes: ['violations']}).then(r => JSON.stringify(r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.help + ' @ ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))))"


def axe_violations(driver: Any, js: bool, checker: Any, base: str, width: int, height: int) -> list[str]:
    source = AXE.read_text(encoding="utf-8")
    target = driver
    if not js:
        html = re.sub(r"<script\b[^>]*>.*?</script>", "", driver.execute_script("return document.documentElement.outerHTML"), flags=re.S)
        checker.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})
        checker.get(f"{base}/")  # a page of the same origin, so the stylesheet loads
        checker.execute_cdp_cmd("Runtime.evaluate", {"expression": f"document.open(); document.write({json.dumps('<!DOCTYPE html>' + html)}); document.close();"})
        wait(checker, lambda d: d.execute_script("return document.readyState === 'complete' && [...document.styleSheets].length > 0"))
        target = checker
    result = target.execute_cdp_cmd("Runtime.evaluate", {"expression": source + "\n;" + AXE_RUN, "awaitPromise": True, "returnByValue": True})
    assert "exceptionDetails" not in result, result.get("exceptionDetails")
    return json.loads(result["result"]["value"])


def phone_problems(driver: Any) -> list[str]:
    """On a phone: no sideways page scroll, no clipped text in the level or headings, a compact header."""
    return driver.execute_script(
        """
        const out = [];
        const w = document.documentElement.clientWidth;
        if (document.documentElement.scrollWidth > w + 1) {
          out.push('siden ruller sidelæns: ' + document.documentElement.scrollWidth + ' > ' + w);
          for (const el of document.querySelectorAll('main *')) { const r = el.getBoundingClientRect(); if (r.right > w + 1 && !el.closest('.table-scroll')) { out.push('for bred: ' + el.tagName + '.' + el.className + ' ' + Math.round(r.width)); break; } }
        }
        for (const el of document.querySelectorAll('.level, h1, h2, h3, .button, .main-nav, label, legend')) {
          const r = el.getBoundingClientRect();
          if (r.width === 0) continue;
          if (el.scrollWidth > el.clientWidth + 1 && !el.classList.contains('main-nav') && getComputedStyle(el).overflowX !== 'auto') out.push('klippet: ' + el.tagName + ' ' + el.textContent.trim().slice(0, 30));
          if (r.right > w + 1 && !el.closest('.table-scroll, .main-nav ul')) out.push('uden for skærmen: ' + el.tagName + ' ' + el.textContent.trim().slice(0, 30));
        }
        const header = document.querySelector('.site-header').getBoundingClientRect().height;
        if (header > 130) out.push('menuen fylder ' + Math.round(header) + ' px');
        return out;
        """
    )


class Walk:
    """One user's walk in one variant: each step checked and photographed."""

    def __init__(self, variant: dict[str, Any], checker: Any, base: str, user: str) -> None:
        self.v, self.checker, self.base, self.user = variant, checker, base, user
        self.d = variant["driver"]
        self.steps: list[str] = []
        self.d.get_log("browser")  # drain

    def step(self, name: str, not_found: bool = False) -> None:
        self.steps.append(name)
        screenshot(self.d, f"dag-{self.user}-{self.v['name']}-{len(self.steps):02d}-{name}")
        violations = axe_violations(self.d, self.v["js"], self.checker, self.base, self.v["width"], self.v["height"])
        assert violations == [], f"{self.user}/{name}: axe: {violations}"
        if self.v["phone"]:
            problems = phone_problems(self.d)
            assert problems == [], f"{self.user}/{name}: {problems}"
        errors = [e for e in self.d.get_log("browser") if e["level"] == "SEVERE" and not (not_found and "status of 404" in e["message"])]
        assert errors == [], f"{self.user}/{name}: konsolfejl {errors}"

    def get(self, path: str) -> None:
        self.d.get(f"{self.base}{path}")

    def submit(self, button: Any) -> None:
        """Click a button that loads a new page, and wait for it."""
        old = self.d.find_element(By.TAG_NAME, "html")
        button.click()
        wait(self.d, lambda drv: old.id != drv.find_element(By.TAG_NAME, "html").id)

    def focused(self) -> str:
        return str(self.d.switch_to.active_element.get_attribute("id") or "")


def _register(url: str) -> Any:
    from kompetenceplan.store.register import Register

    return Register(url)


# -- the advisor ------------------------------------------------------------------------------------


def test_the_advisor_routes_saves_and_writes_an_indstilling(day: dict[str, Any], variant: dict[str, Any], checker: Any) -> None:
    """Route a case (the answer first on a phone), save it in the register (a banner that takes
    the focus, no database id), turn it into an indstilling prefilled from the routing, fill it in
    and save two versions; the findings stand beside their fields in plain Danish."""
    w = Walk(variant, checker, day["url"], "raadgiver")
    d = w.d
    case = json.loads(CASE.read_text(encoding="utf-8"))
    expected = decide(PLANS, case)
    w.get("/hvem-skal-afgoere")
    w.step("formular")
    fill_case(d, PLANS.latest, case, expected.inputs[PLANS.latest.meta.area_input])
    if variant["js"]:
        wait_live_idle(d)
        wait(d, lambda drv: drv.find_elements(By.CSS_SELECTOR, "#svar .answer"))
    else:
        w.submit(d.find_element(By.CSS_SELECTOR, "#afgoer-form button[type=submit]"))
    assert shown_level(d) == (expected.level.id, expected.level.name)
    if variant["phone"]:  # the answer first: above the form
        answer_top = d.find_element(By.ID, "svar").rect["y"]
        form_top = d.find_element(By.ID, "afgoer-form").rect["y"]
        assert answer_top < form_top or variant["js"], (answer_top, form_top)
    journal = d.find_element(By.ID, "journaltekst").get_attribute("textContent")
    assert expected.level.name in journal
    assert not re.search(r"kompetenceplan \w+|\b[A-Z]-[A-Z]+-\d\b", journal)
    w.step("svar")
    ref = f"S-DAG-{variant['name']}"
    d.find_element(By.ID, "sagsreference").send_keys(ref)
    d.find_element(By.ID, "team").send_keys("Team Syd")
    w.submit(d.find_element(By.ID, "gem-routing"))
    banner = d.find_element(By.ID, "gemt")
    assert ref in banner.text
    assert "nr." not in banner.text
    assert w.focused() == "gemt"
    reg = _register(day["db"])
    try:
        from kompetenceplan.store import routings as routing_repo

        with reg.engine.connect() as conn:
            stored = routing_repo.current_for_case(conn, ref, PLANS.latest.meta.paragraph_input, case["paragraf"])
        assert stored is not None
        assert stored.required_level == expected.level.id
    finally:
        reg.close()
    w.step("gemt")

    # "Lav indstilling": the indstilling, prefilled from the routing
    w.submit(d.find_element(By.ID, "lav-indstilling"))
    assert d.find_element(By.ID, "sagsnummer").get_attribute("value") == ref
    assert d.find_element(By.ID, "paragraf").get_attribute("value") == case["paragraf"]
    assert d.find_element(By.ID, "oekonomi-pris_pr_maaned").get_attribute("value") != ""
    assert "udfyldt med sagens oplysninger" in d.find_element(By.ID, "besked").text
    w.step("indstilling-udfyldt")
    d.find_element(By.ID, "formaal").send_keys("At barnet får en stabil hverdag i en plejefamilie.")
    d.find_element(By.ID, "maal").send_keys("Barnet går i skole hver dag inden 3 måneder")
    d.find_element(By.ID, "anbefaling").send_keys("Forvaltningen indstiller, at anbringelsen bevilges for 24 måneder.")
    w.submit(d.find_element(By.ID, "gem-indstilling"))
    assert "gemt som version 1" in d.find_element(By.ID, "besked").text
    assert w.focused() == "besked"
    # the findings beside their fields: the documents are missing (the standard's words)
    slot = d.find_element(By.CSS_SELECTOR, '[data-findings-for="dokumenter"]').text
    assert "fejl" in slot
    assert not re.search(r"DOK-\d+", slot)
    assert not d.find_elements(By.CSS_SELECTOR, '[data-findings-for="formaal"] .finding')
    w.step("indstilling-gemt")
    # a document, typed as Danes write dates; the live check (with JavaScript) and the save agree
    Select(d.find_element(By.ID, "dokumenter-0-type")).select_by_value("bfu")
    d.find_element(By.ID, "dokumenter-0-dato").send_keys((dt.date.today() - dt.timedelta(days=20)).strftime("%d.%m.%Y"))
    if variant["js"]:
        wait(d, lambda drv: drv.find_element(By.TAG_NAME, "html").get_attribute("data-live") == "idle")
    w.submit(d.find_element(By.ID, "gem-indstilling"))
    assert "gemt som version 2" in d.find_element(By.ID, "besked").text
    assert "Version 2" in d.find_element(By.CSS_SELECTOR, ".versions").text
    w.step("indstilling-version-2")


# -- the visitation secretary ----------------------------------------------------------------------------


def _drafts(url: str, tag: str) -> tuple[int, int, dict[str, Any]]:
    """Two meetings (visitationsudvalget, børne- og ungeudvalget) and two saved indstillinger."""
    from kompetenceplan.meetings import committee
    from kompetenceplan.meetings.drafts import save_draft

    from .register_fixtures import ACTOR

    reg = _register(url)
    try:
        vu = committee.new_meeting(reg, PLANS, MEETING_DAY, "visitationsudvalg", f"Visitationsudvalget {tag}", actor=ACTOR)
        bu = committee.new_meeting(reg, PLANS, MEETING_DAY + dt.timedelta(days=1), "boerne_og_ungeudvalg", f"Børne- og ungeudvalget {tag}", actor=ACTOR)
        drafts = {}
        for path in (SUB_46, SUB_47):
            sub = json.loads(path.read_text(encoding="utf-8"))
            sub["sagsnummer"] = f"{sub['sagsnummer']}-{tag}"
            sub["anbefaling"] = "Forvaltningen indstiller, at indsatsen bevilges som beskrevet."
            drafts[path.stem] = save_draft(reg, PLANS, sub, actor=ACTOR, on=MEETING_DAY)
        return vu.id, bu.id, drafts
    finally:
        reg.close()


def test_the_secretary_runs_a_meeting_from_agenda_to_minutes(day: dict[str, Any], variant: dict[str, Any], checker: Any, inbox: Inbox) -> None:
    """Put saved indstillinger on the agenda (another body's meeting asks first), withdraw an item,
    read the agenda's content, send it (the members get a PDF), record an outcome (a missing reason
    is an error summary at the top that takes the focus), the attendees and the minutes."""
    w = Walk(variant, checker, day["url"], "sekretaer")
    d = w.d
    tag = variant["name"]
    vu, bu, drafts = _drafts(day["db"], tag)
    w.get(f"/moede/{vu}")
    w.step("moede-tomt")
    # the § 46 indstilling: for this body, added at once
    Select(d.find_element(By.ID, "kladde")).select_by_value(drafts[SUB_46.stem].key)
    w.submit(d.find_element(By.ID, "tilfoej-kladde"))
    assert "punkt 1" in d.find_element(By.ID, "besked").text
    # the § 47 indstilling belongs to børne- og ungeudvalget: a confirmation says what and why
    Select(d.find_element(By.ID, "kladde")).select_by_value(drafts[SUB_47.stem].key)
    w.submit(d.find_element(By.ID, "tilfoej-kladde"))
    box = d.find_element(By.ID, "bekraeft")
    assert "Børne- og ungeudvalget" in box.text
    assert w.focused() == "bekraeft"
    w.step("bekraeft-andet-udvalg")
    w.submit(d.find_element(By.ID, "bekraeft-ja"))
    assert "punkt 2" in d.find_element(By.ID, "besked").text
    items = d.find_elements(By.CSS_SELECTOR, "article.agenda-item")
    assert [i.get_attribute("data-case") for i in items] == [drafts[SUB_46.stem].case_ref, drafts[SUB_47.stem].case_ref]
    assert "ANDET NIVEAU" in items[1].text
    w.step("dagsorden-to-punkter")
    # withdraw item 2 before the meeting: confirmed, recorded, never deleted
    d.find_element(By.CSS_SELECTOR, "#punkt-2 details.withdraw summary").click()
    d.find_element(By.ID, "tilbagetraek-2").send_keys("Sagen skal for Børne- og ungeudvalget.")
    w.submit(d.find_element(By.ID, "tilbagetraek-knap-2"))
    assert "kan ikke gøres om" in d.find_element(By.ID, "bekraeft").text
    w.submit(d.find_element(By.ID, "bekraeft-ja"))
    item2 = d.find_element(By.ID, "punkt-2")
    assert item2.get_attribute("data-withdrawn") == "ja"
    assert "Trukket tilbage" in item2.text
    w.step("punkt-trukket-tilbage")

    # the agenda with each case's content
    w.get(f"/moede/{vu}/dagsorden")
    sub46 = json.loads(SUB_46.read_text(encoding="utf-8"))
    text = d.find_element(By.CSS_SELECTOR, "#punkt-1").text
    paragraph = PLANS.latest.inputs["paragraf"].values[sub46["sag"]["paragraf"]].label  # type: ignore[index]
    for shown in (paragraph, sub46["formaal"], *sub46["maal"], "Forvaltningen indstiller", "38.000 kr.", "912.000 kr.", "Trin 5"):
        assert shown in text, shown
    assert "trukket tilbage" in d.find_element(By.ID, "punkt-2").text
    w.step("dagsorden")

    # send: a confirmation, then e-mailed as PDF to the body's members
    w.get(f"/moede/{vu}")
    before = len(inbox.messages)
    w.submit(d.find_element(By.ID, "send-dagsorden"))
    assert "Anne Andersen" in d.find_element(By.ID, "bekraeft").text
    w.step("bekraeft-send")
    w.submit(d.find_element(By.ID, "bekraeft-ja"))
    assert d.find_element(By.ID, "udsendt").get_attribute("data-sent") == "ja"
    assert "anne@nyborg.example" in d.find_element(By.ID, "besked").text
    assert not re.search(r"\d{2}:\d{2}|UTC", d.find_element(By.ID, "udsendt").text)  # Danish time: "kl. 14.05"
    wait(d, lambda drv: len(inbox.messages) > before, timeout=10)
    rcpts, message = inbox.messages[-1]
    assert sorted(rcpts) == ["anne@nyborg.example", "bo@nyborg.example"]
    (pdf,) = [part.get_payload(decode=True) for part in message.walk() if part.get_content_type() == "application/pdf"]
    assert isinstance(pdf, bytes)
    pdf_words = " ".join(pdf_text(pdf).split())
    assert drafts[SUB_46.stem].case_ref in pdf_words
    assert " ".join(sub46["formaal"].split()) in pdf_words
    assert "Dagsorden" in pdf_words
    w.step("sendt")

    # an outcome without its reason: the error summary at the top takes the focus
    Select(d.find_element(By.ID, "udfald-1")).select_by_value("afslået")
    w.submit(d.find_element(By.CSS_SELECTOR, "#punkt-1 form.outcome-form button[type=submit]"))
    summary = d.find_element(By.ID, "fejlliste")
    assert summary.rect["y"] < 400
    assert w.focused() == "fejlliste"
    assert summary.find_element(By.CSS_SELECTOR, 'a[href="#begrundelse-1"]')
    w.step("udfald-fejl")
    d.find_element(By.ID, "begrundelse-1").send_keys("Plejefamilien er ikke godkendt endnu.")
    w.submit(d.find_element(By.CSS_SELECTOR, "#punkt-1 form.outcome-form button[type=submit]"))
    assert "Udfaldet for punkt 1 er registreret" in d.find_element(By.ID, "besked").text
    assert w.focused() == "besked"
    d.find_element(By.ID, "deltagere-felt").send_keys("Anne Andersen, formand\nBo Bertelsen")
    w.submit(d.find_element(By.ID, "gem-deltagere"))
    w.get(f"/moede/{vu}/referat")
    minutes = d.find_element(By.TAG_NAME, "main").text
    assert "Anne Andersen, formand" in minutes
    assert "Plejefamilien er ikke godkendt endnu." in minutes
    w.step("referat")


# -- the leader -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def town(artifacts: Path) -> Iterator[dict[str, Any]]:
    """A generated municipality up to the newest quarter whose draw date has passed."""
    from kompetenceplan.tilsyn.config import load_config
    from kompetenceplan.tilsyn.draw import quarter_dates

    config = load_config(ROOT / "rules" / "nyborg-tilsyn.toml")
    today = dt.date.today()
    quarters = [f"{y}Q{n}" for y in (today.year - 1, today.year) for n in (1, 2, 3, 4)]
    quarter = max((quarter_dates(config, q)[0], q) for q in quarters if quarter_dates(config, q)[0] <= today)[1]
    folder = Path(tempfile.mkdtemp(prefix="kp-dag-tilsyn-"))
    template = folder / "town.db"
    url = f"sqlite:///{template}"
    for args in (["db", "upgrade", "--db", url], ["tilsyn", "generate", "--db", url, "--until", quarter_dates(config, quarter)[2].isoformat(), "--seed", "8"]):
        subprocess.run([sys.executable, "-m", "kompetenceplan", *args], cwd=ROOT, check=True, capture_output=True)
    yield {"template": template, "quarter": quarter, "config": config, "folder": folder}
    shutil.rmtree(folder, ignore_errors=True)


def test_the_leader_draws_reviews_cases_in_one_form_each_and_reads_the_reports(town: dict[str, Any], variant: dict[str, Any], checker: Any, artifacts: Path) -> None:
    """Type the quarter as Danes write it, draw it after a confirmation (once only), answer a case's
    whole checklist in one form (a "nej" without comment first), see the progress, the report and
    the økonomisk tilsyn with the quarter in words."""
    from kompetenceplan.tilsyn.draw import show
    from kompetenceplan.web.danish import quarter_text

    db = town["folder"] / f"{variant['name']}.db"
    shutil.copy(town["template"], db)
    server = _serve(f"sqlite:///{db}", artifacts / f"serve-dag-tilsyn-{variant['name']}.log", {})
    try:
        w = Walk(variant, checker, server.url, "leder")
        d = w.d
        quarter, config = town["quarter"], town["config"]
        w.get("/tilsyn")
        field = d.find_element(By.ID, "kvartal")
        assert field.get_attribute("value") == quarter_text(quarter)
        field.clear()
        field.send_keys(f"  {quarter_text(quarter).replace('kvartal', 'kvt.')}  ")
        per = d.find_element(By.ID, "pr_team")
        per.clear()
        per.send_keys("1")
        w.step("traek")
        w.submit(d.find_element(By.ID, "traek"))
        assert "kun én gang" in d.find_element(By.ID, "bekraeft").text
        w.step("bekraeft-traek")
        w.submit(d.find_element(By.ID, "bekraeft-ja"))
        reg = _register(f"sqlite:///{db}")
        try:
            drawn = show(reg, quarter)
        finally:
            reg.close()
        assert drawn is not None
        assert drawn.items
        progress = d.find_element(By.ID, "fremdrift").text
        assert progress.startswith(f"0 af {len(drawn.items)} sager gennemgået")
        main = d.find_element(By.TAG_NAME, "main").text
        assert quarter_text(quarter) in main
        assert "frø" not in main
        assert not re.search(r"\d{4}Q\d|TIL-\d{3}", main)
        w.step("kvartal")
        p = drawn.items[0]["position"]
        d.find_element(By.ID, f"tjekliste-{p}-vis").click()
        questions = config.questions_for(drawn.items[0]["track"])  # the checklist of the case's track
        for n, q in enumerate(questions):
            d.find_element(By.ID, f"s{p}-{q.id}-{'nej' if n == 0 else 'ja'}").click()
        w.submit(d.find_element(By.ID, f"tjekliste-gem-{p}"))
        assert w.focused() == "fejlliste"
        assert "et nej skal begrundes" in d.find_element(By.ID, "fejlliste").text
        assert d.find_element(By.ID, f"s{p}-{questions[-1].id}-ja").is_selected()  # what was chosen is kept
        w.step("tjekliste-fejl")
        d.find_element(By.ID, f"s{p}-{questions[0].id}-kommentar").send_keys("Udredningen mangler i sagen.")
        w.submit(d.find_element(By.ID, f"tjekliste-gem-{p}"))
        assert d.find_element(By.ID, "fremdrift").text.startswith(f"1 af {len(drawn.items)} sager gennemgået")
        assert w.focused() == "besked"
        w.step("tjekliste-gemt")
        w.submit(d.find_element(By.ID, "til-rapport"))
        assert quarter_text(quarter) in d.find_element(By.TAG_NAME, "h1").text or quarter_text(quarter) in d.find_element(By.TAG_NAME, "main").text
        assert "fingeraftryk" not in d.find_element(By.TAG_NAME, "main").text
        w.step("rapport")
        w.get("/oekonomi")
        field = d.find_element(By.ID, "kvartal")
        field.clear()
        field.send_keys(quarter_text(quarter))
        w.submit(d.find_element(By.ID, "vis-rapport"))
        assert d.find_elements(By.CSS_SELECTOR, ".economy-report")
        assert not d.find_elements(By.ID, "fejlliste")
        w.step("oekonomi")
        w.get("/findes-ikke")
        assert d.find_element(By.TAG_NAME, "h1").text == "Siden findes ikke"
        w.step("404", not_found=True)
    finally:
        server.stop()
