"""Command line: a thin layer that parses, calls one library function, renders and exits.

Exit codes: 0 decided / ready, 1 findings (not ready), 2 bad input, bad plan or usage,
3 engine fault (no decision was made). A command raises the library's errors; one handler
(``cli.base.Command.invoke``) turns them into the message and the exit code, for every command.

The plan author's commands live in `cli/plan_tools.py`, ``serve`` in `cli/serve.py`.
Start-up: `route` imports only what routing needs; the register, meeting, service, tooling and
schema commands import their modules inside the command, and the register's command groups
(`cli/register.py`) are loaded only when one of them is named or the command list is shown.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..danish import NUMBER_HELP
from ..errors import KompetenceplanError, Problem
from ..io import CaseFileError, read_json
from ..plan import Plan, PlanSet
from ..plan.input_kinds import ValueTextError, kind_of
from .base import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, Group, date_or_today, format_option, plan_option, read_plans
from .plan_tools import PLAN_TOOLS
from .serve import serve_command

if TYPE_CHECKING:  # imported inside the commands that use them, for a fast `route` start-up
    from ..checks.report import Report
    from ..plan.model import PlanRequirement

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
    kind = kind_of(spec)
    try:
        return name, kind.parse_text(spec, text.strip())
    except ValueTextError as exc:
        if exc.unreadable_number:
            what, fix = f"værdien skal være {kind.noun}; den {exc}", f"{NUMBER_HELP} Fx --set {name}={kind.text_example}."
        else:
            what, fix = f"værdien {exc}", f"Skriv fx --set {name}={kind.text_example}."
        raise KompetenceplanError("Ugyldig --set.", [Problem(f"--set {name}", what, fix)]) from None


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

    plans = read_plans(plan_path)
    when = date_or_today(on, "--on")
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
    plan = read_plans(plan_path)
    on = date_or_today(meeting_date, "--meeting-date")
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
    plan = read_plans(plan_path).latest
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
    plans = read_plans(plan_path)
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

    plans = read_plans(plan_path)
    try:
        plan = plans.in_force(date_or_today(on, "--on"))
        stream = sys.stdin.buffer if cases_file == "-" else open(cases_file, "rb")  # noqa: SIM115
        with stream:
            lines = [line for line in stream]
    except OSError as exc:
        raise KompetenceplanError("Filen kan ikke læses.", [Problem(cases_file, f"kan ikke læses ({exc.strerror}).", "Kontrollér stien.")]) from None
    cases, unreadable = read_cases(lines, cases_file)
    failed = 0
    for out in audit(plan, cases, unreadable, date_or_today(on, "--on"), Progress.on(sys.stderr, len(cases))):
        failed += "error" in out
        click.echo(json.dumps(out, ensure_ascii=False))
    sys.exit(EXIT_FINDINGS if failed else EXIT_OK)


for _command in (*PLAN_TOOLS, serve_command):
    main.add_command(_command)


if __name__ == "__main__":  # pragma: no cover
    main()
