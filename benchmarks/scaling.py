"""How decide / decide_many / check cost grows with the size of the plan and of the case
(issue 12, goal 6). No timing is asserted anywhere; the growth is *reported*.

    python benchmarks/scaling.py              # plans of 30, 100, 400 rows; cases of 1, 5, 10 interventions
    python benchmarks/scaling.py --quick      # a smoke run

The plans are synthetic but valid: the fictional Aastrup plan (rules/aastrup/2026.1: 16 rows, its
inputs, ladder, levels and documentation standard) with rows added until it has 30, 100 or 400.
Each added row is ``lovgrundlag = code, trappetrin = step, maanedspris >= threshold -> level``
for a (code, step) pair the plan allows, a threshold of its own and one of the four middle
levels; the reserved paragraphs (bl-46, 47, 50, 67) get no added row, so the law's floors are
untouched. They are written to a temporary folder in the rule format and loaded by the real loader.

A *case* is one family's sag with 1, 5 or 10 active interventions (indsatser). Each intervention
is routed on its own, with the sag's total monthly cost (``sagens_samlede_maanedspris``) the sum of
all of them, as the register does; so a case costs:

- decide: one ``decide()`` per intervention (validated, durable-rules, checked, explained);
- decide_many: one ``decide_many()`` call over the case's interventions (the bulk path);
- check: one ``check()`` per intervention, each as a committee submission.

Reported per case and per intervention; "growth" is the per-intervention cost at 400 rows over
that at 30 rows, next to the rows' own factor (400 / 30 = 13.3): no worse than linear means the
cost factor is at most the rows factor.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kompetenceplan import Plan, check, decide, decide_many, load_plan  # noqa: E402

BASE = ROOT / "rules" / "aastrup" / "2026.1"
SIZES = (30, 100, 400)
INTERVENTIONS = (1, 5, 10)
MEETING = dt.date(2026, 12, 1)
#: The paragraph codes that get added rows, and the steps each allows (from input.toml).
STEPS = {"bl-32-1-2": (2, 3), "bl-32-1-3": (1, 2, 3), "bl-32-1-5": (2, 3), "bl-32-1-7": (3, 4, 5, 6)}
MIDDLE_LEVELS = ("teammoede", "fagspecialist", "teamleder", "afsnitsleder")


def write_plan(folder: Path, rows: int) -> Path:
    """A valid plan with exactly ``rows`` rows, in the rule format, under ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for f in BASE.glob("*.toml"):
        shutil.copy(f, folder / f.name)
    text = (BASE / "regler.toml").read_text(encoding="utf-8")
    existing = text.count("[[rows]]")
    if rows < existing:
        raise ValueError(f"a plan needs at least the base plan's {existing} rows")
    combos = [(code, step) for code, steps in STEPS.items() for step in steps]
    extra = []
    for k in range(rows - existing):
        code, step = combos[k % len(combos)]
        threshold = 5000 + 250 * k  # every added row its own threshold: no two rows alike
        extra.append(
            f'\n[[rows]]\nid = "S-{k + 1:03d}"\nlevel = "{MIDDLE_LEVELS[k % len(MIDDLE_LEVELS)]}"\n'
            f'when = {{ lovgrundlag = "{code}", trappetrin = {step}, maanedspris = {{ gte = {threshold} }} }}\n'
            f'reference = "Syntetisk række til skaleringsmåling ({code}, trin {step})"\n'
        )
    (folder / "regler.toml").write_text(text + "".join(extra), encoding="utf-8")
    plan_toml = (folder / "plan.toml").read_text(encoding="utf-8")
    (folder / "plan.toml").write_text(plan_toml.replace('id = "aastrup"', f'id = "skalering_{rows}"', 1), encoding="utf-8")
    return folder


def interventions(n: int, rng: random.Random) -> list[dict[str, Any]]:
    """One sag's ``n`` interventions as cases, the sag's total the sum of their monthly costs."""
    combos = [(code, step) for code, steps in STEPS.items() for step in steps]
    prices = [float(rng.choice([4000, 9000, 12000, 26000, 41000, rng.randint(0, 110_000)])) for _ in range(n)]
    total = sum(prices)
    age = rng.randint(0, 17)
    out = []
    for price in prices:
        code, step = rng.choice(combos)
        out.append(
            {
                "lovgrundlag": code,
                "trappetrin": step,
                "maanedspris": price,
                "varighed": rng.randint(1, 36),
                "sagens_samlede_maanedspris": total,
                "alder": age,
                "samtykke": True,
            }
        )
    return out


def submission(case: dict[str, Any], k: int) -> dict[str, Any]:
    """A committee submission for one intervention (no personal data: a case reference only)."""
    monthly, months = case["maanedspris"], case["varighed"]
    return {
        "sagsnummer": f"SKAL-{k:05d}",
        "sag": case,
        "formaal": "At barnet trives i hverdagen.",
        "maal": ["Barnet kommer i skole hver dag inden 3 måneder"],
        "barnets_perspektiv": {"indhentet": True, "dato": "2026-10-14", "metode": "Samtale med barnet"},
        "samtykker": [{"fra": "foraeldremyndighed", "dato": "2026-10-20", "daekker_formaal": True}],
        "alternativer": [],
        "oekonomi": {"pris_pr_maaned": monthly, "varighed_maaneder": months, "samlet": monthly * months, "leverandoer": "Leverandør A/S"},
        "dokumenter": [{"type": "bfu", "dato": "2026-09-30", "underskrevet": True, "godkendt": True}],
    }


def workload(n_interventions: int, n_cases: int, seed: int = 5) -> list[list[dict[str, Any]]]:
    rng = random.Random(seed)
    return [interventions(n_interventions, rng) for _ in range(n_cases)]


def per_case_us(func: Callable[[list[dict[str, Any]]], object], cases: list[list[dict[str, Any]]], repeats: int) -> float:
    """Median over repeats of the mean µs per case."""
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        for case in cases:
            func(case)
        rates.append((time.perf_counter() - start) / len(cases) * 1e6)
    return statistics.median(rates)


def _decide_each(plan: Plan, case: list[dict[str, Any]]) -> object:
    return [decide(plan, c) for c in case]


def _check_each(plan: Plan, sub_of: dict[int, list[dict[str, Any]]], case: list[dict[str, Any]]) -> object:
    return [check(plan, s, on=MEETING, today=MEETING) for s in sub_of[id(case)]]


def measure(plans: dict[int, Plan], n_cases: int, repeats: int) -> list[dict[str, Any]]:
    rows = []
    for size, plan in plans.items():
        warm = workload(1, 1, seed=99)[0]  # first use registers the ruleset and compiles the bulk path
        decide(plan, warm[0]), decide_many(plan, warm), check(plan, submission(warm[0], 0), on=MEETING, today=MEETING)
        for n in INTERVENTIONS:
            cases = workload(n, n_cases)
            subs = [[submission(c, i) for i, c in enumerate(case)] for case in cases]
            sub_of = {id(case): s for case, s in zip(cases, subs, strict=True)}
            rows.append(
                {
                    "rows": size,
                    "interventions": n,
                    "decide_us": per_case_us(partial(_decide_each, plan), cases, repeats),
                    "decide_many_us": per_case_us(partial(decide_many, plan), cases, repeats),
                    "check_us": per_case_us(partial(_check_each, plan, sub_of), cases, repeats),
                }
            )
    return rows


def growth(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Per-intervention cost at the largest plan over the smallest (median over case sizes)."""
    small, large = min(SIZES), max(SIZES)

    def per_intervention(size: int, key: str) -> float:
        return statistics.median(r[key] / r["interventions"] for r in rows if r["rows"] == size)

    return {key: per_intervention(large, key) / per_intervention(small, key) for key in ("decide_us", "decide_many_us", "check_us")}


def report(rows: list[dict[str, Any]], load_s: dict[int, float]) -> None:
    print("| plan rows | interventions per case | decide per case | decide_many per case | check per case | decide / intervention | decide_many / intervention | check / intervention |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        n = r["interventions"]
        print(
            f"| {r['rows']} | {n} | {r['decide_us']:,.0f} µs | {r['decide_many_us']:,.0f} µs | {r['check_us']:,.0f} µs "
            f"| {r['decide_us'] / n:,.0f} µs | {r['decide_many_us'] / n:,.0f} µs | {r['check_us'] / n:,.0f} µs |"
        )
    factor = max(SIZES) / min(SIZES)
    print(f"\nGrowth of the per-intervention cost from {min(SIZES)} to {max(SIZES)} rows (rows factor {factor:.1f} ×):")
    for key, g in growth(rows).items():
        print(f"  {key.removesuffix('_us')}: {g:.2f} × ({'no worse than linear' if g <= factor else 'WORSE than linear'})")
    print("\nLoading (parse, validate, compile) each plan: " + ", ".join(f"{size} rows {s * 1000:.0f} ms" for size, s in load_s.items()))


def load_plans_of_sizes(tmp: Path, sizes: tuple[int, ...] = SIZES) -> tuple[dict[int, Plan], dict[int, float]]:
    plans, load_s = {}, {}
    for size in sizes:
        folder = write_plan(tmp / f"plan-{size}", size)
        start = time.perf_counter()
        plans[size] = load_plan(folder)
        load_s[size] = time.perf_counter() - start
    return plans, load_s


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small counts: a smoke run")
    parser.add_argument("--cases", type=int, default=200, help="cases per cell (default 200)")
    parser.add_argument("--json", type=Path, help="also write the results as JSON")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kp-scaling-") as tmp:
        plans, load_s = load_plans_of_sizes(Path(tmp))
        rows = measure(plans, 10 if args.quick else args.cases, 1 if args.quick else 5)
    report(rows, load_s)
    result = {"rows": rows, "growth": growth(rows), "load_s": load_s}
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
