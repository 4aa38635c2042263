"""The plan's decision rows as a GoRules JDM decision table (hit policy "first"), for measuring
zen-engine on an equivalent table in the same run. Rows are ordered as the compiled priority list,
so "first hit" equals our "highest level wins"; complete cases only (no missing inputs)."""

from __future__ import annotations

import json
from typing import Any

from kompetenceplan.plan.compile import NOMATCH, ROW, rule_specs
from kompetenceplan.plan.model import Plan, Term

_OPS = {"gte": ">=", "gt": ">", "lte": "<=", "lt": "<"}


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    return repr(value)


def _unary(terms: list[Term]) -> str:
    parts = []
    for t in terms:
        if t.op == "in":
            parts.append(", ".join(_literal(v) for v in t.value))  # type: ignore[union-attr]
        elif t.op == "eq":
            parts.append(_literal(t.value))
        else:
            parts.append(f"$ {_OPS[t.op]} {_literal(t.value)}")
    if len(parts) == 1:
        return parts[0] if not parts[0].startswith("$ ") else parts[0][2:]
    return " and ".join(p if p.startswith("$ ") else f"$ in [{p}]" for p in parts)


def jdm(plan: Plan) -> str:
    names = sorted(plan.inputs)
    inputs = [{"id": f"i-{n}", "name": n, "type": "expression", "field": n} for n in names]
    outputs = [{"id": "o-level", "name": "level", "type": "expression", "field": "level"}]
    rules = []
    for k, spec in enumerate(s for s in rule_specs(plan) if s.kind in (ROW, NOMATCH)):
        rule: dict[str, str] = {"_id": f"r{k}"}
        for n in names:
            terms = [t for t in spec.row.terms if t.input == n] if spec.row else []
            rule[f"i-{n}"] = _unary(terms) if terms else ""
        level = plan.levels[spec.row.rank].id if spec.row else plan.meta.escalation_level
        rule["o-level"] = json.dumps(level)
        rules.append(rule)
    graph = {
        "contentType": "application/vnd.gorules.decision",
        "nodes": [
            {"id": "in", "type": "inputNode", "name": "Request", "position": {"x": 0, "y": 0}},
            {
                "id": "table",
                "type": "decisionTableNode",
                "name": "Kompetenceplan",
                "position": {"x": 200, "y": 0},
                "content": {"hitPolicy": "first", "inputs": inputs, "outputs": outputs, "rules": rules},
            },
            {"id": "out", "type": "outputNode", "name": "Response", "position": {"x": 400, "y": 0}},
        ],
        "edges": [
            {"id": "e1", "sourceId": "in", "targetId": "table", "type": "edge"},
            {"id": "e2", "sourceId": "table", "targetId": "out", "type": "edge"},
        ],
    }
    return json.dumps(graph)
