"""Rule data: format (schema), loading and cross-checks (loader), engine layout (compile)."""

from .loader import load_plan
from .model import Plan, PlanRow, Term

__all__ = ["Plan", "PlanRow", "Term", "load_plan"]
