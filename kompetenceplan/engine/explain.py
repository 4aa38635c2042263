"""From an agreed routing to what an advisor reads: the `Decision` (data first) and its Danish
text (rendered second). The JSON form is `Decision.to_json`."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from ..law import APPROVAL_SECTION, OUTSIDE_MUNICIPALITY, PROVISIONAL_SECTIONS, PROVISIONAL_TEXT
from ..model.decision import CommitteeRef, ConditionTrace, Decision, LevelRef, PlanRef, RowTrace, Traces
from ..plan.model import NOMATCH, Plan, Value, format_number
from .reference import MATCH, NO_MATCH, RowResult
from .routing import Routed


def build_decision(routed: Routed, routed_on: str | None = None) -> Decision:
    """The `Decision` for an agreed routing: the level and its reason now; the rows that set it
    and why not higher when first read (`_traces`, from the same evaluation). ``routed_on``: the
    day the plan version was chosen for (ÅÅÅÅ-MM-DD), echoed in the decision."""
    plan, case, rank = routed.plan, routed.case, routed.rank
    outcome = routed.evaluation.outcome
    level = plan.levels[rank]
    committee = plan.committee_for(level.id, case.get(plan.meta.area_input))
    if outcome.kind == NOMATCH:
        reason = (
            f"Kompetenceplanen har ingen regel for denne sag. Den skal derfor afgøres af {level.name}, så den ikke "
            "afgøres på et for lavt niveau. Giv besked til den, der vedligeholder kompetenceplanen."
        )
    else:
        row = plan.row(outcome.row_id)  # type: ignore[arg-type]  # a row outcome names its row
        basis = "hjemmel" if row.law else "grundlag"
        who = (committee.decided_by if committee is not None else "") or level.decided_by or f"på niveauet {level.name}"
        reason = f"Sagen afgøres {who}, jf. regel {row.id} ({basis}: {row.reference})."
    if level.body in OUTSIDE_MUNICIPALITY:
        # Serviceloven § 131, stk. 1 / § 131 a, stk. 1: the body decides "efter indstilling fra
        # kommunalbestyrelsen"; the municipality's own decision is to send the indstilling.
        reason += f" Kommunen træffer ikke selv afgørelsen: kommunens afgørelse er indstillingen til {level.name}."
    refs = _refs(plan)
    return Decision.explained_by(
        partial(_traces, routed),
        plan=refs[0],
        routed_on=routed_on,
        level=refs[1][rank],
        escalated=outcome.kind == NOMATCH,
        reason=reason,
        deciding_row=None if outcome.kind == NOMATCH else outcome.row_id,
        inputs=_in_plan_order(plan, case.values),
        derived=list(case.derived),
        provisional=_provisional(routed),
        committee=None if committee is None else CommitteeRef(id=committee.id, name=committee.name),
    )


def _in_plan_order(plan: Plan, values: Mapping[str, Value]) -> dict[str, Value]:
    """The case's values in the order the plan declares its inputs: the same decision gives the
    same bytes whatever order the case listed them in and whichever validator read it."""
    ordered = {name: values[name] for name in plan.inputs if name in values}
    if len(ordered) < len(values):
        ordered.update(values)
    return ordered


def plan_ref(plan: Plan) -> PlanRef:
    """Which plan answered (id, version, fingerprint), built once per loaded plan."""
    return _refs(plan)[0]


def _refs(plan: Plan) -> tuple[PlanRef, tuple[LevelRef, ...]]:
    """The plan's reference and its levels, built once per loaded plan (they are immutable)."""
    found = plan.memo.get("refs")
    if found is None:
        found = plan.memo["refs"] = (PlanRef.of(plan), tuple(LevelRef(id=lv.id, name=lv.name, rank=i) for i, lv in enumerate(plan.levels)))
    return found


def _traces(routed: Routed) -> Traces:
    """Why this level and why not higher, from the agreed evaluation (every row's status)."""
    plan, case, evaluation, rank = routed.plan, routed.case, routed.evaluation, routed.rank
    matched = [evaluation.result(r) for r in evaluation.rows_with(MATCH)]
    # Why not higher: the rows above the decided level that fail, except those about another
    # area or paragraph (they are counted, not listed; lint and render show the whole table).
    not_higher = [r for r in evaluation.rows_with(NO_MATCH) if r.rank > rank]
    scope = (plan.meta.area_input, plan.meta.paragraph_input)
    higher = [r for r in not_higher if not any(t.input in scope and not t.holds(case.values[t.input]) for t in r.terms if t.input in case.values)]
    return Traces([_trace(plan, r) for r in matched], [_trace(plan, evaluation.result(r)) for r in higher], len(not_higher) - len(higher))


def _provisional(routed: Routed) -> str | None:
    """An acute case under a paragraph the law reserves for børne- og ungeudvalget where the chair
    may decide provisionally (barnets lov § 143; `law.PROVISIONAL_SECTIONS`), with the plan's code
    for the approval that is its own agenda item (§ 142, stk. 1; § 143, stk. 4)."""
    plan, case = routed.plan, routed.case
    urgent = plan.meta.urgent_input
    if urgent is None or case.get(urgent) is not True:
        return None
    code = case.get(plan.meta.paragraph_input)
    value = (plan.inputs[plan.meta.paragraph_input].values or {}).get(code) if isinstance(code, str) else None
    if value is None or code not in plan.floors or (value.law or "", value.section or 0) not in PROVISIONAL_SECTIONS:
        return None
    approval = plan.code_for(*APPROVAL_SECTION, stk=4)
    if approval is None or approval not in plan.floors:
        return PROVISIONAL_TEXT
    return f"{PROVISIONAL_TEXT} Godkendelsen forelægges som sit eget punkt: paragraf {approval}."


def _trace(plan: Plan, result: RowResult) -> RowTrace:
    row = result.row
    return RowTrace(
        id=row.id,
        level=row.level,
        level_name=plan.levels[row.rank].name,
        status=result.status,  # type: ignore[arg-type]  # a row's status is one of the three
        reference=row.reference,
        note=row.note,
        law=row.law,
        file=row.file,
        conditions=[ConditionTrace(input=t.term.input, text=plan.term_text(t.term), actual=t.actual, actual_text=plan.value_text(t.term.input, t.actual), met=t.met) for t in result.terms],
    )


def _value(value: object) -> str:
    if value is None:
        return "ikke oplyst"
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, (int, float)):
        return format_number(value)
    return str(value)


def _condition(c: ConditionTrace) -> str:
    mark = {True: "opfyldt", False: "ikke opfyldt", None: "ikke oplyst"}[c.met]
    shown = c.actual_text or _value(c.actual)
    if c.met and shown in c.text:
        return f"{c.text} — {mark}"  # "Område: Børn og unge — opfyldt" says it once
    return f"{c.text} — {mark} (sagen: {shown})"


def _row(row: RowTrace, only_unmet: bool = False) -> list[str]:
    lines = [f"  {row.id} → {row.level_name}{'  [fastsat i loven]' if row.law else ''}"]
    for c in row.conditions:
        if not only_unmet or c.met is False:
            lines.append(f"      {_condition(c)}")
    # "Hjemmel" is the law's authority; the municipality's own rules are its "grundlag".
    lines.append(f"      {'Hjemmel' if row.law else 'Grundlag'}: {row.reference}")
    if row.note and not only_unmet:
        lines.append(f"      Note: {row.note}")
    return lines


def explain(decision: Decision) -> str:
    """The decision and its reasons, in Danish."""
    d = decision
    lines = [
        f"Afgørelsesniveau: {d.level.name}" + (f" — {d.committee.name}" if d.committee is not None else ""),
        f"Plan: {d.plan.name}, {d.plan.kommune}, version {d.plan.version} (gyldig fra {d.plan.valid_from})",
        "",
        d.reason,
    ]
    if d.provisional:
        lines += ["", d.provisional]
    if d.derived:
        lines += ["", "Udledte oplysninger:"] + [f"  {text}" for text in d.derived]
    top = [r for r in d.matched if r.level == d.level.id]
    lower = [r for r in d.matched if r.level != d.level.id]
    if top:
        lines += ["", "Hvorfor dette niveau — regler der er opfyldt:"]
        for row in top:
            lines += _row(row)
    if lower:
        lines += ["", "Hvorfor ikke et lavere niveau — disse regler er også opfyldt, men kompetenceplanen", "løfter sagen til det højeste opfyldte niveau og sænker den aldrig:"]
        for row in lower:
            lines.append(f"  {row.id} → {row.level_name}")
    if d.higher_not_matched or d.other_rows:
        lines += ["", "Hvorfor ikke et højere niveau — disse regler er ikke opfyldt:"]
        for row in d.higher_not_matched:
            lines += _row(row, only_unmet=True)
        if d.other_rows:
            lines.append(f"  (og {d.other_rows} regler for andre områder eller paragraffer; se kompetenceplan render)")
    return "\n".join(lines) + "\n"
