"""Danish text in and out: numbers, amounts, dates, quarters and times.

The one reader for every entry point — CLI options, the web forms, the JSON API and the imports —
so that the same text is the same value everywhere, or the same refusal; and the one writer for
pages, documents and reports. Nothing here knows a plan or a register.

Numbers are read as a Dane writes them: ``12.000`` and ``12 000`` are twelve thousand,
``12.000,50`` has a decimal comma. What could be read two ways is refused, never guessed:
``12,000`` (a Danish decimal comma, or an English thousands separator?) and ``12.5`` (a dot is a
thousands separator here). A wrong guess could make an amount a thousand times too small and route
a case too low. A JSON or Python number is taken as it is; a boolean is never a number. A number
too large to be real gets a Danish error, never an overflow.

Dates are ``ÅÅÅÅ-MM-DD`` (RFC 3339 full-date) only: what ``<input type="date">`` sends and what JSON
Schema's ``format: date`` means. A number (``0`` is not 1970-01-01) or a date with a time (whose time
zone would be dropped) is refused. Times are stored in UTC and shown in Danish time
(Europe/Copenhagen).

Every refusal is a `DanishTextError` (a `CaseError`) with one `Problem` naming ``where`` (the
option, field or file line the caller gives), what is wrong and how to write it; it never repeats
the text it was given.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import TYPE_CHECKING, Any

from .errors import CaseError, Problem

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

#: Longest number text accepted (a plan's largest bound has 13 digits; separators and decimals add a few).
MAX_NUMBER_TEXT = 40
#: No number anything here reads is this large (the engine's bound for case numbers is 10^15).
MAX_MAGNITUDE = Decimal(10) ** 15
#: Amounts in kroner (a monthly cost, a payment, a threshold) are below this: a larger one is a typing mistake.
MAX_KRONER = 10**9
DANISH_TIME_ZONE = "Europe/Copenhagen"
MONTHS = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober", "november", "december")

NUMBER_HELP = "Skriv tal som på dansk: 12.000 eller 12000, decimaler med komma: 2,5."
AMOUNT_FIX = "Skriv kroner som på dansk, fx 12.000 eller 12.000,50 (tusinder med punktum, højst 2 decimaler med komma)."
DATE_WHAT = "skal være en dato på formen ÅÅÅÅ-MM-DD."
QUARTER_WHAT = "skal være et kvartal, fx 2026Q4, 2026-Q4, K4 2026 eller 4. kvartal 2026 (år 1900-2999)."

_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " "})
_PLAIN = re.compile(r"[0-9]+", re.ASCII)
_GROUPED_DOT = re.compile(r"[0-9]{1,3}(?:\.[0-9]{3})+", re.ASCII)
_GROUPED_SPACE = re.compile(r"[0-9]{1,3}(?: [0-9]{3})+", re.ASCII)
#: RFC 3339 full-date, as JSON Schema's ``format: date`` (Python's fromisoformat also takes 20261201).
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_QUARTER_FORMS = (
    # 2026Q4, 2026q4, 2026-Q4, 2026 K4, 2026/K4
    re.compile(r"(?P<year>[0-9]{4})\s*[-/ ]?\s*[QK]\s*(?P<n>[0-9])", re.ASCII | re.IGNORECASE),
    # Q4 2026, K4 2026, K4-2026
    re.compile(r"[QK]\s*(?P<n>[0-9])\s*[-/ ]?\s*(?P<year>[0-9]{4})", re.ASCII | re.IGNORECASE),
    # 4. kvartal 2026, 4 kvt. 2026, 4.kvt 2026
    re.compile(r"(?P<n>[0-9])\s*\.?\s*(?:kvartal|kvt\.?)\s*(?P<year>[0-9]{4})", re.ASCII | re.IGNORECASE),
)


class DanishTextError(CaseError):
    """A value is not a number, amount, date or quarter as the register reads them, or is out of bounds."""


class NumberTextError(ValueError):
    """The text is not a number as Danes write it, or it could be read in two ways (the message
    says what is wrong, without the text)."""


def _refuse(title: str, where: str, what: str, fix: str) -> DanishTextError:
    return DanishTextError(title, [Problem(where, what, fix)])


# -- numbers ----------------------------------------------------------------------------------------
def number_text(text: str, unit: str = "") -> Decimal:
    """The exact value of a number as a Dane types it: ``12.000``, ``12 000``, ``12000``,
    ``12.000,50``, ``2,5``, ``-350,50``; a trailing unit (``kr.``, the input's ``unit``) or ``,-``
    is allowed. Raises `NumberTextError` for anything else, and for the ambiguous ``12,000`` and
    ``12.5``. Nothing is rounded."""
    t = text.translate(_SPACES).strip()
    if not t:
        raise NumberTextError("er tom.")
    if len(t) > MAX_NUMBER_TEXT:
        raise NumberTextError("er for lang til at være et tal.")
    for suffix in sorted({unit.strip(), "kr.", "kr"} - {""}, key=len, reverse=True):
        if t.lower().endswith(suffix.lower()):
            t = t[: -len(suffix)].rstrip()
            break
    if t.endswith(",-"):
        t = t[:-2]
    negative = t.startswith(("-", "\u2212"))
    if negative:
        t = t[1:]
    whole, comma, frac = t.partition(",")
    if "," in frac:
        raise NumberTextError("har mere end ét komma. Brug komma som decimaltegn, fx 2,5.")
    if comma and not _PLAIN.fullmatch(frac):
        raise NumberTextError("kan ikke læses som et tal. Skriv fx 12.000 eller 2,5.")
    if "." in whole and not _GROUPED_DOT.fullmatch(whole):
        raise NumberTextError("punktum bruges kun som tusindtalsskilletegn i grupper af tre cifre (fx 12.000). Decimaler skrives med komma, fx 12,5.")
    if " " in whole and not _GROUPED_SPACE.fullmatch(whole):
        raise NumberTextError("mellemrum bruges kun mellem grupper af tre cifre (fx 12 000).")
    if not (_PLAIN.fullmatch(whole) or _GROUPED_DOT.fullmatch(whole) or _GROUPED_SPACE.fullmatch(whole)):
        raise NumberTextError("kan ikke læses som et tal. Skriv kun cifre, fx 12.000 eller 2,5.")
    if comma and len(frac) == 3 and "." not in whole and " " not in whole:
        # "12,000": a Danish decimal comma (12) or an English thousands separator (12.000)?
        # Reading it as 12 could route the case far too low, so ask instead.
        raise NumberTextError("er tvetydigt: et komma med tre cifre efter kan være et tusindtalsskilletegn. Skriv tusinder med punktum (fx 12.000) og højst to decimaler med komma (fx 12,50).")
    digits = whole.replace(".", "").replace(" ", "")
    try:
        return Decimal(f"{'-' if negative else ''}{digits}.{frac or '0'}")
    except InvalidOperation:  # pragma: no cover - the patterns above admit only digits
        raise NumberTextError("kan ikke læses som et tal.") from None


def plain(value: Decimal) -> int | float:
    """An int when the value is whole, else a float (what JSON and the engine hold)."""
    return int(value) if value == value.to_integral_value() else float(value)


def parse_danish_number(text: str, unit: str = "") -> int | float:
    """`number_text` as an int or a float (the web form's fields, ``--set``)."""
    return plain(number_text(text, unit))


def _exact(value: Any) -> tuple[Decimal | None, str]:
    """A JSON/Python number or a Danish number text as an exact Decimal, or (None, what is wrong)."""
    if isinstance(value, bool) or value is None:
        return None, "mangler eller er ikke et tal (sandt/falsk er ikke et tal)." if isinstance(value, bool) else "mangler."
    if isinstance(value, int):
        if abs(value) >= MAX_MAGNITUDE:
            return None, "er urealistisk stort."
        return Decimal(value), ""
    if isinstance(value, float):
        if not math.isfinite(value):
            return None, "er ikke et endeligt tal."
        if abs(value) >= MAX_MAGNITUDE:
            return None, "er urealistisk stort."
        return Decimal(repr(value)), ""  # the shortest text of the float: what the JSON said
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None, "er ikke et endeligt tal."
        return (value, "") if abs(value) < MAX_MAGNITUDE else (None, "er urealistisk stort.")
    if isinstance(value, str):
        try:
            found = number_text(value)
        except NumberTextError as exc:
            return None, str(exc)
        return (found, "") if abs(found) < MAX_MAGNITUDE else (None, "er urealistisk stort.")
    return None, "er ikke et tal."


def read_number(
    value: Any,
    where: str,
    *,
    decimals: int | None = None,
    minimum: int | Decimal | None = None,
    maximum: int | Decimal | None = None,
    fix: str = NUMBER_HELP,
) -> Decimal:
    """``value`` — a JSON or Python number, or a Danish number text — as an exact Decimal.
    ``decimals``: at most that many; ``minimum`` ≤ value < ``maximum``. Raises `DanishTextError`
    naming ``where``."""
    found, what = _exact(value)
    if found is None:
        raise _refuse("Ugyldigt tal.", where, what, fix)
    if decimals is not None and found != found.quantize(Decimal(1).scaleb(-decimals)):
        raise _refuse("Ugyldigt tal.", where, f"har mere end {decimals} decimaler." if decimals else "skal være et helt tal.", fix)
    if minimum is not None and found < minimum:
        raise _refuse("Ugyldigt tal.", where, f"må ikke være under {format_number(plain(Decimal(minimum)))}.", fix)
    if maximum is not None and found >= maximum:
        raise _refuse("Ugyldigt tal.", where, f"er urealistisk stort (under {format_number(plain(Decimal(maximum)))}).", fix)
    return found


def read_amount(value: Any, where: str, *, negative: bool = False, maximum: int = MAX_KRONER, fix: str = AMOUNT_FIX) -> Decimal:
    """An amount in kroner: at most 2 decimals, ≥ 0 (unless ``negative``: a refund), its size
    below ``maximum``. Text as `number_text` reads it; a JSON/Python number as it is."""
    found, what = _exact(value)
    if found is None:
        raise _refuse("Ugyldigt beløb.", where, what, fix)
    if found != found.quantize(Decimal("0.01")):
        raise _refuse("Ugyldigt beløb.", where, "har mere end 2 decimaler.", fix)
    if found < 0 and not negative:
        raise _refuse("Ugyldigt beløb.", where, "må ikke være negativt.", fix)
    if abs(found) >= maximum:
        raise _refuse("Ugyldigt beløb.", where, f"er urealistisk stort (højst {format_number(maximum - 1)} kr.).", fix)
    return found


def oere(amount: Decimal) -> int:
    """An amount read by `read_amount` in øre (exact)."""
    return int(amount * 100)


# -- dates, quarters, times ---------------------------------------------------------------------------
def read_date(value: Any, where: str, *, example: str = "2026-12-01", first_year: int = 1, last_year: int = 9999) -> dt.date:
    """A date: a `datetime.date` (not a datetime) or the text ``ÅÅÅÅ-MM-DD``. Anything else —
    a number, a date with a time or a time zone, another order — is refused."""
    if isinstance(value, dt.datetime):
        day = None
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, str) and ISO_DATE.fullmatch(value):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            day = None
    else:
        day = None
    if day is None:
        raise _refuse("Ugyldig dato.", where, DATE_WHAT, f"Skriv fx {example}.")
    if not first_year <= day.year <= last_year:
        raise _refuse("Ugyldig dato.", where, f"årstallet skal være mellem {first_year} og {last_year}.", f"Skriv fx {example}.")
    return day


def read_optional_date(value: Any, where: str, **kw: Any) -> dt.date | None:
    """`read_date`, with None (or an empty text) for "not given"."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return read_date(value, where, **kw)


def read_quarter(value: Any, where: str = "--quarter", *, example: str = "--quarter 2026Q4") -> tuple[int, int]:
    """(year, n) from ``2026Q4``, ``2026-Q4``, ``2026 K4``, ``Q4 2026``, ``K4 2026``,
    ``4. kvartal 2026`` or ``4 kvt. 2026`` (any case); years 1900-2999."""
    text = value.translate(_SPACES).strip() if isinstance(value, str) else ""
    for form in _QUARTER_FORMS:
        found = form.fullmatch(text) if len(text) <= 40 else None
        if found and 1 <= int(found["n"]) <= 4 and 1900 <= int(found["year"]) <= 2999:
            return int(found["year"]), int(found["n"])
    raise _refuse("Ugyldigt kvartal.", where, QUARTER_WHAT, f"Skriv fx {example}.")


def quarter_code(year: int, n: int) -> str:
    """The canonical spelling of a quarter: ``2026Q4`` (stored with a draw, used in URLs)."""
    return f"{year}Q{n}"


def quarter_dates(year: int, n: int) -> tuple[dt.date, dt.date]:
    """The first and the last day of quarter ``n`` of ``year``."""
    first = dt.date(year, 3 * n - 2, 1)
    return first, dt.date(year + (n == 4), (3 * n) % 12 + 1, 1) - dt.timedelta(days=1)


def format_quarter(year: int, n: int) -> str:
    """``4. kvartal 2026``."""
    return f"{n}. kvartal {year}"


def format_date(day: dt.date) -> str:
    """``1. december 2026``."""
    return f"{day.day}. {MONTHS[day.month - 1]} {day.year}"


def format_month(year: int, month: int) -> str:
    """``december 2026``."""
    return f"{MONTHS[month - 1]} {year}"


@cache
def danish_time_zone() -> ZoneInfo:
    """Europe/Copenhagen from the IANA database (the system's, or the ``tzdata`` package)."""
    from zoneinfo import ZoneInfo

    return ZoneInfo(DANISH_TIME_ZONE)


def utc(moment: dt.datetime) -> dt.datetime:
    """``moment`` in UTC; a time without a zone is one the register stored, which is UTC."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def danish_time(moment: dt.datetime) -> dt.datetime:
    """``moment`` (UTC when it has no zone) in Danish time, summer time included."""
    return utc(moment).astimezone(danish_time_zone())


def format_time(moment: dt.datetime) -> str:
    """A stored time as Danes read it, in Danish time: ``2026-12-01 kl. 11.00``."""
    local = danish_time(moment)
    return f"{local:%Y-%m-%d} kl. {local:%H.%M}"


# -- numbers out --------------------------------------------------------------------------------------
def format_number(value: bool | int | float | str | Decimal, unit: str = "") -> str:
    """Danish number format: 12.000 and 2,5 (thousands '.', at most 2 decimals with ','); text as written."""
    if isinstance(value, str):
        return f"{value} {unit}".strip()
    if isinstance(value, Decimal):
        value = plain(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        text = f"{value:,}".replace(",", ".")
    else:
        whole, _, frac = f"{value:,.2f}".partition(".")
        text = whole.replace(",", ".") + "," + frac
    return f"{text} {unit}".strip()


def format_oere(amount_oere: int | None) -> str:
    """Kroner with øre from an amount in øre: ``1.234.567,89`` (a minus sign when negative; ``–`` when missing)."""
    if amount_oere is None:
        return "–"
    sign = "-" if amount_oere < 0 else ""
    whole, rest = divmod(abs(amount_oere), 100)
    return f"{sign}{whole:,}".replace(",", ".") + f",{rest:02d}"


def format_kroner(amount: float | int | Decimal, *, per: str = "") -> str:
    """Whole kroner: ``12.000 kr.``, or ``12.000 kr./md.`` with ``per="md."``."""
    whole = f"{round(amount):,}".replace(",", ".")
    return f"{whole} kr." + (f"/{per}" if per else "")


def format_permille(permille: int | None) -> str:
    """A change in tenths of a percent, signed: ``+12,3 %`` (``–`` when missing)."""
    if permille is None:
        return "–"
    sign = "-" if permille < 0 else ("+" if permille > 0 else "")
    whole, rest = divmod(abs(permille), 10)
    return f"{sign}{whole},{rest} %"


def format_share(share: float | None) -> str:
    """A share (0-1) as a percentage with one decimal: ``12,3 %`` (``–`` when missing)."""
    return "–" if share is None else f"{100 * share:.1f} %".replace(".", ",")
