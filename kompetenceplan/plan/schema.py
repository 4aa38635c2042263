"""The rule-data format: what a plan folder's TOML files may contain.

These models check one file's shape (unknown keys are rejected). Cross references between files
(a row naming a level, a condition naming an input) are checked in `loader`, which copies each
validated section into the plain classes of `parts` of the same name.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr

Slug = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
ValueCode = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=64)]
RowId = Annotated[str, Field(pattern=r"^[A-ZÆØÅ][A-ZÆØÅ0-9]*(-[A-ZÆØÅ0-9]+)*$", max_length=40)]
Text = Annotated[str, Field(min_length=1, max_length=2000)]
Number = Union[StrictInt, StrictFloat]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class PlanMeta(Strict):
    """``[plan]``: identity, validity and the inputs with a special role."""

    id: Slug
    kommune: Text
    name: Text
    version: Annotated[str, Field(pattern=r"^[0-9A-Za-z][0-9A-Za-z.\-]*$", max_length=40)]
    valid_from: dt.date
    valid_to: dt.date | None = None
    price_year: Annotated[int, Field(ge=2000, le=2100)]
    source: Text
    note: str = ""
    escalation_level: Slug = Field(description="Level that decides when no row covers a case.")
    area_input: Slug = "omraade"
    step_input: Slug = "trin"
    paragraph_input: Slug = "paragraf"
    consent_input: Slug | None = Field(
        default=None,
        description="A bool input: consent from forældremyndighedsindehaveren (and the young person "
        "who has turned 15). Required when the plan uses a paragraph that needs consent (law.CONSENT_RULES).",
    )
    urgent_input: Slug | None = Field(default=None, description="A bool input: the case is acute (barnets lov § 46, stk. 3; § 143).")


class Level(Strict):
    """``[[levels]]``, lowest first: who can decide."""

    id: Slug
    name: Text
    description: str = ""
    body: Slug | None = Field(default=None, description="A statutory body this level is, see law.BODIES.")
    decided_by: str = Field(default="", max_length=200, description='How Danish says who decides, after "Sagen afgøres", e.g. "ved lederbeslutning".')


class Committee(Strict):
    """``[[committees]]``: a body of the plan that holds a committee level for some areas, e.g. the
    visitation committees for children and for adults at the level ``visitationsudvalg``. The
    level decides who may decide (its rank); the committee is which meeting decides. Every meeting
    belongs to one body (a committee, or a level nobody splits)."""

    id: Slug
    level: Slug
    areas: list[ValueCode] = Field(min_length=1)
    name: Text
    decided_by: str = Field(default="", max_length=200, description='How Danish says who decides, after "Sagen afgøres".')


class LadderStep(Strict):
    """``[[ladder]]``: one step of an area's indsatstrappe."""

    area: ValueCode
    step: Annotated[int, Field(ge=1, le=20)]
    name: Text
    description: str = ""
    examples: list[Text] = []


ConditionValue = Union[
    StrictBool,
    StrictInt,
    StrictFloat,
    StrictStr,
    list[StrictStr],
    list[StrictInt],
    dict[str, Number],
]
Conditions = dict[Slug, ConditionValue]


class EnumValue(Strict):
    """One allowed value of an ``enum`` input, e.g. a paragraph code."""

    label: Text
    law: Slug | None = Field(default=None, description="For paragraph codes: the law, see law.LAWS.")
    section: Annotated[int, Field(ge=1, le=1000)] | None = Field(default=None, description="§ number.")
    stk: Annotated[int, Field(ge=1, le=50)] | None = Field(default=None, description="stk. (subsection), where the law reserves one stk. only.")
    requires: list[Slug] = Field(default=[], description="Inputs a case must give with this value.")
    implies: Conditions = Field(default={}, description="What the other inputs must be with this value.")


class InputSpec(Strict):
    """``[inputs.<name>]``: a typed input a case gives (a DMN input column)."""

    type: Literal["int", "number", "bool", "enum"]
    label: Text
    description: str = ""
    unit: str = ""
    required: bool = True
    min: Number | None = None
    max: Number | None = None
    values: dict[ValueCode, EnumValue] | None = None
    at_least: Slug | None = Field(default=None, description="Must be at least this other input.")
    default_product: list[Slug] | None = Field(default=None, description="When absent: the product of these inputs (e.g. monthly × months).")
    monotone: bool = Field(
        default=False,
        description="A higher value never lowers the level (steps and costs: 'egen kompetence indskrænkes jo højere på indsatstrappen').",
    )


class Row(Strict):
    """``[[rows]]``: a decision row. The highest level among all matching rows decides."""

    id: RowId
    level: Slug
    when: Conditions
    reference: Text
    note: str = ""
    law: bool = Field(default=False, description="A statutory floor: the law, not the plan, sets the level.")


class DocumentType(Strict):
    """``[document_types.<code>]``: a kind of document a submission can contain."""

    label: Text
    description: str = ""


class ConsentRole(Strict):
    """``[consent_roles.<code>]``: who can give consent (forældremyndighed, den unge, borgeren)."""

    label: Text


class RequirementDoc(Strict):
    """The documentation template every requirement follows (shown by ``kompetenceplan checks``)."""

    what: Text = Field(description="Hvad tjekkes")
    why: Text = Field(description="Hvorfor")
    example: Text = Field(description="Eksempel på mangel")
    fix: Text = Field(description="Sådan gøres det rigtigt")


RequirementKind = Literal["document", "fields", "consent", "child_view", "alternatives", "economy", "hearing", "siblings"]


class Check(Strict):
    """``require``: what a requirement checks in the submission."""

    kind: RequirementKind
    types: list[ValueCode] = Field(default=[], description="document: accepted document types")
    max_age_days: Slug | Annotated[int, Field(ge=1, le=10000)] | None = Field(default=None, description="document: newest accepted age on the meeting date (days or a parameter name)")
    signed: bool = False
    approved: bool = False
    only_if_present: bool = Field(default=False, description="document: check only documents that are there")
    or_paths: list[Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$")]] = Field(
        default=[], description="document, fields: also met when one of these fields is filled in (a reason the law accepts instead)"
    )
    paths: list[Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$")]] = Field(default=[], description="fields")
    roles: list[ValueCode] = Field(default=[], description="consent: who must consent; hearing: who must have had the chance to speak (barnets lov § 142, stk. 2-3)")
    any_role: bool = Field(default=False, description="consent: one of the roles is enough (e.g. the citizen or the værge)")
    covers_purpose: bool = Field(default=True, description="consent: must cover the formål")
    monthly_input: Slug | None = Field(default=None, description="economy: the case input with the monthly cost")
    duration_input: Slug | None = Field(default=None, description="economy: the case input with the duration in months")


class Requirement(Strict):
    """``[[requirements]]``: one item of the documentation standard, with a stable code."""

    code: Annotated[str, Field(pattern=r"^DOK-[0-9]{3}$")]
    title: Text
    severity: Literal["fejl", "advarsel"]
    when: Conditions = {}
    min_level: Slug | None = Field(default=None, description="applies when the decided level is this or higher")
    unknown_applies: bool = Field(
        default=True,
        description="a when-condition on an input the case leaves out counts as met (fail-safe); false for requirements about a fact that must be stated, e.g. akut = true",
    )
    require: Check
    message: Text
    hint: Text
    reference: Text
    doc: RequirementDoc


class PlanFile(Strict):
    """One TOML file in a plan folder. Sections may be spread over files; see loader."""

    plan: PlanMeta | None = None
    levels: list[Level] | None = None
    committees: list[Committee] | None = None
    ladder: list[LadderStep] | None = None
    inputs: dict[Slug, InputSpec] | None = None
    rows: list[Row] | None = None
    parameters: dict[Slug, Annotated[int, Field(ge=0, le=100000)]] | None = None
    document_types: dict[ValueCode, DocumentType] | None = None
    consent_roles: dict[ValueCode, ConsentRole] | None = None
    requirements: list[Requirement] | None = None
