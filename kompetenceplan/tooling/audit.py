"""Audit: the level for many cases at once (`kompetenceplan audit`), JSON Lines in and out.

A line that is not UTF-8 or not JSON is that case's error and the rest go on; cases are decided
in chunks through `decide_many` (the bulk path), each keeping its own index, and a progress bar
is drawn on a terminal only (a log or a pipe never gets control characters)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from ..api import decide_many
from ..errors import KompetenceplanError
from ..io import parse_json
from ..plan.model import Plan, format_number

#: Cases decided between two updates of the progress bar.
CHUNK = 2000


def read_cases(lines: Iterable[bytes], where: str) -> tuple[list[Any], dict[int, KompetenceplanError]]:
    """The cases of a JSON Lines file (blank lines skipped) and, by index, the lines that could
    not be read (their case is None)."""
    cases: list[Any] = []
    unreadable: dict[int, KompetenceplanError] = {}
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            cases.append(parse_json(line, f"{where}, linje {n}"))
        except KompetenceplanError as exc:
            unreadable[len(cases)] = exc
            cases.append(None)
    return cases, unreadable


def audit(plan: Plan, cases: list[Any], unreadable: dict[int, KompetenceplanError], on: dt.date, progress: Progress | None = None) -> Iterator[dict[str, Any]]:
    """One JSON-ready result per case, in order: index, level, row, escalated — or its error."""
    for start in range(0, len(cases), CHUNK):
        for result in decide_many(plan, cases[start : start + CHUNK], on=on):
            index = start + result.index
            error = unreadable.get(index)
            yield {**result.to_dict(), "index": index} if error is None else {"index": index, "level": None, "row": None, "escalated": False, "error": error.to_dict()}
        if progress is not None:
            progress.update(min(start + CHUNK, len(cases)))
    if progress is not None:
        progress.close()


class Progress:
    """A one-line progress bar on a terminal; nothing otherwise."""

    WIDTH = 30

    def __init__(self, stream: Any, total: int) -> None:
        self.stream, self.total = stream, total

    @classmethod
    def on(cls, stream: Any, total: int) -> Progress | None:
        """A bar on ``stream`` if it is a terminal and there is enough work to show."""
        isatty = getattr(stream, "isatty", None)
        return cls(stream, total) if total > CHUNK and isatty is not None and isatty() else None

    def line(self, done: int) -> str:
        filled = self.WIDTH * done // max(self.total, 1)
        return f"[{'#' * filled}{'.' * (self.WIDTH - filled)}] {format_number(done)}/{format_number(self.total)} sager"

    def update(self, done: int) -> None:
        self.stream.write("\r" + self.line(done))
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()
