"""Case events: what happened in a case besides its decisions (the repository of ``case_events``).

Why it is long: case events: their checks, the CSV import and the queries, one aggregate
(docs/register.md).

    record(reg, plans, actor, case_ref="S-1", team="Team Syd", kind="modtaget", art="ansoegning",
           occurred_on=dt.date(2026, 3, 2), paragraph="bl-32-1-3")
    query(reg, case_ref="S-1")                      # current events, oldest first
    import_events(reg, plans, actor, data, "eksport.csv")   # a case system's export, idempotent

The decisions already recorded are **not** copied here: the deadline rules read them from the
``decisions`` table (`decision_events`). Records are append-only: a correction is a new row with
``corrects_id`` (``withdrawn`` takes the event back). The same event (case, kind, art, date,
paragraph: its natural key) is stored once; recording it again is refused, importing it again is
counted as already there, so a rerun of an import stores nothing twice. Nothing shaped like a CPR
number is stored, and no error repeats a submitted value.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from ..actor import Actor
from ..errors import CaseError, Problem
from ..io import ISO_DATE, csv_records
from ..plan.model import Plan
from ..plan.versions import PlanSet
from .db import inserted_id
from .decisions import current
from .privacy import refuse_cpr
from .records import UtcDatetime
from .tables import case_events, decisions

if TYPE_CHECKING:
    from .register import Register

#: The kinds of event, with their Danish names (the law's words; docs/frister.md).
KINDS: dict[str, str] = {
    "modtaget": "Modtaget (ansøgning, henvendelse eller underretning)",
    "undersoegelse_startet": "Undersøgelse startet",
    "undersoegelse_afsluttet": "Undersøgelse afsluttet",
    "foreloebig_vurdering": "Foreløbig vurdering (barnets lov § 20, stk. 3)",
    "plan_udarbejdet": "Plan udarbejdet",
    "plan_revideret": "Plan revideret",
    "opfoelgning": "Opfølgning",
    "formandsafgoerelse": "Formandsafgørelse (foreløbig afgørelse, barnets lov § 143)",
    "formandsafgoerelse_godkendt": "Formandsafgørelsen godkendt af børne- og ungeudvalget",
}
#: Kinds that need an ``art`` (what kind of receipt, investigation or plan), and their values.
ARTS: dict[str, dict[str, str]] = {
    "modtaget": {"ansoegning": "ansøgning", "henvendelse": "henvendelse", "underretning": "underretning"},
    "undersoegelse_startet": {"bfu": "børnefaglig undersøgelse", "ungefaglig": "ungefaglig undersøgelse", "voksenudredning": "voksenudredning"},
    "undersoegelse_afsluttet": {"bfu": "børnefaglig undersøgelse", "ungefaglig": "ungefaglig undersøgelse", "voksenudredning": "voksenudredning"},
    "plan_udarbejdet": {"barnets_plan": "barnets plan", "ungeplan": "ungeplan", "handleplan": "handleplan"},
    "plan_revideret": {"barnets_plan": "barnets plan", "ungeplan": "ungeplan", "handleplan": "handleplan"},
}
#: A formandsafgørelse names the paragraph it decides provisionally (e.g. bl-47).
NEEDS_PARAGRAPH = ("formandsafgoerelse",)
#: The decisions of the register as the deadline rules see them (never stored as events).
DECISION = "afgoerelse"
SOURCES = ("manuel", "import")
EARLIEST = dt.date(1990, 1, 1)
MAX_NOTE = 2000
_REF = re.compile(r"[\w.:/-]{1,64}")
_TEAM = re.compile(r"[^\n\r\t]{1,64}")
_INITIALS = re.compile(r"[\w.@:+-]{1,64}")  # initials, or an actor's id (lokal:…, fiktiv:…)


class EventRecord(BaseModel):
    """One stored case event (the same model for the Python API, CLI and HTTP)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: int
    corrects_id: int | None
    case_ref: str
    team: str
    advisor: str | None
    kind: str
    art: str | None
    paragraph: str | None
    occurred_on: dt.date
    withdrawn: bool
    note: str
    source: str
    natural_key: str | None
    recorded_by: str
    recorded_by_name: str
    recorded_at: UtcDatetime


class EventImportReport(BaseModel):
    """What an import did: stored, already there (by natural key), and bad lines skipped."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    imported: int
    already: int
    skipped: list[dict[str, Any]]
    event_ids: list[int]


def natural_key(case_ref: str, kind: str, art: str | None, occurred_on: dt.date, paragraph: str | None) -> str:
    """The event's identity across systems: the same case, kind, art, date and paragraph."""
    text = "\x1f".join((case_ref, kind, art or "", occurred_on.isoformat(), paragraph or ""))
    return hashlib.sha256(text.encode()).hexdigest()


def paragraph_codes(plans: Plan | PlanSet) -> set[str]:
    """Every paragraph code of every version (an event can predate the version in force)."""
    versions = plans.versions if isinstance(plans, PlanSet) else (plans,)
    return {code for p in versions for code in (p.inputs[p.meta.paragraph_input].values or {})}


def _text(value: Any, field: str, pattern: re.Pattern[str], example: str, problems: list[Problem]) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value.strip()):
        problems.append(Problem(field, "mangler eller har ugyldige tegn (højst 64 tegn).", f"Skriv fx {example}."))
        return ""
    return value.strip()


def prepare(  # noqa: C901 - one check per field of a case event, every problem collected before anything is stored
    conn: Connection,
    plans: Plan | PlanSet,
    actor: Actor,
    *,
    case_ref: Any,
    team: Any,
    kind: Any,
    occurred_on: Any,
    art: Any = None,
    paragraph: Any = None,
    advisor: Any = None,
    note: Any = "",
    corrects: int | None = None,
    withdraw: bool = False,
    source: str = "manuel",
    today: dt.date | None = None,
    codes: set[str] | None = None,
) -> dict[str, Any]:
    """The row `record` stores, every value checked (all problems at once, never a value echoed).
    A correction (``corrects``) must name the newest version of an event of the same case."""
    # Personal data first: a CPR-shaped text is refused before anything else is said about it.
    refuse_cpr(
        {k: v for k, v in (("sagsreference", case_ref), ("team", team), ("raadgiver", advisor), ("note", note), ("paragraf", paragraph), ("art", art), ("haendelse", kind)) if isinstance(v, str)}
    )
    problems: list[Problem] = []
    case_ref = _text(case_ref, "sagsreference", _REF, "S-2026-0042", problems)
    team = _text(team, "team", _TEAM, "Team Syd", problems)
    if advisor is not None and advisor != "":
        advisor = _text(advisor, "raadgiver", _INITIALS, "ABC (initialer eller brugerens id)", problems) or None
    else:
        advisor = None
    if not isinstance(note, str) or len(note) > MAX_NOTE:
        problems.append(Problem("note", f"skal være tekst på højst {MAX_NOTE} tegn.", "Skriv en kort note uden personoplysninger."))
        note = ""
    if kind == DECISION:
        problems.append(Problem("haendelse", "afgørelser registreres som afgørelser, ikke som sagshændelser.", "Brug 'kompetenceplan decision record'; fristerne læser afgørelserne derfra."))
    elif kind not in KINDS:
        problems.append(Problem("haendelse", "er ikke en kendt hændelse.", f"Brug en af: {', '.join(KINDS)}."))
    arts = ARTS.get(kind, {}) if isinstance(kind, str) else {}
    if art in ("", None):
        art = None
        if arts:
            problems.append(Problem("art", "mangler for denne hændelse.", f"Brug en af: {', '.join(arts)}."))
    elif not arts:
        problems.append(Problem("art", "hører ikke til denne hændelse.", "Udelad art."))
    elif art not in arts:
        problems.append(Problem("art", "er ikke en kendt art for hændelsen.", f"Brug en af: {', '.join(arts)}."))
    known = codes if codes is not None else paragraph_codes(plans)
    if paragraph in ("", None):
        paragraph = None
        if kind in NEEDS_PARAGRAPH:
            problems.append(Problem("paragraf", "mangler: en formandsafgørelse angiver den paragraf, den foreløbigt afgør efter.", "Skriv fx bl-47."))
    elif paragraph not in known:
        problems.append(Problem("paragraf", "er ikke en paragrafkode i planen.", "Se koderne med 'kompetenceplan plan'."))
    today = today or dt.date.today()
    if not isinstance(occurred_on, dt.date) or isinstance(occurred_on, dt.datetime):
        problems.append(Problem("dato", "skal være en dato på formen ÅÅÅÅ-MM-DD.", "Skriv fx 2026-03-02."))
    elif occurred_on > today:
        problems.append(Problem("dato", "ligger efter i dag; en hændelse registreres, når den er sket.", "Angiv den dag, hændelsen fandt sted."))
    elif occurred_on < EARLIEST:
        problems.append(Problem("dato", f"ligger før {EARLIEST.isoformat()}.", "Kontrollér årstallet."))
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")  # a programming error, never a user's
    if withdraw and corrects is None:
        problems.append(Problem("tilbagekald", "kan kun bruges sammen med retter (den hændelse, der tilbagekaldes).", "Angiv id'et på hændelsen."))
    if corrects is not None:
        if isinstance(corrects, bool) or not isinstance(corrects, int):
            problems.append(Problem("retter", "skal være et hændelses-id (et heltal).", "Se id'erne med 'kompetenceplan haendelse list'."))
        else:
            old = conn.execute(select(case_events).where(case_events.c.id == corrects).with_for_update()).mappings().first()
            newer = conn.execute(select(case_events.c.id).where(case_events.c.corrects_id == corrects).limit(1)).scalar()
            if old is None:
                problems.append(Problem("retter", f"hændelse {corrects} findes ikke.", "Angiv id'et på den hændelse, der rettes."))
            elif old["case_ref"] != case_ref:
                problems.append(Problem("retter", f"hændelse {corrects} hører til en anden sag.", "En rettelse gælder samme sag; tilbagekald hændelsen og registrér den på den rigtige sag."))
            elif newer is not None:
                problems.append(Problem("retter", f"hændelse {corrects} er allerede rettet (af hændelse {newer}).", "Ret den nyeste version."))
    if problems:
        raise CaseError("Hændelsen kan ikke registreres.", problems)
    return {
        "corrects_id": corrects,
        "case_ref": case_ref,
        "team": team,
        "advisor": advisor,
        "kind": kind,
        "art": art,
        "paragraph": paragraph,
        "occurred_on": occurred_on,
        "withdrawn": bool(withdraw),
        "note": note,
        "source": source,
        "natural_key": None if corrects is not None else natural_key(case_ref, kind, art, occurred_on, paragraph),
        "recorded_by": actor.id[:128],
        "recorded_by_name": actor.name[:128],
    }


def _existing(conn: Connection, key: str) -> int | None:
    found: int | None = conn.execute(select(case_events.c.id).where(case_events.c.natural_key == key)).scalar()
    return found


def _get(conn: Connection, event_id: int) -> EventRecord:
    row = conn.execute(select(case_events).where(case_events.c.id == event_id)).mappings().one()
    return EventRecord.model_validate(dict(row))


def record(reg: Register, plans: Plan | PlanSet, actor: Actor, **fields: Any) -> EventRecord:
    """Store one case event (`prepare` lists the fields). Needs the permission ``record_event``.
    The same event twice is refused, naming the stored one."""
    actor.require("record_event")
    from .register import now

    with reg.engine.begin() as conn:
        values = prepare(conn, plans, actor, **fields)
        key = values["natural_key"]
        if key is not None and (found := _existing(conn, key)) is not None:
            raise CaseError(
                "Hændelsen er allerede registreret.",
                [Problem("haendelse", f"samme sag, hændelse, art, dato og paragraf er gemt som hændelse {found}.", "Ret den gemte hændelse i stedet (retter).")],
            )
        try:
            event_id = inserted_id(conn.execute(case_events.insert().values(**values, recorded_at=now())))
        except IntegrityError:  # another writer stored the same event in the meantime
            raise CaseError("Hændelsen er allerede registreret.", [Problem("haendelse", "en anden har netop gemt samme hændelse.", "Se sagens hændelser.")]) from None
        return _get(conn, event_id)


def insert_prepared(conn: Connection, rows: list[dict[str, Any]], recorded_at: dt.datetime) -> list[int]:
    """Insert rows `prepare` made, in order (the generator's bulk path)."""
    if not rows:
        return []
    result = conn.execute(case_events.insert().returning(case_events.c.id, sort_by_parameter_order=True), [{**r, "recorded_at": recorded_at} for r in rows])
    return list(result.scalars().all())


def _current() -> Any:
    """The condition "no later version corrects this event", as NOT EXISTS: one probe per row of
    the index on ``corrects_id`` (migration 0011), so a case's events cost what the case holds.
    ``NOT IN (every correction)`` read every case event in the register on every query (issue 29:
    a case's events took 164 ms at 1,000,000 decisions on PostgreSQL, however few it had)."""
    newer = case_events.alias("newer")
    return ~select(newer.c.id).where(newer.c.corrects_id == case_events.c.id).exists()


def query(
    reg: Register,
    *,
    case_ref: str | None = None,
    team: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    include_corrected: bool = False,
) -> list[EventRecord]:
    """Current events (not corrected, not withdrawn), oldest first; ``include_corrected`` shows
    every version."""
    where: list[Any] = []
    if not include_corrected:
        where += [_current(), case_events.c.withdrawn.is_(False)]
    if case_ref is not None:
        where.append(case_events.c.case_ref == case_ref)
    if team is not None:
        where.append(case_events.c.team == team)
    if start is not None:
        where.append(case_events.c.occurred_on >= start)
    if end is not None:
        where.append(case_events.c.occurred_on <= end)
    with reg.engine.connect() as conn:
        rows = conn.execute(select(case_events).where(*where).order_by(case_events.c.occurred_on, case_events.c.id)).mappings()
        return [EventRecord.model_validate(dict(r)) for r in rows]


def current_events(conn: Connection, until: dt.date | None = None, case_ref: str | None = None) -> list[dict[str, Any]]:
    """Every current event on or before ``until`` (of one case) as plain rows (for the deadline rules)."""
    where: list[Any] = [_current(), case_events.c.withdrawn.is_(False)]
    if until is not None:
        where.append(case_events.c.occurred_on <= until)
    if case_ref is not None:
        where.append(case_events.c.case_ref == case_ref)
    rows = conn.execute(select(case_events).where(*where).order_by(case_events.c.occurred_on, case_events.c.id)).mappings()
    return [dict(r) for r in rows]


def decision_events(conn: Connection, until: dt.date | None = None, case_ref: str | None = None) -> list[dict[str, Any]]:
    """The register's decisions in force (not corrected, not retracted) taken on or before
    ``until``, read (never copied) for the deadline rules: case, team, paragraph, outcome,
    decided_on, start, expected end."""
    cols = [decisions.c[name] for name in ("id", "case_ref", "team", "paragraph", "outcome", "decided_on", "start", "expected_end", "level")]
    where: list[Any] = [current()]  # in force: not corrected, not retracted (the register's one definition)
    if until is not None:
        where.append(decisions.c.decided_on <= until)
    if case_ref is not None:
        where.append(decisions.c.case_ref == case_ref)
    rows = conn.execute(select(*cols).where(*where).order_by(decisions.c.decided_on, decisions.c.id)).mappings()
    return [dict(r) for r in rows]


# -- import from a case system's export -----------------------------------------------------------
#: The export's columns (CSV header or JSON keys) → `prepare`'s fields. docs/register.md.
COLUMNS = {"sagsreference": "case_ref", "team": "team", "haendelse": "kind", "dato": "occurred_on", "art": "art", "paragraf": "paragraph", "raadgiver": "advisor", "note": "note"}
REQUIRED = ("sagsreference", "team", "haendelse", "dato")
_EXAMPLE_JSON = '{"sagsreference": "S-2026-0042", "team": "Team Syd", "haendelse": "modtaget", "art": "ansoegning", "dato": "2026-03-02", "paragraf": "bl-32-1-3"}'


def _rows(data: bytes, name: str, fmt: str) -> Iterator[tuple[int, dict[str, Any] | None, list[Problem]]]:
    """(line number, the line's fields or None, problems reading it), one per data line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        yield 0, None, [Problem(name, "er ikke UTF-8-kodet tekst.", "Gem filen som UTF-8 (CSV UTF-8 i regneark).")]
        return
    if fmt == "jsonl":
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except (json.JSONDecodeError, RecursionError):
                yield n, None, [Problem(f"{name}, linje {n}", "er ikke gyldig JSON.", "Skriv én hændelse som JSON-objekt pr. linje, fx " + _EXAMPLE_JSON)]
                continue
            if not isinstance(value, dict):
                yield n, None, [Problem(f"{name}, linje {n}", "er ikke et JSON-objekt.", "Skriv én hændelse som JSON-objekt pr. linje, fx " + _EXAMPLE_JSON)]
                continue
            unknown = [k for k in value if k not in COLUMNS]
            if unknown:
                # The key is not named: a key can be personal data typed in the wrong place.
                yield n, None, [Problem(f"{name}, linje {n}", f"har {len(unknown)} ukendt(e) felt(er).", f"Brug kun {', '.join(COLUMNS)}.")]
                continue
            yield n, value, []
        return
    for n, cells, problems in csv_records(text, name, COLUMNS, REQUIRED):
        yield n, None if cells is None else {h: (cell.strip() or None) for h, cell in cells.items()}, problems


def _fields(raw: dict[str, Any], where: str) -> tuple[dict[str, Any], list[Problem]]:
    """The line's fields for `prepare`; problems name the column, never the value."""
    problems: list[Problem] = []
    out: dict[str, Any] = {}
    for column, field in COLUMNS.items():
        value = raw.get(column)
        if value is not None and not isinstance(value, str):
            problems.append(Problem(f"{where}: {column}", "skal være tekst.", 'Skriv værdien i anførselstegn, fx "2026-03-02".'))
            value = None
        out[field] = value
    for column in REQUIRED:
        if raw.get(column) in (None, "") and not any(p.where == f"{where}: {column}" for p in problems):
            problems.append(Problem(f"{where}: {column}", "mangler.", f"Udfyld {column}; de krævede er {', '.join(REQUIRED)}."))
    day = out.get("occurred_on")
    if isinstance(day, str):
        try:
            if not ISO_DATE.fullmatch(day):
                raise ValueError(day)
            out["occurred_on"] = dt.date.fromisoformat(day)
        except ValueError:
            problems.append(Problem(f"{where}: dato", "skal være en dato på formen ÅÅÅÅ-MM-DD.", "Skriv fx 2026-03-02."))
    out["note"] = out.get("note") or ""
    return out, problems


def import_events(reg: Register, plans: Plan | PlanSet, actor: Actor, data: bytes, name: str, fmt: str | None = None, *, today: dt.date | None = None) -> EventImportReport:
    """A case system's export (CSV or JSON Lines; docs/register.md). Bad lines are reported
    (line, column, what, how to fix; never the value) and skipped; the good lines are stored in
    one transaction. A line whose event is already stored (natural key) is counted as already
    there, so importing the same file twice stores nothing the second time. Needs ``import_data``."""
    actor.require("import_data")
    from .register import now

    fmt = fmt or ("jsonl" if name.lower().endswith((".jsonl", ".ndjson")) else "csv")
    if fmt not in ("csv", "jsonl"):
        raise CaseError("Ukendt format.", [Problem("--file-format", "skal være csv eller jsonl.", "Skriv fx --file-format csv.")])
    codes = paragraph_codes(plans)
    skipped: list[dict[str, Any]] = []
    ids: list[int] = []
    already = 0
    seen: set[str] = set()
    stamp = now()
    with reg.engine.begin() as conn:
        for n, raw, problems in _rows(data, name, fmt):
            if raw is None:
                skipped.append({"line": n, "title": "Linjen kan ikke læses.", "problems": [p.to_dict() for p in problems]})
                continue
            where = f"{name}, linje {n}"
            fields, problems = _fields(raw, where)
            try:
                values = prepare(conn, plans, actor, **fields, source="import", today=today, codes=codes)
            except CaseError as exc:
                problems += [Problem(f"{where}: {p.where}", p.what, p.fix) for p in exc.problems]
            if problems:
                # One problem per column: the format's own reading first, then the event's checks.
                unique = {p.where: p for p in reversed(problems)}
                skipped.append({"line": n, "title": "Linjen har fejl.", "problems": [unique[w].to_dict() for w in dict.fromkeys(p.where for p in problems)]})
                continue
            key = values["natural_key"]
            if key in seen or _existing(conn, key) is not None:
                already += 1
                continue
            seen.add(key)
            ids.append(inserted_id(conn.execute(case_events.insert().values(**values, recorded_at=stamp))))
    return EventImportReport(imported=len(ids), already=already, skipped=skipped, event_ids=ids)
