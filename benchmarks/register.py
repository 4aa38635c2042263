"""Records per second into the register: SQLite and PostgreSQL, 1 and 8 concurrent writers.

    python benchmarks/register.py            # 2,000 decisions per configuration
    python benchmarks/register.py --quick    # a smoke run (200)
    python benchmarks/register.py --pg-url postgresql+psycopg://kp@127.0.0.1/kp   # an existing server

Without --pg-url a throw-away PostgreSQL server is started from the installed binaries (as the
tests do); without those binaries the PostgreSQL rows are skipped and say so. Each write is one
`Register.record_decision` (one transaction, committed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kompetenceplan.plan import load_plans  # noqa: E402
from kompetenceplan.store.db import make_engine, upgrade  # noqa: E402
from kompetenceplan.store.register import Register  # noqa: E402

ON = dt.date(2026, 12, 1)


def measure(url: str, total: int, writers: int) -> float:
    """Decisions per second with ``writers`` threads sharing ``total`` records."""
    plans = load_plans(ROOT / "rules" / "nyborg")
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    reg = Register(url)
    per = total // writers
    from kompetenceplan.tilsyn.generate import person

    ACTOR = person("BEN")

    def work(w: int) -> None:
        for i in range(per):
            reg.record_decision(
                plans,
                case_ref=f"B-{w}-{i}",
                team="Bench",
                level="leder",
                actor=ACTOR,
                decided_on=ON,
                outcome="bevilget",
                paragraph="bl-32-1-2",
                step=3,
                monthly_cost=1000,
                start=ON,
                required_level="team",
            )

    threads = [threading.Thread(target=work, args=(w,)) for w in range(writers)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    stored = len(reg.decisions())
    reg.close()
    if stored != per * writers:
        raise SystemExit(f"lost records: {stored} != {per * writers}")
    return per * writers / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--pg-url", help="An existing PostgreSQL database (its tables are created/used).")
    args = parser.parse_args()
    total = 200 if args.quick else 2000
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for writers in (1, 8):
            rows.append(("SQLite (file, WAL)", writers, measure(f"sqlite:///{tmp}/bench-{writers}.db", total, writers)))
    server = None
    pg_urls: list[str] = []
    if args.pg_url:
        pg_urls = [args.pg_url, args.pg_url]
    else:
        from tests.register_fixtures import PostgresServer, _pg_bin

        bindir = _pg_bin()
        if bindir is not None:
            server = PostgresServer(bindir)
            pg_urls = [server.new_database(), server.new_database()]
    try:
        for writers, url in zip((1, 8), pg_urls, strict=False):
            rows.append(("PostgreSQL (psycopg 3, local)", writers, measure(url, total, writers)))
    finally:
        if server is not None:
            server.stop()
    print(f"| database | writers | decisions/s ({total} records) |")
    print("|---|---|---|")
    for name, writers, rate in rows:
        print(f"| {name} | {writers} | {rate:,.0f} |")
    if not pg_urls:
        print("| PostgreSQL | – | skipped: no PostgreSQL binaries and no --pg-url |")


if __name__ == "__main__":
    main()
