"""The README's first two commands are the ones CI runs, and what they name exists."""

from __future__ import annotations

import re

from .conftest import ROOT


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```sh\n(.*?)```", text, re.S)
    assert block, "README must open with a sh block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_readme_opens_with_exactly_two_commands() -> None:
    """A newcomer gets one command that sets up and runs, and one that tests."""
    commands = _readme_commands()
    assert len(commands) == 2
    assert "kompetenceplan route examples/cases/" in commands[0] and "pytest" in commands[1]
    assert (ROOT / commands[0].rsplit(" ", 1)[-1]).is_file()


def test_ci_runs_the_readme_commands() -> None:
    """.ci/run runs the README's commands verbatim, so the README stays true."""
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for command in _readme_commands():
        assert command in ci
