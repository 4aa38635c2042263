"""`check`: is a submission ready for the committee? Routing decides the level; the level and the
case decide which requirements apply; durable-rules and the reference evaluator must agree."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from pydantic import ValidationError

from ..api import plan_in_force
from ..engine import durable_adapter
from ..engine.bulk import compiled
from ..engine.explain import plan_ref
from ..engine.routing import disagreement, route
from ..errors import CaseError, PlanError, Problem, validation_message
from ..model.submission import Submission
from ..plan.loader import one_per_place
from ..plan.model import ROW, Plan
from ..plan.versions import PlanSet
from ..safe_paths import model_field_names, safe_loc
from .report import Finding, Report, Routing
from .requirements import Prepared, applying_for

WHERE = "indstilling"


def check(plan: Plan | PlanSet, submission: Any, on: dt.date, today: dt.date | None = None) -> Report:
    """Check ``submission`` (a JSON-like mapping) for the meeting on ``on``, under the plan
    version in force that day.

    Raises `CaseError` for malformed submissions (including dates after ``today``), the routing
    errors of `decide`, and `EngineError` on an engine fault or disagreement.
    """
    plan = plan_in_force(plan, on)
    if not plan.requirements:
        # Fail-safe: without a documentation standard every submission would look ready.
        raise PlanError(
            "Planen har ingen dokumentationsstandard; indstillinger kan ikke tjekkes.",
            [Problem(f"{plan.path}", "planen erklærer ingen [[requirements]].", "Tilføj en dokumentation.toml med kravene (se docs/submission-format.md).")],
        )
    sub = parse_submission(plan, submission, today or dt.date.today())
    validated = compiled(plan).validate(sub.sag, where=f"{WHERE}.sag")
    routed = route(plan, validated)
    rank = routed.rank
    # durable-rules decides which requirements apply to the case at its level; the reference
    # (the plan's compiled applicability, held equal to `applies` by a property test) must agree
    # on every one. Only those are then checked against the submission.
    applying = applying_for(plan)(validated.values, rank)
    reference = frozenset(req.code for req, _ in applying)
    engine = _durable_applicable(plan, {**validated.values, "niveau": rank}, reference)
    if engine != reference:
        raise disagreement(f"durable-rules fandt, at {sorted(engine)} gælder, referencen {sorted(reference)}.")
    prepared = Prepared(sub)
    statuses = [(req, run(prepared, validated, on)) for req, run in applying]
    findings = [
        Finding(
            code=req.code,
            severity=req.severity,
            title=req.title,
            message=req.message,
            hint=req.hint,
            path=st.path,
            detail=st.detail,
            reference=req.reference,
        )
        for req, st in statuses
        if not st.met
    ]
    findings.sort(key=lambda f: (f.severity != "fejl", f.code))
    outcome = routed.outcome
    # The meeting that decides: the plan's committee for the case's area, or the level itself.
    level_id = plan.levels[rank].id
    found = plan.committee_for(level_id, validated.get(plan.meta.area_input))
    body = plan.meeting_body(found.id if found is not None else level_id)
    return Report(
        plan=plan_ref(plan),
        meeting_date=on.isoformat(),
        ready=not any(f.severity == "fejl" for f in findings),
        routing=Routing(
            level=plan.levels[rank].id,
            level_name=plan.levels[rank].name,
            deciding_row=outcome.row_id if outcome.kind == ROW else None,
            escalated=routed.escalated,
            committee=rank >= plan.escalation_rank,
            committee_id=body.id if body is not None else None,
            committee_name=body.name if body is not None else None,
        ),
        findings=findings,
    )


_KNOWN = model_field_names(Submission)

#: Distinct facts whose applicable requirements durable-rules gave, and the reference agreed
#: with, remembered per plan; 0 asks durable-rules on every check. When full, it starts afresh.
MEMO_SIZE = 4096
_ABSENT = itertools.repeat(object())  # an input the case leaves out, in a memo key


def _durable_applicable(plan: Plan, fact: dict[str, Any], reference: frozenset[str]) -> frozenset[str]:
    """durable-rules' answer to which requirements apply to ``fact`` (the case's inputs and its
    level). Which rules fire depends on nothing but the values they read, so an answer the
    reference agreed with is remembered for that fact — the same values, each of the same type —
    and given again without a new cycle. A disagreement or a fault is never remembered."""
    found = plan.memo.get("applicable")
    if found is None:
        found = plan.memo["applicable"] = (durable_adapter.requirement_inputs(plan), {}, {})
    names: tuple[str, ...] = found[0]
    memo: dict[tuple[Any, ...], frozenset[str]] = found[1]
    answers: dict[frozenset[str], frozenset[str]] = found[2]
    key = tuple([(v.__class__, v) for v in map(fact.get, names, _ABSENT)])
    engine = memo.get(key) if MEMO_SIZE else None
    if engine is None:
        engine = durable_adapter.applicable_requirements(plan, fact)
        if engine == reference and MEMO_SIZE:
            if len(memo) >= MEMO_SIZE:
                memo.clear()
                answers.clear()
            # Many facts share one answer: one copy of each (a full memory then holds about 2 MB).
            memo[key] = answers.setdefault(engine, engine)
    return engine


def parse_submission(plan: Plan, data: Any, today: dt.date) -> Submission:
    """Validate the submission's shape and vocabularies; never echo a value (personal data)."""
    if not isinstance(data, dict):
        raise CaseError("Indstillingen kan ikke læses.", [Problem(WHERE, "skal være et JSON-objekt.", 'Skriv fx {"sag": {...}, "dokumenter": [...]}.')])
    try:
        sub = Submission.model_validate(data)
    except ValidationError as exc:
        problems = [Problem(safe_loc(WHERE, data, e["loc"], _KNOWN), validation_message(e), "Se formatet i docs/submission-format.md.") for e in exc.errors(include_url=False, include_input=False)]
        raise CaseError("Indstillingen har fejl i formatet.", one_per_place(problems)) from None
    problems = []
    for i, doc in enumerate(sub.dokumenter):
        if doc.type not in plan.document_types:
            problems.append(Problem(f"{WHERE}.dokumenter[{i}].type", "ukendt dokumenttype.", f"Brug en af: {', '.join(plan.document_types)}."))
        if doc.dato > today:
            problems.append(Problem(f"{WHERE}.dokumenter[{i}].dato", "datoen ligger i fremtiden.", "Angiv dokumentets faktiske dato."))
    for i, consent in enumerate(sub.samtykker):
        if consent.fra not in plan.consent_roles:
            problems.append(Problem(f"{WHERE}.samtykker[{i}].fra", "ukendt samtykkerolle.", f"Brug en af: {', '.join(plan.consent_roles)}."))
        if consent.dato > today:
            problems.append(Problem(f"{WHERE}.samtykker[{i}].dato", "datoen ligger i fremtiden.", "Angiv datoen for samtykket."))
    view = sub.barnets_perspektiv
    if view is not None and view.dato is not None and view.dato > today:
        problems.append(Problem(f"{WHERE}.barnets_perspektiv.dato", "datoen ligger i fremtiden.", "Angiv datoen for samtalen."))
    if problems:
        raise CaseError("Indstillingen har fejl.", problems)
    return sub
