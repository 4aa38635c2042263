"""Command line for the økonomisk tilsyn: `kompetenceplan oekonomi report|import`.

Attached to the main group by `cli/commands.py`. SQLAlchemy is imported inside the commands only.
Exit codes: 0 ok, 2 bad input, data, plan or database (an import with bad rows imports nothing);
errors are printed as text (also with ``--format json``) by the one handler in `cli.base.Command`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..danish import MAX_KRONER, read_number
from ..errors import KompetenceplanError, Problem
from .base import Group, db_option, open_register, plan_option, quarter_option, read_plans, write_or_echo


@click.group(name="oekonomi", cls=Group)
def economy_group() -> None:
    """Økonomisk tilsyn: udgift, bevægelser og priser fra afgørelsesregisteret.

    \b
    Eksempler:
      kompetenceplan oekonomi report --quarter 2026Q4 --monthly --format html -o tilsyn.html
      kompetenceplan oekonomi import betalinger.csv
    """


@economy_group.command(name="report", error_format="text")
@quarter_option
@click.option("--monthly", is_flag=True, help="Vis også kvartalets måneder hver for sig.")
@click.option("--format", "fmt", type=click.Choice(["markdown", "html", "json"]), default="markdown", show_default=True, help="html kan printes; json til videre behandling.")
@click.option("--threshold", default=None, metavar="KR", help="Tærskel i kr. om måneden for listen over store afgørelser, som på dansk, fx 50.000 (standard 50.000, vejledende).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Skriv til en fil i stedet for standard output.")
@plan_option
@db_option
def economy_report(quarter: str, monthly: bool, fmt: str, threshold: str | None, output: Path | None, plan_path: Path, db_url: str | None) -> None:
    """Rapporten for ét kvartal: aktive indsatser og udgift efter trin, paragraf og anbringelsestype,
    bevægelser på indsatstrappen, prisudvikling og afgørelser over tærsklen."""
    from ..tilsyn.economy import DEFAULT_THRESHOLD, build_report, html, markdown, parse_quarter

    q = parse_quarter(quarter)
    # Read as the web page reads it (`danish`): "50.000" is fifty thousand kroner, never 50.
    limit = DEFAULT_THRESHOLD if threshold is None else float(read_number(threshold, "--threshold", decimals=2, minimum=0, maximum=MAX_KRONER, fix="Skriv kroner om måneden, fx --threshold 50.000."))
    plans = read_plans(plan_path)
    report = build_report(open_register(db_url).engine, plans, q, monthly=monthly, threshold=limit)
    text = json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n" if fmt == "json" else html(report) if fmt == "html" else markdown(report)
    write_or_echo(text, output)
    if output is not None:
        click.echo(f"Skrev {output}.", err=True)


@economy_group.command(name="import", error_format="text")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=str))
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default=None, help="Filens format (standard: ud fra endelsen; .jsonl er JSON Lines, ellers CSV).")
@plan_option
@db_option
def economy_import(file: str, fmt: str | None, plan_path: Path, db_url: str | None) -> None:
    """Importér betalinger fra økonomisystemet (CSV eller JSON Lines, se docs/oekonomisk-tilsyn.md).
    Har blot én linje fejl, importeres intet; alle fejl vises med linjenummer og felt. En linje, der
    allerede er importeret (samme indhold), gemmes ikke igen: en gentaget import gemmer intet nyt."""
    from ..tilsyn.economy import kr
    from ..tilsyn.finance import import_payments

    if file == "-":
        data, name = sys.stdin.buffer.read(), "standard input"
    else:
        try:
            data, name = Path(file).read_bytes(), Path(file).name
        except OSError:
            raise KompetenceplanError("Filen kan ikke læses.", [Problem(Path(file).name, "findes ikke eller kan ikke åbnes.", "Kontrollér stien.")]) from None
    plans = read_plans(plan_path)
    result = import_payments(open_register(db_url).engine, plans, data, name, fmt)
    already = f"; {result.already_imported} linjer var allerede importeret og er ikke gemt igen" if result.already_imported else ""
    if result.imported:
        click.echo(f"Importerede {result.imported} betalinger ({result.first} – {result.last}, i alt {kr(result.total_oere)} kr.){already}.")
    else:
        click.echo(f"Intet nyt: {result.already_imported} linjer var allerede importeret; intet er gemt igen.")


def register_economy(main: click.Group) -> None:
    main.add_command(economy_group)
