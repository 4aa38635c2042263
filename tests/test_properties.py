"""Invariants over the declared input domains, checked with hypothesis.

- every valid, complete case gets exactly one level: the highest among the matching rows;
- raising the step or any cost input never lowers the level;
- the durable-rules path and the reference evaluator agree (>= 10,000 cases per run);
- a Decision survives a JSON round trip;
- malformed input always raises, never decides; input is never mutated.
"""

from __future__ import annotations

import copy
import json
import math
from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from kompetenceplan import (
    CaseError,
    Decision,
    MissingInputError,
    decide,
    load_plan,
    validate_case,
)
from kompetenceplan.engine import durable_adapter
from kompetenceplan.engine.reference import MATCH, evaluate
from kompetenceplan.plan.compile import Outcome

from .conftest import NYBORG, SMALL_PLAN, examples, write_plan
from .strategies import cases, thresholds

PLAN = load_plan(NYBORG)


@examples(400)
@given(cases(PLAN))
def test_every_valid_complete_case_gets_exactly_one_level(case: dict[str, Any]) -> None:
    """The level is the highest among matching rows (or the escalation level), and the case is untouched."""
    before = copy.deepcopy(case)
    decision = decide(PLAN, case)
    assert case == before
    ranks = [PLAN.rank(r.level) for r in decision.matched]
    expected = max(ranks) if ranks else PLAN.escalation_rank
    assert decision.level.rank == expected
    assert decision.level.id == PLAN.levels[expected].id
    assert decision.escalated == (not ranks)
    assert all(r.status == MATCH for r in decision.matched)


def _raise(case: dict[str, Any], name: str, new: Any) -> dict[str, Any]:
    """The case with ``name`` raised to ``new``, keeping inputs that must include it valid
    (a case total includes this cost; an explicit total is at least monthly × duration)."""
    raised = {**case, name: new}
    for other, spec in PLAN.inputs.items():
        if spec.at_least == name and other in raised:
            raised[other] = min(float(spec.max), raised[other] + (new - case[name]))  # type: ignore[arg-type]
        if spec.default_product and name in spec.default_product and other in raised:
            raised[other] = max(raised[other], math.prod(raised[f] for f in spec.default_product))
    return raised


MONOTONE = [n for n, s in PLAN.inputs.items() if s.monotone]


@examples(600)
@given(cases(PLAN), st.sampled_from(MONOTONE), st.floats(0, 1), st.data())
def test_raising_step_or_cost_never_lowers_the_level(case: dict[str, Any], name: str, fraction: float, data) -> None:
    """'Egen kompetence indskrænkes jo højere på indsatstrappen': more step or cost, never a lower level.

    Each example raises one monotone input to every threshold above it (where a wrong row would
    show) and by one random amount, and compares each level with the original.
    """
    spec = PLAN.inputs[name]
    assume(name in case)
    low = decide(PLAN, case)
    if name == PLAN.meta.step_input:
        raised: list[float] = []
        for step in range(case[name] + 1, int(spec.max) + 1):  # type: ignore[arg-type]
            try:
                validate_case(PLAN, {**case, name: step})
                raised.append(step)
            except CaseError:
                pass
    else:
        room = float(spec.max) - case[name]  # type: ignore[arg-type]
        for other, other_spec in PLAN.inputs.items():
            if other_spec.at_least == name and other in case:
                room = min(room, float(other_spec.max) - case[other])  # type: ignore[arg-type]
        product_of = [o for o, s in PLAN.inputs.items() if s.default_product and name in s.default_product]
        for other in product_of:
            factor = math.prod(case[f] for f in PLAN.inputs[other].default_product if f != name)  # type: ignore[union-attr]
            if factor > 0:
                room = min(room, float(PLAN.inputs[other].max) / factor - case[name])  # type: ignore[arg-type]
        crossings = [t + d for t in thresholds(PLAN, name) for d in (0, 0.5, 1) if case[name] < t + d <= case[name] + room]
        raised = sorted({*crossings, math.floor((case[name] + room * fraction) * 100) / 100})
        if spec.type == "int":
            raised = sorted({int(v) for v in raised})
        raised = [v for v in raised if v > case[name]]
    assume(raised)
    for new in raised:
        try:
            high = decide(PLAN, _raise(case, name, new))
        except CaseError:
            # A raise the paragraph does not allow (e.g. bl-100 beyond 6 months) is refused with a
            # reason, never routed: refusing is not lower.
            continue
        assert high.level.rank >= low.level.rank, (name, case[name], new, low.deciding_row, high.deciding_row)


@examples(10_000)
@given(cases(PLAN, complete=False))
def test_durable_rules_agrees_with_the_reference_evaluator(case: dict[str, Any]) -> None:
    """The first rule durable-rules fires is the reference evaluator's outcome (10,000 cases per run)."""
    validated = validate_case(PLAN, case)
    assert Outcome.of(durable_adapter.route(PLAN, validated.values)) == evaluate(PLAN, validated).outcome


# Built once, not in every draw (building a strategy costs more than the property it feeds).
_SMALL_STEP = st.sampled_from([1, 2])
_SMALL_COST = st.sampled_from([0.0, 9999.5, 10000.0, 10000.5]) | st.floats(0, 1_000_000).map(lambda x: round(x, 2))
_SMALL_PARAGRAPH = st.sampled_from(["bl-35", "bl-47"])
_SMALL_HOURS = st.sampled_from([19.5, 20.0, 20.5]) | st.floats(0, 100).map(lambda x: round(x, 2))


@st.composite
def _small_cases(draw: st.DrawFn) -> dict[str, Any]:
    case = {
        "omraade": "boern",
        "trin": draw(_SMALL_STEP),
        "udgift": draw(_SMALL_COST),
        "paragraf": draw(_SMALL_PARAGRAPH),
    }
    if draw(st.booleans()):
        case["timer"] = draw(_SMALL_HOURS)
    return case


@examples(1500)
@given(_small_cases())
def test_durable_agrees_on_no_match_and_missing_inputs_too(tmp_path_factory, case: dict[str, Any]) -> None:
    """On a plan with gaps and an optional input, both paths agree on escalation and refusals."""
    plan = _small_plan(tmp_path_factory)
    validated = validate_case(plan, case)
    assert Outcome.of(durable_adapter.route(plan, validated.values)) == evaluate(plan, validated).outcome


_SMALL: list = []


def _small_plan(factory):
    if not _SMALL:
        _SMALL.append(load_plan(write_plan(factory.mktemp("lille"), SMALL_PLAN)))
    return _SMALL[0]


@examples(200)
@given(cases(PLAN))
def test_decision_json_round_trips(case: dict[str, Any]) -> None:
    """Decision -> JSON -> Decision gives the same decision."""
    decision = decide(PLAN, case)
    assert Decision.model_validate_json(decision.to_json()) == decision
    assert json.loads(decision.to_json())["level"]["id"] == decision.level.id


@examples(500)
@given(cases(PLAN), st.randoms(use_true_random=False))
def test_the_same_case_gives_the_same_bytes_whatever_its_key_order_and_validator(case: dict[str, Any], rnd: Any) -> None:
    """Decision JSON lists the inputs in the plan's order: a case with its keys shuffled, read by
    `validate_case` or by the compiled validator, gives byte-identical JSON."""
    from kompetenceplan.api import route_validated
    from kompetenceplan.engine.bulk import compiled

    keys = list(case)
    rnd.shuffle(keys)
    shuffled = {k: case[k] for k in keys}
    answers = {route_validated(PLAN, validate(PLAN, c)).to_json() for c in (case, shuffled) for validate in (validate_case, lambda p, c: compiled(p).validate(c))}
    assert len(answers) == 1


@examples(500)
@given(cases(PLAN))
def test_decision_json_is_what_pydantic_writes(case: dict[str, Any]) -> None:
    """`to_json` and `model_dump` (plain json, no pydantic on the CLI's path) are byte-equal to
    pydantic's serialiser of the same schema, which reads them back (`model_validate_json`)."""
    decision = decide(PLAN, case)
    assert decision.to_json() == Decision.adapter().dump_json(decision, indent=2).decode()
    assert decision.model_dump() == Decision.adapter().dump_python(decision, mode="json")


def _inferable(case: dict[str, Any]) -> set[str]:
    out = set()
    for (name, code), terms in PLAN.implications.items():
        if case.get(name) == code:
            out |= {t.input for t in terms if t.op == "in" and len(t.value) == 1}  # type: ignore[arg-type]
    return out


def _wrong_values(spec) -> list[Any]:
    if spec.type == "bool":
        return ["ja", 1, 0, [True]]
    if spec.type == "enum":
        return [5, "zz-ukendt", True, ["boern"]]
    common = ["3", True, False, math.nan, math.inf, -math.inf, [1], {"v": 1}, spec.max + 1, spec.min - 1]
    return common + ([3.5] if spec.type == "int" else [])


@examples(600)
@given(cases(PLAN, complete=False), st.data())
def test_malformed_input_always_raises_and_never_decides(case: dict[str, Any], data) -> None:
    """A wrong type, a bad number, a missing field, an unknown or reserved key: CaseError, never a level."""
    kind = data.draw(st.sampled_from(["wrong", "missing", "unknown", "reserved"]))
    bad = dict(case)
    if kind == "wrong":
        name = data.draw(st.sampled_from(sorted(PLAN.inputs)))
        bad[name] = data.draw(st.sampled_from(_wrong_values(PLAN.inputs[name])))
    elif kind == "missing":
        required = sorted(n for n, s in PLAN.inputs.items() if s.required and n not in _inferable(case))
        bad.pop(data.draw(st.sampled_from(required)), None)
    elif kind == "unknown":
        bad[data.draw(st.sampled_from(["udgift", "cpr", "Trin", "paragraph"]))] = 1
    else:
        bad[data.draw(st.sampled_from(["id", "sid", "kind", "cid"]))] = "x"
    before = copy.deepcopy(bad)
    try:
        decision = decide(PLAN, bad)
    except MissingInputError:
        raise AssertionError("malformed input must be a CaseError about the input, not a missing-input refusal") from None
    except CaseError:
        pass
    else:
        raise AssertionError(f"decided {decision.level.id} for malformed input ({kind})")
    assert _same(bad, before)


def _same(a: Any, b: Any) -> bool:
    """Equality that treats NaN as equal to itself (for the not-mutated check)."""
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


# -- the bulk path (decide_many): compiled router and fast validation ------------------------------

from kompetenceplan.api import decide_many  # noqa: E402
from kompetenceplan.engine.bulk import compiled as _compiled_plan  # noqa: E402


@examples(3000)
@given(cases(PLAN, complete=False))
def test_compiled_router_agrees_with_the_reference_evaluator(case: dict[str, Any]) -> None:
    """The bulk path's compiled priority list gives the reference evaluator's outcome."""
    cp = _compiled_plan(PLAN)
    validated = validate_case(PLAN, case)
    assert cp.outcomes[cp.route(validated.values)] == evaluate(PLAN, validated).outcome


@examples(1500)
@given(cases(PLAN, complete=False), st.data())
def test_fast_validation_accepts_exactly_what_validate_case_accepts(case: dict[str, Any], data) -> None:
    """Fast validation gives validate_case's values, or hands the case to validate_case."""
    bad = dict(case)
    kind = data.draw(st.sampled_from(["none", "wrong", "below_at_least", "other_step"]))
    if kind == "wrong":
        name = data.draw(st.sampled_from(sorted(PLAN.inputs)))
        bad[name] = data.draw(st.sampled_from(_wrong_values(PLAN.inputs[name]) + [None]))
    elif kind == "below_at_least":
        for name, spec in PLAN.inputs.items():
            if spec.at_least and spec.at_least in bad and bad[spec.at_least] >= 1:
                bad[name] = bad[spec.at_least] - 1
    elif kind == "other_step":
        bad[PLAN.meta.step_input] = data.draw(st.integers(1, 6))
    fast = _compiled_plan(PLAN)._fast(bad)
    try:
        strict = validate_case(PLAN, bad)
    except CaseError:
        assert fast is None
    else:
        # The same values, and the same words for what was derived (the explanation shows them).
        assert fast is None or (dict(fast.values), fast.derived) == (dict(strict.values), strict.derived)


def test_the_fast_path_takes_every_example_case_with_its_derived_values() -> None:
    """The compiled validator is the live path (decide, check): on the example cases it must
    accept, not hand over, and give validate_case's values and derived texts."""
    from .conftest import EXAMPLES

    for path in sorted((EXAMPLES / "cases").glob("*.json")):
        case = json.loads(path.read_text(encoding="utf-8"))
        try:
            strict = validate_case(PLAN, case)
        except CaseError:
            continue
        fast = _compiled_plan(PLAN)._fast(case)
        assert fast is not None, path.name
        assert (dict(fast.values), fast.derived) == (dict(strict.values), strict.derived), path.name
        assert decide(PLAN, case).derived == list(strict.derived), path.name


@examples(300)
@given(st.lists(cases(PLAN, complete=False), min_size=1, max_size=20))
def test_decide_many_equals_decide(batch: list[dict[str, Any]]) -> None:
    """Each bulk result is decide()'s level and row, or the same kind of error."""
    for result, case in zip(decide_many(PLAN, batch), batch, strict=False):
        try:
            decision = decide(PLAN, case)
        except CaseError as exc:
            refused = type(exc)
        else:
            assert (result.level, result.row, result.escalated) == (decision.level.id, decision.deciding_row, decision.escalated)
            continue
        assert result.error is not None
        assert type(result.error) is refused
