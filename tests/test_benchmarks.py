"""Smoke runs of the benchmark scripts: they run and report; no timing is asserted here."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from .conftest import ROOT


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return module


def test_benchmark_quick_run_reports_every_measure(capsys) -> None:
    """`python benchmarks/run.py --quick` runs and prints every row (speed is judged in docs, not here)."""
    results = _load("run").main(["--quick"])
    out = capsys.readouterr().out
    for key in ("decide_per_s", "raw_post_per_s", "decide_many_per_s", "check_per_s", "cli_route_s", "rss_growth_engine_mib"):
        assert results[key] is not None
    assert "| measure | result | ratio | target |" in out
    if results.get("zen_per_s") is not None:
        assert results["zen_agrees"], "the zen table must be equivalent, or the ratio means nothing"


def test_http_load_script_runs() -> None:
    pytest.importorskip("uvicorn")
    result = _load("http_load").main(["--requests", "80", "--clients", "4"])
    assert result["requests"] == 80 and result["requests_per_s"] > 0


def test_http_load_reload_under_load_runs_and_finds_no_mismatch() -> None:
    """`http_load.py --reload-under-load` runs, reloads edited plans and finds every answer
    matching the plan its fingerprint names."""
    pytest.importorskip("uvicorn")
    result = _load("http_load").main(["--reload-under-load", "--seconds", "3", "--clients", "2"])
    assert result["answers"] > 0 and result["edits"] > 0 and result["mismatches"] == 0
