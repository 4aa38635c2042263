"""What each kind of requirement checks in a submission (plain Python, shared by both paths).

`status` turns a submission into one met/not-met flag per requirement plus where and why; the
durable-rules ruleset and the reference evaluator then decide, from the same flags and the
case's inputs, which requirements *apply*. Requirement kinds are few and generic; which
documents, fields and consents a municipality demands is plan data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from ..engine.generated import build, plain
from ..model.case import ValidatedCase
from ..model.submission import Submission
from ..plan.model import OneOf, Plan, PlanRequirement, Value, format_number, or_list
from ..plan.submission_paths import HEARING_ROLES


class Status(NamedTuple):
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


#: A requirement compiled for one plan: the submission (with its documents by type), the
#: validated case and the meeting date -> met or not, where and why.
Checker = Callable[["Prepared", ValidatedCase, dt.date], Status]


class Prepared:
    """A parsed submission with what every requirement looks up, computed once per check."""

    __slots__ = ("sub", "docs")

    def __init__(self, sub: Submission) -> None:
        self.sub = sub
        self.docs: dict[str, list[Any]] = {}
        for doc in sub.dokumenter:
            self.docs.setdefault(doc.type, []).append(doc)


def status(plan: Plan, req: PlanRequirement, sub: Submission | Prepared, case: ValidatedCase, meeting: dt.date) -> Status:
    """Whether the submission meets ``req``'s ``require`` (regardless of whether it applies)."""
    prepared = sub if isinstance(sub, Prepared) else Prepared(sub)
    return checkers(plan)[req.code](prepared, case, meeting)


def checkers(plan: Plan) -> dict[str, Checker]:
    """Every requirement of the plan compiled to a function, once per loaded plan."""
    found = plan.memo.get("checkers")
    if found is None:
        found = plan.memo["checkers"] = {req.code: _COMPILERS[req.check.kind](plan, req) for req in plan.requirements}
    return found


def _document(plan: Plan, req: PlanRequirement) -> Checker:
    check = req.check
    path, labels = _doc_texts(plan, req)
    types, max_age = tuple(check.types), req.max_age_days
    or_paths = tuple(tuple(q.split(".")) for q in check.or_paths)
    need = " og ".join(w for w, on in (("underskrevet", check.signed), ("godkendt", check.approved)) if on)

    def run(p: Prepared, case: ValidatedCase, meeting: dt.date) -> Status:
        docs = [d for t in types for d in p.docs.get(t, ())]
        if not docs:
            # Another place in the submission may carry the same information (``or_paths``).
            if any(not _empty(_value_at(p.sub, q)) for q in or_paths):
                return Status(True, path)
            return Status(check.only_if_present, path, f"{labels} (ingen er vedlagt)")
        usable = [d for d in docs if (d.underskrevet or not check.signed) and (d.godkendt or not check.approved)]
        if not usable:
            return Status(False, path, f"{labels}: ingen er {need}")
        if max_age is not None:
            age = (meeting - max(d.dato for d in usable)).days
            if age > max_age:
                return Status(False, path, f"det nyeste er {age} dage gammelt på mødedatoen; grænsen er {max_age} dage")
        return Status(True, path)

    return run


def _value_at(node: Any, parts: tuple[str, ...]) -> Any:
    """`submission.value_at` with the path split once per plan."""
    for part in parts:
        if node is None:
            return None
        node = getattr(node, part)
    return node


def _fields(plan: Plan, req: PlanRequirement) -> Checker:
    paths = tuple(req.check.paths)
    split = tuple((q, tuple(q.split("."))) for q in paths)
    # A reason the law accepts instead of the fields (e.g. why partshøring was not required).
    or_paths = tuple(tuple(q.split(".")) for q in req.check.or_paths)

    def run(p: Prepared, case: ValidatedCase, meeting: dt.date) -> Status:
        sub = p.sub
        missing = [q for q, parts in split if _empty(_value_at(sub, parts))]
        if missing and any(not _empty(_value_at(sub, q)) for q in or_paths):
            return Status(True, paths[0])
        return Status(not missing, missing[0] if missing else paths[0], f"ikke udfyldt: {', '.join(missing)}" if missing else "")

    return run


def _consent(plan: Plan, req: PlanRequirement) -> Checker:
    roles, covers, any_role = tuple(req.check.roles), req.check.covers_purpose, req.check.any_role

    def run(p: Prepared, case: ValidatedCase, meeting: dt.date) -> Status:
        missing = [role for role in roles if not any(c.fra == role and (c.daekker_formaal or not covers) for c in p.sub.samtykker)]
        met = len(missing) < len(roles) if any_role else not missing
        labels = (" eller " if any_role else ", ").join(plan.consent_roles[r].label for r in missing)
        return Status(met, "samtykker", "" if met else f"mangler samtykke fra: {labels}")

    return run


def _child_view(plan: Plan, req: PlanRequirement) -> Checker:
    """Barnets lov § 5, stk. 3-4: obtained by samtaler or other direct contact (with date and
    method), or departed from "i helt særlige tilfælde" with a reason, and then obtained "på anden
    vis" (how and when): a bare exemption is not enough."""

    def run(p: Prepared, case: ValidatedCase, meeting: dt.date) -> Status:
        view = p.sub.barnets_perspektiv
        obtained = view is not None and view.indhentet and view.dato is not None and not _empty(view.metode)
        reason = view is not None and not _empty(view.undtagelse_begrundelse)
        otherwise = view is not None and view.anden_vis_dato is not None and not _empty(view.anden_vis_metode)
        if obtained or (reason and otherwise):
            return Status(True, "barnets_perspektiv")
        if reason:
            return Status(False, "barnets_perspektiv", "undtagelsen er begrundet, men det er ikke angivet, hvordan og hvornår barnets holdning er tilvejebragt på anden vis (§ 5, stk. 4, 2. pkt.)")
        return Status(False, "barnets_perspektiv", "hverken indhentet (med dato og metode) eller begrundet undtagelse med holdningen tilvejebragt på anden vis")

    return run


def _hearing(plan: Plan, req: PlanRequirement) -> Checker:
    """Barnets lov § 142, stk. 2-3: each named party has had the chance to speak to the committee.
    The child may be left out under 10 or where it would harm the child (a stated reason); a
    bisidder is needed only if there is one (``ingen_bisidder``)."""
    roles = tuple(req.check.roles)

    def run(p: Prepared, case: ValidatedCase, meeting: dt.date) -> Status:
        heard = p.sub.udtaleret
        if heard is None:
            return Status(False, "udtaleret", f"ikke oplyst, om {or_list([HEARING_ROLES[r] for r in roles])} har haft lejlighed til at udtale sig")
        missing = []
        for role in roles:
            if role == "barnet":
                ok = heard.barnet or not _empty(heard.barnet_undladt_begrundelse)
            elif role == "bisidder":
                ok = heard.bisidder or heard.ingen_bisidder
            else:
                ok = bool(getattr(heard, role))
            if not ok:
                missing.append(role)
        detail = f"ikke angivet for {or_list([HEARING_ROLES[r] for r in missing])}" if missing else ""
        return Status(not missing, f"udtaleret.{missing[0]}" if missing else "udtaleret", detail)

    return run


#: The grounds of barnets lov § 47, stk. 1 that § 51, stk. 3 calls "omsorgssvigt, vold eller
#: overgreb": nr. 1 (utilstrækkelig omsorg for eller behandling) and nr. 2 (overgreb).
_NEGLECT_OR_ABUSE = frozenset({1, 2})


def _siblings(plan: Plan, req: PlanRequirement) -> Checker:
    """Barnets lov § 51, stk. 3: when the indstilling rests (wholly or partly) on omsorgssvigt,
    vold or overgreb and siblings under 15 in the household are not proposed placed, it gives the
    reason and the support for the siblings. Unknown grounds count as such a case (fail-safe)."""

    def run(p: Prepared, case: ValidatedCase, meeting: dt.date) -> Status:
        sib, ground = p.sub.soeskende, p.sub.anbringelsesgrundlag
        if sib is None or sib.under_15_i_husstanden is None:
            return Status(False, "soeskende.under_15_i_husstanden", "ikke oplyst, om der er søskende under 15 år i husstanden")
        if not sib.under_15_i_husstanden or sib.indstilles_anbragt:
            return Status(True, "soeskende")
        if ground is not None and ground.grunde and not _NEGLECT_OR_ABUSE & set(ground.grunde):
            return Status(True, "soeskende")  # not resting on omsorgssvigt, vold or overgreb
        missing = [name for name in ("begrundelse", "stoette") if _empty(getattr(sib, name))]
        detail = f"søskende under 15 år indstilles ikke anbragt; ikke udfyldt: {', '.join(f'soeskende.{m}' for m in missing)}" if missing else ""
        return Status(not missing, f"soeskende.{missing[0]}" if missing else "soeskende", detail)

    return run


def _alternatives(plan: Plan, req: PlanRequirement) -> Checker:
    step_input = plan.meta.step_input

    def run(p: Prepared, case: ValidatedCase, meeting: dt.date) -> Status:
        step = case.get(step_input)
        ok = any(a.trin < step and not _empty(a.begrundelse) for a in p.sub.alternativer)
        return Status(ok, "alternativer", "" if ok else f"ingen begrundet indsats på et lavere trin end {step}")

    return run


def _economy(plan: Plan, req: PlanRequirement) -> Checker:
    monthly_input, duration_input = req.check.monthly_input or "", req.check.duration_input or ""

    def run(p: Prepared, case: ValidatedCase, meeting: dt.date) -> Status:
        eco = p.sub.oekonomi
        if eco is None or eco.pris_pr_maaned is None or eco.varighed_maaneder is None or eco.samlet is None:
            return Status(True, "oekonomi")  # incomplete economy is a 'fields' requirement's finding
        monthly, months = case.get(monthly_input), case.get(duration_input)
        problems = []
        if isinstance(monthly, (int, float)) and abs(eco.pris_pr_maaned - monthly) > 0.005:
            problems.append(f"pris pr. måned {format_number(eco.pris_pr_maaned)} ≠ sagens {format_number(monthly)}")
        if months is not None and eco.varighed_maaneder != months:
            problems.append(f"varighed {eco.varighed_maaneder} ≠ sagens {months} md.")
        if abs(eco.samlet - eco.pris_pr_maaned * eco.varighed_maaneder) > 1:
            problems.append(f"samlet {format_number(eco.samlet)} ≠ pris × varighed")
        return Status(not problems, "oekonomi", "; ".join(problems))

    return run


_COMPILERS: dict[str, Callable[[Plan, PlanRequirement], Checker]] = {
    "document": _document,
    "fields": _fields,
    "consent": _consent,
    "child_view": _child_view,
    "alternatives": _alternatives,
    "economy": _economy,
    "hearing": _hearing,
    "siblings": _siblings,
}


def _doc_texts(plan: Plan, req: PlanRequirement) -> tuple[str, str]:
    """Where a document requirement points and the documents' names, once per plan."""
    texts: dict[str, tuple[str, str]] = plan.memo.setdefault("doc_texts", {})
    found = texts.get(req.code)
    if found is None:
        types = req.check.types
        found = texts[req.code] = (f"dokumenter[type={' eller '.join(types)}]", or_list([_doc_label(plan, t) for t in types]))
    return found


def _doc_label(plan: Plan, code: str) -> str:
    """'børnefaglig undersøgelse' for 'bfu': the label without its legal reference, lower case."""
    found = plan.document_types.get(code)
    if found is None:
        return code
    label = found.label.split(" (")[0]
    return label[:1].lower() + label[1:]


#: The requirements that apply to a case at a level, each with its compiled check:
#: ``(values, rank) -> [(requirement, checker), ...]`` in plan order.
Applying = Callable[[Mapping[str, Value], int], list[tuple[PlanRequirement, Checker]]]


def applying_for(plan: Plan) -> Applying:
    """`applies` for every requirement of the plan, compiled once per loaded plan into one
    generated function (like the bulk router): the same conditions, the same rule for an input
    the case leaves out, the same level bound. A property test holds it equal to `applies`."""
    found = plan.memo.get("applying")
    if found is None:
        found = plan.memo["applying"] = _plain_applying(plan) if plain() else _compile_applying(plan)
    return found


def _plain_applying(plan: Plan) -> Applying:
    """`applying_for` without generated code (``KOMPETENCEPLAN_PLAIN=1``): `applies` per requirement."""
    run = checkers(plan)

    def applying(values: Mapping[str, Value], rank: int) -> list[tuple[PlanRequirement, Checker]]:
        case = ValidatedCase(MappingProxyType(dict(values)), ())
        return [(req, run[req.code]) for req in plan.requirements if applies(req, case, rank)]

    return applying


def _compile_applying(plan: Plan) -> Applying:
    run = checkers(plan)
    env: dict[str, Any] = {}

    def const(value: Any) -> str:
        name = f"K{len(env)}"
        env[name] = value
        return name

    names = sorted({t.input for req in plan.requirements for t in req.terms})
    local = {name: f"v{i}" for i, name in enumerate(names)}
    lines = ["def applying(values, rank):"]
    lines += [f"    {local[n]} = values.get({n!r})" for n in names]
    lines.append("    out = []")
    for req in plan.requirements:
        parts = [] if req.min_rank is None else [f"rank >= {int(req.min_rank)}"]
        for term in req.terms:
            var = local[term.input]
            if isinstance(term, OneOf):
                test = f"{var} in {const(term.values)}"
            else:
                test = f"{var} {term.operator.python} {const(term.value)}"
            # A missing input counts as met unless the requirement says otherwise (`applies`).
            parts.append(f"({var} is None or {test})" if req.unknown_applies else f"({var} is not None and {test})")
        item = const((req, run[req.code]))
        if parts:
            lines.append(f"    if {' and '.join(parts)}:")
            lines.append(f"        out.append({item})")
        else:
            lines.append(f"    out.append({item})")
    lines.append("    return out")
    return build("applying", plan, lines, env, "applying")


def applies(req: PlanRequirement, case: ValidatedCase, rank: int) -> bool:
    """Reference rule: the when-conditions hold (an input the case leaves out counts as met,
    unless ``unknown_applies`` is false) and the decided level is at least ``min_level``."""
    if req.min_rank is not None and rank < req.min_rank:
        return False
    values = case.values
    for term in req.terms:
        value = values.get(term.input)
        if value is None:
            if not req.unknown_applies:
                return False
        elif not term.holds(value):
            return False
    return True
