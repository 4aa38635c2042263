"""The benchmark scripts run, and what they measure is the same thing: no timing is asserted here
(speed goals are reported as ratios in docs/performance.md, never tested)."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from kompetenceplan import decide, decide_many, load_plan

from .conftest import NYBORG, ROOT


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
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


def test_zen_engine_peer_answers_like_us() -> None:
    """The peer's table is equivalent to ours on the benchmark cases, or its ratio means nothing.
    zen-engine is the optional `bench` extra: reported as skipped when it is not installed."""
    zen = pytest.importorskip("zen", reason="zen-engine (pip install '.[bench]') is not installed")
    plan = load_plan(NYBORG)
    cases = _load("run").workload(plan, 300)
    content = _load("zen_table").jdm(plan)
    engine = zen.ZenEngine({"loader": lambda key: content})
    got = [engine.evaluate("kompetenceplan", dict(c))["result"]["level"] for c in (v.values for v in (_validated(plan, cases)))]
    assert got == [r.level for r in decide_many(plan, cases)]


def _validated(plan, cases):
    from kompetenceplan import validate_case

    return [validate_case(plan, c) for c in cases]


def test_benchmark_quick_run_prints_the_report_table(capsys) -> None:
    """`python benchmarks/run.py --quick` runs end to end and prints the ratio table."""
    _load("run").main(["--quick"])
    assert "| measure | result | ratio | target |" in capsys.readouterr().out


def test_http_load_script_runs() -> None:
    pytest.importorskip("uvicorn")
    result = _load("http_load").main(["--requests", "80", "--clients", "4"])
    assert result["requests"] == 80 and 0 < result["p50_ms"] <= result["p99_ms"]


def test_http_load_reload_under_load_runs_and_finds_no_mismatch() -> None:
    """`http_load.py --reload-under-load` runs, reloads edited plans and finds every answer
    matching the plan its fingerprint names."""
    pytest.importorskip("uvicorn")
    result = _load("http_load").main(["--reload-under-load", "--seconds", "3", "--clients", "2"])
    assert result["answers"] > 0 and result["edits"] > 0 and result["mismatches"] == 0


def test_route_imports_nothing_it_does_not_need() -> None:
    """`kompetenceplan route` (run in a fresh interpreter) loads none of the register, meetings,
    service, web, submission check, tooling or schema modules, nor SQLAlchemy, FastAPI or Jinja2:
    the cold-start figure in docs/performance.md is the cost of routing, not of the whole package."""
    cold = _load("cold_start")
    modules = cold.loaded_modules()
    assert "kompetenceplan.cli" in modules and "kompetenceplan.api" in modules  # the probe really routed
    assert cold.unneeded(modules) == []
