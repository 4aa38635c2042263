"""The statute tables: facts a municipal kompetenceplan cannot redefine.

A plan can lift a decision to a higher level, but it can never route lower what the law reserves
for a statutory body: børne- og ungeudvalget (barnets lov § 142, stk. 1) and, outside the
municipality, Familieretshuset (serviceloven §§ 131 and 131 a). These tables are code, not plan data, so
that a plan cannot edit them away: the loader checks every plan against them (a paragraph code
the law knows must carry the law's section, a statutory body must rank above the administration,
and each reserved paragraph must be routed to the body), and every decision re-checks the floor
(`routing.enforce_floor`). This module holds tables and lookups only; it imports nothing else
from the package.

Sources: barnets lov, LBK nr. 282 af 17/03/2025 (lovguiden.dk, read 2026-11); § 142, stk. 1 is
quoted item by item below. Serviceloven §§ 129 a, 131 and 131 a (elov.dk); § 129 in summaries
only (gribskov.dk, Ældre Sagen) [U]. Items marked [U] in the CHANGELOG were not verified word for
word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Statutory bodies a plan level can represent (``body`` on a level).
BODIES: dict[str, str] = {
    "boerne_og_ungeudvalg": "Børne- og ungeudvalget (barnets lov § 142)",
    "familieretshuset": "Familieretshuset (serviceloven §§ 131 og 131 a)",
}

#: The words a level's name must contain when it is the body (and no administrative level may
#: use): caseworkers read the name in "Afgørelsesniveau: …".
BODY_NAME_WORDS: dict[str, str] = {
    "boerne_og_ungeudvalg": "børne- og ungeudvalg",
    "familieretshuset": "familieretshus",
}

#: Bodies outside the municipality. The municipality does not decide these cases; its decision is
#: the indstilling to the body (serviceloven § 131, stk. 1: "Familieretshuset træffer afgørelse om
#: optagelse i særlige botilbud uden samtykke efter § 129 … efter indstilling fra
#: kommunalbestyrelsen"; § 131 a, stk. 1 the same for § 129 a; elov.dk). No municipal meeting is a
#: meeting of such a body.
OUTSIDE_MUNICIPALITY: frozenset[str] = frozenset({"familieretshuset"})

#: Laws a paragraph code can belong to (``law`` on a paragraph value), with the words a label
#: naming that law uses.
LAWS: dict[str, str] = {
    "barnets_lov": "Barnets lov (LBK nr. 282 af 17/03/2025 med senere ændringer)",
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
    # Serviceloven § 129, stk. 1 and 4, and § 129 a: optagelse i (et bestemt) botilbud uden
    # samtykke is decided by Familieretshuset on the municipality's indstilling (§ 131, stk. 1;
    # § 131 a, stk. 1; elov.dk). § 129, stk. 2-3 (the municipality decides when the værge or
    # fremtidsfuldmægtig tiltræder its indstilling) is the municipality's own [U: read in
    # gribskov.dk's and Ældre Sagen's summaries, not in the statute], so the floor names stk. 1
    # and 4. § 129 a has no section number of its own here: the code sel-129 covers it.
    ("serviceloven", 129): Floor(
        "familieretshuset",
        "Serviceloven § 129, stk. 1 og 4, og § 129 a (optagelse i botilbud uden samtykke), jf. §§ 131 og 131 a",
        frozenset({1, 4}),
        ("sel-129",),
    ),
}

#: Paragraph code -> the (law, section) it must mean wherever a plan uses it (and, for a section
#: floored for some stykker only, one of those stykker).
CANONICAL_CODES: dict[str, tuple[str, int]] = {code: key for key, floor in STATUTORY_FLOORS.items() for code in floor.codes}


@dataclass(frozen=True)
class Instead:
    """A provision that applies when consent is missing, and what it is (shown next to the
    plan's code for it). ``stk`` picks the stykke when the section has several codes."""

    law: str
    section: int
    stk: int | None = None
    what: str = ""


@dataclass(frozen=True)
class ConsentRule:
    """A provision that can only be used with consent; without it another provision applies."""

    reference: str
    without: str
    instead: tuple[Instead, ...] = ()
    fix: str = ""


#: (law, section) -> consent rule. Barnets lov § 32, stk. 2: "Afgørelse efter stk. 1 træffes med
#: samtykke fra forældremyndighedsindehaveren, jf. dog §§ 37-39" (lovguiden). § 46, stk. 1-2:
#: anbringelse med samtykke fra forældremyndighedsindehaveren og den unge, der er fyldt 15 år;
#: uden samtykke er det § 47 (børne- og ungeudvalget, § 142). A withdrawn consent to a running
#: § 46 placement leads to hjemgivelse (§ 100, stk. 1: "Kommunalbestyrelsen skal træffe afgørelse
#: om hjemgivelse og om hjemgivelsesperiodens længde"; stk. 3, nr. 3: the period lets the
#: municipality assess "§§ 47 eller 67 i situationer, hvor forældrene har tilbagekaldt et
#: samtykke til en frivillig anbringelse efter § 46"; lovguiden).
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
        "anbringelse uden samtykke efter barnets lov § 47. Den træffes af børne- og ungeudvalget (§ 142, stk. 1). "
        "Er samtykket til en igangværende anbringelse tilbagekaldt, træffer kommunen afgørelse om hjemgivelse og "
        "hjemgivelsesperiodens længde (§ 100, stk. 1 og 3), og i perioden kan den vurdere, om der er grundlag for "
        "en afgørelse efter §§ 47 eller 67 (§ 100, stk. 3, nr. 3).",
        (Instead("barnets_lov", 47, what="anbringelse uden samtykke"), Instead("barnets_lov", 100, what="hjemgivelse efter tilbagekaldt samtykke")),
    ),
    # § 98, stk. 1: ændring af anbringelsessted med samtykke fra forældremyndighedsindehaveren og
    # barnet eller den unge, der er fyldt 12 år; "Kan samtykke … ikke opnås", træffer
    # børne- og ungeudvalget afgørelsen (stk. 4; lovguiden, read by the law probe).
    ("barnets_lov", 98): ConsentRule(
        "barnets lov § 98, stk. 1",
        "En ændring af anbringelsessted uden samtykke fra forældremyndighedsindehaveren og barnet eller den unge, "
        "der er fyldt 12 år, træffes af børne- og ungeudvalget (§ 98, stk. 4, jf. § 142, stk. 1).",
        (Instead("barnets_lov", 98, 4),),
    ),
    # Serviceloven §§ 107 and 108: optagelse i et botilbud sker med borgerens samtykke; uden det
    # gælder § 129 / § 129 a, and Familieretshuset decides on the municipality's indstilling
    # (§ 131, stk. 1; § 131 a, stk. 1; elov.dk). § 129, stk. 2-3: a person who lacks the capacity to
    # consent but does not oppose can be moved on the municipality's decision when the værge or
    # fremtidsfuldmægtig tiltræder the indstilling [U: gribskov.dk, Ældre Sagen]. The regime applies
    # only to a person with betydelig og varigt nedsat psykisk funktionsevne who does not consent
    # (§ 124 a [U: danskelove.dk's older text; L 188 (2023-24) as fremsat amends § 124 a]), and only
    # when § 129's conditions are met; the messages say so rather than suggest any citizen can be
    # moved without consent (legal check, 2026-12-06).
    ("serviceloven", 107): ConsentRule(
        "serviceloven § 107, jf. § 129",
        "Optagelse i et midlertidigt botilbud (serviceloven § 107) uden borgerens samtykke afgøres af Familieretshuset "
        "efter indstilling fra kommunalbestyrelsen (serviceloven § 129, stk. 1 og 4, jf. § 131); kommunens afgørelse er "
        "indstillingen. Mangler borgeren evnen til at give informeret samtykke uden at modsætte sig flytningen, kan "
        "kommunen selv træffe afgørelsen, når værgen eller fremtidsfuldmægtigen tiltræder indstillingen (§ 129, stk. 2-3). "
        "Det gælder kun en borger med betydelig og varigt nedsat psykisk funktionsevne (§ 124 a), og kun når "
        "betingelserne i § 129 er opfyldt; ellers kan borgeren ikke optages uden samtykke.",
        (Instead("serviceloven", 129, 1, "indstilling til Familieretshuset"), Instead("serviceloven", 129, 2, "med værgens eller fremtidsfuldmægtigens tiltrædelse")),
    ),
    ("serviceloven", 108): ConsentRule(
        "serviceloven § 108, jf. §§ 129 og 129 a",
        "Optagelse i et længerevarende botilbud (serviceloven § 108) uden borgerens samtykke afgøres af Familieretshuset "
        "efter indstilling fra kommunalbestyrelsen (serviceloven § 129, stk. 1 og 4, og § 129 a, jf. §§ 131 og 131 a); "
        "kommunens afgørelse er indstillingen. Mangler borgeren evnen til at give informeret samtykke uden at modsætte "
        "sig flytningen, kan kommunen selv træffe afgørelsen, når værgen eller fremtidsfuldmægtigen tiltræder "
        "indstillingen (§ 129, stk. 2-3). Det gælder kun en borger med betydelig og varigt nedsat psykisk funktionsevne "
        "(§ 124 a), og kun når betingelserne i §§ 129 og 129 a er opfyldt; ellers kan borgeren ikke optages uden samtykke.",
        (Instead("serviceloven", 129, 1, "indstilling til Familieretshuset"), Instead("serviceloven", 129, 2, "med værgens eller fremtidsfuldmægtigens tiltrædelse")),
    ),
}

#: Paragraph codes follow the law: ``bl-<§>…`` is barnets lov, ``sel-<§>…`` serviceloven, so a
#: plan cannot give a familiar code another meaning (the law probe relabelled ``bl-46`` as § 48).
CODE_PREFIXES: dict[str, str] = {"bl": "barnets_lov", "sel": "serviceloven", "val": "voksenansvarsloven"}

#: Words in a paragraph label that only a decision the law reserves for a statutory body can carry.
RESERVED_WORDS: tuple[str, ...] = ("uden samtykke", "tvang")

#: Sections where the chair of børne- og ungeudvalget may take a provisional decision when the
#: matter cannot wait for a meeting (barnets lov § 143); the committee must approve it as its own
#: decision (§ 142, stk. 1: "Godkendelse af en foreløbig afgørelse efter § 143, stk. 4").
#: Verified: placements without consent (§§ 47, 49: ast.dk "Akutte afgørelser"; § 95, stk. 2, nr. 1
#: names "en anbringelse efter §§ 46 eller 143") and voksenansvarsloven § 11, stk. 4 and § 15,
#: stk. 3 ("§ 143, stk. 1 og 2, i barnets lov", LOV nr. 753 af 13/06/2023 § 5, nr. 8). [U]: the
#: other § 142 items; ast.dk says only "En del af de afgørelser". Left out as not urgent by their
#: nature: opretholdelse (§ 50) and videreførelse (§ 67), decided before a deadline known in
#: advance, and the approval itself (§ 143, stk. 4). Only a paragraph the law reserves for the
#: committee gets the route (the plan's floors); the level is always the committee's.
PROVISIONAL_SECTIONS: frozenset[tuple[str, int]] = frozenset(
    {
        ("barnets_lov", 23),
        ("barnets_lov", 40),
        ("barnets_lov", 42),
        ("barnets_lov", 47),
        ("barnets_lov", 49),
        ("barnets_lov", 61),
        ("barnets_lov", 62),
        ("barnets_lov", 63),
        ("barnets_lov", 98),
        ("barnets_lov", 105),
        ("voksenansvarsloven", 11),
        ("voksenansvarsloven", 15),
    }
)
#: The approval of the chair's provisional decision (§ 142, stk. 1; § 143, stk. 4).
APPROVAL_SECTION: tuple[str, int] = ("barnets_lov", 143)
PROVISIONAL_TEXT = (
    "Sagen er akut: formanden (eller næstformanden) for børne- og ungeudvalget kan træffe en foreløbig "
    "afgørelse, hvis afgørelsen ikke kan afvente udvalgets møde (barnets lov § 143). Forvaltningen skal først have "
    "forsøgt at indhente samtykke, og parterne skal have skriftlig meddelelse inden 24 timer efter iværksættelsen. "
    "Den foreløbige afgørelse skal forelægges børne- og ungeudvalget til godkendelse snarest muligt og inden 7 dage "
    "efter iværksættelsen (§ 142, stk. 1, jf. § 143, stk. 4); uden godkendelse har den ingen gyldighed. En godkendt "
    "foreløbig afgørelse gælder alene i 1 måned, så udvalget skal træffe den endelige afgørelse inden da (Ankestyrelsen, "
    '"Akutte afgørelser"). Undersøgelsen kan være i gang (§ 22, stk. 6), men skal gennemføres.'
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
