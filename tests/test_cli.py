"""The command line: examples route, errors are clear and use the documented exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from kompetenceplan import Decision
from kompetenceplan.cli.base import Command
from kompetenceplan.cli.commands import LAZY_GROUPS, main
from kompetenceplan.engine import durable_adapter
from kompetenceplan.errors import EngineError, KompetenceplanError, Problem

from .conftest import EXAMPLES, NYBORG, ROOT

CASES = sorted((EXAMPLES / "cases").glob("*.json"))
EXPECTED_LEVEL = {  # the level each example's file name promises
    "raadgiver": "raadgiver",
    "team": "team",
    "leder": "leder",
    "visitationsudvalg": "visitationsudvalg",
    "buu": "boerne_og_ungeudvalg",
    "familieretshuset": "familieretshuset",
}


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, ["route", "--plan", str(NYBORG), *args], input=input)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_every_example_routes_to_the_level_its_name_says(path: Path) -> None:
    """Each bundled example is decided (exit 0) at the level in its file name, with an explanation."""
    result = run(str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    decision = Decision.model_validate_json(result.output)
    suffix = path.stem.rsplit("-", 1)[-1]
    assert decision.level.id == EXPECTED_LEVEL[suffix]
    text = run(str(path)).output
    assert text.startswith(f"Afgørelsesniveau: {decision.level.name}")
    assert "Hjemmel:" in text or "Grundlag:" in text


def test_examples_cover_every_level_and_both_areas(nyborg) -> None:
    """A newcomer can see every level, both areas and a case lifted by its total cost."""
    levels = {EXPECTED_LEVEL[p.stem.rsplit("-", 1)[-1]] for p in CASES}
    assert levels == {lv.id for lv in nyborg.levels}
    areas = {json.loads(p.read_text(encoding="utf-8"))["paragraf"][:2] for p in CASES}
    assert areas == {"bl", "se"}
    assert any("flere-indsatser" in p.name for p in CASES)


def test_stdin_and_flags() -> None:
    """A case can come on standard input, or as flags for the advisor in a hurry."""
    case = (EXAMPLES / "cases" / "familiebehandling-raadgiver.json").read_text(encoding="utf-8")
    assert run("-", input=case).exit_code == 0
    flags = run("-p", "bl-32-1-5", "-t", "3", "-s", "maanedlig_udgift=12000", "-s", "varighed_maaneder=6", "-s", "alder=10", "-s", "samtykke=ja", "-s", "sagens_maanedlige_udgift=12000")
    assert flags.exit_code == 0
    assert "Rådgiver" in flags.output


def test_flags_override_the_file() -> None:
    """With a file and flags, the flags win (a quick 'what if')."""
    path = EXAMPLES / "cases" / "familiebehandling-raadgiver.json"
    result = run(str(path), "-s", "maanedlig_udgift=31000", "-s", "sagens_maanedlige_udgift=31000")
    assert result.exit_code == 0
    assert result.output.startswith("Afgørelsesniveau: Lederbeslutning")


@pytest.mark.parametrize(
    ("args", "input", "words"),
    [
        (["missing.json"], None, "findes ikke"),
        (["-"], "{not json", "ugyldig JSON"),
        (["-"], '{"trin": 3, "trin": 4}', "to gange"),
        (["-"], '{"trin": NaN}', "NaN"),
        (["-"], "[1, 2]", "ét JSON-objekt"),
        (["-"], '{"paragraf": "bl-32-1-5", "trin": "3", "samtykke": true}', "sagen.trin"),
        (["-s", "trin"], None, "NAVN=VÆRDI"),
        (["-s", "trin=tre"], None, "heltal"),
        (["-s", "maanedlig_udgift=12,000"], None, "tvetydigt"),
        (["-s", "maanedlig_udgift=12.5"], None, "tusindtalsskilletegn"),
        ([], None, "Ingen sag"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(args, input, words) -> None:
    """User mistakes give exit code 2 and a message naming what to fix; no traceback."""
    result = run(*args, input=input)
    assert result.exit_code == 2, result.output
    assert words in result.output
    assert "Traceback" not in result.output


def test_missing_input_exits_2_and_json_errors_are_json() -> None:
    """A missing input that could lift the level is a data error (2); --format json gives JSON."""
    result = run("-p", "bl-32-1-5", "-t", "3", "-s", "maanedlig_udgift=12000", "-s", "varighed_maaneder=6", "-s", "alder=10", "-s", "samtykke=ja", "--format", "json")
    assert result.exit_code == 2
    error = json.loads(result.output)
    assert error["error"] == "MissingInputError"
    assert error["problems"][0]["where"] == "sagen.sagens_maanedlige_udgift"


def test_engine_fault_exits_3(monkeypatch) -> None:
    """An engine fault is not the user's mistake: exit 3, and no level is printed."""
    monkeypatch.setattr(durable_adapter, "_faults", [])  # this fault must not make /health 'degraded' later
    monkeypatch.setattr(durable_adapter._durable_c, "start_action_for_state", lambda handle, state: None)
    result = run(str(CASES[0]))
    assert result.exit_code == 3
    assert "Afgørelsesniveau" not in result.output


def test_bad_plan_exits_2(tmp_path: Path) -> None:
    """A plan folder without TOML files is a data error naming the folder."""
    result = CliRunner().invoke(main, ["route", "--plan", str(tmp_path), str(CASES[0])])
    assert result.exit_code == 2
    assert str(tmp_path) in result.output


def test_plan_command_lists_paragraph_codes() -> None:
    """'kompetenceplan plan' shows levels, ladder and the codes an advisor can type."""
    result = CliRunner().invoke(main, ["plan", "--plan", str(NYBORG)])
    assert result.exit_code == 0
    assert "bl-32-1-5" in result.output
    assert "Børne- og ungeudvalget" in result.output
    data = json.loads(CliRunner().invoke(main, ["plan", "--plan", str(NYBORG), "--format", "json"]).output)
    assert [lv["id"] for lv in data["levels"]][0] == "raadgiver"


def _top_commands() -> list[str]:
    return main.list_commands(click.Context(main))


def _leaf_commands() -> list[tuple[list[str], click.Command]]:
    """Every command a user can run, with its path of names (``["db", "upgrade"]``)."""
    ctx = click.Context(main)
    leaves: list[tuple[list[str], click.Command]] = []

    def walk(group: click.Group, path: list[str]) -> None:
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            assert command is not None, name
            if isinstance(command, click.Group):
                walk(command, [*path, name])
            else:
                leaves.append(([*path, name], command))

    walk(main, [])
    return leaves


LEAVES = _leaf_commands()


def test_the_register_groups_are_listed_and_reachable() -> None:
    """The lazily attached register groups are in the command list and in --help, like any other."""
    assert set(LAZY_GROUPS) <= set(_top_commands())
    help_text = CliRunner().invoke(main, ["--help"]).output
    assert all(f"  {name} " in help_text for name in LAZY_GROUPS), help_text
    assert {path[0] for path, _ in LEAVES} >= {"route", "validate", *LAZY_GROUPS}


def _required_arguments(command: click.Command) -> list[str]:
    """A placeholder value for each required parameter, so the command body is reached."""
    args: list[str] = []
    for param in command.params:
        if not param.required:
            continue
        kind = param.type
        value = kind.choices[0] if isinstance(kind, click.Choice) else "1" if isinstance(kind, (click.types.IntParamType, click.types.FloatParamType)) else "x.json"
        args += [value] if isinstance(param, click.Argument) else [param.opts[0], str(value)]
    return args


def _json_format(command: click.Command) -> bool:
    return any(p.name == "fmt" and isinstance(p.type, click.Choice) and "json" in p.type.choices for p in command.params)


@pytest.mark.parametrize(("error", "code"), [(KompetenceplanError, 2), (EngineError, 3)], ids=["data-error", "engine-fault"])
@pytest.mark.parametrize(("path", "command"), LEAVES, ids=[" ".join(p) for p, _ in LEAVES])
def test_every_command_maps_library_errors_to_the_exit_code_without_traceback(monkeypatch, path, command, error, code) -> None:
    """The one handler (cli.base.Command): whatever command raises a KompetenceplanError, the user
    gets the Danish message naming the field and exit 2 (3 for an engine fault), never a
    traceback; with --format json the error is JSON on standard output (text on standard error
    where the command declares ``error_format="text"``: the tilsyn and økonomi reports)."""
    assert isinstance(command, Command), f"{path} is not a cli.base.Command"

    def raising(**kwargs):
        raise error("Testfejl.", [Problem("testfelt", "er forkert.", "Ret testfeltet.")])

    monkeypatch.setattr(command, "callback", raising)
    runs: list[tuple[list[str], str]] = [([], command.error_format or "text")] + ([(["--format", "json"], command.error_format or "json")] if _json_format(command) else [])
    for extra, shown_as in runs:
        result = CliRunner().invoke(main, [*path, *_required_arguments(command), *extra])
        assert result.exit_code == code, result.output
        assert isinstance(result.exception, SystemExit), result.exception
        assert "Traceback" not in result.output
        if shown_as == "json":  # the error as JSON on standard output, for a case system
            body = json.loads(result.stdout)
            assert body["error"] == error.__name__
            assert body["problems"][0]["where"] == "testfelt"
        else:  # the Danish message on standard error, naming the field and the fix
            assert "testfelt" in result.stderr
            assert "Ret testfeltet." in result.stderr
            assert result.stdout == ""


@pytest.mark.parametrize("path", [["tilsyn", "report"], ["oekonomi", "report"]], ids=" ".join)
def test_the_reports_print_their_errors_as_text_also_with_format_json(tmp_path: Path, path: list[str]) -> None:
    """The reports' --format json is a report format, not a case system's protocol: an error (here:
    no database) stays Danish text on standard error, exit 2 — as before the handlers were shared."""
    result = CliRunner().invoke(main, [*path, "--quarter", "2026Q4", "--format", "json", "--db", f"sqlite:///{tmp_path / 'ingen.db'}"])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert "Databasen er ikke oprettet." in result.stderr


@pytest.mark.parametrize("command", _top_commands())
def test_every_command_has_help_with_an_example(command: str) -> None:
    """Each command's help text shows at least one example invocation."""
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Eksempel:" in result.output or "Eksempler:" in result.output, result.output
    assert f"kompetenceplan {command}" in result.output, result.output


def test_python_dash_m_works() -> None:
    """'python -m kompetenceplan' is the same program."""
    result = subprocess.run([sys.executable, "-m", "kompetenceplan", "route", str(CASES[0]), "--plan", str(NYBORG)], capture_output=True, text=True, cwd=ROOT, check=False)
    assert result.returncode == 0
    assert result.stdout.startswith("Afgørelsesniveau")


def test_audit_reads_json_lines_and_reports_each_case(tmp_path) -> None:
    """`kompetenceplan audit` decides every line; a bad line gets an error and exit 1."""
    lines = [p.read_text(encoding="utf-8").replace("\n", " ") for p in CASES] + ['{"trin": "3"}']
    source = tmp_path / "sager.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["audit", str(source), "--plan", str(NYBORG), "--on", "2026-12-01"])
    assert result.exit_code == 1
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert len(rows) == len(CASES) + 1
    for row, path in zip(rows, CASES, strict=False):
        assert row["level"] == EXPECTED_LEVEL[path.stem.rsplit("-", 1)[-1]]
    assert rows[-1]["error"]["error"] == "CaseError"


def test_decimal_comma_is_accepted_in_flags() -> None:
    """12000,50 is twelve thousand kroner and fifty øre."""
    result = run(
        "-p",
        "bl-32-1-5",
        "-t",
        "3",
        "-s",
        "maanedlig_udgift=12000,50",
        "-s",
        "varighed_maaneder=6",
        "-s",
        "alder=10",
        "-s",
        "samtykke=ja",
        "-s",
        "sagens_maanedlige_udgift=12000,50",
        "--format",
        "json",
    )
    assert result.exit_code == 0
    assert json.loads(result.output)["inputs"]["maanedlig_udgift"] == 12000.5


@pytest.mark.parametrize("command", ["lint", "render", "test"])
def test_every_command_takes_the_plan_as_plan_option_and_the_old_argument_still_works(command: str) -> None:
    """One way to name the plan on every command (--plan); the positional form is kept."""
    aastrup = str(ROOT / "rules" / "aastrup")
    by_option = CliRunner().invoke(main, [command, "--plan", aastrup])
    by_argument = CliRunner().invoke(main, [command, aastrup])
    assert by_option.exit_code == by_argument.exit_code == 0
    assert by_option.output == by_argument.output
    both = CliRunner().invoke(main, [command, aastrup, "--plan", str(NYBORG)])
    assert both.exit_code == 2
    assert "én gang" in both.output


def test_audit_of_a_large_file_numbers_cases_across_chunks_and_shows_progress_only_on_a_terminal(tmp_path, monkeypatch) -> None:
    """audit decides a large file in chunks: every case keeps its own index (a bad line in a later
    chunk is reported at its place), and the progress bar goes to stderr only when it is a terminal."""
    import io

    from kompetenceplan.tooling import audit as cli

    monkeypatch.setattr(cli, "CHUNK", 3)
    good = [p.read_text(encoding="utf-8").replace("\n", " ") for p in CASES]
    lines = (good * 3)[:8] + ['{"trin": "3"}'] + good[:2]
    source = tmp_path / "sager.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["audit", str(source), "--plan", str(NYBORG), "--on", "2026-12-01"])
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["index"] for r in rows] == list(range(len(lines)))
    assert [i for i, r in enumerate(rows) if "error" in r] == [8]
    assert result.stderr == ""  # not a terminal: no bar

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    bar = cli.Progress.on(screen, 12_345)
    assert cli.Progress.on(io.StringIO(), 12_345) is None
    assert cli.Progress.on(screen, 2) is None
    assert bar is not None
    bar.update(6_000)
    bar.close()
    assert screen.getvalue() == "\r[##############................] 6.000/12.345 sager\n"
