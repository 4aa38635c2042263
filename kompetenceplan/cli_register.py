"""Command line for the register and committee meetings: `db`, `register`, `decision`, `meeting`.

Attached to the main group by `cli.py` (`register_commands(main)`). SQLAlchemy is imported only
inside the commands, so `kompetenceplan route` starts as fast as before.
Exit codes as the rest of the CLI: 0 ok, 1 findings (stored but flagged, or lines skipped),
2 bad input, plan, database or usage, 3 engine fault.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from .errors import EngineError, KompetenceplanError, Problem
from .io import parse_date

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_ENGINE = 0, 1, 2, 3
DB_ENV = "KOMPETENCEPLAN_DB"
PLAN_ENV = "KOMPETENCEPLAN_PLAN"
DEFAULT_PLAN = "rules/nyborg"

db_option = click.option("--db", "db_url", envvar=DB_ENV, default=None, metavar="URL", help=f"SQLAlchemy-URL (eller {DB_ENV}); standard sqlite:///kompetenceplan.db.")
plan_option = click.option("--plan", "plan_path", envvar=PLAN_ENV, default=DEFAULT_PLAN, show_default=True, type=click.Path(path_type=Path), help=f"Planmappe (eller {PLAN_ENV}).")
format_option = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="text til mennesker, json til sagssystemer.")


def _fail(error: KompetenceplanError, fmt: str = "text") -> NoReturn:
    if fmt == "json":
        click.echo(json.dumps(error.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(error.render(), err=True)
    sys.exit(EXIT_ENGINE if isinstance(error, EngineError) else EXIT_USAGE)


def _date(value: str | None, option: str) -> dt.date | None:
    return parse_date(value, option, f"{option} 2026-12-01")


def _required_date(value: str | None, option: str) -> dt.date:
    return _date(value, option) or dt.date.today()


def _register(db_url: str | None) -> Any:
    try:
        from .store.register import Register
    except ImportError:
        raise KompetenceplanError("Registeret er ikke installeret.", [Problem("--db", "SQLAlchemy, Alembic eller psycopg mangler.", "Installér med: pip install 'kompetenceplan[register]'.")]) from None
    return Register(db_url)


def _plans(plan_path: Path) -> Any:
    from .plan import load_plans

    return load_plans(plan_path)


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


# -- db ---------------------------------------------------------------------------------------
@click.group(name="db")
def db_group() -> None:
    """Registerets database: opret/migrér, eksportér, slet gamle data.

    \b
    Eksempler:
      kompetenceplan db upgrade
      kompetenceplan db export -o register.jsonl
      kompetenceplan db purge --before 2021-01-01
    """


@db_group.command(name="upgrade")
@db_option
def db_upgrade(db_url: str | None) -> None:
    """Opret databasen eller migrér den til nyeste skemaversion.

    \b
    Eksempler:
      kompetenceplan db upgrade
      kompetenceplan db upgrade --db postgresql+psycopg://kp@db.kommune.local/kompetenceplan
    """
    try:
        from .store.db import make_engine, upgrade

        engine = make_engine(db_url)
        before, after = upgrade(engine)
        engine.dispose()
    except ImportError:
        _fail(KompetenceplanError("Registeret er ikke installeret.", [Problem("db", "SQLAlchemy eller Alembic mangler.", "Installér med: pip install 'kompetenceplan[register]'.")]))
    except KompetenceplanError as exc:
        _fail(exc)
    click.echo(f"Databasen er på skemaversion {after}" + (" (uændret)." if before == after else f" (før: {before or 'tom'})."))


@db_group.command(name="export")
@db_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Skriv til en fil i stedet for standard output.")
def db_export(db_url: str | None, output: Path | None) -> None:
    """Alle registreringer som JSON Lines (én post pr. linje; 'tabel' angiver tabellen)."""
    try:
        reg = _register(db_url)
        lines = (json.dumps(rec, ensure_ascii=False, default=str) for rec in reg.export())
        if output is not None:
            with output.open("w", encoding="utf-8") as fh:
                for line in lines:
                    fh.write(line + "\n")
        else:
            for line in lines:
                click.echo(line)
    except KompetenceplanError as exc:
        _fail(exc)


@db_group.command(name="purge")
@db_option
@click.option("--before", required=True, metavar="ÅÅÅÅ-MM-DD", help="Slet registreringer fra før denne dato (opbevaringsfrist).")
@format_option
def db_purge(db_url: str | None, before: str, fmt: str) -> None:
    """Slet registreringer ældre end en dato og vis antallet pr. tabel.

    En registrering, som en nyere stadig peger på (en rettelse, en afgørelses routing), beholdes
    og tælles som 'beholdt'.

    \b
    Eksempel:
      kompetenceplan db purge --before 2021-01-01
    """
    try:
        when = _required_date(before, "--before")
        report = _register(db_url).purge(when)
    except KompetenceplanError as exc:
        _fail(exc, fmt)
    if fmt == "json":
        _echo_json(report.model_dump(mode="json"))
        return
    click.echo(f"Slettet fra før {when.isoformat()}: " + ", ".join(f"{t}: {n}" for t, n in report.deleted.items()) + ".")
    if any(report.kept_referenced.values()):
        click.echo("Beholdt (en nyere registrering peger på dem): " + ", ".join(f"{t}: {n}" for t, n in report.kept_referenced.items()) + ".")


def register_commands(main: click.Group) -> None:
    """Attach the register's commands to the main CLI group."""
    main.add_command(db_group)
