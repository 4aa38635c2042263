"""The dotted paths of a submission that a ``fields`` requirement may name (e.g. ``vum.handleplan``).

Written out so that loading a plan does not build the submission's pydantic models (they cost
the CLI's start-up ~40 ms, and ``route`` never reads a submission). A test keeps this list equal
to what `submission.field_paths` derives from the models.
"""

from __future__ import annotations

FIELD_PATHS: frozenset[str] = frozenset(
    {
        "akut_begrundelse",
        "alternativer",
        "anbefaling",
        "anbringelsesgrundlag",
        "anbringelsesgrundlag.begrundet_formodning",
        "anbringelsesgrundlag.grunde",
        "anbringelsesgrundlag.ressourcer",
        "anbringelsesgrundlag.stk4_begrundelse",
        "barnets_perspektiv",
        "barnets_perspektiv.anden_vis_dato",
        "barnets_perspektiv.anden_vis_metode",
        "barnets_perspektiv.dato",
        "barnets_perspektiv.indhentet",
        "barnets_perspektiv.metode",
        "barnets_perspektiv.undtagelse_begrundelse",
        "dokumenter",
        "familieretshuset",
        "familieretshuset.bemaerkninger",
        "familieretshuset.betingelser",
        "familieretshuset.farlig_adfaerd_dokumentation",
        "familieretshuset.funktionsevne_dokumentation",
        "familieretshuset.hjaelp_forsoegt",
        "familieretshuset.ny_bolig_og_stoette",
        "foraeldreplan_undladt_begrundelse",
        "formaal",
        "maal",
        "oekonomi",
        "oekonomi.leverandoer",
        "oekonomi.pris_pr_maaned",
        "oekonomi.samlet",
        "oekonomi.varighed_maaneder",
        "partshoering",
        "partshoering.dato",
        "partshoering.ikke_noedvendig_begrundelse",
        "sagsnummer",
        "samtykker",
        "soeskende",
        "soeskende.begrundelse",
        "soeskende.indstilles_anbragt",
        "soeskende.stoette",
        "soeskende.under_15_i_husstanden",
        "tre_aar_undtagelse_begrundelse",
        "udtaleret",
        "udtaleret.advokat",
        "udtaleret.barnet",
        "udtaleret.barnet_undladt_begrundelse",
        "udtaleret.bisidder",
        "udtaleret.foraelder_uden_foraeldremyndighed",
        "udtaleret.foraeldremyndighed",
        "udtaleret.ingen_bisidder",
        "udtaleret.plejeforaeldre",
        "vum",
        "vum.alternative_indsatser",
        "vum.baggrundsoplysninger",
        "vum.centrale_oplysninger",
        "vum.handleplan",
        "vum.indsatsformaal_og_maal",
        "vum.maalgruppe",
        "vum.specificering_af_indsatser",
        "vum.stoettebehov",
    }
)

#: Who must have had the chance to speak to børne- og ungeudvalget before it decides (barnets lov
#: § 142, stk. 2: forældremyndighedsindehaveren, barnet eller den unge, advokaten, eventuel anden
#: bisidder; stk. 3: the parent without custody before § 105 and voksenansvarsloven § 15, stk. 1;
#: plejeforældre before § 42, stk. 4). The roles a ``hearing`` requirement may name, with the
#: submission field (``udtaleret.<role>``) and the Danish words its findings use.
HEARING_ROLES: dict[str, str] = {
    "foraeldremyndighed": "forældremyndighedsindehaveren",
    "barnet": "barnet eller den unge",
    "advokat": "advokaten",
    "bisidder": "en eventuel bisidder",
    "plejeforaeldre": "plejeforældrene",
    "foraelder_uden_foraeldremyndighed": "forælderen uden del i forældremyndigheden",
}
