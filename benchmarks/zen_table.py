"""The plan's decision rows as GoRules JDM decision graphs, modelled several ways, and zen-engine
measured on each in the same run as our ``decide_many`` (an honest peer, issue 12 goal 5).

    python benchmarks/zen_table.py             # every model × every zen API, 5,000 cases
    python benchmarks/zen_table.py --quick     # a smoke run

The models (``MODELS``), all from the same rows (``plan.ordered_rows``: highest level first, as
durable-rules tries them) plus a catch-all row that escalates, so a first hit is our "highest
matching level wins":

- ``first-all-columns``: hit policy first, one unary-test column per plan input (the model the
  benchmark used before; most cells empty).
- ``first-selective``: hit policy first, only the inputs some row tests, the most selective column
  (the paragraph) first, so a row is rejected at its first cell.
- ``first-expression``: hit policy first, one column without a field whose cells are whole boolean
  expressions (``paragraf in ["bl-47"] and trin >= 3``) instead of unary tests.
- ``collect-max``: hit policy collect (every matching row) and the highest rank taken in Python:
  the DMN way to write "the highest level wins" without relying on row order.

The zen APIs (``APIS``): ``ZenEngine.evaluate`` through a loader returning the JSON text (what
this benchmark did before), the same through a loader returning ``ZenDecisionContent``
(pre-compiled, as GoRules' performance page recommends), a ``ZenDecision`` from
``create_decision`` evaluated directly, and ``evaluate_batch`` (zen's bulk call, the counterpart of
``decide_many``). Every (model, API) pair is checked to answer like ``decide_many`` before it is
timed; a pair that disagrees is reported, never ranked.

Not like for like (say so with any figure): zen gets the *validated* case values (derived inputs
such as ``omraade`` and ``samlet_udgift`` already computed; types already checked), while
``decide_many`` validates the raw case and derives those itself; zen returns a level, while
``decide_many`` also returns the deciding row and whether the case escalated.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kompetenceplan.plan.model import Plan, PlanRow, Term  # noqa: E402

_OPS = {"gte": ">=", "gt": ">", "lte": "<=", "lt": "<"}


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    return repr(value)


def _values(term: Term) -> tuple[Any, ...]:
    return term.value if isinstance(term.value, tuple) else (term.value,)


def _unary(terms: list[Term]) -> str:
    """A unary test for one column: ``"a", "b"`` (one of), ``>= 3``, or several joined by ``and``."""
    parts = []
    for t in terms:
        if t.op in ("in", "eq"):
            parts.append(", ".join(_literal(v) for v in _values(t)))
        else:
            parts.append(f"$ {_OPS[t.op]} {_literal(t.value)}")
    if len(parts) == 1:
        return parts[0][2:] if parts[0].startswith("$ ") else parts[0]
    return " and ".join(p if p.startswith("$ ") else f"$ in [{p}]" for p in parts)


def _expression(row: PlanRow) -> str:
    """The whole row as one boolean expression."""
    parts = []
    for t in row.terms:
        if t.op in ("in", "eq"):
            values = _values(t)
            parts.append(f"{t.input} == {_literal(values[0])}" if len(values) == 1 else f"{t.input} in [{', '.join(_literal(v) for v in values)}]")
        else:
            parts.append(f"{t.input} {_OPS[t.op]} {_literal(t.value)}")
    return " and ".join(parts) or "true"


def _rows(plan: Plan) -> list[tuple[PlanRow | None, str, int]]:
    """(row, level id, rank) in priority order, then the catch-all (``None``) that escalates."""
    escalation = plan.meta.escalation_level
    rank = next(i for i, lv in enumerate(plan.levels) if lv.id == escalation)
    return [(r, plan.levels[r.rank].id, r.rank) for r in plan.ordered_rows] + [(None, escalation, rank)]


def _graph(hit_policy: str, inputs: list[dict[str, str]], outputs: list[dict[str, str]], rules: list[dict[str, str]]) -> str:
    graph = {
        "contentType": "application/vnd.gorules.decision",
        "nodes": [
            {"id": "in", "type": "inputNode", "name": "Request", "position": {"x": 0, "y": 0}},
            {
                "id": "table",
                "type": "decisionTableNode",
                "name": "Kompetenceplan",
                "position": {"x": 200, "y": 0},
                "content": {"hitPolicy": hit_policy, "inputs": inputs, "outputs": outputs, "rules": rules},
            },
            {"id": "out", "type": "outputNode", "name": "Response", "position": {"x": 400, "y": 0}},
        ],
        "edges": [
            {"id": "e1", "sourceId": "in", "targetId": "table", "type": "edge"},
            {"id": "e2", "sourceId": "table", "targetId": "out", "type": "edge"},
        ],
    }
    return json.dumps(graph)


def _unary_table(plan: Plan, names: list[str], hit_policy: str, catch_all: bool = True) -> str:
    inputs = [{"id": f"i-{n}", "name": n, "type": "expression", "field": n} for n in names]
    outputs = [{"id": "o-level", "name": "level", "type": "expression", "field": "level"}, {"id": "o-rank", "name": "rank", "type": "expression", "field": "rank"}]
    rules = []
    for k, (row, level, rank) in enumerate(_rows(plan) if catch_all else _rows(plan)[:-1]):
        rule = {"_id": f"r{k}", "o-level": json.dumps(level), "o-rank": str(rank)}
        for n in names:
            terms = [t for t in row.terms if t.input == n] if row else []
            rule[f"i-{n}"] = _unary(terms) if terms else ""
        rules.append(rule)
    return _graph(hit_policy, inputs, outputs, rules)


def first_all_columns(plan: Plan) -> str:
    return _unary_table(plan, sorted(plan.inputs), "first")


def _selective_columns(plan: Plan) -> list[str]:
    """The inputs some row tests; equality columns tested by most rows first (they reject most)."""
    tested: dict[str, list[int]] = {}
    for row in plan.rows:
        for t in row.terms:
            tested.setdefault(t.input, [0, 0])
            tested[t.input][0 if t.op in ("in", "eq") else 1] += 1
    return sorted(tested, key=lambda n: (-tested[n][0], -tested[n][1], n))


def first_selective(plan: Plan) -> str:
    return _unary_table(plan, _selective_columns(plan), "first")


def first_expression(plan: Plan) -> str:
    inputs = [{"id": "i-row", "name": "row", "type": "expression", "field": ""}]
    outputs = [{"id": "o-level", "name": "level", "type": "expression", "field": "level"}, {"id": "o-rank", "name": "rank", "type": "expression", "field": "rank"}]
    rules = [{"_id": f"r{k}", "i-row": _expression(row) if row else "", "o-level": json.dumps(level), "o-rank": str(rank)} for k, (row, level, rank) in enumerate(_rows(plan))]
    return _graph("first", inputs, outputs, rules)


def collect_max(plan: Plan) -> str:
    """Every matching row, no catch-all: an empty list means no row covers the case (escalate)."""
    return _unary_table(plan, _selective_columns(plan), "collect", catch_all=False)


def _level_first(plan: Plan, result: dict[str, Any]) -> str:
    return str(result["level"])


def _level_max(plan: Plan, result: list[dict[str, Any]]) -> str:
    return str(max(result, key=lambda r: r["rank"])["level"]) if result else plan.meta.escalation_level


#: name -> (JDM builder, how to read the level from the result)
MODELS: dict[str, tuple[Callable[[Plan], str], Callable[[Plan, Any], str]]] = {
    "first-all-columns": (first_all_columns, _level_first),
    "first-selective": (first_selective, _level_first),
    "first-expression": (first_expression, _level_first),
    "collect-max": (collect_max, _level_max),
}


def jdm(plan: Plan) -> str:
    """The best-performing model (kept for callers of the old single-model module)."""
    return first_selective(plan)


def _answers(run: Callable[[list[dict[str, Any]]], list[Any]], read: Callable[[Plan, Any], str], plan: Plan, contexts: list[dict[str, Any]]) -> list[str]:
    """A run's answers as levels (what the table's rate measures for each pair)."""
    return [read(plan, r) for r in run(contexts)]


def runner(api: str, content: str) -> Callable[[list[dict[str, Any]]], list[Any]]:
    """A function: contexts -> results, through one of zen's APIs (engine built once, outside)."""
    import zen

    compiled = zen.ZenDecisionContent(content)
    if api == "engine.evaluate, JSON loader":  # the loader hands zen the JSON text each time
        engine = zen.ZenEngine({"loader": lambda key: content})
        return lambda contexts: [engine.evaluate("plan", c)["result"] for c in contexts]
    if api == "engine.evaluate":
        engine = zen.ZenEngine({"loader": lambda key: compiled})
        return lambda contexts: [engine.evaluate("plan", c)["result"] for c in contexts]
    if api == "decision.evaluate":
        decision = zen.ZenEngine().create_decision(compiled)
        return lambda contexts: [decision.evaluate(c)["result"] for c in contexts]
    if api == "evaluate_batch":
        engine = zen.ZenEngine({"loader": lambda key: compiled})

        def batch(contexts: list[dict[str, Any]]) -> list[Any]:
            out = engine.evaluate_batch([{"key": "plan", "context": c} for c in contexts])
            return [r["data"]["result"] if r.get("success") else r.get("error") for r in out]

        return batch
    raise ValueError(api)


APIS = ("engine.evaluate, JSON loader", "engine.evaluate", "decision.evaluate", "evaluate_batch")


def levels(plan: Plan, model: str, api: str, contexts: list[dict[str, Any]]) -> list[str]:
    """The level zen gives each (validated) case under one model and API."""
    build, read = MODELS[model]
    return [read(plan, r) for r in runner(api, build(plan))(contexts)]


def contexts_of(plan: Plan, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The validated values of each case (derived inputs included), as zen gets them."""
    from kompetenceplan import validate_case

    return [dict(validate_case(plan, c).values) for c in cases]


def measure(plan: Plan, cases: list[dict[str, Any]], repeats: int = 5) -> dict[str, Any]:
    """Every (model, API) pair: agreement with decide_many, and its median cases/s; plus the
    decide_many figure measured in between, and the best zen pair."""
    from kompetenceplan import decide_many

    contexts = contexts_of(plan, cases)
    expected = [r.level for r in decide_many(plan, cases)]

    def rate(func: Callable[[], object]) -> float:
        rates: list[float] = []
        for _ in range(repeats):
            start = time.perf_counter()
            func()
            rates.append(len(cases) / (time.perf_counter() - start))
            if len(rates) >= 3 and len(cases) / rates[0] > 1.0:  # a slow pair: 3 repeats are enough
                break
        return statistics.median(rates)

    rows: list[dict[str, Any]] = []
    ours = []
    for model, (build, read) in MODELS.items():
        for api in APIS:
            run = runner(api, build(plan))
            got = [read(plan, r) for r in run(contexts)]
            agrees = got == expected
            ours.append(rate(lambda: decide_many(plan, cases)))  # interleaved: load hits both alike
            rows.append({"model": model, "api": api, "agrees": agrees, "per_s": rate(partial(_answers, run, read, plan, contexts)) if agrees else None})
    decide_many_per_s = statistics.median(ours)
    best = max((r for r in rows if r["per_s"]), key=lambda r: r["per_s"], default=None)
    return {"cases": len(cases), "decide_many_per_s": decide_many_per_s, "zen": rows, "best": best, "ratio": decide_many_per_s / best["per_s"] if best else None}


def report(result: dict[str, Any]) -> None:
    from importlib.metadata import version

    import zen  # noqa: F401  (installed: the version is printed)

    print(f"zen-engine {version('zen-engine')}, {result['cases']} cases per repeat (median of repeats)\n")
    print("| zen model | zen API | answers = decide_many | cases/s | decide_many ÷ zen |\n|---|---|---|---|---|")
    for r in result["zen"]:
        rate = f"{r['per_s']:,.0f}" if r["per_s"] else "—"
        ratio = f"{result['decide_many_per_s'] / r['per_s']:.2f} ×" if r["per_s"] else "—"
        print(f"| {r['model']} | {r['api']} | {'yes' if r['agrees'] else 'NO'} | {rate} | {ratio} |")
    print(f"\ndecide_many (validation + compiled router): {result['decide_many_per_s']:,.0f} cases/s")
    if result["best"]:
        b = result["best"]
        print(f"best zen: {b['model']} via {b['api']}: {b['per_s']:,.0f} cases/s; decide_many ÷ best zen = {result['ratio']:.2f} ×")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--cases", type=int, default=5000)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from run import workload

    from kompetenceplan import load_plan

    plan = load_plan(ROOT / "rules" / "nyborg")
    cases = workload(plan, 300 if args.quick else args.cases)
    result = measure(plan, cases, repeats=1 if args.quick else 5)
    report(result)
    return result


if __name__ == "__main__":
    main()
