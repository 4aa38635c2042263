"""Økonomisk tilsyn: active interventions, cost, movements on the ladder and price development per
quarter and month, computed from the decision register (docs/oekonomisk-tilsyn.md).

Why it is long: the økonomisk tilsyn's report in three renderings (Markdown, HTML, JSON) of the same
sections; the definitions are in `economy_model`, the SQL sums in `figures`.

    report = build_report(engine, plans, parse_quarter("2026Q4"), monthly=True, threshold=50000)
    markdown(report) ; html(report) ; report.to_json()

Definitions (the documentation states them for the committee, `DEFINITIONS`):

- **Active in a period** [first, last]: a current decision (no later record corrects it) with
  outcome *bevilget* or *bevilget med ændringer*, ``start <= last`` and ``expected_end`` empty or
  ``>= first``. ``expected_end`` is the last day the intervention runs (inclusive).
- **Cost in a period**: for each calendar month of the period, ``monthly_cost`` × the days the
  intervention runs in that month / the days of the month, rounded half up to whole øre; the
  period's cost is the sum of its months. A whole month costs exactly ``monthly_cost``.
- **A case's step at a date**: the highest step among the case's interventions active on that
  date (start <= date <= expected_end or open). Movements compare it at the ends of two
  consecutive periods.
- **Placement type** (anbringelsestype): from the paragraph's law and § (read from the plan) and
  the ladder step, by `PLACEMENT_TYPES` (barnets lov § 43, stk. 1 and 3).

All money is computed in whole øre (integers), so every total is exact and the sums by step, by
paragraph and by placement type agree to the øre.
"""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from ..danish import format_date, format_oere, format_permille
from ..errors import PlanError
from ..markup import md
from ..plan.versions import PlanSet
from ..store.tables import decisions

# The definitions, split out for `figures`; re-exported here, where the report's users find them.
from .economy_model import (
    DEFAULT_THRESHOLD,
    PLACEMENT_TYPES,
    Catalogue,
    Flow,
    Intervention,
    Period,
    PeriodFigures,
    Price,
    Row,
    load_decided,
)
from .economy_model import OTHER_TYPE as OTHER_TYPE
from .economy_model import flow as flow
from .economy_model import highest_steps as highest_steps
from .economy_model import load_interventions as load_interventions
from .economy_model import month as month
from .economy_model import parse_quarter as parse_quarter
from .economy_model import period_figures as period_figures
from .economy_model import prices as prices
from .economy_model import quarter as quarter


# -- the report ---------------------------------------------------------------------------------
@dataclass
class PaidRow:
    key: str
    label: str
    granted_oere: int
    paid_oere: int


@dataclass
class Paid:
    """Payments (from the finance system) against the granted cost in one period."""

    period: Period
    granted_oere: int
    paid_oere: int
    count: int
    by_paragraph: list[PaidRow]
    unmatched_count: int  # payments whose case reference has no decision in the register
    unmatched_oere: int


@dataclass
class PeriodReport:
    figures: PeriodFigures
    flow: Flow
    prices: list[Price]
    paid: Paid | None


@dataclass
class EconomyReport:
    quarter: Period
    periods: list[PeriodReport]
    threshold_oere: int
    above_threshold: list[Intervention]
    catalogue: Catalogue
    plan_title: str
    payments_imported: int
    generated: dt.date = field(default_factory=dt.date.today)

    def to_json(self) -> dict[str, Any]:
        def row(r: Row) -> dict[str, Any]:
            return {"noegle": r.key, "tekst": r.label, "antal": r.count, "udgift": _kr(r.cost_oere)}

        out: dict[str, Any] = {"kvartal": self.quarter.code, "plan": self.plan_title, "taerskel": _kr(self.threshold_oere), "perioder": []}
        for pr in self.periods:
            f = pr.figures
            out["perioder"].append(
                {
                    "periode": f.period.code,
                    "fra": f.period.first.isoformat(),
                    "til": f.period.last.isoformat(),
                    "aktive": f.active,
                    "udgift": _kr(f.cost_oere),
                    "trin": [row(r) for r in f.by_step],
                    "paragraf": [row(r) for r in f.by_paragraph],
                    "anbringelsestype": [row(r) for r in f.by_placement],
                    "bevaegelser": {
                        "fra_periode": pr.flow.before.code,
                        "matrix": [{"fra": a, "til": b, "antal": n} for (a, b), n in sorted(pr.flow.matrix.items(), key=lambda kv: (_state_order(kv[0][0]), _state_order(kv[0][1])))],
                        "op": pr.flow.up,
                        "ned": pr.flow.down,
                        "uaendret": pr.flow.same,
                        "nye": pr.flow.new,
                        "afsluttede": pr.flow.ended,
                    },
                    "priser": [
                        {
                            "anbringelsestype": p.type_id,
                            "antal": p.count,
                            "gennemsnit": _kr(p.average_oere),
                            "forrige_antal": p.previous_count,
                            "forrige_gennemsnit": _kr(p.previous_average_oere),
                        }
                        for p in pr.prices
                    ],
                    "betalinger": None
                    if pr.paid is None
                    else {
                        "bevilget": _kr(pr.paid.granted_oere),
                        "udbetalt": _kr(pr.paid.paid_oere),
                        "antal": pr.paid.count,
                        "uden_afgoerelse": pr.paid.unmatched_count,
                        "uden_afgoerelse_beloeb": _kr(pr.paid.unmatched_oere),
                        "paragraf": [{"noegle": r.key, "bevilget": _kr(r.granted_oere), "udbetalt": _kr(r.paid_oere)} for r in pr.paid.by_paragraph],
                    },
                }
            )
        out["over_taerskel"] = [
            {"sagsreference": i.case_ref, "afgjort": i.decided_on.isoformat(), "paragraf": i.paragraph, "trin": i.step, "maanedlig_udgift": i.monthly_cost} for i in self.above_threshold
        ]
        return out


def _kr(oere: int | None) -> float | None:
    return None if oere is None else oere / 100


def _state_order(state: int | None) -> int:
    return 10**6 if state is None else state


def build_report(
    engine: Engine,
    plans: PlanSet,
    q: Period,
    *,
    monthly: bool = False,
    threshold: float = DEFAULT_THRESHOLD,
    today: dt.date | None = None,
) -> EconomyReport:
    """The economic supervision of quarter ``q`` (and its months with ``monthly``)."""
    from .figures import report_figures
    from .finance import payment_count, payment_sums

    periods = [q, *(q.months() if monthly else [])]
    cat = Catalogue.of(plans, q.last)
    payments_imported = payment_count(engine)
    paid_sums = payment_sums(engine, q.first, q.last) if payments_imported else []
    # every period's figures, movements and prices summed by the database (`tilsyn.figures`;
    # the definitions are period_figures, flow and prices, held equal by tests)
    figures, flows, price_lists = report_figures(engine, periods, cat)
    reports = []
    for n, period in enumerate(periods):
        paid = _paid_sums(figures[n], paid_sums, period, cat) if payments_imported else None
        reports.append(PeriodReport(figures[n], flows[n], price_lists[n], paid))
    threshold_oere = int(round(threshold * 100))
    plan = cat_plan_title(plans, q.last)
    return EconomyReport(q, reports, threshold_oere, load_decided(engine, q, threshold_oere / 100), cat, plan, payments_imported, generated=today or dt.date.today())


def cat_plan_title(plans: PlanSet, on: dt.date) -> str:
    try:
        plan = plans.in_force(on)
    except PlanError:
        plan = plans.latest
    return plan.title


def _known_cases(engine: Engine, refs: set[str]) -> set[str]:
    known: set[str] = set()
    ordered = sorted(refs)
    with engine.connect() as conn:
        for i in range(0, len(ordered), 500):
            chunk = ordered[i : i + 500]
            known |= {r[0] for r in conn.execute(select(decisions.c.case_ref).where(decisions.c.case_ref.in_(chunk)).distinct())}
    return known


def _paid_sums(figures: PeriodFigures, sums: Sequence[Any], period: Period, cat: Catalogue) -> Paid:
    """`_paid` from the database's sums per day and paragraph (`finance.payment_sums`)."""
    paid_by: dict[str, int] = defaultdict(int)
    count = unmatched = unmatched_oere = 0
    for s in sums:
        if period.first <= s.paid_on <= period.last:
            count += s.count
            paid_by[s.paragraph] += s.oere
            unmatched += s.unmatched_count
            unmatched_oere += s.unmatched_oere
    granted_by = {r.key: r.cost_oere for r in figures.by_paragraph}
    keys = sorted(granted_by.keys() | paid_by.keys())
    by_paragraph = [PaidRow(k, cat.paragraph(k).label, granted_by.get(k, 0), paid_by.get(k, 0)) for k in keys]
    return Paid(period, figures.cost_oere, sum(paid_by.values()), count, by_paragraph, unmatched, unmatched_oere)


def _paid(figures: PeriodFigures, rows: Sequence[Intervention], payments: Sequence[Any], known: set[str], period: Period, cat: Catalogue) -> Paid:
    paid_by: dict[str, int] = defaultdict(int)
    count = unmatched = unmatched_oere = 0
    for p in payments:
        if period.first <= p.paid_on <= period.last:
            count += 1
            paid_by[p.paragraph] += p.amount_oere
            if p.case_ref not in known:
                unmatched += 1
                unmatched_oere += p.amount_oere
    granted_by = {r.key: r.cost_oere for r in figures.by_paragraph}
    keys = sorted(granted_by.keys() | paid_by.keys())
    by_paragraph = [PaidRow(k, cat.paragraph(k).label, granted_by.get(k, 0), paid_by.get(k, 0)) for k in keys]
    return Paid(period, figures.cost_oere, sum(paid_by.values()), count, by_paragraph, unmatched, unmatched_oere)


# -- rendering ----------------------------------------------------------------------------------
def kr(oere: int | None) -> str:
    """Danish kroner with øre: 1.234.567,89 (`danish.format_oere`)."""
    return format_oere(oere)


def percent(permille: int | None) -> str:
    return format_permille(permille)


def signed_kr(oere: int | None) -> str:
    if oere is None:
        return "–"
    return ("+" if oere > 0 else "") + kr(oere)


def state_label(state: int | None) -> str:
    return "Ingen indsats" if state is None else f"Trin {state}"


def _date(day: dt.date) -> str:
    return format_date(day)


DEFINITIONS = (
    "**Aktiv indsats i en periode**: en gældende afgørelse (ikke rettet af en senere registrering) med udfaldet bevilget "
    "eller bevilget med ændringer, som er startet senest periodens sidste dag og har en forventet slutdato, der er tom "
    "eller tidligst periodens første dag. Slutdatoen regnes med.",
    "**Udgift i perioden**: for hver kalendermåned i perioden den månedlige udgift × de dage, indsatsen løber i måneden "
    "/ månedens dage, afrundet til hele øre; en hel måned koster præcis den månedlige udgift. Udgiften er den bevilgede, "
    "ikke den udbetalte.",
    "**Trin ved periodens slutning**: det højeste trin blandt sagens aktive indsatser på periodens sidste dag. "
    "Bevægelser sammenligner to på hinanden følgende perioder (kvartal mod forrige kvartal, måned mod forrige måned). "
    "Sager uden aktiv indsats på begge datoer tælles ikke.",
    "**Anbringelsestype**: udledt af paragraffens lov og § (fra planen) og trinnet efter tabellen i "
    "docs/oekonomisk-tilsyn.md (barnets lov § 43, stk. 1 og 3). Registeret kender ikke selve anbringelsesstedet; trin 6 "
    "dækker derfor døgninstitution, opholdssted og eget værelse under ét.",
    "**Gennemsnitlig månedlig udgift**: gennemsnittet af den månedlige udgift for de aktive anbringelser af typen i perioden.",
    "Sager vises kun med sagsreference; rapporten indeholder ingen personoplysninger.",
)


def _md_table(head: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    out = ["| " + " | ".join(md(h) for h in head) + " |", "|" + "|".join("---" if i == 0 else "---:" for i in range(len(head))) + "|"]
    out += ["| " + " | ".join(md(c) for c in row) + " |" for row in rows]  # values as text (`markup.md`)
    return out + [""]


#: A section of the report: heading level, title, table head and rows, note, and the movements the
#: section's flow chart draws (None: no chart).
Section = tuple[str, str, list[str], list[list[str]], str, Flow | None]


def sections(report: EconomyReport, date: Callable[[dt.date], str] = dt.date.isoformat) -> list[Section]:
    """Every section of the report, in order: the Markdown, the printable HTML and the page show
    the same (``date`` writes a decision's date)."""
    out: list[Section] = []
    overview_head = ["Periode", "Aktive indsatser", "Udgift (kr.)"]
    with_paid = any(pr.paid is not None for pr in report.periods)
    if with_paid:
        overview_head += ["Udbetalt (kr.)", "Forskel udbetalt − bevilget (kr.)"]
    overview = []
    for pr in report.periods:
        f = pr.figures
        line = [f.period.label, str(f.active), kr(f.cost_oere)]
        if pr.paid is not None:
            line += [kr(pr.paid.paid_oere), signed_kr(pr.paid.paid_oere - pr.paid.granted_oere)]
        overview.append(line)
    empty = all(pr.figures.active == 0 for pr in report.periods)
    note = "Registeret har ingen bevilgede indsatser, der er aktive i perioden. Tallene er ikke en opgørelse af nul udgift, men af manglende data." if empty else ""
    out.append(("h2", "Overblik", overview_head, overview, note, None))
    for pr in report.periods:
        f = pr.figures
        name = f.period.label
        out.append(("h2", f"{name[0].upper()}{name[1:]} ({_date(f.period.first)} – {_date(f.period.last)})", [], [], "", None))
        total = ["I alt", str(f.active), kr(f.cost_oere)]
        missing = "Ingen aktive indsatser i registeret i perioden: manglende data, ikke nul udgift." if f.active == 0 else ""
        out.append(("h3", f"{name}: efter trin", ["Trin", "Aktive indsatser", "Udgift (kr.)"], [[r.label, str(r.count), kr(r.cost_oere)] for r in f.by_step] + [total], missing, None))
        out.append(
            (
                "h3",
                f"{name}: efter paragraf",
                ["Paragraf", "Kode", "Aktive indsatser", "Udgift (kr.)"],
                [[r.label, r.key, str(r.count), kr(r.cost_oere)] for r in f.by_paragraph] + [["I alt", "", *total[1:]]],
                "",
                None,
            )
        )
        out.append(
            ("h3", f"{name}: efter anbringelsestype", ["Anbringelsestype", "Aktive indsatser", "Udgift (kr.)"], [[r.label, str(r.count), kr(r.cost_oere)] for r in f.by_placement] + [total], "", None)
        )
        fl = pr.flow
        states: list[int | None] = [*fl.states(), None]
        matrix_rows = []
        for a in states:
            cells = [str(fl.matrix.get((a, b), 0)) for b in states]
            matrix_rows.append([state_label(a), *cells, str(sum(fl.matrix.get((a, b), 0) for b in states))])
        matrix_rows.append(["I alt", *(str(sum(fl.matrix.get((a, b), 0) for a in states)) for b in states), str(sum(fl.matrix.values()))])
        flow_note = "Ingen sager har en aktiv indsats ved udgangen af de to perioder." if not fl.matrix else ""
        out.append(("h3", f"{name}: bevægelser på indsatstrappen fra {fl.before.label}", ["Fra \\ til", *(state_label(s) for s in states), "I alt"], matrix_rows if fl.matrix else [], flow_note, None))
        out.append(
            (
                "h3",
                f"{name}: bevægelser i alt",
                ["Bevægelse", "Sager"],
                [
                    ["Op ad trappen", str(fl.up)],
                    ["Ned ad trappen", str(fl.down)],
                    ["Uændret trin", str(fl.same)],
                    ["Nye (ingen indsats før)", str(fl.new)],
                    ["Afsluttede (ingen indsats nu)", str(fl.ended)],
                ],
                "",
                fl,
            )
        )
        out.append(
            (
                "h3",
                f"{name}: prisudvikling efter anbringelsestype",
                ["Anbringelsestype", "Antal", "Gns. månedlig udgift (kr.)", f"Antal {fl.before.label}", f"Gns. {fl.before.label} (kr.)", "Ændring (kr.)", "Ændring (%)"],
                [[p.label, str(p.count), kr(p.average_oere), str(p.previous_count), kr(p.previous_average_oere), signed_kr(p.change_oere), percent(p.change_permille)] for p in pr.prices],
                "– betyder, at der ingen aktive anbringelser af typen er at beregne et gennemsnit af.",
                None,
            )
        )
        if pr.paid is not None:
            paid = pr.paid
            paid_rows = [[r.label, r.key, kr(r.granted_oere), kr(r.paid_oere), signed_kr(r.paid_oere - r.granted_oere)] for r in paid.by_paragraph]
            paid_rows.append(["I alt", "", kr(paid.granted_oere), kr(paid.paid_oere), signed_kr(paid.paid_oere - paid.granted_oere)])
            unmatched = (
                f"{paid.unmatched_count} betalinger ({kr(paid.unmatched_oere)} kr.) har en sagsreference, som registeret ikke kender."
                if paid.unmatched_count
                else "Alle betalinger i perioden har en sagsreference, som registeret kender."
            )
            out.append(
                ("h3", f"{name}: udbetalt mod bevilget", ["Paragraf", "Kode", "Bevilget (kr.)", "Udbetalt (kr.)", "Forskel (kr.)"], paid_rows, f"{paid.count} betalinger i perioden. {unmatched}", None)
            )
    above = [[i.case_ref, date(i.decided_on), i.paragraph, str(i.step), kr(i.monthly_oere)] for i in report.above_threshold]
    out.append(
        (
            "h2",
            f"Afgørelser på eller over {kr(report.threshold_oere)} kr. om måneden ({report.quarter.label})",
            ["Sagsreference", "Afgjort", "Paragraf", "Trin", "Månedlig udgift (kr.)"],
            above,
            "" if above else "Ingen bevilgede afgørelser i kvartalet har en månedlig udgift på eller over tærsklen.",
            None,
        )
    )
    return out


def payments_line(report: EconomyReport) -> str:
    if report.payments_imported:
        return f"Betalinger fra økonomisystemet: {report.payments_imported} importeret i alt."
    return "Betalinger fra økonomisystemet: ingen importeret; udbetalt kan ikke sammenlignes med bevilget (kompetenceplan oekonomi import)."


def markdown(report: EconomyReport) -> str:
    lines = [
        f"# Økonomisk tilsyn – {report.quarter.label}",
        "",
        f"Plan: {md(report.plan_title)}. Dannet {_date(report.generated)} fra afgørelsesregisteret.",
        "",
        payments_line(report),
        "",
    ]
    for level, title, head, rows, note, movements in sections(report):
        lines += [("## " if level == "h2" else "### ") + title, ""]
        if head and rows:
            lines += _md_table(head, rows)
        if note:
            lines += [note, ""]
        if movements is not None:
            lines += ["Diagrammet over bevægelserne findes i HTML-udgaven (--format html).", ""]
    lines += ["## Definitioner", ""] + [f"- {d}" for d in DEFINITIONS] + ["", "## Anbringelsestyper", ""]
    lines += _md_table(PLACEMENT_HEAD, placement_rows())
    return "\n".join(lines).rstrip() + "\n"


PLACEMENT_HEAD = ["Anbringelsestype", "Paragraffer (§)", "Trin", "Kilde"]


def placement_rows() -> list[list[str]]:
    return [
        [
            t.label,
            ", ".join(str(s) for s in t.sections) + (f", stk. {t.stk}" if t.stk else ""),
            "alle" if t.steps is None else ", ".join(map(str, t.steps)),
            t.source + (f" {t.unverified}" if t.unverified else ""),
        ]
        for t in PLACEMENT_TYPES
    ]


_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #111; }
h1 { font-size: 1.6em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #999; } h3 { font-size: 1.05em; }
table { border-collapse: collapse; margin: .5em 0 1em; } th, td { border: 1px solid #bbb; padding: .25em .5em; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; } td.k { white-space: nowrap; } tr.total td { font-weight: bold; }
p.note { color: #333; font-style: italic; }
@media print { body { margin: 0; font-size: 10pt; } h2 { break-before: auto; } table, figure { break-inside: avoid; } a { color: inherit; } }
"""


def html(report: EconomyReport) -> str:
    e = html_lib.escape
    parts = [
        "<!doctype html>",
        '<html lang="da"><head><meta charset="utf-8">',
        f"<title>Økonomisk tilsyn – {e(report.quarter.label)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Økonomisk tilsyn – {e(report.quarter.label)}</h1>",
        f"<p>Plan: {e(report.plan_title)}. Dannet {e(_date(report.generated))} fra afgørelsesregisteret.</p>",
        f"<p>{e(payments_line(report))}</p>",
    ]
    for level, title, head, rows, note, movements in sections(report):
        parts.append(f"<{level}>{e(title)}</{level}>")
        if head and rows:
            parts.append(_html_table(head, rows))
        if note:
            parts.append(f'<p class="note">{e(note)}</p>')
        if movements is not None:
            parts.append(flow_svg(movements))
    parts.append("<h2>Definitioner</h2><ul>")
    parts += [f"<li>{_strong(e(d))}</li>" for d in DEFINITIONS]
    parts.append("</ul><h2>Anbringelsestyper</h2>")
    parts.append(_html_table(PLACEMENT_HEAD, placement_rows()))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _strong(text: str) -> str:
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)


def _numeric(cell: str) -> bool:
    return bool(re.fullmatch(r"[+-]?[\d.]+(,\d+)?( %)?|–", cell))


def cell_class(i: int, cell: str) -> str:
    """The class of a table's cell ``i`` (from 0): ``n`` a number (right-aligned), ``k`` a code
    (kept on one line), '' text."""
    if i and _numeric(cell):
        return "n"
    return "k" if re.fullmatch(r"[a-z]+(-\w+)+", cell) else ""


def _class(name: str) -> str:
    return f' class="{name}"' if name else ""


def _html_table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    e = html_lib.escape
    out = ["<table><thead><tr>" + "".join(f'<th scope="col"{" class=n" if i else ""}>{e(h)}</th>' for i, h in enumerate(head)) + "</tr></thead><tbody>"]
    for row in rows:
        cls = ' class="total"' if row and row[0] == "I alt" else ""
        out.append(f"<tr{cls}>" + "".join(f"<td{_class(cell_class(i, c))}>{e(c)}</td>" for i, c in enumerate(row)) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def flow_svg(fl: Flow, width: int = 560) -> str:
    """A two-column flow chart: states at the end of the previous period (left) to the states at
    the end of this one (right); each band's width is proportional to its number of cases."""
    e = html_lib.escape
    states: list[int | None] = [*fl.states(), None]
    total = sum(fl.matrix.values())
    title = f"Bevægelser på indsatstrappen fra {fl.before.label} til {fl.after.label}"
    if not total:
        return f'<figure><svg role="img" width="{width}" height="40" viewBox="0 0 {width} 40" xmlns="http://www.w3.org/2000/svg"><title>{e(title)}</title><text x="8" y="24" font-size="13">Ingen sager at vise.</text></svg></figure>'
    unit = 300 / total  # px per case over the whole height
    gap, top, box = 8, 30, 18
    left_x, right_x = 120, width - 120

    def stack(counts: dict[int | None, int]) -> dict[int | None, float]:
        y, pos = float(top), {}
        for s in states:
            pos[s] = y
            y += counts.get(s, 0) * unit + gap
        return pos

    out_counts = {s: sum(n for (a, _), n in fl.matrix.items() if a == s) for s in states}
    in_counts = {s: sum(n for (_, b), n in fl.matrix.items() if b == s) for s in states}
    left, right = stack(out_counts), stack(in_counts)
    height = int(max(max(left.values()), max(right.values())) + 30)
    parts = [
        f'<figure><svg role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="12">',
        f"<title>{e(title)}</title>",
        f'<text x="{left_x}" y="16" text-anchor="end">{e(fl.before.label)}</text><text x="{right_x}" y="16">{e(fl.after.label)}</text>',
    ]
    l_off = dict.fromkeys(states, 0.0)
    r_off = dict.fromkeys(states, 0.0)
    for a in states:
        for b in states:
            n = fl.matrix.get((a, b), 0)
            if not n:
                continue
            h = n * unit
            y1, y2 = left[a] + l_off[a], right[b] + r_off[b]
            l_off[a] += h
            r_off[b] += h
            colour = "#c0392b" if (a is not None and b is not None and b > a) else "#2471a3" if (a is not None and b is not None and b < a) else "#999999"
            mid = (left_x + right_x) / 2
            path = f"M{left_x},{y1:.1f} C{mid},{y1:.1f} {mid},{y2:.1f} {right_x},{y2:.1f} L{right_x},{y2 + h:.1f} C{mid},{y2 + h:.1f} {mid},{y1 + h:.1f} {left_x},{y1 + h:.1f} Z"
            parts.append(f'<path d="{path}" fill="{colour}" fill-opacity="0.45"><title>{e(state_label(a))} → {e(state_label(b))}: {n}</title></path>')
    for s in states:
        if out_counts[s]:
            parts.append(f'<rect x="{left_x - box}" y="{left[s]:.1f}" width="{box}" height="{out_counts[s] * unit:.1f}" fill="#333"/>')
            parts.append(f'<text x="{left_x - box - 4}" y="{left[s] + out_counts[s] * unit / 2 + 4:.1f}" text-anchor="end">{e(state_label(s))} ({out_counts[s]})</text>')
        if in_counts[s]:
            parts.append(f'<rect x="{right_x}" y="{right[s]:.1f}" width="{box}" height="{in_counts[s] * unit:.1f}" fill="#333"/>')
            parts.append(f'<text x="{right_x + box + 4}" y="{right[s] + in_counts[s] * unit / 2 + 4:.1f}">{e(state_label(s))} ({in_counts[s]})</text>')
    parts.append("</svg>")
    parts.append(f"<figcaption>{e(title)}. Rød: op ad trappen; blå: ned; grå: uændret, ny eller afsluttet.</figcaption></figure>")
    return "".join(parts)
