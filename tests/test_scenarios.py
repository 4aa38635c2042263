"""The Nyborg plan's scenario files, one test per Danish sentence."""

from __future__ import annotations

import pytest

from kompetenceplan import Plan
from kompetenceplan.scenarios import load_scenarios, run_scenario

from .conftest import NYBORG

SCENARIOS = load_scenarios(NYBORG / "scenarier")


def test_there_are_scenarios_for_both_areas_and_every_level(nyborg: Plan) -> None:
    """The scenario files cover every level of the plan and both areas."""
    levels = {s.expect.level for s in SCENARIOS if s.expect.level}
    assert levels == {lv.id for lv in nyborg.levels}
    areas = {s.file.rsplit("/", 1)[-1] for s in SCENARIOS}
    assert areas == {"boern.toml", "voksne.toml"}


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_scenario(nyborg: Plan, scenario) -> None:
    """The case is routed (or refused) exactly as the scenario's sentence says."""
    result = run_scenario(nyborg, scenario)
    assert result.passed, result.detail


def test_a_wrong_expectation_fails(nyborg: Plan) -> None:
    """A scenario that expects the wrong level is reported as failed, with both levels named."""
    right = SCENARIOS[0]
    wrong = right.model_copy(update={"expect": right.expect.model_copy(update={"level": "leder"})})
    result = run_scenario(nyborg, wrong)
    assert not result.passed
    assert "leder" in result.detail and right.expect.level in result.detail
