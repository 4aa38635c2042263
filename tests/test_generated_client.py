"""A generated client is a test (issue 23): openapi-python-client generates Python clients from the
contracts two real services publish (``serve`` and ``serve --db``), ``mypy --strict`` type-checks
them together with a script that uses them (tests/generated_client_flows.py), and the script runs
the README's flows through them with the library's own answers. Generated once per run."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from kompetenceplan import check, decide, load_plans

from .conftest import EXAMPLES, NYBORG, ROOT
from .served import serve

ON = dt.date(2026, 12, 1)
PACKAGES = ("kp_core", "kp_register")


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    assert found, f"{name} is missing: pip install -e '.[dev]' (a missing tool fails, it never skips)"
    return found


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """`kompetenceplan serve` without and with a (new, migrated SQLite) register."""
    from kompetenceplan.store.db import make_engine, upgrade

    folder = tmp_path_factory.mktemp("services")
    url = f"sqlite:///{folder / 'register.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    with serve(NYBORG, folder / "core.log") as core, serve(NYBORG, folder / "register.log", "--db", url) as register:
        yield {"kp_core": core, "kp_register": register}


@pytest.fixture(scope="module")
def generated(services: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """The two generated packages and the flows script in one folder, and mypy --strict's verdict on them."""
    out = tmp_path_factory.mktemp("generated")
    config = out / "openapi-python-client.yaml"
    config.write_text("post_hooks: []\n", encoding="utf-8")  # no formatter run: the code as generated
    for package, base in services.items():
        with urllib.request.urlopen(base + "/openapi.json", timeout=30) as answer:
            (out / f"{package}.json").write_bytes(answer.read())
        run = subprocess.run(
            [_tool("openapi-python-client"), "generate", "--path", str(out / f"{package}.json"), "--meta", "none", "--output-path", str(out / package), "--config", str(config)],
            cwd=out,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        assert (out / package / "api" / "default").is_dir(), run.stdout + run.stderr
    shutil.copy(ROOT / "tests" / "generated_client_flows.py", out / "generated_client_flows.py")
    checked = subprocess.run(
        [_tool("mypy"), "--strict", "--no-incremental", "--cache-dir", os.devnull, *PACKAGES, "generated_client_flows.py"],
        cwd=out,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return out, checked


@pytest.fixture(scope="module")
def flows(generated: tuple[Path, Any]) -> Iterator[ModuleType]:
    """The flows script, importing the generated packages."""
    out, _ = generated
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module("generated_client_flows")
    finally:
        sys.path.remove(str(out))
        for name in [n for n in sys.modules if n.split(".")[0] in (*PACKAGES, "generated_client_flows")]:
            del sys.modules[name]


def test_the_generated_clients_and_the_script_type_check_with_mypy_strict(generated: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    """mypy --strict finds nothing in the generated packages or in the script that uses them."""
    _, checked = generated
    assert checked.returncode == 0, checked.stdout[-5000:] + checked.stderr[-2000:]
    assert "Success: no issues found" in checked.stdout


def test_route_validate_and_agenda_through_the_generated_client(flows: ModuleType, services: dict[str, str]) -> None:
    """The core flows answer what the library answers; a refusal is a parsed problem naming the field."""
    plans = load_plans(NYBORG)
    results = flows.core_flows(services["kp_core"], EXAMPLES)
    case = json.loads((EXAMPLES / "cases" / "kontaktperson-team.json").read_text(encoding="utf-8"))
    decision = decide(plans, case, on=ON)
    assert results["route"] == {"level": decision.level.id, "row": decision.deciding_row, "routed_on": ON.isoformat()}
    report = check(plans, json.loads((EXAMPLES / "submissions" / "bostoette-85-mangler.json").read_text(encoding="utf-8")), on=ON)
    assert results["validate"] == {"ready": report.ready, "codes": [f.code for f in report.findings]}
    assert [(name, status) for name, status, _, _ in results["agenda"]] == [("1", "klar"), ("2", "ikke klar")]
    assert results["refused"] == {"status": 422, "type": "/problems/missing-input", "error": "MissingInputError", "where": ["sagen.sagens_maanedlige_udgift"]}


def test_a_meeting_a_routing_and_decisions_through_the_generated_client(flows: ModuleType, services: dict[str, str]) -> None:
    """A meeting from items to minutes (the same item twice is one item, the same outcome twice one outcome), a routing, a decision recorded once and listed page by page, a 404 problem."""
    results = flows.register_flows(services["kp_register"], EXAMPLES)
    assert results["items"] == [1, 2, 1]
    assert results["outcomes"] == {"granted_decision": True, "back_decision": None, "repeated_is_same": True}
    assert results["minutes"] == [(1, "bevilget", True), (2, "sendt tilbage til rådgiver", False)]
    assert results["minutes_markdown"]
    assert results["routing"] == {"required_level": "leder", "routed_on": ON.isoformat()}
    assert results["decision"] == {"overskridelse": True, "routing": True, "repeated_is_same": True}
    assert len(results["pages"]) == len(set(results["pages"])) == 2  # the committee's grant and the team's decision
    assert len(results["meetings"]) == 1
    assert results["missing"] == {"status": 404, "error": "NotFound", "where": ["meeting_id"]}
