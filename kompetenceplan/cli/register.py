"""Command line for the register and committee meetings: `db`, `register`, `decision`, `meeting`.

Why it is long: the register's four command groups (db, register, decision, meeting); each command
is a thin call, loaded only when a group is named.

Attached to the main group by `cli/commands.py` when one of these groups is named (or the command list
is shown), so `kompetenceplan route` never imports this module; SQLAlchemy is imported only inside
the commands. Exit codes as the rest of the CLI: 0 ok, 1 findings (stored but flagged, or lines
skipped), 2 bad input, plan, database or usage, 3 engine fault — the library's errors are mapped
by the one handler in `cli.base.Command`, so a command here just raises them.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import click

from ..actor import local_actor
from ..danish import read_amount
from ..errors import KompetenceplanError, Problem
from .base import EXIT_FINDINGS, EXIT_OK, Group, date_or_today, db_option, echo_json, format_option, open_register, option_date, plan_option, read_plans, write_or_echo

RETENTION_ENV = "KOMPETENCEPLAN_RETENTION_YEARS"


def _years_ago(today: dt.date, years: int) -> dt.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


# -- db ---------------------------------------------------------------------------------------
@click.group(name="db", cls=Group)
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
        from ..store.db import make_engine, upgrade
    except ImportError:
        raise KompetenceplanError("Registeret er ikke installeret.", [Problem("db", "SQLAlchemy eller Alembic mangler.", "Installér med: pip install 'kompetenceplan[register]'.")]) from None
    engine = make_engine(db_url)
    before, after = upgrade(engine)
    engine.dispose()
    click.echo(f"Databasen er på skemaversion {after}" + (" (uændret)." if before == after else f" (før: {before or 'tom'})."))


@db_group.command(name="export")
@db_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Skriv til en fil i stedet for standard output.")
def db_export(db_url: str | None, output: Path | None) -> None:
    """Alle registreringer som JSON Lines (én post pr. linje; 'tabel' angiver tabellen).

    Eksporten skrives i adgangsloggen (sagsreference '*': hele registret) som den lokale bruger."""
    from ..actor import local_actor
    from ..store import access_log

    reg = open_register(db_url)
    fh = None
    if output is not None:
        try:
            fh = output.open("w", encoding="utf-8")
        except OSError as exc:
            raise KompetenceplanError(
                "Eksporten kan ikke skrives.", [Problem(str(output), f"filen kan ikke oprettes ({exc.strerror}).", "Angiv en fil i en mappe, der findes, og som du kan skrive i.")]
            ) from None
    access_log.record(reg.engine, local_actor(), "læst", "eksport", ["*"], route="db export", channel="cli")
    lines = (json.dumps(rec, ensure_ascii=False, default=str) for rec in reg.export())
    if fh is not None:
        with fh:
            for line in lines:
                fh.write(line + "\n")
    else:
        for line in lines:
            click.echo(line)


@db_group.command(name="purge")
@db_option
@click.option("--before", metavar="ÅÅÅÅ-MM-DD", help="Slet registreringer fra før denne dato.")
@click.option("--keep-years", type=click.IntRange(1, 100), envvar=RETENTION_ENV, help=f"Opbevaringsfrist i år (eller {RETENTION_ENV}): slet det, der er ældre.")
@format_option
def db_purge(db_url: str | None, before: str | None, keep_years: int | None, fmt: str) -> None:
    """Slet registreringer ældre end en dato (eller opbevaringsfristen) og vis antallet pr. tabel.

    En registrering, som en nyere stadig peger på (en rettelse, en afgørelses routing, en sag i en
    gemt tilsynstrækning), beholdes og tælles som 'beholdt'. En tilsynstrækning slettes helt (sager,
    kontroller, svar), når trækningsdatoen ligger før datoen; betalinger slettes efter betalingsdato.

    \b
    Eksempler:
      kompetenceplan db purge --before 2021-01-01
      KOMPETENCEPLAN_RETENTION_YEARS=5 kompetenceplan db purge
    """
    if (before is None) == (keep_years is None):
        raise KompetenceplanError("Ugyldigt kald.", [Problem("db purge", "angiv enten --before DATO eller --keep-years N (eller KOMPETENCEPLAN_RETENTION_YEARS).", "Fx --before 2021-01-01.")])
    when = date_or_today(before, "--before") if before else _years_ago(dt.date.today(), keep_years or 0)
    report = open_register(db_url).purge(when, actor=local_actor())
    if fmt == "json":
        echo_json(report.model_dump(mode="json"))
        return
    click.echo(f"Slettet fra før {when.isoformat()}: " + ", ".join(f"{t}: {n}" for t, n in report.deleted.items()) + ".")
    if any(report.kept_referenced.values()):
        click.echo("Beholdt (en nyere registrering eller en gemt tilsynstrækning peger på dem): " + ", ".join(f"{t}: {n}" for t, n in report.kept_referenced.items()) + ".")


from .access_log import adgangslog, adgangslog_purge  # noqa: E402  (the adgangslog commands, issue 24)

db_group.add_command(adgangslog)
db_group.add_command(adgangslog_purge)


def _read_object(path: str, what: str) -> dict[str, Any]:
    from ..io import CaseFileError, read_json

    data = read_json(path)
    if not isinstance(data, dict):
        raise CaseFileError(f"{what} kan ikke læses.", [Problem(path, "skal indeholde ét JSON-objekt.", "Se eksemplerne i examples/.")])
    return data


# -- register route -----------------------------------------------------------------------------
@click.group(name="register", cls=Group)
def register_group() -> None:
    """Route en sag og gem routingen i registeret (sagsreference, team, rådgiver, plan).

    Rådgiveren er den, der kører kommandoen (brugeren på denne maskine); ingen initialer tastes.

    \b
    Eksempel:
      kompetenceplan register route examples/cases/kontaktperson-team.json \\
          --case-ref S-2026-0042 --team "Team Syd"
    """


@register_group.command(name="route")
@click.argument("case_file", type=click.Path(allow_dash=True, path_type=str))
@click.option("--case-ref", required=True, help="Sagssystemets eget sagsnummer (pseudonymt; aldrig CPR-nummer).")
@click.option("--team", required=True, help="Teamets navn.")
@click.option("--corrects", type=int, help="Id på den routing, denne retter.")
@click.option("--on", "on", metavar="ÅÅÅÅ-MM-DD", help="Afgørelsesdato (standard: i dag).")
@plan_option
@db_option
@format_option
def register_route(case_file: str, case_ref: str, team: str, corrects: int | None, on: str | None, plan_path: Path, db_url: str | None, fmt: str) -> None:
    """Route sagen som 'kompetenceplan route' og gem resultatet i registeret.

    Kender registeret sagen, beregnes sagens samlede månedlige udgift af dens aktive indsatser
    plus den nye; en lavere indtastet sum afvises.

    \b
    Eksempel:
      kompetenceplan register route sag.json --case-ref S-2026-0042 --team "Team Syd"

    Exitkoder: 0 gemt, 2 fejl i sagen, planen, databasen eller kaldet, 3 motorfejl.
    """
    from ..engine.explain import explain

    case = _read_object(case_file, "Sagen")
    case.pop("beskrivelse", None)
    routed = open_register(db_url).record_routing(read_plans(plan_path), case, case_ref=case_ref, team=team, actor=local_actor(), on=option_date(on, "--on"), corrects=corrects)
    if fmt == "json":
        echo_json(routed.model_dump(mode="json"))
        return
    from ..model.decision import Decision

    click.echo(explain(Decision.model_validate(routed.decision)), nl=False)
    if routed.case_total is not None:
        click.echo("\n" + routed.case_total.explain())
    click.echo(f"\nGemt i registeret som routing {routed.record.id} (plan {routed.record.plan_id} {routed.record.plan_version}, fingeraftryk {routed.record.plan_fingerprint}).")


# -- decision -----------------------------------------------------------------------------------
@click.group(name="decision", cls=Group)
def decision_group() -> None:
    """Afgørelser, der er truffet: registrér, vis, importér.

    \b
    Eksempler:
      kompetenceplan decision record --case-ref S-2026-0042 --team "Team Syd" --level leder \\
          --date 2026-12-02 --outcome bevilget --paragraf bl-32-1-2 --trin 3 \\
          --udgift 8000 --start 2026-12-05
      kompetenceplan decision list --from 2026-10-01 --to 2026-12-31 --overskridelser
      kompetenceplan decision import historik.jsonl
    """


@decision_group.command(name="record")
@click.option("--case-ref", required=True, help="Sagssystemets sagsnummer.")
@click.option("--team", required=True)
@click.option("--level", required=True, help="Niveauet, der traf afgørelsen (plan-id, fx leder).")
@click.option("--date", "decided_on", required=True, metavar="ÅÅÅÅ-MM-DD", help="Afgørelsesdato.")
@click.option("--outcome", required=True, type=click.Choice(["bevilget", "afslået", "bevilget med ændringer"]))
@click.option("--paragraf", required=True, help="Paragrafkode, fx bl-32-1-2.")
@click.option("--trin", required=True, type=int)
@click.option("--udgift", "monthly_cost", required=True, metavar="KR", help="Månedlig udgift i kr. som på dansk, fx 12.000 eller 12.000,50.")
@click.option("--start", required=True, metavar="ÅÅÅÅ-MM-DD")
@click.option("--slut", "expected_end", metavar="ÅÅÅÅ-MM-DD", help="Forventet slutdato.")
@click.option("--required-level", help="Krævet niveau (standard: fra sagens seneste routing i registeret).")
@click.option("--routing", "routing_id", type=int, help="Id på routingen (fra 'register route').")
@click.option("--corrects", type=int, help="Id på den afgørelse, denne retter.")
@click.option("--note", default="", help="Bemærkning (intet CPR-nummer).")
@plan_option
@db_option
@format_option
def decision_record(
    case_ref: str,
    team: str,
    level: str,
    decided_on: str,
    outcome: str,
    paragraf: str,
    trin: int,
    monthly_cost: str,
    start: str,
    expected_end: str | None,
    required_level: str | None,
    routing_id: int | None,
    corrects: int | None,
    note: str,
    plan_path: Path,
    db_url: str | None,
    fmt: str,
) -> None:
    """Registrér en afgørelse, du har truffet (du er brugeren på denne maskine). Under planens
    krævede niveau gemmes den og markeres som kompetenceoverskridelse (exitkode 1). Under det organ,
    loven forbeholder paragraffen (fx børne- og ungeudvalget efter barnets lov § 142), afvises den:
    det krævede niveau er aldrig lavere end lovens, hvad der end angives med --required-level.

    \b
    Eksempel:
      kompetenceplan decision record --case-ref S-2026-0042 --team "Team Syd" --level leder \\
          --date 2026-12-02 --outcome bevilget --paragraf bl-32-1-2 --trin 3 \\
          --udgift 8000 --start 2026-12-05

    Exitkoder: 0 gemt, 1 gemt med kompetenceoverskridelse, 2 fejl i input (også en afgørelse under
    lovens organ), 4 databasen kunne ikke skrives (intet gemt).
    """
    rec = open_register(db_url).record_decision(
        read_plans(plan_path),
        actor=local_actor(),
        case_ref=case_ref,
        team=team,
        level=level,
        decided_on=date_or_today(decided_on, "--date"),
        outcome=outcome,
        paragraph=paragraf,
        step=trin,
        monthly_cost=read_amount(monthly_cost, "--udgift"),
        start=date_or_today(start, "--start"),
        expected_end=option_date(expected_end, "--slut"),
        required_level=required_level,
        routing_id=routing_id,
        corrects=corrects,
        note=note,
    )
    if fmt == "json":
        echo_json(rec.model_dump(mode="json"))
    else:
        click.echo(f"Afgørelse {rec.id} gemt: {rec.outcome} af {rec.level} ({rec.decided_by_name or rec.decided_by}) {rec.decided_on.isoformat()}; krævet niveau {rec.required_level}.")
        if rec.kompetenceoverskridelse:
            click.echo(f"KOMPETENCEOVERSKRIDELSE: {rec.level} ligger under det krævede niveau {rec.required_level}. Afgørelsen er gemt og markeret.", err=True)
    sys.exit(EXIT_FINDINGS if rec.kompetenceoverskridelse else EXIT_OK)


@decision_group.command(name="list")
@click.option("--from", "start", metavar="ÅÅÅÅ-MM-DD", help="Fra og med denne afgørelsesdato.")
@click.option("--to", "end", metavar="ÅÅÅÅ-MM-DD", help="Til og med denne afgørelsesdato.")
@click.option("--team")
@click.option("--overskridelser", is_flag=True, help="Kun afgørelser truffet under det krævede niveau.")
@db_option
@format_option
def decision_list(start: str | None, end: str | None, team: str | None, overskridelser: bool, db_url: str | None, fmt: str) -> None:
    """Vis afgørelser i en periode (ledelsestilsyn), evt. kun kompetenceoverskridelser.

    \b
    Eksempel:
      kompetenceplan decision list --from 2026-10-01 --to 2026-12-31 --overskridelser
    """
    reg = open_register(db_url)
    period = (option_date(start, "--from"), option_date(end, "--to"))
    recs = reg.overskridelser(period, team) if overskridelser else reg.decisions(period, team)
    if fmt == "json":
        echo_json([r.model_dump(mode="json") for r in recs])
        return
    for r in recs:
        mark = "  LOVBESTEMT KOMPETENCE OVERSKREDET" if r.lovbestemt_overskredet else "  KOMPETENCEOVERSKRIDELSE" if r.kompetenceoverskridelse else ""
        click.echo(f"{r.id:>6}  {r.decided_on.isoformat()}  {r.case_ref:<16} {r.team:<14} {r.level:<20} krævet {r.required_level:<20} {r.outcome}{mark}")
    breaches = sum(r.lovbestemt_overskredet for r in recs)
    click.echo(f"{len(recs)} afgørelser, {sum(r.kompetenceoverskridelse for r in recs)} kompetenceoverskridelser" + (f", heraf {breaches} med lovbestemt kompetence overskredet." if breaches else "."))


@decision_group.command(name="import")
@click.argument("jsonl_file", type=click.Path(allow_dash=True, path_type=str))
@plan_option
@db_option
@format_option
def decision_import(jsonl_file: str, plan_path: Path, db_url: str | None, fmt: str) -> None:
    """Importér historiske afgørelser fra JSON Lines (kolonner: docs/register.md).

    Dårlige linjer vises og springes over; de gode gemmes i én transaktion (alt eller intet). En
    afgørelse, der allerede er importeret (samme sag, team, niveau, dato, udfald, paragraf, trin,
    beløb, periode og note), gemmes ikke igen: en gentaget import gemmer intet nyt.

    \b
    Eksempel:
      kompetenceplan decision import historik.jsonl

    Exitkoder: 0 alt importeret (eller allerede i registeret), 1 linjer sprunget over, 2 filen eller
    planen kan ikke bruges, 4 databasen kunne ikke skrives (intet gemt).
    """
    reg = open_register(db_url)
    plans = read_plans(plan_path)
    try:
        stream = sys.stdin if jsonl_file == "-" else open(jsonl_file, encoding="utf-8-sig", newline=None)  # noqa: SIM115
    except OSError as exc:
        raise KompetenceplanError("Filen kan ikke læses.", [Problem(jsonl_file, f"kan ikke læses ({exc.strerror}).", "Kontrollér stien.")]) from None
    with stream:
        report = reg.import_decisions(plans, stream, where=jsonl_file, actor=local_actor())
    if fmt == "json":
        echo_json(report.model_dump(mode="json"))
    else:
        already = f", {report.already_imported} linjer var allerede i registeret (ikke gemt igen)" if report.already_imported else ""
        if report.imported == 0 and report.already_imported and not report.skipped:
            click.echo(f"Intet nyt: alle {report.already_imported} linjer var allerede i registeret; intet er gemt igen.")
        else:
            click.echo(f"{report.imported} afgørelser importeret{already}, {len(report.skipped)} linjer sprunget over.")
        if report.statutory_breaches:
            click.echo(
                f"LOVBESTEMT KOMPETENCE OVERSKREDET i {len(report.statutory_breaches)} importerede afgørelser (afgørelse {', '.join(map(str, report.statutory_breaches))}): gemt som historik og markeret.",
                err=True,
            )
        for s in report.skipped:
            for p in s["problems"]:
                click.echo(f"  linje {s['line']}: {p['where']}: {p['what']} {p['fix']}".rstrip(), err=True)
    sys.exit(EXIT_FINDINGS if report.skipped or report.statutory_breaches else EXIT_OK)


# -- meeting ------------------------------------------------------------------------------------
@click.group(name="meeting", cls=Group)
def meeting_group() -> None:
    """Udvalgsmøder: opret, tilføj indstillinger, dagsorden, udfald og referat.

    \b
    Eksempler:
      kompetenceplan meeting new --date 2026-12-01 --body visitationsudvalg
      kompetenceplan meeting add 1 examples/submissions/plejefamilie-46-klar.json
      kompetenceplan meeting agenda 1 --format html --send -o dagsorden.html
      kompetenceplan meeting outcome 1 1 bevilget
      kompetenceplan meeting minutes 1 -o referat.md
    """


@meeting_group.command(name="new")
@click.option("--date", "meeting_date", required=True, metavar="ÅÅÅÅ-MM-DD", help="Mødedato.")
@click.option("--body", required=True, help="Udvalget (et niveau fra planen), fx visitationsudvalg eller boerne_og_ungeudvalg.")
@click.option("--title", default="", help="Mødets titel (standard: udvalg og dato).")
@plan_option
@db_option
@format_option
def meeting_new(meeting_date: str, body: str, title: str, plan_path: Path, db_url: str | None, fmt: str) -> None:
    """Opret et møde i et udvalg.

    \b
    Eksempel:
      kompetenceplan meeting new --date 2026-12-01 --body visitationsudvalg
    """
    from ..meetings.committee import new_meeting

    meeting = new_meeting(open_register(db_url), read_plans(plan_path), date_or_today(meeting_date, "--date"), body, title, actor=local_actor())
    if fmt == "json":
        echo_json(meeting.model_dump(mode="json"))
    else:
        click.echo(f"Møde {meeting.id} oprettet: {meeting.title} ({meeting.body_name}).")


@meeting_group.command(name="list")
@plan_option
@db_option
def meeting_list(plan_path: Path, db_url: str | None) -> None:
    """Vis alle møder.

    \b
    Eksempel:
      kompetenceplan meeting list
    """
    from ..meetings.committee import list_meetings

    for m in list_meetings(open_register(db_url), read_plans(plan_path)):
        click.echo(f"{m.id:>4}  {m.meeting_date.isoformat()}  {m.body_name}  {m.title}")


@meeting_group.command(name="add")
@click.argument("meeting_id", type=int)
@click.argument("submission", type=click.Path(allow_dash=True, path_type=str))
@click.option("--case-ref", help="Sagsnummer (standard: indstillingens 'sagsnummer').")
@click.option("--replaces", type=int, help="Punktnummer, som denne indstilling er en ny version af.")
@plan_option
@db_option
@format_option
def meeting_add(meeting_id: int, submission: str, case_ref: str | None, replaces: int | None, plan_path: Path, db_url: str | None, fmt: str) -> None:
    """Tilføj en indstilling; den tjekkes for mødedatoen med planversionen i kraft den dag.

    En indstilling, der ikke er klar eller hører til et andet niveau, tilføjes og markeres.

    \b
    Eksempel:
      kompetenceplan meeting add 1 examples/submissions/plejefamilie-46-klar.json

    Exitkoder: 0 tilføjet og klar, 1 tilføjet med markeringer, 2 fejl i indstillingen eller kaldet.
    """
    from ..meetings.committee import add_submission

    added = add_submission(open_register(db_url), read_plans(plan_path), meeting_id, _read_object(submission, "Indstillingen"), case_ref, replaces, actor=local_actor())
    if fmt == "json":
        echo_json(added.model_dump(mode="json"))
    else:
        item = added.item
        if added.existing:
            click.echo(f"Indstillingen var allerede punkt {added.number} med præcis samme indhold: intet er tilføjet.")
        click.echo(f"Punkt {added.number} (sag {item.case_ref}): {'klar' if item.ready else 'IKKE KLAR'}, krævet niveau {item.required_level_name}.")
        for flag in item.flags:
            click.echo(f"  {flag}")
    sys.exit(EXIT_FINDINGS if added.item.flags else EXIT_OK)


@meeting_group.command(name="agenda")
@click.argument("meeting_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["markdown", "html", "json"]), default="markdown", show_default=True)
@click.option("--send", is_flag=True, help="Markér dagsordenen som udsendt (senere ændringer markeres).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Skriv til en fil.")
@plan_option
@db_option
def meeting_agenda(meeting_id: int, fmt: str, send: bool, output: Path | None, plan_path: Path, db_url: str | None) -> None:
    """Dagsordenen: hvert punkts krævede niveau, parathed, fund og markeringer.

    \b
    Eksempel:
      kompetenceplan meeting agenda 1 --format html --send -o dagsorden.html
    """
    from ..meetings.committee import build_agenda, send_agenda
    from ..meetings.documents import agenda_html, agenda_markdown

    reg, plans = open_register(db_url), read_plans(plan_path)
    agenda = send_agenda(reg, plans, meeting_id, actor=local_actor()) if send else build_agenda(reg, plans, meeting_id)
    write_or_echo(agenda.to_json() + "\n" if fmt == "json" else agenda_html(agenda) if fmt == "html" else agenda_markdown(agenda), output)


@meeting_group.command(name="outcome")
@click.argument("meeting_id", type=int)
@click.argument("item", type=int)
@click.argument("outcome", type=click.Choice(["bevilget", "afslået", "bevilget med ændringer", "udsat", "sendt tilbage til rådgiver", "oversendt"]))
@click.option("--reason", default="", help="Udvalgets begrundelse (kræves for alt andet end bevilget).")
@click.option("--til", "forward_to", help="oversendt: niveauet, sagen sendes videre til (standard: punktets krævede niveau).")
@click.option("--start", metavar="ÅÅÅÅ-MM-DD", help="Indsatsens start (standard: mødedatoen).")
@click.option("--slut", "expected_end", metavar="ÅÅÅÅ-MM-DD", help="Forventet slut (standard: start + sagens varighed).")
@plan_option
@db_option
@format_option
def meeting_outcome(meeting_id: int, item: int, outcome: str, reason: str, forward_to: str | None, start: str | None, expected_end: str | None, plan_path: Path, db_url: str | None, fmt: str) -> None:
    """Registrér udvalgets udfald for et punkt; en bevilling eller et afslag gemmes også som afgørelse.

    Et nyt udfald erstatter punktets tidligere; udsat, sendt tilbage og oversendt tager en
    tidligere bevilling eller et afslag ud af kraft. Et udvalg under det organ, loven forbeholder
    sagen (fx børne- og ungeudvalget efter barnets lov § 142), kan kun udsætte, sende tilbage eller
    oversende (--til).

    \b
    Eksempler:
      kompetenceplan meeting outcome 1 2 "sendt tilbage til rådgiver" --reason "Mangler undersøgelse"
      kompetenceplan meeting outcome 1 3 oversendt --reason "Anbringelse uden samtykke (§ 47)"

    Exitkoder: 0 gemt, 1 gemt med kompetenceoverskridelse, 2 fejl i input (også en afgørelse, loven
    forbeholder et andet organ).
    """
    from ..meetings.committee import record_outcome

    rec = record_outcome(
        open_register(db_url),
        read_plans(plan_path),
        meeting_id,
        item,
        outcome,
        reason,
        actor=local_actor(),
        start=option_date(start, "--start"),
        expected_end=option_date(expected_end, "--slut"),
        forward_to=forward_to,
    )
    if fmt == "json":
        echo_json(rec.model_dump(mode="json"))
    else:
        click.echo(
            f"Punkt {rec.item_number}: {rec.outcome}"
            + (f" til {rec.forwarded_to}" if rec.forwarded_to else "")
            + (f" (afgørelse {rec.decision_id})" if rec.decision_id else "")
            + (f"; afgørelse {rec.retracted_decision_id} er ikke længere i kraft" if rec.retracted_decision_id else "")
            + "."
        )
        if rec.kompetenceoverskridelse:
            click.echo("KOMPETENCEOVERSKRIDELSE: udvalget ligger under sagens krævede niveau. Afgørelsen er gemt og markeret.", err=True)
    sys.exit(EXIT_FINDINGS if rec.kompetenceoverskridelse else EXIT_OK)


@meeting_group.command(name="minutes")
@click.argument("meeting_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["markdown", "html", "json"]), default="markdown", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Skriv til en fil.")
@plan_option
@db_option
def meeting_minutes(meeting_id: int, fmt: str, output: Path | None, plan_path: Path, db_url: str | None) -> None:
    """Referatet: hvert punkts udfald og begrundelse, med markeringer.

    \b
    Eksempel:
      kompetenceplan meeting minutes 1 --format html -o referat.html
    """
    from ..meetings.committee import build_agenda
    from ..meetings.documents import minutes_html, minutes_markdown

    agenda = build_agenda(open_register(db_url), read_plans(plan_path), meeting_id)
    write_or_echo(agenda.to_json() + "\n" if fmt == "json" else minutes_html(agenda) if fmt == "html" else minutes_markdown(agenda), output)


def register_commands(main: click.Group) -> None:
    """Attach the register's commands to the main CLI group."""
    for group in (db_group, register_group, decision_group, meeting_group):
        main.add_command(group)
