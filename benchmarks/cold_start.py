"""CLI cold start: `kompetenceplan route CASE.json` against the floor `python -c "import click,
pydantic, durable.engine"`, measured in the same run, hyperfine-style (alternating runs, min and
median of each), plus what `route` imports that it does not need.

    python benchmarks/cold_start.py                 # 15 runs of each
    python benchmarks/cold_start.py --runs 30 --json cold.json
    python benchmarks/cold_start.py --imports       # also the slowest imports (python -X importtime)

The goal (issue 12): route ≤ 1.25 × the floor (median). Never asserted by a test: the machine is
shared. ``unneeded`` lists modules the route command imported that it has no use for; the test
suite checks that list is empty (an invariant, not a timing).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CASE = "examples/cases/familiebehandling-raadgiver.json"
PLAN = "rules/nyborg"
FLOOR = "import click, pydantic, durable.engine"
# `import pydantic` is a lazy shim (pydantic.main is not loaded); the first BaseModel subclass
# costs the import of pydantic.main and a schema build. This row shows what any pydantic model on
# the start-up path costs, apart from kompetenceplan's own models.
PYDANTIC_MODEL = "import click, durable.engine\nfrom pydantic import BaseModel\nclass A(BaseModel):\n    x: int"

# Modules (prefixes) the route command has no use for: the register, meetings, the HTTP service
# and web pages, the submission check, plan tooling, schema generation, and their libraries.
UNNEEDED = (
    "kompetenceplan.cli.register",
    "kompetenceplan.store",
    "kompetenceplan.meetings",
    "kompetenceplan.service.app",
    "kompetenceplan.web",
    "kompetenceplan.service.guard",
    "kompetenceplan.checks",
    "kompetenceplan.tooling",
    "kompetenceplan.service.schemas",
    "kompetenceplan.service.contract",
    "kompetenceplan.tooling.scenarios",
    "kompetenceplan.model.submission",
    "kompetenceplan.tilsyn",
    "kompetenceplan.cli.oekonomi",
    "kompetenceplan.cli.tilsyn",
    "sqlalchemy",
    "alembic",
    "psycopg",
    "fastapi",
    "starlette",
    "uvicorn",
    "jinja2",
    # With the plan cached (the second run on the same plan files), nothing parses rule data:
    "kompetenceplan.plan.loader",
    "kompetenceplan.plan.schema",
    "pydantic",
    "pydantic_core",
)
# Modules route still loads that it could do without (reported apart so the figure stays honest).
KNOWN: tuple[str, ...] = ()

# Runs `route` in-process the way the console script does, then lists every module loaded.
_PROBE = f"""
import sys
from kompetenceplan.cli import main
try:
    main(["route", {CASE!r}, "--plan", {PLAN!r}], prog_name="kompetenceplan")
except SystemExit as exc:
    assert not exc.code, exc.code
print("\\n".join(sorted(sys.modules)), file=sys.stderr)
"""


def route_command() -> list[str]:
    return [sys.executable, "-m", "kompetenceplan", "route", CASE, "--plan", PLAN]


def route_command_from(source: Path) -> list[str]:
    """`route` run from another checkout of the package (``--compare``: before/after in one run).
    The editable install's finder is dropped so that ``source`` is the package imported."""
    script = (
        "import sys\n"
        "sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in type(f).__module__ and 'editable' not in getattr(f, '__name__', '')]\n"
        f"sys.path.insert(0, {str(source)!r})\n"
        "from kompetenceplan.cli import main\n"
        f"main(['route', {CASE!r}, '--plan', {PLAN!r}], prog_name='kompetenceplan')\n"
    )
    return [sys.executable, "-c", script]


def floor_command() -> list[str]:
    return [sys.executable, "-c", FLOOR]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    env["PYTHONDONTWRITEBYTECODE"] = "0"
    return env


def time_runs(commands: dict[str, list[str]], runs: int, warmup: int = 2) -> dict[str, list[float]]:
    """Wall time of each command, ``runs`` times, the commands alternating so load hits all alike."""
    env = _env()
    for cmd in commands.values():
        for _ in range(warmup):  # fill the page cache and write the .pyc files
            subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, check=True)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, cmd in commands.items():
            start = time.perf_counter()
            subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, check=True)
            times[name].append(time.perf_counter() - start)
    return times


def loaded_modules() -> list[str]:
    """Every module in ``sys.modules`` after a `route` run in a fresh interpreter, the plan
    cached by a run before it (as for every run but the first on unchanged plan files)."""
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", _PROBE], cwd=ROOT, env=_env(), capture_output=True, text=True, check=True)
    return [line for line in done.stderr.splitlines() if line and " " not in line]


def route_uncached_command() -> list[str]:
    """`route` with the plan cache off: the plan parsed and checked as on a first run."""
    script = f"import os\nos.environ['KOMPETENCEPLAN_NO_CACHE'] = '1'\nfrom kompetenceplan.cli import main\nmain(['route', {CASE!r}, '--plan', {PLAN!r}], prog_name='kompetenceplan')\n"
    return [sys.executable, "-c", script]


def unneeded(modules: list[str], prefixes: tuple[str, ...] = UNNEEDED) -> list[str]:
    return [m for m in modules if any(m == p or m.startswith(p + ".") for p in prefixes)]


def slowest_imports(top: int = 25) -> list[tuple[int, int, str]]:
    """(self µs, cumulative µs, name) of the slowest imports of one `route` run."""
    done = subprocess.run([sys.executable, "-X", "importtime", *route_command()[1:]], cwd=ROOT, env=_env(), capture_output=True, text=True, check=False)
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, cumulative, name = line[len("import time:") :].split("|")
        rows.append((int(own), int(cumulative), name.rstrip()))
    return sorted(rows, key=lambda r: -r[1])[:top]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15, help="runs of each command (≥ 10 for a figure)")
    parser.add_argument("--imports", action="store_true", help="also print the slowest imports of route")
    parser.add_argument("--json", type=Path, help="also write the results as JSON")
    parser.add_argument("--compare", type=Path, metavar="DIR", help="also time route from another checkout (e.g. `git worktree add /tmp/before main`)")
    args = parser.parse_args(argv)

    commands = {
        "route": route_command(),
        "uncached": route_uncached_command(),
        "floor": floor_command(),
        "model": [sys.executable, "-c", PYDANTIC_MODEL],
        "click": [sys.executable, "-c", "import click"],
    }
    if args.compare:
        commands["compare"] = route_command_from(args.compare.resolve())
    times = time_runs(commands, args.runs)
    stats = {name: {"min_ms": min(t) * 1000, "median_ms": statistics.median(t) * 1000} for name, t in times.items()}
    modules = loaded_modules()
    result: dict[str, Any] = {
        "runs": args.runs,
        **{f"{name}_{k}": v for name, s in stats.items() for k, v in s.items()},
        "ratio_median": stats["route"]["median_ms"] / stats["floor"]["median_ms"],
        "ratio_min": stats["route"]["min_ms"] / stats["floor"]["min_ms"],
        "modules": len(modules),
        "unneeded": unneeded(modules),
        "known_unneeded": unneeded(modules, KNOWN),
    }
    print(f"CLI cold start, {args.runs} runs each (alternating), {os.cpu_count()} cores, Python {sys.version.split()[0]}\n")
    print("| command | min | median | × floor (median) |\n|---|---|---|---|")
    labels = {
        "route": f"kompetenceplan route {CASE}",
        "uncached": "the same, plan cache off (KOMPETENCEPLAN_NO_CACHE=1)",
        "floor": f'python -c "{FLOOR}"',
        "model": "the floor + one pydantic BaseModel subclass",
        "click": 'python -c "import click"',
        "compare": f"route from {args.compare}",
    }
    for name, s in stats.items():
        print(f"| `{labels[name]}` | {s['min_ms']:.0f} ms | {s['median_ms']:.0f} ms | {s['median_ms'] / stats['floor']['median_ms']:.2f} × |")
    print(f"\nroute / floor: {result['ratio_median']:.2f} × (median), {result['ratio_min']:.2f} × (min); goal ≤ 1.25 ×")
    print(f"modules loaded by route: {len(modules)}; unneeded: {', '.join(result['unneeded']) or 'none'}; known (plan layer): {', '.join(result['known_unneeded']) or 'none'}")
    if args.imports:
        print("\nslowest imports of route (cumulative µs, self µs):")
        for own, cumulative, name in slowest_imports():
            print(f"  {cumulative:>8} {own:>8}  {name}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
