"""Statutory floors: decisions the law reserves for a body above the administration.

A municipal kompetenceplan can lift a decision to a higher level, but it can never route these
lower: Barnets lov § 142, stk. 1 gives børne- og ungeudvalget the decision, at a meeting.
The loader refuses a plan that does not route each of them to the plan's level for that body.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import EngineError, Problem

if TYPE_CHECKING:
    from .plan.model import Plan

#: Statutory bodies a plan level can represent (``body`` on a level).
BODIES: dict[str, str] = {
    "boerne_og_ungeudvalg": "Børne- og ungeudvalget (Barnets lov § 142)",
}

#: Laws a paragraph code can belong to (``law`` on a paragraph value).
LAWS: dict[str, str] = {
    "barnets_lov": "Barnets lov (LBK nr 282 af 17/03/2025)",
    "serviceloven": "Lov om social service (serviceloven)",
}


@dataclass(frozen=True)
class Floor:
    body: str
    reference: str


#: (law, section) -> the body that must decide. Sources: Barnets lov § 142, stk. 1; DOMAIN.md.
STATUTORY_FLOORS: dict[tuple[str, int], Floor] = {
    ("barnets_lov", 23): Floor("boerne_og_ungeudvalg", "Barnets lov § 23 (undersøgelse uden samtykke), jf. § 142, stk. 1"),
    ("barnets_lov", 47): Floor("boerne_og_ungeudvalg", "Barnets lov § 47 (anbringelse uden samtykke), jf. § 142, stk. 1"),
    ("barnets_lov", 49): Floor("boerne_og_ungeudvalg", "Barnets lov § 49 (anbringelse af ufødte), jf. § 142, stk. 1"),
    ("barnets_lov", 50): Floor("boerne_og_ungeudvalg", "Barnets lov § 50 (opretholdelse af anbringelse), jf. § 142, stk. 1"),
    ("barnets_lov", 67): Floor("boerne_og_ungeudvalg", "Barnets lov § 67 (permanent anbringelse), jf. § 142, stk. 1"),
}


def floor_ranks(plan: Plan) -> dict[str, tuple[int, Floor]]:
    """Paragraph code -> (the rank of the body that must decide, the floor), for a loaded plan."""
    bodies = {lv.body: i for i, lv in enumerate(plan.levels) if lv.body}
    out = {}
    for code, value in (plan.inputs[plan.meta.paragraph_input].values or {}).items():
        floor = STATUTORY_FLOORS.get((value.law or "", value.section or 0))
        if floor is not None and floor.body in bodies:
            out[code] = (bodies[floor.body], floor)
    return out


def enforce_floor(plan: Plan, paragraph: object, rank: int) -> None:
    """Defence in depth: the loader guarantees statutory floors; every decision re-checks them."""
    found = plan.floors.get(paragraph)  # type: ignore[call-overload]
    if found is not None and rank < found[0]:
        required, floor = found
        raise EngineError(
            "Afgørelsen ville ligge under et lovbestemt gulv; der er ikke truffet nogen afgørelse.",
            [Problem("regelmotoren", f"{floor.reference} kræver {plan.levels[required].name}.", "Indberet fejlen; sagen skal forelægges det lovbestemte organ.")],
        )
