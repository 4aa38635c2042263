"""`Register`: the Python API of the decision register (routings and decisions).

Why it is long: the register's one façade: every write of routings and decisions with its checks, in
one transaction each; the aggregates' reads and the meetings' and events' writes are already their
own modules (docs/register.md), and what is left is the lawful-record rules, which belong together.

    reg = Register("sqlite:///kompetenceplan.db")       # or postgresql+psycopg://…
    routed = reg.record_routing(plans, case, case_ref="S-1", team="Team Syd", actor=actor)
    reg.record_decision(plans, case_ref="S-1", team="Team Syd", level="leder", actor=actor, …)
    reg.overskridelser((dt.date(2026, 1, 1), dt.date(2026, 3, 31)))

Records are append-only; a correction is a new record with ``corrects`` set, and only the newest
version of a record can be corrected (the correction takes the row's lock, and the database
refuses a second correction of one row). Who did it is the ``actor`` (`kompetenceplan.actor`),
never a typed string; typed initials survive only in the import of historical decisions.

The law decides the required level, not a typed one: a paragraph the statute reserves for a
body (barnets lov § 142 stk. 1, the statute table in `kompetenceplan.law`) requires at least
that body whatever is typed, and a decision below it is refused — only an import of history can
store one, flagged ``lovbestemt_overskredet`` (docs/register.md). Nothing shaped like a CPR number
is stored (every text field is checked; errors never repeat the value).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, TypeGuard

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import and_, delete, func, not_, or_, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from ..actor import Actor
from ..api import decide, plan_in_force
from ..danish import DanishTextError, read_amount, read_date, read_number, read_optional_date
from ..errors import CaseError, ConcurrentChange, KompetenceplanError, Problem, not_none, validation_message
from ..io import parse_json
from ..plan.model import Plan
from ..plan.versions import PlanSet
from . import decisions as decision_repo
from . import routings as routing_repo
from .case_ref import case_ref_problem, read_case_ref
from .db import check_schema, make_engine, resolve_url
from .privacy import refuse_cpr
from .records import DECISION_OUTCOMES, GRANTED, CaseTotal, DecisionRecord, ImportReport, PurgeReport, RoutedCase, RoutingRecord
from .tables import (
    MAX_ID,
    agenda_mailings,
    agendas,
    case_events,
    decision_retractions,
    decisions,
    item_withdrawals,
    meeting_attendance,
    meeting_items,
    meetings,
    metadata,
    outcomes,
    payments,
    routings,
    submission_drafts,
    tilsyn_answers,
    tilsyn_draws,
    tilsyn_items,
    tilsyn_results,
)

Plans = Plan | PlanSet
Period = tuple[dt.date | None, dt.date | None]

#: The plan inputs the register computes the case total from (Nyborg's and Aastrup's names).
NEW_COST_INPUT = "maanedlig_udgift"
CASE_TOTAL_INPUT = "sagens_maanedlige_udgift"
_INITIALS = re.compile(r"[\w.-]{1,64}")
#: A team's name: any text on one line (no line break or control character: it is printed into documents).
_TEAM = re.compile(r"[^\x00-\x1f\x7f-\x9f\u2028\u2029]{1,64}")
MAX_COST = 10**9


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class StatutoryCompetenceError(CaseError):
    """A decision below the body the statute reserves its paragraph for: refused on every
    interactive path (CLI, HTTP, web, a committee's outcome)."""


def statutory_level(plan: Plan, paragraph: Any) -> tuple[int, str, str] | None:
    """(rank, level id, legal reference) of the body the statute reserves ``paragraph`` for, or
    None. The statute table in `kompetenceplan.law` decides, through the loaded plan's floors."""
    found = plan.floors.get(paragraph) if isinstance(paragraph, str) else None
    if found is None:
        return None
    rank, floor = found
    return rank, plan.levels[rank].id, floor.reference


def statutory_refusal(plan: Plan, paragraph: str, level: str, statutory: tuple[int, str, str], what: str = "niveau") -> StatutoryCompetenceError:
    """The refusal of a decision by ``level`` on a paragraph the statute reserves for a body."""
    _, body, reference = statutory
    body_name, level_name = plan.level(body).name, plan.level(level).name
    return StatutoryCompetenceError(
        "Lovbestemt kompetence: afgørelsen kan ikke træffes på dette niveau.",
        [
            Problem(
                what,
                f"paragraf {paragraph} ({reference}): afgørelsen er forbeholdt {body_name}; {level_name} har ikke kompetence til at træffe den.",
                f"Forelæg sagen for {body_name}. En historisk afgørelse, der allerede er truffet, registreres med 'kompetenceplan decision import' og markeres 'lovbestemt kompetence overskredet'.",
            )
        ],
    )


def lock_key(conn: Connection, *parts: str) -> None:
    """Serialise the writers of one natural key (a case's routings or decisions, a meeting's date
    and committee) until the transaction ends, so two identical requests at once store one record:
    PostgreSQL takes a transaction-scoped advisory lock; on SQLite every writer already holds the
    write lock from ``BEGIN IMMEDIATE``."""
    if conn.dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256("\x1f".join(parts).encode()).digest()[:8], "big", signed=True)
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _text(value: Any, field: str, pattern: re.Pattern[str], example: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value.strip()):
        raise CaseError("Ugyldig registrering.", [Problem(field, "mangler eller har ugyldige tegn (bogstaver, cifre, . : / - og _; højst 64 tegn).", f"Skriv fx {example}.")])
    return value.strip()


class Register:
    """The decision register on one database (SQLite file or PostgreSQL)."""

    def __init__(self, url: str | None = None, *, check: bool = True, engine: Engine | None = None) -> None:
        self.url = resolve_url(url)
        self.engine = engine or make_engine(self.url)
        if check:
            try:
                check_schema(self.engine)
            except Exception:
                self.engine.dispose()
                raise

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One write transaction. The locks each write takes make a conflict rare; the database's
        unique indexes are the backstop, and a write they stop is `ConcurrentChange` (HTTP 409):
        nothing was stored, and trying again is safe."""
        try:
            with self.engine.begin() as conn:
                yield conn
        except IntegrityError:
            raise ConcurrentChange(
                "Registreringen blev ændret af en anden samtidig; intet er gemt.",
                [Problem("register", "en anden registrering af det samme blev gemt i samme øjeblik.", "Hent siden eller dagsordenen igen, og prøv igen.")],
            ) from None

    def __enter__(self) -> Register:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- routings ---------------------------------------------------------------------------
    def record_routing(
        self,
        plans: Plans,
        case: dict[str, Any],
        *,
        case_ref: str,
        team: str,
        actor: Actor,
        on: dt.date | str | None = None,
        corrects: int | None = None,
    ) -> RoutedCase:
        """Route ``case`` (with the case total checked against the register) and store the routing
        with ``actor`` as the advisor. ``on``: a date or ``ÅÅÅÅ-MM-DD`` (`danish.read_date`; default
        today). Saving the same routing again (the same case, team, advisor, day, plan and inputs,
        correcting the same record) stores nothing new and returns the stored record: a case tool
        can repeat a request whose answer it lost."""
        actor.require("save_routing")
        if not isinstance(case, dict):
            raise CaseError("Sagen kan ikke læses.", [Problem("sag", "skal være ét JSON-objekt.", 'Skriv fx {"paragraf": "bl-32-1-5", "trin": 3}.')])
        when = read_optional_date(on, "on") or dt.date.today()
        case_ref = read_case_ref(case_ref)
        plan = plan_in_force(plans, when)
        team = _text(team, "team", _TEAM, "Team Syd")
        refuse_cpr({"sagsreference": case_ref, "team": team, "sag": case})
        with self.transaction() as conn:
            lock_key(conn, "routing", case_ref)
            if corrects is not None:
                routing_repo.lock(conn, corrects)
                if (same := self._same_routing(conn, plan, case_ref, team, actor, case, when, corrects)) is not None:
                    return same
                if routing_repo.get(conn, corrects) is None:
                    raise CaseError("Ukendt registrering.", [Problem("retter", f"routing {corrects} findes ikke.", "Angiv id'et på den routing, der rettes.")])
                if (newer := routing_repo.corrected_by(conn, corrects)) is not None:
                    raise CaseError("Routingen er allerede rettet.", [Problem("retter", f"routing {corrects} er rettet af routing {newer}.", f"Ret den nyeste version (routing {newer}).")])
            total, decision = self._routed(conn, plan, case_ref, case, when)
            values = {
                "corrects_id": corrects,
                "case_ref": case_ref,
                "team": team,
                "advisor": actor.id,
                "inputs": decision.inputs,
                "routed_on": when,
                "plan_fingerprint": plan.fingerprint,
            }
            if corrects is None and (stored := routing_repo.same_as(conn, values)) is not None:
                return RoutedCase(record=stored, decision=decision.model_dump(mode="json"), case_total=total)
            record = routing_repo.insert(
                conn,
                {
                    "corrects_id": corrects,
                    "case_ref": case_ref,
                    "team": team,
                    "advisor": actor.id,
                    "advisor_name": actor.name,
                    "inputs": decision.inputs,
                    "required_level": decision.level.id,
                    "required_rank": decision.level.rank,
                    "deciding_row": decision.deciding_row,
                    "escalated": decision.escalated,
                    "routed_on": when,
                    "plan_id": plan.meta.id,
                    "plan_version": plan.meta.version,
                    "plan_fingerprint": plan.fingerprint,
                    "recorded_at": now(),
                },
            )
        return RoutedCase(record=record, decision=decision.model_dump(mode="json"), case_total=total)

    def _routed(self, conn: Connection, plan: Plan, case_ref: str, case: dict[str, Any], when: dt.date) -> tuple[CaseTotal | None, Any]:
        """The case total from the register and the decision for the case routed with it."""
        total = self._case_total(conn, plan, case_ref, case, when)
        routed_case = dict(case)
        if total is not None and total.typed is None:
            routed_case[CASE_TOTAL_INPUT] = total.total
        return total, decide(plan, routed_case, on=when)

    def _same_routing(self, conn: Connection, plan: Plan, case_ref: str, team: str, actor: Actor, case: dict[str, Any], when: dt.date, corrects: int) -> RoutedCase | None:
        """A correction of routing ``corrects`` that was already stored with the same content
        (a repeated request): checked before the rule that a routing is corrected only once."""
        if routing_repo.corrected_by(conn, corrects) is None:
            return None
        total, decision = self._routed(conn, plan, case_ref, case, when)
        values = {"corrects_id": corrects, "case_ref": case_ref, "team": team, "advisor": actor.id, "inputs": decision.inputs, "routed_on": when, "plan_fingerprint": plan.fingerprint}
        same = routing_repo.same_as(conn, values)
        return None if same is None else RoutedCase(record=same, decision=decision.model_dump(mode="json"), case_total=total)

    def case_total(self, plans: Plans, case_ref: str, case: dict[str, Any], on: dt.date) -> CaseTotal | None:
        """The case's total monthly cost from the register (None when the register does not know the case)."""
        with self.engine.connect() as conn:
            return self._case_total(conn, plan_in_force(plans, on), case_ref, case, on)

    def _case_total(self, conn: Connection, plan: Plan, case_ref: str, case: dict[str, Any], on: dt.date) -> CaseTotal | None:
        if NEW_COST_INPUT not in plan.inputs or CASE_TOTAL_INPUT not in plan.inputs:
            return None
        if not decision_repo.known_case(conn, case_ref):
            return None
        new_cost, typed = case.get(NEW_COST_INPUT), case.get(CASE_TOTAL_INPUT)
        if not _number(new_cost):
            return None  # validate_case reports the missing/bad amount with its own message
        active = decision_repo.active(conn, case_ref, on)
        total = round(sum(i.monthly_cost for i in active) + float(new_cost), 2)
        result = CaseTotal(case_ref=case_ref, on=on, interventions=active, new_cost=float(new_cost), total=total, typed=float(typed) if _number(typed) else None)
        if result.typed is not None and result.typed < total:
            listed = "; ".join(f"afgørelse {i.decision_id} ({i.paragraph}, trin {i.step}): {i.monthly_cost:.2f}" for i in active)
            raise CaseError(
                "Sagens samlede udgift er for lav.",
                [
                    Problem(
                        f"sag.{CASE_TOTAL_INPUT}",
                        f"er lavere end registerets sum af sagens aktive indsatser plus den nye ({total:.2f} kr./md.: {listed}; ny indsats {float(new_cost):.2f}). En for lav sum kan give et for lavt niveau.",
                        f"Angiv mindst {total:.2f}, eller udelad feltet, så registerets sum bruges.",
                    )
                ],
            )
        return result

    # -- decisions --------------------------------------------------------------------------
    def record_decision(
        self,
        plans: Plans,
        *,
        actor: Actor,
        case_ref: str,
        team: str,
        level: str,
        decided_on: dt.date | str,
        outcome: str,
        paragraph: str | None,
        step: int | str | None,
        monthly_cost: float | Decimal | str | None,
        start: dt.date | str,
        expected_end: dt.date | str | None = None,
        required_level: str | None = None,
        routing_id: int | None = None,
        corrects: int | None = None,
        note: str = "",
    ) -> DecisionRecord:
        """Store a decision ``actor`` took at ``level``. The required level is the highest of the
        typed one (or the case's routing) and the statutory body of ``paragraph``; below the
        statutory body the decision is refused (`StatutoryCompetenceError`), below the municipality's
        own delegation it is stored with ``kompetenceoverskridelse=True`` (reported, never silently
        accepted or refused). Dates are dates or ``ÅÅÅÅ-MM-DD``, the step and the amount numbers or
        Danish text (``12.000,50``), read by `danish` exactly as every other entry point reads them.
        Recording the same decision again (the same fields as read, correcting the same record;
        `decisions.same_as`) stores nothing new and returns the stored record, so a repeated
        request never doubles a case's total."""
        actor.require("record_decision")
        with self.transaction() as conn:
            typed = _natural_key(
                {
                    "case_ref": case_ref,
                    "team": team,
                    "level": level,
                    "decided_by": actor.id,
                    "decided_on": decided_on,
                    "outcome": outcome,
                    "paragraph": paragraph,
                    "step": step,
                    "monthly_cost": monthly_cost,
                    "start": start,
                    "expected_end": expected_end,
                    "note": note or "",
                    "source": "manuel",
                    "corrects_id": corrects,
                    "routing_id": routing_id,
                    "required_level": required_level,
                }
            )
            if typed is not None:
                lock_key(conn, "decision", typed["case_ref"])
                if (found := decision_repo.same_as(conn, typed)) is not None:
                    return found
            values = self.decision_values(
                conn,
                plans,
                case_ref=case_ref,
                team=team,
                level=level,
                decided_by=(actor.id, actor.name),
                recorded_by=actor,
                decided_on=decided_on,
                outcome=outcome,
                paragraph=paragraph,
                step=step,
                monthly_cost=monthly_cost,
                start=start,
                expected_end=expected_end,
                required_level=required_level,
                routing_id=routing_id,
                corrects=corrects,
                note=note,
                source="manuel",
            )
            return decision_repo.insert(conn, values)

    def decision_values(self, conn: Connection, plans: Plans, *, decided_by: tuple[str, str | None], recorded_by: Actor, **kw: Any) -> dict[str, Any]:  # noqa: C901 - one check per field of a decision, every problem collected before anything is stored
        """The row of a decision, checked (`CaseError` with every problem) inside the caller's
        transaction: a committee's outcome and its decision are one transaction. ``paragraph``,
        ``step`` and ``monthly_cost`` are checked here: a committee passes them as the submission
        holds them, and a missing one is a problem in the error. Dates, the step and the amount are
        read by `danish`; the case reference by the one rule (`case_ref`)."""
        problems: list[Problem] = []
        dates: dict[str, dt.date | None] = {}
        for key, where, optional in (("decided_on", "dato", False), ("start", "start", False), ("expected_end", "forventet_slut", True)):
            try:
                dates[key] = read_optional_date(kw[key], where) if optional else read_date(kw[key], where)
            except DanishTextError as exc:
                problems += exc.problems
        ref_problem = case_ref_problem(kw["case_ref"])
        if ref_problem is not None:
            problems.append(ref_problem)
        if problems:
            raise CaseError("Afgørelsen kan ikke registreres.", problems)
        # read_date gives a date or a problem, and there are none
        decided_on, start, expected_end = not_none(dates["decided_on"], "the decision date"), not_none(dates["start"], "the start date"), dates["expected_end"]
        plan = plan_in_force(plans, decided_on)
        case_ref = read_case_ref(kw["case_ref"])
        team = _text(kw["team"], "team", _TEAM, "Team Syd")
        who, who_name = decided_by
        if kw["source"] == "import":  # typed initials: only history, marked by the source
            who = _text(who, "truffet_af", _INITIALS, "DEF")
        note = kw["note"] or ""
        refuse_cpr({"sagsreference": case_ref, "team": team, "truffet_af": who, "paragraf": kw["paragraph"], "note": note, "niveau": kw["level"], "kraevet_niveau": kw["required_level"] or ""})
        levels = [lv.id for lv in plan.levels]
        if kw["level"] not in levels:
            problems.append(Problem("niveau", "er ikke et niveau i planen.", f"Brug et af: {', '.join(levels)}."))
        if kw["outcome"] not in DECISION_OUTCOMES:
            problems.append(Problem("udfald", "ukendt udfald.", f"Brug et af: {', '.join(DECISION_OUTCOMES)}."))
        codes = plan.inputs[plan.meta.paragraph_input].values or {}
        if kw["paragraph"] not in codes:
            problems.append(Problem("paragraf", "er ikke en paragrafkode i planen.", "Se koderne med 'kompetenceplan plan'."))
        step = None
        try:
            step = int(read_number(kw["step"], "trin", decimals=0, minimum=1, maximum=21, fix="Skriv et heltal fra 1 til 20, fx 3."))
        except DanishTextError:
            problems.append(Problem("trin", "skal være et heltal fra 1 til 20.", "Skriv fx 3."))
        cost = None
        try:
            cost = read_amount(kw["monthly_cost"], "maanedlig_udgift", maximum=MAX_COST)
        except DanishTextError as exc:
            problems += exc.problems
        if expected_end is not None and expected_end < start:
            problems.append(Problem("forventet_slut", "ligger før start.", "Angiv en slutdato efter startdatoen."))
        if kw["corrects"] is not None:
            problems += self._correction_problems(conn, kw["corrects"], case_ref)
        typed = kw["required_level"]
        if typed is not None and typed not in levels:
            problems.append(Problem("kraevet_niveau", "er ikke et niveau i planen.", f"Brug et af: {', '.join(levels)}."))
        routing = routing_repo.get(conn, kw["routing_id"]) if kw["routing_id"] is not None else None
        if kw["routing_id"] is not None and (routing is None or routing.case_ref != case_ref):
            problems.append(Problem("routing", f"routing {kw['routing_id']} findes ikke for denne sag.", "Angiv id'et fra 'kompetenceplan register route'."))
        if routing is None and not problems:
            routing = routing_repo.current_for_case(conn, case_ref, plan.meta.paragraph_input, kw["paragraph"])
        # The required level is the HIGHEST of what is typed, what the case's routing required for
        # the decision's own facts, and the body the law reserves the paragraph for: a typed level
        # can add to the routing's, never take from it (a decision below either is flagged).
        candidates = [typed] if typed in levels else []
        if routing is not None and not problems and cost is not None and step is not None:
            try:
                candidates.append(self._routed_level(plan, routing, kw["paragraph"], step, cost))
            except KompetenceplanError:
                problems.append(
                    Problem(
                        "routing",
                        f"afgørelsens paragraf, trin eller udgift passer ikke til sagens routing {routing.id}, og sagen kan ikke routes med afgørelsens oplysninger.",
                        "Route sagen igen med de oplysninger, afgørelsen bygger på, og registrér så afgørelsen.",
                    )
                )
        statutory = statutory_level(plan, kw["paragraph"])
        if statutory is not None:
            candidates.append(statutory[1])  # the law alone can say who must decide
        required = max(candidates, key=plan.rank) if candidates else None
        if required is None and not problems:
            problems.append(
                Problem(
                    "kraevet_niveau", "det krævede niveau er ukendt (ingen routing af sagen i registeret).", "Route sagen med 'kompetenceplan register route' først, eller angiv det krævede niveau."
                )
            )
        if problems:
            raise CaseError("Afgørelsen kan ikke registreres.", problems)
        # each of these gave a problem when it could not be read
        required, cost, step = not_none(required, "the required level"), not_none(cost, "the monthly cost"), not_none(step, "the step")
        level_rank, required_rank = plan.rank(kw["level"]), plan.rank(required)
        breach = statutory is not None and level_rank < statutory[0]
        if statutory is not None and breach and kw["source"] != "import":
            raise statutory_refusal(plan, kw["paragraph"], kw["level"], statutory)
        return {
            "corrects_id": kw["corrects"],
            "routing_id": routing.id if routing is not None else None,
            "case_ref": case_ref,
            "team": team,
            "level": kw["level"],
            "level_rank": level_rank,
            "decided_by": who,
            "decided_by_name": who_name,
            "decided_on": decided_on,
            "outcome": kw["outcome"],
            "paragraph": kw["paragraph"],
            "step": step,
            "monthly_cost": float(cost),
            "start": start,
            "expected_end": expected_end,
            "required_level": required,
            "required_rank": required_rank,
            # Kompetenceoverskridelse: the decision was taken by a level ranking below the one the plan requires.
            "kompetenceoverskridelse": level_rank < required_rank,
            "lovbestemt_overskredet": breach,
            "plan_id": plan.meta.id,
            "plan_version": plan.meta.version,
            "plan_fingerprint": plan.fingerprint,
            "source": kw["source"],
            "note": note,
            "recorded_by": recorded_by.id,
            "recorded_by_name": recorded_by.name,
            "recorded_at": now(),
        }

    @staticmethod
    def _routed_level(plan: Plan, routing: RoutingRecord, paragraph: str, step: int, cost: Decimal) -> str:
        """The level the case's routing required, for the decision's own facts: when the decision
        names another paragraph, a higher step or a higher monthly cost than was routed, the
        routing's inputs are routed again with the decision's (the case total grows by the same
        amount). Raises `KompetenceplanError` when they cannot be routed."""
        meta = plan.meta
        inputs = dict(routing.inputs)
        changed: dict[str, Any] = {}
        if inputs.get(meta.paragraph_input) != paragraph:
            changed[meta.paragraph_input] = paragraph
        if meta.step_input in inputs and step > inputs[meta.step_input]:
            changed[meta.step_input] = step
        routed_cost = inputs.get(NEW_COST_INPUT)
        amount = float(cost)
        if _number(routed_cost) and amount > float(routed_cost):
            changed[NEW_COST_INPUT] = amount
            if _number(inputs.get(CASE_TOTAL_INPUT)):
                changed[CASE_TOTAL_INPUT] = round(float(inputs[CASE_TOTAL_INPUT]) + amount - float(routed_cost), 2)
        if not changed:
            return routing.required_level
        if meta.paragraph_input in changed:  # what the old paragraph implied is implied anew
            old_code = (plan.inputs[meta.paragraph_input].values or {}).get(inputs[meta.paragraph_input])
            for implied in old_code.implies if old_code is not None else {}:
                inputs.pop(implied, None)
        if NEW_COST_INPUT in changed and _number(routed_cost):  # a total that is a product of the monthly cost grows with it (the second test: what put the cost in ``changed``)
            delta = amount - float(routed_cost)
            for name, spec in plan.inputs.items():
                factors = spec.default_product or []
                if NEW_COST_INPUT in factors and _number(inputs.get(name)):
                    others = [float(f) for f in (inputs.get(x) for x in factors if x != NEW_COST_INPUT) if _number(f)]
                    if len(others) == len(factors) - 1:
                        changed[name] = round(float(inputs[name]) + delta * math.prod(others), 2)
                    else:
                        inputs.pop(name)
        return max(routing.required_level, decide(plan, inputs | changed, on=routing.routed_on).level.id, key=plan.rank)

    @staticmethod
    def _correction_problems(conn: Connection, corrects: int, case_ref: str) -> list[Problem]:
        """Only the newest version of a decision of the same case can be corrected; its row lock is
        held until the correction is stored (no two writers correct one decision)."""
        decision_repo.lock(conn, corrects)
        old = decision_repo.get(conn, corrects)
        if old is None:
            return [Problem("retter", f"afgørelse {corrects} findes ikke.", "Angiv id'et på den afgørelse, der rettes.")]
        if old.case_ref != case_ref:
            return [Problem("retter", f"afgørelse {corrects} hører til en anden sag.", "Angiv en afgørelse i samme sag.")]
        if (newer := decision_repo.corrected_by(conn, corrects)) is not None:
            return [Problem("retter", f"afgørelse {corrects} er allerede rettet af afgørelse {newer}.", f"Ret den nyeste version (afgørelse {decision_repo.head(conn, corrects)}).")]
        if decision_repo.retracted(conn, corrects):
            return [Problem("retter", f"afgørelse {corrects} er trukket tilbage (udvalget har udsat, sendt sagen tilbage eller oversendt den).", "Registrér en ny afgørelse uden --corrects.")]
        return []

    def decisions(
        self,
        period: Period | None = None,
        team: str | None = None,
        case_ref: str | None = None,
        include_corrected: bool = False,
        *,
        after: tuple[dt.date, int] | None = None,
        limit: int | None = None,
    ) -> list[DecisionRecord]:
        """Current decisions taken in ``period`` (from, to; both included), oldest first (by the
        day taken, then id). ``after`` (the day and id of the last decision of the previous page)
        and ``limit`` give one page; without them, all."""
        start, end = period or (None, None)
        with self.engine.connect() as conn:
            return decision_repo.query(conn, start, end, team, case_ref, include_corrected=include_corrected, after=after, limit=limit)

    def overskridelser(self, period: Period | None = None, team: str | None = None, *, after: tuple[dt.date, int] | None = None, limit: int | None = None) -> list[DecisionRecord]:
        """Current decisions taken below the required level (kompetenceoverskridelser); pages as `decisions`."""
        start, end = period or (None, None)
        with self.engine.connect() as conn:
            return decision_repo.query(conn, start, end, team, only_overskridelser=True, after=after, limit=limit)

    def routing(self, routing_id: int) -> RoutingRecord | None:
        with self.engine.connect() as conn:
            return routing_repo.get(conn, routing_id)

    # -- import, export, purge ----------------------------------------------------------------
    def import_decisions(self, plans: Plans, lines: Iterable[str], where: str = "fil", *, actor: Actor) -> ImportReport:
        """Historical decisions, one JSON object per line (docs/register.md). Bad lines are
        reported and skipped; the good ones are stored in one transaction (all or none). Who
        decided is the typed initials of history (source ``import``); ``actor`` is who imported.
        A decision taken below the statutory body of its paragraph is stored as history, flagged
        ``lovbestemt_overskredet``.

        Idempotent: a line whose decision the register already holds from an import (the same
        natural key, `decision_key`: case, team, level, decided by, date, outcome, paragraph, step,
        amount, start, end, note — however the line spelled them) is not stored again, and counted
        under ``already_imported``; so is a line that repeats an earlier line of the same file. A
        rerun of a file (also with a byte-order mark or CRLF line endings) stores nothing new."""
        actor.require("import_data")
        lines = list(lines)
        for attempt in range(3):
            try:
                return self._import(plans, lines, where, actor)
            except IntegrityError:
                # Another import stored one of these keys between our check and our insert
                # (PostgreSQL; SQLite's writers queue): the transaction is gone, so check again.
                if attempt == 2:
                    raise ConcurrentChange(
                        "Importen blev forstyrret af en samtidig import; intet er gemt.",
                        [Problem(where, "en anden import gemte de samme afgørelser i samme øjeblik.", "Importér filen igen: det, der allerede er gemt, gemmes ikke to gange.")],
                    ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _import(self, plans: Plans, lines: list[str], where: str, actor: Actor) -> ImportReport:
        skipped: list[dict[str, Any]] = []
        ids: list[int] = []
        breaches: list[int] = []
        already: list[int] = []
        with self.engine.begin() as conn:
            seen: set[str] = set()
            for n, line in enumerate(lines, 1):
                if n == 1:
                    line = line.removeprefix("\ufeff")  # a byte-order mark (Excel's "UTF-8")
                if not line.strip():
                    continue
                try:
                    values = self._import_line(conn, plans, line, f"{where}, linje {n}", actor)
                except KompetenceplanError as exc:
                    skipped.append({"line": n, **exc.to_dict()})
                    continue
                key = decision_key(values)
                if key in seen or decision_repo_imported(conn, key):
                    already.append(n)
                    continue
                seen.add(key)
                stored = decision_repo.insert(conn, {**values, "import_key": key})
                ids.append(stored.id)
                if stored.lovbestemt_overskredet:
                    breaches.append(stored.id)
        return ImportReport(imported=len(ids), skipped=skipped, decision_ids=ids, statutory_breaches=breaches, already_imported=len(already), already_lines=already)

    def _import_line(self, conn: Connection, plans: Plans, line: str, where: str, actor: Actor) -> dict[str, Any]:
        data = parse_json(line, where)
        if not isinstance(data, dict):
            raise CaseError("Linjen kan ikke læses.", [Problem(where, "er ikke et JSON-objekt.", "Én afgørelse som JSON-objekt pr. linje.")])
        refuse_cpr({where: data})
        try:
            row = ImportLine.model_validate(data)
        except ValidationError as exc:
            raise CaseError(
                "Linjen har fejl.",
                [Problem(f"{where}: " + ".".join(str(p) for p in e["loc"]), validation_message(e), "Se kolonnerne i docs/register.md.") for e in exc.errors(include_url=False, include_input=False)],
            ) from None
        try:
            decided_on = read_date(row.dato, f"{where}: dato")
        except DanishTextError as exc:
            raise CaseError("Linjen har fejl.", exc.problems) from None
        required = row.kraevet_niveau
        if row.sag is not None:
            # The line's case, routed as the plan in force on the date: the required level is the
            # higher of that and the typed one, and the case must be the decision's (its paragraph,
            # and no lower step or monthly cost than the line's) or the line is refused.
            plan = plan_in_force(plans, decided_on)
            routed = decide(plan, row.sag, on=decided_on)
            meta, values = plan.meta, routed.inputs
            same = values.get(meta.paragraph_input) == row.paragraf
            for name, raw in ((meta.step_input, row.trin), (NEW_COST_INPUT, row.maanedlig_udgift)):
                try:
                    line_value = float(read_number(raw, name))
                except DanishTextError:
                    continue  # the line's own value is refused below, with its field named
                found = values.get(name)
                if _number(found) and float(found) < line_value:
                    same = False
            if not same:
                raise CaseError(
                    "Linjen har fejl.",
                    [Problem(f"{where}: sag", "sagens paragraf, trin eller månedlige udgift passer ikke til afgørelsens.", "Angiv den sag, afgørelsen blev truffet på, eller udelad 'sag'.")],
                )
            if required is None or required in [lv.id for lv in plan.levels]:  # an unknown level is reported by name below
                required = max([routed.level.id] + ([required] if required else []), key=plan.rank)
        return self.decision_values(
            conn,
            plans,
            case_ref=row.sagsreference,
            team=row.team,
            level=row.niveau,
            decided_by=(row.truffet_af, None),
            recorded_by=actor,
            decided_on=decided_on,
            outcome=row.udfald,
            paragraph=row.paragraf,
            step=row.trin,
            monthly_cost=row.maanedlig_udgift,
            start=decided_on if row.start is None else row.start,
            expected_end=row.forventet_slut,
            required_level=required,
            routing_id=None,
            corrects=None,
            note=row.note,
            source="import",
        )

    def export(self) -> Iterator[dict[str, Any]]:
        """Every record of every table as JSON-ready dicts (``tabel`` names the table)."""
        with self.engine.connect() as conn:
            for table in metadata.sorted_tables:
                for row in conn.execute(select(table).order_by(table.c.id)).mappings():
                    yield {"tabel": table.name, **{k: (v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v) for k, v in row.items()}}

    def purge(self, before: dt.date, *, actor: Actor) -> PurgeReport:
        """Delete records older than ``before`` (retention). A record a newer one still points to
        (a correction, a decision's routing, a committee outcome, an item of a kept tilsyn draw) is
        kept and counted under ``kept_referenced``. A tilsyn draw whose draw date is before
        ``before`` is deleted as a whole (its items, check results and answers with every
        correction); payments are deleted by ``paid_on`` (nothing points to them); case events by
        ``occurred_on`` (a corrected one is kept while its correction is)."""
        actor.require("purge")
        deleted: dict[str, int] = {}
        kept: dict[str, int] = {}
        with self.engine.begin() as conn:
            old_draws = select(tilsyn_draws.c.id).where(tilsyn_draws.c.draw_date < before)
            old_items = select(tilsyn_items.c.id).where(tilsyn_items.c.draw_id.in_(old_draws))
            for table in (tilsyn_answers, tilsyn_results):
                deleted[table.name] = conn.execute(delete(table).where(table.c.item_id.in_(old_items))).rowcount
            deleted[tilsyn_items.name] = conn.execute(delete(tilsyn_items).where(tilsyn_items.c.draw_id.in_(old_draws))).rowcount
            deleted[tilsyn_draws.name] = conn.execute(delete(tilsyn_draws).where(tilsyn_draws.c.draw_date < before)).rowcount
            deleted[payments.name] = conn.execute(delete(payments).where(payments.c.paid_on < before)).rowcount
            deleted[case_events.name] = _purge_chain(conn, case_events, case_events.c.occurred_on < before)  # issue 26
            old_meetings = select(meetings.c.id).where(meetings.c.meeting_date < before)
            for table in (agenda_mailings, item_withdrawals, meeting_attendance, outcomes, agendas):
                deleted[table.name] = conn.execute(delete(table).where(table.c.meeting_id.in_(old_meetings))).rowcount
            # indstillinger saved in the pages: by the day they were saved, whole chains
            saved_before = dt.datetime.combine(before, dt.time(), tzinfo=dt.UTC)
            deleted[submission_drafts.name] = _purge_chain(conn, submission_drafts, submission_drafts.c.saved_at < saved_before)
            deleted[meeting_items.name] = _purge_chain(conn, meeting_items, meeting_items.c.meeting_id.in_(old_meetings))
            deleted[meetings.name] = conn.execute(delete(meetings).where(meetings.c.id.in_(old_meetings), meetings.c.id.not_in(select(meeting_items.c.meeting_id)))).rowcount
            # A grant still running on the purge date is kept whatever its age: it is part of the
            # case's total, and routing the case's next intervention without it would be too low.
            running = and_(decisions.c.outcome.in_(GRANTED), or_(decisions.c.expected_end.is_(None), decisions.c.expected_end >= before))
            deleted[decisions.name] = _purge_chain(
                conn,
                decisions,
                and_(decisions.c.decided_on < before, not_(running)),
                extra_refs=[select(outcomes.c.decision_id).where(outcomes.c.decision_id.is_not(None)), select(tilsyn_items.c.decision_id)],
                # a retraction goes with its decision, never before it (a retracted grant must not count again)
                dependants=[(decision_retractions, decision_retractions.c.decision_id)],
                counts=deleted,
            )
            deleted[routings.name] = _purge_chain(conn, routings, routings.c.routed_on < before, extra_refs=[select(decisions.c.routing_id).where(decisions.c.routing_id.is_not(None))])
            for table, cond in ((decisions, decisions.c.decided_on < before), (routings, routings.c.routed_on < before), (meetings, meetings.c.meeting_date < before)):
                kept[table.name] = conn.execute(select(func.count()).select_from(table).where(cond)).scalar_one()
        return PurgeReport(before=before, deleted=deleted, kept_referenced=kept)


def _purge_chain(conn: Connection, table: Any, old: Any, extra_refs: list[Any] | None = None, dependants: list[tuple[Any, Any]] | None = None, counts: dict[str, int] | None = None) -> int:
    """Delete old rows that no remaining row references, until none is left to delete; the rows
    of ``dependants`` (table, column pointing here) go in the same step as the row they belong to."""
    total = 0
    while True:
        refs = [select(table.c.corrects_id).where(table.c.corrects_id.is_not(None)), *(extra_refs or [])]
        doomed = select(table.c.id).where(old, *[table.c.id.not_in(r) for r in refs])
        for dependant, column in dependants or []:
            n_dep = conn.execute(delete(dependant).where(column.in_(doomed))).rowcount
            if counts is not None:
                counts[dependant.name] = counts.get(dependant.name, 0) + n_dep
        n = conn.execute(delete(table).where(table.c.id.in_(doomed))).rowcount
        total += n
        if n == 0:
            return total


def _natural_key(typed: dict[str, Any]) -> dict[str, Any] | None:
    """A decision's typed fields read as its columns hold them (`danish` for the dates, the step
    and the amount; the one case-reference rule), so the register can look for the same decision;
    None when any cannot be read (`Register.decision_values` refuses it with every problem)."""
    try:
        out = dict(typed)
        out["case_ref"] = read_case_ref(typed["case_ref"])
        out["team"] = typed["team"].strip() if isinstance(typed["team"], str) else None
        out["decided_on"], out["start"] = read_date(typed["decided_on"], "dato"), read_date(typed["start"], "start")
        out["expected_end"] = read_optional_date(typed["expected_end"], "forventet_slut")
        out["step"] = int(read_number(typed["step"], "trin", decimals=0, minimum=1, maximum=21))
        out["monthly_cost"] = float(read_amount(typed["monthly_cost"], "maanedlig_udgift", maximum=MAX_COST))
    except KompetenceplanError:
        return None
    ids_fit = all(out[k] is None or (isinstance(out[k], int) and not isinstance(out[k], bool) and 1 <= out[k] <= MAX_ID) for k in ("corrects_id", "routing_id"))
    texts = all(isinstance(out[k], str) for k in ("team", "level", "outcome", "paragraph", "note"))
    return out if ids_fit and texts and (out["required_level"] is None or isinstance(out["required_level"], str)) else None


#: The columns of a decision's natural key (what was decided, by whom, when, for which case): the
#: same decision however an import line spelled it. The required level is not part of it (it can be
#: derived from the line's case by the plan, which may change).
DECISION_KEY_COLUMNS = ("case_ref", "team", "level", "decided_by", "decided_on", "outcome", "paragraph", "step", "monthly_cost", "start", "expected_end", "note")


def decision_key(values: dict[str, Any]) -> str:
    """SHA-256 of a decision's natural key (`DECISION_KEY_COLUMNS`; the amount in øre, dates as
    ÅÅÅÅ-MM-DD). Migration r0009 computes the same for decisions imported before it."""
    parts: list[Any] = []
    for column in DECISION_KEY_COLUMNS:
        value = values[column]
        if column == "monthly_cost":
            value = round(float(value) * 100)
        elif isinstance(value, dt.date):
            value = value.isoformat()
        parts.append(value)
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def decision_repo_imported(conn: Connection, key: str) -> bool:
    """Whether the register holds a decision imported with this natural key."""
    return conn.execute(select(decisions.c.id).where(decisions.c.import_key == key).limit(1)).first() is not None


def _number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


class ImportLine(BaseModel):
    """One historical decision in an import file (column mapping in docs/register.md)."""

    model_config = ConfigDict(extra="forbid", strict=False)

    sagsreference: str
    team: str
    niveau: str
    truffet_af: str
    #: Dates, the step and the amount are read by `danish` (strict ÅÅÅÅ-MM-DD; a number or Danish text).
    dato: Any
    udfald: str
    paragraf: str
    trin: Any
    maanedlig_udgift: Any
    start: Any = None
    forventet_slut: Any = None
    kraevet_niveau: str | None = None
    sag: dict[str, Any] | None = None
    note: str = ""
