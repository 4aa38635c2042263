"""examples/client.py, the typed httpx client on the published contract, against a real service:
it routes and validates every example file, with the library's own answers."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import sys
from typing import Any

import pytest

from kompetenceplan import check, decide, load_plans

from .conftest import EXAMPLES, NYBORG
from .served import serve

ON = dt.date(2026, 12, 1)


def _client_module():
    spec = importlib.util.spec_from_file_location("example_client", EXAMPLES / "client.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[spec.name] = module  # type: ignore[union-attr]  # dataclasses look their module up
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with serve(NYBORG, tmp_path_factory.mktemp("serve") / "serve.log") as url:
        yield url


@pytest.fixture(scope="module")
def client_module():
    return _client_module()


def test_the_client_routes_and_validates_every_example(served, client_module) -> None:
    """Each example gets over HTTP exactly the level and the findings the library gives."""
    plans = load_plans(NYBORG)
    with client_module.KompetenceplanClient(served) as client:
        results = client_module.run_examples(client, ON)
    expected: dict[str, dict[str, Any]] = {}
    for path in sorted((EXAMPLES / "cases").glob("*.json")):
        decision = decide(plans, json.loads(path.read_text(encoding="utf-8")), on=ON)
        expected[f"cases/{path.name}"] = {"level": decision.level.id, "row": decision.deciding_row}
    for path in sorted((EXAMPLES / "submissions").glob("*.json")):
        report = check(plans, json.loads(path.read_text(encoding="utf-8")), on=ON)
        expected[f"submissions/{path.name}"] = {"ready": report.ready, "codes": [f.code for f in report.findings]}
    assert len(expected) >= 10
    assert results == expected


def test_a_schema_error_is_caught_before_sending(served, client_module) -> None:
    """A case the published schema refuses is named by field without a request to the service."""
    with client_module.KompetenceplanClient(served) as client, pytest.raises(client_module.ApiError) as err:
        client.route({"paragraf": "bl-46", "trin": "4"})
    assert err.value.status == 0
    assert err.value.error == "SchemaError"


def test_a_semantic_refusal_comes_back_as_the_error_model(served, client_module) -> None:
    """A schema-valid case the service refuses (a missing input that could lift the level) is an ApiError with the field."""
    case = json.loads((EXAMPLES / "cases" / "familiebehandling-raadgiver.json").read_text(encoding="utf-8"))
    del case["sagens_maanedlige_udgift"]
    with client_module.KompetenceplanClient(served) as client, pytest.raises(client_module.ApiError) as err:
        client.route(case, on=ON)
    assert err.value.status == 422
    assert err.value.error == "MissingInputError"
    assert [p["where"] for p in err.value.problems] == ["sagen.sagens_maanedlige_udgift"]


def test_the_command_line_prints_every_example(served, client_module, capsys) -> None:
    """`python examples/client.py --url …` exits 0 and prints one line per example file."""
    assert client_module.main(["--url", served, "--on", ON.isoformat()]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(list(EXAMPLES.glob("cases/*.json"))) + len(list(EXAMPLES.glob("submissions/*.json")))
