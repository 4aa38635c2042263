"""Shared fixtures: the bundled Nyborg plan and small plans written for one test."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from kompetenceplan import Plan, load_plan

# Hypothesis profiles: a fast default for working, and "ci" (`pytest --hypothesis-profile=ci`,
# what .ci/run and the README's test command use) with the full example counts, e.g. ≥10,000
# cases for durable-rules = reference evaluator. Tests scale their counts with `examples(n)`.
settings.register_profile("dev", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("dev")


def examples(n: int) -> settings:
    """``n`` examples in the ci profile, a tenth (at least 25) in the fast default."""
    assert settings.default is not None  # a profile is loaded above
    full = settings.default.max_examples >= 1000
    return settings(max_examples=n if full else max(25, n // 10), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def plan_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The plan cache of this test session (CLI subprocesses inherit it): tests never read or
    write the user's own cache, and they run with the cache on, as users do."""
    folder = tmp_path_factory.mktemp("plan-cache")
    folder.chmod(0o700)
    before = os.environ.get("KOMPETENCEPLAN_CACHE_DIR")
    os.environ["KOMPETENCEPLAN_CACHE_DIR"] = str(folder)
    yield folder
    if before is None:
        os.environ.pop("KOMPETENCEPLAN_CACHE_DIR", None)
    else:
        os.environ["KOMPETENCEPLAN_CACHE_DIR"] = before


NYBORG = ROOT / "rules" / "nyborg"
EXAMPLES = ROOT / "examples"

#: A complete small plan, one string per file, that tests copy and break on purpose.
SMALL_PLAN = {
    "plan.toml": """
        [plan]
        id = "lille"
        kommune = "Testkommune"
        name = "Lille testplan"
        version = "1"
        valid_from = 2026-01-01
        price_year = 2026
        source = "test"
        escalation_level = "udvalg"

        [[levels]]
        id = "raadgiver"
        name = "Rådgiver"

        [[levels]]
        id = "leder"
        name = "Leder"

        [[levels]]
        id = "udvalg"
        name = "Visitationsudvalg"

        [[levels]]
        id = "buu"
        name = "Børne- og ungeudvalget"
        body = "boerne_og_ungeudvalg"
    """,
    "trappe.toml": """
        [[ladder]]
        area = "boern"
        step = 1
        name = "Tidlig indsats"

        [[ladder]]
        area = "boern"
        step = 2
        name = "Anbringelse"
    """,
    "input.toml": """
        [inputs.omraade]
        type = "enum"
        label = "Område"
        values = { boern = { label = "Børn" } }

        [inputs.trin]
        type = "int"
        label = "Trin"
        min = 1
        max = 2
        monotone = true

        [inputs.udgift]
        type = "number"
        label = "Månedlig udgift"
        unit = "kr./md."
        min = 0
        max = 1000000
        monotone = true

        [inputs.timer]
        type = "number"
        label = "Timer"
        min = 0
        max = 100
        required = false

        [inputs.paragraf]
        type = "enum"
        label = "Paragraf"

        [inputs.paragraf.values."bl-35"]
        label = "Barnets lov § 35"
        law = "barnets_lov"
        section = 35

        [inputs.paragraf.values."bl-47"]
        label = "Barnets lov § 47"
        law = "barnets_lov"
        section = 47
    """,
    "regler.toml": """
        [[rows]]
        id = "R-1"
        level = "raadgiver"
        when = { trin = 1, udgift = { lt = 10000 } }
        reference = "test"

        [[rows]]
        id = "R-2"
        level = "leder"
        when = { udgift = { gte = 10000 } }
        reference = "test"

        [[rows]]
        id = "R-3"
        level = "udvalg"
        when = { timer = { gte = 20 } }
        reference = "test"

        [[rows]]
        id = "R-47"
        level = "buu"
        law = true
        when = { paragraf = "bl-47" }
        reference = "Barnets lov § 47"
    """,
}

SMALL_CASE = {"omraade": "boern", "trin": 1, "udgift": 5000.0, "timer": 2.0, "paragraf": "bl-35"}


def write_plan(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def nyborg() -> Plan:
    return load_plan(NYBORG)


@pytest.fixture
def small_plan_dir(tmp_path: Path) -> Path:
    return write_plan(tmp_path / "lille", SMALL_PLAN)


@pytest.fixture
def small_plan(small_plan_dir: Path) -> Plan:
    return load_plan(small_plan_dir)


# -n auto: modules whose module fixtures are costly (a `kompetenceplan serve` subprocess, the
# browsers, a generated register) run whole on one xdist worker, so those start once; every other
# test is handed out on its own, as with the default `--dist load`. (pytest-xdist's own
# `--dist loadgroup` renames item._nodeid, which pytest 9 no longer reads: it does not group.)
WHOLE_MODULES = {f"tests/{name}.py" for name in ("test_web_browser", "test_hardening", "test_client", "test_generated_client", "test_tilsyn", "test_web_tilsyn", "test_auth", "test_auth_browser")}


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist: absent without it
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getvalue("dist") != "load":
        return None  # another --dist was asked for: xdist's own
    from xdist.scheduler import LoadScopeScheduling

    class WholeModules(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return path if path in WHOLE_MODULES else nodeid

    return WholeModules(config, log)


# The register's fixtures (SQLite and a real PostgreSQL per test) for test_register and test_meetings.
from .register_fixtures import _migrated_postgres, _migrated_sqlite, backend, db_url, migrated_url, open_register, postgres_server  # noqa: E402, F401
