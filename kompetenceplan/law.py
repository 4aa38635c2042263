"""Statutory floors: decisions the law reserves for a body above the administration.

A municipal kompetenceplan can lift a decision to a higher level, but it can never route these
lower: Barnets lov § 142, stk. 1 gives børne- og ungeudvalget the decision, at a meeting.
The loader refuses a plan that does not route each of them to the plan's level for that body.
"""

from __future__ import annotations

from dataclasses import dataclass

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
