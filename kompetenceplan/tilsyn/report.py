"""The quarter's tilsyn report: error rates with Wilson 95 % intervals per check, per team and
per quarter (trend as a hand-written inline SVG), the checklist answers, and the case
references behind every number. Markdown or printable HTML; only case references, no personal
data. The samples are small: read the intervals, not only the rates."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any

from ..danish import format_share
from ..markup import md
from ..store.register import Register
from .checks import CHECKS, FEJL, IKKE_EFTERPROEVET, OK
from .config import TilsynConfig, parse_quarter, quarter_code
from .draw import Draw, draws, show

Z95 = 1.959963984540054
TREND_QUARTERS = 8


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for k successes in n trials (n ≥ 1)."""
    if n < 1 or not 0 <= k <= n:
        raise ValueError("kræver 0 ≤ k ≤ n og n ≥ 1")
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # At k = 0 and k = n the bound is exactly 0 or 1; rounding must not move it past the rate.
    lo = 0.0 if k == 0 else min(p, max(0.0, centre - half))
    hi = 1.0 if k == n else max(p, min(1.0, centre + half))
    return lo, hi


@dataclass
class Rate:
    """k faulty of n verified; ``unverified`` could not be verified (not in n)."""

    label: str
    k: int = 0
    n: int = 0
    unverified: int = 0
    cases: list[str] = field(default_factory=list)  # case refs with fejl
    unverified_cases: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float | None:
        return self.k / self.n if self.n else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson(self.k, self.n) if self.n else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "k": self.k,
            "n": self.n,
            "rate": self.rate,
            "interval": self.interval,
            "unverified": self.unverified,
            "cases": self.cases,
            "unverified_cases": self.unverified_cases,
        }


def _case_rate(label: str, items: list[dict[str, Any]]) -> Rate:
    """Cases with at least one fejl among the cases fully verified or faulty; a case with no
    fejl but an unverified check is counted apart (never as without errors)."""
    rate = Rate(label)
    for item in items:
        statuses = {r["status"] for r in item["results"]}
        ref = f"{item['case_ref']} (nr. {item['position']})"
        if FEJL in statuses:
            rate.k += 1
            rate.n += 1
            rate.cases.append(ref)
        elif IKKE_EFTERPROEVET in statuses:
            rate.unverified += 1
            rate.unverified_cases.append(ref)
        else:
            rate.n += 1
    return rate


@dataclass
class TilsynReport:
    draw: Draw
    per_check: list[Rate]
    per_team: list[Rate]
    overall: Rate
    trend: list[tuple[str, Rate]]
    checklist: list[dict[str, Any]]
    tracks: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {
            "quarter": self.draw.quarter,
            "per_check": [r.to_dict() for r in self.per_check],
            "per_team": [r.to_dict() for r in self.per_team],
            "overall": self.overall.to_dict(),
            "trend": [{"quarter": q, **r.to_dict()} for q, r in self.trend],
            "checklist": self.checklist,
        }


def build_report(reg: Register, config: TilsynConfig, quarter: str) -> TilsynReport:
    quarter = quarter_code(quarter)
    found = show(reg, quarter)
    assert found is not None
    items = found.items
    per_check = []
    for check in CHECKS:
        rate = Rate(f"{check.code} {check.title}")
        for item in items:
            ref = f"{item['case_ref']} (nr. {item['position']})"
            for r in item["results"]:
                if r["code"] != check.code:
                    continue
                if r["status"] == FEJL:
                    rate.k += 1
                    rate.n += 1
                    rate.cases.append(ref)
                elif r["status"] == OK:
                    rate.n += 1
                elif r["status"] == IKKE_EFTERPROEVET:
                    rate.unverified += 1
                    rate.unverified_cases.append(ref)
        per_check.append(rate)
    teams = sorted({i["team"] for i in items})
    per_team = [_case_rate(team, [i for i in items if i["team"] == team]) for team in teams]
    year, n = parse_quarter(quarter)
    earlier = [q for q in draws(reg) if parse_quarter(q) <= (year, n)][-TREND_QUARTERS:]
    trend = []
    for q in earlier:
        other = found if q == quarter else show(reg, q)
        assert other is not None
        trend.append((q, _case_rate(q, other.items)))
    checklist = []
    for question in config.checklist:
        counts = {"ja": 0, "nej": 0, "delvist": 0, "ikke_relevant": 0, "mangler": 0}
        no_cases = []
        for item in items:
            answer = item["answers"].get(question.id)
            counts[answer["answer"] if answer else "mangler"] += 1
            if answer and answer["answer"] in ("nej", "delvist"):
                no_cases.append(f"{item['case_ref']} (nr. {item['position']})")
        checklist.append({"id": question.id, "question": question.question, "basis": question.basis, **counts, "cases": no_cases})
    tracks: dict[str, int] = {}
    for item in items:
        tracks[item["track"]] = tracks.get(item["track"], 0) + 1
    return TilsynReport(found, per_check, per_team, _case_rate("I alt", items), trend, checklist, tracks)


def _pct(x: float | None) -> str:
    return format_share(x)


def _ci(rate: Rate) -> str:
    iv = rate.interval
    return "ingen efterprøvede sager" if iv is None else f"{_pct(iv[0])} – {_pct(iv[1])}"


def trend_svg(trend: list[tuple[str, Rate]]) -> str:
    """A small chart: the share of cases with errors per quarter, with the 95 % interval."""
    width, height, left, bottom, top = 520, 220, 48, 36, 16
    plot_h = height - bottom - top
    step = (width - left - 20) / max(1, len(trend))
    y = lambda v: top + plot_h * (1 - v)  # noqa: E731
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="Andel sager med fejl pr. kvartal">']
    for tick in (0, 0.25, 0.5, 0.75, 1):
        parts.append(f'<line x1="{left}" y1="{y(tick):.1f}" x2="{width - 10}" y2="{y(tick):.1f}" stroke="#ccc" stroke-width="1"/>')
        parts.append(f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" font-size="11" text-anchor="end">{int(tick * 100)} %</text>')
    points = []
    for i, (quarter, rate) in enumerate(trend):
        x = left + step * (i + 0.5)
        parts.append(f'<text x="{x:.1f}" y="{height - 12}" font-size="11" text-anchor="middle">{html.escape(quarter)}</text>')
        if rate.rate is None:
            parts.append(f'<text x="{x:.1f}" y="{y(0.5):.1f}" font-size="10" text-anchor="middle">ingen data</text>')
            continue
        lo, hi = rate.interval or (0.0, 0.0)
        parts.append(f'<line x1="{x:.1f}" y1="{y(lo):.1f}" x2="{x:.1f}" y2="{y(hi):.1f}" stroke="#555" stroke-width="2"/>')
        parts.append(f'<circle cx="{x:.1f}" cy="{y(rate.rate):.1f}" r="4" fill="#a00"><title>{html.escape(quarter)}: {rate.k} af {rate.n}</title></circle>')
        points.append(f"{x:.1f},{y(rate.rate):.1f}")
    if len(points) > 1:
        parts.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="#a00" stroke-width="1.5"/>')
    parts.append("</svg>")
    return "".join(parts)


_NOTE = (
    "Stikprøverne er små (få sager pr. team og spor): de 95 %-konfidensintervaller (Wilson) er brede, "
    "og en forskel mellem teams eller kvartaler er kun en forskel, når intervallerne ikke overlapper. "
    "Ikke efterprøvet betyder, at registret mangler oplysninger til kontrollen; de sager tælles ikke som fejlfri."
)


def _rate_rows(rates: list[Rate]) -> list[list[str]]:
    return [[r.label, str(r.k), str(r.n), _pct(r.rate), _ci(r), str(r.unverified), ", ".join(r.cases) or "–", ", ".join(r.unverified_cases) or "–"] for r in rates]


_RATE_HEAD = ["", "fejl", "efterprøvet", "andel", "95 %-interval", "ikke efterprøvet", "sager med fejl", "sager ikke efterprøvet"]


def _sections(report: TilsynReport) -> list[tuple[str, list[str], list[list[str]]]]:
    return [
        ("Kontroller (TIL)", _RATE_HEAD, _rate_rows(report.per_check)),
        ("Sager med fejl pr. team", _RATE_HEAD, _rate_rows([*report.per_team, report.overall])),
        ("Udvikling pr. kvartal (sager med fejl)", _RATE_HEAD, _rate_rows([r for _, r in report.trend])),
        (
            "Tjekliste (lederens gennemlæsning)",
            ["spørgsmål", "ja", "nej", "delvist", "ikke relevant", "mangler svar", "sager med nej/delvist", "grundlag"],
            [
                [f"{c['id']} {c['question']}", str(c["ja"]), str(c["nej"]), str(c["delvist"]), str(c["ikke_relevant"]), str(c["mangler"]), ", ".join(c["cases"]) or "–", c["basis"]]
                for c in report.checklist
            ],
        ),
    ]


def _intro(report: TilsynReport, config: TilsynConfig) -> list[str]:
    d = report.draw
    tracks = ", ".join(f"{config.tracks[t].label if t in config.tracks else t}: {n}" for t, n in sorted(report.tracks.items())) or "ingen"
    return [
        f"Trækningsdato {d.draw_date.isoformat()}; population: aktuelle afgørelser truffet {d.period_start.isoformat()} – {d.period_end.isoformat()} ({d.population_size} afgørelser, fingeraftryk {d.population_fingerprint[:16]}…).",
        f"Stikprøve: {len(d.items)} sager, højst {d.per_stratum} pr. team og spor, frø {d.seed}. Spor: {tracks}.",
        _NOTE,
    ]


def render_markdown(report: TilsynReport, config: TilsynConfig) -> str:
    out = [f"# Ledelsestilsyn {report.draw.quarter} — {md(config.tilsyn.kommune)}", "", *(line + "\n" for line in _intro(report, config))]
    if not report.draw.items:
        out.append("**Ingen afgørelser i perioden: der er intet at efterprøve.**\n")
    for title, head, rows in _sections(report):
        out += [f"## {title}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        out += ["| " + " | ".join(md(cell) for cell in row) + " |" for row in rows]  # values as text (`markup.md`)
        out.append("")
        if title.startswith("Udvikling"):
            out += [trend_svg(report.trend), ""]
    out += ["## Kontrollernes grundlag", ""] + [f"- **{c.code}** {c.title}. Grundlag: {c.basis}." for c in CHECKS] + [""]
    return "\n".join(out)


def render_html(report: TilsynReport, config: TilsynConfig) -> str:
    e = html.escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="da"><head><meta charset="utf-8">',
        f"<title>Ledelsestilsyn {e(report.draw.quarter)}</title>",
        "<style>body{font-family:sans-serif;max-width:60rem;margin:1rem auto;font-size:11pt}"
        "table{border-collapse:collapse;width:100%;margin-bottom:1rem}th,td{border:1px solid #999;padding:.2rem .4rem;text-align:left;vertical-align:top}"
        "@media print{body{margin:0;max-width:none}h2{page-break-after:avoid}table{page-break-inside:auto}tr{page-break-inside:avoid}}</style>",
        "</head><body>",
        f"<h1>Ledelsestilsyn {e(report.draw.quarter)} — {e(config.tilsyn.kommune)}</h1>",
        *(f"<p>{e(line)}</p>" for line in _intro(report, config)),
    ]
    if not report.draw.items:
        out.append("<p><strong>Ingen afgørelser i perioden: der er intet at efterprøve.</strong></p>")
    for title, head, rows in _sections(report):
        out.append(f"<h2>{e(title)}</h2><table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in head) + "</tr></thead><tbody>")
        out += ["<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in rows]
        out.append("</tbody></table>")
        if title.startswith("Udvikling"):
            out.append(f"<figure>{trend_svg(report.trend)}<figcaption>Andel sager med fejl pr. kvartal med 95 %-interval (Wilson).</figcaption></figure>")
    out.append("<h2>Kontrollernes grundlag</h2><ul>" + "".join(f"<li><strong>{e(c.code)}</strong> {e(c.title)}. Grundlag: {e(c.basis)}.</li>" for c in CHECKS) + "</ul>")
    out.append("</body></html>")
    return "\n".join(out)
