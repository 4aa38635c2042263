"""The quarter's tilsyn report: error rates with 95 % intervals per check, per checklist question,
per team and per quarter (trend as a hand-written inline SVG), the municipality's error rate
estimated with the strata's weights, and the case references behind every number. Markdown or
printable HTML; only case references, no personal data.

Why it is long: the ledelsestilsyn's figures with their definitions and the renderings that show
them; the definitions are documented here, next to the code that counts.

What a figure counts:

- **Per check (TIL) and per question**: the share with *fejl* (a check's *fejl*; a question
  answered *nej* or *delvist*) among those verified (a check *ok* or *fejl*; a question answered
  *ja*, *nej* or *delvist*), with a Wilson interval. Not verified (*ikke efterprøvet*, no answer
  yet) is its own figure, never counted as correct.
- **Per case**: a drawn case has an error when a check or a checklist answer of its track says so;
  it is verified when every check and every question of its track is (or when it has an error).
  Unverified cases are shown apart and as the span "andel af alle trukne": from errors / drawn
  (every unverified case correct) to (errors + unverified) / drawn (every one faulty), so they
  never silently leave the denominator.
- **The municipality's rate**: the sample is drawn per stratum (team × track, at most
  ``per_stratum`` each), so the plain share of the sample ("andel af stikprøven") over-weights
  small strata. The estimate weights each stratum's share with its population share N_h/N
  (stratified estimator), its variance is the stratified one with the finite-population
  correction, and the interval is a Wilson interval at the design's effective sample size
  (Kish: p(1-p)/variance, at most the number verified; Korn & Graubard 1998 use the same idea
  with Clopper-Pearson). A stratum with one verified case counts with the worst-case variance
  0.25. Strata without a verified case are left out of the estimate, and the report says which
  share of the population the estimate covers.

The samples are small: read the intervals, not only the rates."""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Callable
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
    return wilson_share(k / n, n, z)


def wilson_share(p: float, n: float, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for a share ``p`` observed in ``n`` (possibly an effective,
    non-whole sample size, n > 0)."""
    if n <= 0 or not 0.0 <= p <= 1.0:
        raise ValueError("kræver 0 ≤ p ≤ 1 og n > 0")
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # At p = 0 and p = 1 the bound is exactly 0 or 1; rounding must not move it past the rate.
    lo = 0.0 if p == 0.0 else min(p, max(0.0, centre - half))
    hi = 1.0 if p == 1.0 else max(p, min(1.0, centre + half))
    return lo, hi


@dataclass
class Rate:
    """k faulty of n verified; ``unverified`` could not be verified (not in n, shown apart)."""

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

    @property
    def drawn(self) -> int:
        return self.n + self.unverified

    @property
    def span(self) -> tuple[float, float] | None:
        """The share with errors among all drawn, from every unverified correct to every one faulty."""
        return (self.k / self.drawn, (self.k + self.unverified) / self.drawn) if self.drawn else None

    def add(self, status: str, ref: str) -> None:
        if status == FEJL:
            self.k += 1
            self.n += 1
            self.cases.append(ref)
        elif status == OK:
            self.n += 1
        elif status == IKKE_EFTERPROEVET:
            self.unverified += 1
            self.unverified_cases.append(ref)

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "k": self.k,
            "n": self.n,
            "rate": self.rate,
            "interval": self.interval,
            "unverified": self.unverified,
            "span": self.span,
            "cases": self.cases,
            "unverified_cases": self.unverified_cases,
        }


@dataclass
class Estimate:
    """The municipality's error rate estimated from a stratified sample (see the module text)."""

    label: str
    value: float | None
    interval: tuple[float, float] | None
    verified: int
    effective_n: float | None
    covered: float  # the population share (Σ N_h / N) of the strata with a verified case
    strata: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "value": self.value,
            "interval": self.interval,
            "verified": self.verified,
            "effective_n": self.effective_n,
            "covered": self.covered,
            "strata": self.strata,
        }


#: What a checklist answer counts as: an error, verified without error, or not counted.
ANSWER_STATUS = {"nej": FEJL, "delvist": FEJL, "ja": OK}


def _ref(item: dict[str, Any]) -> str:
    return f"{item['case_ref']} (nr. {item['position']})"


def til_status(item: dict[str, Any], config: TilsynConfig | None = None) -> str:
    """A case by its automatic checks: fejl, ikke efterprøvet (no fejl, a check unverified), ok."""
    statuses = {r["status"] for r in item["results"]}
    return FEJL if FEJL in statuses else IKKE_EFTERPROEVET if IKKE_EFTERPROEVET in statuses else OK


def case_status(item: dict[str, Any], config: TilsynConfig) -> str:
    """A case by its checks and the leader's checklist of its track: fejl when any says so;
    ikke efterprøvet when a check is unverified or a question of its track has no answer."""
    statuses = {r["status"] for r in item["results"]}
    for question in config.questions_for(item["track"]):
        answer = item["answers"].get(question.id)
        statuses.add(IKKE_EFTERPROEVET if answer is None else ANSWER_STATUS.get(answer["answer"], OK))
    return FEJL if FEJL in statuses else IKKE_EFTERPROEVET if IKKE_EFTERPROEVET in statuses else OK


Status = Callable[[dict[str, Any], TilsynConfig], str]


def _case_rate(label: str, items: list[dict[str, Any]], config: TilsynConfig, status: Status = til_status) -> Rate:
    """Cases with at least one fejl among the cases verified or faulty; a case with no fejl but
    something unverified is counted apart (never as without errors)."""
    rate = Rate(label)
    for item in items:
        rate.add(status(item, config), _ref(item))
    return rate


def stratified(label: str, items: list[dict[str, Any]], config: TilsynConfig, status: Status) -> Estimate:
    """The municipality's share of cases with errors: each stratum's share weighted with N_h/N,
    the stratified variance with the finite-population correction, and a Wilson interval at the
    effective sample size (module text)."""
    strata: dict[tuple[str, str], list[int]] = {}  # (team, track) -> [N_h, n_h verified, k_h]
    for item in items:
        cell = strata.setdefault((item["team"], item["track"]), [int(item["stratum_size"]), 0, 0])
        st = status(item, config)
        if st in (FEJL, OK):
            cell[1] += 1
            cell[2] += st == FEJL
    population = sum(c[0] for c in strata.values())
    used = [c for c in strata.values() if c[1] > 0]
    covered_n = sum(c[0] for c in used)
    verified = sum(c[1] for c in used)
    if not used:
        return Estimate(label, None, None, 0, None, 0.0, len(strata))
    value, variance = 0.0, 0.0
    for big_n, n, k in used:
        weight = big_n / covered_n
        share = k / n
        value += weight * share
        fpc = 1 - n / big_n
        spread = n / (n - 1) * share * (1 - share) if n > 1 else 0.25  # one case: the worst case
        variance += weight * weight * fpc * spread / n
    value = min(1.0, max(0.0, value))
    if all(n == big_n for big_n, n, _ in used):
        interval, effective = (value, value), float(verified)  # every case of every stratum read
    else:
        effective = float(verified) if variance == 0 or value in (0.0, 1.0) else max(1.0, min(float(verified), value * (1 - value) / variance))
        interval = wilson_share(value, effective)
    return Estimate(label, value, interval, verified, effective, covered_n / population if population else 0.0, len(strata))


@dataclass
class TilsynReport:
    draw: Draw
    per_check: list[Rate]
    per_team: list[Rate]
    overall: Rate
    trend: list[tuple[str, Rate]]
    checklist: list[dict[str, Any]]
    tracks: dict[str, int]
    per_question: list[Rate] = field(default_factory=list)
    per_case: list[Rate] = field(default_factory=list)
    estimates: list[Estimate] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "quarter": self.draw.quarter,
            "per_check": [r.to_dict() for r in self.per_check],
            "per_team": [r.to_dict() for r in self.per_team],
            "overall": self.overall.to_dict(),
            "per_question": [r.to_dict() for r in self.per_question],
            "per_case": [r.to_dict() for r in self.per_case],
            "estimates": [e.to_dict() for e in self.estimates],
            "trend": [{"quarter": q, **r.to_dict()} for q, r in self.trend],
            "checklist": self.checklist,
        }


SAMPLE_SHARE = "Andel af stikprøven (uvægtet)"


def build_report(reg: Register, config: TilsynConfig, quarter: str) -> TilsynReport:
    quarter = quarter_code(quarter)
    found = show(reg, quarter)
    items = found.items
    per_check = []
    for check in CHECKS:
        rate = Rate(f"{check.code} {check.title}")
        for item in items:
            for r in item["results"]:
                if r["code"] == check.code:
                    rate.add(r["status"], _ref(item))
        per_check.append(rate)
    teams = sorted({i["team"] for i in items})
    per_team = [_case_rate(team, [i for i in items if i["team"] == team], config) for team in teams]
    per_case = [_case_rate(team, [i for i in items if i["team"] == team], config, case_status) for team in teams]
    per_case.append(_case_rate(SAMPLE_SHARE, items, config, case_status))
    year, n = parse_quarter(quarter)
    earlier = [q for q in draws(reg) if parse_quarter(q) <= (year, n)][-TREND_QUARTERS:]
    trend = []
    for q in earlier:
        other = found if q == quarter else show(reg, q)
        trend.append((q, _case_rate(q, other.items, config)))
    checklist, per_question = [], []
    for question in config.checklist:
        counts = {"ja": 0, "nej": 0, "delvist": 0, "ikke_relevant": 0, "mangler": 0}
        no_cases = []
        rate = Rate(f"{question.id} {question.question}")
        for item in items:
            if not question.applies_to(item["track"]) and item["track"] in config.tracks:
                continue
            answer = item["answers"].get(question.id)
            counts[answer["answer"] if answer else "mangler"] += 1
            if answer and answer["answer"] in ("nej", "delvist"):
                no_cases.append(_ref(item))
            if answer is None:
                rate.add(IKKE_EFTERPROEVET, _ref(item))
            elif answer["answer"] in ANSWER_STATUS:
                rate.add(ANSWER_STATUS[answer["answer"]], _ref(item))
        tracks_text = ", ".join(config.tracks[t].label for t in question.tracks) if question.tracks else "alle spor"
        checklist.append(
            {
                "id": question.id,
                "question": question.question,
                "basis": question.basis,
                "tracks": tracks_text,
                "phase": question.phase,
                **counts,
                "cases": no_cases,
                "rate": rate.rate,
                "interval": rate.interval,
            }
        )
        per_question.append(rate)
    tracks: dict[str, int] = {}
    for item in items:
        tracks[item["track"]] = tracks.get(item["track"], 0) + 1
    estimates = [
        stratified("Kontroller (TIL)", items, config, til_status),
        stratified("Kontroller og tjekliste", items, config, case_status),
    ]
    return TilsynReport(found, per_check, per_team, _case_rate(SAMPLE_SHARE, items, config), trend, checklist, tracks, per_question, per_case, estimates)


def _pct(x: float | None) -> str:
    return format_share(x)


def _ci(rate: Rate) -> str:
    iv = rate.interval
    return "ingen efterprøvede sager" if iv is None else f"{_pct(iv[0])} – {_pct(iv[1])}"


def _span(rate: Rate) -> str:
    span = rate.span
    return "–" if span is None else f"{_pct(span[0])} – {_pct(span[1])}"


def trend_svg(trend: list[tuple[str, Rate]], quarter: Callable[[str], str] = str) -> str:
    """A small chart: the share of cases with errors per quarter, with the 95 % interval
    (``quarter`` writes a quarter's code: the code itself, or words on the pages)."""
    width, height, left, bottom, top = 520, 220, 48, 36, 16
    plot_h = height - bottom - top
    step = (width - left - 20) / max(1, len(trend))
    y = lambda v: top + plot_h * (1 - v)  # noqa: E731
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="Andel sager med fejl pr. kvartal">']
    for tick in (0, 0.25, 0.5, 0.75, 1):
        parts.append(f'<line x1="{left}" y1="{y(tick):.1f}" x2="{width - 10}" y2="{y(tick):.1f}" stroke="#ccc" stroke-width="1"/>')
        parts.append(f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" font-size="11" text-anchor="end">{int(tick * 100)} %</text>')
    points = []
    for i, (code, rate) in enumerate(trend):
        x = left + step * (i + 0.5)
        parts.append(f'<text x="{x:.1f}" y="{height - 12}" font-size="11" text-anchor="middle">{html.escape(quarter(code))}</text>')
        if rate.rate is None:
            parts.append(f'<text x="{x:.1f}" y="{y(0.5):.1f}" font-size="10" text-anchor="middle">ingen data</text>')
            continue
        lo, hi = rate.interval or (0.0, 0.0)
        parts.append(f'<line x1="{x:.1f}" y1="{y(lo):.1f}" x2="{x:.1f}" y2="{y(hi):.1f}" stroke="#555" stroke-width="2"/>')
        parts.append(f'<circle cx="{x:.1f}" cy="{y(rate.rate):.1f}" r="4" fill="#a00"><title>{html.escape(quarter(code))}: {rate.k} af {rate.n}</title></circle>')
        points.append(f"{x:.1f},{y(rate.rate):.1f}")
    if len(points) > 1:
        parts.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="#a00" stroke-width="1.5"/>')
    parts.append("</svg>")
    return "".join(parts)


_NOTE = (
    "Stikprøverne er små (få sager pr. team og spor): de 95 %-konfidensintervaller (Wilson) er brede, "
    "og en forskel mellem teams eller kvartaler er kun en forskel, når intervallerne ikke overlapper. "
    "Ikke efterprøvet betyder, at registret mangler oplysninger til kontrollen, eller at lederen ikke har besvaret "
    "et spørgsmål i sagens tjekliste; de sager tælles ikke som fejlfri, og andelen af alle trukne sager vises som "
    "et spænd fra 'alle ikke efterprøvede er fejlfri' til 'alle har fejl'. Andelen af stikprøven er uvægtet: hvert "
    "team og spor er trukket for sig, så kommunens fejlandel er estimeret med stratumvægte (N_h/N) og et interval, "
    "der tager højde for den stratificerede stikprøve."
)


def _rate_rows(rates: list[Rate], label: Callable[[str], str] = str) -> list[list[str]]:
    return [[label(r.label), str(r.k), str(r.n), _pct(r.rate), _ci(r), str(r.unverified), ", ".join(r.cases) or "–", ", ".join(r.unverified_cases) or "–"] for r in rates]


_RATE_HEAD = ["", "fejl", "efterprøvet", "andel", "95 %-interval", "ikke efterprøvet", "sager med fejl", "sager ikke efterprøvet"]
_CASE_HEAD = ["", "fejl", "efterprøvet", "andel", "95 %-interval", "ikke efterprøvet", "andel af alle trukne (spænd)", "sager med fejl", "sager ikke efterprøvet"]


def _case_rows(rates: list[Rate]) -> list[list[str]]:
    return [[r.label, str(r.k), str(r.n), _pct(r.rate), _ci(r), str(r.unverified), _span(r), ", ".join(r.cases) or "–", ", ".join(r.unverified_cases) or "–"] for r in rates]


def _estimate_rows(estimates: list[Estimate]) -> list[list[str]]:
    rows = []
    for e in estimates:
        interval = "–" if e.interval is None else f"{_pct(e.interval[0])} – {_pct(e.interval[1])}"
        effective = "–" if e.effective_n is None else f"{e.effective_n:.1f}".replace(".", ",")
        rows.append([e.label, _pct(e.value), interval, str(e.verified), effective, _pct(e.covered), str(e.strata)])
    return rows


#: The section the trend chart follows, the chart's caption, and the report of a quarter without decisions.
TREND = "Udvikling pr. kvartal (sager med fejl i kontrollerne)"
TREND_CAPTION = "Andel sager med fejl i kontrollerne pr. kvartal med 95 %-interval (Wilson)."
NO_CASES = "Ingen afgørelser i perioden: der er intet at efterprøve."


def sections(report: TilsynReport, quarter: Callable[[str], str] = str) -> list[tuple[str, list[str], list[list[str]]]]:
    """Every table of the report (title, head, rows), in order: the Markdown, the printable HTML
    and the page show the same (``quarter`` writes a quarter's code in the trend's rows)."""
    return [
        ("Kontroller (TIL)", _RATE_HEAD, _rate_rows(report.per_check)),
        ("Sager med fejl i kontrollerne (TIL) pr. team", _RATE_HEAD, _rate_rows([*report.per_team, report.overall])),
        ("Sager med fejl efter kontroller og tjekliste pr. team", _CASE_HEAD, _case_rows(report.per_case)),
        (
            "Kommunens fejlandel (vægtet med stratumstørrelser)",
            ["", "estimat", "95 %-interval", "efterprøvede sager", "effektiv stikprøvestørrelse", "dækker af populationen", "strata"],
            _estimate_rows(report.estimates),
        ),
        (TREND, _RATE_HEAD, _rate_rows([r for _, r in report.trend], label=quarter)),
        (
            "Tjekliste (lederens gennemlæsning)",
            ["spørgsmål", "ja", "nej", "delvist", "ikke relevant", "mangler svar", "sager med nej/delvist", "grundlag", "fejlandel (nej/delvist)", "95 %-interval", "spor og fase"],
            [
                [
                    f"{c['id']} {c['question']}",
                    str(c["ja"]),
                    str(c["nej"]),
                    str(c["delvist"]),
                    str(c["ikke_relevant"]),
                    str(c["mangler"]),
                    ", ".join(c["cases"]) or "–",
                    c["basis"],
                    _pct(c["rate"]),
                    "ingen besvarede" if c["interval"] is None else f"{_pct(c['interval'][0])} – {_pct(c['interval'][1])}",
                    c["tracks"] + (f"; {c['phase']}" if c["phase"] else ""),
                ]
                for c in report.checklist
            ],
        ),
    ]


def intro(report: TilsynReport, config: TilsynConfig, date: Callable[[dt.date], str] = dt.date.isoformat, provenance: bool = True) -> list[str]:
    """The report's opening paragraphs: the draw, its population and sample, how to read the
    figures. ``provenance``: with the population's fingerprint and the draw's seed, which let a
    reader of the printed report redo the draw (the page leaves them to the register)."""
    d = report.draw
    tracks = ", ".join(f"{config.tracks[t].label if t in config.tracks else t}: {n}" for t, n in sorted(report.tracks.items())) or "ingen"
    fingerprint = f", fingeraftryk {d.population_fingerprint[:16]}…" if provenance else ""
    seed = f", frø {d.seed}" if provenance else ""
    return [
        f"Trækningsdato {date(d.draw_date)}; population: aktuelle afgørelser truffet {date(d.period_start)} – {date(d.period_end)} ({d.population_size} afgørelser{fingerprint}).",
        f"Stikprøve: {len(d.items)} sager, højst {d.per_stratum} pr. team og spor{seed}. Spor: {tracks}.",
        _NOTE,
    ]


def render_markdown(report: TilsynReport, config: TilsynConfig) -> str:
    out = [f"# Ledelsestilsyn {report.draw.quarter} — {md(config.tilsyn.kommune)}", "", *(line + "\n" for line in intro(report, config))]
    if not report.draw.items:
        out.append(f"**{NO_CASES}**\n")
    for title, head, rows in sections(report):
        out += [f"## {title}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        out += ["| " + " | ".join(md(cell) for cell in row) + " |" for row in rows]  # values as text (`markup.md`)
        out.append("")
        if title == TREND:
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
        *(f"<p>{e(line)}</p>" for line in intro(report, config)),
    ]
    if not report.draw.items:
        out.append(f"<p><strong>{e(NO_CASES)}</strong></p>")
    for title, head, rows in sections(report):
        out.append(f"<h2>{e(title)}</h2><table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in head) + "</tr></thead><tbody>")
        out += ["<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in rows]
        out.append("</tbody></table>")
        if title == TREND:
            out.append(f"<figure>{trend_svg(report.trend)}<figcaption>{e(TREND_CAPTION)}</figcaption></figure>")
    out.append("<h2>Kontrollernes grundlag</h2><ul>" + "".join(f"<li><strong>{e(c.code)}</strong> {e(c.title)}. Grundlag: {e(c.basis)}.</li>" for c in CHECKS) + "</ul>")
    out.append("</body></html>")
    return "\n".join(out)
