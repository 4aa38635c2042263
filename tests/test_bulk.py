"""The bulk path's generated decider (`engine.bulk.Decider`) against the strict path.

The decider validates, derives and routes a case in one generated function and hands back
(None) whatever it cannot vouch for. Its answer must be exactly what `validate_case`, the
reference evaluator and the floor check give; a case it hands back must still get decide's
answer through the strict path; and it must vouch for the plain valid cases it exists for.
"""

from __future__ import annotations

import gc
import json
import math
import sys
import weakref
from collections import OrderedDict
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kompetenceplan import CaseError, decide, decide_many, load_plan, validate_case
from kompetenceplan.engine.bulk import BulkResult, compiled
from kompetenceplan.engine.reference import evaluate
from kompetenceplan.engine.routing import enforce_floor, outcome_rank
from kompetenceplan.plan.model import NEEDS, NOMATCH, Plan

from .conftest import EXAMPLES, NYBORG, SMALL_CASE, SMALL_PLAN, examples, write_plan
from .strategies import cases

PLAN = load_plan(NYBORG)
ROOT = Path(__file__).resolve().parent.parent


def _decider(plan: Plan) -> Any:
    return compiled(plan).decider(outcome_rank, enforce_floor)


def _strict(plan: Plan, case: Any) -> tuple[Any, ...]:
    """What the strict path decides: (level, row, escalated, None), or the kind of refusal."""
    try:
        validated = validate_case(plan, case)
    except CaseError:
        return ("CaseError",)
    evaluation = evaluate(plan, validated)
    if evaluation.outcome.kind == NEEDS:
        return ("MissingInputError",)
    rank = outcome_rank(plan, evaluation.outcome)
    enforce_floor(plan, validated.get(plan.meta.paragraph_input), rank)
    return (plan.levels[rank].id, evaluation.outcome.row_id, evaluation.outcome.kind == NOMATCH, None)


def _bulk(plan: Plan, case: Any) -> tuple[Any, ...]:
    [result] = decide_many(plan, [case])
    assert isinstance(result, BulkResult)
    assert result.index == 0
    if result.error is not None:
        assert (result.level, result.row, result.escalated) == (None, None, False)
        return (type(result.error).__name__,)
    return (result.level, result.row, result.escalated, None)


def _noise(x: float) -> float:
    return x + 0.1 + 0.2 - 0.3  # 0.1 + 0.2 is not 0.3 in binary


def _odd_values(spec: Any, old: Any) -> list[Any]:
    """Values of the wrong type, out of bounds or with more than two decimals, and near misses."""
    odd: list[Any] = [None, "3", True, False, [1], {"v": 1}, math.nan, math.inf, 10**20, 2**53 + 1, "boern"]
    if spec.type in ("int", "number"):
        odd += [spec.max, spec.min, spec.max + 1, spec.min - 1, float(spec.max), float(spec.min), -0.0, 0, spec.max + 0.001, spec.min - 0.01]
    if isinstance(old, bool):
        odd += [int(old), not old]
    elif isinstance(old, int):
        odd += [float(old), old + 0.5, old + 1, old - 1, -old]
    elif isinstance(old, float):
        odd += [_noise(old), old + 0.001, old + 0.005, old - 0.004, int(old), -old, round(old, 1), old * 100, 1e-300, old + 1e-9]
    elif isinstance(old, str):
        odd += [old.upper(), old + " ", type("Code", (str,), {})(old)]
    return odd


def _corrupt(plan: Plan, case: dict[str, Any], data: Any) -> Any:  # noqa: C901 - one branch per way of breaking a case, side by side
    """The case, unchanged or broken in one of the ways the decider must hand back or refuse."""
    meta = plan.meta
    kinds = ["none", "value", "value", "value", "drop", "key", "text", "implied", "at_least", "product", "consent", "ladder", "container"]
    kind = data.draw(st.sampled_from(kinds), label="kind")
    bad = dict(case)
    if kind == "value":
        name = data.draw(st.sampled_from(sorted(plan.inputs)), label="input")
        bad[name] = data.draw(st.sampled_from(_odd_values(plan.inputs[name], bad.get(name))), label="value")
    elif kind == "drop":
        bad.pop(data.draw(st.sampled_from(sorted(plan.inputs)), label="drop"), None)
    elif kind == "key":
        bad[data.draw(st.sampled_from(["udgift", "cpr", "Trin", "id", "sid", "kind", "cid", 7]), label="key")] = 1
    elif kind == "text":
        bad["beskrivelse"] = data.draw(st.sampled_from(["kort", "", "x" * 2000, "x" * 2001, 5, None, ["x"]]), label="text")
    elif kind == "implied":
        # Another area, step or age than the paragraph implies (or the same: still valid).
        name = data.draw(st.sampled_from([n for n in (meta.area_input, meta.step_input, "alder") if n in plan.inputs]), label="implied")
        spec = plan.inputs[name]
        pool = sorted(spec.values or {}) if spec.type == "enum" else list(range(int(spec.min or 0), int(spec.max or 0) + 1))
        bad[name] = data.draw(st.sampled_from(pool), label="implied value")
    elif kind == "at_least":
        for name, spec in plan.inputs.items():
            if spec.at_least and isinstance(bad.get(spec.at_least), (int, float)):
                bad[name] = data.draw(st.sampled_from([bad[spec.at_least], round(bad[spec.at_least] - 0.01, 2), 0.0]), label="at least")
    elif kind == "product":
        # A total against its factors: equal, a little below, above, or derived beyond its bound.
        for name, spec in plan.inputs.items():
            factors = spec.default_product or []
            if not factors or not all(isinstance(bad.get(f), (int, float)) for f in factors):
                continue
            product = math.prod(float(bad[f]) for f in factors)
            how = data.draw(st.sampled_from(["equal", "below", "above", "huge"]), label="total")
            if how == "huge":
                bad.pop(name, None)
                for f in factors:
                    bad[f] = plan.inputs[f].max if plan.inputs[f].type == "int" else float(plan.inputs[f].max)  # type: ignore[arg-type]
            else:
                bad[name] = round(product + {"equal": 0.0, "below": -0.01, "above": 0.01}[how], 2)
    elif kind == "consent" and meta.consent_input:
        value = data.draw(st.sampled_from([False, None, "drop"]), label="consent")
        if value == "drop":
            bad.pop(meta.consent_input, None)
        else:
            bad[meta.consent_input] = value
    elif kind == "ladder":
        spec = plan.inputs[meta.step_input]
        bad[meta.step_input] = data.draw(st.integers(int(spec.min or 0) - 1, int(spec.max or 0) + 1), label="step")
        if data.draw(st.booleans(), label="area too") and plan.inputs[meta.area_input].values:
            bad[meta.area_input] = data.draw(st.sampled_from(sorted(plan.inputs[meta.area_input].values or {})), label="area")
    elif kind == "container":
        return data.draw(st.sampled_from([OrderedDict(bad), list(bad.items()), None, "x", type("Case", (dict,), {})(bad)]), label="container")
    return bad


@examples(10_000)
@given(cases(PLAN, complete=False), st.data())
def test_decide_many_gives_the_strict_answer_on_valid_and_broken_cases(case: dict[str, Any], data: Any) -> None:
    """decide_many's answer is validate_case + the reference evaluator + the floor, case for case;
    the decider's own answer, when it gives one, is that answer too (never a case it should refuse)."""
    bad = _corrupt(PLAN, case, data)
    expected = _strict(PLAN, bad)
    assert _bulk(PLAN, bad) == expected
    fast = _decider(PLAN).one(bad)
    assert fast is None or fast == expected


def _edge_plan_files() -> dict[str, str]:
    """The small test plan with what Nyborg never exercises: a step the paragraph allows but the
    ladder lacks, a derived total that can exceed its bound, a case total, a required input."""
    files = dict(SMALL_PLAN)
    inputs = files["input.toml"]
    inputs = inputs.replace('values = { boern = { label = "Børn" } }', 'values = { boern = { label = "Børn", requires = ["timer"] }, voksne = { label = "Voksne" } }')
    inputs = inputs.replace('label = "Trin"\n        min = 1\n        max = 2', 'label = "Trin"\n        min = 1\n        max = 3')
    inputs = inputs.replace("section = 35\n", 'section = 35\n        implies = { omraade = "boern", trin = [1, 2, 3] }\n', 1)
    inputs += """
        [inputs.varighed]
        type = "int"
        label = "Varighed"
        min = 1
        max = 24
        required = false

        [inputs.total]
        type = "number"
        label = "Samlet udgift"
        min = 0
        max = 2000000
        required = false
        default_product = ["udgift", "varighed"]

        [inputs.sag]
        type = "number"
        label = "Sagens udgift"
        min = 0
        max = 3000000
        required = false
        at_least = "udgift"
    """
    files["input.toml"] = inputs
    files["trappe.toml"] += """
        [[ladder]]
        area = "voksne"
        step = 3
        name = "Botilbud"
    """
    files["regler.toml"] += """
        [[rows]]
        id = "R-4"
        level = "udvalg"
        when = { total = { gte = 500000 } }
        reference = "test"

        [[rows]]
        id = "R-5"
        level = "leder"
        when = { sag = { gt = 20000 } }
        reference = "test"
    """
    return files


@pytest.fixture(scope="module")
def edge_plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    plan = load_plan(write_plan(tmp_path_factory.mktemp("edge") / "plan", _edge_plan_files()))
    assert _decider(plan).one is not None
    return plan


@examples(5000)
@given(st.data())
def test_the_same_on_a_plan_with_a_ladder_gap_and_derived_totals(edge_plan: Plan, data: Any) -> None:
    """As above, on a plan whose ladder, derived total and case total can each be the only
    thing wrong with a case (in the Nyborg plan the paragraph's implications catch them first)."""
    bad = _corrupt(edge_plan, data.draw(cases(edge_plan, complete=False), label="case"), data)
    expected = _strict(edge_plan, bad)
    assert _bulk(edge_plan, bad) == expected
    fast = _decider(edge_plan).one(bad)
    assert fast is None or fast == expected


def _plain(plan: Plan, case: dict[str, Any]) -> bool:
    """A case the decider exists for: every value in its plain JSON form, amounts in whole øre
    (no floating-point noise), ints as ints, nothing missing that could lift the level."""
    for name, value in case.items():
        spec = plan.inputs.get(name)
        if spec is None:
            continue  # the description, or a key validate_case refuses
        if spec.type == "int" and value.__class__ is not int:
            return False
        if spec.type == "number" and value.__class__ is float and round(value, 2) != value:
            return False
    return _strict(plan, case)[0] not in ("CaseError", "MissingInputError")


@examples(3000)
@given(cases(PLAN, complete=False))
def test_the_decider_vouches_for_every_plain_valid_case(case: dict[str, Any]) -> None:
    """The fast path is taken, not handed back, for a plain valid case (else the bulk path would
    be the strict path with extra steps)."""
    if _plain(PLAN, case):
        assert _decider(PLAN).one(case) == _strict(PLAN, case)


def test_the_decider_vouches_for_the_benchmark_and_example_cases() -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from run import workload

    one = _decider(PLAN).one
    for case in workload(PLAN, 500):
        assert one(case) == _strict(PLAN, case)
    for path in sorted((EXAMPLES / "cases").glob("*.json")):
        case = json.loads(path.read_text(encoding="utf-8"))
        if _plain(PLAN, case):
            assert one(case) == _strict(PLAN, case), path.name


@examples(10_000)
@given(st.floats(-1e15, 1e15, allow_nan=False) | st.integers(-(10**17), 10**17).map(lambda n: n / 100) | st.sampled_from([-0.0, 0.0, 0.1 + 0.2, 1e15, 2**53 / 100]))
def test_whole_oere_check_agrees_with_round(x: float) -> None:
    """The decider accepts an amount as is when round(x * 100) / 100 == x; validate_case then
    keeps round(x, 2) + 0.0, which must be that very float (bit for bit, so never -0.0)."""
    r = round(x * 100.0) / 100
    if r == x:
        assert math.copysign(1.0, r) == math.copysign(1.0, round(x, 2) + 0.0)
        assert (round(x, 2) + 0.0).hex() == r.hex()


@examples(1000)
@given(st.lists(cases(PLAN, complete=False), min_size=1, max_size=30), st.data())
def test_decide_many_keeps_order_and_index_over_a_batch(batch: list[dict[str, Any]], data: Any) -> None:
    """Broken cases between good ones: each result at its index, each the strict answer."""
    mixed = [_corrupt(PLAN, c, data) for c in batch]
    results = decide_many(PLAN, mixed)
    assert [r.index for r in results] == list(range(len(mixed)))
    assert [_bulk(PLAN, c) for c in mixed] == [_strict(PLAN, c) for c in mixed]


def test_a_floor_violation_in_the_generated_code_is_refused() -> None:
    """Defence in depth: the decider calls the floor check for a reserved paragraph, and its
    refusal stops the bulk call as in decide_many's strict path."""
    calls: list[tuple[object, int]] = []

    def floor(plan: Plan, paragraph: object, rank: int) -> None:
        calls.append((paragraph, rank))
        raise RuntimeError("floor")

    one = compiled(PLAN).decider(outcome_rank, floor).one
    assert one is not None
    case = {"paragraf": "bl-47", "trin": 4, "maanedlig_udgift": 1000.0, "varighed_maaneder": 3, "alder": 10, "sagens_maanedlige_udgift": 1000.0, "timer_pr_uge": 2.0}
    with pytest.raises(RuntimeError):
        one(case)
    assert calls == [("bl-47", PLAN.floors["bl-47"][0])]
    calls.clear()
    assert one({**case, "paragraf": "bl-35", "trin": 2}) is not None
    assert calls == []


def test_an_implication_on_a_number_input_is_checked_by_the_one_validator(tmp_path: Path) -> None:
    """An implication on a number input (no listed domain): the generated decider covers it with
    the one generated validator, and answers as the strict path does (a case it refuses, too)."""
    files = dict(SMALL_PLAN)
    files["input.toml"] = files["input.toml"].replace("section = 35\n", "section = 35\n        implies = { udgift = { lte = 50000 } }\n", 1)
    plan = load_plan(write_plan(tmp_path / "p", files))
    assert _decider(plan).one is not None
    cases_ = [SMALL_CASE, {**SMALL_CASE, "udgift": 60000.0}, {**SMALL_CASE, "udgift": 20000.0}, {**SMALL_CASE, "paragraf": "bl-47"}]
    assert [_bulk(plan, c) for c in cases_] == [_strict(plan, c) for c in cases_]
    assert _bulk(plan, cases_[1]) == ("CaseError",)
    assert _decider(plan).one(cases_[1]) is None
    assert [_decider(plan).one(c) for c in (cases_[0], cases_[2])] == [_strict(plan, c) for c in (cases_[0], cases_[2])]


def test_bulk_result_is_a_record_with_its_json() -> None:
    case = {"paragraf": "bl-35", "trin": 2, "maanedlig_udgift": 100.0, "varighed_maaneder": 2, "alder": 9, "sagens_maanedlige_udgift": 100.0, "timer_pr_uge": 2.0}
    ok, bad = decide_many(PLAN, [case, {}])
    assert ok.to_dict() == {"index": 0, "level": ok.level, "row": ok.row, "escalated": False}
    assert ok.error is None
    assert ok.level is not None
    assert bad.index == 1
    assert isinstance(bad.error, CaseError)
    assert set(bad.to_dict()) == {"index", "level", "row", "escalated", "error"}
    assert decide(PLAN, case).level.id == ok.level


def test_the_decider_is_built_once_per_plan_and_freed_with_it(small_plan_dir: Path) -> None:
    """Cached on the plan (no module-level cache to grow): built once, gone with the plan."""
    cp = compiled(PLAN)
    assert cp.decider(outcome_rank, enforce_floor) is cp.decider(outcome_rank, enforce_floor)
    assert compiled(PLAN) is cp
    assert PLAN.memo["bulk"] is cp
    plan = load_plan(small_plan_dir)
    assert decide_many(plan, [SMALL_CASE])[0].level == "raadgiver"
    assert _decider(plan).one is not None
    gone = weakref.ref(plan)
    del plan
    gc.collect()
    assert gone() is None
