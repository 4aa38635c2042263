"""What the register refuses to store: anything shaped like a CPR number, in any text field.

The register holds special-category data (GDPR art. 9) under a pseudonymous case reference only.
A CPR number is 6 digits (the birth date), an optional dash and 4 digits. Errors name the field,
never the value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ..errors import CaseError, Problem

CPR_SHAPED = re.compile(r"(?<!\d)\d{6}[-‐‑–]?\d{4}(?!\d)")
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
            where, "ligner et CPR-nummer (6 cifre, evt. bindestreg, 4 cifre); registeret gemmer ingen CPR-numre.", "Brug sagssystemets eget sagsnummer/pseudonym og fjern CPR-nummeret fra teksten."
        )
        for name, value in fields.items()
        for where, text in _texts(value, name)
        if CPR_SHAPED.search(text)
    ]
    if problems:
        raise PersonalDataError("Personnummer afvist.", problems)


def minimise(submission: dict[str, Any]) -> dict[str, Any]:
    """The submission without the identity keys (a new dict; the input is never mutated)."""
    return {k: v for k, v in submission.items() if k not in IDENTITY_KEYS}
