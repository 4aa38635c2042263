"""``kompetenceplan db adgangslog`` and ``db adgangslog-purge``: the adgangslog from the command
line (who has read or changed a case's data; the log's own retention). Attached to the ``db``
group by `cli.register`."""

from __future__ import annotations

import datetime as dt

import click

from ..danish import danish_time
from ..errors import KompetenceplanError, Problem
from .base import Command, db_option, echo_json, open_register, option_date

RETENTION_ENV = "KOMPETENCEPLAN_ADGANGSLOG_YEARS"


@click.command(name="adgangslog", cls=Command)
@db_option
@click.option("--sag", "case_ref", required=True, metavar="REF", help="Sagens reference (sagssystemets sagsnummer).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="text til mennesker, json til sagssystemer.")
def adgangslog(db_url: str | None, case_ref: str, fmt: str) -> None:
    """Hvem har set eller ændret en sags oplysninger: tidspunkt, hvem, handling, hvad, rute og klient.

    \b
    Eksempel:
      kompetenceplan db adgangslog --sag S-2026-0042
    """
    from ..store import access_log
    from ..store.case_ref import read_case_ref
    from ..store.privacy import refuse_cpr

    case_ref = read_case_ref(case_ref, "--sag")
    refuse_cpr({"--sag": case_ref})  # never printed back
    rows = access_log.for_case(open_register(db_url).engine, case_ref)
    if fmt == "json":
        echo_json([r.model_dump(mode="json") for r in rows])
        return
    if not rows:
        click.echo(f"Ingen adgange til sag {case_ref} i adgangsloggen.")
        return
    click.echo(f"Sag {case_ref}: {len(rows)} adgang{'e' if len(rows) != 1 else ''}.")
    for r in rows:
        where = f"{r.channel} {r.client_address}" if r.client_address else r.channel
        click.echo(f"{danish_time(r.logged_at):%Y-%m-%d %H:%M:%S}  {r.actor_name} ({r.actor_id}, {r.actor_kind})  {r.action} {r.subject}  {r.route}  {where}")


@click.command(name="adgangslog-purge", cls=Command)
@db_option
@click.option("--before", metavar="ÅÅÅÅ-MM-DD", help="Slet adgangslogens rækker fra før denne dato.")
@click.option("--keep-years", type=click.IntRange(1, 100), envvar=RETENTION_ENV, help=f"Adgangslogens egen opbevaringsfrist i år (eller {RETENTION_ENV}).")
def adgangslog_purge(db_url: str | None, before: str | None, keep_years: int | None) -> None:
    """Slet adgangslogens rækker ældre end en dato (adgangslogens egen opbevaringsfrist; 'db purge' rører den ikke).

    \b
    Eksempler:
      kompetenceplan db adgangslog-purge --before 2021-01-01
      KOMPETENCEPLAN_ADGANGSLOG_YEARS=5 kompetenceplan db adgangslog-purge
    """
    from ..store import access_log

    if (before is None) == (keep_years is None):
        raise KompetenceplanError("Ugyldigt kald.", [Problem("db adgangslog-purge", f"angiv enten --before DATO eller --keep-years N (eller {RETENTION_ENV}).", "Fx --keep-years 5.")])
    today = dt.date.today()
    if before:
        when = option_date(before, "--before") or today
    else:
        years = keep_years or 0
        try:
            when = today.replace(year=today.year - years)
        except ValueError:  # 29 February
            when = today.replace(year=today.year - years, day=28)
    deleted = access_log.purge(open_register(db_url).engine, when)
    click.echo(f"Slettet fra adgangsloggen fra før {when.isoformat()}: {deleted} række{'r' if deleted != 1 else ''}.")
