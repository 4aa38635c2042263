"""Payments from the finance system: the import format (CSV or JSON Lines), all-or-nothing import
and the ``payments`` table (docs/oekonomisk-tilsyn.md, "Betalinger fra økonomisystemet").

    report = import_payments(engine, plans, data, name="betalinger.csv")   # FinanceImportError: nothing stored

Every bad row is reported (line, field, what is wrong, how to fix it, in Danish) and then
**nothing** is imported; a good file is stored in one transaction. Each line has a natural key
(`payment_key`: its content and occurrence), so a rerun — also of the same file saved with a
byte-order mark or CRLF line endings — stores nothing new and says so; a payment is never counted
twice. The free text and the
account are checked for CPR-shaped text like every register field and never shown in reports.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from ..danish import MAX_KRONER, DanishTextError, oere, read_amount, read_date
from ..errors import CaseError, Problem, not_none
from ..io import csv_records
from ..plan.versions import PlanSet
from ..store.case_ref import case_ref_problem
from ..store.privacy import looks_like_cpr
from ..store.tables import metadata, payments

#: The payments table (created by migration 0004), declared on the register's one MetaData.
finance_metadata = metadata


COLUMNS = ("sagsreference", "betalt_dato", "beloeb", "paragraf", "konto", "tekst")
REQUIRED = ("sagsreference", "betalt_dato", "beloeb", "paragraf")
MAX_AMOUNT = MAX_KRONER
AMOUNT_FIX = "Skriv kroner som på dansk med højst 2 decimaler, fx 12.500,00 eller 12500 (en tilbagebetaling med minus: -350,50); i JSON Lines også et tal, fx 12500.5."
_FIX = "Se formatet i docs/oekonomisk-tilsyn.md."


class FinanceImportError(CaseError):
    """The file has bad rows (or was imported before): nothing was imported."""


@dataclass(frozen=True)
class Payment:
    case_ref: str
    paid_on: dt.date
    amount_oere: int
    paragraph: str


@dataclass(frozen=True)
class FinanceImportReport:
    imported: int
    batch_sha256: str
    first: dt.date | None
    last: dt.date | None
    total_oere: int
    #: Lines the register already held (the same natural key): not stored again.
    already_imported: int = 0


# -- parsing ------------------------------------------------------------------------------------
def _records(data: bytes, name: str, fmt: str) -> Iterator[tuple[int, dict[str, Any] | None, list[Problem]]]:
    """(line number, the row's fields or None, problems reading it) per data row."""
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
            except json.JSONDecodeError:
                yield n, None, [Problem(f"{name}, linje {n}", "er ikke gyldig JSON.", "Skriv én betaling som JSON-objekt pr. linje, fx " + _EXAMPLE_JSON)]
                continue
            if not isinstance(value, dict):
                yield n, None, [Problem(f"{name}, linje {n}", "er ikke et JSON-objekt.", "Skriv én betaling som JSON-objekt pr. linje, fx " + _EXAMPLE_JSON)]
                continue
            yield n, value, []
        return
    for n, cells, problems in csv_records(text, name, COLUMNS, REQUIRED):
        yield n, None if cells is None else {k: (v if v.strip() else None) for k, v in cells.items()}, problems


_EXAMPLE_JSON = '{"sagsreference": "S-2026-0042", "betalt_dato": "2026-10-31", "beloeb": 12500.00, "paragraf": "bl-46"}.'


def _amount(value: Any, where: str) -> tuple[int | None, Problem | None]:
    """(øre, None) or (None, the problem): `danish.read_amount`, as every entry point reads kroner."""
    try:
        return oere(read_amount(value, where, negative=True, maximum=MAX_AMOUNT, fix=AMOUNT_FIX)), None
    except DanishTextError as exc:
        return None, exc.problems[0]


def _validate(n: int, row: dict[str, Any], name: str, codes: set[str]) -> tuple[dict[str, Any] | None, list[Problem]]:
    where = f"{name}, linje {n}"
    problems: list[Problem] = []
    for key in row:
        if key not in COLUMNS:
            problems.append(Problem(f"{where}, ukendt felt", "er ikke en del af formatet.", f"Brug kun {', '.join(COLUMNS)}."))
    for key in COLUMNS:
        value = row.get(key)
        if isinstance(value, str) and looks_like_cpr(value):
            problems.append(Problem(f"{where}, felt {key}", "indeholder noget, der ligner et CPR-nummer (vises ikke).", "Fjern CPR-nummeret; brug kun sagsreferencen."))
    if problems:
        return None, problems
    ref = row.get("sagsreference")
    ref_problem = case_ref_problem(ref, f"{where}, felt sagsreference")
    if ref_problem is not None:
        problems.append(ref_problem)
    paid_on = None
    try:
        raw_date = row.get("betalt_dato")
        paid_on = read_date(raw_date.strip() if isinstance(raw_date, str) else raw_date, f"{where}, felt betalt_dato", example="2026-10-31")
    except DanishTextError as exc:
        problems += exc.problems
    amount_oere, problem = _amount(row.get("beloeb"), f"{where}, felt beloeb")
    if problem is not None:
        problems.append(problem)
    paragraph = row.get("paragraf")
    if not isinstance(paragraph, str) or paragraph.strip() not in codes:
        problems.append(Problem(f"{where}, felt paragraf", "mangler eller er ikke en paragrafkode i planen.", "Brug planens kode, fx bl-46 (se 'kompetenceplan plan')."))
    for key, limit in (("konto", 64), ("tekst", 200)):
        value = row.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            problems.append(Problem(f"{where}, felt {key}", f"skal være tekst på højst {limit} tegn.", "Forkort feltet eller udelad det."))
    if problems:
        return None, problems
    if paid_on is None or not isinstance(ref, str) or not isinstance(paragraph, str):  # each of these gave a problem above
        raise RuntimeError("a payment line without problems lacks its date, case reference or paragraph")
    return {
        "line": n,
        "case_ref": ref.strip(),
        "paid_on": paid_on,
        "amount": amount_oere / 100 if amount_oere is not None else 0,
        "paragraph": paragraph.strip(),
        "account": (row.get("konto") or "").strip() or None,
        "text": (row.get("tekst") or "").strip() or None,
    }, []


def paragraph_codes(plans: PlanSet) -> set[str]:
    codes: set[str] = set()
    for plan in plans.versions:
        spec = plan.inputs.get("paragraf")
        codes |= set((spec.values or {}) if spec else {})
    return codes


def detect_format(name: str, fmt: str | None) -> str:
    if fmt:
        return fmt
    lower = name.lower()
    if lower.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    return "csv"


def parse_payments(data: bytes, plans: PlanSet, name: str = "fil", fmt: str | None = None) -> list[dict[str, Any]]:
    """Every row checked; `FinanceImportError` listing every problem when any row is bad."""
    fmt = detect_format(name, fmt)
    codes = paragraph_codes(plans)
    good: list[dict[str, Any]] = []
    problems: list[Problem] = []
    bad_rows = 0
    for n, row, read_problems in _records(data, name, fmt):
        if read_problems:
            problems += read_problems
            bad_rows += 1
            continue
        values, row_problems = _validate(n, not_none(row, "the line's fields"), name, codes)  # a line without them has read problems
        if row_problems:
            problems += row_problems
            bad_rows += 1
        elif values is not None:
            good.append(values)
    if problems:
        raise FinanceImportError(f"Intet er importeret: {bad_rows} linjer har fejl. Ret dem og importér hele filen igen.", problems)
    if not good:
        raise FinanceImportError("Intet er importeret.", [Problem(name, "indeholder ingen betalinger.", "Tjek, at det er den rigtige fil.")])
    return good


def payment_key(row: dict[str, Any], occurrence: int) -> str:
    """SHA-256 of a payment line's natural key: its content (case, day, amount in øre, paragraph,
    account, text) and which occurrence of that content it is in its file (two identical lines
    are two payments). Migration r0009 computes the same for payments imported before it."""
    content = [row["case_ref"], row["paid_on"].isoformat(), round(float(row["amount"]) * 100), row["paragraph"], row["account"] or "", row["text"] or ""]
    return _sha(content + [occurrence])


def _sha(parts: list[Any]) -> str:
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def import_payments(engine: Engine, plans: PlanSet, data: bytes, name: str = "fil", fmt: str | None = None) -> FinanceImportReport:
    """Check every row, then store all new ones in one transaction, or nothing (`FinanceImportError`).

    Idempotent: a line the register already holds (the same `payment_key`: the same content, as
    the same occurrence) is not stored again but counted in ``already_imported``; a rerun of the
    same file — also with a byte-order mark, CRLF line endings or another column order — stores
    nothing new and says so."""
    digest = hashlib.sha256(data).hexdigest()
    rows = parse_payments(data, plans, name, fmt)
    counts: dict[str, int] = {}
    for r in rows:
        content = _sha([r["case_ref"], r["paid_on"].isoformat(), round(float(r["amount"]) * 100), r["paragraph"], r["account"] or "", r["text"] or ""])
        counts[content] = counts.get(content, 0) + 1
        r["line_key"] = payment_key(r, counts[content])
    now = dt.datetime.now(dt.UTC)
    for attempt in range(3):
        try:
            with engine.begin() as conn:
                keys = [r["line_key"] for r in rows]
                known: set[str] = set()
                for i in range(0, len(keys), 500):
                    known |= set(conn.execute(select(payments.c.line_key).where(payments.c.line_key.in_(keys[i : i + 500]))).scalars())
                new = [r for r in rows if r["line_key"] not in known]
                if new:
                    conn.execute(payments.insert(), [{**r, "batch_sha256": digest, "imported_at": now} for r in new])
            break
        except IntegrityError:
            # Another import stored one of these lines after our check (PostgreSQL): check again.
            if attempt == 2:
                raise
    total = sum(int(round(r["amount"] * 100)) for r in new)
    return FinanceImportReport(len(new), digest, min((r["paid_on"] for r in new), default=None), max((r["paid_on"] for r in new), default=None), total, already_imported=len(rows) - len(new))


# -- reading ------------------------------------------------------------------------------------
def payment_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(payments)).scalar_one())


@dataclass(frozen=True)
class PaymentSum:
    """The payments of one day for one paragraph, and the part of them whose case reference has
    no decision in the register (unmatched)."""

    paid_on: dt.date
    paragraph: str
    count: int
    oere: int
    unmatched_count: int
    unmatched_oere: int


def payment_sums(engine: Engine, first: dt.date, last: dt.date) -> list[PaymentSum]:
    """The payments from ``first`` to ``last`` summed by the database per day and paragraph
    (issue 29: a large municipality's quarter is hundreds of thousands of payment lines, which
    the report used to read one by one). Unmatched: no decision in the register has the payment's
    case reference; each case reference paid in the period is looked up once, in the index."""
    from ..store.tables import decisions

    window = (payments.c.paid_on >= first, payments.c.paid_on <= last)
    columns = (payments.c.paid_on, payments.c.paragraph, func.count(), func.sum(func.round(payments.c.amount * 100)))
    with engine.connect() as conn:
        totals = conn.execute(select(*columns).where(*window).group_by(payments.c.paid_on, payments.c.paragraph)).all()
        paid = select(payments.c.case_ref).where(*window).distinct().subquery()
        # one probe of the case-reference index per reference (LIMIT 1, no table read): a join
        # could read every case reference the register ever held
        any_decision = select(decisions.c.case_ref).where(decisions.c.case_ref == paid.c.case_ref).limit(1).scalar_subquery()
        unknown = list(conn.execute(select(paid.c.case_ref).where(any_decision.is_(None))).scalars())
        unmatched: dict[tuple[dt.date, str], tuple[int, int]] = {}
        for i in range(0, len(unknown), 500):
            query = select(*columns).where(*window, payments.c.case_ref.in_(unknown[i : i + 500])).group_by(payments.c.paid_on, payments.c.paragraph)
            for day, paragraph, n, oere in conn.execute(query):
                before = unmatched.get((day, paragraph), (0, 0))
                unmatched[(day, paragraph)] = (before[0] + n, before[1] + int(round(oere)))
    return [PaymentSum(day, paragraph, n, int(round(oere)), *unmatched.get((day, paragraph), (0, 0))) for day, paragraph, n, oere in totals]


def load_payments(engine: Engine, first: dt.date, last: dt.date) -> list[Payment]:
    query = select(payments.c.case_ref, payments.c.paid_on, payments.c.amount, payments.c.paragraph).where(payments.c.paid_on >= first, payments.c.paid_on <= last)
    with engine.connect() as conn:
        return [Payment(ref, day, int(round(float(amount) * 100)), paragraph) for ref, day, amount, paragraph in conn.execute(query)]
