"""Errors a user can cause, and errors the engine must never hide.

Every user-facing error is a list of `Problem`s that name where (file and key path, or the case
field), what is wrong and how to fix it. Messages never repeat a value from a case: a case can
hold personal data (CPR numbers, names, social circumstances).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a plan or a case."""

    where: str
    what: str
    fix: str = ""

    def render(self) -> str:
        text = f"{self.where}: {self.what}"
        if self.fix:
            text += f" Sådan rettes det: {self.fix}"
        return text

    def to_dict(self) -> dict[str, str]:
        return {"where": self.where, "what": self.what, "fix": self.fix}


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


class MissingInputError(CaseError):
    """An optional input is missing and a rule at a higher level depends on it.

    Deciding without it could route the case too low, so the engine refuses instead.
    """


class EngineError(KompetenceplanError):
    """The engine failed or disagreed with the reference evaluator; no decision is made."""
