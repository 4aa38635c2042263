"""The large registers `register_scale.py` measures, built once and kept (benchmark code; the
generator itself is `kompetenceplan.tilsyn.scale`).

    python benchmarks/scale_cache.py --sizes 10k,100k,1m --databases sqlite,postgresql   # build what is missing
    python benchmarks/scale_cache.py --list

The cache is a folder outside git: ``$KOMPETENCEPLAN_BENCH_CACHE``, else
``/var/tmp/kompetenceplan-register-scale`` (a place the ``postgres`` user can reach when the
benchmark runs as root). One subfolder per generator version and size, holding the plan
folder the history was routed with, ``register.db`` (SQLite) and ``pg/`` (a PostgreSQL data
directory with the database ``kp``), each with a ``*.done.json`` written last: a build that
was interrupted has none and is built again. A cached register is migrated to the program's
schema when it is opened (`db upgrade`, as a municipality's register is after an update), so
a new migration does not need a new build.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kompetenceplan.tilsyn.scale import GENERATOR_VERSION  # noqa: E402

CACHE_ENV = "KOMPETENCEPLAN_BENCH_CACHE"
#: The history ends here (the draw of 2026Q4 on 1 December 2026 is the one the benchmark makes).
END = dt.date(2026, 11, 30)
TODAY = dt.date(2026, 12, 4)
#: A municipality 160 times the medium one (about 8,500 new interventions a month); the sizes
#: differ in the length of its history only, so a page whose cost is flat in the history is flat here.
SCALE = 160
#: size -> months of history ending at END (and the decisions that gives, roughly).
SIZES = {"10k": 1, "100k": 12, "1m": 123}
DATABASES = ("sqlite", "postgresql")


def cache_root() -> Path:
    # /var/tmp: the built registers outlive a reboot (hours to build the largest); the env var moves them.
    return Path(os.environ.get(CACHE_ENV) or "/var/tmp/kompetenceplan-register-scale")  # noqa: S108 - a cache, not a temporary file


def folder(size: str) -> Path:
    return cache_root() / f"v{GENERATOR_VERSION}-x{SCALE}-{size}"


def history_plans(target: Path) -> Path:
    """A plan folder with a version 2016.1 (the Nyborg rules, 2016–2025) and the bundled 2026.1,
    with the deadline rules beside it (``<folder>-frister.toml``, as `frister.rules_for` looks)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / "rules" / "nyborg-frister.toml", target.with_name(f"{target.name}-frister.toml"))
    if (target / "2026.1").exists():
        return target
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")  # two builds at once each write their own
    for version in ("2016.1", "2026.1"):
        shutil.copytree(ROOT / "rules" / "nyborg", tmp / version, ignore=shutil.ignore_patterns("scenarier"))
    plan = tmp / "2016.1" / "plan.toml"
    text = plan.read_text(encoding="utf-8")
    text = re.sub(r'(?m)^version = ".*"$', 'version = "2016.1"', text)
    text = re.sub(r"(?m)^valid_from = .*$", "valid_from = 2016-01-01\nvalid_to = 2025-12-31", text)
    plan.write_text(text, encoding="utf-8")
    try:
        tmp.rename(target)
    except OSError:  # the other build was first: its folder is the same
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class CachedPostgres:
    """A PostgreSQL server on a data directory that is kept between runs (``pg_ctl`` from the
    installed binaries, loopback only). fsync is off, as in the tests: the write rates are an
    upper bound, the same for an empty and a full register."""

    def __init__(self, home: Path) -> None:
        from tests.register_fixtures import _pg_bin

        bindir = _pg_bin()
        if bindir is None:
            raise RuntimeError("PostgreSQL-binærerne (initdb/pg_ctl) mangler")
        self.bindir, self.home, self.data = bindir, home, home / "data"
        self.as_root = os.geteuid() == 0
        self.port = _free_port()
        if not (self.data / "PG_VERSION").exists():
            shutil.rmtree(home, ignore_errors=True)
            home.mkdir(parents=True)
            if self.as_root:
                shutil.chown(home, "postgres", "postgres")
            self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale")
        # jit off: PostgreSQL compiles a query it thinks expensive (≈ 0.3 s here), which the
        # report queries of a large register then pay on every run (docs/performance.md)
        opts = f"-p {self.port} -k {home} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300 -c shared_buffers=512MB -c work_mem=16MB -c jit=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(home / "log"), "-o", opts, "-w", "-t", "300", "start")

    def _run(self, tool: str, *args: str) -> None:
        cmd = [str(self.bindir / tool), *args]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=600)

    def url(self, database: str = "kp") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create(self, database: str = "kp") -> str:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {database}")
            conn.execute(f"CREATE DATABASE {database}")
        return self.url(database)

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")


def _done(size: str, database: str) -> Path:
    return folder(size) / f"{database}.done.json"


def built(size: str, database: str) -> dict[str, Any] | None:
    marker = _done(size, database)
    return json.loads(marker.read_text(encoding="utf-8")) if marker.exists() else None


def start_of(size: str) -> dt.date:
    start = END.replace(day=1)
    for _ in range(SIZES[size] - 1):
        start = (start - dt.timedelta(days=1)).replace(day=1)
    return start


def _build_into(url: str, size: str) -> dict[str, Any]:
    from kompetenceplan.plan import load_plans
    from kompetenceplan.store.db import make_engine, upgrade
    from kompetenceplan.store.register import Register
    from kompetenceplan.tilsyn.config import load_config
    from kompetenceplan.tilsyn.scale import build

    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    plans = load_plans(history_plans(folder(size) / "plans"))
    config = load_config(ROOT / "rules" / "nyborg-tilsyn.toml")
    t0 = time.perf_counter()
    with Register(url) as reg:
        made = build(reg, plans, config, start=start_of(size), months=SIZES[size], scale=SCALE, seed=1)
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in asdict(made).items()} | {
        "build_seconds": round(time.perf_counter() - t0, 1),
        "built_at": dt.datetime.now(dt.UTC).isoformat(),
    }


def build_sqlite(size: str) -> dict[str, Any]:
    found = built(size, "sqlite")
    if found:
        return found
    folder(size).mkdir(parents=True, exist_ok=True)
    path = folder(size) / "register.db"
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    made = _build_into(f"sqlite:///{path}", size)
    _done(size, "sqlite").write_text(json.dumps(made, indent=2), encoding="utf-8")
    return made


def build_postgres(size: str) -> dict[str, Any]:
    found = built(size, "postgresql")
    if found:
        return found
    folder(size).mkdir(parents=True, exist_ok=True)
    server = CachedPostgres(folder(size) / "pg")
    try:
        made = _build_into(server.create(), size)
    finally:
        server.stop()
    _done(size, "postgresql").write_text(json.dumps(made, indent=2), encoding="utf-8")
    return made


def sqlite_url(size: str) -> str:
    return f"sqlite:///{folder(size) / 'register.db'}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=",".join(SIZES))
    parser.add_argument("--databases", default=",".join(DATABASES))
    parser.add_argument("--list", action="store_true", help="What is built, and nothing else.")
    args = parser.parse_args(argv)
    sizes, databases = args.sizes.split(","), args.databases.split(",")
    for size in sizes:
        for database in databases:
            if args.list:
                print(size, database, json.dumps(built(size, database)))
                continue
            t = time.perf_counter()
            made = build_sqlite(size) if database == "sqlite" else build_postgres(size)
            print(f"{size} {database}: {json.dumps(made)} ({time.perf_counter() - t:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
