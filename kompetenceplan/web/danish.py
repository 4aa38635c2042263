"""Dates, times, quarters and amounts as Danes read them on the pages: "15. december 2026",
"15. december 2026 kl. 14.05" in Danish time (Europe/Copenhagen, summer time included) and
"4. kvartal 2026" — the same words on every page (ledelsestilsyn and økonomisk tilsyn alike).

`quarter_code` reads what a person types for a quarter ("4. kvartal 2026", "4. kvt. 2026",
"K4 2026", "2026 K4", "2026Q4") into the code the register and the URLs use ("2026Q4"); anything
else is None (the page then says how to write it). The issue-22 reader of Danish text will take
over the parsing; the words stay here.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

DANISH_TIME = ZoneInfo("Europe/Copenhagen")
MONTHS = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober", "november", "december")

_QUARTER_PATTERNS = (
    re.compile(r"(?P<year>\d{4})\s*[-/ ]?\s*[QqKk]\s*(?P<n>[1-4])"),  # 2026Q4, 2026 K4, 2026-Q4
    re.compile(r"[QqKk]\s*(?P<n>[1-4])\s*[-/ ]?\s*(?P<year>\d{4})"),  # K4 2026, Q4-2026
    re.compile(r"(?P<n>[1-4])\s*\.?\s*(?:kvartal|kvt\.?)\s*(?P<year>\d{4})", re.IGNORECASE),  # 4. kvartal 2026, 4. kvt. 2026
)


def date_text(day: dt.date | dt.datetime | None) -> str:
    """``15. december 2026`` ('' for None)."""
    if day is None:
        return ""
    if isinstance(day, dt.datetime):
        day = local(day).date()
    return f"{day.day}. {MONTHS[day.month - 1]} {day.year}"


def local(moment: dt.datetime) -> dt.datetime:
    """A stored moment in Danish time (a moment without a zone is UTC, as the register stores it)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(DANISH_TIME)


def time_text(moment: dt.datetime | None) -> str:
    """``15. december 2026 kl. 14.05`` in Danish time ('' for None)."""
    if moment is None:
        return ""
    t = local(moment)
    return f"{date_text(t.date())} kl. {t.hour:02d}.{t.minute:02d}"


def quarter_text(code: str) -> str:
    """``2026Q4`` → ``4. kvartal 2026`` (anything else unchanged)."""
    found = re.fullmatch(r"(\d{4})Q([1-4])", code or "")
    return f"{found.group(2)}. kvartal {found.group(1)}" if found else code


def quarter_code(text: str) -> str | None:
    """What a person typed for a quarter, as ``2026Q4``; None when it is not a quarter."""
    t = " ".join((text or "").replace("\u00a0", " ").split())
    if len(t) > 30:
        return None
    for pattern in _QUARTER_PATTERNS:
        found = pattern.fullmatch(t)
        if found:
            return f"{found.group('year')}Q{found.group('n')}"
    return None


def period_text(first: dt.date, last: dt.date) -> str:
    """``1. september – 30. november 2026`` (the year once when both are in the same year)."""
    if first.year == last.year:
        return f"{first.day}. {MONTHS[first.month - 1]} – {date_text(last)}"
    return f"{date_text(first)} – {date_text(last)}"


def kroner(value: Any) -> str:
    """``38.000 kr.`` (two decimals only when there are øre)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return ""
    whole = round(float(value), 2)
    text = f"{whole:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    if text.endswith(",00"):
        text = text[:-3]
    return f"{text} kr."


def plain_reference(text: str) -> str:
    """A legal reference for the main text: without the ``[U]`` marker (not verified), which the
    plan owners see in the details and the rendered plan."""
    text = re.sub(r"\s*\[U\]", "", text or "")
    # a parenthesis naming the plan's files or its codes is for plan owners
    return re.sub(r"\s*\([^()]*(?:rules/|\.toml|DOK-|TIL-)[^()]*\)", "", text)


def without_rule_ids(text: str) -> str:
    """A decision's reason for the main text: "…, jf. regel B-TRIN-5 (grundlag: …)" without the
    rule's id (plan owners find it in the details); the [U] markers out as well."""
    return plain_reference(re.sub(r",? jf\. (?:regel|reglen|reglerne) [\w-]+(?:(?:, | og )[\w-]+)*", "", text or ""))
