"""The command line's one error handler: the library's errors become the documented message and
exit code (0 ok, 1 findings, 2 bad input, plan or usage, 3 engine fault: no decision was made,
4 the register's database could not be written or read — read-only, a full disk, a lost
connection: nothing was stored).

Every command of `cli/commands.py`, `cli/register.py`, `cli/tilsyn.py` and `cli/oekonomi.py` is a
:class:`Command`; a command raises :class:`~kompetenceplan.errors.KompetenceplanError` and never
prints or exits for it itself. Also here: the options and helpers the register-backed groups
(db, register, decision, meeting, tilsyn, oekonomi) share. Nothing here imports SQLAlchemy.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from ..errors import EngineError, KompetenceplanError, Problem, UnavailableError
from ..io import parse_date

if TYPE_CHECKING:
    from ..plan import PlanSet
    from ..store.register import Register

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_ENGINE, EXIT_UNAVAILABLE = 0, 1, 2, 3, 4

DB_ENV = "KOMPETENCEPLAN_DB"
PLAN_ENV = "KOMPETENCEPLAN_PLAN"
DEFAULT_PLAN = "rules/nyborg"

db_option = click.option("--db", "db_url", envvar=DB_ENV, default=None, metavar="URL", help=f"SQLAlchemy-URL (eller {DB_ENV}); standard sqlite:///kompetenceplan.db.")
plan_option = click.option(
    "--plan", "plan_path", envvar=PLAN_ENV, default=DEFAULT_PLAN, show_default=True, type=click.Path(path_type=Path), help=f"Planmappe med TOML-filer (eller miljøvariablen {PLAN_ENV})."
)
format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text til mennesker, json til sagssystemer.",
)
quarter_option = click.option("--quarter", required=True, metavar="ÅÅÅÅQn", help="Kvartalet, fx 2026Q4.")


def option_date(value: str | None, option: str) -> dt.date | None:
    """The ÅÅÅÅ-MM-DD date given to ``option`` (None when not given)."""
    return parse_date(value, option, f"{option} 2026-12-01")


def open_register(db_url: str | None) -> Register:
    """The register at ``db_url`` (its schema checked), closed when the command ends."""
    try:
        from ..store.register import Register
    except ImportError:
        raise KompetenceplanError(
            "Registeret er ikke installeret.", [Problem("--db", "SQLAlchemy, Alembic eller psycopg mangler.", "Installér med: pip install 'kompetenceplan[register]'.")]
        ) from None
    reg = Register(db_url)
    click.get_current_context().call_on_close(reg.close)
    return reg


def date_or_today(value: str | None, option: str) -> dt.date:
    """The ÅÅÅÅ-MM-DD date given to ``option``, or today."""
    return option_date(value, option) or dt.date.today()


def read_plans(plan_path: Path) -> PlanSet:
    """Every version of the plan in ``plan_path``."""
    from ..plan import load_plans

    try:
        return load_plans(plan_path)
    except KompetenceplanError as exc:
        if not plan_path.exists() and str(plan_path) == DEFAULT_PLAN:
            exc.problems.append(Problem(str(plan_path), "standardplanen findes kun i projektets rodmappe.", f"Kør fra projektmappen eller angiv --plan / {PLAN_ENV}."))
        raise


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def write_or_echo(text: str, output: Path | None) -> None:
    """``text`` as it is into the file ``output``, or on standard output."""
    if output is not None:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


def fail(error: KompetenceplanError, fmt: str = "text") -> NoReturn:
    """Print ``error`` (JSON on standard output, or Danish text on standard error) and exit with
    its code: 3 for an engine fault (no decision was made), 4 when the register's database could
    not be used (nothing was stored), 2 for everything else."""
    code = EXIT_ENGINE if isinstance(error, EngineError) else EXIT_UNAVAILABLE if isinstance(error, UnavailableError) else EXIT_USAGE
    if fmt == "json":
        click.echo(json.dumps(error.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(error.render(), err=True)
    sys.exit(code)


class Command(click.Command):
    """A command whose library errors become the documented message and exit code.

    The error is printed as JSON when the command was asked for ``--format json`` (or always,
    with ``error_format="json"``: commands whose output is JSON only), else as text.
    """

    def __init__(self, *args: Any, error_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.error_format = error_format

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KompetenceplanError as exc:
            fail(exc, self.error_format or ("json" if ctx.params.get("fmt") == "json" else "text"))


class Group(click.Group):
    """A command group whose commands (and sub-groups) are :class:`Command` s."""

    command_class = Command
    group_class = type  # sub-groups are of this same class
