"""The one rule for a case reference (sagsreference): the case system's own id, pseudonymous.

Checked where a reference first enters the register — a routing, a decision, an agenda item, an
import line, a payment — so a reference that is accepted anywhere can be decided, replaced and
found everywhere (an agenda item whose reference the decision table refuses could never be
decided). A reference shaped like a CPR number is refused separately (`privacy.refuse_cpr`).
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import CaseError, Problem

#: Letters, digits and ``_ . : / -``; 1 to 64 characters (after surrounding spaces are removed).
#: No space, ``#``, parentheses, newline or markup: a reference is printed into the agenda and the
#: minutes, and is the key that links routings, decisions, items and payments.
CASE_REF = re.compile(r"[\w.:/-]{1,64}")
RULE = "mangler eller har ugyldige tegn (kun bogstaver, cifre og . : / - _; ingen mellemrum; højst 64 tegn)."
EXAMPLE = "S-2026-0042"


def is_case_ref(value: Any) -> bool:
    """Whether ``value`` is a case reference by the rule (surrounding spaces allowed)."""
    return isinstance(value, str) and CASE_REF.fullmatch(value.strip()) is not None


def case_ref_problem(value: Any, where: str = "sagsreference") -> Problem | None:
    """The problem with ``value`` as a case reference (None when it follows the rule)."""
    if is_case_ref(value):
        return None
    return Problem(where, RULE, f"Skriv sagssystemets sagsnummer, fx {EXAMPLE}.")


def read_case_ref(value: Any, where: str = "sagsreference") -> str:
    """``value`` without surrounding spaces, or `CaseError` naming ``where`` (never the value)."""
    problem = case_ref_problem(value, where)
    if problem is not None:
        raise CaseError("Ugyldig sagsreference.", [problem])
    if not isinstance(value, str):  # case_ref_problem refuses anything but text
        raise RuntimeError("a case reference that is not text passed the rule")
    return value.strip()
