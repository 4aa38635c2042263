"""Command line: a thin layer that parses, calls one library function, renders and exits.

Exit codes: 0 decided / ready, 1 findings (not ready), 2 bad input, bad plan or usage,
3 engine fault (no decision was made). A command raises the library's errors; one handler
(``cli.base.Command.invoke``) turns them into the message and the exit code, for every command.

Start-up: `route` imports only what routing needs; the register, meeting, service, tooling and
schema commands import their modules inside the command, and the register's command groups
(`cli/register.py`) are loaded only when one of them is named or the command list is shown.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..danish import NUMBER_HELP, NumberTextError, parse_danish_number
from ..errors import KompetenceplanError, PlanError, Problem
from ..io import CaseFileError, parse_date, read_json
from ..plan import Plan, PlanSet, load_plans
from .base import DEFAULT_PLAN, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, PLAN_ENV, Group, plan_option

if TYPE_CHECKING:  # imported inside the commands that use them, for a fast `route` start-up
    from ..checks.report import Report
    from ..plan.model import PlanRequirement
    from ..tooling.lint import LintFinding

# Command groups loaded on first use (named or listed): group name -> the module defining it.
LAZY_GROUPS = {
    "db": "cli_register",
    "decision": "cli_register",
    "meeting": "cli_register",
    "register": "cli_register",
    "oekonomi": "cli_economy",
    "tilsyn": "cli_tilsyn",
    "frister": "cli_frister",
    "status-rapport": "cli_frister",
    "haendelse": "cli_frister",
}

format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text til mennesker, json til sagssystemer.",
)


class MainGroup(Group):
    """The top group: the register's and the tilsyn's groups are imported only when named (or listed)."""

    def _attach(self, module: str) -> None:
        if all(name in self.commands for name, where in LAZY_GROUPS.items() if where == module):
            return
        if module == "cli_register":
            from .register import register_commands

            register_commands(self)
        elif module == "cli_economy":
            from .oekonomi import register_economy

            register_economy(self)
        elif module == "cli_frister":
            from .frister import register_frister

            register_frister(self)
        else:
            from .tilsyn import tilsyn_group

            self.add_command(tilsyn_group)

    def list_commands(self, ctx: click.Context) -> list[str]:
        for module in dict.fromkeys(LAZY_GROUPS.values()):
            self._attach(module)
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_GROUPS:
            self._attach(LAZY_GROUPS[cmd_name])
        return super().get_command(ctx, cmd_name)


def _load(plan_path: Path) -> PlanSet:
    try:
        return load_plans(plan_path)
    except KompetenceplanError as exc:
        if not plan_path.exists() and str(plan_path) == DEFAULT_PLAN:
            exc.problems.append(Problem(str(plan_path), "standardplanen findes kun i projektets rodmappe.", f"Kør fra projektmappen eller angiv --plan / {PLAN_ENV}."))
        raise


@click.group(cls=MainGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="kompetenceplan")
def main() -> None:
    """Kompetenceplan: hvem må træffe afgørelse om en social indsats?

    \b
    Eksempel:
      kompetenceplan route examples/cases/familiebehandling-raadgiver.json
    """


def _parse_setting(plan: Plan, setting: str) -> tuple[str, Any]:
    name, sep, text = setting.partition("=")
    name = name.strip()
    spec = plan.inputs.get(name)
    if not sep or spec is None:
        raise KompetenceplanError(
            "Ugyldig --set.",
            # An unknown name is not echoed: it could be personal data typed in the wrong place.
            [Problem("--set", "skal have formen NAVN=VÆRDI med et input fra planen.", f"Brug et af: {', '.join(plan.inputs)}.")],
        )
    text = text.strip()
    if spec.type in ("int", "number"):
        # Read as the web form reads it (`danish`): "12.000" is twelve thousand, never 12, and
        # what could be read two ways ("12,000", "12.5") is refused, never guessed.
        try:
            value = parse_danish_number(text, spec.unit)
        except NumberTextError as exc:
            kind = "et heltal" if spec.type == "int" else "et tal"
            raise KompetenceplanError("Ugyldig --set.", [Problem(f"--set {name}", f"værdien skal være {kind}; den {exc}", f"{NUMBER_HELP} Fx --set {name}=3.")]) from None
        if spec.type == "int" and not isinstance(value, int):
            raise KompetenceplanError("Ugyldig --set.", [Problem(f"--set {name}", "værdien skal være et heltal.", f"Skriv fx --set {name}=3.")])
        return name, value
    if spec.type == "bool":
        if text.lower() in {"ja", "true", "1"}:
            return name, True
        if text.lower() in {"nej", "false", "0"}:
            return name, False
        raise KompetenceplanError("Ugyldig --set.", [Problem(f"--set {name}", "værdien skal være ja eller nej.", f"Skriv fx --set {name}=ja.")])
    return name, text


@main.command()
@click.argument("case_file", required=False, type=click.Path(allow_dash=True, path_type=str))
@plan_option
@format_option
@click.option("-p", "--paragraf", help="Paragrafkode, fx bl-32-1-5 (se 'kompetenceplan plan').")
@click.option("-t", "--trin", type=int, help="Trin på indsatstrappen, fx 3.")
@click.option("-o", "--omraade", help="Område, fx boern eller voksne (udledes ofte af paragraffen).")
@click.option("-s", "--set", "settings", multiple=True, metavar="NAVN=VÆRDI", help="Ethvert andet input, fx -s maanedlig_udgift=12000. Kan gentages.")
@click.option("--on", "on", metavar="ÅÅÅÅ-MM-DD", help="Afgørelsesdato: planversionen i kraft denne dag (standard: i dag).")
def route(case_file: str | None, plan_path: Path, fmt: str, paragraf: str | None, trin: int | None, omraade: str | None, settings: tuple[str, ...], on: str | None) -> None:
    """Hvilket niveau skal træffe afgørelsen, og hvorfor?

    CASE_FILE er en JSON-fil med sagens oplysninger (- for standard input). Uden fil gives
    oplysningerne som flag; med fil overskriver flagene filens værdier.

    \b
    Eksempler:
      kompetenceplan route examples/cases/familiebehandling-raadgiver.json
      kompetenceplan route examples/cases/anbringelse-uden-samtykke-buu.json --format json
      kompetenceplan route -p bl-32-1-5 -t 3 -s maanedlig_udgift=12000 \\
          -s varighed_maaneder=6 -s alder=10 -s samtykke=ja \\
          -s sagens_maanedlige_udgift=12000

    Exitkoder: 0 afgjort, 2 fejl i sagen, planen eller kaldet, 3 motorfejl (ingen afgørelse).
    """
    from ..api import decide
    from ..engine.explain import explain

    plans = _load(plan_path)
    when = _date(on, "--on")
    plan = plans.in_force(when)
    case: dict[str, Any] = {}
    if case_file is not None:
        data = read_json(case_file)
        if not isinstance(data, dict):
            raise CaseFileError("Sagen kan ikke læses.", [Problem(case_file, "skal indeholde ét JSON-objekt.", 'Skriv fx {"paragraf": "bl-32-1-5", "trin": 3}.')])
        case.update(data)
    elif not (paragraf or trin is not None or omraade or settings):
        raise KompetenceplanError("Ingen sag.", [Problem("route", "angiv en sagsfil eller oplysningerne som flag.", "Se eksemplerne i 'kompetenceplan route --help'.")])
    roles = ((plan.meta.paragraph_input, paragraf), (plan.meta.step_input, trin), (plan.meta.area_input, omraade))
    given = [(name, value) for name, value in roles if value is not None] + [_parse_setting(plan, s) for s in settings]
    # The same input twice among the flags (two -s, or -p and -s paragraf=…) is refused, never
    # "the last one wins": a silently dropped -s samtykke=nej could route low. (Flags on top
    # of a case file are the documented "what if" and do override the file.)
    names = [name for name, _ in given]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise KompetenceplanError(
            "Sagen kan ikke afgøres: en oplysning er angivet flere gange.",
            [Problem(f"sagen.{n}" if n in plan.inputs else "route", "er angivet mere end én gang som flag.", "Angiv hver oplysning én gang.") for n in twice],
        )
    case.update(given)
    decision = decide(plan, case, on=when)
    click.echo(decision.to_json() if fmt == "json" else explain(decision), nl=fmt == "json")


def _date(value: str | None, option: str) -> dt.date:
    return parse_date(value, option, f"{option} 2026-12-01") or dt.date.today()


def _check_file(plan: PlanSet, path: str, on: dt.date) -> Report:
    from ..checks.check import check

    return check(plan, read_json(path), on=on)


@main.command()
@click.argument("submission", required=False, type=click.Path(allow_dash=True, path_type=str))
@plan_option
@format_option
@click.option("--meeting-date", "meeting_date", metavar="ÅÅÅÅ-MM-DD", help="Mødedato; friskhed regnes til denne dato (standard: i dag).")
@click.option("--agenda", "agenda", type=click.Path(file_okay=False, path_type=Path), help="Tjek alle *.json i en mappe (et helt møde).")
def validate(submission: str | None, plan_path: Path, fmt: str, meeting_date: str | None, agenda: Path | None) -> None:
    """Er indstillingen klar til visitationsudvalget? Tjekker dokumentationsstandarden.

    SUBMISSION er en JSON-fil med indstillingen (- for standard input). Med --agenda tjekkes
    alle indstillinger i en mappe, én linje pr. indstilling og totaler pr. kode.

    \b
    Eksempler:
      kompetenceplan validate examples/submissions/plejefamilie-46-klar.json --meeting-date 2026-12-01
      kompetenceplan validate --agenda examples/submissions --meeting-date 2026-12-01
      kompetenceplan validate examples/submissions/bostoette-85-mangler.json --format json

    Exitkoder: 0 klar (evt. med advarsler), 1 ikke klar (fejl fundet), 2 fejl i input, plan eller
    kald, 3 motorfejl.
    """
    plan = _load(plan_path)
    on = _date(meeting_date, "--meeting-date")
    if agenda is not None:
        if submission is not None:
            raise KompetenceplanError("Ugyldigt kald.", [Problem("validate", "angiv enten en indstilling eller --agenda, ikke begge.", "Fjern den ene.")])
        sys.exit(_agenda(plan, agenda, on, fmt))
    if submission is None:
        raise KompetenceplanError("Ingen indstilling.", [Problem("validate", "angiv en JSON-fil, - for standard input, eller --agenda MAPPE.", "Se 'kompetenceplan validate --help'.")])
    report = _check_file(plan, submission, on)
    from ..checks.report import render_report

    click.echo(report.to_json() if fmt == "json" else render_report(report), nl=fmt == "json")
    sys.exit(EXIT_OK if report.ready else EXIT_FINDINGS)


def _agenda(plan: PlanSet, folder: Path, on: dt.date, fmt: str) -> int:
    """Check every submission in ``folder``; a bad file is reported and the rest still checked."""
    from ..checks.agenda import check_agenda, render_agenda

    files = sorted(folder.glob("*.json"))
    if not files:
        raise KompetenceplanError("Tom dagsorden.", [Problem(str(folder), "mappen indeholder ingen .json-filer.", "Læg indstillingerne i mappen som JSON.")])
    result = check_agenda(plan, ((f.name, functools.partial(read_json, str(f))) for f in files), on)
    if fmt == "json":
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        click.echo(render_agenda(result, plan.latest, on))
    if result["invalid"]:
        return EXIT_USAGE
    return EXIT_FINDINGS if result["not_ready"] else EXIT_OK


@main.command(name="checks")
@plan_option
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True, help="markdown: hele standarden som dokument.")
@click.option("--code", help="Vis hele dokumentationen for én kode, fx DOK-003.")
def list_checks(plan_path: Path, fmt: str, code: str | None) -> None:
    """Vis dokumentationsstandardens krav: kode, titel, alvor og hjemmel.

    \b
    Eksempler:
      kompetenceplan checks
      kompetenceplan checks --code DOK-003
      kompetenceplan checks --format markdown > dokumentationskrav.md
    """
    plan = _load(plan_path).latest
    if fmt == "markdown":
        from ..tooling.render import requirements_markdown

        click.echo(requirements_markdown(plan), nl=False)
        return
    reqs = [r for r in plan.requirements if code is None or r.code == code]
    if code is not None and not reqs:
        raise KompetenceplanError("Ukendt kode.", [Problem("--code", f"{code} findes ikke i planen.", "Se listen med 'kompetenceplan checks'.")])
    if fmt == "json":
        click.echo(json.dumps([registry_entry(r) for r in reqs], ensure_ascii=False, indent=2))
        return
    if code is None:
        for r in reqs:
            click.echo(f"{r.code}  {r.severity:<9}  {r.title}  [{r.reference}]")
        return
    from ..checks.report import basis_label

    r = reqs[0]
    click.echo(
        f"{r.code} {r.title} ({r.severity})\n\nHvad tjekkes: {r.doc.what}\nHvorfor: {r.doc.why}\n"
        f"Eksempel på mangel: {r.doc.example}\nSådan gøres det rigtigt: {r.doc.fix}\n{basis_label(r.reference)}: {r.reference}"
    )


def registry_entry(req: PlanRequirement) -> dict[str, Any]:
    """One requirement as registry data (the same template for every code)."""
    return {
        "code": req.code,
        "title": req.title,
        "severity": req.severity,
        "reference": req.reference,
        "message": req.message,
        "hint": req.hint,
        "doc": {"hvad_tjekkes": req.doc.what, "hvorfor": req.doc.why, "eksempel_paa_mangel": req.doc.example, "saadan_goeres_det_rigtigt": req.doc.fix, "hjemmel": req.reference},
    }


@main.command(name="plan")
@plan_option
@format_option
def show_plan(plan_path: Path, fmt: str) -> None:
    """Vis planens niveauer, indsatstrappe, input og paragrafkoder (nyeste version).

    \b
    Eksempel:
      kompetenceplan plan --plan rules/nyborg
    """
    plans = _load(plan_path)
    plan = plans.latest
    if fmt == "json":
        click.echo(json.dumps(plan.summary(), ensure_ascii=False, indent=2, default=str))
        return
    from ..tooling.render import plan_overview

    click.echo(plan_overview(plans))


@main.command(name="audit", error_format="json")
@click.argument("cases_file", type=click.Path(allow_dash=True, path_type=str))
@plan_option
@click.option("--on", "on", metavar="ÅÅÅÅ-MM-DD", help="Planversionen i kraft denne dag (standard: i dag).")
def audit_command(cases_file: str, plan_path: Path, on: str | None) -> None:
    """Niveauet for mange sager på én gang (revision): JSON Lines ind, JSON Lines ud.

    Én sag pr. linje ind; ud kommer én linje pr. sag med index, level, row og escalated, eller
    error for en sag, der ikke kan afgøres. Bruger den hurtige massevej (validering og en
    kompileret udgave af planen); til en enkelt afgørelse med begrundelse: route.

    \b
    Eksempel:
      kompetenceplan audit sager.jsonl > niveauer.jsonl

    Exitkoder: 0 alle afgjort, 1 nogle sager kunne ikke afgøres, 2 filen eller planen er ugyldig.
    """
    from ..tooling.audit import Progress, audit, read_cases

    plans = _load(plan_path)
    try:
        plan = plans.in_force(_date(on, "--on"))
        stream = sys.stdin.buffer if cases_file == "-" else open(cases_file, "rb")  # noqa: SIM115
        with stream:
            lines = [line for line in stream]
    except OSError as exc:
        raise KompetenceplanError("Filen kan ikke læses.", [Problem(cases_file, f"kan ikke læses ({exc.strerror}).", "Kontrollér stien.")]) from None
    cases, unreadable = read_cases(lines, cases_file)
    failed = 0
    for out in audit(plan, cases, unreadable, _date(on, "--on"), Progress.on(sys.stderr, len(cases))):
        failed += "error" in out
        click.echo(json.dumps(out, ensure_ascii=False))
    sys.exit(EXIT_FINDINGS if failed else EXIT_OK)


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


@main.command(name="lint")
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
        plans = load_plans(plan_path)
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


@main.command(name="render")
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

    plans = load_plans(plan_path)
    plan = plans.in_force(_date(on, "--on")) if on else plans.latest
    text = to_html(plan) if fmt == "html" else markdown(plan)
    if output is not None:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


@main.command(name="diff")
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

    old_plan, new_plan = load_plans(old).latest, load_plans(new).latest
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


@main.command(name="test")
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

    plans = load_plans(plan_path)
    scenarios = load_scenarios(*(scenario_files or (plans.scenario_dir,)))
    failed = 0
    for scenario in scenarios:
        result = run_scenario(plans, scenario)
        failed += not result.passed
        click.echo(f"{'OK  ' if result.passed else 'FEJL'} {scenario.name}" + ("" if result.passed else f"\n     {result.detail}"))
    click.echo(f"\n{len(scenarios) - failed} passed, {failed} failed")
    sys.exit(EXIT_FINDINGS if failed else EXIT_OK)


@main.command(name="schema", error_format="json")
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

    plan = _load(plan_path).latest
    click.echo(json.dumps(schema(kind, plan), ensure_ascii=False, indent=2))


@main.group(name="debug", cls=Group)
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
    plan = _load(plan_path).latest
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


@main.command(name="openapi")
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
    _load(plan_path)  # a plan error is reported like every other command's
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


@main.command(name="serve")
@plan_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Adresse. Standard er kun denne maskine; sagsdata forlader den ikke.")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--allow-reload", is_flag=True, help="Tillad POST /admin/reload og SIGHUP for at indlæse planen igen.")
@click.option("--max-body", default=1_000_000, show_default=True, type=click.IntRange(1), help="Største forespørgsel i bytes (ellers 413). Den eneste grænse for en forespørgsels størrelse.")
@click.option("--allowed-host", "allowed_hosts", multiple=True, metavar="NAVN", help="Et værtsnavn mere, som Host-headeren må have (ud over --host). Kan gentages.")
@click.option("--header-timeout", default=10.0, show_default=True, type=click.FloatRange(0.1), help="Sekunder en forbindelse har til at sende en hel forespørgsels hoved (også mellem forespørgsler).")
@click.option("--body-timeout", default=30.0, show_default=True, type=click.FloatRange(0.1), help="Sekunder til at sende hele forespørgslens krop (ellers 408).")
@click.option("--keep-alive", default=5, show_default=True, type=click.IntRange(1), help="Sekunder en ledig keep-alive-forbindelse holdes åben.")
@click.option("--max-connections", default=200, show_default=True, type=click.IntRange(1), help="Højst så mange forbindelser på én gang; flere lukkes straks (503 ved travlhed).")
@click.option("--access-log/--no-access-log", default=True, show_default=True, help="Log metode, rute-skabelon, status og korrelations-id (aldrig forespørgselsstrenge eller værdier).")
@click.option(
    "--reload-settle", default=0.5, show_default=True, type=click.FloatRange(0), help="En genindlæsning afvises, hvis en planfil er gemt for under så mange sekunder siden (kan være halvt skrevet)."
)
@click.option("--db", "db_url", default=None, metavar="URL", help="Slå registeret og udvalgsmøderne til på denne database (fx sqlite:///kompetenceplan.db eller postgresql+psycopg://…).")
@click.option("--oidc-issuer", metavar="URL", help="Slå login til: kommunens OpenID Connect-udbyder (issuer), fx https://login.kommune.dk/realms/kommune.")
@click.option("--oidc-client-id", metavar="ID", help="Tjenestens klient-id hos udbyderen. Hemmeligheden: KOMPETENCEPLAN_OIDC_CLIENT_SECRET eller --oidc-client-secret-file.")
@click.option("--oidc-client-secret-file", type=click.Path(dir_okay=False, path_type=Path), help="Fil med klienthemmeligheden (aldrig hemmeligheden selv på kommandolinjen).")
@click.option("--oidc-audience", metavar="AUD", default="", help="Den aud, sagssystemers adgangstokens skal have (standard: --public-url).")
@click.option("--oidc-scope", default="openid profile", show_default=True, help="De scopes, login beder om (fx 'openid profile groups').")
@click.option("--public-url", metavar="URL", help="Adressen, brugerne når tjenesten på (fx https://kompetenceplan.kommune.dk); login sender dem tilbage hertil.")
@click.option(
    "--roles", "roles_file", type=click.Path(dir_okay=False, path_type=Path), help="Rollefilen (grupper → roller → rettigheder); standard: den medfølgende kompetenceplan/service/roller.toml."
)
@click.option("--idle-minutes", default=30, show_default=True, type=click.IntRange(1, 24 * 60), help="Minutter uden aktivitet, før en bruger logges ud.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Så mange processer på samme adresse (fx én pr. kerne). Flere processer deler registret (brug PostgreSQL) og KOMPETENCEPLAN_WEB_SECRET; en ny plan indlæses med kill -HUP til hovedprocessen.",
)
def serve_command(
    plan_path: Path,
    host: str,
    port: int,
    allow_reload: bool,
    max_body: int,
    allowed_hosts: tuple[str, ...],
    header_timeout: float,
    body_timeout: float,
    keep_alive: int,
    max_connections: int,
    access_log: bool,
    reload_settle: float,
    db_url: str | None,
    oidc_issuer: str | None,
    oidc_client_id: str | None,
    oidc_client_secret_file: Path | None,
    oidc_audience: str,
    oidc_scope: str,
    public_url: str | None,
    roles_file: Path | None,
    idle_minutes: int,
    workers: int,
) -> None:
    """Start HTTP JSON API'et for sagssystemer (POST /route, /validate, /validate/agenda …).

    Kræver: pip install 'kompetenceplan[serve]'. OpenAPI-beskrivelsen er på /openapi.json.

    \b
    Eksempel:
      kompetenceplan serve --plan rules/nyborg --port 8000
      curl -s -X POST localhost:8000/route -H 'Content-Type: application/json' \\
          --data @examples/cases/kontaktperson-team.json

    Uden login kører tjenesten som den lokale bruger med alle roller og lytter kun på denne
    maskine. Med login (kommunens OpenID Connect-udbyder):

    \b
      export KOMPETENCEPLAN_OIDC_CLIENT_SECRET=…
      kompetenceplan serve --host 0.0.0.0 --public-url https://kompetenceplan.kommune.dk \\
          --oidc-issuer https://login.kommune.dk/realms/kommune --oidc-client-id kompetenceplan \\
          --roles roller.toml --db "$KOMPETENCEPLAN_DB"

    Sikkerhed (docs/security.md): kun JSON-forespørgsler (415), Host skal være et af tjenestens
    navne (400), tidsgrænser og et loft over forbindelser; /docs er slået fra.
    """
    try:
        from ..service.app import serve
        from ..service.auth import SignIn, read_client_secret
        from ..service.auth_roles import load_roles
    except ImportError:
        raise KompetenceplanError("HTTP-tjenesten er ikke installeret.", [Problem("serve", "fastapi og uvicorn mangler.", "Installér med: pip install 'kompetenceplan[serve]'.")]) from None
    sign_in = None
    if oidc_issuer or oidc_client_id:
        missing = [name for name, value in (("--oidc-issuer", oidc_issuer), ("--oidc-client-id", oidc_client_id), ("--public-url", public_url)) if not value]
        if missing or not (oidc_issuer and oidc_client_id and public_url):  # the second test restates the first for the type checker
            raise KompetenceplanError("Login er ikke sat helt op.", [Problem(name, "mangler.", "Login kræver --oidc-issuer, --oidc-client-id og --public-url.") for name in missing])
        sign_in = SignIn(
            issuer=oidc_issuer,
            client_id=oidc_client_id,
            client_secret=read_client_secret(oidc_client_secret_file),
            roles=load_roles(roles_file),
            public_url=public_url.rstrip("/"),
            audience=oidc_audience,
            scope=oidc_scope,
            idle_minutes=idle_minutes,
        )
    serve(
        plan_path,
        host,
        port,
        allow_reload,
        max_body,
        allowed_hosts=allowed_hosts,
        header_timeout=header_timeout,
        body_timeout=body_timeout,
        keep_alive=keep_alive,
        max_connections=max_connections,
        access_log=access_log,
        reload_settle=reload_settle,
        db_url=db_url,
        sign_in=sign_in,
        workers=workers,
    )


if __name__ == "__main__":  # pragma: no cover
    main()
