"""kompetenceplan: who may decide a social intervention, from a municipality's own rule data.

    >>> from kompetenceplan import load_plan, decide, explain
    >>> plan = load_plan("rules/nyborg")
    >>> decision = decide(plan, {"paragraf": "bl-47", "trin": 6, "maanedlig_udgift": 80000,
    ...                          "varighed_maaneder": 12, "alder": 13, "sagens_maanedlige_udgift": 80000})
    >>> decision.level.id
    'boerne_og_ungeudvalg'

The names are imported on first use (PEP 562), so the command line starts quickly.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "decide": ".api",
    "check": ".checks.check",
    "Finding": ".checks.report",
    "Report": ".checks.report",
    "render_report": ".checks.report",
    "ValidatedCase": ".model.case",
    "validate_case": ".model.case",
    "Decision": ".model.decision",
    "CaseError": ".errors",
    "EngineError": ".errors",
    "KompetenceplanError": ".errors",
    "MissingInputError": ".errors",
    "PlanError": ".errors",
    "Problem": ".errors",
    "explain": ".engine.explain",
    "Plan": ".plan",
    "PlanSet": ".plan",
    "load_plan": ".plan",
    "load_plans": ".plan",
    "decide_many": ".api",
    "BulkResult": ".engine.bulk",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'kompetenceplan' has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:
    from .api import decide, decide_many
    from .checks.check import check
    from .checks.report import Finding, Report, render_report
    from .engine.bulk import BulkResult
    from .engine.explain import explain
    from .errors import CaseError, EngineError, KompetenceplanError, MissingInputError, PlanError, Problem
    from .model.case import ValidatedCase, validate_case
    from .model.decision import Decision
    from .plan import Plan, PlanSet, load_plan, load_plans
