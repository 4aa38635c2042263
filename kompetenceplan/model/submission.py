"""The submission (indstilling) to the committee: the case plus its documentation.

Vocabularies (document types, consent roles) are plan data; this model fixes only the shape.
Personal data (``borger``) may be present: it is accepted, never used and never echoed.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, get_origin

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr
from pydantic_core import PydanticCustomError

from ..io import ISO_DATE


def _iso_date_text(value: Any) -> Any:
    # Only "ÅÅÅÅ-MM-DD" (JSON Schema's format: date); pydantic alone also takes numbers
    # (a timestamp) and date-times, which the published schema does not allow.
    if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
        raise PydanticCustomError("date_parsing", "a date ÅÅÅÅ-MM-DD")
    return value


Date = Annotated[dt.date, Field(strict=False), BeforeValidator(_iso_date_text)]  # JSON has no date type: "2026-10-01"
Text = Annotated[StrictStr, Field(max_length=20000)]
Code = Annotated[StrictStr, Field(max_length=64)]


def _integral(value: Any) -> Any:
    # JSON Schema's integer includes 3.0 (and case inputs accept it); strings and booleans stay refused.
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _int(lo: int, hi: int) -> Any:
    # Bounds next to the type, not around the validator: else the JSON Schema says "ge", not "minimum".
    return Annotated[StrictInt, Field(ge=lo, le=hi), BeforeValidator(_integral)]


# Bounds on each member: on the union pydantic's JSON Schema would carry them as unknown keywords.
Money = Annotated[StrictInt, Field(ge=0, le=10**12)] | Annotated[StrictFloat, Field(ge=0, le=10**12, allow_inf_nan=False)]


class _Model(BaseModel):
    # defer_build: built on first use, so commands that never read a submission start faster.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, defer_build=True)


class Document(_Model):
    """A document in the case: børnefaglig undersøgelse, barnets plan, VUM-udredning …"""

    type: Code
    dato: Date
    titel: Text = ""
    forfatter_rolle: Code = ""
    underskrevet: StrictBool = False
    godkendt: StrictBool = False


class ChildView(_Model):
    """Barnets perspektiv (barnets lov § 5, stk. 3-4): how and when obtained by samtaler or other
    direct contact, or why not (only "i helt særlige tilfælde") and then how and when it was
    obtained "på anden vis" (§ 5, stk. 4, 2. pkt.)."""

    indhentet: StrictBool
    dato: Date | None = None
    metode: Text = ""
    undtagelse_begrundelse: Text = ""
    anden_vis_metode: Text = ""
    anden_vis_dato: Date | None = None


class Consent(_Model):
    """Samtykke: from whom, when, and whether it covers the formål."""

    fra: Code
    dato: Date
    daekker_formaal: StrictBool


class Alternative(_Model):
    """An intervention lower on the ladder that was considered, and why it is not enough."""

    indsats: Text
    trin: _int(1, 20)  # type: ignore[valid-type]  # an Annotated type built by _int: pydantic reads it, mypy cannot
    begrundelse: Text = ""


class Economy(_Model):
    """Økonomi: price per month, duration, total and provider."""

    pris_pr_maaned: Money | None = None
    varighed_maaneder: _int(1, 600) | None = None  # type: ignore[valid-type]  # as trin
    samlet: Money | None = None
    leverandoer: Text = ""


class Vum(_Model):
    """The VUM 2.0 INDSTILLING sections (adults)."""

    baggrundsoplysninger: Text = ""
    centrale_oplysninger: Text = ""
    indsatsformaal_og_maal: Text = ""
    specificering_af_indsatser: Text = ""
    alternative_indsatser: Text = ""
    handleplan: Text = ""
    stoettebehov: Text = ""
    maalgruppe: Text = ""


class Hearing(_Model):
    """Who has had the chance to speak to børne- og ungeudvalget before it decides (barnets lov
    § 142, stk. 2-3). The child may be left out under 10 years or where it would harm the child
    (the reason in ``barnet_undladt_begrundelse``); a bisidder only if there is one."""

    foraeldremyndighed: StrictBool = False
    barnet: StrictBool = False
    barnet_undladt_begrundelse: Text = ""
    advokat: StrictBool = False
    bisidder: StrictBool = False
    ingen_bisidder: StrictBool = False
    plejeforaeldre: StrictBool = False
    foraelder_uden_foraeldremyndighed: StrictBool = False


class PlacementGround(_Model):
    """Why a placement without consent (barnets lov § 51, stk. 1, nr. 1): the ground(s) in § 47,
    stk. 1, nr. 1-4 (or, under § 47, stk. 4, why a young person who consents is placed although the
    parents do not), the "begrundet formodning" that the problems cannot be solved at home (§ 47,
    stk. 2; § 49, stk. 2), and the resources of the child, the family and the network."""

    grunde: Annotated[list[_int(1, 4)], Field(max_length=4)] = []  # type: ignore[valid-type]  # as trin
    begrundet_formodning: Text = ""
    ressourcer: Text = ""
    stk4_begrundelse: Text = ""  # § 47, stk. 4: the young person (15+) consents; stk. 1 need not be met


class Siblings(_Model):
    """Siblings under 15 in the household (barnets lov § 51, stk. 3): when the placement rests on
    omsorgssvigt, vold or overgreb and they are not proposed placed, why not and what support
    they get."""

    under_15_i_husstanden: StrictBool | None = None
    indstilles_anbragt: StrictBool = False
    begrundelse: Text = ""
    stoette: Text = ""


class PartyHearing(_Model):
    """Partshøring (forvaltningsloven § 19): when the party was heard on information to its
    disadvantage it did not know, or why that was not required."""

    dato: Date | None = None
    ikke_noedvendig_begrundelse: Text = ""


class FamilyCourtSubmission(_Model):
    """The indstilling to Familieretshuset on optagelse i botilbud uden samtykke (serviceloven
    § 131, stk. 2, nr. 1-5; § 131 a, stk. 2, nr. 1-6)."""

    betingelser: Text = ""
    funktionsevne_dokumentation: Text = ""
    farlig_adfaerd_dokumentation: Text = ""
    hjaelp_forsoegt: Text = ""
    ny_bolig_og_stoette: Text = ""
    bemaerkninger: Text = ""


class Person(_Model):
    """Who the case is about. Personal data: never used in checks, never echoed."""

    navn: Text = ""
    cpr: Code = ""


class Submission(_Model):
    """An indstilling: the routing case (``sag``) and what the committee needs to decide."""

    sag: dict[str, Any]
    sagsnummer: Code = ""
    borger: Person | None = None
    formaal: Text = ""
    maal: Annotated[list[Text], Field(max_length=100)] = []
    anbefaling: Text = ""  # the recommendation to the committee: what the administration recommends (issue 25)
    akut_begrundelse: Text = ""
    foraeldreplan_undladt_begrundelse: Text = ""
    tre_aar_undtagelse_begrundelse: Text = ""
    barnets_perspektiv: ChildView | None = None
    udtaleret: Hearing | None = None
    anbringelsesgrundlag: PlacementGround | None = None
    soeskende: Siblings | None = None
    partshoering: PartyHearing | None = None
    familieretshuset: FamilyCourtSubmission | None = None
    samtykker: Annotated[list[Consent], Field(max_length=50)] = []
    alternativer: Annotated[list[Alternative], Field(max_length=50)] = []
    oekonomi: Economy | None = None
    vum: Vum | None = None
    dokumenter: Annotated[list[Document], Field(max_length=500)] = []


def field_paths(model: type[BaseModel] = Submission, prefix: str = "") -> set[str]:
    """Every dotted path a ``fields`` requirement may name (e.g. ``vum.handleplan``)."""
    out: set[str] = set()
    for name, info in model.model_fields.items():
        if name in {"sag", "borger"}:
            continue
        path = f"{prefix}{name}"
        out.add(path)
        annotation = info.annotation
        if get_origin(annotation) is list:
            continue  # a fields requirement names whole lists, not paths into their items
        for candidate in getattr(annotation, "__args__", (annotation,)):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                out |= field_paths(candidate, f"{path}.")
    return out


def value_at(submission: Submission, path: str) -> Any:
    """The value at a dotted path, or None where a parent is absent."""
    node: Any = submission
    for part in path.split("."):
        if node is None:
            return None
        node = getattr(node, part)
    return node
