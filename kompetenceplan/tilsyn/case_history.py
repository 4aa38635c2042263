"""The fictional municipality's case events (issue 26): what happened in each generated case
besides its decisions, so the deadline worklist and the status report have something to show.

Called by `generate.generate` after the decisions are written; it reads the register's current
decisions back and writes, from a random stream of its own (the decisions and every other
generated row stay exactly as before for the same seed):

- a receipt (ansøgning, henvendelse or underretning) before each decision — about one in ten
  answered later than the municipality's own (illustrative) frist;
- a børnefaglig undersøgelse for placements and about a third of the § 32 cases — about one in
  eight finished after 4 months (§ 20, stk. 3), half of those with a foreløbig vurdering; a
  voksenudredning before a botilbud;
- barnets plan or ungeplan for placements (§ 91, stk. 2): some late, one § 47 plan after the
  decision;
- follow-ups (§ 95) for §§ 32, 46, 47 and ungestøtte: about one in ten first follow-ups late and
  one in ten missing; later ones every 4-6 months;
- formandsafgørelser (§ 143): one approved within 7 days, one never approved, and one made two
  days before the end of the period (still open);
- investigations still running at the end (no decision yet), some past their 4 months.

Everything is fiction. Rows are written through `store.events.record` (``bulk=False``) or
prepared by `store.events.prepare` and inserted many at a time (``bulk=True``): the same rows.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from ..actor import Actor
from ..frister.calendar import add_months
from ..plan.model import Plan
from ..plan.versions import PlanSet
from ..store import events as event_repo
from ..store.records import GRANTED
from ..store.register import Register, now

#: The generator writes as this actor (an importer of fictional history).
GENERATOR = Actor(id="generator:fiktiv-kommune", name="Fiktiv kommune (generator)", kind="import", permissions=frozenset({"record_event", "import_data"}))

#: Fictional advisors' initials per team (the case's advisor in routings and events).
ADVISORS: dict[str, tuple[str, ...]] = {
    "Team Nord": ("AHN", "BKL", "CMJ", "DPS", "EJT"),
    "Team Syd": ("FLR", "GMB", "HNO", "IKV", "JPA"),
    "Team Handicap": ("KAS", "LDE", "MFB"),
    "Team Voksne": ("NGH", "OJU", "PKR"),
}
CHILDREN_TEAMS = (("Team Nord", "N"), ("Team Syd", "S"))
FOLLOW_UP = ("bl-32-", "bl-46", "bl-47", "bl-ungestoette")

#: Shares of the planted irregularities (fictional, chosen to give findings).
P_LATE_ANSWER = 0.1
P_BFU = 0.35
P_LATE_BFU = 0.12
P_LATE_PLAN = 0.15
P_NO_PLAN = 0.05
P_LATE_FOLLOW_UP = 0.1
P_NO_FOLLOW_UP = 0.1
OPEN_INVESTIGATIONS_PER_MONTH = 3


def advisor_for(team: str, case_ref: str) -> str:
    """The case's advisor's initials: one of the team's, fixed by the case reference (no random draw)."""
    pool = ADVISORS.get(team) or ("RÅD",)
    return pool[sum(case_ref.encode()) % len(pool)]


def advisor_id(team: str, case_ref: str) -> str:
    """The advisor as the register knows them: the fictional employee's actor id (`generate.person`),
    the same as the routings' ``advisor``."""
    return f"fiktiv:{advisor_for(team, case_ref)}"


@dataclass
class _Ev:
    case_ref: str
    team: str
    kind: str
    day: dt.date
    art: str | None = None
    paragraph: str | None = None


class _History:
    def __init__(self, reg: Register, plans: Plan | PlanSet, start: dt.date, end: dt.date, seed: int) -> None:
        self.reg, self.plans, self.start, self.end = reg, plans, start, end
        self.rng = random.Random(f"kompetenceplan-frister-{seed}")
        self.out: list[_Ev] = []

    def add(self, case_ref: str, team: str, kind: str, day: dt.date, art: str | None = None, paragraph: str | None = None) -> None:
        if day <= self.end:
            self.out.append(_Ev(case_ref, team, kind, day, art, paragraph))

    def days(self, lo: int, hi: int) -> dt.timedelta:
        return dt.timedelta(days=self.rng.randint(lo, hi))

    def _answer_days(self, paragraph: str) -> int:
        """Receipt to decision, without an investigation (some later than the own frist)."""
        late = self.rng.random() < P_LATE_ANSWER
        if paragraph.startswith(("bl-32", "bl-35")):
            return self.rng.randint(125, 160) if late else self.rng.randint(10, 100)
        if paragraph in ("bl-86", "bl-87", "sel-85"):
            return self.rng.randint(60, 85) if late else self.rng.randint(7, 50)
        if paragraph in ("sel-107", "sel-108"):
            return self.rng.randint(95, 130) if late else self.rng.randint(20, 85)
        return self.rng.randint(45, 70) if late else self.rng.randint(5, 40)

    def decision(self, d: dict[str, Any]) -> None:
        rng, ref, team, par = self.rng, d["case_ref"], d["team"], d["paragraph"]
        children = par.startswith("bl-")
        day = d["decided_on"]
        art = rng.choices(("underretning", "ansoegning", "henvendelse"), (0.35, 0.45, 0.2))[0] if children else rng.choices(("ansoegning", "henvendelse"), (0.7, 0.3))[0]
        if children and (par in ("bl-46", "bl-47") or (par.startswith("bl-32") and rng.random() < P_BFU)):
            late = rng.random() < P_LATE_BFU
            total = rng.randint(128, 170) if late else rng.randint(40, 110)
            received = day - self.days(3, 20) - dt.timedelta(days=total)
            started = received + self.days(1, 10)
            self.add(ref, team, "modtaget", received, art, par)
            self.add(ref, team, "undersoegelse_startet", started, "bfu")
            if late and rng.random() < 0.5:
                self.add(ref, team, "foreloebig_vurdering", max(started, add_months(received, 4) - self.days(0, 6)))
            self.add(ref, team, "undersoegelse_afsluttet", received + dt.timedelta(days=total), "bfu")
        elif par in ("sel-107", "sel-108"):
            received = day - dt.timedelta(days=self._answer_days(par))
            self.add(ref, team, "modtaget", received, art, par)
            self.add(ref, team, "undersoegelse_startet", received + self.days(2, 8), "voksenudredning")
            self.add(ref, team, "undersoegelse_afsluttet", day - self.days(1, 10), "voksenudredning")
        else:
            self.add(ref, team, "modtaget", day - dt.timedelta(days=self._answer_days(par)), art, par)
        if d["outcome"] not in GRANTED:
            return
        plan = "ungeplan" if rng.random() < 0.2 else "barnets_plan"
        if par == "bl-47":
            self.add(ref, team, "plan_udarbejdet", day + (self.days(5, 20) if rng.random() < 0.2 else -self.days(5, 40)), plan)
        elif par == "bl-46":
            roll = rng.random()
            if roll >= P_NO_PLAN:
                self.add(ref, team, "plan_udarbejdet", day + (self.days(95, 130) if roll < P_NO_PLAN + P_LATE_PLAN else self.days(10, 80)), plan)
        if par.startswith(FOLLOW_UP):
            self.follow_ups(ref, team, d["start"], d["expected_end"])

    def follow_ups(self, ref: str, team: str, begun: dt.date, stop: dt.date | None) -> None:
        roll = self.rng.random()
        if roll < P_NO_FOLLOW_UP:
            return
        day = begun + (self.days(95, 130) if roll < P_NO_FOLLOW_UP + P_LATE_FOLLOW_UP else self.days(50, 88))
        last = min(self.end, stop) if stop else self.end
        while day <= last:
            self.add(ref, team, "opfoelgning", day)
            day += self.days(120, 200)

    def chair_decisions(self, placements: list[dict[str, Any]]) -> None:
        """§ 143: an approved and an unapproved formandsafgørelse before two § 47 decisions, and
        an open one two days before the end."""
        for n, d in enumerate(placements[:2]):
            made = d["decided_on"] - self.days(15, 25)
            self.add(d["case_ref"], d["team"], "formandsafgoerelse", made, None, "bl-47")
            if n == 0:
                self.add(d["case_ref"], d["team"], "formandsafgoerelse_godkendt", made + self.days(2, 6), None, "bl-47")
        ref = f"N-{self.end.year}-F0001"
        self.add(ref, "Team Nord", "modtaget", self.end - dt.timedelta(days=9), "underretning", "bl-47")
        self.add(ref, "Team Nord", "formandsafgoerelse", self.end - dt.timedelta(days=2), None, "bl-47")

    def open_investigations(self) -> None:
        """Investigations with no decision yet, received in the last five months."""
        n = 0
        for months_back in range(5, 0, -1):
            month = add_months(self.end.replace(day=1), -months_back + 1)
            if month < self.start:
                continue
            for team, prefix in CHILDREN_TEAMS:
                for _ in range(OPEN_INVESTIGATIONS_PER_MONTH):
                    n += 1
                    ref = f"{prefix}-{month.year}-U{n:04d}"
                    received = month + self.days(0, 27)
                    if received > self.end:
                        continue
                    par = self.rng.choice(("bl-32-1-3", "bl-32-1-5", "bl-46"))
                    self.add(ref, team, "modtaget", received, "underretning", par)
                    self.add(ref, team, "undersoegelse_startet", received + self.days(1, 12), "bfu")

    def run(self, bulk: bool) -> int:
        from ..store.events import decision_events

        with self.reg.engine.connect() as conn:
            rows = decision_events(conn)
        for d in rows:
            self.decision(d)
        self.chair_decisions([d for d in rows if d["paragraph"] == "bl-47" and d["outcome"] in GRANTED and d["decided_on"] >= self.start + dt.timedelta(days=30)])
        self.open_investigations()
        seen: set[str] = set()
        ordered = []
        for e in sorted(self.out, key=lambda e: (e.day, e.case_ref, list(event_repo.KINDS).index(e.kind))):
            key = event_repo.natural_key(e.case_ref, e.kind, e.art, e.day, e.paragraph)
            if key not in seen:
                seen.add(key)
                ordered.append(e)
        fields: list[dict[str, Any]] = [
            {
                "case_ref": e.case_ref,
                "team": e.team,
                "kind": e.kind,
                "occurred_on": e.day,
                "art": e.art,
                "paragraph": e.paragraph,
                "advisor": advisor_id(e.team, e.case_ref),
            }
            for e in ordered
        ]
        if not bulk:
            for f in fields:
                event_repo.record(self.reg, self.plans, GENERATOR, **f, today=self.end)
            return len(fields)
        codes = event_repo.paragraph_codes(self.plans)
        with self.reg.engine.begin() as conn:
            prepared = [event_repo.prepare(conn, self.plans, GENERATOR, **f, today=self.end, codes=codes) for f in fields]
            event_repo.insert_prepared(conn, prepared, now())
        return len(prepared)


def write_history(reg: Register, plans: Plan | PlanSet, *, start: dt.date, end: dt.date, seed: int, bulk: bool) -> int:
    """Write the case events of the generated municipality; returns how many."""
    return _History(reg, plans, start, end, seed).run(bulk)
