"""The benchmark scripts run, and what they measure is the same thing: no timing is asserted here
(speed goals are reported as ratios in docs/performance.md, never tested)."""

from __future__ import annotations

import importlib.util
import json
import sys
import tempfile
from pathlib import Path
from types import ModuleType

import pytest

from kompetenceplan import decide, decide_many, load_plan

from .conftest import NYBORG, ROOT


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return module


def test_benchmark_workload_is_valid_and_covers_every_paragraph() -> None:
    """The measured cases are all decided (none refused), over every paragraph of the plan; so a
    throughput figure is never the speed of refusing bad input."""
    plan = load_plan(NYBORG)
    cases = _load("run").workload(plan, 600)
    assert {c["paragraf"] for c in cases} == set(plan.inputs["paragraf"].values or {})
    assert all(r.error is None for r in decide_many(plan, cases))


def test_bulk_path_measured_equals_decide_on_the_benchmark_cases() -> None:
    """decide_many (the bulk figure) gives the level decide gives (the explained figure)."""
    plan = load_plan(NYBORG)
    cases = _load("run").workload(plan, 300, seed=11)
    assert [r.level for r in decide_many(plan, cases)] == [decide(plan, c).level.id for c in cases]


def test_zen_engine_peer_answers_like_us_in_every_model_and_api() -> None:
    """Every zen model of the table, through every zen API measured, gives the level decide_many
    gives on the benchmark cases; or the ratio against it means nothing. zen-engine is the optional
    `bench` extra: reported as skipped when it is not installed."""
    pytest.importorskip("zen", reason="zen-engine (pip install '.[bench]') is not installed")
    zen_table = _load("zen_table")
    plan = load_plan(NYBORG)
    cases = _load("run").workload(plan, 120, seed=3)
    contexts = zen_table.contexts_of(plan, cases)
    expected = [r.level for r in decide_many(plan, cases)]
    assert len(set(expected)) >= 4  # the cases reach most levels, so agreement is not trivial
    for model in zen_table.MODELS:
        for api in zen_table.APIS:
            assert zen_table.levels(plan, model, api, contexts) == expected, (model, api)


def test_zen_models_are_built_from_every_row_and_escalate_when_no_row_matches() -> None:
    """The JDM tables hold one rule per plan row (plus the catch-all where the model has one), and
    a case no row covers gets the plan's escalation level from every model."""
    zen = pytest.importorskip("zen", reason="zen-engine (pip install '.[bench]') is not installed")
    zen_table = _load("zen_table")
    plan = load_plan(NYBORG)
    for model, (build, read) in zen_table.MODELS.items():
        table = json.loads(build(plan))["nodes"][1]["content"]
        assert len(table["rules"]) == len(plan.rows) + (model != "collect-max"), model
        # hit policy first: an empty context meets no row's conditions except the catch-all
        result = zen.ZenEngine().create_decision(zen.ZenDecisionContent(build(plan))).evaluate({"paragraf": "ukendt"})["result"]
        assert read(plan, result) == plan.meta.escalation_level, model


def test_benchmark_quick_run_prints_the_report_table(capsys) -> None:
    """`python benchmarks/run.py --quick` runs end to end and prints the ratio table."""
    _load("run").main(["--quick"])
    assert "| measure | result | ratio | target |" in capsys.readouterr().out


def test_http_load_answers_under_concurrent_clients_equal_decide() -> None:
    """`http_load.py` (service and clients in separate processes) gets from `POST /route`, under
    concurrent clients, the level decide() gives each case: no wrong answer under load."""
    pytest.importorskip("uvicorn")
    result = _load("http_load").main(["--requests", "60", "--clients", "3", "--clients", "6"])
    assert [r["clients"] for r in result["levels"]] == [3, 6]
    assert all(r["requests"] > 0 and r["wrong"] == 0 for r in result["levels"])


def test_http_load_reload_under_load_runs_and_finds_no_mismatch() -> None:
    """`http_load.py --reload-under-load` runs, reloads edited plans and finds every answer
    matching the plan its fingerprint names."""
    pytest.importorskip("uvicorn")
    result = _load("http_load").main(["--reload-under-load", "--seconds", "3", "--clients", "2"])
    assert result["answers"] > 0
    assert result["edits"] > 0
    assert result["mismatches"] == 0


def test_route_imports_nothing_it_does_not_need() -> None:
    """`kompetenceplan route` (run in a fresh interpreter) loads none of the register, meetings,
    service, web, submission check, tooling or schema modules, nor SQLAlchemy, FastAPI or Jinja2:
    the cold-start figure in docs/performance.md is the cost of routing, not of the whole package."""
    cold = _load("cold_start")
    modules = cold.loaded_modules()
    assert "kompetenceplan.cli.commands" in modules
    assert "kompetenceplan.api" in modules
    assert cold.unneeded(modules) == []


def test_scaling_plans_load_with_their_row_count_and_route_alike_by_decide_and_decide_many() -> None:
    """The synthetic plans of the scaling table are valid plans of exactly 30, 100 and 400 rows;
    on their cases decide and decide_many agree, the added rows are reached, and check runs."""
    from kompetenceplan import check

    scaling = _load("scaling")
    with tempfile.TemporaryDirectory() as tmp:
        plans, _ = scaling.load_plans_of_sizes(Path(tmp))
    assert {size: len(plan.rows) for size, plan in plans.items()} == {30: 30, 100: 100, 400: 400}
    for size, plan in plans.items():
        cases = [c for case in scaling.workload(5, 12, seed=size) for c in case]
        bulk = decide_many(plan, cases)
        explained = [decide(plan, c) for c in cases]
        assert [r.level for r in bulk] == [d.level.id for d in explained]
        assert [r.row for r in bulk] == [d.deciding_row for d in explained]
        assert any(r.row and r.row.startswith("S-") for r in bulk), size  # the added rows decide some cases
        report = check(plan, scaling.submission(cases[0], 0), on=scaling.MEETING, today=scaling.MEETING)
        assert report.routing.level == explained[0].level.id
