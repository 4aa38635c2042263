"""The engine's fail-safe behaviour: no match escalates, faults refuse, never a lower level."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kompetenceplan import EngineError, MissingInputError, decide, load_plan
from kompetenceplan.engine import durable_adapter
from kompetenceplan.engine.reference import MATCH, Evaluation, evaluate
from kompetenceplan.engine.routing import decided_rank
from kompetenceplan.model.case import ValidatedCase, validate_case
from kompetenceplan.plan.compile import NEEDS, NOMATCH, ROW, Outcome, rule_specs
from kompetenceplan.plan.model import PlanRow

from .conftest import SMALL_CASE, SMALL_PLAN, write_plan


def _retired_sids(ruleset_for, plan) -> int:
    """How many sids the plan's ruleset (routing or documentation check) has retired so far."""
    compiled = ruleset_for(plan)
    durable_adapter._checkin(compiled)
    return compiled.sids.retired


def _undo_and_expect_one_retired(retired, plan, before: int, monkeypatch) -> None:
    """Put the engine back and require that the faulted call retired exactly its one sid."""
    monkeypatch.undo()
    assert retired(plan) == before + 1


@pytest.fixture(autouse=True)
def _own_fault_window(monkeypatch) -> None:
    """Faults provoked here must not make /health report 'degraded' in later tests."""
    monkeypatch.setattr(durable_adapter, "_faults", [])


class TestOutcomes:
    def test_no_matching_row_escalates_with_a_reason(self, small_plan) -> None:
        """A case no row covers goes to the escalation level (visitationsudvalg), never lower."""
        decision = decide(small_plan, {**SMALL_CASE, "trin": 2})
        assert decision.escalated
        assert decision.level.id == "udvalg"
        assert "ingen regel for denne sag" in decision.reason
        assert decision.deciding_row is None

    def test_highest_matching_level_wins(self, small_plan) -> None:
        """With rows at several levels matching, the highest decides; the lower are listed too."""
        decision = decide(small_plan, {**SMALL_CASE, "udgift": 12000.0, "timer": 25.0})
        assert decision.level.id == "udvalg"
        assert decision.deciding_row == "R-3"
        assert [r.id for r in decision.matched] == ["R-3", "R-2"]

    def test_missing_optional_input_that_could_lift_the_level_refuses(self, small_plan) -> None:
        """Without 'timer', R-3 (udvalg) might apply, so deciding 'leder' could be too low."""
        case = {k: v for k, v in SMALL_CASE.items() if k != "timer"}
        with pytest.raises(MissingInputError) as info:
            decide(small_plan, {**case, "udgift": 12000.0})
        assert info.value.problems[0].where == "sagen.timer"
        assert "R-3" in info.value.render()

    def test_missing_optional_input_is_fine_when_a_higher_row_already_decides(self, small_plan) -> None:
        """§ 47 goes to BUU whatever 'timer' is, so its absence does not block the decision."""
        case = {k: v for k, v in SMALL_CASE.items() if k != "timer"}
        assert decide(small_plan, {**case, "paragraf": "bl-47"}).level.id == "buu"

    def test_rule_order_puts_guards_after_their_level_and_catch_all_last(self, small_plan) -> None:
        """The compiled priority list: levels descending, a level's guards after its rows."""
        kinds = [(s.kind, s.row.id if s.row else None) for s in rule_specs(small_plan)]
        assert kinds == [(ROW, "R-47"), (ROW, "R-3"), (NEEDS, "R-3"), (ROW, "R-2"), (ROW, "R-1"), (NOMATCH, None)]


class TestFaults:
    def test_engine_disagreeing_with_reference_is_an_error(self, small_plan, monkeypatch) -> None:
        """If durable-rules fires another rule than the reference evaluator, nothing is decided."""
        lowest = rule_specs(small_plan)[-2]  # R-1, raadgiver
        monkeypatch.setattr(durable_adapter, "route", lambda plan, values: lowest)
        with pytest.raises(EngineError, match="kunne ikke fastslå niveauet sikkert"):
            decide(small_plan, {**SMALL_CASE, "udgift": 50000.0})

    @staticmethod
    def _retired(plan) -> int:
        return _retired_sids(durable_adapter.compiled_for, plan)

    def _then_normal(self, plan, retired_before: int, monkeypatch) -> None:
        """After the fault the sid it touched is retired, and the next decision is normal."""
        _undo_and_expect_one_retired(self._retired, plan, retired_before, monkeypatch)
        assert decide(plan, SMALL_CASE).level.id == "raadgiver"

    def test_no_action_started_is_an_error(self, small_plan, monkeypatch) -> None:
        """durable returning without starting an action (e.g. stolen by a timer thread) is an error."""
        before = self._retired(small_plan)
        monkeypatch.setattr(durable_adapter._durable_c, "start_action_for_state", lambda handle, state: None)
        with pytest.raises(EngineError, match="uden resultat"):
            decide(small_plan, SMALL_CASE)
        self._then_normal(small_plan, before, monkeypatch)

    def test_event_not_handled_is_an_error(self, small_plan, monkeypatch) -> None:
        """An event durable says it did not handle (a result code other than 0) is an error."""
        before = self._retired(small_plan)
        monkeypatch.setattr(durable_adapter._durable_c, "assert_event", lambda handle, event: (1, 0))
        with pytest.raises(EngineError, match="afviste sagen"):
            decide(small_plan, SMALL_CASE)
        self._then_normal(small_plan, before, monkeypatch)

    def test_a_second_action_is_an_error(self, small_plan, monkeypatch) -> None:
        """An event is consumed by one rule; if durable starts another action, nothing is decided."""
        before = self._retired(small_plan)
        real = durable_adapter._durable_c.complete_and_start_action

        def more(handle, state):
            real(handle, state)
            return '{"r0": {}}'

        monkeypatch.setattr(durable_adapter._durable_c, "complete_and_start_action", more)
        with pytest.raises(EngineError, match="mere end én regel"):
            decide(small_plan, SMALL_CASE)
        self._then_normal(small_plan, before, monkeypatch)

    def test_c_engine_error_is_an_error_and_hides_the_event(self, small_plan, monkeypatch) -> None:
        """An exception from durable's C code is an EngineError that keeps only the error code."""

        def fail(handle, event):
            raise RuntimeError(f"Could not assert event, error code: 303 {event}")

        before = self._retired(small_plan)
        monkeypatch.setattr(durable_adapter._durable_c, "assert_event", fail)
        with pytest.raises(EngineError) as info:
            decide(small_plan, SMALL_CASE)
        assert "error code: 303" in info.value.render()
        assert "bl-35" not in info.value.render()
        self._then_normal(small_plan, before, monkeypatch)

    def test_more_than_64_simultaneous_matches_is_an_error_not_a_level(self, tmp_path: Path, monkeypatch) -> None:
        """durable-rules fails with error 303 when >64 rows match at once: refuse, do not decide.
        (The loader refuses such plans; its check is switched off here to reach the engine.)"""
        from kompetenceplan.plan import compile as plan_compile

        monkeypatch.setattr(plan_compile, "MAX_MATCHING_RULES", 10_000)
        files = dict(SMALL_PLAN)
        files["mange.toml"] = "\n".join(f'[[rows]]\nid = "M-{i}"\nlevel = "leder"\nwhen = {{ udgift = {{ gte = {100 + i} }} }}\nreference = "m"\n' for i in range(70))
        plan = load_plan(write_plan(tmp_path / "mange", files))
        with pytest.raises(EngineError, match="303"):
            decide(plan, {**SMALL_CASE, "udgift": 5000.0})

    def test_statutory_floor_is_rechecked_on_every_decision(self, small_plan) -> None:
        """Even if evaluation were wrong, a § 47 case is never decided below BUU."""
        case = validate_case(small_plan, {**SMALL_CASE, "paragraf": "bl-47"})
        low = next(r for r in small_plan.rows if r.id == "R-1")
        fake = Evaluation(Outcome(ROW, "R-1", low.rank), {r.id: (MATCH if r is low else "ikke opfyldt") for r in small_plan.rows}, small_plan, case)
        with pytest.raises(EngineError, match="Efter loven skal denne afgørelse træffes af"):
            decided_rank(small_plan, case, fake)


class TestLazyExplanation:
    def test_each_row_is_evaluated_once_and_the_traces_only_when_read(self, nyborg, monkeypatch) -> None:
        """Routing walks the priority list to the first hit; reading the traces evaluates the
        remaining rows once — no row is evaluated twice for one decision."""
        from kompetenceplan.engine import reference

        calls: list[str] = []
        real = reference.row_status

        def counted(row: PlanRow, case: ValidatedCase) -> str:
            calls.append(row.id)
            return real(row, case)

        monkeypatch.setattr(reference, "row_status", counted)
        for path in sorted((Path(__file__).parent.parent / "examples" / "cases").glob("*.json")):
            calls.clear()
            try:
                decision = decide(nyborg, json.loads(path.read_text(encoding="utf-8")))
            except MissingInputError:
                continue
            routed = len(calls)
            assert not decision.explained
            assert routed <= len(nyborg.rows)
            decision.to_json()
            assert decision.explained
            assert sorted(calls) == sorted(r.id for r in nyborg.rows), path.name

    def test_traces_read_back_from_json_equal_the_lazy_ones(self, nyborg) -> None:
        from kompetenceplan import Decision

        case = {"paragraf": "bl-32-1-3", "trin": 3, "maanedlig_udgift": 12000.0, "varighed_maaneder": 6, "sagens_maanedlige_udgift": 12000.0, "alder": 10, "samtykke": True}
        decision = decide(nyborg, case)
        again = Decision.model_validate_json(decision.to_json())
        assert again == decision
        assert again.matched == decision.matched
        assert again.to_json() == decision.to_json()

    def test_a_decision_without_traces_refuses_to_pretend(self, nyborg) -> None:
        """A decision read back without its rows is refused; one built by hand without a way to
        explain itself cannot be serialised as if it had none."""
        from pydantic import ValidationError

        from kompetenceplan import Decision

        decision = decide(nyborg, {"paragraf": "bl-32-1-3", "trin": 3, "maanedlig_udgift": 1000.0, "varighed_maaneder": 6, "sagens_maanedlige_udgift": 12000.0, "alder": 10, "samtykke": True})
        data = json.loads(decision.to_json())
        for key in ("matched", "higher_not_matched", "other_rows"):
            partial = {k: v for k, v in data.items() if k != key}
            with pytest.raises(ValidationError, match=key):
                Decision.model_validate(partial)
        own = {k: v for k, v in vars(decision).items() if k not in ("matched", "higher_not_matched", "other_rows")}
        bare = Decision.explained_by(lambda: decision.traces(), **own)
        del vars(bare)["_explain"]
        with pytest.raises(ValueError, match="forklaring"):
            bare.to_json()


class TestRegistration:
    def test_same_plan_content_shares_one_ruleset(self, small_plan_dir) -> None:
        """Loading the same files twice reuses the registered ruleset (a name registers once)."""
        a, b = load_plan(small_plan_dir), load_plan(small_plan_dir)
        assert durable_adapter.compiled_for(a) is durable_adapter.compiled_for(b)

    def test_changed_plan_gets_a_new_ruleset(self, small_plan_dir) -> None:
        """A revised plan is compiled anew, so an old ruleset never answers for it."""
        before = durable_adapter.compiled_for(load_plan(small_plan_dir))
        rules = small_plan_dir / "regler.toml"
        rules.write_text(rules.read_text(encoding="utf-8").replace("lt = 10000", "lt = 9000"), encoding="utf-8")
        after = durable_adapter.compiled_for(load_plan(small_plan_dir))
        assert before.name != after.name

    def test_reference_and_engine_agree_on_the_examples(self, nyborg) -> None:
        """Sanity: the raw durable outcome equals the reference outcome for a known case."""
        case = validate_case(nyborg, {"paragraf": "bl-47", "trin": 6, "maanedlig_udgift": 1, "varighed_maaneder": 1, "alder": 3})
        assert Outcome.of(durable_adapter.route(nyborg, case.values)) == evaluate(nyborg, case).outcome


class TestFactFaults:
    """The documentation check's fact path refuses on every engine fault and always retracts."""

    SUB = "plejefamilie-46-klar.json"

    @pytest.fixture(autouse=True)
    def _every_check_asks_durable(self, monkeypatch) -> None:
        """check() remembers durable's answer per fact; these tests break the fact cycle itself."""
        from kompetenceplan.checks import check as check_module

        monkeypatch.setattr(check_module, "MEMO_SIZE", 0)

    def _check(self, nyborg):
        import datetime as dt
        import json

        from kompetenceplan import check

        from .conftest import EXAMPLES

        data = json.loads((EXAMPLES / "submissions" / self.SUB).read_text(encoding="utf-8"))
        return check(nyborg, data, on=dt.date(2026, 12, 1), today=dt.date(2026, 12, 1))

    @staticmethod
    def _retired(plan) -> int:
        return _retired_sids(durable_adapter.compiled_requirements_for, plan)

    def _then_normal(self, nyborg, retired_before: int, monkeypatch) -> None:
        """After the fault its sid is retired, and the next check is normal."""
        _undo_and_expect_one_retired(self._retired, nyborg, retired_before, monkeypatch)
        assert self._check(nyborg).ready

    def test_assert_error_is_an_engine_error_and_the_fact_is_retracted(self, nyborg, monkeypatch) -> None:
        """An exception while asserting is an EngineError, and the fact is still retracted."""
        retracted = []
        real_retract = durable_adapter._durable_c.retract_fact

        def fail(handle, fact):
            raise RuntimeError("Could not assert fact, error code: 303")

        def spy(handle, fact):
            retracted.append(json.loads(fact)["cid"])
            return real_retract(handle, fact)

        before = self._retired(nyborg)
        monkeypatch.setattr(durable_adapter._durable_c, "assert_fact", fail)
        monkeypatch.setattr(durable_adapter._durable_c, "retract_fact", spy)
        with pytest.raises(EngineError, match="303"):
            self._check(nyborg)
        assert len(retracted) == 1
        self._then_normal(nyborg, before, monkeypatch)

    def test_retract_failure_is_an_engine_error(self, nyborg, monkeypatch) -> None:
        """A fact that cannot be retracted means no report."""

        def fail(handle, fact):
            raise RuntimeError("boom")

        before = self._retired(nyborg)
        monkeypatch.setattr(durable_adapter._durable_c, "retract_fact", fail)
        with pytest.raises(EngineError):
            self._check(nyborg)
        self._then_normal(nyborg, before, monkeypatch)

    def test_assert_without_actions_is_an_engine_error(self, nyborg, monkeypatch) -> None:
        """If no rule ran (not even the catch-all), the check refuses instead of reporting 'ready'."""
        before = self._retired(nyborg)
        real = durable_adapter._durable_c.start_action_for_state
        compiled = durable_adapter.compiled_requirements_for(nyborg)
        durable_adapter._checkin(compiled)
        calls = []

        def none_first(handle, state):
            if handle == compiled.handle:  # the fact, not the routing event
                calls.append(state)
                if len(calls) == 1:
                    return None
            return real(handle, state)

        monkeypatch.setattr(durable_adapter._durable_c, "start_action_for_state", none_first)
        with pytest.raises(EngineError, match="uden resultat"):
            self._check(nyborg)
        self._then_normal(nyborg, before, monkeypatch)


class TestSidPool:
    def test_hash_is_durables_fnv1a(self) -> None:
        """The adapter's copy of durable's sid hash matches the FNV-1a 32-bit reference values."""
        assert durable_adapter.fnv1a32("") == 0x811C9DC5
        assert durable_adapter.fnv1a32("a") == 0xE40C292C
        assert durable_adapter.fnv1a32("foobar") == 0xBF9CF968

    def test_a_name_whose_hash_is_taken_is_skipped(self, monkeypatch) -> None:
        """If two candidate names share durable's hash, the pool hands out only the first."""
        monkeypatch.setattr(durable_adapter, "fnv1a32", lambda name: 7 if name in ("t0", "t1") else len(name) * 1000 + int(name[1:]))
        pool = durable_adapter._SidPool("t")
        names = {pool.acquire() for _ in range(durable_adapter.POOL_SIZE)}
        assert "t0" in names
        assert "t1" not in names

    def test_pool_names_never_share_a_hash(self) -> None:
        """No two sids in a pool (including replacements for retired ones) share durable's hash."""
        pool = durable_adapter._SidPool("t")
        names = [pool.acquire() for _ in range(durable_adapter.POOL_SIZE)]
        for name in names:
            pool.release(name, healthy=False, touched=True)  # retire them all: replacements are new names
        names += [pool.acquire() for _ in range(durable_adapter.POOL_SIZE)]
        assert len(set(names)) == len(names)
        assert len({durable_adapter.fnv1a32(n) for n in names}) == len(names)


def test_action_names_are_read_as_durable_writes_them() -> None:
    """The fired rule's name is read from the action message without parsing the event; an
    unusual message is parsed in full (and an unknown name is refused by the caller)."""
    assert durable_adapter._action_name('{"r48":{"m":{"paragraf": "bl-32-1-5"}}}') == "r48"
    assert durable_adapter._action_name('{"seen":{"m":{}}}') == "seen"
    assert durable_adapter._action_name('{ "q\\u0031" : {"m": {}}}') == "q1"


def test_explained_by_builds_the_decision_decide_builds(nyborg) -> None:
    """Decision.explained_by takes exactly the decision's own fields (not validated again) and
    the traces lazily: the result equals the decision, serialises and copies the same, and a
    missing or unknown field is refused."""
    import copy
    from dataclasses import fields as dataclass_fields

    from kompetenceplan import Decision

    decision = decide(nyborg, {"paragraf": "bl-32-1-3", "trin": 3, "maanedlig_udgift": 1000.0, "varighed_maaneder": 6, "sagens_maanedlige_udgift": 1000.0, "alder": 10, "samtykke": True})
    traces = ("matched", "higher_not_matched", "other_rows")
    own = {f.name: getattr(decision, f.name) for f in dataclass_fields(Decision) if f.name not in traces}
    ours = Decision.explained_by(decision.traces, **own)
    assert not ours.explained
    assert ours == decision
    assert ours.explained
    assert ours.to_json() == decision.to_json()
    assert copy.copy(ours).to_json() == decision.to_json()
    with pytest.raises(TypeError):
        Decision.explained_by(decision.traces, **{k: v for k, v in own.items() if k != "reason"})
    with pytest.raises(TypeError):
        Decision.explained_by(decision.traces, **own, matched=[])


def test_a_plan_compiles_its_validator_only_once_it_has_decided_a_few_cases(small_plan_dir) -> None:
    """A one-case command never pays for compiling the validator; later cases use it, and the
    decisions are the same either way."""
    from kompetenceplan import api

    from .conftest import SMALL_CASE as case

    plan = load_plan(small_plan_dir)
    first = [decide(plan, case).to_json() for _ in range(api.COMPILE_AFTER)]
    assert "bulk" not in plan.memo
    later = decide(plan, case).to_json()
    assert "bulk" in plan.memo
    assert set(first) == {later}


def test_a_decision_copies_and_pickles_before_and_after_its_traces_are_built(nyborg) -> None:
    import copy
    import pickle

    case = {"paragraf": "bl-32-1-3", "trin": 3, "maanedlig_udgift": 1000.0, "varighed_maaneder": 6, "sagens_maanedlige_udgift": 1000.0, "alder": 10, "samtykke": True}
    expected = decide(nyborg, case).to_json()
    for clone in (copy.deepcopy, copy.copy, lambda d: pickle.loads(pickle.dumps(d))):  # noqa: S301 - our own object, just pickled
        assert clone(decide(nyborg, case)).to_json() == expected


def test_a_decision_read_back_refuses_what_no_plan_can_give(nyborg) -> None:
    """Not-a-number, infinities and absurd counts or ranks are refused when a decision is read."""
    from pydantic import ValidationError

    from kompetenceplan import Decision

    text = decide(nyborg, {"paragraf": "bl-32-1-3", "trin": 3, "maanedlig_udgift": 1000.0, "varighed_maaneder": 6, "sagens_maanedlige_udgift": 1000.0, "alder": 10, "samtykke": True}).to_json()
    data = json.loads(text)
    for bad in ({"other_rows": 10**50}, {"other_rows": -1}, {"level": {**data["level"], "rank": 10**9}}):
        with pytest.raises(ValidationError):
            Decision.model_validate({**data, **bad})
    for spoilt in ('"maanedlig_udgift": NaN', '"maanedlig_udgift": Infinity'):
        with pytest.raises(ValidationError):
            Decision.model_validate_json(text.replace('"maanedlig_udgift": 1000.0', spoilt))


def test_threads_reading_the_traces_at_once_all_see_the_same_ones(nyborg) -> None:
    from concurrent.futures import ThreadPoolExecutor

    for _ in range(20):
        decision = decide(nyborg, {"paragraf": "bl-32-1-3", "trin": 3, "maanedlig_udgift": 1000.0, "varighed_maaneder": 6, "sagens_maanedlige_udgift": 1000.0, "alder": 10, "samtykke": True})
        with ThreadPoolExecutor(8) as pool:
            seen = list(pool.map(lambda d: d.matched, [decision] * 8))
        assert all(s is decision.matched for s in seen)
