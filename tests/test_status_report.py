"""The status report to the Social- og Handicapudvalg: every figure of `frister.status.build_status`
checked against an independent, deliberately plain count of the raw rows (SQL rows as dicts, the
rule data read as data, month arithmetic and the holiday calendar written out here) on a generated
municipality with planted late cases; the renderings show those figures; the HR file is checked;
and `kompetenceplan status-rapport` writes Markdown, HTML and JSON."""

from __future__ import annotations

import datetime as dt
import json
import math
import statistics
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from kompetenceplan.actor import local_actor
from kompetenceplan.cli import main
from kompetenceplan.errors import CaseError
from kompetenceplan.frister.hr import HrError, parse_hr, read_hr
from kompetenceplan.frister.render import render_html, render_markdown, to_json
from kompetenceplan.frister.rules import Span, load_rules
from kompetenceplan.frister.status import build_status, previous, quarter_bounds
from kompetenceplan.plan import load_plans
from kompetenceplan.store import events
from kompetenceplan.store.db import make_engine, upgrade
from kompetenceplan.store.register import Register
from kompetenceplan.store.tables import case_events, decision_retractions, decisions, routings
from kompetenceplan.tilsyn.generate import generate

from .conftest import NYBORG, ROOT

PLANS = load_plans(NYBORG)
CONFIG = load_rules(ROOT / "rules" / "nyborg-frister.toml", PLANS)
HR_FILE = ROOT / "examples" / "hr" / "personale.csv"
TODAY = dt.date(2026, 11, 30)
QUARTER = "2026Q4"
ME = local_actor()

# Danish public holidays 2025-2029 as published (helligdagskalender), written out: the report's
# calendar module computes them from Easter; this list is the independent one.
HOLIDAYS = {
    dt.date(*d)
    for d in [
        (2025, 1, 1), (2025, 4, 17), (2025, 4, 18), (2025, 4, 20), (2025, 4, 21), (2025, 5, 29), (2025, 6, 8), (2025, 6, 9), (2025, 12, 25), (2025, 12, 26),
        (2026, 1, 1), (2026, 4, 2), (2026, 4, 3), (2026, 4, 5), (2026, 4, 6), (2026, 5, 14), (2026, 5, 24), (2026, 5, 25), (2026, 12, 25), (2026, 12, 26),
        (2027, 1, 1), (2027, 3, 25), (2027, 3, 26), (2027, 3, 28), (2027, 3, 29), (2027, 5, 6), (2027, 5, 16), (2027, 5, 17), (2027, 12, 25), (2027, 12, 26),
    ]
}  # fmt: skip
DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


# -- the planted cases ------------------------------------------------------------------------------
def _plant(reg: Register) -> None:
    """Late cases whose outcome is known by construction (besides the generator's own)."""
    rec = lambda **kw: events.record(reg, PLANS, ME, **kw, today=TODAY)  # noqa: E731
    # P-1: received 8 June (limits 8 October, in Q4); the BFU finished and the § 32 decision taken in November.
    rec(case_ref="P-1", team="Team Nord", kind="modtaget", art="underretning", occurred_on=dt.date(2026, 6, 8), paragraph="bl-32-1-3", advisor="ZZA")
    rec(case_ref="P-1", team="Team Nord", kind="undersoegelse_startet", art="bfu", occurred_on=dt.date(2026, 6, 10), advisor="ZZA")
    rec(case_ref="P-1", team="Team Nord", kind="undersoegelse_afsluttet", art="bfu", occurred_on=dt.date(2026, 11, 10))
    reg.record_decision(
        PLANS, actor=ME, case_ref="P-1", team="Team Nord", level="team", decided_on=dt.date(2026, 11, 12), outcome="bevilget",
        paragraph="bl-32-1-3", step=3, monthly_cost=6000, start=dt.date(2026, 11, 14), required_level="team",
    )  # fmt: skip
    # P-3: a second investigation, started after the first one finished, is still running (an active case).
    for kind, day in (
        ("modtaget", (2026, 2, 1)),
        ("undersoegelse_startet", (2026, 2, 2)),
        ("undersoegelse_afsluttet", (2026, 4, 1)),
        ("modtaget", (2026, 9, 28)),
        ("undersoegelse_startet", (2026, 10, 1)),
    ):
        art = "henvendelse" if kind == "modtaget" else "bfu"
        rec(case_ref="P-3", team="Team Syd", kind=kind, art=art, occurred_on=dt.date(*day), paragraph="bl-32-1-5" if kind == "modtaget" else None, advisor="ZZC")
    # P-2: a § 46 placement in July with no plan and no follow-up (both missed in Q4).
    rec(case_ref="P-2", team="Team Syd", kind="modtaget", art="ansoegning", occurred_on=dt.date(2026, 6, 1), paragraph="bl-46", advisor="ZZB")
    reg.record_decision(
        PLANS, actor=ME, case_ref="P-2", team="Team Syd", level="visitationsudvalg", decided_on=dt.date(2026, 7, 20), outcome="bevilget",
        paragraph="bl-46", step=5, monthly_cost=40000, start=dt.date(2026, 7, 20), required_level="visitationsudvalg",
    )  # fmt: skip


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Register]:
    """Eleven months of the generated municipality (SQLite) with the planted cases."""
    url = f"sqlite:///{tmp_path_factory.mktemp('status') / 'town.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    reg = Register(url)
    generate(reg, PLANS, start=dt.date(2026, 1, 1), months=11, seed=5, bulk=True)
    _plant(reg)
    yield reg
    reg.close()


@pytest.fixture(scope="module")
def hr() -> list[Any]:
    return read_hr(HR_FILE)


@pytest.fixture(scope="module")
def figures(town: Register, hr: list[Any]) -> Any:
    return build_status(town.engine, CONFIG, QUARTER, hr=hr, today=TODAY)


# -- the naive count ----------------------------------------------------------------------------------
def _months(day: dt.date, n: int) -> dt.date:
    total = day.year * 12 + day.month - 1 + n
    year, month = total // 12, total % 12 + 1
    last = 29 if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else DAYS_IN_MONTH[month - 1]
    return dt.date(year, month, min(day.day, last))


def _limit(day: dt.date, rule: Any) -> dt.date:
    span = rule.frist
    if span.maaneder is not None:
        out = _months(day, span.maaneder)
    else:
        n = span.dage if span.dage is not None else 7 * span.uger
        out = day + dt.timedelta(days=n - 1 if rule.medregn_startdag and n else n)
    while rule.helligdage == "naeste_hverdag" and (out.weekday() >= 5 or out in HOLIDAYS):
        out += dt.timedelta(days=1)
    while rule.helligdage == "forrige_hverdag" and (out.weekday() >= 5 or out in HOLIDAYS):
        out -= dt.timedelta(days=1)
    return out


def _codes_match(code: str | None, patterns: list[str]) -> bool:
    return code is not None and any(code == p or (p[-1] == "*" and code[: len(p) - 1] == p[:-1]) for p in patterns)


class Raw:
    """The register's rows as dicts, the current ones only (not corrected, withdrawn or retracted),
    known on a day."""

    def __init__(self, reg: Register) -> None:
        with reg.engine.connect() as conn:
            ev = [dict(r) for r in conn.execute(select(case_events)).mappings()]
            de = [dict(r) for r in conn.execute(select(decisions)).mappings()]
            self.routes = [dict(r) for r in conn.execute(select(routings)).mappings()]
            retracted = set(conn.execute(select(decision_retractions.c.decision_id)).scalars())
        corrected_ev = {r["corrects_id"] for r in ev}
        corrected_de = {r["corrects_id"] for r in de} | retracted
        self.ev = [dict(r, src=1, day=r["occurred_on"]) for r in ev if r["id"] not in corrected_ev and not r["withdrawn"]]
        self.de = [dict(r, src=0, day=r["decided_on"], kind="afgoerelse", art=None) for r in de if r["id"] not in corrected_de]

    def rows(self, on: dt.date) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in self.ev + self.de:
            if r["day"] <= on:
                out[r["case_ref"]].append(r)
        for rows in out.values():
            rows.sort(key=lambda r: (r["day"], r["src"], r["id"]))
        return out

    def team_and_advisor(self, on: dt.date) -> tuple[dict[str, str], dict[str, str | None]]:
        team, advisor = {}, {}
        for case, rows in self.rows(on).items():
            team[case] = rows[-1]["team"]
            named = [r for r in rows if r["src"] == 1 and r["advisor"]]
            routed = sorted((r for r in self.routes if r["case_ref"] == case and r["routed_on"] <= on), key=lambda r: (r["routed_on"], r["id"]))
            advisor[case] = named[-1]["advisor"] if named else routed[-1]["advisor"] if routed else None
        return team, advisor


def _selects(sel: Any, r: dict[str, Any]) -> bool:
    return (
        r["kind"] == sel.haendelse
        and (not sel.art or r["art"] in sel.art)
        and (not sel.paragraffer or _codes_match(r["paragraph"], sel.paragraffer))
        and (not sel.udfald or r.get("outcome") in sel.udfald)
    )


def _when(sel: Any, r: dict[str, Any]) -> dt.date:
    return r["start"] if sel.dato == "start" and r["src"] == 0 else r["day"]


def _runs(r: dict[str, Any], day: dt.date) -> bool:
    return r["src"] == 0 and r["outcome"] in ("bevilget", "bevilget med ændringer") and r["start"] <= day and (r["expected_end"] is None or day <= r["expected_end"])


def _before(day: dt.date, span: Span) -> dt.date:
    """``day`` moved back by ``span`` (exactly one of months, days or weeks)."""
    if span.maaneder is not None:
        return _months(day, -span.maaneder)
    if span.dage is not None:
        return day - dt.timedelta(days=span.dage)
    assert span.uger is not None  # a Span has exactly one of the three
    return day - dt.timedelta(days=7 * span.uger)


def naive_deadlines(raw: Raw, on: dt.date) -> list[dict[str, Any]]:  # noqa: C901 - the oracle: docs/frister.md step by step, not factored like the code it checks
    """Each rule's deadlines, recomputed from the rows as docs/frister.md defines them."""
    out = []
    for case, rows in raw.rows(on).items():
        for rule in CONFIG.regler:
            for start in rows:
                sel = next((s for s in rule.starter if _selects(s, start)), None)
                if sel is None or (rule.paragraffer and not _codes_match(start["paragraph"], rule.paragraffer)):
                    continue
                anchor = _when(sel, start)
                if anchor > on:
                    continue
                base = anchor
                if rule.regnes_fra:
                    earlier = [_when(rule.regnes_fra, r) for r in rows if _selects(rule.regnes_fra, r) and _when(rule.regnes_fra, r) <= anchor]
                    base = max(earlier) if earlier else anchor
                raw_limit = _limit(base, rule.model_copy(update={"helligdage": "ingen_forlaengelse"}))
                if rule.tidligere_ved:
                    sooner = [_when(rule.tidligere_ved, r) for r in rows if r is not start and _selects(rule.tidligere_ved, r) and _when(rule.tidligere_ved, r) >= anchor]
                    raw_limit = min([raw_limit, *sooner])
                limit = raw_limit
                while rule.helligdage == "naeste_hverdag" and (limit.weekday() >= 5 or limit in HOLIDAYS):
                    limit += dt.timedelta(days=1)
                first = _before(base, rule.tidligst) if rule.tidligst else base
                met = None
                for r in rows:
                    if r is start:
                        continue
                    msel = next((s for s in rule.opfyldes_af if _selects(s, r)), None)
                    if msel is None or not first <= _when(msel, r) <= on:
                        continue
                    if rule.samme_paragraf and start["paragraph"] and r["paragraph"] and r["paragraph"] != start["paragraph"]:
                        continue
                    if met is None or _when(msel, r) < met:
                        met = _when(msel, r)
                if met is None and rule.bortfalder_uden_aktiv_indsats:
                    pool = [start] if start["src"] == 0 else [r for r in rows if not rule.paragraffer or _codes_match(r["paragraph"], rule.paragraffer)]
                    if not any(_runs(r, limit) for r in pool):
                        continue
                status = ("overholdt" if met <= limit else "for_sent") if met else ("overskredet" if limit < on else "aaben")
                out.append({"rule": rule, "case": case, "due": limit, "status": status})
    return out


def naive_answered(raw: Raw, on: dt.date) -> list[dict[str, Any]]:
    out = []
    for case, rows in raw.rows(on).items():
        decs = [r for r in rows if r["src"] == 0]
        for rec in (r for r in rows if r["kind"] == "modtaget"):
            answer = next((d for d in decs if d["day"] >= rec["day"] and (rec["paragraph"] is None or d["paragraph"] == rec["paragraph"])), None)
            if answer is None:
                continue
            own = next((r for r in CONFIG.regler if not r.statutory and r.paragraffer and _codes_match(rec["paragraph"], r.paragraffer) and r.starter[0].haendelse == "modtaget"), None)
            due = _limit(rec["day"], own) if own else None
            out.append(
                {
                    "case": case,
                    "days": (answer["day"] - rec["day"]).days,
                    "decided": answer["day"],
                    "paragraph": answer["paragraph"],
                    "team": answer["team"],
                    "within": None if due is None else answer["day"] <= due,
                }
            )
    return out


def _p90(values: list[int]) -> int:
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def _area(paragraph: str | None) -> str | None:
    return "boern" if paragraph and paragraph.startswith("bl-") else "voksne" if paragraph and paragraph.startswith("sel-") else None


def naive_active(raw: Raw, on: dt.date) -> dict[str, str]:
    out = {}
    for case, rows in raw.rows(on).items():
        running = [r for r in rows if _runs(r, on)]
        open_investigation = False
        for art in ("bfu", "ungefaglig", "voksenudredning"):
            starts = [r["day"] for r in rows if r["kind"] == "undersoegelse_startet" and r["art"] == art]
            ends = [r["day"] for r in rows if r["kind"] == "undersoegelse_afsluttet" and r["art"] == art]
            open_investigation |= bool(starts) and all(e < max(starts) for e in ends)
        if running or open_investigation:
            source = running[-1] if running else next((r for r in reversed(rows) if r["paragraph"]), None)
            out[case] = _area(source["paragraph"] if source else None) or "ukendt"
    return out


# -- the tests ----------------------------------------------------------------------------------------
class TestAgainstTheNaiveCount:
    def test_the_history_has_planted_and_generated_late_cases(self, town: Register, figures: Any) -> None:
        """Not a vacuous check: missed deadlines of several rules, the planted cases among them."""
        by_rule = {r.rule: r for r in figures.rules}
        assert "P-1" in set(by_rule["NY-SAG-B32"].missed_cases) & set(by_rule["BL-20-3"].missed_cases)
        assert {"P-2"} <= set(by_rule["BL-91-2-46"].missed_cases) & set(by_rule["BL-95-2"].missed_cases)
        assert sum(1 for r in figures.rules if r.late + r.missed) >= 4
        assert figures.time_total.within < figures.time_total.with_frist

    def test_sagsbehandlingstid_per_team_area_and_group(self, town: Register, figures: Any) -> None:
        """n, median, 90th percentile and the share within the own frist, for every group."""
        _, start, end = quarter_bounds(QUARTER)
        items = [a for a in naive_answered(Raw(town), TODAY) if start <= a["decided"] <= end]

        def expect(selected: list[dict[str, Any]]) -> tuple[Any, ...]:
            days = [a["days"] for a in selected]
            judged = [a for a in selected if a["within"] is not None]
            return (len(days), statistics.median(days) if days else None, _p90(days) if days else None, len(judged), sum(1 for a in judged if a["within"]))

        got = lambda f: (f.n, f.median, f.p90, f.with_frist, f.within)  # noqa: E731
        assert got(figures.time_total) == expect(items)
        for f in figures.time_by_team:
            assert got(f) == expect([a for a in items if a["team"] == f.label]), f.label
        assert {f.label for f in figures.time_by_team} == {a["team"] for a in items}
        for f, key in zip(figures.time_by_area, CONFIG.omraader, strict=True):
            assert got(f) == expect([a for a in items if _area(a["paragraph"]) == key]), f.label
        for f, key in zip(figures.time_by_group, CONFIG.paragrafgrupper, strict=True):
            mine = [a for a in items if next((k for k, g in CONFIG.paragrafgrupper.items() if _codes_match(a["paragraph"], g.paragraffer)), None) == key]
            assert got(f) == expect(mine), f.label
        in_quarter = [r for r in Raw(town).de if start <= r["day"] <= end]
        answered = {(a["case"], a["decided"], a["paragraph"]) for a in items}
        assert figures.decisions_without_receipt == sum(1 for r in in_quarter if (r["case_ref"], r["day"], r["paragraph"]) not in answered)

    def test_deadlines_met_and_missed_by_rule_and_team(self, town: Register, figures: Any) -> None:
        """Every rule's overholdt / for sent / overskredet / åben, and the statutory ones per team."""
        _, start, end = quarter_bounds(QUARTER)
        raw = Raw(town)
        due = [d for d in naive_deadlines(raw, TODAY) if start <= d["due"] <= end]
        for fig in figures.rules:
            mine = [d for d in due if d["rule"].id == fig.rule]
            counts = tuple(sum(1 for d in mine if d["status"] == s) for s in ("overholdt", "for_sent", "overskredet", "aaben"))
            assert (fig.met, fig.late, fig.missed, fig.open) == counts, fig.rule
            assert set(fig.missed_cases) == {d["case"] for d in mine if d["status"] in ("for_sent", "overskredet")}
        team, _ = raw.team_and_advisor(TODAY)
        for fig in figures.deadlines_by_team:
            mine = [d for d in due if d["rule"].statutory and team.get(d["case"], "") == fig.rule]
            assert (fig.met, fig.late, fig.missed, fig.open) == tuple(sum(1 for d in mine if d["status"] == s) for s in ("overholdt", "for_sent", "overskredet", "aaben"))

    def test_caseload_per_advisor_and_area_against_the_target(self, town: Register, figures: Any) -> None:
        """Active cases per advisor and area on the report day, the averages and who is above target."""
        raw = Raw(town)
        active = naive_active(raw, figures.asof)
        _, advisor = raw.team_and_advisor(figures.asof)
        per: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for case, area in active.items():
            per[advisor.get(case) or "(ingen rådgiver)"][area] += 1
        assert {a.advisor: a.cases for a in figures.advisors} == {k: dict(v) for k, v in per.items()}
        for load in figures.areas:
            named = {k: v[load.area] for k, v in per.items() if load.area in v and k != "(ingen rådgiver)"}
            assert (load.advisors, load.cases) == (len(named), sum(v.get(load.area, 0) for v in per.values()))
            target = CONFIG.sagsstamme.maal.get(load.area)
            assert sorted(load.over_target) == sorted(k for k, n in named.items() if target is not None and n > target)
        assert {a.advisor for a in figures.advisors} >= {"ZZA", "ZZB", "ZZC"}

    def test_sickness_and_resignations_are_the_hr_systems(self, figures: Any, hr: list[Any]) -> None:
        """The quarter's rows as given; the total absence weighted by årsværk, resignations summed."""
        rows = [r for r in hr if r.quarter == QUARTER]
        assert figures.hr == rows
        weight = sum(r.fte for r in rows)
        assert figures.hr_total == {"sygefravaer_pct": round(sum(r.sickness_pct * r.fte for r in rows) / weight, 2), "fratraadte": sum(r.resignations for r in rows), "aarsvaerk": round(weight, 2)}

    def test_every_trend_point_is_its_quarters_own_count(self, town: Register, figures: Any, hr: list[Any]) -> None:
        """Eight quarters, each as of its own last day: medians, shares, caseload, sickness."""
        raw = Raw(town)
        assert [t.quarter for t in figures.trend] == previous(QUARTER, 8)
        for point in figures.trend:
            _, start, end = quarter_bounds(point.quarter)
            asof = min(end, TODAY)
            assert point.asof == asof.isoformat()
            items = [a for a in naive_answered(raw, asof) if start <= a["decided"] <= end]
            for area in CONFIG.omraader:
                days = [a["days"] for a in items if _area(a["paragraph"]) == area]
                assert point.median_days[area] == (statistics.median(days) if days else None), (point.quarter, area)
            judged = [a for a in items if a["within"] is not None]
            assert point.share_within == (sum(1 for a in judged if a["within"]) / len(judged) if judged else None)
            decided = [d for d in naive_deadlines(raw, asof) if start <= d["due"] <= end and d["rule"].statutory and d["status"] != "aaben"]
            assert point.share_met == (sum(1 for d in decided if d["status"] == "overholdt") / len(decided) if decided else None), point.quarter
            active = naive_active(raw, asof)
            _, advisor = raw.team_and_advisor(asof)
            for area in CONFIG.omraader:
                named = {advisor.get(c) for c, a in active.items() if a == area and advisor.get(c)}
                cases = sum(1 for a in active.values() if a == area)
                assert point.average_caseload.get(area) == (cases / len(named) if named else None) or (not named and area not in point.average_caseload), (point.quarter, area)
            quarter_hr = [r for r in hr if r.quarter == point.quarter]
            assert point.resignations == (sum(r.resignations for r in quarter_hr) if quarter_hr else None)


class TestRendering:
    def test_markdown_html_and_json_carry_the_figures(self, figures: Any) -> None:
        """The renderings show the computed figures (never other numbers), with the trend charts."""
        md, page, data = render_markdown(figures), render_html(figures), to_json(figures)
        assert md.startswith("# Statusrapport til Social- og Handicapudvalget – 4. kvartal 2026")
        assert page.startswith("<!DOCTYPE html>")
        assert page.count("<svg") == 4
        assert "<script" not in page
        assert data["sagsbehandlingstid"]["i_alt"]["n"] == figures.time_total.n
        assert json.loads(json.dumps(data, default=str))["frister"]["regel"][0]["rule"] == "BL-20-3"
        for r in figures.rules:
            assert f"| {r.met} | {r.late} | {r.missed} | {r.open} |" in md

    def test_an_unfinished_quarter_says_as_of_when(self, figures: Any) -> None:
        """On 30 November the fourth quarter is not over: the report says so."""
        assert not figures.complete
        assert "ikke afsluttet" in render_markdown(figures)

    def test_a_quarter_not_begun_is_refused(self, town: Register) -> None:
        """The first quarter of 2027 has no figures on 30 November 2026."""
        with pytest.raises(Exception, match="ikke begyndt"):
            build_status(town.engine, CONFIG, "2027Q1", today=TODAY)


class TestHrFile:
    def test_bad_lines_are_reported_by_line_and_column_and_nothing_is_used(self) -> None:
        """A bad percent, a bad count and a team twice: every problem, never the value."""
        data = b"kvartal;team;sygefravaer_pct;fratraadte\n2026Q4;Team Nord;5,2;1\n2026Q4;Team Syd;140;1\n2026Q4;Team Syd;4;to\n2026Q4;Team Nord;3;0\n"
        with pytest.raises(HrError) as caught:
            parse_hr(data, "hr.csv")
        where = [p.where for p in caught.value.problems]
        assert where == ["hr.csv, linje 3: sygefravaer_pct", "hr.csv, linje 4: fratraadte", "hr.csv, linje 5"]
        assert "140" not in caught.value.render()

    def test_an_unknown_column_is_refused(self) -> None:
        """A column the format does not have (a person's name, say) is refused, by position."""
        with pytest.raises(HrError, match="kolonne 3"):
            parse_hr(b"kvartal;team;navn;sygefravaer_pct;fratraadte\n", "hr.csv")


def test_the_cli_writes_the_report_in_each_format(town: Register, tmp_path: Path, monkeypatch) -> None:
    """`kompetenceplan status-rapport` on the generated town: Markdown, HTML to a file, JSON."""
    monkeypatch.chdir(ROOT)
    runner = CliRunner()
    base = ["status-rapport", "--db", town.url, "--quarter", QUARTER, "--on", TODAY.isoformat(), "--hr", str(HR_FILE)]
    md = runner.invoke(main, base)
    assert md.exit_code == 0, md.output
    assert "Sagsstamme" in md.output, md.output
    out = tmp_path / "status.html"
    assert runner.invoke(main, [*base, "--format", "html", "-o", str(out)]).exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    as_json = runner.invoke(main, [*base, "--format", "json"])
    assert as_json.exit_code == 0
    assert json.loads(as_json.output)["kvartal"] == QUARTER
    bad = runner.invoke(main, [*base[:-2], "--quarter", "2026Q5"])
    assert bad.exit_code == 2
    assert "Ugyldigt kvartal" in bad.stderr


def test_the_status_report_reads_a_quarter_as_the_tilsyn_does() -> None:
    """One reader of quarters (danish.read_quarter): "4. kvartal 2026" is the status report's
    2026Q4 as it is the ledelsestilsyn's; what is no quarter is refused with the same words."""
    assert quarter_bounds("4. kvartal 2026") == quarter_bounds("2026Q4") == ("2026Q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert quarter_bounds("K1 2027")[1:] == (dt.date(2027, 1, 1), dt.date(2027, 3, 31))
    with pytest.raises(CaseError) as refused:
        quarter_bounds("2026Q5")
    assert refused.value.title == "Ugyldigt kvartal."
