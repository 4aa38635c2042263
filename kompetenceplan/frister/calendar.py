"""The calendar deadlines are counted in: days, weeks and calendar months, and the Danish public
holidays (helligdage) for a limit that ends on a weekend or a holiday.

Calendar months: the limit ends on the same day of the month, or on the month's last day when it
has no such day (31 October + 4 months = 28 February, 29 February in a leap year) — the usual
Danish way of counting a month-limit; a rule says in its data whether a limit ending on a
weekend or holiday is moved (docs/frister.md).

Helligdage (helligdagsloven, as amended by lov nr. 159 af 28/02/2023 that abolished store
bededag from 2024): nytårsdag, skærtorsdag, langfredag, påskedag, 2. påskedag, store bededag (to
2023), Kristi himmelfartsdag, pinsedag, 2. pinsedag, juledag and 2. juledag. Grundlovsdag,
juleaftensdag and nytårsaftensdag are not public holidays and are not counted as such [U: the
municipality's own closing days are not modelled].
"""

from __future__ import annotations

import calendar as _cal
import datetime as dt
from functools import lru_cache

#: How a limit ending on a Saturday, Sunday or helligdag is treated (a rule's ``helligdage``).
NO_SHIFT, NEXT_WORKDAY, PREVIOUS_WORKDAY = "ingen_forlaengelse", "naeste_hverdag", "forrige_hverdag"
SHIFTS = (NO_SHIFT, NEXT_WORKDAY, PREVIOUS_WORKDAY)
SHIFT_TEXT = {NO_SHIFT: "ingen forlængelse", NEXT_WORKDAY: "næste hverdag", PREVIOUS_WORKDAY: "forrige hverdag"}
LAST_STORE_BEDEDAG = 2023


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months; the month's last day when it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, _cal.monthrange(year, month)[1]))


def easter(year: int) -> dt.date:
    """Easter Sunday in the Gregorian calendar (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month = (h + l_ - 7 * m + 114) // 31
    day = (h + l_ - 7 * m + 114) % 31 + 1
    return dt.date(year, month, day)


@lru_cache(maxsize=256)
def holidays(year: int) -> dict[dt.date, str]:
    """The Danish public holidays of ``year`` with their names."""
    e = easter(year)
    days = {
        dt.date(year, 1, 1): "nytårsdag",
        e - dt.timedelta(days=3): "skærtorsdag",
        e - dt.timedelta(days=2): "langfredag",
        e: "påskedag",
        e + dt.timedelta(days=1): "2. påskedag",
        e + dt.timedelta(days=39): "Kristi himmelfartsdag",
        e + dt.timedelta(days=49): "pinsedag",
        e + dt.timedelta(days=50): "2. pinsedag",
        dt.date(year, 12, 25): "juledag",
        dt.date(year, 12, 26): "2. juledag",
    }
    if year <= LAST_STORE_BEDEDAG:
        days[e + dt.timedelta(days=26)] = "store bededag"
    return days


def is_workday(day: dt.date) -> bool:
    """Monday to Friday and not a helligdag."""
    return day.weekday() < 5 and day not in holidays(day.year)


def shift(day: dt.date, how: str) -> dt.date:
    """A limit's last day moved as the rule's basis says (``SHIFTS``)."""
    if how == NO_SHIFT:
        return day
    step = dt.timedelta(days=1 if how == NEXT_WORKDAY else -1)
    if how not in SHIFTS:
        raise ValueError(f"unknown shift {how!r}")
    while not is_workday(day):
        day += step
    return day
