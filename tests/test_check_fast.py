"""check()'s fast paths, each held equal to the slow path it replaced (issue 12).

- the requirements' applicability compiled per plan (`applying_for`) is `applies`;
- the durable fact and event carry only the values a rule reads, and fire what the whole case fires;
- durable's answer to which requirements apply (one fact, every flag "not met") is `applies`,
  and remembering it per distinct fact changes no answer;
- the whole `check()` gives, byte for byte, the report (or the error) of the slow path: the strict
  `validate_case`, every requirement's `status` and `applies`, durable given the whole case, and
  the report as the pydantic models it used to be.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from typing import Any, Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kompetenceplan import KompetenceplanError, Plan, load_plan, load_plans
from kompetenceplan.checks import check as check_module
from kompetenceplan.checks.check import check, parse_submission
from kompetenceplan.checks.report import Report
from kompetenceplan.checks.requirements import applies, applying_for, checkers, status
from kompetenceplan.engine import durable_adapter
from kompetenceplan.engine.explain import plan_ref
from kompetenceplan.engine.routing import disagreement, route
from kompetenceplan.model.case import validate_case
from kompetenceplan.plan.compile import ok_key
from kompetenceplan.plan.model import ROW

from .conftest import NYBORG, ROOT, examples
from .strategies import cases, submissions

MEETING = dt.date(2026, 12, 1)
PLANS = {"nyborg": load_plan(NYBORG), "aastrup": load_plans(ROOT / "rules" / "aastrup").in_force(MEETING)}


# -- the report as the pydantic models it was before (the JSON it must still write) -------------
class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OldFinding(_Out):
    code: str
    severity: Literal["fejl", "advarsel"]
    title: str
    message: str
    hint: str
    path: str
    detail: str
    reference: str


class OldRouting(_Out):
    level: str
    level_name: str
    deciding_row: str | None
    escalated: bool
    committee: bool = Field(default=True)
    committee_id: str | None = None
    committee_name: str | None = None


class OldPlanRef(_Out):
    id: str
    kommune: str
    name: str
    version: str
    valid_from: str
    fingerprint: str


class OldReport(_Out):
    plan: OldPlanRef
    meeting_date: str
    ready: bool
    routing: OldRouting
    findings: list[OldFinding]


def _full_fact_fires(plan: Plan, values: dict[str, Any], flags: dict[str, int]) -> list[str | None]:
    """The requirement rules durable fires for a fact with every value of the case (as before)."""
    compiled = durable_adapter.compiled_requirements_for(plan)
    with durable_adapter._Session(compiled) as session:
        fact = json.dumps(durable_adapter._event(values, flags, "sub", "full", session.sid), ensure_ascii=False)
        session.touched = True
        try:
            fired = durable_adapter._fire_all(compiled.handle, fact)
            session.healthy = True
        finally:
            session.cleanup(lambda: durable_adapter._retract(compiled.handle, fact))
    return [compiled.specs[name].code for name in fired]


def _full_event_fires(plan: Plan, values: dict[str, Any]) -> str:
    """The routing rule durable fires for an event with every value of the case (as before)."""
    compiled = durable_adapter.compiled_for(plan)
    with durable_adapter._Session(compiled) as session:
        session.touched = True
        fired = durable_adapter._fire_first(compiled.handle, json.dumps(durable_adapter._event(values, {}, "case", "full", session.sid), ensure_ascii=False))
        session.healthy = True
    return fired


def slow_check(plan: Plan, data: Any, on: dt.date) -> str:
    """check() as it was: strict validation, every requirement's status and applicability one by
    one, the whole case in durable's fact, the report through pydantic models."""
    sub = parse_submission(plan, data, on)
    validated = validate_case(plan, sub.sag, where="indstilling.sag")
    routed = route(plan, validated)
    rank = routed.rank
    statuses = {r.code: status(plan, r, sub, validated, on) for r in plan.requirements}
    reference = {r.code for r in plan.requirements if applies(r, validated, rank) and not statuses[r.code].met}
    flags = {ok_key(r.code): int(applies(r, validated, rank) and statuses[r.code].met) for r in plan.requirements}
    engine = {code for code in _full_fact_fires(plan, {**validated.values, "niveau": rank}, flags) if code is not None}
    if engine != reference:
        raise disagreement("slow path")
    findings = [
        OldFinding(code=r.code, severity=r.severity, title=r.title, message=r.message, hint=r.hint, path=statuses[r.code].path, detail=statuses[r.code].detail, reference=r.reference)
        for r in plan.requirements
        if r.code in reference
    ]
    findings.sort(key=lambda f: (f.severity != "fejl", f.code))
    ref = plan_ref(plan)
    # The meeting body (issue 27): the plan's committee for the case's area, or the level itself.
    level_id = plan.levels[rank].id
    body = next((b for b in plan.meeting_bodies() if b.level == level_id and (b.areas is None or validated.values.get(plan.meta.area_input) in b.areas)), None)
    return OldReport(
        plan=OldPlanRef(id=ref.id, kommune=ref.kommune, name=ref.name, version=ref.version, valid_from=ref.valid_from, fingerprint=ref.fingerprint),
        meeting_date=on.isoformat(),
        ready=not any(f.severity == "fejl" for f in findings),
        routing=OldRouting(
            level=plan.levels[rank].id,
            level_name=plan.levels[rank].name,
            deciding_row=routed.outcome.row_id if routed.outcome.kind == ROW else None,
            escalated=routed.escalated,
            committee=rank >= plan.escalation_rank,
            committee_id=body.id if body is not None else None,
            committee_name=body.name if body is not None else None,
        ),
        findings=findings,
    ).model_dump_json(indent=2)


def _outcome(run: Any) -> tuple[str, Any]:
    try:
        return "ok", run()
    except KompetenceplanError as exc:
        return type(exc).__name__, exc.to_dict()


@pytest.mark.parametrize("name", sorted(PLANS))
@examples(5000)
@given(data=st.data())
def test_check_is_the_slow_path_byte_for_byte(name: str, data: st.DataObject) -> None:
    """Generated submissions: the same report JSON (or the same error) as the slow path."""
    plan = PLANS[name]
    submission = data.draw(submissions(plan, MEETING))
    remember = data.draw(st.booleans())  # durable's answers remembered per fact, or asked every time
    saved = check_module.MEMO_SIZE
    check_module.MEMO_SIZE = saved if remember else 0
    try:
        fast = _outcome(lambda: check(plan, submission, on=MEETING, today=MEETING).to_json())
    finally:
        check_module.MEMO_SIZE = saved
    assert fast == _outcome(lambda: slow_check(plan, submission, MEETING))


@pytest.mark.parametrize("name", sorted(PLANS))
@examples(5000)
@given(data=st.data())
def test_durable_says_which_requirements_apply_as_applies_does(name: str, data: st.DataObject) -> None:
    """One fact with every requirement "not met": durable fires exactly the requirements
    `applies` accepts for the case at the level (met or not, so every one is checked)."""
    plan = PLANS[name]
    validated = validate_case(plan, data.draw(cases(plan, complete=False)))
    rank = data.draw(st.integers(0, len(plan.levels) - 1))
    expected = {r.code for r in plan.requirements if applies(r, validated, rank)}
    assert durable_adapter.applicable_requirements(plan, {**validated.values, "niveau": rank}) == expected


@pytest.mark.parametrize("name", sorted(PLANS))
@examples(5000)
@given(data=st.data())
def test_compiled_applicability_is_applies(name: str, data: st.DataObject) -> None:
    """The per-plan compiled applicability lists exactly the requirements `applies` accepts, in
    plan order, each with its own compiled check; inputs left out included."""
    plan = PLANS[name]
    validated = validate_case(plan, data.draw(cases(plan, complete=False)))
    rank = data.draw(st.integers(0, len(plan.levels) - 1))
    got = applying_for(plan)(validated.values, rank)
    assert [req for req, _ in got] == [r for r in plan.requirements if applies(r, validated, rank)]
    assert all(run is checkers(plan)[req.code] for req, run in got)


@pytest.mark.parametrize("name", sorted(PLANS))
@examples(5000)
@given(data=st.data())
def test_a_fact_of_the_read_values_fires_what_the_whole_case_fires(name: str, data: st.DataObject) -> None:
    """durable fires the same requirement rules for the fact of only the values its rules read
    as for the whole case, whatever the flags and level; and routes the read values as the whole."""
    plan = PLANS[name]
    validated = validate_case(plan, data.draw(cases(plan, complete=False)))
    rank = data.draw(st.integers(0, len(plan.levels) - 1))
    flags = {ok_key(r.code): data.draw(st.sampled_from([0, 1])) for r in plan.requirements}
    values = {**validated.values, "niveau": rank}
    expected = [code for code in _full_fact_fires(plan, values, flags) if code is not None]
    assert [spec.code for spec in durable_adapter.unmet_requirements(plan, values, flags)] == expected
    assert durable_adapter.route(plan, validated.values).name == _full_event_fires(plan, dict(validated.values))


def test_the_fact_leaves_out_what_no_requirement_rule_reads() -> None:
    """The fields read are found in the rules' conditions: the requirement rules read the level,
    every flag and the inputs their conditions name — not the amounts."""
    plan = PLANS["nyborg"]
    compiled = durable_adapter.compiled_requirements_for(plan)
    durable_adapter._checkin(compiled)
    named = {t.input for r in plan.requirements for t in r.terms}
    assert compiled.reads == named | {ok_key(r.code) for r in plan.requirements} | {"kind", "niveau"}
    assert "maanedlig_udgift" not in compiled.reads


def test_the_example_submissions_are_the_slow_path() -> None:
    """The bundled examples, on days around their documents' age limits."""
    plan = PLANS["nyborg"]
    for path, days in itertools.product(sorted((ROOT / "examples" / "submissions").glob("*.json")), (0, 60, 200, 400)):
        data = json.loads(path.read_text(encoding="utf-8"))
        on = MEETING + dt.timedelta(days=days)
        assert _outcome(lambda: check(plan, data, on=on, today=on).to_json()) == _outcome(lambda: slow_check(plan, data, on)), path.name  # noqa: B023


def _example(name: str) -> dict[str, Any]:
    return json.loads((ROOT / "examples" / "submissions" / name).read_text(encoding="utf-8"))


@pytest.fixture
def fresh_memory(monkeypatch) -> Plan:
    """A plan whose memory of durable's answers is empty, with the calls to durable counted."""
    plan = load_plan(NYBORG)
    real = durable_adapter.applicable_requirements
    calls: list[int] = []

    def counted(plan: Plan, fact: dict[str, Any]) -> frozenset[str]:
        calls.append(1)
        return real(plan, fact)

    monkeypatch.setattr(durable_adapter, "applicable_requirements", counted)
    plan.memo["calls"] = calls
    return plan


def test_a_fact_seen_before_gets_durables_remembered_answer(fresh_memory, monkeypatch) -> None:
    """The same fact twice: durable is asked once (and on every check with the memory off)."""
    plan, calls = fresh_memory, fresh_memory.memo["calls"]
    sub = _example("bostoette-85-mangler.json")
    first = check(plan, sub, on=MEETING, today=MEETING)
    assert check(plan, sub, on=MEETING, today=MEETING) == first
    assert len(calls) == 1
    monkeypatch.setattr(check_module, "MEMO_SIZE", 0)
    check(plan, sub, on=MEETING, today=MEETING)
    assert len(calls) == 2


def test_a_remembered_answer_is_still_checked_against_the_reference(fresh_memory, monkeypatch) -> None:
    """On a remembered fact the reference must still agree: a reference that drops a requirement
    is an engine fault, as on a fresh one."""
    from kompetenceplan import EngineError

    plan = fresh_memory
    sub = _example("familiebehandling-hoej-udgift-mangler.json")
    victim = check(plan, sub, on=MEETING, today=MEETING).findings[0].code
    real = applying_for(plan)
    monkeypatch.setattr(check_module, "applying_for", lambda plan: lambda values, rank: [(r, run) for r, run in real(values, rank) if r.code != victim])
    with pytest.raises(EngineError, match=victim):
        check(plan, sub, on=MEETING, today=MEETING)
    assert len(plan.memo["calls"]) == 1  # the remembered answer, not a new cycle


def test_a_disagreement_is_never_remembered(fresh_memory, monkeypatch) -> None:
    """A wrong answer from durable is a fault and is not remembered: the next check asks again."""
    from kompetenceplan import EngineError

    plan, calls = fresh_memory, fresh_memory.memo["calls"]
    sub = _example("bostoette-85-mangler.json")
    counted = durable_adapter.applicable_requirements
    monkeypatch.setattr(durable_adapter, "applicable_requirements", lambda plan, fact: counted(plan, fact) | {"DOK-001"})
    with pytest.raises(EngineError, match="DOK-001"):
        check(plan, sub, on=MEETING, today=MEETING)
    monkeypatch.setattr(durable_adapter, "applicable_requirements", counted)
    assert not check(plan, sub, on=MEETING, today=MEETING).ready
    assert len(calls) == 2


def test_the_memory_is_bounded(fresh_memory, monkeypatch) -> None:
    """At its size the memory starts afresh."""
    plan = fresh_memory
    monkeypatch.setattr(check_module, "MEMO_SIZE", 2)
    for path in sorted((ROOT / "examples" / "submissions").glob("*.json")):
        check(plan, json.loads(path.read_text(encoding="utf-8")), on=MEETING, today=MEETING)
        assert len(plan.memo["applicable"][1]) <= 2
    assert len(plan.memo["calls"]) == 6


def test_report_reads_back_from_its_json() -> None:
    """The JSON edge: a report written and read back is equal, and unknown keys are refused."""
    plan = PLANS["nyborg"]
    data = json.loads((ROOT / "examples" / "submissions" / "bostoette-85-mangler.json").read_text(encoding="utf-8"))
    report = check(plan, data, on=MEETING, today=MEETING)
    assert Report.model_validate_json(report.to_json()) == report
    assert Report.model_validate(report.model_dump(mode="json")) == report
    with pytest.raises(ValidationError, match="Unexpected keyword argument"):
        Report.model_validate({**report.model_dump(mode="json"), "extra": 1})
