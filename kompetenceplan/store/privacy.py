"""What the register refuses to store: anything shaped like a CPR number, in any text field, and
the submission's own person (``borger``) named in its free text.

The register holds special-category data (GDPR art. 9) under a pseudonymous case reference only.
A CPR number is the birth date (DDMMÅÅ) and 4 digits, written in many ways: ``0101901234``,
``010190-1234``, ``010190 1234``, ``01.01.90-1234``, ``01 01 90 1234``, ``01-01-90-1234`` and
so on. Errors name the field, never the value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ..errors import CaseError, Problem

#: One separator between the parts of a CPR number: a dash (any kind), a space (also a no-break
#: space), a dot or a slash.
_SEP = r"[-‐‑–— \u00a0\u202f./]"
CPR_SHAPED = re.compile(
    # 10 digits, with at most one separator after the 6th: any such number is refused (the old rule)
    rf"(?<!\d)\d{{6}}{_SEP}?\d{{4}}(?!\d)"
    # the birth date written in parts (day 01-31, month 01-12, a 2-digit year), then 4 digits
    rf"|(?<!\d)(?:0[1-9]|[12]\d|3[01]){_SEP}?\s?(?:0[1-9]|1[0-2]){_SEP}?\s?\d{{2}}{_SEP}?\s?\d{{4}}(?!\d)"
)
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
        if CPR_SHAPED.search(text)
    ]
    if problems:
        raise PersonalDataError("Personnummer afvist.", problems)


def _names(person: Any) -> list[str]:
    """The ways the person's name can be written in free text: the full name, and first and last
    name without the middle names (lower case, single spaces). Only names of two or more words:
    a single first name is too often an ordinary word to refuse on."""
    name = person.get("navn") if isinstance(person, dict) else None
    if not isinstance(name, str):
        return []
    words = name.split()
    if len(words) < 2:
        return []
    forms = {" ".join(words).casefold()}
    if len(words) > 2:
        forms.add(f"{words[0]} {words[-1]}".casefold())
    return sorted(forms)


def refuse_own_name(submission: dict[str, Any], where: str = "indstilling") -> None:
    """Raise `PersonalDataError` naming every field (never the name) whose text contains the
    submission's own person's name (``borger.navn``): ``borger`` is dropped before storing, so its
    name must not come back in through the free text."""
    forms = _names(submission.get("borger"))
    if not forms:
        return
    patterns = [re.compile(r"(?<!\w)" + r"\s+".join(re.escape(w) for w in form.split(" ")) + r"(?!\w)", re.IGNORECASE) for form in forms]
    problems = [
        Problem(
            place,
            "nævner borgerens navn (fra 'borger'); registeret gemmer ikke borgerens navn.",
            "Skriv 'barnet', 'den unge', 'borgeren' eller sagsnummeret i stedet for navnet.",
        )
        for place, text in _texts(minimise(submission), where)
        if any(p.search(text) for p in patterns)
    ]
    if problems:
        raise PersonalDataError("Borgerens navn afvist.", problems)


def minimise(submission: dict[str, Any]) -> dict[str, Any]:
    """The submission without the identity keys (a new dict; the input is never mutated)."""
    return {k: v for k, v in submission.items() if k not in IDENTITY_KEYS}
