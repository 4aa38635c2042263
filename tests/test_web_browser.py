"""The web pages in a real browser: Debian's Chromium driven by Selenium through chromedriver,
against a `kompetenceplan serve` subprocess on a free loopback port.

Every answer shown is compared with the library (`decide`, `check`), never with a constant.
Screenshots of each page go to ``test-artifacts/`` (gitignored). A missing browser skips these
tests locally and FAILS them when ``CI=true`` (``.ci/run`` installs chromium and chromium-driver).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from kompetenceplan import check, decide, load_plans
from kompetenceplan.actor import local_actor
from kompetenceplan.plan.model import Plan, Value, format_number
from kompetenceplan.tooling.scenarios import load_scenarios
from kompetenceplan.web.danish import date_text, plain_reference, quarter_text
from kompetenceplan.web.forms import advisor_form
from kompetenceplan.web.nav import NAV
from kompetenceplan.web.submission_form import plain

from .conftest import EXAMPLES, NYBORG, ROOT
from .register_fixtures import ACTOR
from .served import Server

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = ROOT / "test-artifacts"
AASTRUP = ROOT / "rules" / "aastrup"
MEETING = "2026-12-01"
CASES = sorted((EXAMPLES / "cases").glob("*.json"))
SUBMISSIONS = sorted((EXAMPLES / "submissions").glob("*.json"))


def _browser_or_skip() -> None:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("selenium (pip install -e '.[dev]')")
    if missing:
        message = f"browsertestene kræver {', '.join(missing)}; bash .ci/run installerer dem"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message, allow_module_level=True)


_browser_or_skip()


from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

# -- the server and the browsers --------------------------------------------------------------


def serve_process(plan: Path, log: Path, *options: str) -> Server:
    """The service as a user starts it: from the project folder, without a configured web secret."""
    env = {k: v for k, v in os.environ.items() if k != "KOMPETENCEPLAN_WEB_SECRET"}
    return Server(plan, log, *options, env=env, cwd=ROOT)


def _chrome(js: bool) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    profile = tempfile.mkdtemp(prefix="kp-chromium-")
    for arg in (
        "--no-sandbox",
        "--headless",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        "--window-size=1366,900",
        "--lang=da-DK",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"intl.accept_languages": "da-DK,da", **({} if js else {"profile.managed_default_content_settings.javascript": 2})})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.implicitly_wait(0)
    driver._kp_profile = profile  # type: ignore[attr-defined]
    return driver


def _quit(driver: webdriver.Chrome) -> None:
    driver.quit()
    shutil.rmtree(driver._kp_profile, ignore_errors=True)  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="module")
def server(artifacts: Path):
    s = serve_process(NYBORG, artifacts / "serve-nyborg.log")
    yield s
    s.stop()
    log = s.log.read_text(errors="replace")
    assert "Traceback" not in log, "tjenesten loggede en fejl under browsertestene"
    assert "uventet fejl" not in log, "tjenesten loggede en fejl under browsertestene"


@pytest.fixture(scope="module")
def register_server(artifacts: Path):
    """The service on a new SQLite register, made with ``kompetenceplan db upgrade`` as a user would."""
    folder = Path(tempfile.mkdtemp(prefix="kp-register-"))
    url = f"sqlite:///{folder / 'register.db'}"
    subprocess.run([sys.executable, "-m", "kompetenceplan", "db", "upgrade", "--db", url], cwd=ROOT, check=True, capture_output=True)
    s = serve_process(NYBORG, artifacts / "serve-register.log", "--db", url)
    s.db_url = url  # type: ignore[attr-defined]
    yield s
    s.stop()
    shutil.rmtree(folder, ignore_errors=True)
    log = s.log.read_text(errors="replace")
    assert "Traceback" not in log, "tjenesten loggede en fejl under mødetestene"
    assert "uventet fejl" not in log, "tjenesten loggede en fejl under mødetestene"


@pytest.fixture(scope="module")
def aastrup_server(artifacts: Path):
    s = serve_process(AASTRUP, artifacts / "serve-aastrup.log")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def browser():
    driver = _chrome(js=True)
    yield driver
    _quit(driver)


@pytest.fixture(scope="module")
def browser_nojs():
    driver = _chrome(js=False)
    yield driver
    _quit(driver)


@pytest.fixture(scope="module")
def plans():
    return load_plans(NYBORG)


@pytest.fixture(autouse=True)
def no_console_errors(request):
    """Every browser test ends with an empty error console (JS errors, failed requests, CSP)."""
    drivers = [request.getfixturevalue(n) for n in ("browser", "browser_nojs") if n in request.fixturenames]
    for d in drivers:
        d.get_log("browser")  # drain what earlier tests left
    yield
    for d in drivers:
        errors = [e for e in d.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == [], f"konsolfejl: {errors}"


# -- helpers ----------------------------------------------------------------------------------


def screenshot(driver: webdriver.Chrome, name: str) -> Path:
    """A full-page PNG in test-artifacts/ (encoded for speed: the same pixels, a larger file, 40 % less CPU)."""
    data = driver.execute_cdp_cmd("Page.captureScreenshot", {"captureBeyondViewport": True, "format": "png", "optimizeForSpeed": True})
    path = ARTIFACTS / f"{name}.png"
    path.write_bytes(base64.b64decode(data["data"]))
    return path


def wait(driver: webdriver.Chrome, condition: Any, timeout: float = 15) -> Any:
    # a page that is being replaced (a form posted) leaves stale elements: look again
    return WebDriverWait(driver, timeout, poll_frequency=0.05, ignored_exceptions=(StaleElementReferenceException,)).until(condition)


def wait_live_idle(driver: webdriver.Chrome) -> None:
    time.sleep(0.05)
    wait(driver, lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("data-live") == "idle")


def case_of(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def committee_required(plans: Any, submission: dict[str, Any], on: dt.date) -> str:
    """The level that must decide a submission on ``on`` (the routing, lifted to the statutory body)."""
    from kompetenceplan.meetings.committee import required_level

    plan = plans.in_force(on)
    return required_level(plan, submission, check(plan, submission, on=on).routing.level)


def committee_body(plans: Any, submission: dict[str, Any], on: dt.date) -> Any:
    """The meeting body that takes a submission on ``on`` (its committee), or None below the committees."""
    from kompetenceplan.meetings.committee import required_body

    plan = plans.in_force(on)
    return required_body(plan, submission, committee_required(plans, submission, on))


def typed(value: Any) -> str:
    """A number as a Dane writes it (12.000; 2,5)."""
    return format_number(value)


def fill_case(driver: webdriver.Chrome, plan: Plan, case: dict[str, Any], area: Value | None) -> None:
    """Fill the advisor form like a person: in the form's order, numbers in Danish format."""
    for f in advisor_form(plan).fields:
        if f.name not in case:
            continue
        value = case[f.name]
        if f.kind == "steps":
            driver.find_element(By.ID, f"{f.name}-{area}-{value}").click()
        elif f.kind == "select":
            Select(driver.find_element(By.ID, f.name)).select_by_value(value)
        elif f.kind == "bool":
            driver.find_element(By.ID, f"{f.name}-{'ja' if value else 'nej'}").click()
        else:
            element = driver.find_element(By.ID, f.name)
            element.clear()
            element.send_keys(typed(value))


def shown_level(driver: webdriver.Chrome) -> tuple[str | None, str]:
    answer = driver.find_element(By.CSS_SELECTOR, "#svar .answer")
    return answer.get_attribute("data-level"), driver.find_element(By.ID, "niveau").text


def set_date(driver: webdriver.Chrome, element_id: str, value: str) -> None:
    """Date inputs are typed in the browser's locale; set the ISO value as a picker would."""
    driver.execute_script(
        "const e = document.getElementById(arguments[0]); e.value = arguments[1];e.dispatchEvent(new Event('change', {bubbles: true}));",
        element_id,
        value,
    )


def _date_segments(driver: webdriver.Chrome) -> list[str]:
    """The order of a date input's segments. Chromium lays them out in the process's locale, not
    the page's language, so it is found by typing 11, 12, 2000 into a scratch input."""
    driver.execute_script("const e = document.createElement('input'); e.type = 'date'; e.id = 'kp-probe'; document.body.append(e); e.focus();")
    try:
        for digits in ("11", "12", "2000"):
            ActionChains(driver).send_keys(digits).perform()
        value = driver.execute_script("return document.getElementById('kp-probe').value;")
    finally:
        driver.execute_script("document.getElementById('kp-probe').remove();")
    return {"2000-11-12": ["month", "day", "year"], "2000-12-11": ["day", "month", "year"]}.get(value, ["year", "month", "day"])


def type_date(driver: webdriver.Chrome, day: dt.date, segments: list[str]) -> None:
    """Type a date into the focused date input with the keys a person uses: digits, segment by segment."""
    parts = {"day": f"{day.day:02d}", "month": f"{day.month:02d}", "year": f"{day.year:04d}"}
    for part in segments:
        ActionChains(driver).send_keys(parts[part]).perform()


# -- Hvem skal afgøre? ----------------------------------------------------------------------------


class TestAdvisor:
    @pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
    def test_example_case_shows_the_level_decide_gives_as_the_advisor_types(self, server, browser, plans, path: Path) -> None:
        """With JavaScript the answer appears without a page load and names decide()'s level."""
        case = case_of(path)
        expected = decide(plans, case)
        browser.get(f"{server.url}/hvem-skal-afgoere")
        browser.execute_script("window.__sameDocument = true;")
        fill_case(browser, plans.latest, case, expected.inputs[plans.latest.meta.area_input])
        wait_live_idle(browser)
        wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#svar .answer"))
        assert shown_level(browser) == (expected.level.id, expected.level.name)
        assert browser.execute_script("return window.__sameDocument === true"), "siden blev genindlæst"
        answer = browser.find_element(By.ID, "svar").text
        details = browser.find_element(By.CSS_SELECTOR, "#svar .details-owner").get_attribute("textContent")
        for row in expected.matched:
            if row.level == expected.level.id:
                # the law's words in the answer; the rule's id for plan owners in the details
                assert plain_reference(row.reference) in answer
                assert row.id not in answer
                assert row.id in details
        if path.name == "familiebehandling-raadgiver.json":
            screenshot(browser, "hvem-skal-afgoere-svar")
        if path.name.startswith("plejefamilie"):
            screenshot(browser, "hvem-skal-afgoere-udvalg")

    @pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
    def test_without_javascript_the_posted_form_gives_the_same_answer(self, server, browser_nojs, plans, path: Path) -> None:
        """JavaScript off: the form POSTs and the server renders decide()'s level."""
        case = case_of(path)
        expected = decide(plans, case)
        d = browser_nojs
        d.get(f"{server.url}/hvem-skal-afgoere")
        assert d.find_element(By.TAG_NAME, "html").get_attribute("data-live") is None  # the script did not run
        fill_case(d, plans.latest, case, expected.inputs[plans.latest.meta.area_input])
        old = d.find_element(By.TAG_NAME, "html")
        d.find_element(By.CSS_SELECTOR, "#afgoer-form button[type=submit]").click()
        wait(d, lambda drv: old.id != drv.find_element(By.TAG_NAME, "html").id)
        assert shown_level(d) == (expected.level.id, expected.level.name)
        if path.name == "kontaktperson-team.json":
            screenshot(d, "hvem-skal-afgoere-uden-js")

    @pytest.mark.parametrize("js", [True, False], ids=["js", "uden-js"])
    @pytest.mark.parametrize("amount", ["12,000", "12.5", "12.000.0", "tolv tusind"])
    def test_a_bad_amount_marks_the_field_and_keeps_what_was_typed(self, server, browser, browser_nojs, plans, js: bool, amount: str) -> None:
        """An amount that cannot be read safely is refused on its field, in Danish; nothing typed is lost."""
        d = browser if js else browser_nojs
        plan = plans.latest
        monthly = next(f for f in advisor_form(plan).fields if f.kind == "number" and f.required and not f.integer)
        other = next(f for f in advisor_form(plan).fields if f.kind == "number" and f.required and f.integer)
        d.get(f"{server.url}/hvem-skal-afgoere")
        d.find_element(By.ID, monthly.name).send_keys(amount)
        d.find_element(By.ID, other.name).send_keys("6")
        old = d.find_element(By.TAG_NAME, "html")
        d.find_element(By.CSS_SELECTOR, "#afgoer-form button[type=submit]").click()
        if js:
            wait_live_idle(d)
            wait(d, lambda drv: drv.find_elements(By.CSS_SELECTOR, "#fejlliste"))
            assert d.switch_to.active_element.get_attribute("id") == "fejlliste"  # focus moves to the errors
        else:
            wait(d, lambda drv: old.id != drv.find_element(By.TAG_NAME, "html").id)
        field = d.find_element(By.ID, monthly.name)
        error = d.find_element(By.ID, f"{monthly.name}-error")
        assert field.get_attribute("value") == amount
        assert d.find_element(By.ID, other.name).get_attribute("value") == "6"
        assert field.get_attribute("aria-invalid") == "true"
        assert error.is_displayed()
        assert error.text.startswith("Fejl:")
        assert f"{monthly.name}-error" in field.get_attribute("aria-describedby").split()
        assert d.find_element(By.ID, "fejlliste").get_attribute("role") == "alert"
        assert not d.find_elements(By.CSS_SELECTOR, "#svar .answer"), "ingen afgørelse ved ugyldigt input"
        if amount == "12,000":
            screenshot(d, f"hvem-skal-afgoere-fejl-{'js' if js else 'uden-js'}")

    def test_the_form_is_generated_from_the_plan(self, server, browser, plans) -> None:
        """Every declared input has a labelled control; paragraphs are grouped by area; steps show names and examples."""
        plan = plans.latest
        m = plan.meta
        browser.get(f"{server.url}/hvem-skal-afgoere")
        for name in plan.inputs:
            assert browser.find_elements(By.CSS_SELECTOR, f'[name="{name}"]'), name
        groups = {g.get_attribute("label") for g in browser.find_elements(By.CSS_SELECTOR, f"#{m.paragraph_input} optgroup")}
        assert groups == {v.label for v in (plan.inputs[m.area_input].values or {}).values()}
        codes = [o.get_attribute("value") for o in browser.find_elements(By.CSS_SELECTOR, f"#{m.paragraph_input} option") if o.get_attribute("value")]
        assert sorted(codes) == sorted(plan.inputs[m.paragraph_input].values or {})
        text = browser.find_element(By.ID, f"felt-{m.step_input}").text
        for step in plan.ladder:
            assert step.name in text
            assert all(e in text for e in step.examples)
        screenshot(browser, "hvem-skal-afgoere")

    def test_keyboard_only(self, server, browser, plans) -> None:
        """Without a mouse: skip link, every control reachable by Tab with a visible focus, the
        form filled and sent from the keyboard, and the answer is decide()'s."""
        plan = plans.latest
        d = browser
        d.get(f"{server.url}/hvem-skal-afgoere")
        keys = ActionChains(d)
        keys.send_keys(Keys.TAB).perform()
        assert d.switch_to.active_element.get_attribute("class") == "skip-link"
        keys.send_keys(Keys.ENTER).perform()
        assert d.switch_to.active_element.get_attribute("id") == "indhold"
        reached: list[str] = []
        for _ in range(80):
            ActionChains(d).send_keys(Keys.TAB).perform()
            el = d.switch_to.active_element
            style = d.execute_script("const s = getComputedStyle(arguments[0]); return [s.outlineStyle, s.outlineWidth, s.boxShadow];", el)
            assert style[0] != "none", f"ingen synlig fokus på {el.tag_name} {el.get_attribute('name')} {style} {reached}"
            assert style[1] != "0px", f"ingen synlig fokus på {el.tag_name} {el.get_attribute('name')} {style} {reached}"
            reached.append(el.get_attribute("name") or el.get_attribute("id") or el.text)
            if el.get_attribute("type") == "submit":
                break
        names = {f.name for f in advisor_form(plan).fields}
        assert names - {plan.meta.step_input} <= set(reached), f"ikke nået med Tab: {names - set(reached)}"
        # Fill from the keyboard: the paragraph by arrow key, a step by space, numbers by typing.
        d.get(f"{server.url}/hvem-skal-afgoere")
        fields = advisor_form(plan).fields
        numbers = {f.name: format_number(min(plan.inputs[f.name].max, 6 if f.integer else 12000)) for f in fields if f.kind == "number" and not f.derived}
        chosen_step = False
        for _ in range(120):
            ActionChains(d).send_keys(Keys.TAB).perform()
            el = d.switch_to.active_element
            name = el.get_attribute("name")
            if name == plan.meta.paragraph_input:
                ActionChains(d).send_keys(Keys.ARROW_DOWN).perform()
            elif name == plan.meta.step_input and not chosen_step:
                ActionChains(d).send_keys(Keys.SPACE).perform()
                chosen_step = True
            elif name in numbers:
                ActionChains(d).send_keys(numbers.pop(name)).perform()
            if not numbers and chosen_step:
                ActionChains(d).send_keys(Keys.ENTER).perform()
                break
        assert not numbers, f"ikke nået med tastaturet: {sorted(numbers)}"
        assert chosen_step, f"ikke nået med tastaturet: {sorted(numbers)}"
        if plan.meta.consent_input is not None:
            # Consent (barnets lov § 32, stk. 2; § 46) is asked for: "Ja" by the space bar, then
            # the form is sent again with Enter.
            consent = d.find_element(By.ID, f"{plan.meta.consent_input}-ja")
            consent.send_keys(Keys.SPACE)
            consent.send_keys(Keys.ENTER)
        wait_live_idle(d)
        wait(d, lambda drv: drv.find_elements(By.CSS_SELECTOR, "#svar .answer"))
        assert d.switch_to.active_element.get_attribute("id") == "svar"  # the answer gets the focus
        values = d.execute_script("return Object.fromEntries(new FormData(document.getElementById('afgoer-form')))")
        from kompetenceplan.web.forms import case_from_form

        case, errors = case_from_form(plan, values)
        assert errors == {}
        expected = decide(plan, case)
        assert shown_level(d) == (expected.level.id, expected.level.name)
        screenshot(d, "hvem-skal-afgoere-tastatur")


# -- Indstilling ----------------------------------------------------------------------------------


def _reports(driver: webdriver.Chrome) -> dict[str, dict[str, Any]]:
    out = {}
    for article in driver.find_elements(By.CSS_SELECTOR, "article.report"):
        title = article.find_element(By.CSS_SELECTOR, "h3").text
        level = article.find_elements(By.CSS_SELECTOR, "[data-level]")
        out[title] = {
            "status": article.get_attribute("data-status"),
            "codes": [f.get_attribute("data-code") for f in article.find_elements(By.CSS_SELECTOR, "[data-code]")],
            "level": level[0].get_attribute("data-level") if level else None,
            "text": driver.execute_script("return arguments[0].innerText", article),  # what is rendered (a closed <details> is not)
            "all": article.get_attribute("textContent"),
        }
    return out


class TestSecretary:
    def test_uploaded_example_submissions_give_the_findings_check_gives(self, server, browser, plans) -> None:
        """Several files in one upload; each report lists check()'s codes, level and readiness,
        and each finding says what is missing, how to fix it and the legal basis."""
        d = browser
        d.get(f"{server.url}/indstilling")
        screenshot(d, "indstilling")
        d.find_element(By.ID, "filer").send_keys("\n".join(str(p) for p in SUBMISSIONS))
        set_date(d, "moededato", MEETING)
        d.find_element(By.CSS_SELECTOR, "form.upload-form button[type=submit]").click()
        wait(d, lambda drv: drv.find_elements(By.CSS_SELECTOR, "article.report"))
        reports = _reports(d)
        assert len(reports) == len(SUBMISSIONS)
        on = dt.date.fromisoformat(MEETING)
        for path in SUBMISSIONS:
            expected = check(plans, case_of(path), on=on)
            shown = next(r for title, r in reports.items() if path.name in title)
            assert shown["status"] == ("klar" if expected.ready else "ikke klar"), path.name
            assert shown["codes"] == [f.code for f in expected.findings], path.name
            assert shown["level"] == expected.routing.level
            for f in expected.findings:
                # plain Danish in the report; the code and the JSON path in its details
                assert plain(plans.latest, f.hint) in shown["text"]
                assert plain_reference(f.reference) in shown["text"]
                assert f.code not in shown["text"]
                assert f"felt {f.path}" not in shown["text"]
                assert f"felt {f.path}" in " ".join(shown["all"].split())
        assert d.find_element(By.CSS_SELECTOR, ".results [data-print]").is_displayed()
        screenshot(d, "indstilling-rapport")
        d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        try:
            assert not d.find_element(By.CSS_SELECTOR, ".site-header").is_displayed()
            assert not d.find_element(By.CSS_SELECTOR, "form.upload-form").is_displayed()
            assert d.find_element(By.CSS_SELECTOR, "table.agenda").is_displayed()
            screenshot(d, "indstilling-udskrift")
        finally:
            d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})

    def test_pasted_json_without_javascript(self, server, browser_nojs, plans) -> None:
        """A pasted submission is checked like a file; bad JSON keeps the text and names the problem."""
        d = browser_nojs
        path = next(p for p in SUBMISSIONS if "mangler" in p.name)
        d.get(f"{server.url}/indstilling")
        box = d.find_element(By.ID, "json")
        box.send_keys(path.read_text(encoding="utf-8"))
        d.find_element(By.CSS_SELECTOR, "form.upload-form button[type=submit]").click()
        wait(d, lambda drv: drv.find_elements(By.CSS_SELECTOR, "article.report"))
        expected = check(plans, case_of(path), on=dt.date.today())
        (shown,) = _reports(d).values()
        assert shown["codes"] == [f.code for f in expected.findings]
        d.get(f"{server.url}/indstilling")
        d.find_element(By.ID, "json").send_keys('{"sag": {')
        d.find_element(By.CSS_SELECTOR, "form.upload-form button[type=submit]").click()
        wait(d, lambda drv: drv.find_elements(By.ID, "fejlliste"))
        assert d.find_element(By.ID, "json").get_attribute("value") == '{"sag": {'
        assert "ugyldig JSON" in d.find_element(By.ID, "json-error").text


# -- Møde -----------------------------------------------------------------------------------------

MEETING_DAY = dt.date.today() + dt.timedelta(days=14)  # an upcoming meeting: offered on the Indstilling page


def _agenda_items(driver: webdriver.Chrome) -> list[dict[str, Any]]:
    return [
        {
            "case": a.get_attribute("data-case"),
            "ready": a.get_attribute("data-ready") == "ja",
            "level": a.get_attribute("data-level"),
            "codes": [li.get_attribute("data-code") for li in a.find_elements(By.CSS_SELECTOR, "li[data-code]")],
            "text": a.text,
        }
        for a in driver.find_elements(By.CSS_SELECTOR, "article.agenda-item")
    ]


def _printed(driver: webdriver.Chrome, name: str) -> list[str]:
    """In print media: no navigation, every item after the first starts a new page; a screenshot."""
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert not driver.find_element(By.CSS_SELECTOR, ".site-header").is_displayed()
        assert not driver.find_element(By.CSS_SELECTOR, ".main-nav").is_displayed()
        breaks = driver.execute_script("return [...document.querySelectorAll('.doc-item')].map(e => getComputedStyle(e).breakBefore)")
        screenshot(driver, name)
        return breaks
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})


def _focus_visible(driver: webdriver.Chrome) -> bool:
    style = driver.execute_script("const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth];")
    return style[0] != "none" and style[1] != "0px"


def _tab_to(driver: webdriver.Chrome, element_id: str, limit: int = 150) -> list[str]:
    """Tab (only the keyboard) until the element has the focus; every stop has a visible focus."""
    reached: list[str] = []
    for _ in range(limit):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        el = driver.switch_to.active_element
        assert _focus_visible(driver), f"ingen synlig fokus på {el.tag_name} {el.get_attribute('id')} efter {reached}"
        reached.append(el.get_attribute("id") or el.get_attribute("name") or el.text)
        if el.get_attribute("id") == element_id:
            return reached
    raise AssertionError(f"{element_id} blev ikke nået med Tab: {reached}")


class TestMeeting:
    def test_a_secretary_runs_a_meeting_from_agenda_to_minutes(self, register_server, browser, plans) -> None:
        """Create a meeting, upload the example submissions, add each to the meeting, send the
        agenda, record an outcome (a refused one first), open the minutes; every readiness shown
        is check()'s on the meeting date."""
        d, url, day = browser, register_server.url, MEETING_DAY.isoformat()
        plan = plans.in_force(MEETING_DAY)
        d.get(f"{url}/moede")
        assert _accessibility_problems(d) == []
        screenshot(d, "moede-ingen-moeder")
        set_date(d, "moededato", day)
        body = plan.meeting_body("visitationsudvalg_boern")  # the children's visitation committee
        assert body is not None
        Select(d.find_element(By.ID, "udvalg")).select_by_visible_text(body.name)
        d.find_element(By.ID, "titel").send_keys("Visitationsudvalget (browsertest)")
        d.find_element(By.CSS_SELECTOR, "form.meeting-form button[type=submit]").click()
        wait(d, lambda drv: drv.find_elements(By.ID, "besked"))
        meeting_url = d.current_url.split("?")[0]
        meeting_id = meeting_url.rsplit("/", 1)[1]
        assert "Mødet er oprettet" in d.find_element(By.ID, "besked").text

        d.get(f"{url}/indstilling")
        d.find_element(By.ID, "filer").send_keys("\n".join(str(p) for p in SUBMISSIONS))
        set_date(d, "moededato", day)
        d.find_element(By.CSS_SELECTOR, "form.upload-form button[type=submit]").click()
        wait(d, lambda drv: drv.find_elements(By.CSS_SELECTOR, "article.report"))
        forms = d.find_elements(By.CSS_SELECTOR, "form.add-form")
        assert len(forms) == len(SUBMISSIONS)
        for form, path in zip(forms, SUBMISSIONS, strict=True):
            required = committee_body(plans, case_of(path), MEETING_DAY)
            own = required is not None and required.id == body.id  # a child's case at the visitation level
            marked = [o.get_attribute("value") for o in form.find_elements(By.CSS_SELECTOR, "select option") if o.get_dom_attribute("selected") is not None]
            assert (marked == [meeting_id]) == own, path.name  # only the required committee's meeting is pre-selected
            Select(form.find_element(By.TAG_NAME, "select")).select_by_value(meeting_id)
            form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
            wait(d, lambda drv, f=form: f.find_elements(By.CSS_SELECTOR, "[data-result] a, [data-result] button"))
            if not own:
                # another body (a leader, børne- og ungeudvalget, the adults' committee): what and why, in
                # view and with the focus, before anything is added
                result = form.find_element(By.CSS_SELECTOR, "[data-result]")
                who = required.name if required is not None else plans.latest.level(committee_required(plans, case_of(path), MEETING_DAY)).name
                assert d.switch_to.active_element == result
                assert who in result.text
                result.find_element(By.TAG_NAME, "button").click()
                wait(d, lambda drv, f=form: f.find_elements(By.CSS_SELECTOR, "[data-result] a"))
        assert "indstilling" in d.current_url  # added in the background; the reports stay
        assert _accessibility_problems(d) == []
        assert len(set(d.execute_script("return [...document.querySelectorAll('[id]')].map(e => e.id)"))) == len(d.find_elements(By.CSS_SELECTOR, "[id]"))
        screenshot(d, "indstilling-tilfoejet-til-moede")
        link = forms[-1].find_element(By.CSS_SELECTOR, "[data-result] a")
        assert link.get_attribute("href") == meeting_url
        link.click()
        wait(d, lambda drv: drv.find_elements(By.CSS_SELECTOR, "article.agenda-item"))

        items = _agenda_items(d)
        assert [i["case"] for i in items] == [case_of(p)["sagsnummer"] for p in SUBMISSIONS]
        for item, path in zip(items, SUBMISSIONS, strict=True):
            expected = check(plans, case_of(path), on=MEETING_DAY)
            assert (item["ready"], item["codes"], item["level"]) == (expected.ready, [f.code for f in expected.findings], expected.routing.level), path.name
            if not expected.ready:
                assert f"{len(expected.errors)} fejl, {len(expected.findings)} fund i alt" in item["text"]
                assert "IKKE KLAR" in item["text"]
            if expected.routing.level != "visitationsudvalg":
                assert "ANDET NIVEAU" in item["text"]
            elif expected.routing.committee_id != "visitationsudvalg_boern":
                assert "ANDET UDVALG" in item["text"]  # an adult's case on the children's committee
        ready = sum(check(plans, case_of(p), on=MEETING_DAY).ready for p in SUBMISSIONS)
        assert d.find_element(By.ID, "optaelling").text.split() == [str(ready), "klar", str(len(SUBMISSIONS) - ready), "ikke", "klar", "af", str(len(SUBMISSIONS)), "punkter"]
        assert _accessibility_problems(d) == []
        screenshot(d, "moede-dagsorden")

        d.find_element(By.ID, "send-dagsorden").click()
        wait(d, lambda drv: drv.find_elements(By.ID, "bekraeft-ja"))  # sending cannot be undone: confirmed first
        d.find_element(By.ID, "bekraeft-ja").click()
        wait(d, lambda drv: drv.find_element(By.ID, "udsendt").get_attribute("data-sent") == "ja")
        # Item 1 is a § 47 placement, reserved for børne- og ungeudvalget: the visitationsudvalg forwards it.
        Select(d.find_element(By.ID, "udfald-1")).select_by_value("oversendt")
        d.find_element(By.CSS_SELECTOR, "#punkt-1 form button[type=submit]").click()
        wait(d, lambda drv: drv.find_element(By.ID, "begrundelse-1-error").text)
        assert "begrundelse" in d.find_element(By.ID, "begrundelse-1-error").text
        assert d.find_element(By.ID, "begrundelse-1-error").get_attribute("role") == "alert"
        assert Select(d.find_element(By.ID, "udfald-1")).first_selected_option.get_attribute("value") == "oversendt"
        assert d.find_element(By.ID, "begrundelse-1").get_attribute("aria-invalid") == "true"
        assert _accessibility_problems(d) == []
        screenshot(d, "moede-udfald-fejl")
        d.find_element(By.ID, "begrundelse-1").send_keys("Ikke tilstrækkeligt belyst.")
        d.find_element(By.CSS_SELECTOR, "#punkt-1 form button[type=submit]").click()
        wait(d, lambda drv: drv.find_elements(By.CSS_SELECTOR, "#punkt-1 .outcome"))
        assert d.find_element(By.CSS_SELECTOR, "#punkt-1 .outcome").get_attribute("data-outcome") == "oversendt"
        assert "Udfaldet for punkt 1 er registreret" in d.find_element(By.ID, "besked").text

        d.find_element(By.LINK_TEXT, "Referat").click()
        wait(d, lambda drv: drv.find_elements(By.CSS_SELECTOR, ".meeting-document"))
        decisions = [li.get_attribute("data-outcome") for li in d.find_elements(By.CSS_SELECTOR, "p.decision")]
        assert decisions == ["oversendt"] + [""] * (len(SUBMISSIONS) - 1)
        assert "Ikke tilstrækkeligt belyst." in d.find_element(By.TAG_NAME, "main").text
        assert _accessibility_problems(d) == []
        screenshot(d, "moede-referat")
        assert _printed(d, "moede-referat-udskrift") == ["auto"] + ["page"] * (len(SUBMISSIONS) - 1)

        d.get(f"{meeting_url}/dagsorden")
        shown = [s.get_attribute("data-ready") == "ja" for s in d.find_elements(By.CSS_SELECTOR, "section.doc-item")]
        assert shown == [check(plans, case_of(p), on=MEETING_DAY).ready for p in SUBMISSIONS]
        assert "Udsendt" in d.find_element(By.CSS_SELECTOR, ".doc-meta").text
        screenshot(d, "moede-dagsorden-dokument")
        _printed(d, "moede-dagsorden-udskrift")

        d.get(f"{url}/moede")
        row = d.find_element(By.CSS_SELECTOR, f'tr[data-meeting="{meeting_id}"]')
        assert row.find_element(By.CSS_SELECTOR, "[data-items]").get_attribute("data-items") == str(len(SUBMISSIONS))
        assert row.find_element(By.CSS_SELECTOR, "[data-ready]").get_attribute("data-ready") == str(ready)
        screenshot(d, "moede-liste")

    def test_keyboard_only_on_the_meeting_page(self, register_server, browser, plans) -> None:
        """Without a mouse: send the agenda and record an outcome; every stop has a visible focus;
        the register has what was typed."""
        from kompetenceplan.meetings import committee
        from kompetenceplan.store.register import Register

        reg = Register(register_server.db_url)
        try:
            meeting = committee.new_meeting(reg, plans, MEETING_DAY, "visitationsudvalg", "Tastaturmødet", actor=ACTOR)
            for path in SUBMISSIONS[:2]:
                committee.add_submission(reg, plans, meeting.id, case_of(path), actor=ACTOR)
            d = browser
            d.get(f"{register_server.url}/moede/{meeting.id}")
            ActionChains(d).send_keys(Keys.TAB).perform()
            assert d.switch_to.active_element.get_attribute("class") == "skip-link"
            ActionChains(d).send_keys(Keys.ENTER).perform()
            _tab_to(d, "send-dagsorden")
            ActionChains(d).send_keys(Keys.ENTER).perform()
            wait(d, lambda drv: drv.find_elements(By.ID, "bekraeft"))  # the confirmation takes the focus
            assert d.switch_to.active_element.get_attribute("id") == "bekraeft"
            _tab_to(d, "bekraeft-ja", limit=3)
            ActionChains(d).send_keys(Keys.ENTER).perform()
            wait(d, lambda drv: drv.find_element(By.ID, "udsendt").get_attribute("data-sent") == "ja")
            assert committee.build_agenda(reg, plans, meeting.id).sent_at is not None
            _tab_to(d, "udfald-2")
            ActionChains(d).send_keys(Keys.ARROW_DOWN).perform()  # the first outcome: bevilget
            assert Select(d.find_element(By.ID, "udfald-2")).first_selected_option.get_attribute("value") == "bevilget"
            ActionChains(d).send_keys(Keys.TAB).perform()
            assert d.switch_to.active_element.get_attribute("id") == "begrundelse-2"
            ActionChains(d).send_keys("Bevilget som indstillet.").perform()
            ActionChains(d).send_keys(Keys.ENTER).perform()
            # item 2 is a leader's case on the visitationsudvalg's meeting: a decision there is confirmed first
            wait(d, lambda drv: drv.find_elements(By.ID, "bekraeft"))
            _tab_to(d, "bekraeft-ja", limit=3)
            ActionChains(d).send_keys(Keys.ENTER).perform()
            wait(d, lambda drv: drv.find_elements(By.CSS_SELECTOR, "#punkt-2 .outcome"))
            item = committee.build_agenda(reg, plans, meeting.id).items[1]
            assert (item.outcome, item.reason) == ("bevilget", "Bevilget som indstillet.")
            screenshot(d, "moede-tastatur")
        finally:
            reg.close()

    def test_keyboard_only_a_grant_with_its_dates(self, register_server, browser, plans) -> None:
        """Without a mouse: record a grant with a start and an expected end typed into the date
        fields; the page then shows the dates the register stored, and a bad end is named on its field."""
        from kompetenceplan.meetings import committee
        from kompetenceplan.store.register import Register

        granted = next(p for p in SUBMISSIONS if p.name.startswith("plejefamilie"))
        start, end = MEETING_DAY + dt.timedelta(days=5), MEETING_DAY + dt.timedelta(days=370)
        reg = Register(register_server.db_url)
        try:
            meeting = committee.new_meeting(reg, plans, MEETING_DAY, "visitationsudvalg", "Bevillingsmødet", actor=ACTOR)
            committee.add_submission(reg, plans, meeting.id, case_of(granted), actor=ACTOR)
            d = browser
            d.get(f"{register_server.url}/moede/{meeting.id}")
            segments = _date_segments(d)
            _tab_to(d, "udfald-1")
            ActionChains(d).send_keys(Keys.ARROW_DOWN).perform()  # the first outcome: bevilget
            assert Select(d.find_element(By.ID, "udfald-1")).first_selected_option.get_attribute("value") == "bevilget"
            _tab_to(d, "startdato-1", limit=3)
            type_date(d, start, segments)
            _tab_to(d, "slutdato-1", limit=5)
            type_date(d, start - dt.timedelta(days=1), segments)  # before the start: refused on its field
            assert (d.find_element(By.ID, "startdato-1").get_attribute("value"), d.find_element(By.ID, "slutdato-1").get_attribute("value")) == (
                start.isoformat(),
                (start - dt.timedelta(days=1)).isoformat(),
            )
            ActionChains(d).send_keys(Keys.ENTER).perform()
            wait(d, lambda drv: drv.find_element(By.ID, "slutdato-1-error").text)
            error = d.find_element(By.ID, "slutdato-1-error")
            assert "før start" in error.text
            assert error.get_attribute("role") == "alert"
            assert d.find_element(By.ID, "slutdato-1").get_attribute("aria-invalid") == "true"
            assert d.find_element(By.ID, "startdato-1").get_attribute("value") == start.isoformat()  # kept
            assert committee.build_agenda(reg, plans, meeting.id).items[0].outcome is None
            assert _accessibility_problems(d) == []
            screenshot(d, "moede-bevilling-datofejl")

            _tab_to(d, "slutdato-1")
            type_date(d, end, segments)
            ActionChains(d).send_keys(Keys.ENTER).perform()
            wait(d, lambda drv: drv.find_elements(By.ID, "punkt-1-datoer"))
            (decision,) = reg.decisions(case_ref=case_of(granted)["sagsnummer"])
            assert (decision.outcome, decision.start, decision.expected_end) == ("bevilget", start, end)
            shown = d.find_element(By.ID, "punkt-1-datoer")
            assert shown.find_element(By.CSS_SELECTOR, "[data-start]").get_attribute("data-start") == start.isoformat()
            assert shown.find_element(By.CSS_SELECTOR, "[data-end]").get_attribute("data-end") == end.isoformat()
            assert date_text(start) in shown.text
            assert date_text(end) in shown.text
            assert _accessibility_problems(d) == []
            screenshot(d, "moede-bevilling-datoer")
        finally:
            reg.close()

    def test_a_new_version_of_an_item_from_the_indstilling_page(self, register_server, browser, plans) -> None:
        """The "Erstatter punkt" field: an unknown item is named on that field (the library's words), a known
        one makes the submission the item's next version."""
        from kompetenceplan.errors import CaseError
        from kompetenceplan.meetings import committee
        from kompetenceplan.store.register import Register

        path = SUBMISSIONS[0]
        reg = Register(register_server.db_url)
        try:
            meeting = committee.new_meeting(reg, plans, MEETING_DAY + dt.timedelta(days=1), "visitationsudvalg", "Versionsmødet", actor=ACTOR)
            # an earlier version of the file's submission (the same one again would be that item, issue 23)
            committee.add_submission(reg, plans, meeting.id, case_of(path) | {"formaal": "En tidligere version."}, actor=ACTOR)
            with pytest.raises(CaseError) as refused:
                committee.add_submission(reg, plans, meeting.id, case_of(path), replaces=4, actor=ACTOR)
            (problem,) = refused.value.problems
            d = browser
            # the new version has changed content (the same content again is refused: "uændret")
            changed = Path(tempfile.mkdtemp(prefix="kp-ny-version-")) / path.name
            changed.write_text(json.dumps(case_of(path) | {"formaal": "Et rettet formål."}, ensure_ascii=False), encoding="utf-8")
            d.get(f"{register_server.url}/indstilling")
            d.find_element(By.ID, "filer").send_keys(str(changed))
            set_date(d, "moededato", (MEETING_DAY + dt.timedelta(days=1)).isoformat())
            d.find_element(By.CSS_SELECTOR, "form.upload-form button[type=submit]").click()
            wait(d, lambda drv: drv.find_elements(By.CSS_SELECTOR, "form.add-form"))
            form = d.find_element(By.CSS_SELECTOR, "form.add-form")
            Select(form.find_element(By.ID, "moede-1")).select_by_value(str(meeting.id))
            form.find_element(By.ID, "erstatter-1").send_keys("4")
            form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
            wait(d, lambda drv: drv.find_element(By.ID, "erstatter-1-error").text)
            error = d.find_element(By.ID, "erstatter-1-error")
            assert f"{problem.what} {problem.fix}" in error.text
            assert error.get_attribute("role") == "alert"
            assert d.find_element(By.ID, "erstatter-1").get_attribute("aria-invalid") == "true"
            assert d.find_element(By.ID, "moede-1").get_attribute("aria-invalid") is None
            assert d.find_element(By.ID, "moede-1-error").text == ""
            assert _accessibility_problems(d) == []
            screenshot(d, "indstilling-erstatter-fejl")
            field = d.find_element(By.ID, "erstatter-1")
            field.clear()
            field.send_keys("1")
            form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
            wait(d, lambda drv: drv.find_elements(By.CSS_SELECTOR, "#moede-1-resultat a"))
            assert "ny version af punkt 1" in d.find_element(By.ID, "moede-1-resultat").text
            assert d.find_element(By.ID, "erstatter-1-error").text == ""
            assert d.find_element(By.ID, "erstatter-1").get_attribute("aria-invalid") is None
            assert [i.versions for i in committee.build_agenda(reg, plans, meeting.id).items] == [2]
        finally:
            reg.close()


# -- the other pages ----------------------------------------------------------------------------


def _accessibility_problems(driver: webdriver.Chrome) -> list[str]:
    """Labels on every control, lang="da", one h1, and text contrast of at least 4.5:1 (3:1 for large text)."""
    return driver.execute_script(
        """
        const problems = [];
        if (document.documentElement.lang !== 'da') problems.push('lang');
        if (document.querySelectorAll('h1').length !== 1) problems.push('h1');
        for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
          if (!el.labels || el.labels.length === 0) problems.push('label mangler: ' + (el.name || el.id));
        }
        function rgb(text) { const m = text.match(/[\\d.]+/g); return m ? m.map(Number) : [0, 0, 0, 0]; }
        function lum(c) { const a = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
          return 0.2126 * a[0] + 0.7152 * a[1] + 0.0722 * a[2]; }
        function background(el) {
          for (let e = el; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c.length < 4 || c[3] > 0.5) return c; }
          return [255, 255, 255];
        }
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        const seen = new Set();
        while (walker.nextNode()) {
          const node = walker.currentNode; const el = node.parentElement;
          if (!node.textContent.trim() || seen.has(el)) continue;
          seen.add(el);
          const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
          if (r.width === 0 || r.height === 0 || s.visibility === 'hidden' || el.closest('.visually-hidden, option')) continue;
          const fg = lum(rgb(s.color)), bg = lum(background(el));
          const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
          const large = parseFloat(s.fontSize) >= 24 || (parseFloat(s.fontSize) >= 18.66 && parseInt(s.fontWeight) >= 700);
          if (ratio < (large ? 3 : 4.5)) problems.push('kontrast ' + ratio.toFixed(2) + ': ' + node.textContent.trim().slice(0, 40));
        }
        return problems;
        """
    )


class TestPages:
    @pytest.mark.parametrize(
        ("path", "name"),
        [
            ("/", "forside"),
            ("/hvem-skal-afgoere", None),
            ("/indstilling", None),
            ("/moede", "moede"),
            ("/kompetenceplan", "kompetenceplanen"),
            ("/kompetenceplan/dokumentation", "dokumentationsstandard"),
            ("/kompetenceplan/aendringer", "aendringer-en-version"),
        ],
    )
    def test_page_is_danish_navigable_and_accessible(self, server, browser, plans, path: str, name: str | None) -> None:
        """Each page: the whole navigation, labels, contrast, no console errors; a screenshot."""
        browser.get(f"{server.url}{path}")
        nav = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "nav.main-nav a")]
        assert nav == [item.label for item in NAV]
        assert _accessibility_problems(browser) == []
        if name:
            screenshot(browser, name)

    def test_meeting_page_says_the_register_is_not_configured(self, server, browser) -> None:
        browser.get(f"{server.url}/moede")
        text = browser.find_element(By.TAG_NAME, "main").text
        assert "ikke sat op" in text
        assert "kompetenceplan serve --db" not in text
        details = browser.find_element(By.CSS_SELECTOR, "#intet-register details").get_attribute("textContent")
        assert "kompetenceplan serve --db" in details
        assert "kompetenceplan db upgrade" in details

    def test_plan_page_shows_the_version_in_force_and_the_documentation_standard(self, server, browser, plans) -> None:
        plan = plans.in_force(dt.date.today())
        browser.get(f"{server.url}/kompetenceplan")
        text = browser.find_element(By.TAG_NAME, "main").text
        assert plan.meta.version in text
        assert "i kraft i dag" in text
        assert all(row.id in text for row in plan.rows)
        browser.get(f"{server.url}/kompetenceplan/dokumentation")
        codes = [s.get_attribute("id") for s in browser.find_elements(By.CSS_SELECTOR, "section.requirement")]
        assert codes == [r.code for r in plan.requirements]


class TestAnotherPlan:
    """Aastrup has other input names, levels and two dated versions: nothing is Nyborg-specific."""

    def test_scenarios_routed_from_the_form_on_their_date(self, aastrup_server, browser) -> None:
        plans = load_plans(AASTRUP)
        scenarios = [s for s in load_scenarios(AASTRUP / "scenarier") if s.expect.level]
        assert scenarios
        for sc in scenarios:
            expected = decide(plans, dict(sc.case), on=sc.on)
            plan = plans.in_force(sc.on)  # type: ignore[arg-type]
            browser.get(f"{aastrup_server.url}/hvem-skal-afgoere")
            fill_case(browser, plan, dict(sc.case), expected.inputs[plan.meta.area_input])
            if sc.on:
                set_date(browser, "dato", sc.on.isoformat())
            wait_live_idle(browser)
            wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#svar .answer"))
            assert shown_level(browser) == (expected.level.id, expected.level.name), sc.name
            assert expected.plan.version in browser.find_element(By.ID, "svar").text
        screenshot(browser, "aastrup-hvem-skal-afgoere")

    def test_diff_page_lists_the_changes_between_versions(self, aastrup_server, browser) -> None:
        from kompetenceplan.tooling.diff import diff

        plans = load_plans(AASTRUP)
        changes, _ = diff(plans.versions[0], plans.versions[1])
        browser.get(f"{aastrup_server.url}/kompetenceplan/aendringer")
        rows = browser.find_elements(By.CSS_SELECTOR, "table.diff tbody tr")
        assert len(rows) == len(changes) > 0
        for row, change in zip(rows, changes, strict=False):
            cells = row.find_elements(By.TAG_NAME, "td")
            assert change.paragraph in cells[0].text
            assert change.old_level in cells[1].text
            assert change.new_level in cells[2].text
            assert cells[3].text == str(change.count)
        assert _accessibility_problems(browser) == []
        screenshot(browser, "aendringer")
        browser.get(f"{aastrup_server.url}/kompetenceplan?version={plans.versions[0].meta.version}")
        assert "ikke er den version, der er i kraft" in browser.find_element(By.TAG_NAME, "main").text
        screenshot(browser, "kompetenceplanen-tidligere-version")


# -- Ledelsestilsyn and økonomisk tilsyn ---------------------------------------------------------------


class TestTilsyn:
    """A leader on a generated municipality: draws the newest quarter, answers one case's
    checklist with the keyboard only (a "nej" without comment first), opens the report and the
    økonomisk tilsyn. What the pages show is compared with `tilsyn.draw.show` and the reports'
    builders."""

    @pytest.fixture(scope="class")
    @classmethod
    def tilsyn_server(cls, artifacts: Path):
        from kompetenceplan.tilsyn.config import load_config
        from kompetenceplan.tilsyn.draw import quarter_dates

        config = load_config(ROOT / "rules" / "nyborg-tilsyn.toml")
        today = dt.date.today()
        quarters = [f"{y}Q{n}" for y in (today.year - 1, today.year) for n in (1, 2, 3, 4)]
        quarter = max((quarter_dates(config, q)[0], q) for q in quarters if quarter_dates(config, q)[0] <= today)[1]
        last = quarter_dates(config, quarter)[2]
        folder = Path(tempfile.mkdtemp(prefix="kp-tilsyn-"))
        url = f"sqlite:///{folder / 'register.db'}"
        for args in (["db", "upgrade", "--db", url], ["tilsyn", "generate", "--db", url, "--until", last.isoformat(), "--seed", "8"]):
            subprocess.run([sys.executable, "-m", "kompetenceplan", *args], cwd=ROOT, check=True, capture_output=True)
        s = serve_process(NYBORG, artifacts / "serve-tilsyn.log", "--db", url)
        s.db_url, s.quarter, s.config = url, quarter, config  # type: ignore[attr-defined]
        yield s
        s.stop()
        shutil.rmtree(folder, ignore_errors=True)
        log = s.log.read_text(errors="replace")
        assert "Traceback" not in log, "tjenesten loggede en fejl under tilsynstestene"
        assert "uventet fejl" not in log, "tjenesten loggede en fejl under tilsynstestene"

    def test_a_leader_draws_answers_a_checklist_by_keyboard_and_prints_the_report(self, tilsyn_server, browser) -> None:
        from kompetenceplan.store.register import Register
        from kompetenceplan.tilsyn.draw import show
        from kompetenceplan.tilsyn.report import build_report

        d, url, quarter, config = browser, tilsyn_server.url, tilsyn_server.quarter, tilsyn_server.config
        d.get(f"{url}/tilsyn")
        assert d.find_element(By.ID, "kvartal").get_attribute("value") == quarter_text(quarter)
        assert d.find_element(By.ID, "pr_team").get_attribute("value") == str(config.tilsyn.per_stratum)
        assert _accessibility_problems(d) == []
        screenshot(d, "tilsyn-ingen-traekninger")
        size = d.find_element(By.ID, "pr_team")
        size.clear()
        size.send_keys("1")
        d.find_element(By.ID, "traek").click()
        wait(d, lambda drv: drv.find_elements(By.ID, "bekraeft-ja"))  # a draw is once only: confirmed first
        d.find_element(By.ID, "bekraeft-ja").click()
        wait(d, lambda drv: drv.find_elements(By.ID, "besked"))
        reg = Register(tilsyn_server.db_url)
        try:
            stored = show(reg, quarter)
            assert stored is not None
            assert stored.per_stratum == 1
            assert stored.items
            cases = d.find_elements(By.CSS_SELECTOR, "article.tilsyn-case")
            assert [c.get_attribute("data-case") for c in cases] == [i["case_ref"] for i in stored.items]
            for case, item in zip(cases, stored.items, strict=True):
                shown = [(r.get_attribute("data-code"), r.get_attribute("data-status")) for r in case.find_elements(By.CSS_SELECTOR, "table.checks tbody tr")]
                assert shown == [(r["code"], r["status"]) for r in item["results"]]
            assert _accessibility_problems(d) == []
            screenshot(d, "tilsyn-kvartal")

            # the keyboard only, from the top of the page: open the first case's checklist and answer every question
            assert d.switch_to.active_element.get_attribute("id") == "besked"  # the banner took the focus
            d.get(f"{url}/tilsyn/{quarter}")
            p = stored.items[0]["position"]
            ActionChains(d).send_keys(Keys.TAB).perform()
            assert d.switch_to.active_element.get_attribute("class") == "skip-link"
            ActionChains(d).send_keys(Keys.ENTER).perform()
            _tab_to(d, f"tjekliste-{p}-vis")
            ActionChains(d).send_keys(Keys.ENTER).perform()
            assert d.find_element(By.ID, f"tjekliste-{p}").get_attribute("open") is not None
            # the whole checklist of the case's track is one form: the first "nej" (the next radio), every other "ja", saved once
            questions = config.questions_for(stored.items[0]["track"])  # the track's own checklist
            for n, q in enumerate(questions):
                fid = f"s{p}-{q.id}"
                _tab_to(d, f"{fid}-ja", limit=4)
                ActionChains(d).send_keys(Keys.SPACE if n else Keys.ARROW_RIGHT).perform()
                ActionChains(d).send_keys(Keys.TAB).perform()
                assert d.switch_to.active_element.get_attribute("id") == f"{fid}-kommentar"
            ActionChains(d).send_keys(Keys.TAB).perform()
            assert d.switch_to.active_element.get_attribute("id") == f"tjekliste-gem-{p}"  # no typed initials: the reviewer is the user
            ActionChains(d).send_keys(Keys.ENTER).perform()
            fid = f"s{p}-{questions[0].id}"
            # a "nej" without a comment: refused, announced at the top with the focus, everything kept
            wait(d, lambda drv: drv.find_elements(By.ID, "fejlliste"))
            assert d.switch_to.active_element.get_attribute("id") == "fejlliste"
            error = d.find_element(By.ID, f"{fid}-kommentar-error")
            assert error.get_attribute("role") == "alert"
            assert "et nej skal begrundes" in error.text
            assert d.find_element(By.ID, f"{fid}-nej").is_selected()
            assert all(d.find_element(By.ID, f"s{p}-{q.id}-ja").is_selected() for q in questions[1:])
            assert d.find_element(By.ID, f"{fid}-kommentar").get_attribute("aria-invalid") == "true"
            assert _accessibility_problems(d) == []
            screenshot(d, "tilsyn-nej-uden-kommentar")
            _tab_to(d, f"{fid}-kommentar")
            ActionChains(d).send_keys("Udredningen mangler i sagen.").perform()
            ActionChains(d).send_keys(Keys.ENTER).perform()
            saved = f"Tjeklisten for sag nr. {p} er gemt."
            wait(d, lambda drv, saved=saved: any(saved in e.text for e in drv.find_elements(By.ID, "besked")))
            assert d.switch_to.active_element.get_attribute("id") == "besked"
            answers = show(reg, quarter).items[0]["answers"]
            assert {q: (a["answer"], a["answered_by"]) for q, a in answers.items()} == {q.id: ("nej" if n == 0 else "ja", local_actor().id) for n, q in enumerate(questions)}
            assert answers[questions[0].id]["comment"] == "Udredningen mangler i sagen."
            progress = d.find_element(By.ID, "fremdrift")
            assert progress.get_attribute("data-answered") == "1"
            assert progress.text.startswith(f"1 af {len(stored.items)} sager gennemgået")
            screenshot(d, "tilsyn-tjekliste-besvaret")

            d.find_element(By.ID, "til-rapport").click()
            wait(d, lambda drv: drv.find_elements(By.CSS_SELECTOR, ".tilsyn-report"))
            report = build_report(reg, config, quarter)
            main = d.find_element(By.TAG_NAME, "main").text
            assert f"Ledelsestilsyn {quarter_text(quarter)}" in d.find_element(By.TAG_NAME, "main").text
            for rate in report.per_check:
                assert rate.label in main
            l01 = next(c for c in report.checklist if c["id"] == questions[0].id)
            assert l01["nej"] == 1
            assert f"{stored.items[0]['case_ref']} (nr. {p})" in main
            assert _accessibility_problems(d) == []
            screenshot(d, "tilsyn-rapport")
            d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
            try:
                assert d.execute_script("return getComputedStyle(document.querySelector('.site-header')).display") == "none"
                screenshot(d, "tilsyn-rapport-udskrift")
            finally:
                d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        finally:
            reg.close()

    def test_the_frister_page_lists_the_worklist_and_filters_by_advisor(self, tilsyn_server, browser) -> None:
        """Frister (issue 26): the department's open deadlines as the library lists them; the
        advisor filter (a POSTed form) by keyboard; accessible; a screenshot."""
        from kompetenceplan.frister.rules import load_rules
        from kompetenceplan.frister.worklist import worklist
        from kompetenceplan.store.db import make_engine

        config = load_rules(ROOT / "rules" / "nyborg-frister.toml")
        engine = make_engine(tilsyn_server.db_url)
        try:
            everyone = worklist(engine, config, on=dt.date.today())
            one = worklist(engine, config, on=dt.date.today(), advisor="fiktiv:AHN")
        finally:
            engine.dispose()
        d = browser
        d.get(f"{tilsyn_server.url}/frister")
        rows = d.find_elements(By.CSS_SELECTOR, "table.frister tbody tr")
        assert [(r.get_attribute("data-case"), r.get_attribute("data-rule")) for r in rows] == [(i.case_ref, i.rule) for i in everyone.items]
        assert _accessibility_problems(d) == []
        field = d.find_element(By.ID, "raadgiver")
        field.send_keys("fiktiv:AHN")
        field.send_keys(Keys.ENTER)
        wait(d, lambda drv: "rådgiver fiktiv:AHN" in drv.find_element(By.ID, "arbejdsliste-titel").text)
        rows = d.find_elements(By.CSS_SELECTOR, "table.frister tbody tr")
        assert [(r.get_attribute("data-case"), r.get_attribute("data-rule")) for r in rows] == [(i.case_ref, i.rule) for i in one.items]
        assert rows
        assert "AHN" not in d.current_url
        screenshot(d, "frister")

    def test_the_economy_report_for_a_quarter(self, tilsyn_server, browser) -> None:
        from kompetenceplan.store.db import make_engine
        from kompetenceplan.tilsyn import economy

        d = browser
        d.get(f"{tilsyn_server.url}/oekonomi")
        field = d.find_element(By.ID, "kvartal")
        field.clear()
        field.send_keys(tilsyn_server.quarter)
        d.find_element(By.ID, "maaneder").click()
        d.find_element(By.ID, "vis-rapport").click()
        wait(d, lambda drv: drv.find_elements(By.CSS_SELECTOR, ".economy-report"))
        engine = make_engine(tilsyn_server.db_url)
        try:
            report = economy.build_report(engine, load_plans(NYBORG), economy.parse_quarter(tilsyn_server.quarter), monthly=True)
        finally:
            engine.dispose()
        text = d.find_element(By.CSS_SELECTOR, ".economy-report").text
        for period in report.periods:
            assert period.figures.period.label in text
            assert economy.kr(period.figures.cost_oere) in text
        assert d.find_element(By.ID, "maaneder").is_selected()
        assert _accessibility_problems(d) == []
        screenshot(d, "oekonomisk-tilsyn")

    @pytest.mark.parametrize(("path", "name"), [("/tilsyn", "tilsyn-uden-register"), ("/oekonomi", "oekonomisk-tilsyn-uden-register"), ("/frister", "frister-uden-register")])
    def test_without_a_register_the_pages_say_how_to_start(self, server, browser, path: str, name: str) -> None:
        browser.get(f"{server.url}{path}")
        assert [a.text for a in browser.find_elements(By.CSS_SELECTOR, "nav.main-nav a")] == [item.label for item in NAV]
        current = browser.find_element(By.CSS_SELECTOR, 'nav.main-nav a[aria-current="page"]')
        assert current.get_attribute("href").endswith(path)
        text = browser.find_element(By.TAG_NAME, "main").text
        assert "ikke sat op" in text
        assert "kompetenceplan serve --db" in browser.find_element(By.CSS_SELECTOR, "#intet-register details").get_attribute("textContent")
        assert _accessibility_problems(browser) == []
        screenshot(browser, name)
