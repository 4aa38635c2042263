"""Generated code in sight (engine/generated.py): every generated module is named, shows its line
in a traceback, can be printed, and can be switched off (KOMPETENCEPLAN_PLAIN=1) with the same
answers."""

from __future__ import annotations

import datetime as dt
import json
import traceback

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from kompetenceplan import check, decide_many, load_plan
from kompetenceplan.cli import main
from kompetenceplan.engine import generated
from kompetenceplan.engine.bulk import compiled
from kompetenceplan.errors import KompetenceplanError

from .conftest import EXAMPLES, NYBORG, examples
from .strategies import cases

ON = dt.date(2026, 12, 1)
PLAN = load_plan(NYBORG)


def test_a_fault_in_generated_code_shows_the_generated_line_and_the_modules_name() -> None:
    """A traceback through generated code names the module (kind, plan, version, fingerprint) and
    prints the generated line, not '???'."""
    run = generated.build("router", PLAN, ["def route(values):", "    return values['no such input'] + 1"], {}, "route")
    with pytest.raises(KeyError) as info:
        run({})
    shown = "".join(traceback.format_exception(info.value))
    name = generated.module_name("router", PLAN)
    assert name in shown
    assert "return values['no such input'] + 1" in shown
    assert name.startswith(f"<kompetenceplan router {PLAN.meta.id} {PLAN.meta.version} ")


def test_debug_generated_prints_each_kind_of_generated_module_of_the_plan() -> None:
    """`kompetenceplan debug generated` prints the four generated modules, each under its name."""
    result = CliRunner().invoke(main, ["debug", "generated", "--plan", str(NYBORG)])
    assert result.exit_code == 0, result.output
    headers = [line for line in result.output.splitlines() if line.startswith("# <kompetenceplan ")]
    assert [h.split()[2] for h in headers] == list(generated.KINDS)
    assert "def route(values):" in result.output
    assert "def one(case):" in result.output
    assert "def applying(" in result.output


def test_the_plain_switch_refuses_to_print_code_that_is_not_generated(monkeypatch) -> None:
    """With KOMPETENCEPLAN_PLAIN=1 there is nothing to show: a clear refusal, exit 2."""
    monkeypatch.setenv(generated.PLAIN_ENV, "1")
    result = CliRunner().invoke(main, ["debug", "generated", "--plan", str(NYBORG)])
    assert result.exit_code == 2
    assert "KOMPETENCEPLAN_PLAIN" in result.output


def _fresh(monkeypatch, plain: bool):
    if plain:
        monkeypatch.setenv(generated.PLAIN_ENV, "1")
    else:
        monkeypatch.delenv(generated.PLAIN_ENV, raising=False)
    return load_plan(NYBORG)


def test_the_plain_path_builds_no_code() -> None:
    """KOMPETENCEPLAN_PLAIN=1 really switches the generators off (the router is the reference walk)."""
    with pytest.MonkeyPatch.context() as mp:
        plan = _fresh(mp, plain=True)
        cp = compiled(plan)
        assert cp.route.__code__.co_filename == generated.__file__.replace("generated.py", "bulk.py")
        assert cp.decider(lambda p, o: 0, lambda p, c, r: None).one is None


def _outcome(result) -> tuple:
    return (result.level, result.row, result.escalated, type(result.error).__name__ if result.error else None, result.error.to_dict() if result.error else None)


@examples(300)
@given(data=st.data())
def test_the_plain_path_gives_the_generated_paths_answers(data: st.DataObject) -> None:
    """decide_many and check give the same answers, errors included, with and without generated code."""
    batch = data.draw(st.lists(cases(PLAN, complete=data.draw(st.booleans())), min_size=1, max_size=8))
    with pytest.MonkeyPatch.context() as mp:
        fast = [_outcome(r) for r in decide_many(_fresh(mp, plain=False), batch, on=ON)]
        slow = [_outcome(r) for r in decide_many(_fresh(mp, plain=True), batch, on=ON)]
    assert fast == slow


@pytest.mark.parametrize("path", sorted((EXAMPLES / "submissions").glob("*.json")), ids=lambda p: p.stem)
def test_check_without_generated_code_gives_the_same_report(path, monkeypatch) -> None:
    """The documentation check is byte for byte the same without generated code."""
    submission = json.loads(path.read_text(encoding="utf-8"))

    def report(plan) -> str:
        try:
            return check(plan, submission, on=ON).to_json()
        except KompetenceplanError as exc:
            return json.dumps(exc.to_dict())

    assert report(_fresh(monkeypatch, plain=False)) == report(_fresh(monkeypatch, plain=True))
