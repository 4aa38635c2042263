"""Økonomisk tilsyn (issue 15): every figure of the report is checked against a second, naive
computation written here from the raw rows (day by day, with fractions), on SQLite and on a real
PostgreSQL; property tests for the invariants (totals agree across groupings, flows conserve
cases, months add up to the quarter)."""

from __future__ import annotations

import calendar
import datetime as dt
import json
import random
import re
from collections import Counter, defaultdict
from fractions import Fraction
from html.parser import HTMLParser
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import insert

from kompetenceplan.cli import main
from kompetenceplan.errors import CaseError
from kompetenceplan.plan import load_plans
from kompetenceplan.store.db import make_engine
from kompetenceplan.store.tables import decisions
from kompetenceplan.tilsyn import economy as eco

from .conftest import NYBORG, examples

PLANS = load_plans(NYBORG)
PLAN = PLANS.latest
MONTH_NAMES = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober", "november", "december"]

# -- deterministic test data -------------------------------------------------------------------
#: (paragraph code, steps it may have) — the plan's own ranges (rules/nyborg/input.toml).
PARAGRAPHS = [
    ("bl-32-1-2", [3]),
    ("bl-32-1-5", [2, 3]),
    ("bl-32-1-7", [3, 4, 5, 6]),
    ("bl-35", [1, 2, 3, 4, 5, 6]),
    ("bl-46", [4, 5, 6]),
    ("bl-47", [4, 5, 6]),
    ("bl-67", [4, 5, 6]),
    ("bl-62", [6]),
    ("bl-98-4", [4, 5, 6]),
    ("sel-85", [3, 4]),
    ("sel-108", [6]),
]
SECRET_INITIALS = "QXZ"
SECRET_NOTE = "Hemmelig note om familien"


def make_rows(seed: int, cases: int, year: int = 2026) -> list[dict[str, Any]]:
    """Decisions for ``cases`` cases over ``year`` and the year before: grants, refusals,
    open-ended and ended interventions, and corrections (``corrects`` = index of the row)."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    begin = dt.date(year - 1, 6, 1)
    span = (dt.date(year, 12, 31) - begin).days
    for c in range(cases):
        ref = f"S-{seed}-{c:04d}"
        for _ in range(rng.randint(1, 4)):
            code, steps = rng.choice(PARAGRAPHS)
            decided = begin + dt.timedelta(days=rng.randrange(span))
            start = decided + dt.timedelta(days=rng.choice([0, 0, 3, 17]))
            end = None if rng.random() < 0.35 else start + dt.timedelta(days=rng.randrange(0, 400))
            row: dict[str, Any] = {
                "case_ref": ref,
                "paragraph": code,
                "step": rng.choice(steps),
                "outcome": rng.choice(["bevilget", "bevilget", "bevilget", "bevilget med ændringer", "afslået"]),
                "monthly_cost": rng.choice([round(rng.uniform(500, 95_000), 2), float(rng.randrange(1000, 80_000, 500))]),
                "decided_on": decided,
                "start": start,
                "expected_end": end,
                "corrects": None,
            }
            rows.append(row)
            if rng.random() < 0.12:  # a correction: new cost or refused after all
                fixed = dict(row, corrects=len(rows) - 1, monthly_cost=round(row["monthly_cost"] * rng.choice([0.5, 1.1, 2.0]), 2))
                if rng.random() < 0.3:
                    fixed["outcome"] = "afslået"
                rows.append(fixed)
    return rows


def insert_rows(url: str, rows: list[dict[str, Any]]) -> list[int]:
    """Bulk-insert straight into the decisions table; returns the ids (row order)."""
    engine = make_engine(url)
    ids: list[int] = []
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    with engine.begin() as conn:
        for row in rows:
            values = {
                "corrects_id": None if row["corrects"] is None else ids[row["corrects"]],
                "case_ref": row["case_ref"],
                "team": "Team Syd",
                "level": "leder",
                "level_rank": 3,
                "decided_by": SECRET_INITIALS,
                "decided_on": row["decided_on"],
                "outcome": row["outcome"],
                "paragraph": row["paragraph"],
                "step": row["step"],
                "monthly_cost": row["monthly_cost"],
                "start": row["start"],
                "expected_end": row["expected_end"],
                "required_level": "leder",
                "required_rank": 3,
                "kompetenceoverskridelse": False,
                "plan_id": PLAN.meta.id,
                "plan_version": PLAN.meta.version,
                "plan_fingerprint": PLAN.fingerprint,
                "source": "import",
                "note": SECRET_NOTE,
                "recorded_at": now,
            }
            key = conn.execute(insert(decisions).values(**values)).inserted_primary_key
            assert key is not None
            ids.append(key[0])
    engine.dispose()
    return ids


# -- the naive second implementation ------------------------------------------------------------
def current_granted(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    corrected = {r["corrects"] for r in rows if r["corrects"] is not None}
    out = []
    for i, r in enumerate(rows):
        if i not in corrected and r["outcome"] in ("bevilget", "bevilget med ændringer"):
            out.append(dict(r, index=i))
    return out


def days(first: dt.date, last: dt.date):
    d = first
    while d <= last:
        yield d
        d += dt.timedelta(days=1)


def runs_on(r: dict[str, Any], d: dt.date) -> bool:
    return r["start"] <= d and (r["expected_end"] is None or d <= r["expected_end"])


def naive_cost(r: dict[str, Any], first: dt.date, last: dt.date) -> int:
    """Øre: per month, the sum of monthly/days-in-month over the days it runs, rounded half up."""
    per_month: dict[tuple[int, int], Fraction] = defaultdict(Fraction)
    oere = round(r["monthly_cost"] * 100)
    for d in days(first, last):
        if runs_on(r, d):
            per_month[(d.year, d.month)] += Fraction(oere, calendar.monthrange(d.year, d.month)[1])
    return sum(int(x + Fraction(1, 2)) for x in per_month.values())


def naive_active(r: dict[str, Any], first: dt.date, last: dt.date) -> bool:
    return any(runs_on(r, d) for d in days(first, last))


def kr(oere: int | None) -> str:
    if oere is None:
        return "–"
    s = f"{abs(oere) // 100:,}".replace(",", ".") + f",{abs(oere) % 100:02d}"
    return ("-" if oere < 0 else "") + s


def signed(oere: int | None) -> str:
    return "–" if oere is None else ("+" if oere > 0 else "") + kr(oere)


def section_of(code: str) -> tuple[int | None, int | None]:
    v = PLAN.inputs["paragraf"].values[code]  # type: ignore[index]
    return v.section, v.stk


def naive_type(code: str, step: int) -> str:
    section, stk = section_of(code)
    if section in (61, 62, 63):
        return "Sikret eller delvis lukket døgninstitution"
    if section in (46, 47, 49, 50, 67):
        return {4: "Netværksplejefamilie", 5: "Plejefamilie (almen, forstærket eller specialiseret)", 6: "Døgninstitution, opholdssted eller eget værelse"}.get(
            step, "Øvrige indsatser (ikke anbringelse)"
        )
    if section == 98 and stk == 4:
        return "Ændring af anbringelsessted (§ 98, stk. 4)"
    return "Øvrige indsatser (ikke anbringelse)"


TYPE_ORDER = [
    "Sikret eller delvis lukket døgninstitution",
    "Netværksplejefamilie",
    "Plejefamilie (almen, forstærket eller specialiseret)",
    "Døgninstitution, opholdssted eller eget værelse",
    "Ændring af anbringelsessted (§ 98, stk. 4)",
]


def step_label(code: str, step: int) -> tuple[tuple[str, int], str]:
    area = PLAN.inputs["paragraf"].values[code].implies["omraade"]  # type: ignore[index]
    area_label = PLAN.inputs["omraade"].values[area].label  # type: ignore[index]
    name = next(s.name for s in PLAN.ladder if s.area == area and s.step == step)
    return (area, step), f"{area_label}, trin {step}: {name}"


def label_of(first: dt.date, last: dt.date) -> str:
    if first.month == last.month:
        return f"{MONTH_NAMES[first.month - 1]} {first.year}"
    return f"{(first.month - 1) // 3 + 1}. kvartal {first.year}"


def previous_of(first: dt.date, last: dt.date) -> tuple[dt.date, dt.date]:
    end = first - dt.timedelta(days=1)
    if first.month == last.month:
        return end.replace(day=1), end
    start_month = end.month - 2
    return dt.date(end.year, start_month, 1), end


def naive_tables(rows: list[dict[str, Any]], periods: list[tuple[dt.date, dt.date]], threshold: float, payments: list[dict[str, Any]] | None) -> dict[str, list[list[str]]]:  # noqa: C901 - the oracle: the docs' definition step by step, not factored like the code it checks
    live = current_granted(rows)
    known_refs = {r["case_ref"] for r in rows}
    tables: dict[str, list[list[str]]] = {}
    overview = []
    for first, last in periods:
        name = label_of(first, last)
        active = [r for r in live if naive_active(r, first, last)]
        costs = {r["index"]: naive_cost(r, first, last) for r in active}
        total = sum(costs.values())
        line = [name, str(len(active)), kr(total)]
        # by step
        steps: dict[tuple[str, int], list[int]] = {}
        labels: dict[tuple[str, int], str] = {}
        for r in active:
            key, text = step_label(r["paragraph"], r["step"])
            labels[key] = text
            steps.setdefault(key, []).append(costs[r["index"]])
        tables[f"{name}: efter trin"] = [[labels[k], str(len(v)), kr(sum(v))] for k, v in sorted(steps.items())] + [["I alt", str(len(active)), kr(total)]]
        paragraphs: dict[str, list[int]] = {}
        for r in active:
            paragraphs.setdefault(r["paragraph"], []).append(costs[r["index"]])
        par_label = {code: PLAN.inputs["paragraf"].values[code].label for code in paragraphs}  # type: ignore[index]
        tables[f"{name}: efter paragraf"] = [[par_label[k], k, str(len(v)), kr(sum(v))] for k, v in sorted(paragraphs.items())] + [["I alt", "", str(len(active)), kr(total)]]
        types: dict[str, list[int]] = {}
        for r in active:
            types.setdefault(naive_type(r["paragraph"], r["step"]), []).append(costs[r["index"]])
        order = [*TYPE_ORDER, "Øvrige indsatser (ikke anbringelse)"]
        tables[f"{name}: efter anbringelsestype"] = [[t, str(len(types[t])), kr(sum(types[t]))] for t in order if t in types] + [["I alt", str(len(active)), kr(total)]]
        # movements
        p_first, p_last = previous_of(first, last)

        def highest(day: dt.date) -> dict[str, int]:
            out: dict[str, int] = {}
            for r in live:
                if runs_on(r, day):
                    out[r["case_ref"]] = max(out.get(r["case_ref"], 0), r["step"])
            return out

        before, after = highest(p_last), highest(last)
        pairs = Counter((before.get(c), after.get(c)) for c in before.keys() | after.keys())
        states = sorted({s for pair in pairs for s in pair if s is not None}) + [None]
        lab = lambda s: "Ingen indsats" if s is None else f"Trin {s}"  # noqa: E731
        if pairs:
            matrix = [
                [lab(a), *(str(pairs.get((a, b), 0)) for b in states), str(sum(1 for c in before if before[c] == a) if a is not None else sum(1 for c in after if c not in before))] for a in states
            ]
            matrix.append(
                ["I alt", *(str(sum(1 for c in after if after[c] == b) if b is not None else sum(1 for c in before if c not in after)) for b in states), str(len(before.keys() | after.keys()))]
            )
            tables[f"{name}: bevægelser på indsatstrappen fra {label_of(p_first, p_last)}"] = matrix
        both = [c for c in before if c in after]
        tables[f"{name}: bevægelser i alt"] = [
            ["Op ad trappen", str(sum(1 for c in both if after[c] > before[c]))],
            ["Ned ad trappen", str(sum(1 for c in both if after[c] < before[c]))],
            ["Uændret trin", str(sum(1 for c in both if after[c] == before[c]))],
            ["Nye (ingen indsats før)", str(sum(1 for c in after if c not in before))],
            ["Afsluttede (ingen indsats nu)", str(sum(1 for c in before if c not in after))],
        ]
        # prices: mean monthly cost of active placements
        price_rows = []

        def mean(period_rows: list[dict[str, Any]]) -> int | None:
            if not period_rows:
                return None
            return int(Fraction(sum(round(r["monthly_cost"] * 100) for r in period_rows), len(period_rows)) + Fraction(1, 2))

        prev_active = [r for r in live if naive_active(r, p_first, p_last)]
        for t in [*TYPE_ORDER, "Alle anbringelser"]:

            def of_type(rs: list[dict[str, Any]], t: str = t) -> list[dict[str, Any]]:
                return [r for r in rs if (naive_type(r["paragraph"], r["step"]) == t if t != "Alle anbringelser" else naive_type(r["paragraph"], r["step"]) in TYPE_ORDER)]

            now_rows, old_rows = of_type(active), of_type(prev_active)
            m_now, m_old = mean(now_rows), mean(old_rows)
            change = None if m_now is None or m_old is None else m_now - m_old
            if change is None or not m_old:
                pct = "–"
            else:
                exact = Fraction(change * 1000, m_old)
                tenths = int(abs(exact) + Fraction(1, 2)) * (1 if exact >= 0 else -1)
                pct = ("+" if tenths > 0 else "-" if tenths < 0 else "") + f"{abs(tenths) // 10},{abs(tenths) % 10} %"
            price_rows.append([t, str(len(now_rows)), kr(m_now), str(len(old_rows)), kr(m_old), signed(change), pct])
        tables[f"{name}: prisudvikling efter anbringelsestype"] = price_rows
        if payments is not None:
            in_period = [p for p in payments if first <= p["paid_on"] <= last]
            paid_by: dict[str, int] = defaultdict(int)
            for p in in_period:
                paid_by[p["paragraph"]] += p["oere"]
            granted_by = {k: sum(v) for k, v in paragraphs.items()}
            codes = sorted(paid_by.keys() | granted_by.keys())
            labels_all = PLAN.inputs["paragraf"].values
            paid_total = sum(paid_by.values())
            tables[f"{name}: udbetalt mod bevilget"] = [
                [labels_all[k].label, k, kr(granted_by.get(k, 0)), kr(paid_by.get(k, 0)), signed(paid_by.get(k, 0) - granted_by.get(k, 0))]  # type: ignore[index]
                for k in codes
            ] + [["I alt", "", kr(total), kr(paid_total), signed(paid_total - total)]]
            line += [kr(paid_total), signed(paid_total - total)]
            unmatched = [p for p in in_period if p["case_ref"] not in known_refs]
            tables[f"{name}: udbetalt mod bevilget (note)"] = [[str(len(in_period)), str(len(unmatched)), kr(sum(p["oere"] for p in unmatched))]]
        overview.append(line)
    tables["Overblik"] = overview
    q_first, q_last = periods[0]
    above = [r for r in live if q_first <= r["decided_on"] <= q_last and round(r["monthly_cost"] * 100) >= round(threshold * 100)]
    above.sort(key=lambda r: (-round(r["monthly_cost"] * 100), r["decided_on"], r["case_ref"], r["index"]))
    tables["over tærsklen"] = [[r["case_ref"], r["decided_on"].isoformat(), r["paragraph"], str(r["step"]), kr(round(r["monthly_cost"] * 100))] for r in above]
    return tables


# -- reading the report back ------------------------------------------------------------------------
def markdown_tables(text: str) -> dict[str, list[list[str]]]:
    """Heading → table rows (header row dropped); notes under '<heading> (note)'."""
    out: dict[str, list[list[str]]] = {}
    heading = ""
    for line in text.splitlines():
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
            continue
        if line.startswith("|"):
            cells = md_cells(line)
            if all(set(c) <= set("-:") for c in cells):
                continue
            out.setdefault(heading, []).append(cells)
        elif line.strip():
            out.setdefault(heading + " (text)", []).append([line])
    return {k: (v[1:] if not k.endswith("(text)") else v) for k, v in out.items()}


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self.cell is not None:
            self.tables[-1][-1].append("".join(self.cell).strip())
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def html_tables(text: str) -> list[list[list[str]]]:
    p = _Tables()
    p.feed(text)
    return p.tables


def md_cells(line: str) -> list[str]:
    """A Markdown table row's cells as text: split on unescaped ``|``, backslash escapes removed (CommonMark)."""
    return [re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", c).strip() for c in re.split(r"(?<!\\)\|", line.strip().removeprefix("|").removesuffix("|"))]


def markdown_table_list(text: str) -> list[list[list[str]]]:
    tables: list[list[list[str]]] = []
    inside = False
    for line in text.splitlines():
        if line.startswith("|"):
            cells = md_cells(line)
            if all(set(c) <= set("-:") for c in cells):
                continue
            if not inside:
                tables.append([])
            tables[-1].append(cells)
            inside = True
        else:
            inside = False
    return tables


def check_report(text: str, expected: dict[str, list[list[str]]], quarter_label: str, threshold_text: str) -> None:
    got = markdown_tables(text)
    for heading, rows in expected.items():
        if heading == "over tærsklen":
            key = f"Afgørelser på eller over {threshold_text} kr. om måneden ({quarter_label})"
            assert got.get(key, []) == rows, heading
        elif heading.endswith("(note)"):
            (count, unmatched, amount) = rows[0]
            note = " ".join(line[0] for line in got[heading.replace("(note)", "(text)")])
            assert f"{count} betalinger i perioden." in note
            if unmatched != "0":
                assert f"{unmatched} betalinger ({amount} kr.) har en sagsreference, som registeret ikke kender." in note
            else:
                assert "Alle betalinger i perioden har en sagsreference" in note
        else:
            assert got.get(heading) == rows, heading
    # nothing in the report that the naive side did not expect (apart from the fixed tables)
    fixed = {"Anbringelsestyper"}
    for heading in got:
        if heading.endswith("(text)") or heading in fixed or heading.startswith("Afgørelser på eller over"):
            continue
        assert heading in expected, heading


# -- unit facts -------------------------------------------------------------------------------------
def test_quarters_months_and_previous_periods() -> None:
    q = eco.parse_quarter("2026Q1")
    assert (q.first, q.last, q.label, q.code) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31), "1. kvartal 2026", "2026Q1")
    assert [m.label for m in q.months()] == ["januar 2026", "februar 2026", "marts 2026"]
    assert (q.previous().first, q.previous().last) == (dt.date(2025, 10, 1), dt.date(2025, 12, 31))
    assert (q.months()[0].previous().first, q.months()[0].previous().last) == (dt.date(2025, 12, 1), dt.date(2025, 12, 31))
    assert eco.parse_quarter("2024q1").months()[1].last == dt.date(2024, 2, 29)
    for bad in ("2026Q5", "2026-4", "Q4", "", "26Q4", "5. kvartal 2026"):
        with pytest.raises(CaseError) as err:
            eco.parse_quarter(bad)
        assert "--quarter" in err.value.render()
        assert "2026Q4" in err.value.render()


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (dt.date(2026, 10, 1), None, 3 * 3_800_000),  # three whole months
        (dt.date(2026, 10, 10), None, 2_696_774 + 2 * 3_800_000),  # 22/31 of October
        (dt.date(2026, 7, 1), dt.date(2026, 11, 15), 3_800_000 + 1_900_000),  # half of November
        (dt.date(2026, 12, 31), dt.date(2026, 12, 31), 122_581),  # one day of December: 38000/31
        (dt.date(2027, 1, 1), None, 0),
    ],
)
def test_cost_is_prorated_by_days_per_month(start: dt.date, end: dt.date | None, expected: int) -> None:
    iv = eco.Intervention(1, "S-1", "bl-46", 5, 38000.0, start, end, start, "leder")
    assert iv.cost_oere(eco.parse_quarter("2026Q4")) == expected
    assert iv.cost_oere(eco.parse_quarter("2026Q4")) == naive_cost({"monthly_cost": 38000.0, "start": start, "expected_end": end}, dt.date(2026, 10, 1), dt.date(2026, 12, 31))


def test_placement_types_follow_the_law_and_the_step() -> None:
    cat = eco.Catalogue.of(PLANS, dt.date(2026, 12, 31))
    for code, steps in PARAGRAPHS:
        for step in steps:
            assert cat.placement(code, step).label == naive_type(code, step), (code, step)
    assert cat.placement("bl-61", 6).id == "sikret"
    assert cat.placement("ukendt-kode", 6) is eco.OTHER_TYPE
    assert cat.paragraph("ukendt-kode").label == "ukendt-kode (ukendt i planen)"
    for kind in eco.PLACEMENT_TYPES:
        assert "§" in kind.source
        assert "LBK nr. 282" in kind.source


# -- the report against the naive count, on both backends ------------------------------------------
def periods_of(code: str, monthly: bool) -> list[tuple[dt.date, dt.date]]:
    q = eco.parse_quarter(code)
    return [(q.first, q.last)] + ([(m.first, m.last) for m in q.months()] if monthly else [])


def test_every_figure_of_the_report_matches_an_independent_count(migrated_url: str) -> None:
    rows = make_rows(seed=7, cases=90)
    insert_rows(migrated_url, rows)
    engine = make_engine(migrated_url)
    try:
        report = eco.build_report(engine, PLANS, eco.parse_quarter("2026Q4"), monthly=True, threshold=40_000)
    finally:
        engine.dispose()
    md = eco.markdown(report)
    expected = naive_tables(rows, periods_of("2026Q4", True), 40_000, None)
    assert expected["Overblik"][0][1] != "0", "the test data must exercise the report"
    assert expected["over tærsklen"], "the test data must exercise the report"
    check_report(md, expected, "4. kvartal 2026", "40.000,00")
    assert "ingen importeret" in md
    # the HTML shows the same tables, and one chart per period
    page = eco.html(report)
    assert html_tables(page) == markdown_table_list(md)
    assert page.count("<svg") == 4
    assert "<title>Bevægelser på indsatstrappen fra september 2026 til oktober 2026</title>" in page
    assert "@media print" in page
    # no personal data: initials, notes and teams of the decisions never appear
    for text in (md, page, json.dumps(report.to_json(), ensure_ascii=False)):
        assert SECRET_INITIALS not in text
        assert SECRET_NOTE not in text
        assert "Team Syd" not in text


def test_json_report_has_the_same_totals(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    from kompetenceplan.store.db import upgrade

    engine = make_engine(url)
    upgrade(engine)
    rows = make_rows(seed=3, cases=40)
    insert_rows(url, rows)
    data = eco.build_report(engine, PLANS, eco.parse_quarter("2026Q3"), monthly=False).to_json()
    engine.dispose()
    live = current_granted(rows)
    first, last = dt.date(2026, 7, 1), dt.date(2026, 9, 30)
    active = [r for r in live if naive_active(r, first, last)]
    (period,) = data["perioder"]
    assert period["aktive"] == len(active)
    assert round(period["udgift"] * 100) == sum(naive_cost(r, first, last) for r in active)
    assert sum(r["antal"] for r in period["trin"]) == len(active)


def test_an_empty_register_says_data_is_missing_not_zero(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    result = CliRunner().invoke(main, ["db", "upgrade", "--db", url])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(main, ["oekonomi", "report", "--quarter", "2026Q4", "--db", url, "--plan", str(NYBORG)])
    assert result.exit_code == 0, result.output
    assert "ingen bevilgede indsatser, der er aktive i perioden" in result.output
    assert "manglende data" in result.output
    assert "Ingen aktive indsatser i registeret i perioden: manglende data, ikke nul udgift." in result.output
    assert "Ingen sager har en aktiv indsats" in result.output


# -- CLI ----------------------------------------------------------------------------------------
def test_cli_report_formats_output_and_errors(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade", "--db", url]).exit_code == 0
    rows = make_rows(seed=11, cases=30)
    insert_rows(url, rows)
    out = tmp_path / "tilsyn.html"
    result = runner.invoke(main, ["oekonomi", "report", "--quarter", "2026Q4", "--monthly", "--format", "html", "-o", str(out), "--db", url, "--plan", str(NYBORG), "--threshold", "30000"])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>")
    assert "Afgørelser på eller over 30.000,00 kr." in page
    result = runner.invoke(main, ["oekonomi", "report", "--quarter", "2026Q4", "--format", "json", "--db", url, "--plan", str(NYBORG)])
    assert result.exit_code == 0
    assert json.loads(result.output)["kvartal"] == "2026Q4"
    result = runner.invoke(main, ["oekonomi", "report", "--quarter", "2026-10", "--db", url, "--plan", str(NYBORG)])
    assert result.exit_code == 2
    assert "Ugyldigt kvartal" in result.output
    assert "Traceback" not in result.output
    unmigrated = f"sqlite:///{tmp_path / 'none.db'}"
    result = runner.invoke(main, ["oekonomi", "report", "--quarter", "2026Q4", "--db", unmigrated, "--plan", str(NYBORG)])
    assert result.exit_code == 2
    assert "kompetenceplan db upgrade" in result.output


# -- properties ---------------------------------------------------------------------------------
CAT = eco.Catalogue.of(PLANS, dt.date(2026, 12, 31))


# Built once: a strategy built inside each draw costs more than the property it feeds.
_PARAGRAPH = st.sampled_from(PARAGRAPHS)
_STEP = {code: st.sampled_from(steps) for code, steps in PARAGRAPHS}
_DURATION = st.one_of(st.none(), st.integers(0, 300))


@st.composite
def interventions(draw: Any) -> list[eco.Intervention]:
    n = draw(st.integers(0, 25))
    out = []
    for i in range(n):
        code, _ = draw(_PARAGRAPH)
        start = dt.date(2026, 1, 1) + dt.timedelta(days=draw(st.integers(0, 500)))
        days = draw(_DURATION)
        end = None if days is None else start + dt.timedelta(days=days)
        cost = draw(st.integers(0, 9_000_000)) / 100
        out.append(eco.Intervention(i, f"S-{draw(st.integers(0, 8))}", code, draw(_STEP[code]), cost, start, end, start, "leder"))
    return out


@examples(300)
@given(rows=interventions(), q=st.sampled_from(["2026Q1", "2026Q2", "2026Q3", "2026Q4", "2027Q1"]))
def test_totals_by_step_paragraph_and_placement_type_agree(rows: list[eco.Intervention], q: str) -> None:
    quarter = eco.parse_quarter(q)
    f = eco.period_figures(rows, quarter, CAT)
    for grouping in (f.by_step, f.by_paragraph, f.by_placement):
        assert sum(r.count for r in grouping) == f.active
        assert sum(r.cost_oere for r in grouping) == f.cost_oere
    assert f.active == sum(1 for r in rows if r.active_in(quarter))
    # the months add up to the quarter, to the øre
    months = [eco.period_figures(rows, m, CAT) for m in quarter.months()]
    assert sum(m.cost_oere for m in months) == f.cost_oere


@examples(300)
@given(rows=interventions(), q=st.sampled_from(["2026Q2", "2026Q3", "2026Q4"]))
def test_flows_conserve_cases(rows: list[eco.Intervention], q: str) -> None:
    after = eco.parse_quarter(q)
    before = after.previous()
    fl = eco.flow(rows, before, after)
    start, end = eco.highest_steps(rows, before.last), eco.highest_steps(rows, after.last)
    for state, n in Counter(start.values()).items():
        assert sum(c for (a, _), c in fl.matrix.items() if a == state) == n
    for state, n in Counter(end.values()).items():
        assert sum(c for (_, b), c in fl.matrix.items() if b == state) == n
    assert fl.up + fl.down + fl.same + fl.ended == len(start)
    assert fl.up + fl.down + fl.same + fl.new == len(end)
    assert (None, None) not in fl.matrix
    assert eco.flow_svg(fl).count("<path") == sum(1 for n in fl.matrix.values() if n)


def test_active_includes_both_boundary_days() -> None:
    q = eco.parse_quarter("2026Q4")
    ends_first_day = eco.Intervention(1, "S-1", "bl-46", 5, 31000.0, dt.date(2026, 9, 1), dt.date(2026, 10, 1), dt.date(2026, 9, 1), "leder")
    starts_last_day = eco.Intervention(2, "S-2", "bl-46", 6, 31000.0, dt.date(2026, 12, 31), None, dt.date(2026, 12, 31), "leder")
    ended_before = eco.Intervention(3, "S-3", "bl-46", 4, 31000.0, dt.date(2026, 9, 1), dt.date(2026, 9, 30), dt.date(2026, 9, 1), "leder")
    f = eco.period_figures([ends_first_day, starts_last_day, ended_before], q, CAT)
    assert (f.active, f.cost_oere) == (2, 2 * 100_000)  # one day each of 31000 kr. in a 31-day month
    assert eco.highest_steps([ends_first_day, starts_last_day, ended_before], dt.date(2026, 10, 1)) == {"S-1": 5}
    assert eco.highest_steps([ends_first_day, starts_last_day], dt.date(2026, 12, 31)) == {"S-2": 6}


def test_the_benchmark_data_is_valid_for_the_plan(tmp_path) -> None:
    """The benchmark measures realistic rows: paragraphs and steps the plan allows."""
    import importlib.util

    from .conftest import ROOT

    spec = importlib.util.spec_from_file_location("economy_bench", ROOT / "benchmarks" / "economy.py")
    bench = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(bench)  # type: ignore[union-attr]
    values = PLAN.inputs["paragraf"].values or {}
    for row in bench.rows(500):
        steps = values[row["paragraph"]].implies["trin"]
        assert row["step"] in steps, row["paragraph"]
        assert row["expected_end"] is None or row["expected_end"] >= row["start"]
    result = bench.measure(f"sqlite:///{tmp_path / 'b.db'}", 600)
    assert result["active"] > 0
    assert result["bytes"] > 0
