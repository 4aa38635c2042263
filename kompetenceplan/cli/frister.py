"""Command line for deadlines and case events: `kompetenceplan frister` (the worklist),
`kompetenceplan status-rapport` (to the Social- og Handicapudvalg) and `kompetenceplan haendelse
record|list|import` (case events). Attached to the main group by `cli/commands.py`; SQLAlchemy
is imported inside the commands only. The library call writes as the local user
(`actor.local_actor`), as every command does.

Exit codes as the rest of the CLI: 0 ok, 1 findings (an overdue deadline; an import with skipped
lines), 2 bad input, rules, plan, database or usage.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from ..errors import KompetenceplanError, Problem
from .base import EXIT_FINDINGS, EXIT_OK, Command, Group, date_or_today, db_option, echo_json, open_register, option_date, plan_option, read_plans, write_or_echo

RULES_ENV = "KOMPETENCEPLAN_FRISTER"
rules_option = click.option(
    "--frister",
    "rules_path",
    envvar=RULES_ENV,
    default=None,
    type=click.Path(path_type=Path),
    help=f"Fristreglerne (eller {RULES_ENV}); standard: filen ved siden af planmappen, fx rules/nyborg-frister.toml.",
)
on_option = click.option("--on", "on", metavar="ÅÅÅÅ-MM-DD", help="Dagen, fristerne opgøres pr. (standard: i dag).")


def _rules(rules_path: Path | None, plan_path: Path, plans: Any) -> Any:
    from ..frister.rules import load_rules, rules_path_for

    return load_rules(rules_path or rules_path_for(plan_path), plans)


@click.command(name="frister", cls=Command)
@click.option("--team", help="Kun dette teams sager (sagens nuværende team).")
@click.option("--advisor", help="Kun denne rådgivers sager (initialer).")
@on_option
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True, help="text til mennesker, json til sagssystemer, csv til regneark.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Skriv til en fil.")
@click.option("--regler", "show_rules", is_flag=True, help="Vis fristreglerne (med kilde og verifikation) i stedet for arbejdslisten.")
@rules_option
@plan_option
@db_option
def frister_cmd(team: str | None, advisor: str | None, on: str | None, fmt: str, output: Path | None, show_rules: bool, rules_path: Path | None, plan_path: Path, db_url: str | None) -> None:
    """Arbejdslisten: hver åben frist med sag, hvad der skal ske, fristen og dage tilbage
    (negativ: overskredet), for et team, en rådgiver eller hele afdelingen.

    \b
    Eksempler:
      kompetenceplan frister --team "Team Nord"
      kompetenceplan frister --advisor ABC --format csv -o frister.csv
      kompetenceplan frister --regler

    Exitkoder: 0 ingen overskredne frister, 1 mindst én overskredet, 2 fejl i input, regler eller database.
    """
    from ..frister.render import rules_markdown
    from ..frister.worklist import render_csv, render_text, worklist

    plans = read_plans(plan_path)
    config = _rules(rules_path, plan_path, plans)
    if show_rules:
        write_or_echo(rules_markdown(config), output)
        return
    day = date_or_today(on, "--on")
    wl = worklist(open_register(db_url).engine, config, on=day, team=team, advisor=advisor)
    text = json.dumps(wl.to_dict(), ensure_ascii=False, indent=2) + "\n" if fmt == "json" else render_csv(wl) if fmt == "csv" else render_text(wl)
    write_or_echo(text, output)
    if output is not None:
        click.echo(f"Arbejdslisten er skrevet til {os.fspath(output)} ({len(wl.items)} frister, {wl.overdue} overskredet).", err=True)
    sys.exit(EXIT_FINDINGS if wl.overdue else EXIT_OK)


@click.command(name="status-rapport", cls=Command, error_format="text")
@click.option("--quarter", required=True, metavar="ÅÅÅÅQn", help="Kvartalet, fx 2026Q4.")
@click.option("--hr", "hr_path", type=click.Path(dir_okay=False, path_type=Path), help="Sygefravær og fratrædelser fra HR-systemet (CSV; docs/frister.md).")
@on_option
@click.option("--format", "fmt", type=click.Choice(["markdown", "html", "json"]), default="markdown", show_default=True, help="html kan printes; json til videre behandling. (PDF: udskriv html.)")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Skriv til en fil.")
@rules_option
@plan_option
@db_option
def status_cmd(quarter: str, hr_path: Path | None, on: str | None, fmt: str, output: Path | None, rules_path: Path | None, plan_path: Path, db_url: str | None) -> None:
    """Statusrapport til Social- og Handicapudvalget: sagsbehandlingstider, frister overholdt og
    overskredet, sager pr. rådgiver mod kommunens mål, sygefravær og fratrædelser, med udvikling
    over kvartaler.

    \b
    Eksempel:
      kompetenceplan status-rapport --quarter 2026Q4 --hr hr.csv --format html -o status.html
    """
    from ..frister.hr import read_hr
    from ..frister.render import render_html, render_markdown, to_json
    from ..frister.status import build_status

    plans = read_plans(plan_path)
    config = _rules(rules_path, plan_path, plans)
    hr = read_hr(hr_path) if hr_path is not None else None
    figures = build_status(open_register(db_url).engine, config, quarter, hr=hr, today=option_date(on, "--on"))
    text = json.dumps(to_json(figures), ensure_ascii=False, indent=2, default=str) + "\n" if fmt == "json" else render_html(figures) + "\n" if fmt == "html" else render_markdown(figures)
    write_or_echo(text, output)
    if output is not None:
        click.echo(f"Statusrapporten er skrevet til {os.fspath(output)}.", err=True)


# -- case events --------------------------------------------------------------------------------------


@click.group(name="haendelse", cls=Group)
def event_group() -> None:
    """Sagshændelser: modtagelse, undersøgelse, foreløbig vurdering, plan, opfølgning og
    formandsafgørelse. Afgørelser registreres med 'decision'; fristerne læser begge.

    \b
    Eksempler:
      kompetenceplan haendelse record --case-ref S-2026-0042 --team "Team Syd" --kind modtaget \\
          --art underretning --date 2026-03-02 --paragraf bl-32-1-3 --advisor ABC
      kompetenceplan haendelse list --case-ref S-2026-0042
      kompetenceplan haendelse import eksport.csv
    """


@event_group.command(name="record")
@click.option("--case-ref", required=True, help="Sagssystemets sagsnummer.")
@click.option("--team", required=True)
@click.option(
    "--kind",
    required=True,
    help="Hændelsen: modtaget, undersoegelse_startet, undersoegelse_afsluttet, foreloebig_vurdering, plan_udarbejdet, plan_revideret, opfoelgning, formandsafgoerelse, formandsafgoerelse_godkendt.",
)
@click.option("--art", help="Modtaget: ansoegning/henvendelse/underretning; undersøgelse: bfu/ungefaglig/voksenudredning; plan: barnets_plan/ungeplan/handleplan.")
@click.option("--date", "occurred_on", required=True, metavar="ÅÅÅÅ-MM-DD", help="Dagen, hændelsen fandt sted.")
@click.option("--paragraf", help="Paragrafkode, fx bl-47 (krævet for en formandsafgørelse).")
@click.option("--advisor", help="Sagens rådgiver (initialer).")
@click.option("--note", default="", help="Bemærkning (intet CPR-nummer).")
@click.option("--corrects", type=int, help="Id på den hændelse, denne retter.")
@click.option("--withdraw", is_flag=True, help="Tilbagekald hændelsen, der rettes (med --corrects).")
@plan_option
@db_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def event_record(
    case_ref: str,
    team: str,
    kind: str,
    art: str | None,
    occurred_on: str,
    paragraf: str | None,
    advisor: str | None,
    note: str,
    corrects: int | None,
    withdraw: bool,
    plan_path: Path,
    db_url: str | None,
    fmt: str,
) -> None:
    """Registrér en sagshændelse (en rettelse med --corrects).

    \b
    Eksempel:
      kompetenceplan haendelse record --case-ref S-2026-0042 --team "Team Syd" --kind opfoelgning --date 2026-06-01
    """
    from ..actor import local_actor
    from ..store.events import record

    day = option_date(occurred_on, "--date")
    rec = record(
        open_register(db_url),
        read_plans(plan_path),
        local_actor(),
        case_ref=case_ref,
        team=team,
        kind=kind,
        art=art,
        occurred_on=day,
        paragraph=paragraf,
        advisor=advisor,
        note=note,
        corrects=corrects,
        withdraw=withdraw,
    )
    if fmt == "json":
        echo_json(rec.model_dump(mode="json"))
    else:
        what = "tilbagekaldt" if rec.withdrawn else "gemt"
        click.echo(
            f"Hændelse {rec.id} {what}: {rec.kind}{' (' + rec.art + ')' if rec.art else ''} {rec.occurred_on.isoformat()} i sag {rec.case_ref}"
            + (f" (retter {rec.corrects_id})." if rec.corrects_id else ".")
        )


@event_group.command(name="list")
@click.option("--case-ref", help="Kun denne sag.")
@click.option("--team")
@click.option("--from", "start", metavar="ÅÅÅÅ-MM-DD")
@click.option("--to", "end", metavar="ÅÅÅÅ-MM-DD")
@click.option("--all-versions", is_flag=True, help="Vis også rettede og tilbagekaldte versioner.")
@db_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def event_list(case_ref: str | None, team: str | None, start: str | None, end: str | None, all_versions: bool, db_url: str | None, fmt: str) -> None:
    """Vis sagshændelser (de gældende; --all-versions: alle)."""
    from ..store.events import query

    recs = query(open_register(db_url), case_ref=case_ref, team=team, start=option_date(start, "--from"), end=option_date(end, "--to"), include_corrected=all_versions)
    if fmt == "json":
        echo_json([r.model_dump(mode="json") for r in recs])
        return
    for r in recs:
        mark = "  TILBAGEKALDT" if r.withdrawn else ""
        fix = f"  retter {r.corrects_id}" if r.corrects_id else ""
        click.echo(f"{r.id:>6}  {r.occurred_on.isoformat()}  {r.case_ref:<16} {r.team:<14} {r.kind:<28} {r.art or '':<14} {r.paragraph or '':<10} {r.advisor or ''}{fix}{mark}")
    click.echo(f"{len(recs)} hændelser.")


@event_group.command(name="import")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=str))
@click.option("--file-format", "file_format", type=click.Choice(["csv", "jsonl"]), default=None, help="Filens format (standard: ud fra endelsen; .jsonl er JSON Lines, ellers CSV).")
@plan_option
@db_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Rapportens format (json til sagssystemer).")
def event_import(file: str, file_format: str | None, plan_path: Path, db_url: str | None, fmt: str) -> None:
    """Importér sagshændelser fra sagssystemets eksport (CSV eller JSON Lines; kolonner i
    docs/register.md). En hændelse, der allerede er gemt, gemmes ikke igen; dårlige linjer vises
    (linje og kolonne, aldrig værdien) og springes over; de gode gemmes i én transaktion.

    \b
    Eksempel:
      kompetenceplan haendelse import eksport.csv

    Exitkoder: 0 alt læst, 1 linjer sprunget over, 2 filen eller databasen kan ikke bruges.
    """
    from ..actor import local_actor
    from ..store.events import import_events

    if file == "-":
        data, name = sys.stdin.buffer.read(), "standard input"
    else:
        try:
            data, name = Path(file).read_bytes(), Path(file).name
        except OSError:
            raise KompetenceplanError("Filen kan ikke læses.", [Problem(Path(file).name, "findes ikke eller kan ikke åbnes.", "Kontrollér stien.")]) from None
    report = import_events(open_register(db_url), read_plans(plan_path), local_actor(), data, name, file_format)
    if fmt == "json":
        echo_json(report.model_dump(mode="json"))
    else:
        click.echo(f"{report.imported} hændelser importeret, {report.already} fandtes allerede, {len(report.skipped)} linjer sprunget over.")
        for s in report.skipped:
            for p in s["problems"]:
                click.echo(f"  {p['where']}: {p['what']} {p['fix']}".rstrip(), err=True)
    sys.exit(EXIT_FINDINGS if report.skipped else EXIT_OK)


def register_frister(main: click.Group) -> None:
    main.add_command(frister_cmd)
    main.add_command(status_cmd)
    main.add_command(event_group)
