"""Errors a user can cause, and errors the engine must never hide.

Every user-facing error is a list of `Problem`s that name where (file and key path, or the case
field), what is wrong and how to fix it. Messages never repeat a value from a case: a case can
hold personal data (CPR numbers, names, social circumstances).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a plan or a case."""

    where: str
    what: str
    fix: str = ""
    code: str = ""  # a lint code (PLAN-nnn) where the problem has one

    def render(self) -> str:
        text = f"{self.where}: {self.what}"
        if self.fix:
            text += f" Sådan rettes det: {self.fix}"
        return text

    def to_dict(self) -> dict[str, str]:
        out = {"where": self.where, "what": self.what, "fix": self.fix}
        if self.code:
            out["code"] = self.code
        return out


@dataclass
class KompetenceplanError(Exception):
    """Base for every error this package raises on purpose."""

    title: str
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.render())

    def render(self) -> str:
        lines = [self.title]
        lines.extend(f"  - {p.render()}" for p in self.problems)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, object]:
        return {
            "error": type(self).__name__,
            "title": self.title,
            "problems": [p.to_dict() for p in self.problems],
        }

    def __str__(self) -> str:
        return self.render()


class PlanError(KompetenceplanError):
    """The rule data (a plan folder) is invalid; no case may be routed by it."""


class CaseError(KompetenceplanError):
    """A case does not match the plan's declared inputs; no decision is made."""


class NotFound(CaseError):
    """The record a request names (a meeting, an agenda item) does not exist (HTTP 404). A
    `CaseError`, so every interface that refuses bad input refuses it the same way."""


class MissingInputError(CaseError):
    """An optional input is missing and a rule at a higher level depends on it.

    Deciding without it could route the case too low, so the engine refuses instead.
    """


class UnavailableError(KompetenceplanError):
    """The register's database could not be written or read just now (read-only, a full disk, a
    lost connection): nothing was stored. Its own exit code (4) and HTTP 503, so it never looks
    like a record that was stored but flagged (exit 1) or a mistake in the input (exit 2)."""


class EngineError(KompetenceplanError):
    """The engine failed or disagreed with the reference evaluator; no decision is made."""


_MESSAGES = {
    "extra_forbidden": "ukendt nøgle (ikke en del af formatet; stavefejl?).",
    "missing": "påkrævet nøgle mangler.",
    "string_type": "skal være tekst.",
    "int_type": "skal være et heltal.",
    "int_from_float": "skal være et heltal.",
    "float_type": "skal være et tal.",
    "bool_type": "skal være true eller false.",
    "date_type": "skal være en dato, fx 2026-01-01.",
    "date_from_datetime_parsing": "skal være en dato på formen ÅÅÅÅ-MM-DD.",
    "date_parsing": "skal være en dato på formen ÅÅÅÅ-MM-DD.",
    "list_type": "skal være en liste.",
    "dict_type": "skal være en tabel/et objekt.",
    "model_type": "skal være en tabel/et objekt.",
    "finite_number": "skal være et endeligt tal.",
    "string_too_long": "teksten er for lang.",
    "too_long": "listen er for lang.",
}


def validation_message(err: Any) -> str:
    """A pydantic error in Danish. pydantic's own message never includes the input value here."""
    kind = err["type"]
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        return f"ligger uden for det tilladte interval ({err['msg']})."
    return f"ugyldig værdi ({err['msg']})."


class ConcurrentChange(KompetenceplanError):
    """Someone else changed the same record at the same moment; nothing was stored (HTTP 409)."""


def not_none(value: T | None, what: str) -> T:
    """``value``, which the code before it has made sure is there. If it is None all the same (a
    bug, never the user's input), a `RuntimeError` naming ``what`` stops the work: nothing half
    done is stored or shown. Unlike ``assert``, the check stays under ``python -O``."""
    if value is None:
        raise RuntimeError(f"{what} is missing (a bug: the code before guarantees it)")
    return value
