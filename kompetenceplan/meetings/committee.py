"""The committee's work on the register: create a meeting, add submissions (checked for the
meeting date with the plan version in force that day), send the agenda, record outcomes.

Why it is long: a meeting's life from agenda to minutes under one meeting lock: item numbers,
versions, outcomes and their grants must be written by the same code that holds the lock.

A submission is stored without the person's identity (``borger``); anything else shaped like a
CPR number is refused. A changed submission is a new version of the same item (same number); if
the agenda was already sent, the item is flagged.

The register's invariants (docs/register.md) hold here: every change to a meeting takes the
meeting's lock first, so an item's number is given once and never changes, and an item has at
most one current outcome and at most one current decision — any new outcome corrects the last
one, and a later outcome that is not a decision (udsat, sendt tilbage, oversendt) retracts the
grant or refusal before it. A committee below the body the statute reserves an item's paragraph
for (barnets lov § 142 stk. 1) can only postpone, send back or forward the item: its bevilget,
afslået or bevilget med ændringer is refused before anything is stored.

Repeating a request stores nothing new (each write's natural key, under the meeting's lock): a
meeting of the same committee on the same day with the same title is that meeting; a submission
the meeting already has as the current version of the same case's item is that item; an agenda
sent again unchanged keeps the time it was sent; an outcome equal to the item's current outcome
(the same reason, forwarding and grant period) is that outcome. A meeting or an item that does not
exist is `NotFound`.

An item can be withdrawn before the meeting (`withdraw_item`): the withdrawal is recorded, the
item keeps its number and versions and takes no outcome or new version afterwards. The same
submission for the same case is never on one meeting twice: adding it again answers with the
item it already is (`AddedItem.existing`), and the pages say so, naming the item.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import uuid
from typing import Any

from sqlalchemy import select

from ..actor import Actor
from ..api import plan_in_force
from ..checks.check import check
from ..errors import CaseError, KompetenceplanError, NotFound, Problem
from ..law import OUTSIDE_MUNICIPALITY
from ..plan.model import MeetingBody, Plan
from ..plan.versions import PlanSet
from ..store import decisions as decision_repo
from ..store import meetings as repo
from ..store.case_ref import read_case_ref
from ..store.privacy import minimise, refuse_cpr, refuse_own_name
from ..store.register import Register, lock_key, now, statutory_level, statutory_refusal
from ..store.tables import agenda_mailings, agendas, decisions, item_withdrawals, meeting_attendance, meeting_items, meetings, outcomes
from .model import DECIDING, FORWARDED, GRANTED, OUTCOMES, AddedItem, Agenda, AgendaItem, ItemContent, ItemDocument, ItemFinding, Meeting, OutcomeRecord

Plans = Plan | PlanSet
#: Line breaks and other control characters: a title is one line of text.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months (the last day of a shorter month)."""
    import calendar

    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def content_hash(submission: dict[str, Any]) -> str:
    """SHA-256 of the stored submission in canonical JSON (sorted keys)."""
    return hashlib.sha256(json.dumps(submission, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def _meeting_or_fail(conn: Any, meeting_id: int) -> dict[str, Any]:
    row = repo.meeting(conn, meeting_id)
    if row is None:
        raise NotFound("Ukendt møde.", [Problem("møde", f"møde {meeting_id} findes ikke.", "Se møderne med 'kompetenceplan meeting list'.")])
    return row


def _names(plan: Plan) -> dict[str, str]:
    """Levels and meeting bodies (the plan's committees) by id."""
    return {lv.id: lv.name for lv in plan.levels} | {b.id: b.name for b in plan.meeting_bodies()}


def _body_level(plan: Plan, body: str) -> str:
    """The level a meeting's body holds: a committee's level, else the body is a level."""
    found = plan.meeting_body(body)
    return found.level if found is not None else body


def _meeting(row: dict[str, Any], plan: Plan) -> Meeting:
    names = _names(plan)
    return Meeting(id=row["id"], meeting_date=row["meeting_date"], body=row["body"], body_name=names.get(row["body"], row["body"]), title=row["title"])


def new_meeting(reg: Register, plans: Plans, meeting_date: dt.date, body: str, title: str = "", *, actor: Actor) -> Meeting:
    """A meeting of ``body`` on ``meeting_date``: one of the plan's meeting bodies (a committee, such
    as the visitation committee for children or for adults, or an unsplit committee level;
    `Plan.meeting_bodies`), never a body outside the municipality (Familieretshuset). The same
    committee, day and title again is the meeting already created."""
    actor.require("manage_meetings")
    plan = plan_in_force(plans, meeting_date)
    bodies = [b.id for b in plan.meeting_bodies()]
    # Transitional (issue 27): a committee level that the plan splits into committees is still
    # accepted as the body of a meeting until the meetings are rewritten (issue 22); then only
    # `bodies` are.
    legacy = [lv.id for lv in plan.levels[plan.escalation_rank :] if lv.body is None and lv.id not in bodies]
    if body not in bodies and body not in legacy:
        raise CaseError("Ukendt udvalg.", [Problem("udvalg", "er ikke et udvalg i planen.", f"Brug et af: {', '.join(bodies)}.")])
    title = title.strip() or f"{_names(plan)[body]} {meeting_date.isoformat()}"
    if len(title) > 200 or _CONTROL.search(title):  # printed into the agenda, the minutes and e-mails
        raise CaseError("Ugyldig titel.", [Problem("titel", "skal være én linje uden styretegn, højst 200 tegn.", "Skriv fx Visitationsudvalget december.")])
    refuse_cpr({"titel": title})
    with reg.transaction() as conn:
        lock_key(conn, "meeting", meeting_date.isoformat(), body)
        existing = repo.find_meeting(conn, meeting_date, body, title)
        values = {"meeting_date": meeting_date, "body": body, "body_rank": plan.rank(_body_level(plan, body)), "title": title, "created_at": now()}
        new_id = existing["id"] if existing else repo.insert(conn, meetings, values)
        return _meeting(_meeting_or_fail(conn, new_id), plan)


def list_meetings(reg: Register, plans: Plans, *, after: tuple[dt.date, int] | None = None, limit: int | None = None) -> list[Meeting]:
    """The meetings by date, then id; ``after`` (the date and id of the last meeting of the
    previous page) and ``limit`` give one page (`meetings.overview` for the list with counts)."""
    with reg.engine.connect() as conn:
        rows = repo.all_meetings(conn, after, limit)
    return [_meeting(r, plans.latest if isinstance(plans, PlanSet) else plans) for r in rows]


def add_submission(reg: Register, plans: Plans, meeting_id: int, submission: Any, case_ref: str | None = None, replaces: int | None = None, *, actor: Actor) -> AddedItem:
    """Check ``submission`` for the meeting's date and add it to the agenda (``replaces``: the
    number of the item this is a new version of; it keeps that number). A submission that is not
    ready, or belongs to another level, is added and flagged; a malformed one is refused
    (`CaseError`). The same submission again — the current version of an item of the same case
    (of item ``replaces``, when given) — adds nothing and returns that item."""
    actor.require("manage_meetings")
    if not isinstance(submission, dict):
        raise CaseError("Indstillingen kan ikke læses.", [Problem("indstilling", "skal være et JSON-objekt.", 'Skriv fx {"sag": {...}, "dokumenter": [...]}.')])
    stored = minimise(submission)
    ref = case_ref or stored.get("sagsnummer")
    if not isinstance(ref, str) or not ref.strip():
        raise CaseError("Sagsreference mangler.", [Problem("sagsnummer", "indstillingen har intet sagsnummer.", "Angiv sagssystemets sagsnummer i 'sagsnummer' eller med --case-ref.")])
    # The one case-reference rule, as the decision an outcome registers will need it (issue 22).
    ref = read_case_ref(ref, "sagsreference" if case_ref else "sagsnummer")
    refuse_cpr({"sagsreference": ref, "indstilling": stored})
    refuse_own_name(submission)
    with reg.engine.connect() as conn:
        row = _meeting_or_fail(conn, meeting_id)
    on = row["meeting_date"]
    plan = plan_in_force(plans, on)
    report = check(plan, stored, on=on)  # the meeting's date never changes: checked before the lock
    required = required_level(plan, stored, report.routing.level)
    digest = content_hash(stored)
    with reg.transaction() as conn:
        _lock_or_fail(conn, meeting_id)
        key, corrects, number = uuid.uuid4().hex, None, None
        current = {r["number"]: r for r in repo.items(conn, meeting_id)}
        withdrawn = _withdrawn(conn, meeting_id)
        # The natural key: the same content for the same case as a current item (not withdrawn) is
        # that item, whether added again or given again as its own new version (issue 23).
        same = [r for n, r in current.items() if r["case_ref"] == ref and r["content_hash"] == digest and r["item_key"] not in withdrawn and replaces in (None, n)]
        if same:
            key = same[0]["item_key"]
        elif replaces is not None:
            replaced = current.get(replaces)
            if replaced is None:
                raise CaseError("Ukendt punkt.", [Problem("erstatter", f"mødet har ikke et punkt {replaces}.", _numbers_hint(current))])
            if replaced["item_key"] in withdrawn:
                raise CaseError("Punktet er trukket tilbage.", [Problem("erstatter", f"punkt {replaces} er trukket tilbage før mødet.", "Tilføj indstillingen som et nyt punkt.")])
            if replaced["content_hash"] == digest:
                raise CaseError("Indstillingen er uændret.", [Problem("erstatter", f"punkt {replaces} har allerede præcis dette indhold.", "Ret indstillingen først, eller lad punktet stå.")])
            if replaced["case_ref"] != ref:  # a new version of one case never takes another case's place
                raise CaseError(
                    "Punktet er en anden sag.",
                    [
                        Problem(
                            "erstatter", f"punkt {replaces} er sag {replaced['case_ref']}, men indstillingen er sag {ref}.", "Angiv punktet for samme sag, eller tilføj indstillingen som et nyt punkt."
                        )
                    ],
                )
            key, corrects, number = replaced["item_key"], replaced["id"], replaced["number"]
        if not same:
            repo.insert(
                conn,
                meeting_items,
                {
                    "meeting_id": meeting_id,
                    "item_key": key,
                    "number": number if number is not None else repo.next_number(conn, meeting_id),
                    "corrects_id": corrects,
                    "case_ref": ref,
                    "submission": stored,
                    "content_hash": digest,
                    "report": report.model_dump(mode="json"),
                    "ready": report.ready,
                    "required_level": required,
                    "required_rank": plan.rank(required),
                    "plan_version": plan.meta.version,
                    "plan_fingerprint": plan.fingerprint,
                    "added_by": actor.id,
                    "added_by_name": actor.name,
                    "added_at": now(),
                },
            )
    agenda = build_agenda(reg, plans, meeting_id)
    item = next(i for i in agenda.items if i.item_key == key)
    return AddedItem(number=item.number, item=item, report=report.model_dump(mode="json"), existing=bool(same))


def required_level(plan: Plan, submission: dict[str, Any], routed: str) -> str:
    """The level that must decide a submission: the routing's, lifted to the statutory body of its
    paragraph (defence in depth: the law decides, barnets lov § 142 stk. 1)."""
    statutory = statutory_level(plan, (submission.get("sag") or {}).get(plan.meta.paragraph_input))
    if statutory is not None and plan.rank(routed) < statutory[0]:
        return statutory[1]
    return routed


def _area(plan: Plan, sag: dict[str, Any]) -> Any:
    """The case's area (children or adults): given, or implied by its paragraph."""
    m = plan.meta
    area = sag.get(m.area_input)
    paragraph = sag.get(m.paragraph_input)
    if area is None and paragraph is not None:
        for term in plan.implications.get((m.paragraph_input, str(paragraph)), ()):
            if term.input == m.area_input and term.single is not None:
                area = term.single
    return area


def required_body(plan: Plan, submission: dict[str, Any], required: str) -> MeetingBody | None:
    """The meeting body that takes a submission whose required level is ``required`` (see
    `required_level`): the plan's committee for the case's area at that level (a child's case the
    children's visitation committee, an adult's the adults'), or the level itself when the plan
    does not split it (børne- og ungeudvalget for § 47). A body outside the municipality
    (Familieretshuset) holds no meeting: it decides on the municipality's indstilling (serviceloven
    §§ 129, 131), which the first committee for the case's area puts to it (outcome oversendt).
    None for a case decided below the committees (a leader's)."""
    sag: dict[str, Any] = submission["sag"] if isinstance(submission.get("sag"), dict) else {}
    area = _area(plan, sag)
    if required not in {lv.id for lv in plan.levels}:
        return None
    if plan.level(required).body in OUTSIDE_MUNICIPALITY:
        below = [b for b in plan.meeting_bodies() if b.rank < plan.rank(required) and (b.areas is None or area in b.areas)]
        own = [b for b in below if b.areas is not None] or below  # a committee for the area before an unsplit one
        return own[0] if own else None
    found = plan.committee_for(required, area)
    return plan.meeting_body(found.id if found is not None else required)


def takes(plan: Plan, meeting_body: str, body: str | None) -> bool:
    """Whether a meeting of ``meeting_body`` is the meeting of ``body`` (the id `required_body`
    gives): the committee itself, or (transitional, issue 27) a meeting of its level that the plan
    has since split into committees."""
    found = plan.meeting_body(body) if body else None
    return found is not None and meeting_body in (found.id, found.level)


def _withdrawn(conn: Any, meeting_id: int) -> dict[str, dict[str, Any]]:
    """item key -> its withdrawal."""
    rows = conn.execute(select(item_withdrawals).where(item_withdrawals.c.meeting_id == meeting_id)).mappings()
    return {r["item_key"]: dict(r) for r in rows}


def withdraw_item(reg: Register, plans: Plans, meeting_id: int, item_number: int, reason: str, *, actor: Actor, today: dt.date | None = None) -> Agenda:
    """Withdraw an item before the meeting: recorded with the reason and who did it, never
    deleted. The item keeps its number (no other item is renumbered) and takes no outcome or new
    version afterwards. Refused after the meeting date (``today``: the day it is done), for an
    item with an outcome, and for one already withdrawn."""
    actor.require("manage_meetings")
    reason = (reason or "").strip()
    if not reason:
        raise CaseError("Punktet er ikke trukket tilbage.", [Problem("begrundelse", "mangler.", "Skriv kort, hvorfor punktet trækkes tilbage (fx 'Indstillingen genfremsættes på næste møde').")])
    if len(reason) > 2000:
        raise CaseError("Punktet er ikke trukket tilbage.", [Problem("begrundelse", "er for lang.", "Højst 2000 tegn.")])
    refuse_cpr({"begrundelse": reason})
    day = today or dt.date.today()
    with reg.transaction() as conn:
        row = _lock_or_fail(conn, meeting_id)
        if row["meeting_date"] < day:
            raise CaseError("Punktet er ikke trukket tilbage.", [Problem("punkt", "mødet er holdt; et punkt kan kun trækkes tilbage før mødet.", "Registrér i stedet udvalgets udfald, fx udsat.")])
        current = {r["number"]: r for r in repo.items(conn, meeting_id)}
        item = current.get(item_number)
        if item is None:
            raise NotFound("Ukendt punkt.", [Problem("punkt", f"mødet har ikke et punkt {item_number}.", _numbers_hint(current))])
        if item["item_key"] in _withdrawn(conn, meeting_id):
            raise CaseError("Punktet er allerede trukket tilbage.", [Problem("punkt", f"punkt {item_number} er allerede trukket tilbage.", "Der er intet at gøre.")])
        if repo.current_outcomes(conn, meeting_id).get(item["item_key"]) is not None:
            raise CaseError("Punktet er ikke trukket tilbage.", [Problem("punkt", f"udvalget har allerede et udfald for punkt {item_number}.", "Ret udfaldet i stedet, fx til udsat.")])
        repo.insert(
            conn,
            item_withdrawals,
            {"meeting_id": meeting_id, "item_key": item["item_key"], "reason": reason, "withdrawn_by": actor.id, "withdrawn_by_name": actor.name, "withdrawn_at": now()},
        )
    return build_agenda(reg, plans, meeting_id)


def set_attendees(reg: Register, plans: Plans, meeting_id: int, attendees: list[str], *, actor: Actor) -> Agenda:
    """Who attended the meeting, for the minutes (a new list replaces the old; both are kept)."""
    actor.require("record_outcome")
    names = [a.strip()[:200] for a in attendees if a.strip()]
    if len(names) > 100:
        raise CaseError("Deltagerne er ikke gemt.", [Problem("deltagere", "højst 100 navne.", "Skriv én deltager pr. linje.")])
    refuse_cpr({"deltagere": names})
    with reg.transaction() as conn:
        _lock_or_fail(conn, meeting_id)
        repo.insert(conn, meeting_attendance, {"meeting_id": meeting_id, "attendees": names, "recorded_by": actor.id, "recorded_by_name": actor.name, "recorded_at": now()})
    return build_agenda(reg, plans, meeting_id)


def _content(plan: Plan, submission: dict[str, Any]) -> ItemContent:
    """What the committee decides on, from the stored submission and the plan's words."""
    sag: dict[str, Any] = submission["sag"] if isinstance(submission.get("sag"), dict) else {}
    m = plan.meta
    paragraph = sag.get(m.paragraph_input)
    paragraph_spec = plan.inputs.get(m.paragraph_input)
    enum = (paragraph_spec.values or {}).get(str(paragraph)) if paragraph_spec and paragraph is not None else None
    step = sag.get(m.step_input)
    step = step if isinstance(step, int) and not isinstance(step, bool) else None
    area = _area(plan, sag)
    step_name = None
    if step is not None:
        found = [s for s in plan.ladder if s.step == step and (area is None or s.area == area)]
        step_name = found[0].name if found else None
    economy: dict[str, Any] = submission["oekonomi"] if isinstance(submission.get("oekonomi"), dict) else {}

    def number(value: Any) -> float | None:
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    monthly = number(sag.get("maanedlig_udgift"))
    if monthly is None:
        monthly = number(economy.get("pris_pr_maaned"))
    months = sag.get("varighed_maaneder", economy.get("varighed_maaneder"))
    months = months if isinstance(months, int) and not isinstance(months, bool) else None
    total = number(economy.get("samlet"))
    if total is None and monthly is not None and months is not None:
        total = round(monthly * months, 2)
    types = {code: t.label for code, t in plan.document_types.items()}
    documents = []
    for d in submission.get("dokumenter") or []:
        if not isinstance(d, dict):
            continue
        try:
            day = dt.date.fromisoformat(d["dato"]) if isinstance(d.get("dato"), str) else None
        except ValueError:
            day = None
        code = str(d.get("type", ""))
        documents.append(ItemDocument(type=code, type_name=types.get(code, code), date=day, title=str(d.get("titel") or ""), signed=d.get("underskrevet") is True, approved=d.get("godkendt") is True))
    goals = [str(g) for g in submission.get("maal") or [] if isinstance(g, str)]
    return ItemContent(
        paragraph=str(paragraph) if paragraph is not None else None,
        paragraph_name=enum.label if enum else None,
        step=step,
        step_name=step_name,
        monthly_cost=monthly,
        months=months,
        total_cost=total,
        provider=str(economy.get("leverandoer") or ""),
        purpose=str(submission.get("formaal") or ""),
        goals=goals,
        recommendation=str(submission.get("anbefaling") or ""),
        documents=documents,
    )


def _lock_or_fail(conn: Any, meeting_id: int) -> dict[str, Any]:
    row = repo.lock_meeting(conn, meeting_id)
    if row is None:
        raise NotFound("Ukendt møde.", [Problem("møde", f"møde {meeting_id} findes ikke.", "Se møderne med 'kompetenceplan meeting list'.")])
    return row


def _numbers_hint(current: dict[int, Any]) -> str:
    return f"Angiv et af mødets punktnumre: {', '.join(str(n) for n in sorted(current))}." if current else "Mødet har ingen punkter endnu."


def build_agenda(reg: Register, plans: Plans, meeting_id: int) -> Agenda:
    """Every current item with its required level, readiness, findings, flags and any outcome."""
    with reg.engine.connect() as conn:
        row = _meeting_or_fail(conn, meeting_id)
        rows = repo.items(conn, meeting_id)
        sent = repo.latest_agenda(conn, meeting_id)
        decided = repo.current_outcomes(conn, meeting_id)
        registered = _registered(conn, [o["decision_id"] for o in decided.values() if o["decision_id"] is not None])
        withdrawn = _withdrawn(conn, meeting_id)
        attendance = conn.execute(select(meeting_attendance.c.attendees).where(meeting_attendance.c.meeting_id == meeting_id).order_by(meeting_attendance.c.id.desc()).limit(1)).first()
        mailing = conn.execute(select(agenda_mailings).where(agenda_mailings.c.meeting_id == meeting_id).order_by(agenda_mailings.c.id.desc()).limit(1)).mappings().first()
    plan = plan_in_force(plans, row["meeting_date"])
    meeting = _meeting(row, plan)
    names = _names(plan)
    outside = {lv.id for lv in plan.levels if lv.body in OUTSIDE_MUNICIPALITY}
    body = plan.meeting_body(row["body"])
    meeting_level = body.level if body is not None else row["body"]
    sent_items: dict[str, str] = (sent or {}).get("items") or {}
    items = []
    for r in rows:
        flags: list[str] = []
        if r["plan_fingerprint"] != plan.fingerprint:
            r = _recheck(plan, row["meeting_date"], r, flags)
        if not r["ready"]:
            flags.append("IKKE KLAR: dokumentationen har fejl (se fund).")
        if r["required_level"] != meeting_level:
            where = "lavere" if r["required_rank"] < row["body_rank"] else "højere"
            flags.append(f"ANDET NIVEAU: sagen hører til {names.get(r['required_level'], r['required_level'])} ({where} end {meeting.body_name}).")
        elif body is not None and body.areas is not None:
            # The same level, another of the plan's committees (e.g. an adult's case on the
            # children's visitation committee).
            other = ((r["report"] or {}).get("routing") or {}).get("committee_id")
            if other and other != body.id:
                flags.append(f"ANDET UDVALG: sagen hører til {names.get(other, other)} (ikke {meeting.body_name}).")
        gone = withdrawn.get(r["item_key"])
        if gone is not None:
            flags = ["TRUKKET TILBAGE før mødet."]
        elif sent is not None:
            if r["item_key"] not in sent_items:
                flags.append("TILFØJET EFTER UDSENDELSE af dagsordenen.")
            elif sent_items[r["item_key"]] != r["content_hash"]:
                flags.append("ÆNDRET EFTER UDSENDELSE: indstillingen er ikke den, medlemmerne fik.")
        o = decided.get(r["item_key"])
        rec = registered.get(o["decision_id"]) if o and o["decision_id"] is not None else None
        report = r["report"]
        taker = required_body(plan, r["submission"], r["required_level"])
        items.append(
            AgendaItem(
                number=r["number"],
                item_key=r["item_key"],
                item_id=r["id"],
                case_ref=r["case_ref"],
                required_level=r["required_level"],
                required_level_name=names.get(r["required_level"], r["required_level"]),
                required_body=taker.id if taker is not None else None,
                required_body_name=taker.name if taker is not None else None,
                ready=r["ready"],
                findings=[ItemFinding(code=f["code"], severity=f["severity"], title=f["title"]) for f in report.get("findings", [])],
                flags=flags,
                content_hash=r["content_hash"],
                versions=r["versions"],
                plan_version=r["plan_version"],
                outcome=o["outcome"] if o else None,
                forwarded_to=o["forwarded_to"] if o else None,
                forwarded_to_name=names.get(o["forwarded_to"], o["forwarded_to"]) if o and o["forwarded_to"] else None,
                forwarded_outside=bool(o and o["forwarded_to"] in outside),
                reason=o["reason"] if o else None,
                decision_id=o["decision_id"] if o else None,
                kompetenceoverskridelse=rec.kompetenceoverskridelse if rec else None,
                start=rec.start if rec and o and o["outcome"] in GRANTED else None,
                expected_end=rec.expected_end if rec and o and o["outcome"] in GRANTED else None,
                withdrawn=gone is not None,
                withdrawn_reason=gone["reason"] if gone else None,
                content=_content(plan, r["submission"]),
            )
        )
    return Agenda(
        meeting=meeting,
        sent_at=sent["sent_at"] if sent else None,
        items=items,
        attendees=list(attendance[0]) if attendance else [],
        sent_by_mail=mailing["transport"] if mailing else None,
        recipients=list(mailing["recipients"]) if mailing else [],
    )


def _recheck(plan: Plan, on: dt.date, row: dict[str, Any], flags: list[str]) -> dict[str, Any]:
    """The item checked again: the plan in force on the meeting date is not the one it was checked with."""
    try:
        report = check(plan, row["submission"], on=on)
    except KompetenceplanError as exc:
        flags.append(f"PLANEN ER ÆNDRET: indstillingen kan ikke tjekkes med planversion {plan.meta.version} ({exc.title})")
        return row | {"ready": False, "report": {"findings": []}}
    flags.append(f"PLANEN ER ÆNDRET: tjekket igen med planversion {plan.meta.version}.")
    return row | {
        "ready": report.ready,
        "report": report.model_dump(mode="json"),
        "required_level": report.routing.level,
        "required_rank": plan.rank(report.routing.level),
        "plan_version": plan.meta.version,
    }


def _registered(conn: Any, decision_ids: list[int]) -> dict[int, Any]:
    """What the register holds of each decided item's decision (below the required level?
    from when to when?), in one query: the agenda is built again for every outcome recorded."""
    if not decision_ids:
        return {}
    columns = (decisions.c.id, decisions.c.kompetenceoverskridelse, decisions.c.start, decisions.c.expected_end)
    return {row.id: row for row in conn.execute(select(*columns).where(decisions.c.id.in_(decision_ids)))}


def already_on_agenda(added: AddedItem) -> CaseError:
    """For the pages: an indstilling added again with the same content is not added twice
    without a word (issue 25) — the person is told which item it already is."""
    number = added.number
    return CaseError(
        "Indstillingen er allerede på dagsordenen.",
        [
            Problem(
                "indstilling",
                f"sag {added.item.case_ref} med præcis samme indhold er allerede punkt {number}.",
                f"Lad punkt {number} stå, eller ret indstillingen og tilføj den som en ny version af punkt {number}.",
            )
        ],
    )


def send_agenda(reg: Register, plans: Plans, meeting_id: int, *, actor: Actor, as_sent: Agenda | None = None, mailing: dict[str, Any] | None = None) -> Agenda:
    """Record that the agenda was sent: each item's content hash as the members received it
    (withdrawn items are not sent). ``as_sent``: the agenda the members received (the one the
    PDF was made from); without it, what is on the agenda now, read under the lock. ``mailing``:
    how and to whom (transport "smtp" or "markeret", recipients, pdf_sha256, message_id),
    stored with the agenda. An agenda marked as sent again with nothing changed since (no
    mailing) is not sent again: it keeps its time; a mailing is always recorded, as it reached
    the members again."""
    actor.require("manage_meetings")
    with reg.transaction() as conn:
        _lock_or_fail(conn, meeting_id)
        if as_sent is not None:
            items = {i.item_key: i.content_hash for i in as_sent.items if not i.withdrawn}
        else:
            gone = _withdrawn(conn, meeting_id)
            items = {r["item_key"]: r["content_hash"] for r in repo.items(conn, meeting_id) if r["item_key"] not in gone}
        sent = repo.latest_agenda(conn, meeting_id)
        unchanged = mailing is None and sent is not None and sent["items"] == items
        agenda_id = None if unchanged else repo.insert(conn, agendas, {"meeting_id": meeting_id, "items": items, "sent_by": actor.id, "sent_by_name": actor.name, "sent_at": now()})
        if mailing is not None:
            repo.insert(
                conn,
                agenda_mailings,
                {
                    "meeting_id": meeting_id,
                    "agenda_id": agenda_id,
                    "transport": mailing["transport"],
                    "recipients": list(mailing.get("recipients") or []),
                    "pdf_sha256": mailing.get("pdf_sha256"),
                    "message_id": mailing.get("message_id"),
                    "sent_by": actor.id,
                    "sent_by_name": actor.name,
                    "sent_at": now(),
                },
            )
    return build_agenda(reg, plans, meeting_id)


def record_outcome(
    reg: Register,
    plans: Plans,
    meeting_id: int,
    item_number: int,
    outcome: str,
    reason: str = "",
    *,
    actor: Actor,
    team: str = "udvalg",
    start: dt.date | None = None,
    expected_end: dt.date | None = None,
    forward_to: str | None = None,
) -> OutcomeRecord:
    """The committee's outcome for an item. bevilget / afslået / bevilget med ændringer are also
    registered as decisions taken by the committee (with kompetenceoverskridelse if the case
    belongs to a higher level of the municipality's own delegation); udsat, sendt tilbage til
    rådgiver and oversendt (to ``forward_to``, by default the item's required level) are outcomes
    only, and retract the decision an earlier outcome for the item registered. A committee below
    the statutory body of the item's paragraph may only postpone, send back or forward. The item's
    current outcome again (the same reason, forwarding and grant period, its decision still in
    force) records nothing and returns that outcome: no correction nobody made. An item number
    the meeting does not have is `NotFound`."""
    actor.require("record_outcome")
    problems = []
    if outcome not in OUTCOMES:
        problems.append(Problem("udfald", "ukendt udfald.", f"Brug et af: {', '.join(OUTCOMES)}."))
    reason = (reason or "").strip()
    if outcome != "bevilget" and not reason:
        problems.append(Problem("begrundelse", "mangler.", "Skriv udvalgets begrundelse (kræves for alt andet end bevilget)."))
    if outcome in OUTCOMES and outcome not in GRANTED and (start is not None or expected_end is not None):
        where = "start" if start is not None else "forventet_slut"  # as the register names them
        problems.append(Problem(where, f"gælder kun en bevilling, ikke udfaldet {outcome}.", "Udelad datoerne, eller registrér udfaldet som bevilget eller bevilget med ændringer."))
    if forward_to is not None and outcome != FORWARDED:
        problems.append(Problem("oversendt_til", f"gælder kun udfaldet {FORWARDED}.", "Udelad udvalget, eller vælg udfaldet oversendt."))
    if problems:
        raise CaseError("Udfaldet kan ikke registreres.", problems)
    refuse_cpr({"begrundelse": reason})
    with reg.transaction() as conn:
        row = _lock_or_fail(conn, meeting_id)
        plan = plan_in_force(plans, row["meeting_date"])
        meeting = _meeting(row, plan)
        current = {r["number"]: r for r in repo.items(conn, meeting_id)}
        item = current.get(item_number)
        if item is None:
            raise NotFound("Ukendt punkt.", [Problem("punkt", f"mødet har ikke et punkt {item_number}.", _numbers_hint(current))])
        if item["item_key"] in _withdrawn(conn, meeting_id):
            raise CaseError(
                "Punktet er trukket tilbage.",
                [Problem("punkt", f"punkt {item_number} er trukket tilbage før mødet og kan ikke få et udfald.", "Tilføj indstillingen igen, hvis sagen skal behandles.")],
            )
        sag = item["submission"].get("sag") or {}
        paragraph = sag.get(plan.meta.paragraph_input)
        statutory = statutory_level(plan, paragraph)
        if outcome in DECIDING and statutory is not None and row["body_rank"] < statutory[0]:
            refusal = statutory_refusal(plan, str(paragraph), _body_level(plan, row["body"]), statutory, what="udfald")
            refusal.problems[0] = Problem("udfald", refusal.problems[0].what, f"Vælg udsat, sendt tilbage til rådgiver eller oversendt (til {plan.level(statutory[1]).name}).")
            raise refusal
        target = _forward_target(plan, row, item, forward_to, statutory) if outcome == FORWARDED else None
        previous = repo.current_outcomes(conn, meeting_id).get(item["item_key"])
        earlier = repo.item_decisions(conn, meeting_id, item["item_key"])
        in_force = None
        if earlier:
            newest = decision_repo.lock_head(conn, earlier[-1])  # a manual correction may be racing this outcome
            if not decision_repo.retracted(conn, newest):
                in_force = newest
        begin = start or meeting.meeting_date
        months = sag.get("varighed_maaneder")
        whole = int(months) if isinstance(months, (int, float)) and not isinstance(months, bool) and float(months).is_integer() and 0 <= months <= 1200 else None
        end = expected_end or (add_months(begin, whole) if whole is not None else None)
        # the same outcome again, for the same version of the submission (none added since)
        if previous is not None and previous["recorded_at"] >= item["added_at"] and _repeated(conn, previous, outcome, reason, target, in_force, (begin, end)):
            return _outcome_record(conn, previous, item_number, item)
        decision = None
        if outcome in DECIDING:
            values = reg.decision_values(
                conn,
                plans,
                case_ref=item["case_ref"],
                team=team,
                level=_body_level(plan, meeting.body),
                decided_by=(meeting.body, meeting.body_name),
                recorded_by=actor,
                decided_on=meeting.meeting_date,
                outcome=outcome,
                paragraph=paragraph,
                step=sag.get(plan.meta.step_input),
                monthly_cost=sag.get("maanedlig_udgift"),
                start=begin,
                expected_end=end,
                required_level=item["required_level"],
                routing_id=None,
                corrects=in_force,
                note=reason,
                source="udvalg",
            )
            decision = decision_repo.insert(conn, values)
        new_id = repo.insert(
            conn,
            outcomes,
            {
                "meeting_id": meeting_id,
                "item_key": item["item_key"],
                "corrects_id": previous["id"] if previous else None,
                "outcome": outcome,
                "forwarded_to": target,
                "reason": reason,
                "decision_id": decision.id if decision else None,
                "recorded_by": actor.id,
                "recorded_by_name": actor.name,
                "recorded_at": now(),
            },
        )
        if decision is None and in_force is not None:
            # udsat / sendt tilbage / oversendt after a decision: that decision is no longer in force
            decision_repo.retract(
                conn,
                {"decision_id": in_force, "outcome_id": new_id, "reason": f"Udvalgets nye udfald: {outcome}.", "recorded_by": actor.id, "recorded_by_name": actor.name, "recorded_at": now()},
            )
        stored = dict(conn.execute(outcomes.select().where(outcomes.c.id == new_id)).mappings().one())
        return _outcome_record(conn, stored, item_number, item)


def _repeated(conn: Any, previous: dict[str, Any], outcome: str, reason: str, target: str | None, in_force: int | None, period: tuple[dt.date, dt.date | None]) -> bool:
    """Whether ``outcome`` is the item's current outcome again: the same outcome, reason and
    forwarding and, for a decision, that decision still in force with the same grant period."""
    if (previous["outcome"], previous["reason"], previous["forwarded_to"]) != (outcome, reason, target):
        return False
    if outcome not in DECIDING:
        return True
    decision = decision_repo.get(conn, in_force) if in_force is not None else None
    return decision is not None and (decision.start, decision.expected_end) == period


def _outcome_record(conn: Any, stored: dict[str, Any], item_number: int, item: dict[str, Any]) -> OutcomeRecord:
    """The stored outcome ``stored`` of the item as `record_outcome` answers it."""
    decision = decision_repo.get(conn, stored["decision_id"]) if stored["decision_id"] is not None else None
    return OutcomeRecord(
        id=stored["id"],
        meeting_id=stored["meeting_id"],
        item_number=item_number,
        item_key=item["item_key"],
        case_ref=item["case_ref"],
        outcome=stored["outcome"],
        forwarded_to=stored["forwarded_to"],
        reason=stored["reason"],
        decision_id=stored["decision_id"],
        retracted_decision_id=repo.retraction_by(conn, stored["id"]),
        kompetenceoverskridelse=decision.kompetenceoverskridelse if decision else None,
        recorded_at=stored["recorded_at"],
    )


def _forward_target(plan: Plan, meeting: dict[str, Any], item: dict[str, Any], forward_to: str | None, statutory: tuple[int, str, str] | None) -> str:
    """The level an item is forwarded to: the one named, else the item's required level; it must
    rank above the meeting's body (a body sends a case on to the one that has the competence)."""
    target = forward_to or item["required_level"]
    above = [lv.id for lv in plan.levels[meeting["body_rank"] + 1 :]]
    if target not in above:
        hint = f"Brug et af: {', '.join(above)}." if above else "Der er intet højere niveau i planen at oversende til."
        raise CaseError("Udfaldet kan ikke registreres.", [Problem("oversendt_til", "skal være et niveau over mødets udvalg.", hint)])
    return target
