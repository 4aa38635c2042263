"""kompetenceplan: who may decide a social intervention, from a municipality's own rule data.

    >>> from kompetenceplan import load_plan, decide, explain
    >>> plan = load_plan("rules/nyborg")
    >>> decision = decide(plan, {"paragraf": "bl-47", "trin": 6, "maanedlig_udgift": 80000,
    ...                          "varighed_maaneder": 12, "alder": 13, "sagens_maanedlige_udgift": 80000})
    >>> decision.level.id
    'boerne_og_ungeudvalg'
"""

from .api import decide
from .checks.check import check
from .checks.report import Finding, Report, render_report
from .case import ValidatedCase, validate_case
from .decision import Decision
from .errors import CaseError, EngineError, KompetenceplanError, MissingInputError, PlanError, Problem
from .explain import explain
from .plan import Plan, PlanSet, load_plan, load_plans

__all__ = [
    "CaseError",
    "Decision",
    "Finding",
    "Report",
    "EngineError",
    "KompetenceplanError",
    "MissingInputError",
    "Plan",
    "PlanSet",
    "PlanError",
    "Problem",
    "ValidatedCase",
    "check",
    "decide",
    "explain",
    "load_plan",
    "load_plans",
    "render_report",
    "validate_case",
]
