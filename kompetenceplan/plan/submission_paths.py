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
        "barnets_perspektiv",
        "barnets_perspektiv.dato",
        "barnets_perspektiv.indhentet",
        "barnets_perspektiv.metode",
        "barnets_perspektiv.undtagelse_begrundelse",
        "dokumenter",
        "foraeldreplan_undladt_begrundelse",
        "formaal",
        "maal",
        "oekonomi",
        "oekonomi.leverandoer",
        "oekonomi.pris_pr_maaned",
        "oekonomi.samlet",
        "oekonomi.varighed_maaneder",
        "sagsnummer",
        "samtykker",
        "tre_aar_undtagelse_begrundelse",
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
