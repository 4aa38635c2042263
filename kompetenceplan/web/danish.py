"""Dates, times, quarters and amounts in the pages' words: "15. december 2026",
"15. december 2026 kl. 14.05" in Danish time (Europe/Copenhagen, summer time included) and
"4. kvartal 2026" — the same words on every page (ledelsestilsyn and økonomisk tilsyn alike).

Reading what a person types (numbers, dates, quarters such as "4. kvartal 2026" or "K4 2026") is
the one Danish reader's (`kompetenceplan.danish`); this module only writes, on top of its writers.
It also takes the plan owners' codes out of the main text (rule ids, ``[U]`` markers).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from ..danish import MONTHS, danish_time, format_date, format_number, format_quarter


def date_text(day: dt.date | dt.datetime | None) -> str:
    """``15. december 2026`` ('' for None; a moment is taken in Danish time)."""
    if day is None:
        return ""
    if isinstance(day, dt.datetime):
        day = danish_time(day).date()
    return format_date(day)


def time_text(moment: dt.datetime | None) -> str:
    """``15. december 2026 kl. 14.05`` in Danish time ('' for None)."""
    if moment is None:
        return ""
    t = danish_time(moment)
    return f"{format_date(t.date())} kl. {t.hour:02d}.{t.minute:02d}"


def quarter_text(code: str) -> str:
    """``2026Q4`` → ``4. kvartal 2026`` (anything else unchanged)."""
    found = re.fullmatch(r"(\d{4})Q([1-4])", code or "")
    return format_quarter(int(found.group(1)), int(found.group(2))) if found else code


def period_text(first: dt.date, last: dt.date) -> str:
    """``1. september – 30. november 2026`` (the year once when both are in the same year)."""
    if first.year == last.year:
        return f"{first.day}. {MONTHS[first.month - 1]} – {date_text(last)}"
    return f"{date_text(first)} – {date_text(last)}"


def kroner(value: Any) -> str:
    """``38.000 kr.`` (two decimals only when there are øre)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return ""
    return f"{format_number(round(float(value), 2))} kr."


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
