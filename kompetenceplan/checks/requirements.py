"""What each kind of requirement checks in a submission (plain Python, shared by both paths).

`status` turns a submission into one met/not-met flag per requirement plus where and why; the
durable-rules ruleset and the reference evaluator then decide, from the same flags and the
case's inputs, which requirements *apply*. Requirement kinds are few and generic; which
documents, fields and consents a municipality demands is plan data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ..case import ValidatedCase
from ..plan.model import Plan, PlanRequirement, format_number, or_list
from ..submission import Submission, value_at


@dataclass(frozen=True)
class Status:
    met: bool
    path: str
    detail: str = ""


def _empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple)):
        return not any(not _empty(v) for v in value)
    return False


def status(plan: Plan, req: PlanRequirement, sub: Submission, case: ValidatedCase, meeting: dt.date) -> Status:
    """Whether the submission meets ``req``'s ``require`` (regardless of whether it applies)."""
    check = req.check
    kind = check.kind
    if kind == "document":
        path = f"dokumenter[type={' eller '.join(check.types)}]"
        labels = or_list([_doc_label(plan, t) for t in check.types])
        docs = [d for d in sub.dokumenter if d.type in check.types]
        if not docs and any(not _empty(value_at(sub, p)) for p in check.or_paths):
            return Status(True, path)
        if not docs:
            return Status(check.only_if_present, path, f"{labels} (ingen er vedlagt)")
        usable = [d for d in docs if (d.underskrevet or not check.signed) and (d.godkendt or not check.approved)]
        if not usable:
            need = " og ".join(w for w, on in (("underskrevet", check.signed), ("godkendt", check.approved)) if on)
            return Status(False, path, f"{labels}: ingen er {need}")
        if req.max_age_days is not None:
            newest = max(d.dato for d in usable)
            age = (meeting - newest).days
            if age > req.max_age_days:
                return Status(False, path, f"det nyeste er {age} dage gammelt på mødedatoen; grænsen er {req.max_age_days} dage")
        return Status(True, path)
    if kind == "fields":
        missing = [p for p in check.paths if _empty(value_at(sub, p))]
        return Status(not missing, missing[0] if missing else check.paths[0], f"ikke udfyldt: {', '.join(missing)}" if missing else "")
    if kind == "consent":
        missing = [role for role in check.roles if not any(c.fra == role and (c.daekker_formaal or not check.covers_purpose) for c in sub.samtykker)]
        labels = ", ".join(plan.consent_roles[r].label for r in missing)
        return Status(not missing, "samtykker", f"mangler samtykke fra: {labels}" if missing else "")
    if kind == "child_view":
        view = sub.barnets_perspektiv
        obtained = view is not None and view.indhentet and view.dato is not None and not _empty(view.metode)
        exempt = view is not None and not _empty(view.undtagelse_begrundelse)
        detail = "" if obtained or exempt else "hverken indhentet (med dato og metode) eller begrundet undtagelse"
        return Status(obtained or exempt, "barnets_perspektiv", detail)
    if kind == "alternatives":
        step = case.get(plan.meta.step_input)
        ok = any(a.trin < step and not _empty(a.begrundelse) for a in sub.alternativer)
        return Status(ok, "alternativer", "" if ok else f"ingen begrundet indsats på et lavere trin end {step}")
    if kind == "economy":
        eco = sub.oekonomi
        if eco is None or eco.pris_pr_maaned is None or eco.varighed_maaneder is None or eco.samlet is None:
            return Status(True, "oekonomi")  # incomplete economy is a 'fields' requirement's finding
        monthly, months = case.get(check.monthly_input or ""), case.get(check.duration_input or "")
        problems = []
        if monthly is not None and abs(eco.pris_pr_maaned - monthly) > 0.005:  # type: ignore[operator]
            problems.append(f"pris pr. måned {format_number(eco.pris_pr_maaned)} ≠ sagens {format_number(monthly)}")  # type: ignore[arg-type]
        if months is not None and eco.varighed_maaneder != months:
            problems.append(f"varighed {eco.varighed_maaneder} ≠ sagens {months} md.")
        if abs(eco.samlet - eco.pris_pr_maaned * eco.varighed_maaneder) > 1:
            problems.append(f"samlet {format_number(eco.samlet)} ≠ pris × varighed")
        return Status(not problems, "oekonomi", "; ".join(problems))
    raise AssertionError(f"unknown requirement kind {kind}")


def _doc_label(plan: Plan, code: str) -> str:
    """'børnefaglig undersøgelse' for 'bfu': the label without its legal reference, lower case."""
    found = plan.document_types.get(code)
    if found is None:
        return code
    label = found.label.split(" (")[0]
    return label[:1].lower() + label[1:]


def applies(req: PlanRequirement, case: ValidatedCase, rank: int) -> bool:
    """Reference rule: the when-conditions hold (an input the case leaves out counts as met,
    unless ``unknown_applies`` is false) and the decided level is at least ``min_level``."""
    if req.min_rank is not None and rank < req.min_rank:
        return False
    for term in req.terms:
        value = case.get(term.input)
        if value is None:
            if not req.unknown_applies:
                return False
        elif not term.holds(value):
            return False
    return True
