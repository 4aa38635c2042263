"""A fictional municipality's register, for tilsyn demos, tests and the benchmark.

Why it is long: a whole fictional municipality (cases, decisions, meetings, payments, events) whose
parts must agree with one another and with the register's invariants; split, the agreements would be
spread over modules.

    generate(reg, plans, start=dt.date(2026, 1, 1), months=12, seed=7)              # medium
    generate(reg, plans, start=..., months=60, seed=7, size="large", bulk=True)    # ~100k decisions

Everything is fiction: case references, initials, amounts. The volume of ``medium`` (about 50 new
interventions and 3 placements a month) is of the order of a Danish municipality of Nyborg's size
(about 32,000 inhabitants) in Danmarks Statistik's tables on children and young people with
preventive measures and placements (statistikbanken.dk, BU-tabellerne) — approximate, not computed
from one table ([U]). ``large`` is 30 times that (of the order of the largest Danish municipalities outside Copenhagen).

Rows are written through the register's public API (`Register.record_routing`,
`Register.record_decision`, `meetings.committee`), or with ``bulk=True`` routings, decisions,
meetings, agenda items (checked with `checks.check` for the meeting date) and outcomes are
computed here exactly as the register and `meetings.committee` compute them and inserted many at
a time. A test checks that both give the same rows.
The same seed and period give the same rows apart from the wall-clock columns ``recorded_at``,
``created_at``, ``added_at`` (and ``sent_at``, ``answered_at`` of later use). With ``bulk=True`` the
agenda ``item_key`` is derived from the seed too; through the public API (``bulk=False``) it is
`meetings.committee`'s random uuid4, the one column that then differs between runs.

What the history contains, on purpose: decisions at the required level and some below it
(kompetenceoverskridelse), committee cases with and without complete documents, committee cases
decided without a submission, decisions without an expected end, early ends and corrections
(new rows pointing to the corrected one, as the register is append-only), and each case's events
with late investigations, missing follow-ups and formandsafgørelser (`case_history`). A case keeps
one advisor of its team (`case_history.advisor_for`).
"""

from __future__ import annotations

import datetime as dt
import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from ..actor import PERMISSIONS, Actor
from ..api import decide_many, plan_in_force
from ..checks.check import check
from ..errors import CaseError, Problem, not_none
from ..meetings import committee
from ..plan.model import Plan
from ..plan.versions import PlanSet
from ..store.privacy import minimise
from ..store.records import GRANTED
from ..store.register import Register, now, statutory_level, statutory_refusal
from ..store.tables import decisions, meeting_items, meetings, outcomes, routings
from .case_history import advisor_for, write_history

SIZES = {"medium": 1, "large": 30}
#: New interventions and placements a month for ``medium`` (see the module docstring: approximate).
NEW_PER_MONTH = 50
PLACEMENTS_PER_MONTH = 3

#: Teams, their case-reference prefix and the share of new interventions.
TEAMS = (("Team Nord", "N", 0.3), ("Team Syd", "S", 0.3), ("Team Handicap", "H", 0.15), ("Team Voksne", "V", 0.25))

# (paragraph, steps, monthly cost range, extra inputs) per team kind. Valid for rules/nyborg.
_BOERN = [
    ("bl-32-1-2", (3,), (3000, 16000)),
    ("bl-32-1-3", (2, 3), (2000, 9000)),
    ("bl-32-1-5", (2, 3), (5000, 45000)),
    ("bl-32-1-8", (1, 2, 3), (1000, 6000)),
    ("bl-35", (1, 2, 3), (500, 5000)),
    ("bl-32-1-7", (3, 4), (8000, 30000)),
]
_HANDICAP = [
    ("bl-86", (1, 2, 3), (500, 8000)),
    ("bl-87", (1, 2, 3), (5000, 30000)),
    ("bl-32-1-7", (3,), (6000, 25000)),
    ("bl-32-1-1", (1, 2), (1000, 6000)),
]
_VOKSNE = [
    ("sel-85", (3, 4), (2000, 25000)),
    ("sel-83", (3, 4), (3000, 30000)),
    ("sel-97", (2,), (1000, 4000)),
    ("sel-100", (1, 2), (500, 3000)),
    ("sel-103", (2, 3), (3000, 12000)),
    ("sel-104", (2, 3), (2000, 9000)),
    ("sel-107", (5,), (25000, 60000)),
    ("sel-108", (6,), (40000, 80000)),
]
PROFILES = {"Team Nord": _BOERN, "Team Syd": _BOERN, "Team Handicap": _HANDICAP, "Team Voksne": _VOKSNE}

#: Shares of the irregular things a tilsyn should find (fictional, chosen to give findings).
P_BELOW = 0.05  # decided one level below the required level
P_COMMITTEE_SKIPPED = 0.07  # a committee case decided by the leader (no meeting)
P_COMMITTEE_NO_SUBMISSION = 0.03  # registered at the committee's level, no submission in the register
P_MISSING_DOCUMENTS = 0.2  # a submission without its documents
P_NO_END = 0.08  # no expected end registered
P_EARLY_END = 0.1  # ended early (a correction with an earlier expected end)
P_CORRECTION = 0.02  # an amount corrected
P_EXISTING_CASE = 0.3  # a new intervention on a case the register already knows


@dataclass
class _Granted:
    """The generator's own view of a decision (to compute case totals as the register does)."""

    handle: int
    case_ref: str
    team: str
    values: dict[str, Any]
    routing: int | None
    committee: bool = False


@dataclass
class _Meeting:
    body: str
    day: dt.date
    id: int | None = None
    items: list[tuple[str, dict[str, Any], dict[str, Any]]] = field(default_factory=list)


@dataclass(frozen=True)
class GenerateReport:
    start: dt.date
    end: dt.date
    seed: int
    size: str
    routings: int
    decisions: int
    meetings: int
    items: int
    events: int = 0


def person(initials: str) -> Actor:
    """A fictional employee (the generated municipality's advisors, leaders and secretaries)."""
    return Actor(id=f"fiktiv:{initials}", name=initials, kind="person", roles=frozenset({"fiktiv"}), permissions=frozenset(PERMISSIONS))


#: Who keeps the generated committees' records.
SECRETARY = person("SEK")


class _ApiSink:
    """Writes through the register's public API; a handle is the row id."""

    def __init__(self, reg: Register, plans: Plan | PlanSet) -> None:
        self.reg, self.plans = reg, plans

    def routing(self, case: dict[str, Any], *, case_ref: str, team: str, advisor: str, on: dt.date, plan: Plan) -> int:
        return self.reg.record_routing(self.plans, case, case_ref=case_ref, team=team, actor=person(advisor), on=on).record.id

    def decision(self, values: dict[str, Any], routing: int | None, corrects: int | None, plan: Plan) -> int:
        values = dict(values)
        who, source = values.pop("decided_by"), values.pop("source")
        if source == "import":  # history: a decision the statute reserved for a body, taken below it
            line = {
                "sagsreference": values["case_ref"],
                "team": values["team"],
                "niveau": values["level"],
                "truffet_af": who,
                "dato": values["decided_on"].isoformat(),
                "udfald": values["outcome"],
                "paragraf": values["paragraph"],
                "trin": values["step"],
                "maanedlig_udgift": values["monthly_cost"],
                "start": values["start"].isoformat(),
                "forventet_slut": values["expected_end"].isoformat() if values["expected_end"] else None,
                "kraevet_niveau": values["required_level"],
                "note": values["note"],
            }
            import json

            return self.reg.import_decisions(self.plans, [json.dumps(line)], actor=SECRETARY).decision_ids[0]
        return self.reg.record_decision(self.plans, actor=person(who), routing_id=routing, corrects=corrects, **values).id

    def meeting(self, day: dt.date, body: str) -> int:
        return committee.new_meeting(self.reg, self.plans, day, body, actor=SECRETARY).id

    def item(self, meeting: int, submission: dict[str, Any], case_ref: str, day: dt.date) -> None:
        committee.add_submission(self.reg, self.plans, meeting, submission, case_ref=case_ref, actor=SECRETARY)

    def outcome(self, meeting: int, number: int, outcome: str, reason: str, team: str) -> bool:
        return committee.record_outcome(self.reg, self.plans, meeting, number, outcome, reason, team=team, actor=SECRETARY).decision_id is not None

    def flush(self) -> None:
        pass


class _BulkSink:
    """Computes each routing and decision row exactly as the register does, and inserts them
    many at a time (one transaction per flush). Handles are positions; ids come back from the
    database in insertion order."""

    def __init__(self, reg: Register, plans: Plan | PlanSet, seed: int = 0) -> None:
        self.reg, self.plans = reg, plans
        # Agenda item keys from the seed (the API path uses committee's uuid4), so the same seed
        # gives the same keys; 32 hex digits like uuid4().hex.
        self.key_rng = random.Random(f"kompetenceplan-item-keys-{seed}")
        self.routing_rows: list[dict[str, Any]] = []
        self.decision_rows: list[tuple[dict[str, Any], int | None, int | None]] = []
        self.routing_ids: list[int] = []
        self.decision_ids: list[int] = []
        self.meeting_rows: list[dict[str, Any]] = []
        self.meeting_ids: list[int] = []
        self.item_rows: list[tuple[int, dict[str, Any]]] = []
        self.items_of: dict[int, list[dict[str, Any]]] = {}  # meeting handle -> its item rows
        self.meeting_info: dict[int, tuple[dt.date, str]] = {}
        self.outcome_rows: list[tuple[int, dict[str, Any], int | None]] = []
        # (case, paragraph) -> the handle of the case's newest routing for that paragraph: a
        # committee's decision refers to it, as `Register.decision_values` finds it
        # (`routings.current_for_case`) when the outcome gives no routing.
        self.case_routing: dict[tuple[str, Any], int] = {}

    def meeting(self, day: dt.date, body: str) -> int:
        """As `committee.new_meeting` (default title)."""
        plan = plan_in_force(self.plans, day)
        found = not_none(plan.meeting_body(body), f"the plan's meeting body {body}")
        title = f"{found.name} {day.isoformat()}"
        self.meeting_rows.append({"meeting_date": day, "body": body, "body_rank": found.rank, "title": title[:200]})
        handle = len(self.meeting_ids) + len(self.meeting_rows) - 1
        self.meeting_info[handle] = (day, body)
        self.items_of[handle] = []
        return handle

    def item(self, meeting: int, submission: dict[str, Any], case_ref: str, day: dt.date) -> None:
        """As `committee.add_submission`: checked for the meeting date, stored without `borger`."""
        plan = plan_in_force(self.plans, day)
        stored = minimise(submission)
        report = check(plan, stored, on=day)
        row = {
            "item_key": f"{self.key_rng.getrandbits(128):032x}",
            "number": len(self.items_of[meeting]) + 1,
            "corrects_id": None,
            "case_ref": case_ref.strip()[:64],
            "submission": stored,
            "content_hash": committee.content_hash(stored),
            "report": report.model_dump(mode="json"),
            "ready": report.ready,
            "required_level": report.routing.level,
            "required_rank": plan.rank(report.routing.level),
            "plan_version": plan.meta.version,
            "plan_fingerprint": plan.fingerprint,
            "added_by": SECRETARY.id,
            "added_by_name": SECRETARY.name,
        }
        self.item_rows.append((meeting, row))
        self.items_of[meeting].append(row)

    def outcome(self, meeting: int, number: int, outcome: str, reason: str, team: str) -> bool:
        """As `committee.record_outcome` for an item's first outcome: bevilget, afslået and
        bevilget med ændringer are registered as the committee's decisions."""
        day, body = self.meeting_info[meeting]
        item = self.items_of[meeting][number - 1]
        decision = None
        if outcome in committee.DECIDING:
            sag = item["submission"].get("sag") or {}
            months = sag.get("varighed_maaneder")
            found = plan_in_force(self.plans, day).meeting_body(body)
            values = {
                "case_ref": item["case_ref"],
                "team": team,
                "level": found.level if found is not None else body,  # the committee's level
                "decided_by": body,
                "decided_by_name": found.name if found is not None else plan_in_force(self.plans, day).level(body).name,
                "decided_on": day,
                "outcome": outcome,
                "paragraph": sag.get("paragraf"),
                "step": sag.get("trin"),
                "monthly_cost": sag.get("maanedlig_udgift"),
                "start": day,
                "expected_end": _add_months(day, months) if isinstance(months, int) and not isinstance(months, bool) else None,
                "required_level": item["required_level"],
                "note": reason,
                "source": "udvalg",
            }
            decision = self.decision(values, self.case_routing.get((item["case_ref"], sag.get("paragraf"))), None, plan_in_force(self.plans, day))
        self.outcome_rows.append(
            (meeting, {"item_key": item["item_key"], "corrects_id": None, "outcome": outcome, "reason": reason, "recorded_by": SECRETARY.id, "recorded_by_name": SECRETARY.name}, decision)
        )
        return decision is not None

    def routing(self, case: dict[str, Any], *, case_ref: str, team: str, advisor: str, on: dt.date, plan: Plan) -> int:
        from ..engine.bulk import compiled

        validated = compiled(plan).validate(case)
        result = decide_many(plan, [case], on=on)[0]
        if result.error is not None:
            raise result.error
        level = not_none(result.level, "the routed level")  # decide_many gives a level or an error
        self.routing_rows.append(
            {
                "corrects_id": None,
                "case_ref": case_ref,
                "team": team,
                "advisor": person(advisor).id,
                "advisor_name": advisor,
                "inputs": dict(validated.values),
                "required_level": level,
                "required_rank": plan.rank(level),
                "deciding_row": result.row,
                "escalated": result.escalated,
                "routed_on": on,
                "plan_id": plan.meta.id,
                "plan_version": plan.meta.version,
                "plan_fingerprint": plan.fingerprint,
            }
        )
        handle = len(self.routing_ids) + len(self.routing_rows) - 1
        self.case_routing[(case_ref, validated.values.get(plan.meta.paragraph_input))] = handle
        return handle

    def decision(self, values: dict[str, Any], routing: int | None, corrects: int | None, plan: Plan) -> int:
        if corrects is not None and corrects >= len(self.decision_ids):
            self.flush()
        self.decision_rows.append((values, routing, corrects))
        return len(self.decision_ids) + len(self.decision_rows) - 1

    def decision_row(self, values: dict[str, Any], routing_id: int | None, corrects_id: int | None, stamp: dt.datetime) -> dict[str, Any]:
        """The ``decisions`` row the register stores for ``values`` (as `Register.decision_values`)."""
        plan = plan_in_force(self.plans, values["decided_on"])
        level_rank, required_rank = plan.rank(values["level"]), plan.rank(values["required_level"])
        statutory = statutory_level(plan, values["paragraph"])
        breach = statutory is not None and level_rank < statutory[0]
        if statutory is not None and breach and values["source"] != "import":  # only history can be below a statutory body, as the register refuses
            raise statutory_refusal(plan, values["paragraph"], values["level"], statutory)
        who = values["decided_by"]
        actor = None if values["source"] in ("import", "udvalg") else person(who)
        return {
            "corrects_id": corrects_id,
            "routing_id": routing_id,
            **{k: v for k, v in values.items() if k != "note"},
            "decided_by": actor.id if actor else who,
            "decided_by_name": values.get("decided_by_name", actor.name if actor else None),
            "monthly_cost": float(values["monthly_cost"]),
            "level_rank": level_rank,
            "required_rank": required_rank,
            "kompetenceoverskridelse": level_rank < required_rank,
            "lovbestemt_overskredet": breach,
            "recorded_by": (actor or SECRETARY).id,
            "recorded_by_name": (actor or SECRETARY).name,
            "plan_id": plan.meta.id,
            "plan_version": plan.meta.version,
            "plan_fingerprint": plan.fingerprint,
            "note": values.get("note", ""),
            "recorded_at": stamp,
        }

    def flush(self) -> None:
        if not (self.routing_rows or self.decision_rows or self.meeting_rows or self.item_rows or self.outcome_rows):
            return
        stamp = now()
        with self.reg.engine.begin() as conn:
            # Each table's rows in the order the public API would have written them.
            if self.meeting_rows:
                rows = [{**r, "created_at": stamp} for r in self.meeting_rows]
                self.meeting_ids.extend(conn.execute(meetings.insert().returning(meetings.c.id, sort_by_parameter_order=True), rows).scalars().all())
            if self.item_rows:
                rows = [{**r, "meeting_id": self.meeting_ids[m], "added_at": stamp} for m, r in self.item_rows]
                conn.execute(meeting_items.insert(), rows)
            if self.routing_rows:
                rows = [{**r, "recorded_at": stamp} for r in self.routing_rows]
                ids = conn.execute(routings.insert().returning(routings.c.id, sort_by_parameter_order=True), rows).scalars().all()
                self.routing_ids.extend(ids)
            if self.decision_rows:
                rows = [
                    self.decision_row(values, self.routing_ids[routing] if routing is not None else None, self.decision_ids[corrects] if corrects is not None else None, stamp)
                    for values, routing, corrects in self.decision_rows
                ]
                ids = conn.execute(decisions.insert().returning(decisions.c.id, sort_by_parameter_order=True), rows).scalars().all()
                self.decision_ids.extend(ids)
            if self.outcome_rows:
                rows = [{**r, "meeting_id": self.meeting_ids[m], "decision_id": self.decision_ids[d] if d is not None else None, "recorded_at": stamp} for m, r, d in self.outcome_rows]
                conn.execute(outcomes.insert(), rows)
        self.routing_rows, self.decision_rows, self.meeting_rows, self.item_rows, self.outcome_rows = [], [], [], [], []


def _below_statute(plan: Plan, paragraph: str, level: str) -> bool:
    statutory = statutory_level(plan, paragraph)
    return statutory is not None and plan.rank(level) < statutory[0]


def _add_months(day: dt.date, months: int) -> dt.date:
    return committee.add_months(day, months)


def _meeting_body(plan: Plan, level: str, case: dict[str, Any]) -> str:
    """The meeting that decides a committee case: the plan's committee for the case's area (the
    visitation committee for children or for adults), or the level itself."""
    meta = plan.meta
    area = case.get(meta.area_input)
    if area is None:
        area = next((t.single for t in plan.implications.get((meta.paragraph_input, case[meta.paragraph_input]), ()) if t.input == meta.area_input), None)
    found = plan.committee_for(level, area)
    return found.id if found is not None else level


def _initials(rng: random.Random) -> str:
    return "".join(rng.choice("ABDEFGHIJKLMNOPRSTUV") for _ in range(3))


def _submission(case_ref: str, case: dict[str, Any], routed_on: dt.date, complete: bool) -> dict[str, Any]:
    """A committee submission for ``case`` (fictional text; documents dated before the routing,
    so never in the future)."""
    before = lambda days: (routed_on - dt.timedelta(days=days)).isoformat()  # noqa: E731
    months = case["varighed_maaneder"]
    sub: dict[str, Any] = {
        "sagsnummer": case_ref,
        "sag": dict(case),
        "formaal": "Formålet er beskrevet i sagen (fiktiv sag).",
        "maal": ["Første mål inden 3 måneder", "Andet mål inden 6 måneder"],
        "alternativer": [{"indsats": "Mindre indgribende indsats", "trin": max(1, case["trin"] - 1), "begrundelse": "Afprøvet uden tilstrækkelig effekt."}],
        "oekonomi": {"pris_pr_maaned": case["maanedlig_udgift"], "varighed_maaneder": months, "samlet": case["maanedlig_udgift"] * months, "leverandoer": "Fiktiv leverandør"},
        "partshoering": {"dato": before(12)},  # forvaltningsloven § 19
    }
    if case["paragraf"].startswith("sel-"):
        sub["samtykker"] = [{"fra": "borgeren", "dato": before(40), "daekker_formaal": True}]
        sub["vum"] = {
            k: "Beskrevet i udredningen (fiktiv)."
            for k in (
                "baggrundsoplysninger",
                "centrale_oplysninger",
                "indsatsformaal_og_maal",
                "specificering_af_indsatser",
                "alternative_indsatser",
                "handleplan",
                "stoettebehov",
                "maalgruppe",
            )
        }
        sub["dokumenter"] = [{"type": "vum_udredning", "dato": before(60), "underskrevet": True}]
    else:
        sub["barnets_perspektiv"] = {"indhentet": True, "dato": before(20), "metode": "Samtale med barnet"}
        if case.get("samtykke"):
            sub["samtykker"] = [{"fra": "foraeldremyndighed", "dato": before(15), "daekker_formaal": True}]
        sub["dokumenter"] = [
            {"type": "bfu", "dato": before(30), "forfatter_rolle": "raadgiver", "underskrevet": True, "godkendt": True},
            {"type": "barnets_plan", "dato": before(10), "underskrevet": True},
        ]
        if not case.get("samtykke", True):
            sub["dokumenter"] += [{"type": "foraeldrevurdering", "dato": before(30)}, {"type": "foraeldreplan", "dato": before(10)}]
            # Barnets lov § 51, stk. 1, nr. 1 and stk. 3; § 142, stk. 2.
            sub["anbringelsesgrundlag"] = {"grunde": [1], "begrundet_formodning": "Beskrevet i undersøgelsen (fiktiv).", "ressourcer": "Beskrevet i undersøgelsen (fiktiv)."}
            sub["soeskende"] = {"under_15_i_husstanden": False}
            sub["udtaleret"] = {"foraeldremyndighed": True, "barnet": True, "advokat": True, "ingen_bisidder": True}
    if not complete:
        sub["dokumenter"] = []
        sub.pop("barnets_perspektiv", None)
    return sub


class _Generator:
    def __init__(self, reg: Register, plans: Plan | PlanSet, start: dt.date, months: int, seed: int, size: str, bulk: bool) -> None:
        if size not in SIZES:
            raise CaseError("Ukendt størrelse.", [Problem("--size", f"'{size}' er ikke en størrelse.", f"Brug en af: {', '.join(SIZES)}.")])
        if months < 1:
            raise CaseError("Ugyldig periode.", [Problem("--years", "skal være mindst 1.", "Skriv fx --years 2.")])
        self.reg, self.plans, self.start, self.months, self.seed, self.size = reg, plans, start, months, seed, size
        self.end = _add_months(start, months) - dt.timedelta(days=1)
        plan_in_force(plans, start)  # refuse a period without a plan at once
        plan_in_force(plans, self.end)
        self.rng = random.Random(f"kompetenceplan-tilsyn-{seed}")
        self.sink: _ApiSink | _BulkSink = _BulkSink(reg, plans, seed) if bulk else _ApiSink(reg, plans)
        self.scale = SIZES[size]
        self.counters: dict[str, int] = {}
        self.cases: dict[str, list[_Granted]] = {}  # case_ref -> current decisions (generator's view)
        self.team_cases: dict[str, list[str]] = {t: [] for t, _, _ in TEAMS}
        self.meetings: dict[tuple[str, dt.date], _Meeting] = {}
        self.later: list[tuple[dt.date, int, Callable[[], None]]] = []
        self.n_routings = self.n_decisions = self.n_items = self.seq = 0

    # -- helpers ---------------------------------------------------------------------------------
    def _case_ref(self, prefix: str, year: int) -> str:
        key = f"{prefix}-{year}"
        self.counters[key] = self.counters.get(key, 0) + 1
        return f"{key}-{self.counters[key]:05d}"

    def _active_total(self, case_ref: str, on: dt.date) -> float:
        total = 0.0
        for g in self.cases.get(case_ref, []):
            v = g.values
            if v["outcome"] in GRANTED and v["start"] <= on and (v["expected_end"] is None or v["expected_end"] >= on):
                total += float(v["monthly_cost"])
        return total

    def _case(self, team: str, case_ref: str, on: dt.date, placement: bool) -> dict[str, Any]:
        rng = self.rng
        steps: tuple[int, ...]
        if placement:
            consent = rng.random() < 0.85
            paragraph, steps, (lo, hi) = ("bl-46" if consent else "bl-47"), (5, 6), (25000, 90000)
        else:
            paragraph, steps, (lo, hi) = rng.choice(PROFILES[team])
            consent = True
        cost = rng.randrange(lo, hi + 1, 100)
        case: dict[str, Any] = {"paragraf": paragraph, "trin": rng.choice(steps), "maanedlig_udgift": cost, "varighed_maaneder": rng.choice((3, 6, 6, 12, 12, 24))}
        if paragraph.startswith("bl-"):
            case["alder"] = rng.randrange(0, 18)
            case["samtykke"] = consent
            case["akut"] = False
        else:
            case["alder"] = rng.randrange(18, 80)
            # Serviceloven §§ 107-108 need the citizen's consent (without it: § 129, Familieretshuset).
            case["samtykke"] = True
        if paragraph == "sel-85":
            case["timer_pr_uge"] = rng.choice((2, 4, 6, 10, 15, 20))
        case["sagens_maanedlige_udgift"] = round(self._active_total(case_ref, on) + cost, 2)
        return case

    def _schedule(self, day: dt.date, action: Callable[[], None]) -> None:
        self.seq += 1
        heapq.heappush(self.later, (day, self.seq, action))

    def _meeting_day(self, body: str, after: dt.date) -> dt.date:
        """Medium: the 10th of each month; large: every Tuesday (smaller agendas)."""
        if self.scale == 1:
            day = after.replace(day=10)
            return day if day > after else _add_months(day, 1)
        return after + dt.timedelta(days=(1 - after.weekday()) % 7 or 7)

    # -- events ----------------------------------------------------------------------------------
    def new_intervention(self, team: str, prefix: str, on: dt.date, placement: bool) -> None:
        rng = self.rng
        known = self.team_cases[team]
        if not placement and known and rng.random() < P_EXISTING_CASE:
            case_ref = rng.choice(known[-200:])
        else:
            case_ref = self._case_ref(prefix, on.year)
            known.append(case_ref)
        case = self._case(team, case_ref, on, placement)
        plan = plan_in_force(self.plans, on)
        result = decide_many(plan, [case], on=on)[0]
        if result.error is not None:  # a bug in the generator's profiles
            raise result.error
        required = not_none(result.level, "the routed level")  # decide_many gives a level or an error
        rank = plan.rank(required)
        escalation = plan.rank(plan.meta.escalation_level)
        _initials(rng)  # drawn and not used: keeps the seed's random stream, so every other row is as before
        routing = self.sink.routing(case, case_ref=case_ref, team=team, advisor=advisor_for(team, case_ref), on=on, plan=plan)
        self.n_routings += 1
        if rank >= escalation:
            roll = rng.random()
            if roll < P_COMMITTEE_SKIPPED:
                self._decide(team, case_ref, case, on, "leder", required, routing)
            elif roll < P_COMMITTEE_SKIPPED + P_COMMITTEE_NO_SUBMISSION:
                self._decide(team, case_ref, case, on, required, required, routing)
            else:
                self._to_meeting(team, case_ref, case, on, _meeting_body(plan, required, case))
            return
        level = required
        if rank > 0 and rng.random() < P_BELOW:
            level = plan.levels[rank - 1].id
        self._decide(team, case_ref, case, on, level, required, routing)

    def _decide(self, team: str, case_ref: str, case: dict[str, Any], on: dt.date, level: str, required: str, routing: int | None) -> None:
        rng = self.rng
        outcome = rng.choices(("bevilget", "bevilget med ændringer", "afslået"), (0.85, 0.08, 0.07))[0]
        end = None if rng.random() < P_NO_END else _add_months(on, case["varighed_maaneder"])
        values = {
            "case_ref": case_ref,
            "team": team,
            "level": level,
            "decided_by": _initials(rng),
            "decided_on": on,
            "outcome": outcome,
            "paragraph": case["paragraf"],
            "step": case["trin"],
            "monthly_cost": case["maanedlig_udgift"],
            "start": on,
            "expected_end": end,
            "required_level": required,
            "note": "" if outcome == "bevilget" else "Begrundelse i sagen (fiktiv).",
            # A decision below the body the statute reserves its paragraph for can only be history
            # (imported and flagged): the register refuses it on every interactive path.
            "source": "import" if _below_statute(plan_in_force(self.plans, on), case["paragraf"], level) else "manuel",
        }
        handle = self.sink.decision(values, routing, None, plan_in_force(self.plans, on))
        self.n_decisions += 1
        granted = _Granted(handle, case_ref, team, values, routing)
        self.cases.setdefault(case_ref, []).append(granted)
        history = values["source"] == "import"  # imported history is not corrected afterwards
        if outcome in GRANTED and end is not None and rng.random() < P_EARLY_END:
            stop = on + dt.timedelta(days=rng.randrange(30, max(31, (end - on).days)))
            if not history:
                self._schedule(stop, lambda: self._correct(granted, stop, expected_end=stop, note="Ophørt før forventet slut."))
        elif rng.random() < P_CORRECTION:
            fix = on + dt.timedelta(days=rng.randrange(1, 20))
            if not history:
                self._schedule(fix, lambda: self._correct(granted, fix, monthly_cost=float(case["maanedlig_udgift"]) + 100, note="Rettelse af beløb."))

    def _correct(self, granted: _Granted, on: dt.date, note: str, **changes: Any) -> None:
        values = {**granted.values, **changes, "note": note}
        plan = plan_in_force(self.plans, values["decided_on"])
        handle = self.sink.decision(values, granted.routing, granted.handle, plan)
        self.n_decisions += 1
        current = self.cases[granted.case_ref]
        current[current.index(granted)] = _Granted(handle, granted.case_ref, granted.team, values, granted.routing)

    def _to_meeting(self, team: str, case_ref: str, case: dict[str, Any], on: dt.date, body: str) -> None:
        day = self._meeting_day(body, on)
        key = (body, day)
        if key not in self.meetings:
            self.meetings[key] = _Meeting(body, day)
            self._schedule(day, lambda: self._hold(self.meetings[key]))
        meeting = self.meetings[key]
        complete = self.rng.random() >= P_MISSING_DOCUMENTS
        if meeting.id is None:
            meeting.id = self.sink.meeting(day, body)
        self.sink.item(meeting.id, _submission(case_ref, case, on, complete), case_ref, day)
        self.n_items += 1
        meeting.items.append((team, case, {"case_ref": case_ref}))

    def _hold(self, meeting: _Meeting) -> None:
        meeting_id = not_none(meeting.id, "the held meeting's id")  # set when its first item was added
        for number, (team, case, info) in enumerate(meeting.items, 1):
            outcome = self.rng.choices(("bevilget", "bevilget med ændringer", "afslået"), (0.85, 0.1, 0.05))[0]
            reason = "" if outcome == "bevilget" else "Udvalgets begrundelse (fiktiv)."
            if self.sink.outcome(meeting_id, number, outcome, reason, team):
                self.n_decisions += 1
                end = _add_months(meeting.day, case["varighed_maaneder"])
                values = {"outcome": outcome, "start": meeting.day, "expected_end": end, "monthly_cost": case["maanedlig_udgift"]}
                self.cases.setdefault(info["case_ref"], []).append(_Granted(-1, info["case_ref"], team, values, None, committee=True))

    def run(self) -> GenerateReport:
        day = self.start
        while day <= self.end:
            month_end = min(_add_months(day, 1) - dt.timedelta(days=1), self.end)
            days = (month_end - day).days + 1
            events = []
            for team, prefix, share in TEAMS:
                n = round(NEW_PER_MONTH * self.scale * share)
                events += [(day + dt.timedelta(days=self.rng.randrange(days)), team, prefix, False) for _ in range(n)]
            placements = PLACEMENTS_PER_MONTH * self.scale
            events += [(day + dt.timedelta(days=self.rng.randrange(days)), t, p, True) for t, p in (self.rng.choice((("Team Nord", "N"), ("Team Syd", "S"))) for _ in range(placements))]
            events.sort(key=lambda e: e[0])
            for when, team, prefix, placement in events:
                self._run_due(when)
                self.new_intervention(team, prefix, when, placement)
            day = month_end + dt.timedelta(days=1)
        self._run_due(self.end)
        self.sink.flush()
        n_events = write_history(self.reg, self.plans, start=self.start, end=self.end, seed=self.seed, bulk=isinstance(self.sink, _BulkSink))
        return GenerateReport(self.start, self.end, self.seed, self.size, self.n_routings, self.n_decisions, len(self.meetings), self.n_items, n_events)

    def _run_due(self, until: dt.date) -> None:
        """Run the scheduled events (meetings, ends, corrections) due before ``until``; on the
        last day of the period, those due on it too."""
        while self.later and (self.later[0][0] < until or (until == self.end and self.later[0][0] <= until)):
            heapq.heappop(self.later)[2]()


def generate(reg: Register, plans: Plan | PlanSet, *, start: dt.date, months: int, seed: int, size: str = "medium", bulk: bool = False) -> GenerateReport:
    """Fill an empty register with a fictional municipality's history from ``start`` for
    ``months`` months. Refuses a register that already holds decisions."""
    with reg.engine.connect() as conn:
        if conn.execute(select(func.count()).select_from(decisions)).scalar_one():
            raise CaseError("Registret er ikke tomt.", [Problem("--db", "databasen har allerede afgørelser.", "Generér kun i en ny, tom database (kompetenceplan db upgrade --db NY-ADRESSE).")])
    return _Generator(reg, plans, start, months, seed, size, bulk).run()
