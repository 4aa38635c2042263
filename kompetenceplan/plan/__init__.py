"""Rule data: format (schema), loading and cross-checks (loader), engine layout (compile)."""

from .loader import load_plan
from .model import Plan, PlanRow, Term
from .versions import PlanSet, load_plans

__all__ = ["Plan", "PlanRow", "PlanSet", "Term", "load_plan", "load_plans"]
