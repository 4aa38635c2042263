"""The documentation check: per-code fixtures, the registry, examples, CLI and invariants."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from kompetenceplan import CaseError, load_plan
from kompetenceplan.checks.check import check
from kompetenceplan.checks.report import Report
from kompetenceplan.checks.requirements import applies, status
from kompetenceplan.cli import main
from kompetenceplan.engine import durable_adapter
from kompetenceplan.model.submission import Submission
from kompetenceplan.plan.compile import ok_key

from .conftest import EXAMPLES, NYBORG, examples

MEETING = dt.date(2026, 12, 1)
SUBMISSIONS = EXAMPLES / "submissions"
FIXTURES = tomllib.loads((Path(__file__).parent / "fixtures" / "krav.toml").read_text(encoding="utf-8"))["fixtures"]
PLAN = load_plan(NYBORG)
CPR = "0101150000"


def base(name: str) -> dict[str, Any]:
    return json.loads((SUBMISSIONS / name).read_text(encoding="utf-8"))


def _parts(path: str) -> list[str | int]:
    return [int(p) if p.isdigit() else p for p in path.split(".")]


def patched(fixture: dict[str, Any]) -> dict[str, Any]:
    """The fixture's base submission with its set/remove patch applied (to a copy)."""
    data = base(fixture["base"])
    for path, value in fixture.get("set", {}).items():
        *parents, last = _parts(path)
        node: Any = data
        for p in parents:
            node = node[p]
        if isinstance(last, int) and last == len(node):
            node.append(value)
        else:
            node[last] = value
    for path in fixture.get("remove", []):
        *parents, last = _parts(path)
        node = data
        for p in parents:
            node = node[p]
        del node[last]
    return data


def run_check(data: dict[str, Any], on: dt.date = MEETING) -> Report:
    return check(PLAN, data, on=on, today=on)


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f"{f['code']}-{f['expect']}" for f in FIXTURES])
def test_requirement_fixture(fixture: dict[str, Any]) -> None:
    """Each code has fixtures where it is reported (fejler) and where it is not (bestaar)."""
    codes = [f.code for f in run_check(patched(fixture)).findings]
    if fixture["expect"] == "fejler":
        assert fixture["code"] in codes, fixture["name"]
    else:
        assert fixture["code"] not in codes, fixture["name"]


class TestRegistry:
    def test_codes_are_unique_and_well_formed(self) -> None:
        """Codes are DOK-nnn and never repeated."""
        codes = [r.code for r in PLAN.requirements]
        assert len(codes) == len(set(codes)) >= 12
        assert all(re.fullmatch(r"DOK-\d{3}", c) for c in codes)

    def test_every_requirement_documents_the_template(self) -> None:
        """Hvad tjekkes / Hvorfor / Eksempel på mangel / Sådan gøres det rigtigt / Hjemmel."""
        for r in PLAN.requirements:
            for text in (r.doc.what, r.doc.why, r.doc.example, r.doc.fix, r.reference, r.message, r.hint):
                assert text.strip(), r.code

    def test_every_code_has_a_passing_and_a_failing_fixture(self) -> None:
        """No requirement is untested in either direction."""
        for r in PLAN.requirements:
            kinds = {f["expect"] for f in FIXTURES if f["code"] == r.code}
            assert kinds == {"fejler", "bestaar"}, r.code
        assert {f["code"] for f in FIXTURES} <= {r.code for r in PLAN.requirements}

    def test_committed_requirements_document_is_current(self) -> None:
        """docs/dokumentationskrav-nyborg.md is what `checks --format markdown` gives today, and
        it shows the whole template for every code."""
        from kompetenceplan.tooling.render import requirements_markdown

        from .conftest import ROOT

        text = requirements_markdown(PLAN)
        assert (ROOT / "docs" / "dokumentationskrav-nyborg.md").read_text(encoding="utf-8") == text
        for r in PLAN.requirements:
            assert f"## {r.code} {r.title}" in text
        assert text.count("**Hvad tjekkes:**") == text.count("**Hjemmel:**") + text.count("**Grundlag:**") == len(PLAN.requirements)

    def test_checks_command_lists_every_code(self) -> None:
        """'kompetenceplan checks' shows every code; --code shows the whole template."""
        out = CliRunner().invoke(main, ["checks", "--plan", str(NYBORG)]).output
        assert all(r.code in out for r in PLAN.requirements)
        one = CliRunner().invoke(main, ["checks", "--plan", str(NYBORG), "--code", "DOK-003"]).output
        for heading in ("Hvad tjekkes:", "Hvorfor:", "Eksempel på mangel:", "Sådan gøres det rigtigt:", "Grundlag:"):
            assert heading in one  # DOK-003 is the municipality's own rule: "Grundlag", not "Hjemmel"


class TestExamples:
    @pytest.mark.parametrize("path", sorted(SUBMISSIONS.glob("*.json")), ids=lambda p: p.stem)
    def test_example_is_ready_as_its_name_says(self, path: Path) -> None:
        """*-klar.json is ready, *-mangler.json is not."""
        report = run_check(base(path.name))
        assert report.ready == path.stem.endswith("-klar"), [f.code for f in report.findings]

    def test_examples_cover_the_scenarios(self) -> None:
        """Ready and not-ready examples, for the committee, BUU and adults."""
        names = [p.stem for p in SUBMISSIONS.glob("*.json")]
        assert sum(n.endswith("-klar") for n in names) >= 2
        assert sum(n.endswith("-mangler") for n in names) >= 2
        levels = {run_check(base(f"{n}.json")).routing.level for n in names}
        assert {"visitationsudvalg", "boerne_og_ungeudvalg", "leder"} <= levels


class TestBadInput:
    @pytest.mark.parametrize(
        ("change", "where"),
        [
            (lambda d: d["dokumenter"].append({"type": "hemmelig", "dato": "2026-10-01"}), "dokumenter[2].type"),
            (lambda d: d.update(ukendt=1), "indstilling.ukendt"),
            (lambda d: d["dokumenter"][0].update(dato="2027-01-01"), "dokumenter[0].dato"),
            (lambda d: d["dokumenter"][0].update(dato="1. oktober"), "dokumenter[0].dato"),
            (lambda d: d["samtykker"][0].update(fra="naboen"), "samtykker[0].fra"),
            (lambda d: d["alternativer"][0].update(trin="3"), "alternativer[0].trin"),
            (lambda d: d["oekonomi"].update(pris_pr_maaned="38000"), "oekonomi.pris_pr_maaned"),
            (lambda d: d["barnets_perspektiv"].update(dato="2030-01-01"), "barnets_perspektiv.dato"),
            (lambda d: d["sag"].update(trin="5"), "sag.trin"),
            (lambda d: d.update(maal=CPR), "maal"),
        ],
    )
    def test_malformed_submission_names_the_path_and_never_the_data(self, change, where) -> None:
        """Wrong types, unknown fields or document types and future dates are refused by path."""
        data = base("plejefamilie-46-klar.json")
        data["borger"]["cpr"] = CPR
        change(data)
        with pytest.raises(CaseError) as info:
            run_check(data, on=dt.date(2026, 11, 23))
        text = info.value.render()
        assert where in text
        assert CPR not in text
        assert "Eksempel Barn" not in text

    def test_check_never_mutates_its_input(self) -> None:
        """check() reads the submission; the caller's data is unchanged."""
        for path in SUBMISSIONS.glob("*.json"):
            data = base(path.name)
            before = copy.deepcopy(data)
            run_check(data)
            assert data == before


def _cli(*args: str, input: str | None = None):
    return CliRunner().invoke(main, ["validate", "--plan", str(NYBORG), "--meeting-date", "2026-12-01", *args], input=input)


class TestCli:
    def test_exit_codes(self) -> None:
        """0 ready, 1 not ready, 2 bad input."""
        assert _cli(str(SUBMISSIONS / "plejefamilie-46-klar.json")).exit_code == 0
        result = _cli(str(SUBMISSIONS / "bostoette-85-mangler.json"))
        assert result.exit_code == 1
        assert "DOK-022" in result.output
        assert "IKKE KLAR" in result.output
        assert _cli("-", input="{bad json").exit_code == 2

    def test_json_report_round_trips(self) -> None:
        """--format json gives the Report for case tools."""
        result = _cli(str(SUBMISSIONS / "familiebehandling-hoej-udgift-mangler.json"), "--format", "json")
        report = Report.model_validate_json(result.output)
        assert not report.ready
        assert "DOK-002" in [f.code for f in report.findings]

    def test_enormous_file_is_refused(self, tmp_path: Path) -> None:
        """A file over the size limit is refused without being parsed."""
        big = tmp_path / "stor.json"
        big.write_text('{"formaal": "' + "x" * 1_100_000 + '"}', encoding="utf-8")
        result = _cli(str(big))
        assert result.exit_code == 2
        assert "større end" in result.output

    def test_agenda_reports_a_malformed_file_and_checks_the_rest(self, tmp_path: Path) -> None:
        """One broken file does not stop the meeting's other submissions from being checked."""
        for p in SUBMISSIONS.glob("*.json"):
            (tmp_path / p.name).write_text(p.read_text(encoding="utf-8"), encoding="utf-8")
        (tmp_path / "odelagt.json").write_text('{"sag": ', encoding="utf-8")
        result = _cli("--agenda", str(tmp_path))
        assert result.exit_code == 2
        assert "odelagt.json" in result.output
        assert "Kan ikke læses (fejl i input)" in result.output
        assert "plejefamilie-46-klar.json" in result.output
        assert "DOK-022: 1" in result.output
        data = json.loads(_cli("--agenda", str(tmp_path), "--format", "json").output)
        assert data["invalid"] == 1
        assert data["ready"] == 3
        assert data["not_ready"] == 3
        assert {r["name"] for r in data["submissions"]} >= {"odelagt.json", "plejefamilie-46-klar.json"}
        assert data["totals"]["DOK-002"] == 1


# -- invariants ----------------------------------------------------------------------------------

BASES = sorted(p.name for p in SUBMISSIONS.glob("*.json"))


def removable(data: dict[str, Any]) -> list[str]:
    """Items a submission can lose: documents, consents, alternatives, texts and sections."""
    paths = [f"dokumenter.{i}" for i in range(len(data.get("dokumenter", [])))]
    paths += [f"samtykker.{i}" for i in range(len(data.get("samtykker", [])))]
    paths += [f"alternativer.{i}" for i in range(len(data.get("alternativer", [])))]
    paths += [k for k in ("barnets_perspektiv", "formaal", "maal", "akut_begrundelse") if k in data]
    paths += [f"oekonomi.{k}" for k in data.get("oekonomi", {})]
    paths += [f"vum.{k}" for k in data.get("vum", {})]
    return paths


def without(data: dict[str, Any], paths: set[str]) -> dict[str, Any]:
    """A copy without ``paths`` (list items removed from the end first, so indices stay valid)."""
    out = copy.deepcopy(data)
    for path in sorted(paths, key=lambda p: [(-x if isinstance(x, int) else 0) for x in _parts(p)]):
        *parents, last = _parts(path)
        node: Any = out
        for p in parents:
            node = node[p]
        del node[last]
    return out


@st.composite
def reduced(draw: st.DrawFn) -> tuple[dict[str, Any], list[str], set[str]]:
    data = base(draw(st.sampled_from(BASES)))
    items = removable(data)
    gone = set(draw(st.lists(st.sampled_from(items), unique=True, max_size=len(items)))) if items else set()
    return data, items, gone


def _fejl(report: Report) -> set[str]:
    return {f.code for f in report.findings if f.severity == "fejl"}


@examples(300)
@given(reduced(), st.data())
def test_adding_a_missing_item_never_adds_a_fejl(sample, data) -> None:
    """Removing an item never removes a fejl and never makes a submission ready; said the other
    way round, adding a missing item never adds a fejl. (A warning about an item, e.g. a stale
    BFU, may give way to the fejl that it is missing.)"""
    sub, items, gone = sample
    rest = [i for i in items if i not in gone]
    if not rest:
        return
    extra = data.draw(st.sampled_from(rest))
    submission = without(sub, gone)
    before = copy.deepcopy(submission)
    fuller = run_check(submission)
    assert submission == before, "check() must not mutate its input"
    poorer = run_check(without(sub, gone | {extra}))
    assert _fejl(fuller) <= _fejl(poorer)
    assert fuller.ready or not poorer.ready


@examples(300)
@given(reduced(), st.integers(-400, 900))
def test_durable_and_reference_agree_on_random_submissions(sample, days) -> None:
    """The requirement rules durable-rules fires are exactly the reference evaluator's."""
    sub, _, gone = sample
    on = MEETING + dt.timedelta(days=days)
    parsed = Submission.model_validate(without(sub, gone))
    from kompetenceplan.api import route_validated
    from kompetenceplan.model.case import validate_case

    validated = validate_case(PLAN, parsed.sag)
    rank = route_validated(PLAN, validated).level.rank
    statuses = {r.code: status(PLAN, r, parsed, validated, on) for r in PLAN.requirements}
    reference = {r.code for r in PLAN.requirements if applies(r, validated, rank) and not statuses[r.code].met}
    fired = durable_adapter.unmet_requirements(PLAN, {**validated.values, "niveau": rank}, {ok_key(c): int(s.met) for c, s in statuses.items()})
    assert {s.code for s in fired} == reference


def test_a_plan_without_a_documentation_standard_refuses_to_check(small_plan) -> None:
    """Fail-safe: with no requirements every submission would look ready, so check() refuses."""
    from kompetenceplan import PlanError

    with pytest.raises(PlanError, match="ingen dokumentationsstandard"):
        check(small_plan, {"sag": {}}, on=MEETING, today=MEETING)


def test_the_second_plan_checks_submissions_with_its_own_inputs_and_codes() -> None:
    """Aastrup (other input names, other levels) uses the same requirement kinds: a § 46
    placement without BFU, child's view or consent is not ready, and the codes are Aastrup's."""
    from kompetenceplan import load_plans

    from .conftest import ROOT

    plans = load_plans(ROOT / "rules" / "aastrup")
    case = {"lovgrundlag": "bl-46", "trappetrin": 5, "maanedspris": 35000, "varighed": 12, "sagens_samlede_maanedspris": 35000, "alder": 10, "samtykke": True}
    report = check(plans, {"sag": case, "formaal": "Stabil hverdag", "maal": ["Skole"]}, on=MEETING, today=MEETING)
    assert report.routing.level == "visitationsudvalg"
    assert not report.ready
    assert [f.code for f in report.findings] == ["DOK-001", "DOK-002", "DOK-005", "DOK-004"]  # fejl first, then the warning
    complete = {
        "sag": case,
        "formaal": "Stabil hverdag",
        "maal": ["Skole"],
        "barnets_perspektiv": {"indhentet": True, "dato": "2026-11-01", "metode": "Samtale"},
        "samtykker": [{"fra": "foraeldremyndighed", "dato": "2026-11-02", "daekker_formaal": True}],
        "dokumenter": [{"type": "bfu", "dato": "2026-10-01"}],
        "oekonomi": {"pris_pr_maaned": 35000, "varighed_maaneder": 12, "samlet": 420000, "leverandoer": "Plejefamilie"},
    }
    assert check(plans, complete, on=MEETING, today=MEETING).ready


def test_the_engines_view_of_which_requirements_apply_is_checked(monkeypatch) -> None:
    """check() gives the engine "not met" for every requirement the reference says does not
    apply: if the two disagree on whether one applies, the engine fires it and nothing is
    reported (here the reference is made to think a missing document's requirement does not apply)."""
    from kompetenceplan import EngineError
    from kompetenceplan.checks import check as check_module

    sub = base("familiebehandling-hoej-udgift-mangler.json")
    report = check(PLAN, sub, on=MEETING, today=MEETING)
    victim = report.findings[0].code
    real = check_module.applying_for(PLAN)
    monkeypatch.setattr(check_module, "applying_for", lambda plan: lambda values, rank: [(req, run) for req, run in real(values, rank) if req.code != victim])
    with pytest.raises(EngineError, match=victim):
        check(PLAN, sub, on=MEETING, today=MEETING)


def test_the_written_out_field_paths_are_the_submission_models_paths() -> None:
    """The loader checks `fields` requirements against a written-out list (no pydantic models at
    start-up); it must be exactly what the submission models allow."""
    from kompetenceplan.model.submission import field_paths
    from kompetenceplan.plan.submission_paths import FIELD_PATHS

    assert set(FIELD_PATHS) == field_paths()
