"""`diff`: which kinds of cases change level between two plan versions, with example cases.

Both plans' boundaries are enumerated together (see `grid`), each case is routed under both by
the reference evaluator, and changes are grouped by paragraph and (old level → new level).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..engine.reference import evaluate
from ..engine.routing import outcome_rank
from ..plan.model import Plan
from .grid import slices, validated


@dataclass(frozen=True)
class Change:
    paragraph: str
    old_level: str
    new_level: str
    count: int
    example: dict[str, Any]
    old_row: str | None
    new_row: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "paragraph": self.paragraph,
            "old_level": self.old_level,
            "new_level": self.new_level,
            "count": self.count,
            "example": self.example,
            "old_row": self.old_row,
            "new_row": self.new_row,
        }


def _outcome(plan: Plan, case: dict[str, Any]) -> tuple[str, str | None] | None:
    """(level name, deciding row) under ``plan``, or None if the case is not valid there."""
    vc = validated(plan, case)
    if vc is None:
        return None
    out = evaluate(plan, vc).outcome
    rank = outcome_rank(plan, out)
    return plan.levels[rank].name, out.row_id


def diff(old: Plan, new: Plan) -> tuple[list[Change], list[str]]:
    """The level changes from ``old`` to ``new``, and notes about cases valid in only one."""
    groups: dict[tuple[str, str, str], Change] = {}
    notes: list[str] = []
    seen: set[tuple] = set()
    for base, other in ((new, old), (old, new)):
        for sl in slices(base, also=other):
            only_here = 0
            for _, case in sl.cases():
                key = tuple(sorted(case.items()))
                if key in seen:
                    continue
                seen.add(key)
                a, b = _outcome(old, case), _outcome(new, case)
                if a is None or b is None:
                    only_here += (a is None) != (b is None)
                    continue
                if a[0] == b[0]:
                    continue
                group = (sl.paragraph, a[0], b[0])
                if group in groups:
                    c = groups[group]
                    groups[group] = Change(c.paragraph, c.old_level, c.new_level, c.count + 1, c.example, c.old_row, c.new_row)
                else:
                    groups[group] = Change(sl.paragraph, a[0], b[0], 1, dict(case), a[1], b[1])
            if only_here:
                where = "kun i den nye version" if base is new else "kun i den gamle version"
                notes.append(f"{sl.paragraph}: {only_here} grænsetilfælde er gyldige {where} (fx ændret paragraf, trin eller input).")
    return sorted(groups.values(), key=lambda c: (c.paragraph, c.old_level, c.new_level)), notes
