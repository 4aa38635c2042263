"""The published contract holds: schemathesis (a property-based API fuzzer) runs every check against
a real `kompetenceplan serve` on a free loopback port, with a fixed seed and a bounded budget —
the core API without a register, and the register and meeting API (`serve --db`) with every phase,
the stateful one included: it follows the contract's links (a meeting → its items → an outcome, a
routing → its correction and a decision, a decision → the list) with the ids the service returned.

A 422 answer to a schema-valid request passes only when it is one of the refusals the contract
declares for the operation (`x-semantic-refusals`, checked by tests/schemathesis_hooks.py); no
other allowance is made.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from .conftest import NYBORG, ROOT
from .served import serve

SEED = int(os.environ.get("KOMPETENCEPLAN_FUZZ_SEED", "20261123"))  # another seed: explore, then fix what it finds
MAX_EXAMPLES = 25  # fuzzing phase, per operation; the coverage phase (boundary values of the schema) adds ~7,000 requests
#: positive_data_acceptance's default statuses (schemathesis 4.32), plus 422 where the contract declares refusals.
POSITIVE = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
#: negative_data_rejection's default statuses, plus 413: a schema-violating body over the size limit.
NEGATIVE = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "5xx"]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`kompetenceplan serve` with the bundled plan as a subprocess; yields its base URL."""
    with serve(NYBORG, tmp_path_factory.mktemp("serve") / "serve.log") as url:
        yield url


@pytest.fixture(scope="module")
def served_register(tmp_path_factory):
    """`kompetenceplan serve --db` on a new, migrated SQLite register; yields its base URL."""
    from kompetenceplan.store.db import make_engine, upgrade

    folder = tmp_path_factory.mktemp("serve-db")
    url = f"sqlite:///{folder / 'register.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    with serve(NYBORG, folder / "serve.log", "--db", url) as base:
        yield base


def _config(spec: dict, path: Path) -> Path:
    """A schemathesis.toml: 422 is an accepted answer to valid data only where refusals are declared."""
    lines = [f"seed = {SEED}", "", "[generation]", f"max-examples = {MAX_EXAMPLES}", "", "[checks.negative_data_rejection]", f"expected-statuses = {json.dumps(NEGATIVE)}", ""]
    for route, methods in spec["paths"].items():
        for method, operation in methods.items():
            if operation["responses"].get("422", {}).get("x-semantic-refusals"):
                lines += [
                    "[[operations]]",
                    f'include-path = "{route}"',
                    f'include-method = "{method.upper()}"',
                    f"checks.positive_data_acceptance.expected-statuses = {json.dumps(POSITIVE + ['422'])}",
                    "",
                ]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _failures(out: str) -> str:
    """The report without the long generated bodies."""
    return "\n".join(line[:400] for line in out.splitlines())[-20000:]


def _run(base: str, tmp_path: Path, *options: str) -> tuple[dict, str, Path]:
    """schemathesis with every check against the service at ``base``: (the contract, its report, the declared-refusals log)."""
    with urllib.request.urlopen(base + "/openapi.json", timeout=10) as response:
        spec = json.loads(response.read())
    config = _config(spec, tmp_path / "schemathesis.toml")
    cli = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert cli, "schemathesis is missing: pip install -e '.[dev]' (a missing fuzzer fails, it never skips)"
    declared = tmp_path / "declared-refusals.txt"
    env = os.environ | {"SCHEMATHESIS_HOOKS": "tests.schemathesis_hooks", "PYTHONPATH": str(ROOT), "KOMPETENCEPLAN_FUZZ_LOG": str(declared)}
    run = subprocess.run(
        [cli, "--config-file", str(config), "run", base + "/openapi.json", "--checks", "all", "--workers", "2", "--no-color", *options],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,  # its cache stays out of the tree
    )
    (tmp_path / "schemathesis.out").write_text(run.stdout + run.stderr, encoding="utf-8")
    assert run.returncode == 0, _failures(run.stdout) + run.stderr[-3000:]
    return spec, run.stdout, declared


def test_schemathesis_finds_no_failure_with_every_check(served: str, tmp_path: Path) -> None:
    """Every generated request (positive and negative, all phases) gets an answer the contract allows."""
    spec, out, declared = _run(served, tmp_path)
    operations = sum(len(methods) for methods in spec["paths"].values())
    assert f"Tested: {operations}" in out
    # The hook ran, and schema-valid requests met declared refusals (and were let through as such).
    assert declared.is_file()
    assert declared.read_text(encoding="utf-8").count("\n") >= 1


def test_schemathesis_walks_the_register_statefully_without_a_failure(served_register: str, tmp_path: Path) -> None:
    """The register and meeting operations, every check and every phase: the stateful phase runs scenarios along the contract's links, and nothing fails."""
    spec, out, declared = _run(served_register, tmp_path, "--include-path-regex", "^/(register|meetings)")
    operations = sum(len(methods) for path, methods in spec["paths"].items() if path.startswith(("/register", "/meetings")))
    assert operations == 10
    assert f"Tested: {operations}" in out
    stateful = re.search(r"Stateful \(in [^)]*\)\s+Scenarios:\s+(\d+)\s+API Links:\s+(\d+) covered", out)
    assert stateful, out[-3000:]
    assert int(stateful.group(1)) >= 10, out[-3000:]
    assert int(stateful.group(2)) >= 3, out[-3000:]
    assert "❌" not in out
    assert declared.is_file()
    assert "POST /register/route" in declared.read_text(encoding="utf-8")
