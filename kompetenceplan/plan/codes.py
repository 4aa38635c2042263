"""The registry of plan codes (PLAN-nnn): one table that lint, the loader, the docs and the tests
read. A code is stable and never reused; the Danish title is what `kompetenceplan lint` prints.
Loader codes mean the plan cannot be used until fixed; lint codes are findings in a loaded plan."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class PlanCode:
    code: str
    title: str  # Danish, as printed
    summary: str  # English, for docs/rule-format.md
    kind: Literal["lint", "loader"]
    status: Literal["stable", "preview", "deprecated", "removed"] = "stable"


CODES: dict[str, PlanCode] = {
    c.code: c
    for c in (
        PlanCode("PLAN-001", "hul: ingen række dækker", "gap: valid cases no row covers (they escalate)", "lint"),
        PlanCode("PLAN-002", "modstridende rækker", "two rows with the same conditions and different levels", "lint"),
        PlanCode("PLAN-003", "monotoni brudt", "monotonicity: a higher step or cost gets a lower level (shown with the pair of cases)", "lint"),
        PlanCode("PLAN-004", "overskygget række", "shadowed row: applies but never decides", "lint"),
        PlanCode("PLAN-005", "uopnåelig række", "unreachable row: no valid case meets it", "lint"),
        PlanCode("PLAN-006", "scenarie med ukendt henvisning", "a scenario names a level or row the plan lacks", "lint"),
        PlanCode("PLAN-007", "for mange rækker gælder på én gang", "a case meets more rows at once than durable-rules handles (error 303 above 64): it would be refused", "lint"),
        PlanCode("PLAN-008", "monotoni brudt på tværs af paragraffer", "step monotonicity across paragraphs: the cheapest case on a higher step gets a lower level than on a lower step", "lint"),
        PlanCode("PLAN-009", "ubrugt input", "an input no row, requirement, implication or special role reads", "lint"),
        PlanCode("PLAN-010", "formatfejl", "format error (the loader refuses the plan)", "loader"),
        PlanCode("PLAN-011", "ukendt henvisning", "unknown reference: level, input, value, step, document type, role, parameter", "loader"),
        PlanCode(
            "PLAN-012",
            "lovbestemt afgørelseskompetence ikke overholdt",
            "a decision the law reserves (barnets lov § 142) is not routed to its body, or its code, label, stk. or body rank contradicts the statute table",
            "loader",
        ),
        PlanCode("PLAN-013", "tabellen er for stor til durable-rules", "table too large for durable-rules", "loader"),
        PlanCode("PLAN-014", "dubleret id eller kode", "duplicate id, code or section", "loader"),
        PlanCode("PLAN-015", "lovbestemt paragraf uden scenarie", "a paragraph the law reserves for a statutory body has no scenario", "lint"),
    )
}

FORMAT, UNKNOWN_REFERENCE, STATUTORY, TOO_LARGE, DUPLICATE = "PLAN-010", "PLAN-011", "PLAN-012", "PLAN-013", "PLAN-014"


def title(code: str) -> str:
    return CODES[code].title
