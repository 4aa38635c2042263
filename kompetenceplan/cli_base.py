"""The command line's one error handler: the library's errors become the documented message and
exit code (0 ok, 1 findings, 2 bad input, plan or usage, 3 engine fault: no decision was made).

Every command of `cli.py` and `cli_register.py` is a :class:`Command`; a command raises
:class:`~kompetenceplan.errors.KompetenceplanError` and never prints or exits for it itself.
"""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import click

from .errors import EngineError, KompetenceplanError

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_ENGINE = 0, 1, 2, 3


def fail(error: KompetenceplanError, fmt: str = "text") -> NoReturn:
    """Print ``error`` (JSON on standard output, or Danish text on standard error) and exit with
    its code: 3 for an engine fault (no decision was made), 2 for everything else."""
    code = EXIT_ENGINE if isinstance(error, EngineError) else EXIT_USAGE
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
