"""Command line for the økonomisk tilsyn: `kompetenceplan oekonomi report|import`.

Attached to the main group by `cli.py`. SQLAlchemy is imported inside the commands only.
Exit codes: 0 ok, 2 bad input, data, plan or database (an import with bad rows imports nothing).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from .cli_base import Group
from .cli_register import DB_ENV, DEFAULT_PLAN, PLAN_ENV
from .errors import KompetenceplanError, Problem

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

EXIT_OK, EXIT_USAGE = 0, 2
db_option = click.option("--db", "db_url", envvar=DB_ENV, default=None, metavar="URL", help=f"SQLAlchemy-URL (eller {DB_ENV}); standard sqlite:///kompetenceplan.db.")
plan_option = click.option("--plan", "plan_path", envvar=PLAN_ENV, default=DEFAULT_PLAN, show_default=True, type=click.Path(path_type=Path), help=f"Planmappe (eller {PLAN_ENV}).")


def _fail(error: KompetenceplanError) -> NoReturn:
    click.echo(error.render(), err=True)
    sys.exit(EXIT_USAGE)


def _engine(db_url: str | None) -> Engine:
    try:
        from .store.db import check_schema, make_engine
    except ImportError:
        _fail(KompetenceplanError("Registeret er ikke installeret.", [Problem("--db", "SQLAlchemy, Alembic eller psycopg mangler.", "Installér med: pip install 'kompetenceplan[register]'.")]))
    engine = make_engine(db_url)
    click.get_current_context().call_on_close(engine.dispose)
    check_schema(engine)
    return engine


@click.group(name="oekonomi", cls=Group)
def economy_group() -> None:
    """Økonomisk tilsyn: udgift, bevægelser og priser fra afgørelsesregisteret.

    \b
    Eksempler:
      kompetenceplan oekonomi report --quarter 2026Q4 --monthly --format html -o tilsyn.html
      kompetenceplan oekonomi import betalinger.csv
    """


@economy_group.command(name="report")
@click.option("--quarter", required=True, metavar="ÅÅÅÅQn", help="Kvartalet, fx 2026Q4.")
@click.option("--monthly", is_flag=True, help="Vis også kvartalets måneder hver for sig.")
@click.option("--format", "fmt", type=click.Choice(["markdown", "html", "json"]), default="markdown", show_default=True, help="html kan printes; json til videre behandling.")
@click.option("--threshold", type=click.FloatRange(min=0), default=None, metavar="KR", help="Tærskel i kr. om måneden for listen over store afgørelser (standard 50000, vejledende).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Skriv til en fil i stedet for standard output.")
@plan_option
@db_option
def economy_report(quarter: str, monthly: bool, fmt: str, threshold: float | None, output: Path | None, plan_path: Path, db_url: str | None) -> None:
    """Rapporten for ét kvartal: aktive indsatser og udgift efter trin, paragraf og anbringelsestype,
    bevægelser på indsatstrappen, prisudvikling og afgørelser over tærsklen."""
    try:
        from .plan import load_plans
        from .tilsyn.economy import DEFAULT_THRESHOLD, build_report, html, markdown, parse_quarter

        q = parse_quarter(quarter)
        plans = load_plans(plan_path)
        report = build_report(_engine(db_url), plans, q, monthly=monthly, threshold=DEFAULT_THRESHOLD if threshold is None else threshold)
    except KompetenceplanError as exc:
        _fail(exc)
    text = json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n" if fmt == "json" else html(report) if fmt == "html" else markdown(report)
    if output is not None:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Skrev {output}.", err=True)
    else:
        click.echo(text, nl=False)


@economy_group.command(name="import")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=str))
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default=None, help="Filens format (standard: ud fra endelsen; .jsonl er JSON Lines, ellers CSV).")
@plan_option
@db_option
def economy_import(file: str, fmt: str | None, plan_path: Path, db_url: str | None) -> None:
    """Importér betalinger fra økonomisystemet (CSV eller JSON Lines, se docs/oekonomisk-tilsyn.md).
    Har blot én linje fejl, importeres intet; alle fejl vises med linjenummer og felt."""
    try:
        from .plan import load_plans
        from .tilsyn.economy import kr
        from .tilsyn.finance import import_payments

        if file == "-":
            data, name = sys.stdin.buffer.read(), "standard input"
        else:
            try:
                data, name = Path(file).read_bytes(), Path(file).name
            except OSError:
                raise KompetenceplanError("Filen kan ikke læses.", [Problem(Path(file).name, "findes ikke eller kan ikke åbnes.", "Kontrollér stien.")]) from None
        plans = load_plans(plan_path)
        result = import_payments(_engine(db_url), plans, data, name, fmt)
    except KompetenceplanError as exc:
        _fail(exc)
    click.echo(f"Importerede {result.imported} betalinger ({result.first} – {result.last}, i alt {kr(result.total_oere)} kr.).")


def register_economy(main: click.Group) -> None:
    main.add_command(economy_group)
