"""The økonomisk tilsyn's report on a large register: ~100,000 decisions over 5 years (a large
municipality), on SQLite and PostgreSQL. Printed figures, not a timed test (issue 15 asks for the
report in under 5 s).

    python benchmarks/economy.py                 # 100,000 decisions and 50,000 payments
    python benchmarks/economy.py --quick         # 10,000 decisions (a smoke run)
    python benchmarks/economy.py --pg-url postgresql+psycopg://kp@127.0.0.1/kp   # an existing, empty database

Rows are bulk-inserted straight into the tables (one executemany per 5,000 rows); the time that
takes is printed but is not the point. The report is built for 2026Q4 with its months
(`build_report(..., monthly=True)`) and rendered as Markdown and HTML.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402

from kompetenceplan.plan import load_plans  # noqa: E402
from kompetenceplan.store.db import make_engine, upgrade  # noqa: E402
from kompetenceplan.store.tables import decisions  # noqa: E402
from kompetenceplan.tilsyn.economy import build_report, html, markdown, parse_quarter  # noqa: E402
from kompetenceplan.tilsyn.finance import payments  # noqa: E402

PARAGRAPHS = [
    ("bl-32-1-2", [3], (4_000, 20_000)),
    ("bl-32-1-5", [2, 3], (6_000, 35_000)),
    ("bl-32-1-3", [2, 3], (2_000, 12_000)),
    ("bl-35", [1, 2, 3], (500, 5_000)),
    ("bl-86", [1, 2], (500, 4_000)),
    ("bl-46", [4, 5, 6], (15_000, 95_000)),
    ("bl-47", [4, 5, 6], (20_000, 110_000)),
    ("bl-67", [5, 6], (20_000, 80_000)),
    ("sel-85", [3, 4], (3_000, 30_000)),
    ("sel-107", [5], (30_000, 90_000)),
    ("sel-108", [6], (35_000, 120_000)),
]


def rows(n: int, seed: int = 1) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    plan = load_plans(ROOT / "rules" / "nyborg").latest
    begin = dt.date(2022, 1, 1)
    span = (dt.date(2026, 12, 31) - begin).days
    now = dt.datetime(2026, 12, 31, tzinfo=dt.UTC)
    out = []
    for _ in range(n):
        code, steps, (low, high) = rng.choice(PARAGRAPHS)
        decided = begin + dt.timedelta(days=rng.randrange(span))
        end = None if rng.random() < 0.15 else decided + dt.timedelta(days=rng.randrange(30, 900))
        out.append(
            {
                "case_ref": f"B-{rng.randrange(n // 3):06d}",
                "team": f"Team {rng.choice('ABCDEF')}",
                "level": "leder",
                "level_rank": 3,
                "decided_by": "ABC",
                "decided_on": decided,
                "outcome": rng.choice(["bevilget", "bevilget", "bevilget", "bevilget med ændringer", "afslået"]),
                "paragraph": code,
                "step": rng.choice(steps),
                "monthly_cost": round(rng.uniform(low, high), 2),
                "start": decided,
                "expected_end": end,
                "required_level": "leder",
                "required_rank": 3,
                "kompetenceoverskridelse": False,
                "plan_id": plan.meta.id,
                "plan_version": plan.meta.version,
                "plan_fingerprint": plan.fingerprint,
                "source": "import",
                "note": "",
                "recorded_at": now,
                "corrects_id": None,
                "routing_id": None,
            }
        )
    return out


def payment_rows(n: int, cases: int, seed: int = 2) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    now = dt.datetime(2026, 12, 31, tzinfo=dt.UTC)
    return [
        {
            "batch_sha256": "0" * 64,
            "line": i + 2,
            "case_ref": f"B-{rng.randrange(cases):06d}",
            "paid_on": dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(365)),
            "amount": round(rng.uniform(-500, 60_000), 2),
            "paragraph": rng.choice(PARAGRAPHS)[0],
            "account": None,
            "text": None,
            "imported_at": now,
        }
        for i in range(n)
    ]


def measure(url: str, n: int) -> dict[str, float]:
    engine = make_engine(url)
    upgrade(engine)
    data = rows(n)
    pays = payment_rows(n // 2, n // 3)
    t0 = time.perf_counter()
    with engine.begin() as conn:
        for i in range(0, len(data), 5000):
            conn.execute(insert(decisions), data[i : i + 5000])
        for i in range(0, len(pays), 5000):
            conn.execute(insert(payments), pays[i : i + 5000])
    inserted = time.perf_counter() - t0
    with engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(decisions)).scalar_one()
    if stored != n:
        raise SystemExit(f"stored {stored} of {n} decisions")
    plans = load_plans(ROOT / "rules" / "nyborg")
    t1 = time.perf_counter()
    report = build_report(engine, plans, parse_quarter("2026Q4"), monthly=True)
    t2 = time.perf_counter()
    md, page = markdown(report), html(report)
    t3 = time.perf_counter()
    engine.dispose()
    return {"insert": inserted, "build": t2 - t1, "render": t3 - t2, "active": report.periods[0].figures.active, "bytes": len(md) + len(page)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--pg-url", help="An existing, empty PostgreSQL database.")
    args = parser.parse_args()
    n = 10_000 if args.quick else 100_000
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(("SQLite (file, WAL)", measure(f"sqlite:///{tmp}/economy.db", n)))
    server = None
    url = args.pg_url
    if url is None:
        from tests.register_fixtures import PostgresServer, _pg_bin

        bindir = _pg_bin()
        if bindir is not None:
            server = PostgresServer(bindir)
            url = server.new_database()
    try:
        if url is not None:
            results.append(("PostgreSQL (psycopg 3, local)", measure(url, n)))
    finally:
        if server is not None:
            server.stop()
    print("| database | decisions | active in 2026Q4 | bulk insert (s) | build report, quarter + 3 months (s) | render Markdown + HTML (s) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, r in results:
        print(f"| {name} | {n:,} | {r['active']:,.0f} | {r['insert']:.2f} | {r['build']:.2f} | {r['render']:.3f} |")
    if url is None:
        print("| PostgreSQL | – | – | – | skipped: no PostgreSQL binaries and no --pg-url | – |")


if __name__ == "__main__":
    main()
