"""The quarterly draw: which decisions the leaders read, drawn reproducibly and stored.

Quarter ``YYYYQn`` is drawn on the n-th draw date of year YYYY (Nyborg: 1 March, 1 June,
1 September, 1 December). Its **population** is every current decision (not corrected by a
later record at the moment of the draw) whose ``decided_on`` lies in the three calendar months
before the draw date: for 2026Q4 (drawn 1 December 2026) 1 September – 30 November 2026, both
included. Every outcome counts (bevilget, bevilget med ændringer, afslået).

The population is split into strata (team, track); from each stratum ``per_stratum`` decisions
are drawn without replacement (all of them if the stratum is smaller) with
``random.Random(f"{seed}:{quarter}:{team}:{track}")`` over the ids in ascending order. The seed,
the population's ids and their SHA-256 fingerprint are stored, so anyone can redraw the sample.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import secrets
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Literal, overload

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from ..actor import Actor
from ..danish import format_time
from ..errors import Problem
from ..plan.model import Plan
from ..plan.versions import PlanSet
from ..store import decisions as decision_repo
from ..store.db import inserted_id
from ..store.privacy import refuse_cpr
from ..store.register import Register, now
from ..store.tables import decisions
from .checks import STATUSES, run_checks
from .config import TilsynConfig, TilsynError, parse_quarter, quarter_code
from .tables import tilsyn_answers, tilsyn_draws, tilsyn_items, tilsyn_results

ANSWERS = ("ja", "nej", "delvist", "ikke_relevant")


def _add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    return day.replace(year=day.year + y, month=m + 1)


def quarter_dates(config: TilsynConfig, quarter: str) -> tuple[dt.date, dt.date, dt.date]:
    """(draw date, first day, last day) of the quarter's population."""
    year, n = parse_quarter(quarter)
    month, day = (int(x) for x in config.tilsyn.draw_dates[n - 1].split("-"))
    draw_date = dt.date(year, month, day)
    return draw_date, _add_months(draw_date, -3), draw_date - dt.timedelta(days=1)


def population_fingerprint(ids: list[int]) -> str:
    return hashlib.sha256("".join(f"{i}\n" for i in sorted(ids)).encode()).hexdigest()


def sample(population: list[dict[str, Any]], config: TilsynConfig, quarter: str, seed: int, per_stratum: int) -> list[tuple[dict[str, Any], str, int]]:
    """The drawn decisions as (row, track, stratum size), strata in name order, ids ascending."""
    strata: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in population:
        strata[(row["team"], config.track(row["team"], row["paragraph"]))].append(row)
    out = []
    for (team, track), rows in sorted(strata.items()):
        rows = sorted(rows, key=lambda r: r["id"])
        rng = random.Random(f"{seed}:{quarter}:{team}:{track}")  # noqa: S311 - reproducible on purpose: anyone with the stored seed can redraw the sample
        chosen = sorted(rng.sample(range(len(rows)), min(per_stratum, len(rows))))
        out += [(rows[i], track, len(rows)) for i in chosen]
    return out


@dataclass(frozen=True)
class Draw:
    id: int
    quarter: str
    draw_date: dt.date
    period_start: dt.date
    period_end: dt.date
    seed: int
    per_stratum: int
    population_size: int
    population_fingerprint: str
    created_at: dt.datetime
    items: list[dict[str, Any]]


def _population(conn: Connection, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """The quarter's current decisions with what the sample needs (id, team, paragraph, case):
    a large municipality's quarter is tens of thousands of rows, of which about 30 are drawn."""
    columns = (decisions.c.id, decisions.c.team, decisions.c.paragraph, decisions.c.case_ref)
    rows = conn.execute(select(*columns).where(decisions.c.decided_on >= start, decisions.c.decided_on <= end, decision_repo.current()).order_by(decisions.c.id)).mappings()
    return [dict(r) for r in rows]


def _decisions(conn: Connection, ids: list[int]) -> dict[int, dict[str, Any]]:
    """The whole rows of the drawn decisions (the TIL checks read them)."""
    return {r["id"]: dict(r) for r in conn.execute(select(decisions).where(decisions.c.id.in_(ids))).mappings()} if ids else {}


def draw(
    reg: Register,
    plans: Plan | PlanSet,
    config: TilsynConfig,
    quarter: str,
    *,
    actor: Actor,
    seed: int | None = None,
    per_stratum: int | None = None,
    today: dt.date | None = None,
) -> Draw:
    """Draw the quarter's sample, run the TIL checks on it and store everything. A quarter is
    drawn once: a second draw is refused (`TilsynError`), also when two run at the same time."""
    actor.require("draw_sample")
    quarter = quarter_code(quarter)
    draw_date, start, end = quarter_dates(config, quarter)
    today = today or dt.date.today()
    if today < draw_date:
        raise TilsynError(
            "Kvartalet kan ikke trækkes endnu.",
            [
                Problem(
                    "--quarter",
                    f"trækningsdatoen for {quarter} er {draw_date.isoformat()}; populationen ({start.isoformat()} – {end.isoformat()}) er ikke komplet.",
                    "Træk på eller efter trækningsdatoen.",
                )
            ],
        )
    k = per_stratum if per_stratum is not None else config.tilsyn.per_stratum
    if k < 1:
        raise TilsynError("Ugyldig stikprøvestørrelse.", [Problem("--per-team", "skal være mindst 1.", "Skriv fx --per-team 5.")])
    # At most 9 digits: a stored or printed seed must never look like a CPR number (10 digits).
    seed = seed if seed is not None else secrets.randbelow(10**9)
    existing = show(reg, quarter, missing_ok=True)
    if existing is not None:
        raise _already(existing)
    try:
        with reg.engine.begin() as conn:
            population = _population(conn, start, end)
            if not population:
                # An empty draw would be stored and lock the quarter with nothing to supervise.
                raise TilsynError(
                    f"Der er ingen afgørelser at trække for {quarter}.",
                    [
                        Problem(
                            "--quarter",
                            f"registret har ingen gældende afgørelser truffet {start.isoformat()}–{end.isoformat()}.",
                            "Registrér eller importér kvartalets afgørelser først; intet er gemt.",
                        )
                    ],
                )
            ids = [r["id"] for r in population]
            draw_id = inserted_id(
                conn.execute(
                    tilsyn_draws.insert().values(
                        quarter=quarter,
                        draw_date=draw_date,
                        period_start=start,
                        period_end=end,
                        seed=seed,
                        per_stratum=k,
                        population_size=len(ids),
                        population_fingerprint=population_fingerprint(ids),
                        population=ids,
                        config_fingerprint=config.fingerprint,
                        created_at=now(),
                    )
                )
            )
            drawn = sample(population, config, quarter, seed, k)
            whole = _decisions(conn, [row["id"] for row, _, _ in drawn])
            for position, (row, track, size) in enumerate(drawn, 1):
                row = whole[row["id"]]
                item_id = inserted_id(
                    conn.execute(tilsyn_items.insert().values(draw_id=draw_id, position=position, decision_id=row["id"], case_ref=row["case_ref"], team=row["team"], track=track, stratum_size=size))
                )
                results = run_checks(conn, plans, row, on=today)
                if any(r.status not in STATUSES for r in results):  # the report counts by these statuses only
                    raise RuntimeError(f"a tilsyn check gave a status outside {STATUSES}; nothing is drawn")
                conn.execute(tilsyn_results.insert(), [{"item_id": item_id, "code": r.code, "status": r.status, "message": r.message} for r in results])
    except IntegrityError:
        existing = show(reg, quarter, missing_ok=True)
        if existing is None:
            raise
        raise _already(existing) from None
    return show(reg, quarter)


def _already(existing: Draw) -> TilsynError:
    return TilsynError(
        "Kvartalet er allerede trukket.",
        [
            Problem(
                "--quarter",
                f"{existing.quarter} blev trukket {format_time(existing.created_at)} (frø {existing.seed}, {len(existing.items)} sager); en ny trækning ville kunne vælge andre sager.",
                f"Se den gemte trækning med: kompetenceplan tilsyn draw --quarter {existing.quarter} --show.",
            )
        ],
    )


@overload
def show(reg: Register, quarter: str, *, missing_ok: Literal[False] = False) -> Draw: ...
@overload
def show(reg: Register, quarter: str, *, missing_ok: bool) -> Draw | None: ...
def show(reg: Register, quarter: str, *, missing_ok: bool = False) -> Draw | None:
    """The stored draw for ``quarter`` with its items, their check results and current answers."""
    quarter = quarter_code(quarter)
    with reg.engine.connect() as conn:
        # not the population (every id of the quarter's decisions): the pages never show it
        row = conn.execute(select(*(c for c in tilsyn_draws.c if c.name != "population")).where(tilsyn_draws.c.quarter == quarter)).mappings().first()
        if row is None:
            if missing_ok:
                return None
            raise TilsynError("Kvartalet er ikke trukket.", [Problem("--quarter", f"der er ingen trækning for {quarter}.", f"Træk først: kompetenceplan tilsyn draw --quarter {quarter}.")])
        items = [dict(r) for r in conn.execute(select(tilsyn_items).where(tilsyn_items.c.draw_id == row["id"]).order_by(tilsyn_items.c.position)).mappings()]
        by_id = {i["id"]: i for i in items}
        for i in items:
            i["results"], i["answers"] = [], {}
        if items:
            for r in conn.execute(select(tilsyn_results).where(tilsyn_results.c.item_id.in_(list(by_id))).order_by(tilsyn_results.c.id)).mappings():
                by_id[r["item_id"]]["results"].append({"code": r["code"], "status": r["status"], "message": r["message"]})
            for a in conn.execute(select(tilsyn_answers).where(tilsyn_answers.c.item_id.in_(list(by_id))).order_by(tilsyn_answers.c.id)).mappings():
                by_id[a["item_id"]]["answers"][a["question"]] = dict(a)  # the newest answer wins
    return Draw(
        id=row["id"],
        quarter=row["quarter"],
        draw_date=row["draw_date"],
        period_start=row["period_start"],
        period_end=row["period_end"],
        seed=row["seed"],
        per_stratum=row["per_stratum"],
        population_size=row["population_size"],
        population_fingerprint=row["population_fingerprint"],
        created_at=row["created_at"],
        items=items,
    )


def _append_answer(conn: Connection, item_id: int, question: str, answer: str, comment: str, actor: Actor, previous: int | None) -> dict[str, Any]:
    """Store one answer, correcting ``previous`` (append-only: an answer is never changed), and
    return it as stored."""
    values = {"item_id": item_id, "question": question, "answer": answer, "comment": comment.strip(), "corrects_id": previous}
    new_id = inserted_id(conn.execute(tilsyn_answers.insert().values(**values, answered_by=actor.id, answered_by_name=actor.name, answered_at=now())))
    return dict(conn.execute(select(tilsyn_answers).where(tilsyn_answers.c.id == new_id)).mappings().one())


def _current_answer(conn: Connection, item_id: int, question: str) -> int | None:
    """The id of the answer to ``question`` that no later answer corrects (None: unanswered)."""
    rows = conn.execute(select(tilsyn_answers.c.id, tilsyn_answers.c.corrects_id).where(tilsyn_answers.c.item_id == item_id, tilsyn_answers.c.question == question)).all()
    corrected = {c for _, c in rows if c is not None}
    current = [i for i, _ in rows if i not in corrected]
    return max(current) if current else None


def draws(reg: Register) -> list[str]:
    """Every drawn quarter, oldest first."""
    with reg.engine.connect() as conn:
        return sorted(conn.execute(select(tilsyn_draws.c.quarter)).scalars())


def record_answer(reg: Register, config: TilsynConfig, quarter: str, position: int, question: str, answer: str, *, actor: Actor, comment: str = "") -> dict[str, Any]:
    """``actor``'s answer to one checklist question for one drawn case (append-only: a new answer
    to the same question corrects the previous one; the drawn item's row is locked while the
    answer is stored, so two answers never correct the same one)."""
    actor.require("answer_checklist")
    found = show(reg, quarter)
    problems = []
    item = next((i for i in found.items if i["position"] == position), None)
    if item is None:
        problems.append(Problem("--item", f"trækningen for {quarter} har ikke en sag nr. {position}.", f"Brug et nummer fra 1 til {len(found.items)} (se tilsyn draw --quarter {quarter} --show)."))
    found_question = config.question(question)
    if found_question is None:
        problems.append(Problem("--question", f"'{question}' er ikke et spørgsmål i tjeklisten.", f"Brug et af: {', '.join(q.id for q in config.checklist)}."))
    elif item is not None and not any(q.id == question for q in config.questions_for(item["track"])):
        problems.append(
            Problem(
                "--question",
                f"'{question}' hører ikke til tjeklisten for sporet {config.tracks[item['track']].label if item['track'] in config.tracks else item['track']}.",
                f"Brug et af: {', '.join(q.id for q in config.questions_for(item['track']))}.",
            )
        )
    if answer not in ANSWERS:
        problems.append(Problem("--answer", f"'{answer}' er ikke et svar.", f"Brug et af: {', '.join(ANSWERS)}."))
    if answer == "nej" and not (comment or "").strip():
        problems.append(Problem("--comment", "mangler: et nej skal begrundes.", "Skriv hvad der mangler i sagen, uden personoplysninger."))
    if problems or item is None:  # no item is among the problems
        raise TilsynError("Svaret kan ikke gemmes.", problems)
    refuse_cpr({"kommentar": comment})
    with reg.transaction() as conn:
        conn.execute(select(tilsyn_items.c.id).where(tilsyn_items.c.id == item["id"]).with_for_update())
        return _append_answer(conn, item["id"], question, answer, comment, actor, _current_answer(conn, item["id"], question))


def record_answers(reg: Register, config: TilsynConfig, quarter: str, position: int, answers: dict[str, tuple[str, str]], *, actor: Actor) -> list[dict[str, Any]]:
    """A whole checklist for one drawn case in one go (the page's one form per case): ``answers``
    maps question id → (answer, comment), each a question of the case's track
    (`TilsynConfig.questions_for`). Every answer is checked first — all problems at once,
    each named ``<question>.svar`` or ``<question>.kommentar`` — and then all are stored in one
    transaction (append-only; an answer equal to the current one adds no row)."""
    actor.require("answer_checklist")
    found = show(reg, quarter)
    item = next((i for i in found.items if i["position"] == position), None)
    if item is None:
        raise TilsynError("Svarene kan ikke gemmes.", [Problem("--item", f"trækningen for {quarter} har ikke en sag nr. {position}.", f"Brug et nummer fra 1 til {len(found.items)}.")])
    problems = []
    track = item["track"]
    own = [q.id for q in config.questions_for(track)]  # the checklist of the case's track (issue 27)
    for question, (answer, comment) in answers.items():
        if config.question(question) is None:
            problems.append(Problem("--question", f"'{question}' er ikke et spørgsmål i tjeklisten.", f"Brug et af: {', '.join(q.id for q in config.checklist)}."))
        elif question not in own:
            label = config.tracks[track].label if track in config.tracks else track
            problems.append(Problem("--question", f"'{question}' hører ikke til tjeklisten for sporet {label}.", f"Brug et af: {', '.join(own)}."))
        elif answer not in ANSWERS:
            problems.append(Problem(f"{question}.svar", "er ikke et svar.", f"Vælg et af: {', '.join(ANSWERS)}."))
        elif answer == "nej" and not (comment or "").strip():
            problems.append(Problem(f"{question}.kommentar", "mangler: et nej skal begrundes.", "Skriv hvad der mangler i sagen, uden personoplysninger."))
    if problems:
        raise TilsynError("Svarene kan ikke gemmes.", problems)
    refuse_cpr({f"{q}.kommentar": c for q, (_, c) in answers.items()})
    stored = []
    with reg.transaction() as conn:
        conn.execute(select(tilsyn_items.c.id).where(tilsyn_items.c.id == item["id"]).with_for_update())
        for question, (answer, comment) in answers.items():
            previous = _current_answer(conn, item["id"], question)
            if previous is not None:
                old = conn.execute(select(tilsyn_answers).where(tilsyn_answers.c.id == previous)).mappings().one()
                if (old["answer"], old["comment"]) == (answer, comment.strip()):
                    continue
            stored.append(_append_answer(conn, item["id"], question, answer, comment, actor, previous))
    return stored
