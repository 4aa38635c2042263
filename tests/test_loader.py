"""The plan loader: strict format, cross-checks, statutory floors and engine limits."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Literal, cast

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kompetenceplan import PlanError, load_plan
from kompetenceplan.plan.compile import MAX_ALTERNATIVES
from kompetenceplan.plan.model import OneOf, Term, make_term
from kompetenceplan.plan.parts import InputSpec

from .conftest import SMALL_PLAN, examples, write_plan


def _broken(tmp_path: Path, file: str, old: str, new: str) -> PlanError:
    files = dict(SMALL_PLAN)
    assert old in files[file], "the fixture must contain the text the test replaces"
    files[file] = files[file].replace(old, new)
    with pytest.raises(PlanError) as info:
        load_plan(write_plan(tmp_path / "broken", files))
    return info.value


def _text(error: PlanError) -> str:
    return error.render()


class TestValidPlans:
    def test_nyborg_loads(self, nyborg) -> None:
        """The bundled plan loads with its levels in order (Familieretshuset, outside the
        municipality, above it) and both areas' ladders."""
        assert [lv.id for lv in nyborg.levels] == ["raadgiver", "team", "leder", "visitationsudvalg", "boerne_og_ungeudvalg", "familieretshuset"]
        assert {s.area for s in nyborg.ladder} == {"boern", "voksne"}
        assert len(nyborg.steps("boern")) == 6

    def test_nyborg_says_its_amounts_are_illustrative(self, nyborg) -> None:
        """DOMAIN.md: no Nyborg thresholds are published, so the plan must say so."""
        assert "illustrative" in nyborg.meta.note
        assert "ILLUSTRATIVE" in (nyborg.path / "plan.toml").read_text(encoding="utf-8")

    def test_small_plan_loads(self, small_plan) -> None:
        """The fixture every broken-plan test starts from is itself valid."""
        assert [r.id for r in small_plan.rows] == ["R-1", "R-2", "R-3", "R-47"]


class TestFormatErrors:
    def test_unknown_key_names_file_and_key_path(self, tmp_path: Path) -> None:
        """A misspelt key is refused with the file, the key path with the row id, and an example."""
        err = _broken(tmp_path, "regler.toml", 'reference = "test"\n', 'reference = "test"\nrefrence = "x"\n')
        text = _text(err)
        assert "regler.toml" in text
        assert "rows[0] (id R-1).refrence" in text
        assert "ukendt nøgle" in text
        assert "Eksempel" in text

    def test_wrong_type_is_named(self, tmp_path: Path) -> None:
        """A level given as a number is refused at its key path."""
        err = _broken(tmp_path, "regler.toml", 'level = "leder"', "level = 3")
        assert "rows[1] (id R-2).level" in _text(err)
        assert "tekst" in _text(err)

    def test_duplicate_toml_key_is_a_syntax_error(self, tmp_path: Path) -> None:
        """tomllib rejects a key given twice; the loader names the file."""
        err = _broken(tmp_path, "plan.toml", 'version = "1"', 'version = "1"\nversion = "2"')
        assert "plan.toml" in _text(err)
        assert "ugyldig TOML" in _text(err)

    def test_missing_folder(self, tmp_path: Path) -> None:
        """A folder that does not exist is named, with how to point at one."""
        with pytest.raises(PlanError, match="findes ikke"):
            load_plan(tmp_path / "nope")


class TestCrossChecks:
    def test_unknown_level_in_row(self, tmp_path: Path) -> None:
        """A row naming a level the plan does not have is refused, listing the valid levels."""
        err = _broken(tmp_path, "regler.toml", 'level = "leder"', 'level = "chef"')
        assert "(id R-2).level" in _text(err)
        assert "raadgiver, leder, udvalg, buu" in _text(err)

    def test_unknown_input_in_condition(self, tmp_path: Path) -> None:
        """A condition on an undeclared input is refused."""
        err = _broken(tmp_path, "regler.toml", "when = { udgift = { gte = 10000 } }", "when = { pris = { gte = 10000 } }")
        assert "(id R-2).when.pris" in _text(err)
        assert "ukendt input" in _text(err)

    def test_unknown_paragraph_in_condition(self, tmp_path: Path) -> None:
        """A condition on a paragraph code the plan does not declare is refused."""
        err = _broken(tmp_path, "regler.toml", 'when = { paragraf = "bl-47" }', 'when = { paragraf = ["bl-47", "bl-99"] }')
        assert "bl-99" in _text(err)

    def test_unknown_operator(self, tmp_path: Path) -> None:
        """Only gte, gt, lte and lt compare numbers."""
        err = _broken(tmp_path, "regler.toml", "udgift = { gte = 10000 }", "udgift = { over = 10000 }")
        assert "udgift.over" in _text(err)
        assert "gte" in _text(err)

    def test_duplicate_row_id(self, tmp_path: Path) -> None:
        """Row ids are stable codes and must be unique."""
        err = _broken(tmp_path, "regler.toml", 'id = "R-2"', 'id = "R-1"')
        assert "R-1" in _text(err)
        assert "unikt" in _text(err)

    def test_reserved_input_name(self, tmp_path: Path) -> None:
        """durable-rules reserves id and sid; a plan may not declare them as inputs."""
        err = _broken(tmp_path, "input.toml", "[inputs.timer]", "[inputs.sid]")
        assert "inputs.sid" in _text(err)
        assert "reserveret" in _text(err)

    def test_number_input_needs_bounds(self, tmp_path: Path) -> None:
        """Number inputs declare their domain, so validation and tests know it."""
        err = _broken(tmp_path, "input.toml", "min = 0\n        max = 100\n", "")
        assert "inputs.timer" in _text(err)
        assert "min og max" in _text(err)

    def test_escalation_level_must_exist_and_be_administrative(self, tmp_path: Path) -> None:
        """No-match cases escalate to an administrative level, never to a statutory body."""
        err = _broken(tmp_path, "plan.toml", 'escalation_level = "udvalg"', 'escalation_level = "buu"')
        assert "plan.escalation_level" in _text(err)

    def test_step_outside_ladder_domain(self, tmp_path: Path) -> None:
        """A ladder step outside the step input's bounds is refused."""
        err = _broken(tmp_path, "trappe.toml", "step = 2", "step = 7")
        assert "trappe.toml" in _text(err)
        assert "trin 7" in _text(err)


class TestStatutoryFloors:
    def test_floor_routed_lower_is_refused(self, tmp_path: Path) -> None:
        """Barnets lov § 47 routed to the visitationsudvalg instead of BUU is refused at load."""
        err = _broken(tmp_path, "regler.toml", 'level = "buu"', 'level = "udvalg"')
        text = _text(err)
        assert "§ 47" in text
        assert "buu" in text
        assert "(id R-47)" in text

    def test_floor_without_law_row_is_refused(self, tmp_path: Path) -> None:
        """A plan that declares § 47 but has no law row for it is refused."""
        err = _broken(tmp_path, "regler.toml", "law = true\n", "")
        assert "skal afgøres af" in _text(err)
        assert "input.toml: inputs.paragraf.values.bl-47" in _text(err)

    def test_conditional_law_row_is_refused(self, tmp_path: Path) -> None:
        """A floor applies to every § 47 case, so its row cannot carry more conditions."""
        err = _broken(tmp_path, "regler.toml", 'when = { paragraf = "bl-47" }', 'when = { paragraf = "bl-47", trin = 2 }')
        assert "ubetinget" in _text(err)

    def test_plan_without_the_body_level_is_refused(self, tmp_path: Path) -> None:
        """A plan with § 47 must have a level for børne- og ungeudvalget."""
        err = _broken(tmp_path, "plan.toml", 'body = "boerne_og_ungeudvalg"', "")
        assert "intet niveau" in _text(err)


class TestEngineLimits:
    def test_600_rows_on_one_input_are_refused_quickly(self, tmp_path: Path) -> None:
        """A table that would hang durable-rules (>= 512 siblings) is refused at load, never hangs.

        The check is pure Python over the plan and never touches durable; the alarm only turns
        a regression into a failure instead of a hung CI run (speed is measured in benchmarks/).
        """
        files = dict(SMALL_PLAN)
        rows = "\n".join(f'[[rows]]\nid = "G-{i}"\nlevel = "leder"\nwhen = {{ udgift = {{ gte = {1000 + i} }} }}\nreference = "generated"\n' for i in range(600))
        files["generert.toml"] = rows
        folder = write_plan(tmp_path / "stor", files)
        signal.signal(signal.SIGALRM, lambda *_: pytest.fail("loading hung"))
        signal.alarm(10)
        try:
            with pytest.raises(PlanError) as info:
                load_plan(folder)
        finally:
            signal.alarm(0)
        assert str(MAX_ALTERNATIVES) in info.value.render()
        assert "604 rækker" in info.value.render()

    def test_the_limit_is_below_what_hangs_durable(self) -> None:
        """DESIGN.md measured: 512 siblings hang post(), 513 hang ruleset creation."""
        assert MAX_ALTERNATIVES < 512


# -- the engine-limit check counts overlapping rows in bounded time -----------------------------

_BOUNDS = st.sampled_from(["gte", "gt", "lte", "lt", "eq"])


@st.composite
def _row_conditions(draw: st.DrawFn, kind: str) -> tuple[Term, ...]:
    """One row's conditions on one numeric input: a few bounds, or now and then a list of values."""
    value = st.integers(-3, 12) if kind == "int" else st.integers(-300, 1200).map(lambda c: c / 100)
    if kind == "int" and draw(st.integers(0, 5)) == 0:
        return (make_term("x", "in", tuple(draw(st.lists(st.integers(-3, 12), min_size=1, max_size=3)))),)
    return tuple(make_term("x", draw(_BOUNDS), draw(value)) for _ in range(draw(st.integers(0, 3))))


def _numbers(term: Term) -> tuple[float, ...]:
    """The values a condition on the numeric input names (`_row_conditions` draws numbers only)."""
    values = term.values if isinstance(term, OneOf) else (term.value,)
    assert all(isinstance(v, int | float) for v in values)
    return cast(tuple[float, ...], values)


@examples(1000)
@given(data=st.data(), kind=st.sampled_from(["int", "number"]))
def test_the_overlap_count_equals_trying_every_row_at_every_boundary(data: st.DataObject, kind: Literal["int", "number"]) -> None:
    """The binary-search count of rows one value meets (PLAN-013's bound) equals the plain count:
    every row's conditions tried at every boundary and beside it."""
    from kompetenceplan.plan.compile import _max_overlap
    from kompetenceplan.plan.model import PlanRow

    spec = InputSpec(type=kind, label="x", description="", unit="", required=True, min=-3, max=12, values=None, at_least=None, default_product=None, monotone=True)
    conditions = data.draw(st.lists(_row_conditions(kind), min_size=1, max_size=12))
    rows = [PlanRow(id=f"R{i}", level="a", rank=0, terms=terms, reference="", note="", law=False, file="") for i, terms in enumerate(conditions)]
    step = 1 if kind == "int" else 0.005
    points = [-3, 12] + [p for terms in conditions for t in terms for v in _numbers(t) for p in (v, v - step, v + step)]
    plain = max(sum(all(t.holds(p) for t in terms) for terms in conditions) for p in points if -3 <= p <= 12)
    assert _max_overlap(rows, "x", spec) == plain
