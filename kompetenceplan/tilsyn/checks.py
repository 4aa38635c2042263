"""The automatic checks on a drawn decision (TIL-nnn), computed from the register's rows.

Each result is one of ``ok``, ``fejl``, ``ikke_relevant`` (the check does not apply) or
``ikke_efterproevet`` (the register lacks what the check needs: never counted as a pass).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from ..api import decide_many
from ..errors import KompetenceplanError
from ..plan.model import Plan
from ..plan.versions import PlanSet
from ..store.records import GRANTED
from ..store.tables import decisions, meeting_items, outcomes, routings

OK, FEJL, IKKE_RELEVANT, IKKE_EFTERPROEVET = "ok", "fejl", "ikke_relevant", "ikke_efterproevet"
STATUSES = (OK, FEJL, IKKE_RELEVANT, IKKE_EFTERPROEVET)


@dataclass(frozen=True)
class TilCheck:
    code: str
    title: str
    basis: str


#: The registry (like the DOK codes of the documentation standard). [U]: not verified.
#: § 46, stk. 1 and § 47, stk. 2 (lovguiden): "Afgørelsen skal angive formålet med anbringelsen og
#: den forventede varighed".
CHECKS: tuple[TilCheck, ...] = (
    TilCheck(
        "TIL-001",
        "Afgørelsen er truffet på mindst det niveau, loven og kompetenceplanen krævede på afgørelsesdatoen",
        "Barnets lov § 142, stk. 1 for afgørelser forbeholdt børne- og ungeudvalget (og serviceloven §§ 131 og 131 a for Familieretshuset), sammenholdt med afgørelsens paragraf, før niveauet genberegnes; derefter kommunens kompetenceplan (delegation fra kommunalbestyrelsen, jf. lov om kommunernes styrelse [U])",
    ),
    TilCheck(
        "TIL-002",
        "Indstillingen til udvalget opfyldte dokumentationsstandarden",
        "Kommunens dokumentationsstandard (rules/nyborg/dokumentation.toml, DOK-koderne med deres lovgrundlag)",
    ),
    TilCheck(
        "TIL-003",
        "En sag, der skulle forelægges et udvalg, har en indstilling i registret",
        "Kommunens kompetenceplan (forelæggelse for visitationsudvalget eller børne- og ungeudvalget) [U]",
    ),
    TilCheck(
        "TIL-004",
        "En bevilling med en visiteret varighed har en forventet slutdato",
        "Barnets lov § 32, stk. 3, § 46, stk. 1, 2. pkt., og § 47, stk. 2, 2. pkt. (afgørelsen angiver formålet og den forventede varighed); for øvrige paragraffer sagens registrerede varighed",
    ),
    # TIL-005 (issue 26): the deadline rules of rules/<plan>-frister.toml, each with its own source.
    TilCheck(
        "TIL-005",
        "Sagens lovbestemte frister er overholdt (undersøgelse, plan, opfølgning, formandsafgørelse, opretholdelse)",
        "Fristreglerne i rules/nyborg-frister.toml, hver med sin kilde (barnets lov §§ 20, 50, 91, 95 og 143; docs/frister.md)",
    ),
)
CHECK_BY_CODE = {c.code: c for c in CHECKS}


@dataclass(frozen=True)
class Result:
    code: str
    status: str
    message: str


def _chain(conn: Connection, decision_id: int) -> list[int]:
    """The decision and every earlier version it corrects (oldest last)."""
    ids = [decision_id]
    while True:
        prev = conn.execute(select(decisions.c.corrects_id).where(decisions.c.id == ids[-1])).scalar()
        if prev is None or prev in ids:
            return ids
        ids.append(prev)


def _submission(conn: Connection, chain: list[int]) -> dict[str, Any] | None:
    """The meeting item (newest version) whose committee outcome registered this decision."""
    row = conn.execute(select(outcomes.c.meeting_id, outcomes.c.item_key).where(outcomes.c.decision_id.in_(chain)).order_by(outcomes.c.id.desc()).limit(1)).first()
    if row is None:
        return None
    item = (
        conn.execute(select(meeting_items).where(meeting_items.c.meeting_id == row.meeting_id, meeting_items.c.item_key == row.item_key).order_by(meeting_items.c.id.desc()).limit(1))
        .mappings()
        .first()
    )
    return dict(item) if item is not None else None


def run_checks(conn: Connection, plans: Plan | PlanSet, decision: dict[str, Any], *, on: dt.date | None = None) -> list[Result]:
    """Every TIL check on one decision row (a mapping of the ``decisions`` table); ``on`` is the
    day the case's deadlines are judged (the draw's day; default today)."""
    versions = plans.versions if isinstance(plans, PlanSet) else (plans,)
    chain = _chain(conn, decision["id"])
    item = _submission(conn, chain)
    inputs: dict[str, Any] | None = None
    source = ""
    if decision["routing_id"] is not None:
        inputs = conn.execute(select(routings.c.inputs).where(routings.c.id == decision["routing_id"])).scalar()
        source = f"routing {decision['routing_id']}"
    elif item is not None and isinstance(item["submission"].get("sag"), dict):
        inputs, source = item["submission"]["sag"], "indstillingen"
    return [_til001(versions, decision, inputs, source), *_committee(versions, decision, item), _til004(decision, inputs), _til005(conn, plans, decision, on or dt.date.today())]


def _til001(versions: tuple[Plan, ...], d: dict[str, Any], inputs: dict[str, Any] | None, source: str) -> Result:
    code = "TIL-001"
    plan = next((p for p in versions if p.fingerprint == d["plan_fingerprint"]), None)
    if plan is None:
        return Result(
            code,
            FEJL,
            f"Afgørelsen er registreret med planversion {d['plan_version']} (fingeraftryk {d['plan_fingerprint'][:12]}…), som ikke findes blandt planens kendte versioner; niveauet kan ikke genberegnes.",
        )
    day = d["decided_on"]
    if not (plan.meta.valid_from <= day and (plan.meta.valid_to is None or day <= plan.meta.valid_to)):
        return Result(code, FEJL, f"Afgørelsen er registreret med planversion {plan.meta.version}, som ikke var i kraft på afgørelsesdatoen {day.isoformat()}.")
    # The law first: the decision row holds its paragraph and level, and a paragraph the law
    # reserves for a statutory body (barnets lov § 142, stk. 1) decided below that body is a breach
    # whatever the register holds of the case's inputs or its typed required level.
    floor = plan.floors.get(d["paragraph"])
    if floor is not None:
        body_rank, law_floor = floor
        taken = plan.rank(d["level"]) if d["level"] in {lv.id for lv in plan.levels} else None
        if taken is None or taken < body_rank:
            who = plan.level(d["level"]).decided_by if taken is not None else f"på niveauet '{d['level']}'"
            return Result(code, FEJL, f"Truffet {who}; loven kræver {plan.levels[body_rank].name} ({law_floor.reference}). Afgørelsen er truffet uden kompetence.")
    if inputs is None:
        return Result(code, IKKE_EFTERPROEVET, "Sagens oplysninger findes ikke i registret (ingen routing eller indstilling); det krævede niveau kan ikke genberegnes.")
    try:
        result = decide_many(plan, [inputs], on=day)[0]
    except KompetenceplanError as exc:
        return Result(code, IKKE_EFTERPROEVET, f"Niveauet kan ikke genberegnes: {exc.title}")
    if result.error is not None or result.level is None:
        return Result(code, IKKE_EFTERPROEVET, f"Niveauet kan ikke genberegnes ud fra {source}: {result.error.title if result.error else 'ukendt fejl'}")
    required, level = plan.level(result.level), plan.level(d["level"]) if d["level"] in {lv.id for lv in plan.levels} else None
    if level is None:
        return Result(code, FEJL, f"Niveauet '{d['level']}' findes ikke i planversion {plan.meta.version}.")
    also = "" if result.level == d["required_level"] else f" (registret angiver {d['required_level']}; genberegnet ud fra {source} med version {plan.meta.version})"
    if plan.rank(level.id) < plan.rank(required.id):
        return Result(code, FEJL, f"Truffet {level.decided_by}; planen krævede {required.name}{also}. Kompetenceoverskridelse.")
    return Result(code, OK, f"Truffet {level.decided_by}; planen krævede {required.name}{also}.")


def _committee(versions: tuple[Plan, ...], d: dict[str, Any], item: dict[str, Any] | None) -> list[Result]:
    plan = next((p for p in versions if p.fingerprint == d["plan_fingerprint"]), versions[-1])
    escalation = plan.rank(plan.meta.escalation_level)
    # A paragraph the law reserves for a statutory body always belonged to a committee, whatever
    # required level was typed when the decision was recorded.
    floor_rank = plan.floors[d["paragraph"]][0] if d["paragraph"] in plan.floors else -1
    if max(d["required_rank"], d["level_rank"], floor_rank) < escalation:
        why = "Afgørelsen skulle ikke forelægges et udvalg."
        return [Result("TIL-002", IKKE_RELEVANT, why), Result("TIL-003", IKKE_RELEVANT, why)]
    if item is None:
        return [
            Result("TIL-002", IKKE_EFTERPROEVET, "Ingen indstilling at efterprøve: afgørelsen er ikke knyttet til et udvalgsmøde (se kontrollen af, om sagen har en indstilling)."),
            Result("TIL-003", FEJL, "Ingen indstilling i registret: afgørelsen er ikke knyttet til et udvalgsmøde."),
        ]
    errors = [f for f in (item["report"] or {}).get("findings", []) if f.get("severity") == "fejl"]
    found = Result("TIL-003", OK, f"Indstilling på møde {item['meeting_id']}.")
    if errors:
        codes = ", ".join(sorted({f["code"] for f in errors}))
        return [Result("TIL-002", FEJL, f"Indstillingen havde {len(errors)} fejl efter dokumentationsstandarden ({codes})."), found]
    return [Result("TIL-002", OK, "Indstillingen opfyldte dokumentationsstandarden (ingen fejl)."), found]


def _til004(d: dict[str, Any], inputs: dict[str, Any] | None) -> Result:
    code = "TIL-004"
    if d["outcome"] not in GRANTED:
        return Result(code, IKKE_RELEVANT, "Afslag: ingen varighed.")
    if d["expected_end"] is not None:
        return Result(code, OK, f"Forventet slut {d['expected_end'].isoformat()}.")
    if inputs is None:
        return Result(code, IKKE_EFTERPROEVET, "Forventet slutdato mangler, og sagens visiterede varighed findes ikke i registret.")
    months = inputs.get("varighed_maaneder")
    if months is None:
        return Result(code, IKKE_EFTERPROEVET, "Forventet slutdato mangler; sagen har ingen registreret varighed.")
    return Result(code, FEJL, f"Forventet slutdato mangler, selv om sagen blev visiteret med en varighed på {months} måneder.")


def _til005(conn: Connection, plans: Plan | PlanSet, d: dict[str, Any], on: dt.date) -> Result:
    """The case's statutory deadlines whose limit has passed on ``on`` (kompetenceplan.frister)."""
    from ..frister.engine import Event, case_deadlines
    from ..frister.rules import FristError, rules_for
    from ..store.events import current_events, decision_events

    code = "TIL-005"
    try:
        config = rules_for(plans)
    except FristError as exc:
        return Result(code, IKKE_EFTERPROEVET, f"Fristreglerne kan ikke læses: {exc.title}")
    if config is None:
        return Result(code, IKKE_EFTERPROEVET, "Planen har ingen fristregler (<planmappe>-frister.toml); fristerne kan ikke efterprøves.")
    case_events = [Event.from_event_row(r) for r in current_events(conn, on, d["case_ref"])]
    evs = sorted([*case_events, *(Event.from_decision_row(r) for r in decision_events(conn, on, d["case_ref"]))], key=lambda e: e.order)
    rules = [r for r in config.regler if r.statutory and (case_events or not r.needs_events)]
    due = [x for rule in rules for x in case_deadlines(rule, evs, on) if x.due < on or x.met_on is not None]
    missed = [x for x in due if x.missed]
    if missed:
        listed = "; ".join(f"{x.rule.id} {x.rule.hvad.lower()}: frist {x.due.isoformat()}, " + (f"opfyldt {x.met_on.isoformat()}" if x.met_on else "ikke opfyldt") for x in missed)
        return Result(code, FEJL, f"{len(missed)} af {len(due)} lovbestemte frister er overskredet ({listed}).")
    if not case_events:
        return Result(code, IKKE_EFTERPROEVET, "Registret har ingen sagshændelser for sagen; fristerne for undersøgelse, plan og opfølgning kan ikke efterprøves.")
    if not due:
        return Result(code, IKKE_RELEVANT, f"Ingen lovbestemt frist i sagen var udløbet eller opfyldt pr. {on.isoformat()}.")
    return Result(code, OK, f"{len(due)} lovbestemte frister overholdt.")
