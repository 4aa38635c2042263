"""Every bundled plan's scenario files, one test per Danish sentence (as `kompetenceplan test`)."""

from __future__ import annotations

import pytest

from kompetenceplan import Plan, load_plans
from kompetenceplan.tooling.scenarios import load_scenarios, run_scenario

from .conftest import NYBORG, ROOT

PLANS = {folder.name: load_plans(folder) for folder in sorted((ROOT / "rules").iterdir()) if folder.is_dir()}
CASES = [(name, s) for name, plans in PLANS.items() for s in load_scenarios(plans.scenario_dir)]


def test_every_plan_has_scenarios() -> None:
    """A municipality keeps its scenarios next to its plan; every bundled plan has some."""
    assert set(PLANS) == {name for name, _ in CASES}
    assert len(PLANS) >= 2


def test_nyborg_scenarios_cover_every_level_and_both_areas(nyborg: Plan) -> None:
    """The Nyborg scenario files cover every level of the plan and both areas."""
    scenarios = load_scenarios(NYBORG / "scenarier")
    levels = {s.expect.level for s in scenarios if s.expect.level}
    assert levels == {lv.id for lv in nyborg.levels}
    assert {s.file.rsplit("/", 1)[-1] for s in scenarios} == {"boern.toml", "voksne.toml"}


@pytest.mark.parametrize(("plan_name", "scenario"), CASES, ids=[f"{n}: {s.name}" for n, s in CASES])
def test_scenario(plan_name: str, scenario) -> None:
    """The case is routed (or refused) exactly as the scenario's sentence says."""
    result = run_scenario(PLANS[plan_name], scenario)
    assert result.passed, result.detail


def test_a_wrong_expectation_fails(nyborg: Plan) -> None:
    """A scenario that expects the wrong level is reported as failed, with both levels named."""
    right = next(s for _, s in CASES if s.expect.level == "raadgiver")
    wrong = right.model_copy(update={"expect": right.expect.model_copy(update={"level": "leder"})})
    result = run_scenario(nyborg, wrong)
    assert not result.passed
    assert "leder" in result.detail
    assert "raadgiver" in result.detail
