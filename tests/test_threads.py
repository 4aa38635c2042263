"""Many threads in one process: every decision is the right one, none is None (DESIGN.md)."""

from __future__ import annotations

import random
import threading

from kompetenceplan import CaseError, decide, validate_case
from kompetenceplan.engine.reference import evaluate

from .test_case_validation import GOOD

THREADS, PER_THREAD = 8, 2000


def _cases(plan, n: int) -> list[tuple[dict, str]]:
    """Varied valid cases with the level the reference evaluator gives, computed up front."""
    rng = random.Random(20261123)
    codes = sorted(plan.inputs["paragraf"].values)
    out: list[tuple[dict, str]] = []
    while len(out) < n:
        code = rng.choice(codes)
        case = {**GOOD, "paragraf": code, "maanedlig_udgift": float(rng.choice([0, 14999, 15000, 29999.5, 30000, 61000, rng.uniform(0, 200000)]))}
        case["sagens_maanedlige_udgift"] = case["maanedlig_udgift"] + rng.choice([0, 20000, 60000])
        case["varighed_maaneder"] = rng.randint(1, 36)
        case["timer_pr_uge"] = float(rng.choice([0, 8, 15, 30]))
        case["alder"] = 19 if code == "bl-ungestoette" else rng.randint(0, 17) if code.startswith("bl") else 40
        steps = [s for s in range(1, 7)]
        rng.shuffle(steps)
        for step in steps:
            try:
                validated = validate_case(plan, {**case, "trin": step})
            except CaseError:  # the step does not fit this paragraph: try another
                continue
            case["trin"] = step
            out.append((case, plan.levels[evaluate(plan, validated).outcome.rank].id))
            break
    return out


def test_eight_threads_get_only_correct_decisions(nyborg) -> None:
    """8 threads x 2,000 decisions through one process and one host: zero wrong, zero None."""
    cases = _cases(nyborg, 300)
    assert len({level for _, level in cases}) >= 4, "the workload must span several levels"
    wrong: list[tuple[int, int, str | None, str]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def work(t: int) -> None:
        try:
            start.wait()
            for i in range(PER_THREAD):
                case, expected = cases[(t * 37 + i) % len(cases)]
                decision = decide(nyborg, case)
                got = decision.level.id if decision is not None else None
                if got != expected:
                    wrong.append((t, i, got, expected))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert wrong == []
