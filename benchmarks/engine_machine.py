"""What in the machine moves decide()'s ratio to a raw durable-rules post (issue 29, goal 6).

    python benchmarks/engine_machine.py            # about two minutes
    python benchmarks/engine_machine.py --json machine.json

decide() and the raw post (`Host.post` of the same compiled table) are taken in turns, 11 turns
of 2,000 cases, under three neighbours on the other core (this process is pinned to core 0 with
`os.sched_setaffinity`, the neighbour to core 1):

- ``none``: nothing of ours (the machine's own load, whatever it is);
- ``cpu``: a loop over a few integers (uses a core, hardly any cache);
- ``cache``: a loop writing a 256 MiB buffer at random (evicts the shared caches).

Each row gives both rates and their ratio, and the CPU time per case of each (``process_time``,
which a busy neighbour does not inflate the way wall time is). If the ratio moves with the cache
neighbour and not with the CPU one, what depends on the machine is its caches: decide() runs
more distinct code and data per case (validator, reference evaluator, the engine's C code and its
JSON) than the raw post's loop, so it loses more when another program takes the cache.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def _neighbour(kind: str, stop: Any) -> None:
    os.sched_setaffinity(0, {1})
    if kind == "cpu":
        x = 0
        while not stop.is_set():
            for i in range(100_000):
                x = (x + i) & 0xFFFF
    elif kind == "cache":
        import random

        buffer = bytearray(256 * 1024 * 1024)
        size = len(buffer)
        rng = random.Random(1)
        while not stop.is_set():
            for _ in range(100_000):
                buffer[rng.randrange(size)] = 1


def measure(turns: int, n: int) -> dict[str, float]:
    from run import workload

    from kompetenceplan import decide, load_plan, validate_case
    from kompetenceplan.engine import durable_adapter
    from kompetenceplan.plan.compile import event_value

    plan = load_plan(ROOT / "rules" / "nyborg")
    cases = workload(plan, n)
    events = [{k: event_value(v) for k, v in validate_case(plan, c).values.items()} for c in cases]
    compiled = durable_adapter.compiled_for(plan)
    host = durable_adapter._get_host()

    def raw_post() -> None:
        for i, event in enumerate(events):
            host.post(compiled.name, {**event, "kind": "case", "cid": f"b{i}", "sid": "bench"})

    def decide_all() -> None:
        for c in cases:
            decide(plan, c)

    raw_post()  # warm
    decide_all()
    wall: dict[str, list[float]] = {"decide": [], "raw": []}
    cpu: dict[str, list[float]] = {"decide": [], "raw": []}
    for _ in range(turns):
        for name, fn in (("decide", decide_all), ("raw", raw_post)):
            c0, t0 = time.process_time(), time.perf_counter()
            fn()
            wall[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c0)
    ratios = [r / d for d, r in zip(wall["decide"], wall["raw"], strict=True)]
    cpu_ratios = [r / d for d, r in zip(cpu["decide"], cpu["raw"], strict=True)]
    return {
        "decide_per_s": n / statistics.median(wall["decide"]),
        "raw_post_per_s": n / statistics.median(wall["raw"]),
        "ratio": statistics.median(ratios),
        "ratio_cpu": statistics.median(cpu_ratios),
        "decide_cpu_us": statistics.median(cpu["decide"]) / n * 1e6,
        "raw_cpu_us": statistics.median(cpu["raw"]) / n * 1e6,
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=11)
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if (os.cpu_count() or 1) < 2:
        raise SystemExit("needs two cores (one for the neighbour)")
    os.sched_setaffinity(0, {0})
    out: dict[str, Any] = {}
    for kind in ("none", "cpu", "cache", "none"):
        stop = multiprocessing.Event()
        proc = multiprocessing.Process(target=_neighbour, args=(kind, stop)) if kind != "none" else None
        if proc is not None:
            proc.start()
            time.sleep(1)
        load = os.getloadavg()[0]
        try:
            result = measure(args.turns, args.cases)
        finally:
            if proc is not None:
                stop.set()
                proc.join()
        key = kind if kind not in out else f"{kind} (again)"
        out[key] = {**result, "load": round(load, 2)}
        print(
            f"| {key} | {result['decide_per_s']:,.0f}/s | {result['raw_post_per_s']:,.0f}/s | {result['ratio']:.2f} × | {result['ratio_cpu']:.2f} × | "
            f"{result['decide_cpu_us']:.0f} / {result['raw_cpu_us']:.0f} µs | {load:.1f} |",
            flush=True,
        )
    if args.json:
        args.json.write_text(json.dumps(out, indent=2), encoding="utf-8")
    return out


if __name__ == "__main__":
    print("| neighbour on core 1 | decide() | raw post | ratio (wall) | ratio (CPU time) | CPU per case, decide / raw | load |\n|---|---:|---:|---:|---:|---:|---:|")
    main()
