"""Command line for the ledelsestilsyn: `kompetenceplan tilsyn generate|draw|answer|report|checks`.

Exit codes as the rest of the CLI: 0 ok, 1 findings (a draw with faulty cases), 2 bad input,
configuration, database or usage, 3 engine fault — mapped by the one handler in
`cli.base.Command`, so a command here just raises the library's errors.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import click

from ..actor import local_actor
from ..danish import format_time
from ..errors import KompetenceplanError, Problem
from .base import EXIT_FINDINGS, Group, date_or_today, db_option, echo_json, open_register, plan_option, quarter_option, read_plans, write_or_echo

CONFIG_ENV = "KOMPETENCEPLAN_TILSYN"
config_option = click.option(
    "--config", "config_path", envvar=CONFIG_ENV, default="rules/nyborg-tilsyn.toml", show_default=True, type=click.Path(path_type=Path), help=f"Tilsynets konfiguration (eller {CONFIG_ENV})."
)


def _config(path: Path) -> Any:
    from ..tilsyn.config import load_config

    return load_config(path)


@click.group(name="tilsyn", cls=Group)
def tilsyn_group() -> None:
    """Ledelsestilsyn: kvartalsvis stikprøve, automatiske kontroller (TIL), tjekliste og rapport.

    \b
    Eksempler:
      kompetenceplan tilsyn draw --quarter 2026Q4
      kompetenceplan tilsyn draw --quarter 2026Q4 --show
      kompetenceplan tilsyn answer --quarter 2026Q4 --item 3 --question L-01 --answer ja --by ABC
      kompetenceplan tilsyn report --quarter 2026Q4 --format html --output tilsyn.html
      kompetenceplan tilsyn generate --db sqlite:///demo.db --years 1 --seed 7
    """


@tilsyn_group.command(name="generate")
@db_option
@plan_option
@click.option("--years", type=click.IntRange(1, 20), default=1, show_default=True, help="Antal år historik.")
@click.option("--seed", type=int, default=1, show_default=True, help="Frø: samme frø giver samme register.")
@click.option("--size", type=click.Choice(["medium", "large"]), default="medium", show_default=True, help="medium ≈ 50 nye indsatser og 3 anbringelser om måneden; large 30 gange så mange.")
@click.option("--until", metavar="ÅÅÅÅ-MM-DD", help="Sidste dag i historikken (standard: i dag).")
@click.option("--bulk/--api", default=True, show_default=True, help="Indsæt mange rækker ad gangen (samme rækker som registrets API).")
def generate_cmd(db_url: str | None, plan_path: Path, years: int, seed: int, size: str, until: str | None, bulk: bool) -> None:
    """Fyld en tom database med en fiktiv kommunes afgørelser og udvalgsmøder (til demo og test)."""
    from ..tilsyn.generate import generate

    plans = read_plans(plan_path)
    end = date_or_today(until, "--until")
    start = end.replace(day=1)
    for _ in range(12 * years - 1):
        start = (start - dt.timedelta(days=1)).replace(day=1)
    first = min(p.meta.valid_from for p in plans.versions)
    if start < first:
        click.echo(f"Bemærk: perioden begynder {first.isoformat()}, hvor planens første version træder i kraft (ingen plan før).", err=True)
        start = first
    months = (end.year - start.year) * 12 + end.month - start.month + (1 if (end + dt.timedelta(days=1)).day == 1 else 0)
    if months < 1:
        raise KompetenceplanError("Perioden er for kort.", [Problem("--until", "der er mindre end én hel måned med en plan i kraft.", "Vælg en senere --until.")])
    report = generate(open_register(db_url), plans, start=start, months=months, seed=seed, size=size, bulk=bulk)
    click.echo(
        f"Fiktiv kommune genereret {report.start.isoformat()} – {report.end.isoformat()} (frø {seed}, {size}): "
        f"{report.routings} routinger, {report.decisions} afgørelser, {report.meetings} møder, {report.items} indstillinger, {report.events} sagshændelser."
    )


def _print_draw(found: Any) -> None:
    click.echo(f"Ledelsestilsyn {found.quarter}: trukket {format_time(found.created_at)}, frø {found.seed}.")
    click.echo(f"Population: {found.population_size} afgørelser truffet {found.period_start.isoformat()} – {found.period_end.isoformat()} (fingeraftryk {found.population_fingerprint[:16]}…).")
    click.echo(f"Stikprøve: {len(found.items)} sager (højst {found.per_stratum} pr. team og spor).")
    for item in found.items:
        statuses = {r["status"] for r in item["results"]}
        mark = "FEJL" if "fejl" in statuses else ("IKKE EFTERPRØVET" if "ikke_efterproevet" in statuses else "ok")
        click.echo(f"  {item['position']:>3}. {item['case_ref']} ({item['team']}, {item['track']}, afgørelse {item['decision_id']}): {mark}")
        for r in item["results"]:
            if r["status"] in ("fejl", "ikke_efterproevet"):
                click.echo(f"       {r['code']} {r['status'].replace('_', ' ')}: {r['message']}")


def _draw_json(found: Any) -> dict[str, Any]:
    out = {k: getattr(found, k) for k in ("quarter", "draw_date", "period_start", "period_end", "seed", "per_stratum", "population_size", "population_fingerprint", "created_at")}
    out["items"] = [{k: v for k, v in i.items() if k != "answers"} | {"answers": {q: a["answer"] for q, a in i["answers"].items()}} for i in found.items]
    return out


@tilsyn_group.command(name="draw")
@db_option
@plan_option
@config_option
@quarter_option
@click.option("--per-team", "per_team", type=int, default=None, help="Sager pr. team og spor (standard fra konfigurationen).")
@click.option("--seed", type=int, default=None, help="Frø (standard: et tilfældigt, som gemmes).")
@click.option("--show", is_flag=True, help="Vis den gemte trækning i stedet for at trække.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def draw_cmd(db_url: str | None, plan_path: Path, config_path: Path, quarter: str, per_team: int | None, seed: int | None, show: bool, fmt: str) -> None:
    """Træk kvartalets stikprøve (én gang pr. kvartal) og kør de automatiske kontroller."""
    from ..tilsyn import draw as draw_mod

    config = _config(config_path)
    reg = open_register(db_url)
    found = draw_mod.show(reg, quarter) if show else draw_mod.draw(reg, read_plans(plan_path), config, quarter, actor=local_actor(), seed=seed, per_stratum=per_team)
    if fmt == "json":
        echo_json(_draw_json(found))
    else:
        _print_draw(found)
    if any(r["status"] == "fejl" for i in found.items for r in i["results"]):
        raise SystemExit(EXIT_FINDINGS)


@tilsyn_group.command(name="answer")
@db_option
@config_option
@quarter_option
@click.option("--item", "position", type=int, required=True, help="Sagens nummer i trækningen (se draw --show).")
@click.option("--question", required=True, help="Tjeklistens spørgsmål, fx L-01.")
@click.option("--answer", required=True, help="ja, nej, delvist eller ikke_relevant.")
@click.option("--comment", default="", help="Begrundelse (kræves ved nej); ingen personoplysninger.")
def answer_cmd(db_url: str | None, config_path: Path, quarter: str, position: int, question: str, answer: str, comment: str) -> None:
    """Gem dit svar på et spørgsmål i tjeklisten for en trukket sag (et nyt svar retter det gamle).

    Den, der svarer, er brugeren på denne maskine; ingen initialer tastes."""
    from ..tilsyn.draw import record_answer

    row = record_answer(open_register(db_url), _config(config_path), quarter, position, question, answer, actor=local_actor(), comment=comment)
    click.echo(f"Svar gemt: {quarter} sag nr. {position}, {question} = {row['answer']}" + (" (retter tidligere svar)." if row["corrects_id"] else "."))


@tilsyn_group.command(name="report", error_format="text")
@db_option
@config_option
@quarter_option
@click.option("--format", "fmt", type=click.Choice(["markdown", "html", "json"]), default="markdown", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Skriv til en fil.")
def report_cmd(db_url: str | None, config_path: Path, quarter: str, fmt: str, output: Path | None) -> None:
    """Kvartalets rapport: fejlandele med 95 %-intervaller pr. kontrol, team og kvartal, tjekliste."""
    from ..tilsyn.report import build_report, render_html, render_markdown

    config = _config(config_path)
    report = build_report(open_register(db_url), config, quarter)
    if fmt == "json":
        text = json.dumps(report.to_dict(), ensure_ascii=False, indent=2)
    else:
        text = render_html(report, config) if fmt == "html" else render_markdown(report, config)
    write_or_echo(text + "\n", output)
    if output is not None:
        click.echo(f"Rapporten er skrevet til {os.fspath(output)}.")


@tilsyn_group.command(name="checks")
def checks_cmd() -> None:
    """De automatiske kontroller (TIL-koder) med grundlag."""
    from ..tilsyn.checks import CHECKS

    for c in CHECKS:
        click.echo(f"{c.code}  {c.title}\n          Grundlag: {c.basis}")
