"""The ledelsestilsyn on a large register: ~100,000 decisions (5 years of a large fictional
municipality), on SQLite and PostgreSQL. Prints figures; nothing is asserted about speed.

    python benchmarks/tilsyn.py                 # 5 years, size large (~100k decisions)
    python benchmarks/tilsyn.py --quick         # 6 months, size medium (a smoke run)
    python benchmarks/tilsyn.py --pg-url postgresql+psycopg://kp@127.0.0.1/kp   # an existing, empty database

The bundled Nyborg plan is in force from 1 January 2026 only, so the history needs older plan
versions: the benchmark writes a throw-away plan folder with a version 2021.1 (the same rules,
in force 2021-01-01 – 2025-12-31) and the bundled 2026.1. What is timed: generating the
register (bulk path), drawing one quarter (population query over the whole register, sample,
TIL checks) and building + rendering the report (Markdown and HTML) with the trend over the
last 8 drawn quarters.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kompetenceplan.plan import load_plans  # noqa: E402
from kompetenceplan.store.db import make_engine, upgrade  # noqa: E402
from kompetenceplan.store.register import Register  # noqa: E402
from kompetenceplan.tilsyn.config import load_config  # noqa: E402
from kompetenceplan.tilsyn.draw import draw  # noqa: E402
from kompetenceplan.tilsyn.generate import generate, person  # noqa: E402
from kompetenceplan.tilsyn.report import build_report, render_html, render_markdown  # noqa: E402

UNTIL = dt.date(2026, 11, 30)
TODAY = dt.date(2026, 12, 4)


def history_plans(folder: Path) -> Path:
    """A plan folder with version 2021.1 (the Nyborg rules, 2021–2025) and the bundled 2026.1."""
    source = ROOT / "rules" / "nyborg"
    for version in ("2021.1", "2026.1"):
        target = folder / version
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("scenarier"))
    plan = folder / "2021.1" / "plan.toml"
    text = plan.read_text(encoding="utf-8")
    text = re.sub(r'(?m)^version = ".*"$', 'version = "2021.1"', text)
    text = re.sub(r"(?m)^valid_from = .*$", "valid_from = 2021-01-01\nvalid_to = 2025-12-31", text)
    plan.write_text(text, encoding="utf-8")
    return folder


def run(url: str, months: int, size: str, plans_dir: Path) -> dict[str, float]:
    plans = load_plans(plans_dir)
    config = load_config(ROOT / "rules" / "nyborg-tilsyn.toml")
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    out: dict[str, float] = {}
    with Register(url) as reg:
        start = UNTIL.replace(day=1)
        for _ in range(months - 1):
            start = (start - dt.timedelta(days=1)).replace(day=1)
        t = time.perf_counter()
        made = generate(reg, plans, start=start, months=months, seed=1, size=size, bulk=True)
        out["generate_s"] = time.perf_counter() - t
        out["decisions"] = made.decisions
        quarters = [f"{y}Q{q}" for y in range(start.year, UNTIL.year + 1) for q in range(1, 5)]
        quarters = [q for q in quarters if dt.date(int(q[:4]), 3 * int(q[-1]), 1) > start and dt.date(int(q[:4]), 3 * int(q[-1]), 1) <= TODAY][-8:]
        draw_times = []
        for q in quarters:
            t = time.perf_counter()
            found = draw(reg, plans, config, q, actor=person("BEN"), seed=7, today=TODAY)
            draw_times.append(time.perf_counter() - t)
        out["draw_s"] = max(draw_times)
        out["population"] = found.population_size
        out["sample"] = len(found.items)
        t = time.perf_counter()
        report = build_report(reg, config, quarters[-1])
        render_markdown(report, config)
        render_html(report, config)
        out["report_s"] = time.perf_counter() - t
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--pg-url", default=None)
    args = parser.parse_args()
    months, size = (6, "medium") if args.quick else (60, "large")
    with tempfile.TemporaryDirectory() as tmp:
        plans_dir = history_plans(Path(tmp) / "plan")
        rows = [("SQLite", run(f"sqlite:///{Path(tmp) / 'tilsyn.db'}", months, size, plans_dir))]
        server = None
        pg_url = args.pg_url
        if pg_url is None:
            sys.path.insert(0, str(ROOT))
            from tests.register_fixtures import PostgresServer, _pg_bin

            bindir = _pg_bin()
            if bindir is not None:
                server = PostgresServer(bindir)
                pg_url = server.new_database()
        try:
            if pg_url is not None:
                rows.append(("PostgreSQL", run(pg_url, months, size, plans_dir)))
            else:
                print("PostgreSQL: sprunget over (initdb/pg_ctl mangler; installér postgresql).")
        finally:
            if server is not None:
                server.stop()
    print(f"{'database':<11} {'afgørelser':>10} {'generér s':>10} {'træk s':>8} {'population':>10} {'stikprøve':>9} {'rapport s':>10}")
    for name, r in rows:
        print(f"{name:<11} {int(r['decisions']):>10} {r['generate_s']:>10.1f} {r['draw_s']:>8.2f} {int(r['population']):>10} {int(r['sample']):>9} {r['report_s']:>10.2f}")


if __name__ == "__main__":
    main()
