"""The statute tables: facts a municipal kompetenceplan cannot redefine.

A plan can lift a decision to a higher level, but it can never route lower what the law reserves
for børne- og ungeudvalget (barnets lov § 142, stk. 1). These tables are code, not plan data, so
that a plan cannot edit them away: the loader checks every plan against them (a paragraph code
the law knows must carry the law's section, a statutory body must rank above the administration,
and each reserved paragraph must be routed to the body), and every decision re-checks the floor
(`routing.enforce_floor`). This module holds tables and lookups only; it imports nothing else
from the package.

Sources: barnets lov, LBK nr. 282 af 17/03/2025 (lovguiden.dk, read 2026-11); § 142, stk. 1 is
quoted item by item below. Items marked [U] in the CHANGELOG were not verified word for word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Statutory bodies a plan level can represent (``body`` on a level).
BODIES: dict[str, str] = {
    "boerne_og_ungeudvalg": "Børne- og ungeudvalget (barnets lov § 142)",
}

#: Laws a paragraph code can belong to (``law`` on a paragraph value), with the words a label
#: naming that law uses.
LAWS: dict[str, str] = {
    "barnets_lov": "Barnets lov (LBK nr. 282 af 17/03/2025)",
    "serviceloven": "Lov om social service (serviceloven, LBK nr. 155 af 11/02/2025 med senere ændringer)",
    "voksenansvarsloven": "Lov om voksenansvar for anbragte børn og unge (voksenansvarsloven)",
}
_LAW_WORDS: dict[str, tuple[str, ...]] = {
    "barnets_lov": ("barnets lov",),
    "serviceloven": ("serviceloven", "servicelov", "lov om social service"),
    "voksenansvarsloven": ("voksenansvarsloven", "lov om voksenansvar"),
}


@dataclass(frozen=True)
class Floor:
    """A decision the law reserves for ``body``. ``stk`` limits it to those stykker (None: the
    whole section); ``codes`` are the paragraph codes that, when a plan uses them, must mean this
    provision."""

    body: str
    reference: str
    stk: frozenset[int] | None = None
    codes: tuple[str, ...] = ()


def _buu(what: str, ref: str, stk: tuple[int, ...] | None = None, codes: tuple[str, ...] = ()) -> Floor:
    return Floor("boerne_og_ungeudvalg", f"{ref} ({what}), jf. barnets lov § 142, stk. 1", frozenset(stk) if stk else None, codes)


#: (law, section) -> the body that must decide. Barnets lov § 142, stk. 1 lists exactly these.
STATUTORY_FLOORS: dict[tuple[str, int], Floor] = {
    ("barnets_lov", 23): _buu("undersøgelse under ophold på institution eller sygehus uden samtykke", "Barnets lov § 23", codes=("bl-23",)),
    ("barnets_lov", 40): _buu("lægelig undersøgelse eller behandling uden samtykke", "Barnets lov § 40", codes=("bl-40",)),
    ("barnets_lov", 42): _buu("flytning eller hjemtagelse", "Barnets lov § 42, stk. 4", (4,), ("bl-42-4",)),
    ("barnets_lov", 47): _buu("anbringelse uden samtykke", "Barnets lov § 47", codes=("bl-47",)),
    ("barnets_lov", 49): _buu("anbringelse af et ufødt barn uden samtykke", "Barnets lov § 49", codes=("bl-49",)),
    ("barnets_lov", 50): _buu("opretholdelse af en anbringelse", "Barnets lov § 50", codes=("bl-50",)),
    ("barnets_lov", 61): _buu("anbringelse på delvis lukket døgninstitution eller afdeling", "Barnets lov § 61, stk. 1", (1,), ("bl-61",)),
    ("barnets_lov", 62): _buu("anbringelse på sikret døgninstitution", "Barnets lov § 62, stk. 1", (1,), ("bl-62",)),
    ("barnets_lov", 63): _buu("anbringelse på særligt sikret afdeling", "Barnets lov § 63, stk. 1 eller 2", (1, 2), ("bl-63",)),
    ("barnets_lov", 67): _buu("videreførelse af en anbringelse (permanent anbringelse)", "Barnets lov § 67", codes=("bl-67",)),
    ("barnets_lov", 98): _buu("ændring af anbringelsessted", "Barnets lov § 98, stk. 4", (4,), ("bl-98-4",)),
    ("barnets_lov", 105): _buu("afbrydelse af forbindelsen m.v.", "Barnets lov § 105", codes=("bl-105",)),
    ("barnets_lov", 143): _buu("godkendelse af en foreløbig afgørelse", "Barnets lov § 143, stk. 4", (4,), ("bl-143-4",)),
    ("voksenansvarsloven", 11): _buu("tilbageholdelse", "Voksenansvarsloven § 11, stk. 1 og 2", (1, 2), ("val-11",)),
    ("voksenansvarsloven", 15): _buu("brev- og telefonkontrol", "Voksenansvarsloven § 15, stk. 1", (1,), ("val-15",)),
}

#: Paragraph code -> the (law, section) it must mean wherever a plan uses it (and, for a section
#: floored for some stykker only, one of those stykker).
CANONICAL_CODES: dict[str, tuple[str, int]] = {code: key for key, floor in STATUTORY_FLOORS.items() for code in floor.codes}


@dataclass(frozen=True)
class ConsentRule:
    """A provision that can only be used with consent; without it another provision applies."""

    reference: str
    without: str
    instead: tuple[tuple[str, int], ...] = ()
    fix: str = ""


#: (law, section) -> consent rule. Barnets lov § 32, stk. 2: "Afgørelse efter stk. 1 træffes med
#: samtykke fra forældremyndighedsindehaveren, jf. dog §§ 37-39" (lovguiden). § 46, stk. 1-2:
#: anbringelse med samtykke fra forældremyndighedsindehaveren og den unge, der er fyldt 15 år;
#: uden samtykke er det § 47 (børne- og ungeudvalget, § 142).
CONSENT_RULES: dict[tuple[str, int], ConsentRule] = {
    ("barnets_lov", 32): ConsentRule(
        "barnets lov § 32, stk. 2",
        "En støttende indsats efter barnets lov § 32 kræver samtykke fra forældremyndighedsindehaveren (§ 32, stk. 2). "
        "Uden samtykke kan der kun gives pålæg efter §§ 37-39 eller træffes afgørelse om anbringelse uden samtykke "
        "efter § 47, som træffes af børne- og ungeudvalget (§ 142).",
        (),
        "Indhent samtykket. Uden samtykke hører sagen ikke under § 32: overvej pålæg (§§ 37-39) eller, hvis betingelserne i § 47 er opfyldt, en indstilling til børne- og ungeudvalget.",
    ),
    ("barnets_lov", 46): ConsentRule(
        "barnets lov § 46, stk. 1-2",
        "En anbringelse uden samtykke fra forældremyndighedsindehaveren og fra den unge, der er fyldt 15 år, er en "
        "anbringelse uden samtykke efter barnets lov § 47. Den træffes af børne- og ungeudvalget (§ 142, stk. 1).",
        (("barnets_lov", 47),),
    ),
    # § 98, stk. 1: ændring af anbringelsessted med samtykke fra forældremyndighedsindehaveren og
    # barnet eller den unge, der er fyldt 12 år; "Kan samtykke … ikke opnås", træffer
    # børne- og ungeudvalget afgørelsen (stk. 4; lovguiden, read by the law probe).
    ("barnets_lov", 98): ConsentRule(
        "barnets lov § 98, stk. 1",
        "En ændring af anbringelsessted uden samtykke fra forældremyndighedsindehaveren og barnet eller den unge, "
        "der er fyldt 12 år, træffes af børne- og ungeudvalget (§ 98, stk. 4, jf. § 142, stk. 1).",
        (("barnets_lov", 98),),
    ),
}

#: Paragraph codes follow the law: ``bl-<§>…`` is barnets lov, ``sel-<§>…`` serviceloven, so a
#: plan cannot give a familiar code another meaning (the law probe relabelled ``bl-46`` as § 48).
CODE_PREFIXES: dict[str, str] = {"bl": "barnets_lov", "sel": "serviceloven", "val": "voksenansvarsloven"}

#: Words in a paragraph label that only a decision the law reserves for a statutory body can carry.
RESERVED_WORDS: tuple[str, ...] = ("uden samtykke", "tvang")

#: Sections where the chair of børne- og ungeudvalget may take a provisional decision when the
#: matter cannot wait for a meeting (barnets lov § 143); the committee must approve it
#: (§ 142, stk. 1: "Godkendelse af en foreløbig afgørelse efter § 143, stk. 4"). [U]: the exact
#: list in § 143, stk. 1 and its 7-day limit were not read word for word; limited here to the
#: placements without consent that an acute case can concern.
PROVISIONAL_SECTIONS: frozenset[tuple[str, int]] = frozenset({("barnets_lov", 47), ("barnets_lov", 49)})
PROVISIONAL_TEXT = (
    "Sagen er akut: formanden (eller næstformanden) for børne- og ungeudvalget kan træffe en foreløbig "
    "afgørelse, hvis afgørelsen ikke kan afvente udvalgets møde (barnets lov § 143). Den foreløbige afgørelse "
    "skal forelægges børne- og ungeudvalget til godkendelse snarest muligt og inden 7 dage efter iværksættelsen "
    "(§ 142, stk. 1, jf. § 143, stk. 4); godkendes den ikke, bortfalder den. Undersøgelsen kan være i gang "
    "(§ 22, stk. 6), men skal gennemføres."
)


def floor_for(law: str | None, section: int | None, stk: int | None) -> Floor | None:
    """The floor for a provision, or None. A section floored for some stykker only is floored
    when ``stk`` is one of them."""
    floor = STATUTORY_FLOORS.get((law or "", section or 0))
    if floor is None:
        return None
    if floor.stk is not None and stk not in floor.stk:
        return None
    return floor


def partially_floored(law: str | None, section: int | None) -> Floor | None:
    """A floor that covers only some stykker of the section (the plan must say which stk.)."""
    floor = STATUTORY_FLOORS.get((law or "", section or 0))
    return floor if floor is not None and floor.stk is not None else None


def consent_rule(law: str | None, section: int | None) -> ConsentRule | None:
    return CONSENT_RULES.get((law or "", section or 0))


_CODE = re.compile(r"^(bl|sel|val)-(\d+)(?:-(\d+))?")


def code_mismatch(code: str, law: str | None, section: int | None, stk: int | None) -> str | None:
    """Why a paragraph code like ``bl-46`` or ``bl-98-4`` contradicts its declared law, § or stk."""
    match = _CODE.match(code)
    if match is None:
        return None
    want_law, want_section = CODE_PREFIXES[match.group(1)], int(match.group(2))
    if law != want_law or section != want_section:
        return f"koden {code} betyder {LAWS[want_law].split(' (')[0].lower()} § {want_section}, men er erklæret som {law} § {section}"
    if law == "barnets_lov" and want_section != 32 and match.group(3) is not None and stk is not None and int(match.group(3)) != stk:
        return f"koden {code} betyder stk. {match.group(3)}, men stk er {stk}"
    return None


_SECTION_IN_LABEL = re.compile(r"§§?\s*(\d+)")


def label_mismatch(label: str, law: str | None, section: int | None) -> str | None:
    """Why a paragraph label contradicts its declared law and section, or None.

    The label is what caseworkers read; a label saying "§ 47" on a value declared as § 74 (or
    naming serviceloven on a barnets lov value) would let a plan relabel a reserved paragraph.
    So a label must name its law and its § (the law probe hid a relabel in a label without one)."""
    text = label.lower()
    named = [law_id for law_id, words in _LAW_WORDS.items() if any(w in text for w in words)]
    if named and law not in named:
        return f"teksten nævner {', '.join(LAWS[n].split(' (')[0].lower() for n in named)}, men law er {law}"
    if law is not None and not named:
        return f"teksten nævner ikke loven ({LAWS.get(law, law).split(' (')[0]})"
    first = _SECTION_IN_LABEL.search(label)
    if first is None and section is not None:
        return f"teksten nævner ikke § {section}"
    if first is not None and section is not None and int(first.group(1)) != section:
        return f"teksten nævner § {first.group(1)}, men section er {section}"
    return None
