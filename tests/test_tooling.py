"""Plan tooling: lint codes with broken-plan fixtures, render, dated versions, diff, test command."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given

from kompetenceplan import CaseError, PlanError, decide, load_plan, load_plans
from kompetenceplan.cli import main
from kompetenceplan.tooling.diff import diff
from kompetenceplan.tooling.lint import TITLES
from kompetenceplan.tooling.render import markdown, to_html

from .conftest import ROOT, SMALL_CASE, SMALL_PLAN, examples, write_plan
from .strategies import cases

AASTRUP = ROOT / "rules" / "aastrup"
PLAN_DIRS = sorted(p for p in (ROOT / "rules").iterdir() if p.is_dir())


def _cli(*args: str):
    return CliRunner().invoke(main, list(args))


def _plan(tmp_path: Path, extra_rows: str = "", replace: tuple[str, str] | None = None) -> Path:
    files = dict(SMALL_PLAN)
    # Close the small plan's gap so each fixture shows only its own finding.
    files["regler.toml"] += '\n[[rows]]\nid = "R-BASE"\nlevel = "raadgiver"\nwhen = { trin = [1, 2] }\nreference = "test"\n'
    files["regler.toml"] += extra_rows
    if replace:
        name, (old, new) = "regler.toml", replace
        for key in files:
            if old in files[key]:
                name = key
        assert old in files[name]
        files[name] = files[name].replace(old, new)
    return write_plan(tmp_path / "p", files)


def _codes(folder: Path) -> tuple[int, list[dict]]:
    result = _cli("lint", str(folder), "--format", "json")
    return result.exit_code, json.loads(result.output)


class TestLintClean:
    @pytest.mark.parametrize("folder", PLAN_DIRS, ids=lambda p: p.name)
    def test_bundled_plans_lint_clean(self, folder: Path) -> None:
        """Every bundled plan passes lint (exit 0), scenarios included."""
        result = _cli("lint", str(folder))
        assert result.exit_code == 0, result.output
        assert "Ingen fund" in result.output

    def test_fixture_base_is_clean(self, tmp_path: Path) -> None:
        """The base the lint fixtures break is itself clean."""
        assert _codes(_plan(tmp_path)) == (0, [])


LINT_FIXTURES: dict[str, dict[str, Any]] = {
    "PLAN-001": dict(replace=('when = { trin = [1, 2] }\nreference = "test"\n', 'when = { trin = [1] }\nreference = "test"\n')),
    "PLAN-002": dict(extra_rows='\n[[rows]]\nid = "R-2B"\nlevel = "raadgiver"\nwhen = { udgift = { gte = 10000 } }\nreference = "test"\n'),
    "PLAN-003": dict(extra_rows='\n[[rows]]\nid = "R-BAND"\nlevel = "udvalg"\nwhen = { udgift = { lt = 5000 } }\nreference = "test"\n'),
    "PLAN-004": dict(extra_rows='\n[[rows]]\nid = "R-DEAD"\nlevel = "raadgiver"\nwhen = { udgift = { gte = 20000 } }\nreference = "test"\n'),
    "PLAN-005": dict(extra_rows='\n[[rows]]\nid = "R-NEVER"\nlevel = "leder"\nwhen = { udgift = { gte = 100, lt = 50 } }\nreference = "test"\n'),
}


@pytest.mark.parametrize("code", sorted(LINT_FIXTURES), ids=lambda c: c)
def test_semantic_lint_code_has_a_failing_fixture(tmp_path: Path, code: str) -> None:
    """Each semantic check finds its broken plan, naming the file, the row and the fix."""
    folder = _plan(tmp_path, **LINT_FIXTURES[code])
    exit_code, findings = _codes(folder)
    assert exit_code == 1
    mine = [f for f in findings if f["code"] == code]
    assert mine, findings
    f = mine[0]
    assert str(folder) in f["where"]
    assert f["hint"]
    assert f["title"] == TITLES[code]
    if code in ("PLAN-002", "PLAN-004", "PLAN-005"):
        assert {"PLAN-002": "R-2B", "PLAN-004": "R-DEAD", "PLAN-005": "R-NEVER"}[code] in f["where"]
    if code in ("PLAN-001", "PLAN-003", "PLAN-004"):
        assert f["example"], "a gap, a monotonicity break or a shadowed row is shown with an example case"


def test_monotonicity_finding_shows_the_pair(tmp_path: Path) -> None:
    """PLAN-003 shows the case and the higher case that gets a lower level."""
    _, findings = _codes(_plan(tmp_path, **LINT_FIXTURES["PLAN-003"]))
    f = next(f for f in findings if f["code"] == "PLAN-003")
    assert f["example"]["udgift"] < f["other"]["udgift"]
    assert "R-BAND" in f["where"]


def test_scenario_with_unknown_row_is_plan_006(tmp_path: Path) -> None:
    """A scenario that names a row the plan lacks is a finding."""
    folder = _plan(tmp_path)
    (folder / "scenarier").mkdir()
    (folder / "scenarier" / "s.toml").write_text(
        '[[scenarios]]\nname = "En sag med lav udgift afgøres af rådgiveren"\n'
        'case = { omraade = "boern", trin = 1, udgift = 100, timer = 1, paragraf = "bl-35" }\n'
        'expect = { level = "raadgiver", row = "R-FINDES-IKKE" }\n'
        '[[scenarios]]\nname = "En anbringelse uden samtykke afgøres af børne- og ungeudvalget"\n'
        'case = { omraade = "boern", trin = 2, udgift = 100, timer = 1, paragraf = "bl-47" }\n'
        'expect = { level = "buu", row = "R-47" }\n',
        encoding="utf-8",
    )
    exit_code, findings = _codes(folder)
    assert exit_code == 1
    assert [f["code"] for f in findings] == ["PLAN-006"]
    assert "R-FINDES-IKKE" in findings[0]["message"]


def test_too_many_simultaneous_rows_is_plan_007(tmp_path: Path) -> None:
    """A plan where one case can meet more rows than durable-rules handles is refused at load."""
    rows = "".join(f'\n[[rows]]\nid = "M-{i}"\nlevel = "leder"\nwhen = {{ udgift = {{ gte = {100 + i} }} }}\nreference = "m"\n' for i in range(70))
    exit_code, findings = _codes(_plan(tmp_path, extra_rows=rows))
    # The loader refuses such a plan (bounded check, PLAN-013) before lint's grid runs.
    assert exit_code == 2
    assert "PLAN-013" in [f["code"] for f in findings]


LOADER_FIXTURES = {
    "PLAN-010": ('reference = "test"\n', 'reference = "test"\nnote2 = "x"\n'),
    "PLAN-011": ('level = "leder"', 'level = "chef"'),
    "PLAN-012": ('level = "buu"', 'level = "udvalg"'),
    "PLAN-014": ('id = "R-2"', 'id = "R-1"'),
}


@pytest.mark.parametrize("code", sorted(LOADER_FIXTURES), ids=lambda c: c)
def test_loader_refusal_has_a_lint_code(tmp_path: Path, code: str) -> None:
    """A plan the loader refuses gets exit 2 and findings with the refusal's code, file and fix."""
    exit_code, findings = _codes(_plan(tmp_path, replace=LOADER_FIXTURES[code]))
    assert exit_code == 2
    assert code in [f["code"] for f in findings], findings
    mine = [f for f in findings if f["code"] == code]
    assert any("regler.toml" in f["where"] for f in mine)
    assert all(f["hint"] for f in mine)


def test_too_large_table_is_plan_013(tmp_path: Path) -> None:
    """A table durable-rules would hang on is a lint finding too."""
    rows = "".join(f'\n[[rows]]\nid = "G-{i}"\nlevel = "leder"\nwhen = {{ udgift = {{ gte = {1000 + i} }} }}\nreference = "g"\n' for i in range(600))
    exit_code, findings = _codes(_plan(tmp_path, extra_rows=rows))
    assert exit_code == 2
    assert {f["code"] for f in findings} == {"PLAN-013"}


class TestRender:
    @pytest.mark.parametrize("folder", PLAN_DIRS, ids=lambda p: p.name)
    def test_render_contains_every_row_and_requirement(self, folder: Path) -> None:
        """The document names every row id (and requirement code) of the plan."""
        plan = load_plans(folder).latest
        for text in (markdown(plan), to_html(plan)):
            for row in plan.rows:
                assert row.id in text
            for req in plan.requirements:
                assert req.code in text

    @pytest.mark.parametrize("folder", PLAN_DIRS, ids=lambda p: p.name)
    def test_committed_document_is_current(self, folder: Path) -> None:
        """docs/kompetenceplan-<plan>.md is what render gives today (regenerate it on change:
        kompetenceplan render rules/<plan> -o docs/kompetenceplan-<plan>.md)."""
        committed = (ROOT / "docs" / f"kompetenceplan-{folder.name}.md").read_text(encoding="utf-8")
        assert committed == markdown(load_plans(folder).latest)

    def test_html_escapes(self, tmp_path: Path) -> None:
        """Plan text is escaped in HTML."""
        folder = _plan(tmp_path, replace=('name = "Lille testplan"', 'name = "Plan <b>&</b>"'))
        assert "Plan &lt;b&gt;&amp;&lt;/b&gt;" in to_html(load_plan(folder))

    def test_cli_writes_html(self, tmp_path: Path) -> None:
        out = tmp_path / "plan.html"
        assert _cli("render", str(AASTRUP), "--format", "html", "-o", str(out)).exit_code == 0
        assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


class TestVersions:
    def test_version_in_force_is_used(self) -> None:
        """The same case gets each version's level on dates in its period."""
        plans = load_plans(AASTRUP)
        case = {"lovgrundlag": "bl-32-1-3", "trappetrin": 2, "maanedspris": 11000, "varighed": 6, "sagens_samlede_maanedspris": 11000, "alder": 12, "samtykke": True}
        assert decide(plans, case, on=dt.date(2025, 12, 31)).plan.version == "2025.1"
        assert decide(plans, case, on=dt.date(2026, 1, 1)).plan.version == "2026.1"

    def test_no_version_in_force_is_an_error(self) -> None:
        """A date before the first version is refused, never routed by a guess."""
        with pytest.raises(PlanError, match="Ingen version"):
            load_plans(AASTRUP).in_force(dt.date(2024, 12, 31))

    def test_single_plan_checks_the_date(self, small_plan) -> None:
        """A single plan also refuses a date before its valid_from."""
        with pytest.raises(PlanError):
            decide(small_plan, SMALL_CASE, on=dt.date(2020, 1, 1))

    def test_overlapping_versions_are_refused(self, tmp_path: Path) -> None:
        """Two versions whose periods overlap are refused, with the fix."""
        write_plan(tmp_path / "v" / "1", SMALL_PLAN)
        files = dict(SMALL_PLAN)
        files["plan.toml"] = files["plan.toml"].replace("valid_from = 2026-01-01", "valid_from = 2026-06-01")
        write_plan(tmp_path / "v" / "2", files)
        with pytest.raises(PlanError, match="overlapper"):
            load_plans(tmp_path / "v")

    def test_route_cli_takes_a_date(self) -> None:
        args = [
            "route",
            "--plan",
            str(AASTRUP),
            "-p",
            "bl-32-1-3",
            "-t",
            "2",
            "-s",
            "maanedspris=11000",
            "-s",
            "varighed=6",
            "-s",
            "sagens_samlede_maanedspris=11000",
            "-s",
            "alder=12",
            "-s",
            "samtykke=ja",
        ]
        assert "Teammøde" in _cli(*args, "--on", "2025-06-01").output
        assert "Egenkompetence" in _cli(*args, "--on", "2026-06-01").output
        assert _cli(*args, "--on", "2024-06-01").exit_code == 2


class TestDiff:
    def test_diff_with_itself_is_empty(self) -> None:
        """A plan compared with itself changes no case (the small plan: the bundled plans' own
        diffs are the next test; a whole-grid self-diff of Nyborg cost 40 s and proved nothing more)."""
        plan = load_plans(AASTRUP).latest
        assert diff(plan, plan) == ([], [])

    def test_diff_finds_the_changed_thresholds(self) -> None:
        """Aastrup 2025.1 → 2026.1 moved A-PRIS-1 up and A-PRIS-3 down; diff shows both."""
        changes, _ = diff(load_plan(AASTRUP / "2025.1"), load_plan(AASTRUP / "2026.1"))
        moves = {(c.old_row, c.new_row) for c in changes}
        assert ("A-PRIS-2", "A-PRIS-3") in moves
        assert ("A-PRIS-1", "A-TRIN-1") in moves
        example = next(c for c in changes if c.new_row == "A-PRIS-3").example
        assert 40000 <= example["maanedspris"] < 45000

    def test_cli(self) -> None:
        result = _cli("diff", str(AASTRUP / "2025.1"), str(AASTRUP / "2026.1"))
        assert result.exit_code == 1
        assert "A-PRIS-3" in result.output
        assert _cli("diff", str(AASTRUP / "2026.1"), str(AASTRUP / "2026.1")).exit_code == 0


class TestScenarioCommand:
    @pytest.mark.parametrize("folder", PLAN_DIRS, ids=lambda p: p.name)
    def test_bundled_scenarios_pass(self, folder: Path) -> None:
        result = _cli("test", str(folder))
        assert result.exit_code == 0
        assert " 0 failed" in result.output

    def test_failing_scenario_exits_1_with_its_name(self, tmp_path: Path) -> None:
        bad = tmp_path / "s.toml"
        bad.write_text(
            '[[scenarios]]\nname = "Familiebehandling afgøres af lederen (forkert)"\n'
            'case = { paragraf = "bl-32-1-5", trin = 3, maanedlig_udgift = 1000, varighed_maaneder = 1, sagens_maanedlige_udgift = 1000, alder = 5, samtykke = true }\n'
            'expect = { level = "leder", row = "B-UDG-2" }\n',
            encoding="utf-8",
        )
        result = _cli("test", str(ROOT / "rules" / "nyborg"), str(bad))
        assert result.exit_code == 1
        assert "FEJL Familiebehandling afgøres af lederen (forkert)" in result.output


AASTRUP_LATEST = load_plans(AASTRUP).latest


@examples(400)
@given(cases(AASTRUP_LATEST))
def test_a_plan_lint_passes_as_monotone_is_monotone_on_random_cases(case) -> None:
    """Aastrup lints clean; raising any monotone input of a random case never lowers its level."""
    low = decide(AASTRUP_LATEST, case)
    for name, spec in AASTRUP_LATEST.inputs.items():
        if not spec.monotone or name not in case or name == AASTRUP_LATEST.meta.step_input:
            continue
        raised = dict(case)
        raised[name] = min(spec.max, case[name] * 2 + 1)
        for other, other_spec in AASTRUP_LATEST.inputs.items():
            if other_spec.at_least == name and other in raised:
                raised[other] = min(other_spec.max, raised[other] + (raised[name] - case[name]))
        try:
            high = decide(AASTRUP_LATEST, raised)
        except CaseError:  # a raised value can leave the domain (e.g. a derived total): a refusal, not a level
            continue
        assert high.level.rank >= low.level.rank, (name, case, raised)
