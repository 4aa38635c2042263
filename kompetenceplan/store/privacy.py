"""What the register refuses to store: anything shaped like a CPR number, in any text field, and
the submission's own person (``borger``) named in its free text.

The register holds special-category data (GDPR art. 9) under a pseudonymous case reference only.
A CPR number is the birth date (DDMMÅÅ) and 4 digits, written in many ways: ``0101901234``,
``010190-1234``, ``010190 1234``, ``01.01.90-1234``, ``01 01 90 1234``, ``01-01-90-1234`` and
so on. Errors name the field, never the value.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from ..errors import CaseError, Problem

#: Between the parts of a CPR number: nothing, spaces, or one dash, dot or slash with spaces
#: around it (the text is normalised first: every dash is "-", every space " ").
_SEP = r"(?:\s*[-./]\s*|\s+)?"
#: The 4 digits after the birth date, also written in pairs with a space ("12 34").
_SERIAL = r"\d{2} ?\d{2}"
CPR_SHAPED = re.compile(
    # 10 digits, with a separator after the 6th: any such number is refused (the old rule)
    rf"(?<!\d)\d{{6}}{_SEP}{_SERIAL}(?!\d)"
    # the birth date written in parts (day 01-31, month 01-12, a 2- or 4-digit year), then 4 digits
    rf"|(?<!\d)(?:0[1-9]|[12]\d|3[01]){_SEP}(?:0[1-9]|1[0-2]){_SEP}(?:(?:19|20)\d{{2}}|\d{{2}}){_SEP}{_SERIAL}(?!\d)"
)


def normalised(text: str) -> str:
    """``text`` as the CPR check reads it: invisible characters (zero-width spaces, soft hyphens,
    byte-order marks: Unicode's format characters) removed, every decimal digit of any script
    written 0-9, every dash and minus sign "-", every space " "."""
    out = []
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Cf":
            continue
        if category == "Nd":
            out.append(str(unicodedata.digit(ch)))
        elif category == "Pd" or ch in "\u2212\u2012\u2043\ufe63\uff0d":
            out.append("-")
        elif category == "Zs" or ch in "\t\r\n\v\f":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


_MARK = re.compile(r"[-./]")


def looks_like_cpr(text: str) -> bool:
    """Whether ``text`` holds something shaped like a CPR number. A form written with spaces only
    ("01 01 90 12 34") inside a longer run of space-separated numbers (a table, a chart's
    coordinates) is not taken for one; with a dash, a dot or a slash, or as 10 digits, it always is."""
    plain = normalised(text)
    for found in CPR_SHAPED.finditer(plain):
        if _MARK.search(found.group(0)) or " " not in found.group(0):
            return True
        before, after = plain[max(0, found.start() - 2) : found.start()], plain[found.end() : found.end() + 2]
        if not (len(before) == 2 and before[0].isdigit() and before[1] == " ") and not (len(after) == 2 and after[0] == " " and after[1].isdigit()):
            return True
    return False


#: Keys of a submission that hold the person's identity: never stored (data minimisation).
IDENTITY_KEYS = ("borger",)


class PersonalDataError(CaseError):
    """A value shaped like a CPR number was offered to the register."""


def _texts(value: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield f"{where}.{key} (nøgle)", str(key)
            yield from _texts(inner, f"{where}.{key}")
    elif isinstance(value, (list, tuple)):
        for i, inner in enumerate(value):
            yield from _texts(inner, f"{where}[{i}]")


def refuse_cpr(fields: dict[str, Any]) -> None:
    """Raise `PersonalDataError` naming every field whose text looks like a CPR number."""
    problems = [
        Problem(
            where,
            "ligner et CPR-nummer (fødselsdato og 4 cifre, også skrevet med mellemrum, punktummer eller bindestreg); registeret gemmer ingen CPR-numre.",
            "Brug sagssystemets eget sagsnummer/pseudonym og fjern CPR-nummeret fra teksten.",
        )
        for name, value in fields.items()
        for where, text in _texts(value, name)
        if looks_like_cpr(text)
    ]
    if problems:
        raise PersonalDataError("Personnummer afvist.", problems)


#: A name written near enough to count: the first and the last name within this many words
#: ("Anders And", "And, Anders", "Anders B. And", "Anders Bent And").
NAME_WINDOW = 4
_WORD = re.compile(r"\w+", re.UNICODE)


def _name_parts(person: Any) -> tuple[str, str] | None:
    """The person's first and last name, lower case; None when ``borger.navn`` has fewer than two
    words (a single name is too often an ordinary word to refuse on)."""
    name = person.get("navn") if isinstance(person, dict) else None
    words = _WORD.findall(name.casefold()) if isinstance(name, str) else []
    return (words[0], words[-1]) if len(words) >= 2 else None


def _words(text: str) -> list[str]:
    """The words of ``text``, lower case, a Danish possessive s taken off ("Ands" → "and")."""
    return [w[:-1] if w.endswith("s") and len(w) > 2 else w for w in _WORD.findall(text.casefold())]


#: Where a sentence or clause ends (a full stop after a word, not after an initial: "Anders B. And").
_CLAUSE_END = re.compile(r"(?<=\w\w)\.|[;:!?()\[\]\n]")


def names_person(text: str, first: str, last: str) -> bool:
    """Whether ``text`` names the person: the first and the last name (or their possessives)
    within `NAME_WINDOW` words of each other in one clause, in either order."""
    for clause in _CLAUSE_END.split(text):
        words = _words(clause)
        firsts = [i for i, w in enumerate(words) if w in (first, first.removesuffix("s"))]
        lasts = [i for i, w in enumerate(words) if w in (last, last.removesuffix("s"))]
        if any(0 < abs(i - j) < NAME_WINDOW for i in firsts for j in lasts):
            return True
    return False


def refuse_own_name(submission: dict[str, Any], where: str = "indstilling") -> None:
    """Raise `PersonalDataError` naming every field (never the name) whose text contains the
    submission's own person's name (``borger.navn``): ``borger`` is dropped before storing, so its
    name must not come back in through the free text — in any order, with a middle name, an
    initial or a possessive."""
    parts = _name_parts(submission.get("borger"))
    if parts is None:
        return
    problems = [
        Problem(
            place,
            "nævner borgerens navn (fra 'borger'); registeret gemmer ikke borgerens navn.",
            "Skriv 'barnet', 'den unge', 'borgeren' eller sagsnummeret i stedet for navnet.",
        )
        for place, text in _texts(minimise(submission), where)
        if names_person(text, *parts)
    ]
    if problems:
        raise PersonalDataError("Borgerens navn afvist.", problems)


def minimise(submission: dict[str, Any]) -> dict[str, Any]:
    """The submission without the identity keys (a new dict; the input is never mutated)."""
    return {k: v for k, v in submission.items() if k not in IDENTITY_KEYS}
