"""Rule data: format (schema), loading and cross-checks (loader), engine layout (compile).

The names are imported on first use (PEP 562): routing a case with a cached plan never imports
the loader or the rule format's pydantic models.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "load_plan": ".loader",
    "Plan": ".model",
    "PlanRow": ".model",
    "Term": ".model",
    "PlanSet": ".versions",
    "load_plans": ".versions",
}

__all__ = ["Plan", "PlanRow", "PlanSet", "Term", "load_plan", "load_plans"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:
    from .loader import load_plan
    from .model import Plan, PlanRow, Term
    from .versions import PlanSet, load_plans
