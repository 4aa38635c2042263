"""The plan author's commands: lint, render, diff, test (scenario files), schema, openapi and
debug generated. Each imports its library module inside the command, so ``route`` starts fast."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..errors import KompetenceplanError, PlanError, Problem
from .base import DEFAULT_PLAN, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, PLAN_ENV, Command, Group, date_or_today, format_option, plan_option, read_plans

if TYPE_CHECKING:
    from ..tooling.lint import LintFinding


def plan_argument(func: Any) -> Any:
    """The plan folder as ``--plan`` (as on every other command) or, as before, a positional
    argument (kept so existing scripts work). Given both and different: a usage error."""

    @functools.wraps(func)
    def wrapper(*args: Any, plan_path: Path | None = None, plan_flag: Path | None = None, **kwargs: Any) -> Any:
        if plan_path is not None and plan_flag is not None and plan_path != plan_flag:
            raise click.UsageError("Angiv planen én gang: enten --plan eller som argument.")
        chosen = plan_flag or plan_path or Path(os.environ.get(PLAN_ENV) or DEFAULT_PLAN)
        return func(*args, plan_path=chosen, **kwargs)

    wrapper = click.option("--plan", "plan_flag", default=None, type=click.Path(path_type=Path), help=f"Planmappe med TOML-filer (eller miljøvariablen {PLAN_ENV}).")(wrapper)
    return click.argument("plan_path", required=False, type=click.Path(path_type=Path))(wrapper)


@click.command(cls=Command, name="lint")
@plan_argument
@format_option
def lint_command(plan_path: Path, fmt: str) -> None:
    """Find fejl i planen, før en sag rutes efter den: huller, modstrid, monotoni, døde rækker.

    Hver fund har en stabil kode (PLAN-nnn), fil, række og et eksempel på en sag.

    \b
    Eksempler:
      kompetenceplan lint rules/nyborg
      kompetenceplan lint rules/aastrup --format json

    Exitkoder: 0 ingen fund, 1 fund, 2 planen kan ikke indlæses.
    """
    from ..tooling.lint import lint, loader_findings

    try:
        plans = read_plans(plan_path)
    except PlanError as exc:
        findings = loader_findings(exc)
        _print_lint(findings, fmt)
        sys.exit(EXIT_USAGE)
    findings = []
    for version in plans.versions:
        findings += lint(version, plans.scenario_dir if version is plans.latest else None)
    _print_lint(findings, fmt)
    sys.exit(EXIT_FINDINGS if findings else EXIT_OK)


def _print_lint(findings: list[LintFinding], fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps([f.to_dict() for f in findings], ensure_ascii=False, indent=2))
    elif findings:
        click.echo("\n".join(f.render() for f in findings))
        counts = ", ".join(f"{code}: {n}" for code, n in sorted(Counter(f.code for f in findings).items()))
        click.echo(f"\n{len(findings)} fund ({counts}).")
    else:
        click.echo("Ingen fund.")


@click.command(cls=Command, name="render")
@plan_argument
@click.option("--format", "fmt", type=click.Choice(["markdown", "html"]), default="markdown", show_default=True, help="Dokumentformat.")
@click.option("--on", "on", metavar="ÅÅÅÅ-MM-DD", help="Versionen i kraft denne dag (standard: nyeste).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Skriv til en fil i stedet for standard output.")
def render_command(plan_path: Path, fmt: str, on: str | None, output: Path | None) -> None:
    """Vis kompetenceplanen som dokument: hvem afgør hvad pr. område og trin, med hjemmel.

    \b
    Eksempler:
      kompetenceplan render rules/nyborg > kompetenceplan.md
      kompetenceplan render rules/nyborg --format html -o kompetenceplan.html
    """
    from ..tooling.render import markdown, to_html

    plans = read_plans(plan_path)
    plan = plans.in_force(date_or_today(on, "--on")) if on else plans.latest
    text = to_html(plan) if fmt == "html" else markdown(plan)
    if output is not None:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


@click.command(cls=Command, name="diff")
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@format_option
def diff_command(old: Path, new: Path, fmt: str) -> None:
    """Hvilke slags sager skifter niveau mellem to versioner af planen? Med eksempler.

    OLD og NEW er planmapper (eller versionsmapper).

    \b
    Eksempel:
      kompetenceplan diff rules/aastrup/2025.1 rules/aastrup/2026.1

    Exitkoder: 0 ingen ændringer, 1 ændringer, 2 en plan kan ikke indlæses.
    """
    from ..tooling.diff import diff

    old_plan, new_plan = read_plans(old).latest, read_plans(new).latest
    changes, notes = diff(old_plan, new_plan)
    if fmt == "json":
        click.echo(json.dumps({"changes": [c.to_dict() for c in changes], "notes": notes}, ensure_ascii=False, indent=2))
    else:
        lines = [f"{old_plan.meta.version} → {new_plan.meta.version}: {len(changes)} slags sager skifter niveau."]
        for c in changes:
            lines.append(f"  {c.paragraph}: {c.old_level} ({c.old_row or 'eskaleret'}) → {c.new_level} ({c.new_row or 'eskaleret'}) i {c.count} grænsetilfælde")
            lines.append(f"      fx {', '.join(f'{k}={v}' for k, v in c.example.items())}")
        lines += [f"  Note: {n}" for n in notes]
        click.echo("\n".join(lines))
    sys.exit(EXIT_FINDINGS if changes or notes else EXIT_OK)


@click.command(cls=Command, name="test")
@plan_argument
@click.argument("scenario_files", nargs=-1, type=click.Path(exists=True, path_type=Path))
def test_command(plan_path: Path, scenario_files: tuple[Path, ...]) -> None:
    """Kør planens scenarier (sag → forventet niveau og række) og vis resultatet pr. scenarie.

    Uden SCENARIO_FILES køres alle filer i planens scenarier/-mappe.

    \b
    Eksempler:
      kompetenceplan test rules/nyborg
      kompetenceplan test rules/nyborg rules/nyborg/scenarier/voksne.toml

    Exitkoder: 0 alle bestået, 1 et scenarie fejlede, 2 planen eller scenarierne kan ikke indlæses.
    """
    from ..tooling.scenarios import load_scenarios, run_scenario

    plans = read_plans(plan_path)
    scenarios = load_scenarios(*(scenario_files or (plans.scenario_dir,)))
    failed = 0
    for scenario in scenarios:
        result = run_scenario(plans, scenario)
        failed += not result.passed
        click.echo(f"{'OK  ' if result.passed else 'FEJL'} {scenario.name}" + ("" if result.passed else f"\n     {result.detail}"))
    click.echo(f"\n{len(scenarios) - failed} passed, {failed} failed")
    sys.exit(EXIT_FINDINGS if failed else EXIT_OK)


@click.command(cls=Command, name="schema", error_format="json")
@click.argument("kind", type=click.Choice(["case", "submission", "decision", "report"]))
@plan_option
def schema_command(kind: str, plan_path: Path) -> None:
    """Vis JSON Schema for en sag, en indstilling, en afgørelse eller en rapport.

    Sagens skema dannes af planens egne input (typer, grænser og koder).

    \b
    Eksempler:
      kompetenceplan schema case
      kompetenceplan schema report > report.schema.json
    """
    from ..service.schemas import schema

    plan = read_plans(plan_path).latest
    click.echo(json.dumps(schema(kind, plan), ensure_ascii=False, indent=2))


@click.group(name="debug", cls=Group)
def debug_group() -> None:
    """For plan owners and developers: what the engine generates from the plan.

    \b
    Eksempel:
      kompetenceplan debug generated --plan rules/nyborg
    """


@debug_group.command(name="generated")
@plan_option
@click.option("--kind", type=click.Choice(["router", "validator", "decider", "applying"]), help="Kun denne slags genereret kode.")
def debug_generated(plan_path: Path, kind: str | None) -> None:
    """Vis den Python-kode, motoren genererer fra planen (samme navn som i en traceback).

    Hurtigvejene er genereret kode (bulk-router, hurtig validering, bulk-afgører og
    dokumentationskravenes anvendelse); KOMPETENCEPLAN_PLAIN=1 slår dem alle fra, så den
    almindelige vej (validate_case, reference-evaluatoren, applies) bruges med samme svar.

    \b
    Eksempel:
      kompetenceplan debug generated --plan rules/nyborg --kind router
    """
    from ..checks.requirements import applying_for
    from ..engine.bulk import compiled
    from ..engine.generated import KINDS, module_name, plain, sources
    from ..engine.routing import enforce_floor, outcome_rank

    if plain():
        raise KompetenceplanError("Ingen genereret kode.", [Problem("KOMPETENCEPLAN_PLAIN", "er sat til 1: de genererede veje er slået fra.", "Fjern variablen for at se koden.")])
    plan = read_plans(plan_path).latest
    compiled(plan).decider(outcome_rank, enforce_floor)
    applying_for(plan)
    made = sources()
    for each in KINDS if kind is None else [kind]:
        name = module_name(each, plan)
        if name not in made:
            click.echo(f"# {name}: ikke genereret for denne plan ({KINDS[each]}).\n")
            continue
        click.echo(f"# {name}: {KINDS[each]}")
        click.echo(made[name])


@click.command(cls=Command, name="openapi")
@plan_option
@click.option("--output", "-o", "output", type=click.Path(path_type=Path), default=None, help="Skriv til filen i stedet for standard output.")
@click.option("--register", "with_register", is_flag=True, help="Kontrakten, som tjenesten udgiver med --db (registret og møderne med); databasen åbnes ikke.")
def openapi_command(plan_path: Path, output: Path | None, with_register: bool) -> None:
    """Vis HTTP API'ets kontrakt (OpenAPI 3.1), som tjenesten udgiver på /openapi.json.

    Kontrakten dannes af planen (koder, grænser, krav pr. paragraf). De tjekkede kopier
    docs/openapi.json og docs/openapi-register.json (--register) sammenlignes i testene; dan dem
    igen efter en ændring af API'et eller af den medfølgende plan, og skriv ændringen i CHANGELOG.

    \b
    Eksempel:
      kompetenceplan openapi --output docs/openapi.json
      kompetenceplan openapi --register --output docs/openapi-register.json
    """
    read_plans(plan_path)  # a plan error is reported like every other command's
    try:
        from ..service.app import generate
        from ..service.contract import dumps

        text = dumps(generate(plan_path, register=with_register))
    except ImportError:
        extra = "serve,register" if with_register else "serve"
        raise KompetenceplanError(
            "HTTP-tjenesten er ikke installeret.", [Problem("openapi", "fastapi (og med --register sqlalchemy) mangler.", f"Installér med: pip install 'kompetenceplan[{extra}]'.")]
        ) from None
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


#: The commands this module adds to ``kompetenceplan``.
PLAN_TOOLS = (lint_command, render_command, diff_command, test_command, schema_command, debug_group, openapi_command)
