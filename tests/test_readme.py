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
    assert "kompetenceplan route examples/cases/" in commands[0]
    assert "pytest" in commands[1]
    assert (ROOT / commands[0].rsplit(" ", 1)[-1]).is_file()


def test_ci_runs_the_readme_commands() -> None:
    """.ci/run runs the README's commands verbatim, so the README stays true."""
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for command in _readme_commands():
        assert command in ci


def test_the_tilsyn_example_runs_as_written(tmp_path, monkeypatch) -> None:
    """The README's tilsyn block, command by command (database and output in a temporary folder)."""
    import shlex

    from click.testing import CliRunner

    from kompetenceplan.cli import main

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### Ledelsestilsyn and økonomisk tilsyn") :]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block
    commands = [line.split("   #")[0].strip() for line in block.group(1).splitlines() if line.strip()]
    assert [c.split()[1:3] for c in commands] == [["db", "upgrade"], ["tilsyn", "generate"], ["tilsyn", "draw"], ["tilsyn", "report"], ["oekonomi", "report"]]
    monkeypatch.chdir(ROOT)  # the default plan and tilsyn configuration are relative paths
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    runner = CliRunner()
    for command in commands:
        args = [url if a == "sqlite:///demo.db" else str(tmp_path / a) if a == "tilsyn.html" else a for a in shlex.split(command)[1:]]
        result = runner.invoke(main, args)
        allowed = (0, 1) if args[:2] == ["tilsyn", "draw"] else (0,)
        assert result.exit_code in allowed, (command, result.output)
        assert "Traceback" not in result.output, (command, result.output)
    assert (tmp_path / "tilsyn.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert "Økonomisk tilsyn – 3. kvartal 2026" in result.output
    assert not (ROOT / "demo.db").exists()


def test_the_frister_example_runs_as_written(tmp_path, monkeypatch) -> None:
    """The README's frister block on the tilsyn block's fictional municipality: the worklist and
    the status report, command by command (database and output in a temporary folder)."""
    import shlex

    from click.testing import CliRunner

    from kompetenceplan.cli import main

    text = (ROOT / "README.md").read_text(encoding="utf-8")

    def block(heading: str) -> list[str]:
        found = re.search(r"```sh\n(.*?)```", text[text.index(heading) :], re.S)
        assert found
        return [line.split("   #")[0].strip() for line in found.group(1).splitlines() if line.strip()]

    setup = block("### Ledelsestilsyn and økonomisk tilsyn")[:2]
    commands = block("### Frister and the status report")
    assert [c.split()[1] for c in commands] == ["frister", "status-rapport"]
    monkeypatch.chdir(ROOT)  # the default plan, rules and the HR example are relative paths
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    runner = CliRunner()
    outputs = []
    for command in [*setup, *commands]:
        args = [url if a == "sqlite:///demo.db" else str(tmp_path / a) if a == "status.html" else a for a in shlex.split(command)[1:]]
        result = runner.invoke(main, args)
        allowed = (0, 1) if args[0] == "frister" else (0,)
        assert result.exit_code in allowed, (command, result.output)
        assert "Traceback" not in result.output, (command, result.output)
        outputs.append(result.output)
    assert "Frister pr. 2026-11-30 — Team Nord" in outputs[2]
    assert "dage over" in outputs[2]
    report = (tmp_path / "status.html").read_text(encoding="utf-8")
    assert report.startswith("<!DOCTYPE html>")
    assert "Statusrapport til Social- og Handicapudvalget – 4. kvartal 2026" in report
    assert not (ROOT / "demo.db").exists()
    assert not (ROOT / "status.html").exists()
