"""Ledelsestilsyn (issue 15): the fictional municipality, the quarterly draw, the TIL checks,
the checklist answers and the report. Every figure of a report is compared with a count made
here from the raw rows."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import re
import threading
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, inspect, select, text

from kompetenceplan.cli import main
from kompetenceplan.plan import load_plans
from kompetenceplan.store.db import make_engine, upgrade
from kompetenceplan.store.privacy import PersonalDataError
from kompetenceplan.store.register import Register
from kompetenceplan.store.tables import decisions, meeting_items, outcomes, routings
from kompetenceplan.tilsyn import checks as til
from kompetenceplan.tilsyn.config import TilsynError, load_config, parse_quarter
from kompetenceplan.tilsyn.draw import draw, quarter_dates, record_answer, record_answers, show
from kompetenceplan.tilsyn.generate import generate
from kompetenceplan.tilsyn.report import SAMPLE_SHARE, build_report, render_html, render_markdown, stratified, til_status, wilson, wilson_share
from kompetenceplan.tilsyn.tables import metadata as tilsyn_metadata
from kompetenceplan.tilsyn.tables import tilsyn_answers, tilsyn_draws, tilsyn_items, tilsyn_results

from .conftest import NYBORG, ROOT, examples
from .register_fixtures import ACTOR

PLANS = load_plans(NYBORG)
CONFIG_PATH = ROOT / "rules" / "nyborg-tilsyn.toml"
CONFIG = load_config(CONFIG_PATH)
START = dt.date(2026, 1, 1)
TODAY = dt.date(2026, 12, 4)
QUARTERS = ("2026Q2", "2026Q3", "2026Q4")
WALL_CLOCK = {"recorded_at", "created_at", "added_at", "sent_at"}


def _new_db(url: str) -> str:
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def _export(reg: Register) -> list[dict[str, Any]]:
    """The register's export without the wall-clock columns; agenda item keys (random uuids)
    replaced by their order of appearance."""
    keys: dict[str, int] = {}
    out = []
    for row in reg.export():
        r = {k: v for k, v in row.items() if k not in WALL_CLOCK}
        if "item_key" in r:
            r["item_key"] = keys.setdefault(r["item_key"], len(keys))
        out.append(r)
    return out


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Register]:
    """Eleven months of a medium municipality with three drawn quarters (SQLite)."""
    url = _new_db(f"sqlite:///{tmp_path_factory.mktemp('tilsyn') / 'town.db'}")
    reg = Register(url)
    generate(reg, PLANS, start=START, months=11, seed=11, bulk=True)
    for q in QUARTERS:
        draw(reg, PLANS, CONFIG, actor=ACTOR, quarter=q, seed=20260 + int(q[-1]), today=TODAY)
    yield reg
    reg.close()


# -- the generator -------------------------------------------------------------------------------
def test_bulk_path_gives_exactly_the_rows_of_the_public_api(tmp_path: Path) -> None:
    exports = []
    for bulk in (False, True):
        with Register(_new_db(f"sqlite:///{tmp_path / f'b{bulk}.db'}")) as reg:
            generate(reg, PLANS, start=START, months=4, seed=5, bulk=bulk)
            exports.append(_export(reg))
    api, bulk_rows = exports
    assert api == bulk_rows
    tables = {r["tabel"] for r in api}
    assert {"routings", "decisions", "meetings", "meeting_items", "outcomes"} <= tables


def test_same_seed_same_register_other_seed_other_register(tmp_path: Path) -> None:
    def run(name: str, seed: int) -> list[dict[str, Any]]:
        with Register(_new_db(f"sqlite:///{tmp_path / name}")) as reg:
            generate(reg, PLANS, start=START, months=3, seed=seed, bulk=True)
            return _export(reg)

    first = run("a.db", 9)
    assert run("b.db", 9) == first
    assert run("c.db", 10) != first


def test_the_bulk_generator_is_deterministic_including_item_keys(tmp_path: Path) -> None:
    """Same seed: the whole export is identical apart from the wall-clock columns, agenda item
    keys included (derived from the seed on the bulk path)."""

    def run(name: str, seed: int) -> list[dict[str, Any]]:
        with Register(_new_db(f"sqlite:///{tmp_path / name}")) as reg:
            generate(reg, PLANS, start=START, months=3, seed=seed, bulk=True)
            return [{k: v for k, v in row.items() if k not in WALL_CLOCK} for row in reg.export()]

    first = run("a.db", 9)
    keys = [r["item_key"] for r in first if r["tabel"] == "meeting_items"]
    assert keys
    assert all(re.fullmatch(r"[0-9a-f]{32}", k) for k in keys)
    assert len(set(keys)) == len(keys)
    assert run("b.db", 9) == first
    assert {r["item_key"] for r in run("c.db", 10) if r["tabel"] == "meeting_items"}.isdisjoint(keys)


def test_the_history_has_the_volumes_and_irregularities_it_promises(town: Register) -> None:
    with town.engine.connect() as conn:
        per_month = conn.execute(select(routings.c.routed_on)).scalars().all()
        months: dict[tuple[int, int], int] = defaultdict(int)
        for day in per_month:
            months[(day.year, day.month)] += 1
        assert set(months.values()) == {53}  # 50 new interventions + 3 placements a month
        rows = [dict(r) for r in conn.execute(select(decisions)).mappings()]
        items = conn.execute(select(meeting_items.c.ready)).scalars().all()
    assert any(r["kompetenceoverskridelse"] for r in rows)
    assert any(r["corrects_id"] is not None and "Ophørt" in r["note"] for r in rows)
    assert any(r["corrects_id"] is not None and "Rettelse" in r["note"] for r in rows)
    assert any(r["expected_end"] is None and r["outcome"] != "afslået" for r in rows)
    assert any(r["source"] == "udvalg" for r in rows)
    assert False in items
    assert True in items
    codes = PLANS.latest.inputs[PLANS.latest.meta.paragraph_input].values or {}
    assert all(r["paragraph"] in codes for r in rows)


def test_the_generator_refuses_a_register_with_decisions(town: Register) -> None:
    with pytest.raises(Exception, match="ikke tomt"):
        generate(town, PLANS, start=START, months=1, seed=1)


# -- the draw ------------------------------------------------------------------------------------
def test_quarter_dates_are_the_plan_dates_and_the_three_months_before() -> None:
    assert quarter_dates(CONFIG, "2026Q4") == (dt.date(2026, 12, 1), dt.date(2026, 9, 1), dt.date(2026, 11, 30))
    assert quarter_dates(CONFIG, "2027Q1") == (dt.date(2027, 3, 1), dt.date(2026, 12, 1), dt.date(2027, 2, 28))
    for bad in ("2026Q5", "2026-4", "Q4", "", "26Q4"):
        with pytest.raises(TilsynError, match="kvartal"):
            parse_quarter(bad)


def test_the_population_and_the_sample_can_be_recomputed_from_what_is_stored(town: Register) -> None:
    for q in QUARTERS:
        found = show(town, q)
        assert found is not None
        with town.engine.connect() as conn:
            corrected = set(conn.execute(select(decisions.c.corrects_id).where(decisions.c.corrects_id.is_not(None))).scalars())
            rows = [
                dict(r) for r in conn.execute(select(decisions).where(decisions.c.decided_on >= found.period_start, decisions.c.decided_on <= found.period_end)).mappings() if r["id"] not in corrected
            ]
            stored = conn.execute(select(tilsyn_draws.c.population).where(tilsyn_draws.c.quarter == q)).scalar_one()
        ids = sorted(r["id"] for r in rows)
        assert stored == ids
        assert found.population_size == len(ids)
        assert found.population_fingerprint == hashlib.sha256("".join(f"{i}\n" for i in ids).encode()).hexdigest()
        strata: dict[tuple[str, str], list[int]] = defaultdict(list)
        for r in rows:
            track = "voksne" if r["paragraph"].startswith("sel-") else ("boern_handicap" if r["paragraph"] in ("bl-86", "bl-87") or r["team"] == "Team Handicap" else "boern_social")
            strata[(r["team"], track)].append(r["id"])
        expected = []
        for (team, track), members in sorted(strata.items()):
            members.sort()
            rng = random.Random(f"{found.seed}:{q}:{team}:{track}")
            expected += [(members[i], track) for i in sorted(rng.sample(range(len(members)), min(found.per_stratum, len(members))))]
        assert [(i["decision_id"], i["track"]) for i in found.items] == expected
        assert len(found.items) >= 4 * min(CONFIG.tilsyn.per_stratum, 1)


def test_a_quarter_is_drawn_once_and_shown_afterwards(town: Register, tmp_path: Path) -> None:
    with pytest.raises(TilsynError, match="allerede trukket") as err:
        draw(town, PLANS, CONFIG, actor=ACTOR, quarter="2026Q4", seed=1, today=TODAY)
    assert "--show" in err.value.render()
    runner = CliRunner()
    args = ["--db", town.url, "--config", str(CONFIG_PATH)]
    again = runner.invoke(main, ["tilsyn", "draw", "--quarter", "2026Q4", *args])
    assert again.exit_code == 2
    assert "Kvartalet er allerede trukket" in again.output
    assert "Traceback" not in again.output
    shown = runner.invoke(main, ["tilsyn", "draw", "--quarter", "2026Q4", "--show", "--format", "json", *args])
    data = json.loads(shown.output)
    assert data["seed"] == show(town, "2026Q4").seed
    assert shown.exit_code == (1 if any(r["status"] == "fejl" for i in data["items"] for r in i["results"]) else 0)
    missing = runner.invoke(main, ["tilsyn", "draw", "--quarter", "2025Q1", "--show", *args])
    assert missing.exit_code == 2
    assert "ikke trukket" in missing.output


def test_a_quarter_cannot_be_drawn_before_its_draw_date(town: Register) -> None:
    with pytest.raises(TilsynError, match="endnu"):
        draw(town, PLANS, CONFIG, actor=ACTOR, quarter="2027Q1", today=TODAY)


# -- the checks ----------------------------------------------------------------------------------
def _escalation_rank() -> int:
    plan = PLANS.latest
    return plan.rank(plan.meta.escalation_level)


def test_each_check_agrees_with_an_independent_reading_of_the_register(town: Register) -> None:
    with town.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(select(decisions).order_by(decisions.c.id)).mappings()]
        by_id = {r["id"]: r for r in rows}
        outcome_of = {o.decision_id: o for o in conn.execute(select(outcomes)).all() if o.decision_id is not None}
        items = {(i.meeting_id, i.item_key): i for i in conn.execute(select(meeting_items).order_by(meeting_items.c.id)).all()}
        seen: dict[tuple[str, str], int] = defaultdict(int)
        for d in rows:
            results = {r.code: r for r in til.run_checks(conn, PLANS, d)}
            assert set(results) == {c.code for c in til.CHECKS}
            # TIL-001: the plan has one version, unchanged: the register's own flag is the answer.
            assert results["TIL-001"].status == (til.FEJL if d["kompetenceoverskridelse"] else til.OK), d
            floor = PLANS.latest.floors.get(d["paragraph"], (-1, None))[0]
            committee = max(d["required_rank"], d["level_rank"], floor) >= _escalation_rank()
            chain, cur = [d["id"]], d
            while cur["corrects_id"] is not None:
                cur = by_id[cur["corrects_id"]]
                chain.append(cur["id"])
            outcome = next((outcome_of[i] for i in chain if i in outcome_of), None)
            if not committee:
                assert results["TIL-002"].status == results["TIL-003"].status == til.IKKE_RELEVANT
            elif outcome is None:
                assert (results["TIL-002"].status, results["TIL-003"].status) == (til.IKKE_EFTERPROEVET, til.FEJL)
            else:
                item = items[(outcome.meeting_id, outcome.item_key)]
                has_errors = any(f["severity"] == "fejl" for f in item.report["findings"])
                assert results["TIL-002"].status == (til.FEJL if has_errors else til.OK)
                assert results["TIL-003"].status == til.OK
            if d["outcome"] == "afslået":
                assert results["TIL-004"].status == til.IKKE_RELEVANT
            else:
                assert results["TIL-004"].status == (til.FEJL if d["expected_end"] is None else til.OK)
            for code, r in results.items():
                seen[(code, r.status)] += 1
    for code in ("TIL-001", "TIL-002", "TIL-003", "TIL-004"):  # the data exercise both outcomes
        assert seen[(code, til.FEJL)] > 0, code
        assert seen[(code, til.OK)] > 0, code


def test_an_unknown_plan_fingerprint_is_a_finding_never_a_pass(town: Register) -> None:
    with town.engine.connect() as conn:
        d = dict(conn.execute(select(decisions).where(decisions.c.kompetenceoverskridelse.is_(False)).limit(1)).mappings().one())
        results = {r.code: r for r in til.run_checks(conn, PLANS, {**d, "plan_fingerprint": "0" * 64})}
    assert results["TIL-001"].status == til.FEJL
    assert "ikke findes blandt planens kendte versioner" in results["TIL-001"].message


def test_a_decision_without_routing_or_submission_is_not_verified(tmp_path: Path) -> None:
    with Register(_new_db(f"sqlite:///{tmp_path / 'r.db'}")) as reg:
        rec = reg.record_decision(
            PLANS,
            case_ref="X-1",
            team="Team Nord",
            level="leder",
            actor=ACTOR,
            decided_on=dt.date(2026, 3, 2),
            outcome="bevilget",
            paragraph="bl-32-1-5",
            step=3,
            monthly_cost=9000,
            start=dt.date(2026, 3, 2),
            required_level="leder",
        )
        with reg.engine.connect() as conn:
            d = dict(conn.execute(select(decisions).where(decisions.c.id == rec.id)).mappings().one())
            results = {r.code: r for r in til.run_checks(conn, PLANS, d)}
    assert results["TIL-001"].status == til.IKKE_EFTERPROEVET
    assert results["TIL-004"].status == til.IKKE_EFTERPROEVET


def _insert_decision(reg: Register, **values: Any) -> dict[str, Any]:
    """A decision row written straight into the table, as an import or an older program could
    have stored it (the register's own writes may refuse it)."""
    plan = PLANS.latest
    row = {
        "corrects_id": None,
        "routing_id": None,
        "case_ref": "S-2026-0901",
        "team": "Team Nord",
        "decided_by": "ABC",
        "decided_on": dt.date(2026, 11, 10),
        "outcome": "bevilget",
        "step": 5,
        "monthly_cost": 40000,
        "start": dt.date(2026, 11, 10),
        "expected_end": dt.date(2027, 11, 10),
        "kompetenceoverskridelse": False,
        "plan_id": plan.meta.id,
        "plan_version": plan.meta.version,
        "plan_fingerprint": plan.fingerprint,
        "source": "manuel",
        "note": "",
        "recorded_at": dt.datetime(2026, 11, 10, 12, tzinfo=dt.UTC),
        **values,
    }
    row.setdefault("level_rank", plan.rank(row["level"]))
    row.setdefault("required_rank", plan.rank(row["required_level"]))
    with reg.engine.begin() as conn:
        key = conn.execute(decisions.insert().values(**row)).inserted_primary_key
        assert key is not None
        new_id = key[0]
        return dict(conn.execute(select(decisions).where(decisions.c.id == new_id)).mappings().one())


def test_a_section_47_decided_by_a_leader_is_a_breach_even_without_inputs(tmp_path: Path) -> None:
    """Law review 3, W3: a § 47 anbringelse recorded at leder with the typed required level leder
    and no routing was "ikke efterprøvet" (TIL-001) and "ikke relevant" (TIL-003). The decision row
    holds its paragraph and level, which by themselves breach barnets lov § 142, stk. 1."""
    with Register(_new_db(f"sqlite:///{tmp_path / 'w3.db'}")) as reg:
        d = _insert_decision(reg, level="leder", required_level="leder", paragraph="bl-47")
        with reg.engine.connect() as conn:
            results = {r.code: r for r in til.run_checks(conn, PLANS, d)}
    assert results["TIL-001"].status == til.FEJL
    assert "§ 142, stk. 1" in results["TIL-001"].message
    assert results["TIL-003"].status == til.FEJL  # it belonged to a committee: no indstilling is a fejl


def test_a_statutory_paragraph_decided_by_its_body_is_compared_with_the_plan_as_before(tmp_path: Path) -> None:
    """At or above the body the law is met; without inputs the plan's level stays unverified."""
    with Register(_new_db(f"sqlite:///{tmp_path / 'w3b.db'}")) as reg:
        d = _insert_decision(reg, level="boerne_og_ungeudvalg", required_level="boerne_og_ungeudvalg", paragraph="bl-47")
        with reg.engine.connect() as conn:
            results = {r.code: r for r in til.run_checks(conn, PLANS, d)}
    assert results["TIL-001"].status == til.IKKE_EFTERPROEVET


# -- the checklist -------------------------------------------------------------------------------
def test_answers_are_append_only_and_validated(tmp_path: Path) -> None:
    with Register(_new_db(f"sqlite:///{tmp_path / 'a.db'}")) as reg:
        generate(reg, PLANS, start=dt.date(2026, 9, 1), months=3, seed=2, bulk=True)
        draw(reg, PLANS, CONFIG, actor=ACTOR, quarter="2026Q4", seed=3, today=TODAY)
        first = record_answer(reg, CONFIG, "2026Q4", 1, "L-01", "nej", actor=ACTOR, comment="Sagen er ikke oplyst")
        second = record_answer(reg, CONFIG, "2026Q4", 1, "L-01", "ja", actor=ACTOR)
        assert second["corrects_id"] == first["id"]
        assert show(reg, "2026Q4").items[0]["answers"]["L-01"]["answer"] == "ja"
        with reg.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(tilsyn_answers)).scalar_one() == 2
        with pytest.raises(TilsynError) as err:
            record_answer(reg, CONFIG, "2026Q4", 999, "L-99", "måske", actor=ACTOR, comment="")
        fields = {p.where for p in err.value.problems}
        assert fields == {"--item", "--question", "--answer"}
        with pytest.raises(TilsynError, match="kan ikke gemmes"):
            record_answer(reg, CONFIG, "2026Q4", 1, "L-02", "nej", actor=ACTOR)
        with pytest.raises(PersonalDataError):
            record_answer(reg, CONFIG, "2026Q4", 1, "L-02", "nej", actor=ACTOR, comment="se 010203-1234")
        result = CliRunner().invoke(main, ["tilsyn", "answer", "--db", reg.url, "--config", str(CONFIG_PATH), "--quarter", "2026Q4", "--item", "2", "--question", "L-03", "--answer", "delvist"])
        assert result.exit_code == 0
        assert "Svar gemt" in result.output


# -- the report ----------------------------------------------------------------------------------
@given(st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
@examples(200)
def test_wilson_interval_contains_the_rate_and_is_symmetric(kn: tuple[int, int]) -> None:
    k, n = kn
    lo, hi = wilson(k, n)
    assert 0 <= lo <= k / n <= hi <= 1
    lo2, hi2 = wilson(n - k, n)
    assert lo == pytest.approx(1 - hi2)
    assert hi == pytest.approx(1 - lo2)


def test_wilson_matches_published_values() -> None:
    # 0 of 20: the upper 95 % Wilson bound is 16.1 %; 5 of 10: 23.7 % – 76.3 % (Newcombe 1998, table I style values).
    assert wilson(0, 20)[1] == pytest.approx(0.1611, abs=5e-4)
    assert wilson(5, 10) == pytest.approx((0.2366, 0.7634), abs=5e-4)


def _raw_counts(reg: Register, quarter: str) -> dict[str, Any]:
    """Counts made directly from the tilsyn tables with SQL, not with the report's code."""
    with reg.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT i.position, i.case_ref, i.team, r.code, r.status FROM tilsyn_results r JOIN tilsyn_items i ON i.id = r.item_id JOIN tilsyn_draws d ON d.id = i.draw_id WHERE d.quarter = :q"),
            {"q": quarter},
        ).all()
        answers = conn.execute(
            text(
                "SELECT a.item_id, a.question, a.answer FROM tilsyn_answers a JOIN tilsyn_items i ON i.id = a.item_id "
                "JOIN tilsyn_draws d ON d.id = i.draw_id WHERE d.quarter = :q AND a.id NOT IN (SELECT corrects_id FROM tilsyn_answers WHERE corrects_id IS NOT NULL)"
            ),
            {"q": quarter},
        ).all()
        n_items = conn.execute(text("SELECT count(*) FROM tilsyn_items i JOIN tilsyn_draws d ON d.id = i.draw_id WHERE d.quarter = :q"), {"q": quarter}).scalar_one()
        tracks: dict[str, int] = dict(
            conn.execute(text("SELECT i.track, count(*) FROM tilsyn_items i JOIN tilsyn_draws d ON d.id = i.draw_id WHERE d.quarter = :q GROUP BY i.track"), {"q": quarter}).tuples().all()
        )
    per_check: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    case_status: dict[tuple[int, str, str], set[str]] = defaultdict(set)
    for position, ref, team, code, status in rows:
        if status == "fejl":
            per_check[code][0] += 1
        if status in ("fejl", "ok"):
            per_check[code][1] += 1
        if status == "ikke_efterproevet":
            per_check[code][2] += 1
        case_status[(position, ref, team)].add(status)
    per_team: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for (_, _, team), statuses in case_status.items():
        for key in (team, SAMPLE_SHARE):
            if "fejl" in statuses:
                per_team[key][0] += 1
                per_team[key][1] += 1
            elif "ikke_efterproevet" in statuses:
                per_team[key][2] += 1
            else:
                per_team[key][1] += 1
    per_question: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for _, question, answer in answers:
        per_question[question][answer] += 1
    # The items each question is asked for: those of the tracks its checklist belongs to.
    asked = {q.id: sum(n for track, n in tracks.items() if q.applies_to(track) or track not in CONFIG.tracks) for q in CONFIG.checklist}
    return {"per_check": per_check, "per_team": per_team, "per_question": per_question, "items": n_items, "asked": asked}


def _table(markdown: str, title: str) -> dict[str, list[str]]:
    section = markdown.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line.strip("|").split(" | ") for line in section.splitlines() if line.startswith("| ") and not line.startswith("|  |")]
    return {cells[0].strip(): [c.strip() for c in cells[1:]] for cells in rows}


def _pct(k: int, n: int) -> str:
    return f"{100 * k / n:.1f} %".replace(".", ",")


def _check_report(reg: Register, quarter: str) -> None:
    raw = _raw_counts(reg, quarter)
    report = build_report(reg, CONFIG, quarter)
    md = render_markdown(report, CONFIG)
    checks_table = _table(md, "Kontroller (TIL)")
    for check in til.CHECKS:
        k, n, unverified = raw["per_check"][check.code]
        row = next(v for label, v in checks_table.items() if label.startswith(check.code))
        assert row[:2] == [str(k), str(n)], check.code
        assert row[4] == str(unverified), check.code
        if n:
            lo, hi = wilson(k, n)
            assert row[2] == _pct(k, n)
            assert row[3] == f"{_pct(round(lo * 1000), 1000)} – {_pct(round(hi * 1000), 1000)}"
        else:
            assert row[2] == "–"
            assert row[3] == "ingen efterprøvede sager"
        assert len([c for c in row[5].split(", ") if c != "–"]) == k
    teams_table = _table(md, "Sager med fejl i kontrollerne (TIL) pr. team")
    assert set(teams_table) == set(raw["per_team"]) or (not raw["items"] and set(teams_table) == {SAMPLE_SHARE})
    for team, (k, n, unverified) in raw["per_team"].items():
        assert teams_table[team][:2] == [str(k), str(n)], team
        assert teams_table[team][4] == str(unverified), team
    trend = _table(md, "Udvikling pr. kvartal (sager med fejl i kontrollerne)")
    for q, row in trend.items():
        other = _raw_counts(reg, q)["per_team"][SAMPLE_SHARE]
        assert row[:2] == [str(other[0]), str(other[1])], q
    assert quarter in trend
    checklist = _table(md, "Tjekliste (lederens gennemlæsning)")
    for question in CONFIG.checklist:
        row = next(v for label, v in checklist.items() if label.startswith(question.id))
        counts = raw["per_question"][question.id]
        answered = sum(counts.values())
        assert row[:5] == [str(counts["ja"]), str(counts["nej"]), str(counts["delvist"]), str(counts["ikke_relevant"]), str(raw["asked"][question.id] - answered)]
        faulty, verified = counts["nej"] + counts["delvist"], counts["ja"] + counts["nej"] + counts["delvist"]
        assert row[7] == (_pct(faulty, verified) if verified else "–"), question.id
    with reg.engine.connect() as conn:
        draw_row = conn.execute(select(tilsyn_draws).where(tilsyn_draws.c.quarter == quarter)).mappings().one()
        population = (
            conn.execute(select(func.count()).select_from(decisions).where(decisions.c.decided_on.between(draw_row["period_start"], draw_row["period_end"]))).scalar_one()
            - conn.execute(
                text("SELECT count(*) FROM decisions d WHERE d.decided_on BETWEEN :a AND :b AND d.id IN (SELECT corrects_id FROM decisions WHERE corrects_id IS NOT NULL)"),
                {"a": draw_row["period_start"], "b": draw_row["period_end"]},
            ).scalar_one()
        )
        tracks: dict[str, int] = dict(conn.execute(text("SELECT track, count(*) FROM tilsyn_items WHERE draw_id = :d GROUP BY track"), {"d": draw_row["id"]}).tuples().all())
    assert f"({population} afgørelser, fingeraftryk {draw_row['population_fingerprint'][:16]}" in md
    assert f"Stikprøve: {raw['items']} sager, højst {draw_row['per_stratum']} pr. team og spor, frø {draw_row['seed']}." in md
    for track, n in tracks.items():
        assert f"{CONFIG.tracks[track].label}: {n}" in md
    titles = re.findall(r"<title>(\d{4}Q\d): (\d+) af (\d+)</title>", md)
    assert titles == [(q, str(row[0]), str(row[1])) for q, row in trend.items() if row[1] != "0"]
    page = render_html(report, CONFIG)
    assert page.count("<svg") == 1
    assert "@media print" in page
    assert not re.search(r"(src|href)=", page)  # nothing loaded from elsewhere
    for check in til.CHECKS:
        k, n, _ = raw["per_check"][check.code]
        assert f"<td>{k}</td><td>{n}</td>" in page


def test_every_figure_of_the_report_matches_the_raw_rows(town: Register) -> None:
    record_answer(town, CONFIG, "2026Q4", 1, "L-01", "ja", actor=ACTOR)
    record_answer(town, CONFIG, "2026Q4", 2, "L-01", "nej", actor=ACTOR, comment="Mangler oplysninger")
    record_answer(town, CONFIG, "2026Q4", 2, "L-01", "delvist", actor=ACTOR, comment="Delvist oplyst")
    record_answer(town, CONFIG, "2026Q4", 3, "L-05", "ikke_relevant", actor=ACTOR)
    for q in QUARTERS:
        _check_report(town, q)


def test_report_cli_writes_markdown_and_html(town: Register, tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["tilsyn", "report", "--db", town.url, "--config", str(CONFIG_PATH), "--quarter", "2026Q4"]
    md = runner.invoke(main, base)
    assert md.exit_code == 0
    assert md.output.startswith("# Ledelsestilsyn 2026Q4")
    out = tmp_path / "r.html"
    page = runner.invoke(main, [*base, "--format", "html", "--output", str(out)])
    assert page.exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    missing = runner.invoke(main, ["tilsyn", "report", "--db", town.url, "--config", str(CONFIG_PATH), "--quarter", "2025Q1"])
    assert missing.exit_code == 2
    assert "ikke trukket" in missing.output
    assert "Traceback" not in missing.output


def test_a_bad_configuration_is_refused_naming_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "t.toml"
    bad.write_text(CONFIG_PATH.read_text(encoding="utf-8").replace('"Team Voksne" = "voksne"', '"Team Voksne" = "voksen"'), encoding="utf-8")
    with pytest.raises(TilsynError, match="konfiguration har fejl") as err:
        load_config(bad)
    assert "voksen" in err.value.render()
    with pytest.raises(TilsynError, match="kan ikke læses"):
        load_config(tmp_path / "findes-ikke.toml")


# -- both backends -------------------------------------------------------------------------------
def test_the_whole_tilsyn_on_each_backend(migrated_url: str) -> None:
    engine = make_engine(migrated_url)
    with engine.connect() as conn:
        insp = inspect(conn)
        for table in tilsyn_metadata.sorted_tables:
            assert {c["name"] for c in insp.get_columns(table.name)} == set(table.c.keys()), table.name
    engine.dispose()
    with Register(migrated_url) as reg:
        generate(reg, PLANS, start=dt.date(2026, 6, 1), months=6, seed=4, bulk=True)
        # Two leaders draw the same quarter at the same moment: one draw is stored, the other refused.
        outcomes_: list[object] = []

        def attempt(seed: int) -> None:
            try:
                outcomes_.append(draw(reg, PLANS, CONFIG, actor=ACTOR, quarter="2026Q3", seed=seed, today=TODAY))
            except TilsynError as exc:
                outcomes_.append(exc)

        threads = [threading.Thread(target=attempt, args=(s,)) for s in (1, 2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        refused = [o for o in outcomes_ if isinstance(o, TilsynError)]
        assert len(outcomes_) == 2
        assert len(refused) == 1
        assert "allerede trukket" in refused[0].render()
        with reg.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(tilsyn_draws)).scalar_one() == 1
        assert draw(reg, PLANS, CONFIG, actor=ACTOR, quarter="2026Q4", seed=8, today=TODAY).items
        with pytest.raises(TilsynError, match="allerede trukket"):
            draw(reg, PLANS, CONFIG, actor=ACTOR, quarter="2026Q4", seed=8, today=TODAY)
        record_answer(reg, CONFIG, "2026Q4", 1, "L-04", "nej", actor=ACTOR, comment="Varighed mangler")
        with reg.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(tilsyn_results)).scalar_one() == len(til.CHECKS) * conn.execute(select(func.count()).select_from(tilsyn_items)).scalar_one()
        _check_report(reg, "2026Q4")


# -- plan versions and the benchmark --------------------------------------------------------------
def _benchmark():
    import importlib.util

    spec = importlib.util.spec_from_file_location("tilsyn_benchmark", ROOT / "benchmarks" / "tilsyn.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_til001_uses_the_version_by_fingerprint_and_its_period(tmp_path: Path) -> None:
    bench = _benchmark()
    plans = load_plans(bench.history_plans(tmp_path / "plan"))
    old, new = plans.versions
    assert (old.meta.version, new.meta.version) == ("2021.1", "2026.1")
    assert old.fingerprint != new.fingerprint
    with Register(_new_db(f"sqlite:///{tmp_path / 'h.db'}")) as reg:
        generate(reg, plans, start=dt.date(2025, 11, 1), months=3, seed=6, bulk=True)
        with reg.engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(select(decisions).where(decisions.c.routing_id.is_not(None), decisions.c.kompetenceoverskridelse.is_(False))).mappings()]
            before = next(r for r in rows if r["decided_on"].year == 2025)
            after = next(r for r in rows if r["decided_on"].year == 2026)
            assert before["plan_fingerprint"] == old.fingerprint
            assert after["plan_fingerprint"] == new.fingerprint
            assert til.run_checks(conn, plans, before)[0].status == til.OK
            # The 2026 version's fingerprint on a 2025 decision: a version not in force that day.
            wrong = til.run_checks(conn, plans, {**before, "plan_fingerprint": new.fingerprint})[0]
            assert wrong.status == til.FEJL
            assert "ikke var i kraft" in wrong.message


def test_the_benchmark_runs_on_a_small_register(tmp_path: Path) -> None:
    bench = _benchmark()
    figures = bench.run(f"sqlite:///{tmp_path / 'b.db'}", 2, "medium", bench.history_plans(tmp_path / "plan"))
    assert figures["decisions"] > 0
    assert figures["sample"] > 0
    assert figures["population"] >= figures["sample"]


def test_cli_generate_draw_per_team_and_checks(tmp_path: Path) -> None:
    url = _new_db(f"sqlite:///{tmp_path / 'cli.db'}")
    runner = CliRunner()
    made = runner.invoke(main, ["tilsyn", "generate", "--db", url, "--years", "1", "--seed", "3", "--until", "2026-03-31"])
    assert made.exit_code == 0, made.output
    assert "perioden begynder 2026-01-01" in made.output
    assert "2026-01-01 – 2026-03-31" in made.output
    again = runner.invoke(main, ["tilsyn", "generate", "--db", url, "--until", "2026-03-31"])
    assert again.exit_code == 2
    assert "ikke tomt" in again.output
    assert "Traceback" not in again.output
    # 2026Q2 is drawn on 1 June; the history ends 31 March, so March is the population's only month.
    drawn = runner.invoke(main, ["tilsyn", "draw", "--db", url, "--config", str(CONFIG_PATH), "--quarter", "2026Q2", "--per-team", "2", "--format", "json"])
    assert drawn.exit_code in (0, 1), drawn.output
    data = json.loads(drawn.output)
    assert data["per_stratum"] == 2
    assert data["period_start"] == "2026-03-01"
    per_stratum: dict[tuple[str, str], int] = defaultdict(int)
    for item in data["items"]:
        per_stratum[(item["team"], item["track"])] += 1
        assert per_stratum[(item["team"], item["track"])] <= 2
    assert all(n == min(2, i["stratum_size"]) for i in data["items"] for key, n in per_stratum.items() if key == (i["team"], i["track"]))
    with Register(url) as reg, reg.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(tilsyn_items)).scalar_one() == len(data["items"])
    listed = runner.invoke(main, ["tilsyn", "checks"])
    assert all(c.code in listed.output for c in til.CHECKS)


_teams = st.sampled_from(["Team Nord", "Team Syd", "Team Handicap", "Team Voksne", "Team Ukendt"])
_paragraphs = st.sampled_from(["bl-32-1-5", "bl-86", "sel-85", "bl-46"])


@given(
    st.lists(st.tuples(_teams, _paragraphs), max_size=60),
    st.integers(1, 6),
    st.integers(0, 2**31 - 1),
    st.randoms(use_true_random=False),
)
@examples(150)
def test_the_sample_takes_min_k_n_from_every_stratum_whatever_the_order(rows: list[tuple[str, str]], k: int, seed: int, shuffler: random.Random) -> None:
    from kompetenceplan.tilsyn.draw import sample

    population: list[dict[str, Any]] = [{"id": i + 1, "team": team, "paragraph": paragraph} for i, (team, paragraph) in enumerate(rows)]
    drawn = sample(population, CONFIG, "2026Q4", seed, k)
    shuffled = list(population)
    shuffler.shuffle(shuffled)
    assert [(r["id"], t, n) for r, t, n in sample(shuffled, CONFIG, "2026Q4", seed, k)] == [(r["id"], t, n) for r, t, n in drawn]
    ids = [r["id"] for r, _, _ in drawn]
    assert len(ids) == len(set(ids))
    sizes: dict[tuple[str, str], int] = defaultdict(int)
    for r in population:
        sizes[(r["team"], CONFIG.track(r["team"], r["paragraph"]))] += 1
    got: dict[tuple[str, str], int] = defaultdict(int)
    for r, track, n in drawn:
        got[(r["team"], track)] += 1
        assert n == sizes[(r["team"], track)]
    assert dict(got) == {key: min(k, n) for key, n in sizes.items()}
    assert all(track == "ukendt" for r, track, _ in drawn if r["team"] == "Team Ukendt" and r["paragraph"] not in ("bl-86", "sel-85"))


def test_an_empty_quarter_reports_missing_data_never_zero_errors(tmp_path: Path) -> None:
    with Register(_new_db(f"sqlite:///{tmp_path / 'e.db'}")) as reg:
        generate(reg, PLANS, start=dt.date(2026, 9, 1), months=2, seed=2, bulk=True)
        # Population June – August: empty. Nothing is stored, so the quarter is not locked.
        with pytest.raises(TilsynError, match="ingen afgørelser at trække"):
            draw(reg, PLANS, CONFIG, actor=ACTOR, quarter="2026Q3", seed=1, today=TODAY)
        assert show(reg, "2026Q3", missing_ok=True) is None
        with pytest.raises(TilsynError, match="ikke trukket"):  # no report claims 0 % errors
            build_report(reg, CONFIG, "2026Q3")


# -- one way to name a quarter ----------------------------------------------------------------------
@given(st.integers(1900, 2999), st.integers(1, 4), st.sampled_from("Qq"))
def test_one_quarter_parser_for_both_tilsyn(year: int, n: int, q: str) -> None:
    from kompetenceplan.tilsyn import economy as eco
    from kompetenceplan.tilsyn.config import quarter_code

    text = f"{year}{q}{n}"
    assert parse_quarter(text) == (year, n)
    assert quarter_code(f" {text} ") == f"{year}Q{n}"
    period = eco.parse_quarter(text)
    assert period.code == f"{year}Q{n}"
    assert (period.first.year, (period.first.month - 1) // 3 + 1) == (year, n)
    assert period.last.month == 3 * n
    assert (period.last + dt.timedelta(days=1)).day == 1
    # the draw's population ends the day before the draw date, which lies in or after the quarter's start year
    draw_date, first, last = quarter_dates(CONFIG, text)
    assert first < last < draw_date
    assert draw_date.year == year


@given(st.text(max_size=12))
def test_a_bad_quarter_is_one_danish_error_in_both(text: str) -> None:
    from kompetenceplan.danish import DanishTextError, read_quarter
    from kompetenceplan.errors import CaseError
    from kompetenceplan.tilsyn import economy as eco

    try:
        year, n = read_quarter(text)
    except DanishTextError:
        pass
    else:
        assert eco.parse_quarter(text).code == f"{year}Q{n}"
        return
    with pytest.raises(TilsynError) as ledelse:
        parse_quarter(text)
    with pytest.raises(CaseError) as economy:
        eco.parse_quarter(text)
    assert ledelse.value.render() == economy.value.render()
    assert "Skriv fx --quarter 2026Q4" in ledelse.value.render()


def test_both_clis_refuse_a_bad_quarter_with_the_same_message_and_exit_2(tmp_path: Path) -> None:
    url = _new_db(f"sqlite:///{tmp_path / 'q.db'}")
    runner = CliRunner()
    outputs = []
    for args in (["tilsyn", "draw", "--config", str(CONFIG_PATH)], ["tilsyn", "report", "--config", str(CONFIG_PATH)], ["oekonomi", "report", "--plan", str(NYBORG)]):
        result = runner.invoke(main, [*args, "--db", url, "--quarter", "2026Q5"])
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output, result.output
        outputs.append(result.output.strip())
    assert len(set(outputs)) == 1
    assert "Ugyldigt kvartal" in outputs[0]


# -- the generator feeds the økonomisk tilsyn too -----------------------------------------------------
def test_the_economic_report_of_the_generated_town_matches_the_naive_count(town: Register) -> None:
    """The same generated municipality as the ledelsestilsyn tests (the module's `town`): every
    figure of the økonomisk report for 2026Q3 (with its months) against tests/test_economy.py's
    naive day-by-day count from the raw decision rows."""
    from kompetenceplan.tilsyn import economy as eco

    from .test_economy import check_report, naive_tables, periods_of

    with town.engine.connect() as conn:
        raw = [dict(r) for r in conn.execute(select(decisions).order_by(decisions.c.id)).mappings()]
    index = {r["id"]: i for i, r in enumerate(raw)}
    rows = [
        {k: r[k] for k in ("case_ref", "paragraph", "step", "outcome", "monthly_cost", "decided_on", "start", "expected_end")} | {"corrects": index.get(r["corrects_id"]) if r["corrects_id"] else None}
        for r in raw
    ]
    assert any(r["corrects"] is not None for r in rows)
    report = eco.build_report(town.engine, PLANS, eco.parse_quarter("2026Q3"), monthly=True, threshold=40_000)
    expected = naive_tables(rows, periods_of("2026Q3", True), 40_000, None)
    assert expected["Overblik"][0][1] != "0", "the generated town must exercise the report"
    check_report(eco.markdown(report), expected, "3. kvartal 2026", "40.000,00")


# -- error rates that count what the law counts (law review 3, L5) ---------------------------------
def _item(team: str, track: str, size: int, statuses: list[str], answers: dict[str, str] | None = None, position: int = 1) -> dict[str, Any]:
    return {
        "case_ref": f"S-{team}-{position}",
        "position": position,
        "team": team,
        "track": track,
        "stratum_size": size,
        "results": [{"code": f"TIL-00{i + 1}", "status": st, "message": ""} for i, st in enumerate(statuses)],
        "answers": {q: {"answer": a} for q, a in (answers or {}).items()},
    }


def test_the_checklist_answers_enter_the_error_rate_per_question_and_per_case(town: Register) -> None:
    """Before: a leader's nej never entered any error rate. Now a nej or delvist is an error of
    its question and of its case; a question of the track without an answer leaves the case
    unverified (shown apart, never as correct)."""
    found = show(town, "2026Q3")
    assert found is not None
    clean = next(i for i in found.items if til_status(i) == til.OK and i["track"] != "ukendt")
    position = clean["position"]
    before = build_report(town, CONFIG, "2026Q3")
    assert clean["case_ref"] + f" (nr. {position})" in before.per_case[-1].unverified_cases  # no answers yet
    for q in CONFIG.questions_for(clean["track"]):
        record_answer(town, CONFIG, "2026Q3", position, q.id, "ja", actor=ACTOR)
    verified = build_report(town, CONFIG, "2026Q3")
    ref = f"{clean['case_ref']} (nr. {position})"
    assert ref not in verified.per_case[-1].unverified_cases
    assert ref not in verified.per_case[-1].cases
    first = CONFIG.questions_for(clean["track"])[0]
    record_answer(town, CONFIG, "2026Q3", position, first.id, "nej", actor=ACTOR, comment="Mangler")
    after = build_report(town, CONFIG, "2026Q3")
    assert ref in after.per_case[-1].cases  # the leader's nej makes the case faulty
    rate = next(r for r in after.per_question if r.label.startswith(first.id))
    assert ref in rate.cases
    assert rate.k >= 1
    assert after.per_check == before.per_check  # the automatic checks are unchanged


def test_a_question_of_another_track_is_refused(tmp_path: Path) -> None:
    """The adults' tilsyn has its own checklist (the phases of voksenudredningsmetoden)."""
    with Register(_new_db(f"sqlite:///{tmp_path / 'q.db'}")) as reg:
        generate(reg, PLANS, start=dt.date(2026, 9, 1), months=3, seed=2, bulk=True)
        found = draw(reg, PLANS, CONFIG, actor=ACTOR, quarter="2026Q4", seed=3, today=TODAY)
        adult = next(i for i in found.items if i["track"] == "voksne")
        child = next(i for i in found.items if i["track"] == "boern_social")
        with pytest.raises(TilsynError) as err:
            record_answer(reg, CONFIG, "2026Q4", adult["position"], "L-03", "ja", actor=ACTOR)
        assert [p.where for p in err.value.problems] == ["--question"]
        assert "V-0" in err.value.problems[0].fix
        with pytest.raises(TilsynError):
            record_answer(reg, CONFIG, "2026Q4", child["position"], "V-03", "ja", actor=ACTOR)
        record_answer(reg, CONFIG, "2026Q4", adult["position"], "V-03", "ja", actor=ACTOR)
        # the whole checklist in one go (the pages' one form per case): the same rule, nothing stored
        with pytest.raises(TilsynError) as err:
            record_answers(reg, CONFIG, "2026Q4", child["position"], {"L-01": ("ja", ""), "V-03": ("ja", "")}, actor=ACTOR)
        assert [p.where for p in err.value.problems] == ["--question"]
        assert "L-01" in err.value.problems[0].fix
        assert "V-03" not in next(i for i in show(reg, "2026Q4").items if i["position"] == child["position"])["answers"]
        stored = record_answers(reg, CONFIG, "2026Q4", adult["position"], {q.id: ("ja", "") for q in CONFIG.questions_for("voksne")}, actor=ACTOR)
        assert {a["question"] for a in stored} == {q.id for q in CONFIG.questions_for("voksne")} - {"V-03"}  # V-03 unchanged: no new row


def test_every_adults_question_names_a_phase_of_voksenudredningsmetoden() -> None:
    """Udviklingsplan 2024-2028, afsnit 4.5.1: the adults' tilsyn follows VUM's phases."""
    adults = [q for q in CONFIG.questions_for("voksne") if q.tracks == ["voksne"]]
    assert len(adults) >= 6
    assert all(q.phase for q in adults)
    assert {q.phase for q in adults} >= {"Udredning", "Afgørelse og handleplan", "Opfølgning"}


def test_unverified_cases_are_their_own_figure_and_a_span_of_all_drawn() -> None:
    """Before: an unverified case simply left the denominator. Now the share of all drawn cases is
    shown as the span from 'every unverified correct' to 'every one faulty'."""
    from kompetenceplan.tilsyn.report import _case_rate

    items = [_item("A", "boern_social", 10, [s], position=i) for i, s in enumerate([til.FEJL, til.OK, til.OK, til.IKKE_EFTERPROEVET], 1)]
    rate = _case_rate("A", items, CONFIG)
    assert (rate.k, rate.n, rate.unverified) == (1, 3, 1)
    assert rate.span == (1 / 4, 2 / 4)


def test_the_municipality_rate_weights_each_stratum_by_its_population() -> None:
    """Two strata drawn 5 each: a big one (N = 95) without errors and a small one (N = 5) with
    all five faulty. The sample's share is 50 %; the municipality's is 5 %, and the small stratum,
    read whole, adds no uncertainty."""
    items = [_item("Stor", "boern_social", 95, [til.OK], position=i) for i in range(5)]
    items += [_item("Lille", "boern_social", 5, [til.FEJL], position=10 + i) for i in range(5)]
    estimate = stratified("x", items, CONFIG, til_status)
    assert estimate.value == pytest.approx(0.05)
    assert estimate.covered == 1.0
    assert estimate.verified == 10
    from kompetenceplan.tilsyn.report import _case_rate

    assert _case_rate("x", items, CONFIG).rate == 0.5
    lo, hi = estimate.interval  # type: ignore[misc]
    assert lo <= 0.05 <= hi
    assert hi < 0.5


@given(st.lists(st.tuples(st.integers(1, 60), st.integers(1, 6), st.integers(0, 6)), min_size=1, max_size=6))
def test_the_weighted_estimate_equals_an_independent_computation(strata: list[tuple[int, int, int]]) -> None:
    """Σ (N_h/N) k_h/n_h over the strata, and an interval that contains it."""
    items, expected_num, total = [], 0.0, 0
    for h, (size, drawn, faulty) in enumerate(strata):
        drawn = min(drawn, size)
        faulty = min(faulty, drawn)
        items += [_item(f"T{h}", "boern_social", size, [til.FEJL if i < faulty else til.OK], position=i) for i in range(drawn)]
        expected_num += size * faulty / drawn
        total += size
    estimate = stratified("x", items, CONFIG, til_status)
    assert estimate.value == pytest.approx(expected_num / total)
    assert estimate.value is not None
    assert estimate.interval is not None
    lo, hi = estimate.interval
    assert lo - 1e-12 <= estimate.value <= hi + 1e-12


def test_strata_without_a_verified_case_are_left_out_and_say_so() -> None:
    items = [_item("A", "boern_social", 30, [til.OK], position=1), _item("B", "boern_social", 70, [til.IKKE_EFTERPROEVET], position=2)]
    estimate = stratified("x", items, CONFIG, til_status)
    assert estimate.value == 0.0
    assert estimate.covered == pytest.approx(0.3)
    nothing = stratified("x", [items[1]], CONFIG, til_status)
    assert nothing.value is None
    assert nothing.interval is None


def test_wilson_share_at_a_whole_sample_size_is_wilson() -> None:
    assert wilson_share(5 / 10, 10) == wilson(5, 10)


def test_the_report_shows_the_weighted_rate_and_calls_the_plain_share_what_it_is(town: Register) -> None:
    report = build_report(town, CONFIG, "2026Q4")
    md = render_markdown(report, CONFIG)
    estimates = _table(md, "Kommunens fejlandel (vægtet med stratumstørrelser)")
    assert set(estimates) == {"Kontroller (TIL)", "Kontroller og tjekliste"}
    assert SAMPLE_SHARE in _table(md, "Sager med fejl i kontrollerne (TIL) pr. team")
    assert "I alt" not in md.split("## Kontrollernes grundlag")[0]


def test_the_checklist_and_the_checks_cite_what_the_statute_says() -> None:
    """Law review 3, C1-C3 and C6: follow-up is barnets lov § 95 (not § 101, which is ophør og
    hjemgivelse); the child's view is § 5, stk. 3-4 (not § 23); the investigation's deadline is
    § 20, stk. 3's 4 months (the one-year age is the municipality's own rule); the draw dates and
    "forventet varighed" are verified, so no [U] is left on them."""
    basis = {q.id: q.basis for q in CONFIG.checklist}
    assert "§ 95" in basis["L-07"]
    assert "§ 101" not in basis["L-07"]
    assert "§ 5, stk. 3-4" in basis["L-02"]
    assert "§ 23" not in basis["L-02"]
    assert "§ 20, stk. 3" in basis["L-03"]
    assert "[U]" not in basis["L-03"]
    assert "4 måneder" in CONFIG.question("L-03").question  # type: ignore[union-attr]
    assert "[U]" not in CONFIG.tilsyn.source
    assert "4.5.1" in CONFIG.tilsyn.source
    assert "[U]" not in til.CHECK_BY_CODE["TIL-004"].basis
    assert "§ 47, stk. 2" in til.CHECK_BY_CODE["TIL-004"].basis


def test_barnets_lov_is_cited_with_its_later_amendments() -> None:
    """C4: L 201 (2024-25) amended § 86 after LBK nr. 282 af 17/03/2025."""
    from kompetenceplan.law import LAWS

    assert LAWS["barnets_lov"] == "Barnets lov (LBK nr. 282 af 17/03/2025 med senere ændringer)"
