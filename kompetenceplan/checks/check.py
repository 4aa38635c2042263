"""`check`: is a submission ready for the committee? Routing decides the level; the level and the
case decide which requirements apply; durable-rules and the reference evaluator must agree."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import ValidationError

from ..api import plan_in_force
from ..engine import durable_adapter
from ..engine.bulk import compiled
from ..errors import CaseError, PlanError, Problem, validation_message
from ..explain import plan_ref
from ..plan.compile import ok_key
from ..plan.loader import one_per_place
from ..plan.model import ROW, Plan
from ..plan.versions import PlanSet
from ..routing import disagreement, route
from ..safe_paths import model_field_names, safe_loc
from ..submission import Submission
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
    # Only the requirements that apply are checked against the submission. The engine gets
    # their real flags and "not met" for every other requirement: it must then fire exactly the
    # applying, unmet ones, so its own view of which requirements apply is checked every time
    # (a requirement it wrongly thought applied would fire and be caught as a disagreement).
    prepared = Prepared(sub)
    statuses = {req.code: (req, run(prepared, validated, on)) for req, run in applying_for(plan)(validated.values, rank)}
    reference = {code for code, (_, st) in statuses.items() if not st.met}
    flags = dict(_unmet_flags(plan))
    keys = _ok_keys(plan)
    for code, (_, st) in statuses.items():
        if st.met:
            flags[keys[code]] = 1
    fired = durable_adapter.unmet_requirements(plan, {**validated.values, "niveau": rank}, flags)
    engine = {spec.code for spec in fired}
    if engine != reference:
        raise disagreement(f"durable-rules fandt {sorted(str(c) for c in engine)}, referencen {sorted(reference)}.")
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
        for req, st in statuses.values()
        if not st.met
    ]
    findings.sort(key=lambda f: (f.severity != "fejl", f.code))
    outcome = routed.outcome
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
        ),
        findings=findings,
    )


_KNOWN = model_field_names(Submission)


def _unmet_flags(plan: Plan) -> dict[str, int]:
    """Every requirement's durable flag at "not met" (0), once per plan."""
    found = plan.memo.get("unmet_flags")
    if found is None:
        found = plan.memo["unmet_flags"] = dict.fromkeys(_ok_keys(plan).values(), 0)
    return found


def _ok_keys(plan: Plan) -> dict[str, str]:
    found = plan.memo.get("ok_keys")
    if found is None:
        found = plan.memo["ok_keys"] = {req.code: ok_key(req.code) for req in plan.requirements}
    return found


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
