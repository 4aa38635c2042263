"""Every deadline rule of rules/nyborg-frister.toml on the day before, on and after its limit: the
scenario files in rules/nyborg/scenarier/frister/ (named as Danish sentences) give a case's events
and the expected limit; the meeting event is put on each of the three days. Calendar months
(month ends, leap years) and limits ending on a weekend or helligdag, as each rule's basis says."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kompetenceplan.frister.engine import LATE, MET, MISSED, OPEN, Deadline, Event, case_deadlines
from kompetenceplan.frister.rules import load_rules

from .conftest import NYBORG, ROOT

CONFIG = load_rules(ROOT / "rules" / "nyborg-frister.toml", __import__("kompetenceplan").load_plans(NYBORG))
FOLDER = ROOT / "rules" / "nyborg" / "scenarier" / "frister"
FILES = sorted(FOLDER.glob("*.toml"))


def _event(raw: dict[str, Any], n: int) -> Event:
    kind = raw["haendelse"]
    if kind == "afgoerelse":
        return Event(kind, raw["dato"], "SCENARIE", f"afgørelse {n}", paragraph=raw.get("paragraf"), outcome=raw["udfald"], start=raw.get("start", raw["dato"]), end=raw.get("slut"))
    return Event(kind, raw["dato"], "SCENARIE", f"hændelse {n}", art=raw.get("art"), paragraph=raw.get("paragraf"))


def _load(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _main(rule_id: str, events: list[Event], on: dt.date) -> Deadline | None:
    """The scenario's deadline: the one counted from the earliest day (a meeting event can start
    a deadline of its own, e.g. the next follow-up)."""
    rule = CONFIG.rule(rule_id)
    assert rule is not None, rule_id
    found = case_deadlines(rule, sorted(events, key=lambda e: e.order), on)
    return min(found, key=lambda d: (d.counted_from, d.due)) if found else None


def test_every_rule_has_a_scenario_and_every_scenario_a_rule() -> None:
    """No rule goes untested; a scenario naming an unknown rule is an error, not a skip."""
    named = {_load(f)["regel"] for f in FILES}
    assert named == {r.id for r in CONFIG.regler}


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_the_limit_and_the_three_days_around_it(path: Path) -> None:
    """The limit is the expected day; met the day before or on it is overholdt, the day after is
    overholdt for sent; not met, it is open (0 days left on the day) and overdue the day after."""
    sc = _load(path)
    frist: dt.date = sc["frist"]
    base = [_event(raw, n) for n, raw in enumerate(sc["haendelser"], 1)]
    for offset in (-1, 0, 1):
        on = frist + dt.timedelta(days=offset)
        d = _main(sc["regel"], base, on)
        if offset < 0:
            assert d is None or (d.status == OPEN and d.days_left(on) >= 1), (path.stem, d)
        elif offset == 0:
            assert d is not None, (path.stem, d)
            assert d.status == OPEN, (path.stem, d)
            assert d.days_left(on) == 0, (path.stem, d)
            assert d.due == frist, (path.stem, d)
        else:
            assert d is not None, (path.stem, d)
            assert d.status == MISSED, (path.stem, d)
            assert d.days_left(on) == -1, (path.stem, d)
            assert d.due == frist, (path.stem, d)
    for offset, expected in ((-1, MET), (0, MET), (1, LATE)):
        met_on = frist + dt.timedelta(days=offset)
        meeting = _event({**sc["opfyldes"], "dato": met_on}, 99)
        for seen_on in (frist + dt.timedelta(days=1), frist + dt.timedelta(days=40)):
            d = _main(sc["regel"], [*base, meeting], seen_on)
            assert d is not None, (path.stem, offset, d)
            assert d.due == frist, (path.stem, offset, d)
            assert d.status == expected, (path.stem, offset, d)
            assert d.met_on == met_on, (path.stem, offset, d)


def test_a_meeting_event_before_the_window_does_not_count() -> None:
    """A BFU finished before the receipt it answers cannot meet the deadline (no look-back for § 20)."""
    path = next(f for f in FILES if "afsluttet 4 måneder efter underretningen" in f.stem)
    sc = _load(path)
    base = [_event(raw, n) for n, raw in enumerate(sc["haendelser"], 1)]
    early = _event({**sc["opfyldes"], "dato": dt.date(2026, 3, 1)}, 99)
    d = _main(sc["regel"], [*base, early], dt.date(2026, 8, 1))
    assert d is not None
    assert d.status == MISSED
    assert d.met_on is None


def test_a_follow_up_deadline_lapses_when_the_intervention_ended_before_it() -> None:
    """§ 95: no follow-up is due for an indsats that ended before its limit (bortfalder)."""
    ended = Event("afgoerelse", dt.date(2026, 1, 20), "S", "afgørelse 1", paragraph="bl-32-1-5", outcome="bevilget", start=dt.date(2026, 2, 1), end=dt.date(2026, 3, 1))
    running = Event("afgoerelse", dt.date(2026, 1, 20), "S", "afgørelse 2", paragraph="bl-32-1-5", outcome="bevilget", start=dt.date(2026, 2, 1), end=None)
    rule = CONFIG.rule("BL-95-2")
    assert rule is not None
    assert case_deadlines(rule, [ended], dt.date(2026, 6, 1)) == []
    assert [d.status for d in case_deadlines(rule, [running], dt.date(2026, 6, 1))] == [MISSED]


def test_a_refused_decision_starts_no_plan_or_follow_up_deadline() -> None:
    """Only a granted placement or indsats needs a plan (§ 91) and follow-up (§ 95)."""
    refused = Event("afgoerelse", dt.date(2026, 1, 20), "S", "afgørelse 1", paragraph="bl-46", outcome="afslået", start=dt.date(2026, 1, 20))
    for rule_id in ("BL-91-2-46", "BL-95-2"):
        rule = CONFIG.rule(rule_id)
        assert rule is not None
        assert case_deadlines(rule, [refused], dt.date(2026, 12, 1)) == []


_KINDS = ["modtaget", "undersoegelse_startet", "undersoegelse_afsluttet", "foreloebig_vurdering", "opfoelgning", "plan_udarbejdet", "formandsafgoerelse", "formandsafgoerelse_godkendt", "afgoerelse"]
_ARTS = {"modtaget": "underretning", "undersoegelse_startet": "bfu", "undersoegelse_afsluttet": "bfu", "plan_udarbejdet": "barnets_plan"}


@st.composite
def _histories(draw: st.DrawFn) -> list[Event]:
    out = []
    for n in range(draw(st.integers(min_value=1, max_value=8))):
        kind = draw(st.sampled_from(_KINDS))
        day = dt.date(2026, 1, 1) + dt.timedelta(days=draw(st.integers(min_value=0, max_value=500)))
        paragraph = draw(st.sampled_from(["bl-32-1-3", "bl-46", "bl-47", "bl-50", "sel-85", None]))
        if kind == "afgoerelse":
            paragraph = paragraph or "bl-46"
            days = draw(st.none() | st.integers(min_value=0, max_value=400))
            end = None if days is None else day + dt.timedelta(days=days)
            out.append(Event(kind, day, "H", f"afgørelse {n}", paragraph=paragraph, outcome=draw(st.sampled_from(["bevilget", "afslået"])), start=day, end=end))
        else:
            out.append(Event(kind, day, "H", f"hændelse {n}", art=_ARTS.get(kind), paragraph=paragraph))
    return sorted(out, key=lambda e: e.order)


@given(_histories(), st.integers(min_value=0, max_value=600), st.integers(min_value=1, max_value=300))
def test_a_later_day_never_undoes_what_an_earlier_day_knew(history: list[Event], first: int, later: int) -> None:
    """For every rule: a deadline met in time stays met in time by the same event (a finished
    investigation can only bring a § 95 limit forward to a day after what was known); an overdue
    one stays missed or is met late; the days left are the limit minus the day."""
    on1 = dt.date(2026, 1, 1) + dt.timedelta(days=first)
    on2 = on1 + dt.timedelta(days=later)
    for rule in CONFIG.regler:
        before = {d.started_by.ref: d for d in case_deadlines(rule, history, on1)}
        after = {d.started_by.ref: d for d in case_deadlines(rule, history, on2)}
        for ref, d in before.items():
            assert d.days_left(on1) == (d.due - on1).days
            assert (d.status == MET) == (d.met_on is not None and d.met_on <= d.due)
            if d.status == MET:
                assert after[ref].status == MET, (rule.id, d, after[ref])
                assert after[ref].met_on == d.met_on, (rule.id, d, after[ref])
            if d.status == MISSED:
                assert ref not in after or after[ref].status in (MISSED, LATE), (rule.id, d, after.get(ref))
