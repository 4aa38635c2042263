"""Pages, lists, reports and writes on ten years of a large municipality's register, on SQLite
and PostgreSQL, and the engine's ratios — all in one run (issue 29). Prints Markdown tables;
``--json FILE`` writes every figure. No timing is asserted anywhere: this is a report.

    python benchmarks/scale_cache.py                         # once: build the registers (minutes to an hour)
    python benchmarks/register_scale.py --json scale.json    # everything (about an hour on 2 busy cores)
    python benchmarks/register_scale.py --parts pages --sizes 10k,1m --databases postgresql
    python benchmarks/register_scale.py --quick              # a smoke run on a small register built in a temp folder

Parts (``--parts``, default all): ``engine`` (benchmarks/run.py and cold_start.py in their own
processes: decide() and check() against raw durable post, cold start against the import floor),
``pages`` (every page and list endpoint that reads the register: p50/p95 with one client, p50/p99
with 32 clients, at each size: the scaling table), ``reports`` (the ledelsestilsyn's report, the
økonomisk tilsyn's report and the quarter's draw at the largest size), ``frister`` (the deadline
worklist and the status report, up to `FRISTER_UP_TO` decisions), ``writes`` (a decision, an
agenda item and an outcome on an empty register and on the largest, alternately), ``workers``
(``POST /route`` with one worker and with two sharing PostgreSQL, alternately; then writers in
both workers at once on one meeting, checked for anomalies).

The service runs as ``kompetenceplan serve`` in its own process (uvicorn, one worker unless
said otherwise); the clients in another (this script with ``--client``): asyncio, one keep-alive
connection per client. Every figure carries the load average of the machine when it was taken:
the machine is shared, so compare figures of the same run, and prefer the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale_cache  # noqa: E402

PAGES_ONE = 40  # requests with one client (p95)
PAGES_MANY = 640  # requests shared by 32 clients (p99)
#: The agenda and minutes as PDF (WeasyPrint renders each, a second or so of CPU on this machine):
#: fewer requests, so the crowd's p99 is nearly its maximum.
PDF_ONE, PDF_MANY = 10, 64
CLIENTS = 32
QUARTER = "2026Q3"  # drawn, answered, with payments
NEW_QUARTER = "2026Q4"  # drawn by the benchmark (and removed again)


# -- the machine ------------------------------------------------------------------------------------


def load() -> float:
    return round(os.getloadavg()[0], 2)


def machine() -> dict[str, Any]:
    model = ""
    with suppress(OSError):
        model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), "")
    mem = ""
    with suppress(OSError):
        mem = next((line.split(":", 1)[1].strip() for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")), "")
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory": mem,
        "python": platform.python_version(),
        "system": platform.platform(),
        "sqlite": __import__("sqlite3").sqlite_version,
        "postgresql": _pg_version(),
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "load_at_start": load(),
    }


def _pg_version() -> str:
    from tests.register_fixtures import _pg_bin

    found = _pg_bin()
    if found is None:
        return "-"
    return subprocess.run([str(found / "postgres"), "--version"], capture_output=True, text=True, check=False).stdout.strip()


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


# -- the client (its own process) ------------------------------------------------------------------


async def _one_client(port: int, requests: list[bytes], count: int, start: int, out: list[tuple[float, int, int]], check: Callable[[int, bytes], bool]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for i in range(count):
            index = (start + i) % len(requests)
            t0 = time.perf_counter()
            writer.write(requests[index])
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            chunked = False
            for line in head.split(b"\r\n"):
                lower = line.lower()
                if lower.startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
                elif lower.startswith(b"transfer-encoding:") and b"chunked" in lower:
                    chunked = True
            if chunked:
                body = b""
                while True:
                    size = int((await reader.readuntil(b"\r\n")).strip(), 16)
                    chunk = await reader.readexactly(size + 2)
                    if size == 0:
                        break
                    body += chunk[:-2]
            else:
                body = await reader.readexactly(length)
            elapsed = time.perf_counter() - t0
            out.append((elapsed, status, 0 if check(index, body) else 1))
    finally:
        writer.close()


def run_client(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec``: port, requests (method, path, body, headers), clients, total; expected (index ->
    a byte string every good answer contains), optional."""
    port = spec["port"]
    encoded = []
    for method, path, body, headers in spec["requests"]:
        data = (body or "").encode()
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: keep-alive\r\n"
        for k, v in (headers or {}).items():
            head += f"{k}: {v}\r\n"
        if body is not None:
            head += f"Content-Length: {len(data)}\r\n"
        encoded.append(head.encode() + b"\r\n" + data)
    expected = {int(k): v.encode() for k, v in (spec.get("expected") or {}).items()}

    def check(index: int, body: bytes) -> bool:
        want = expected.get(index)
        return want is None or want in body

    clients, total = spec["clients"], spec["total"]
    out: list[tuple[float, int, int]] = []

    async def main() -> float:
        per = [total // clients + (1 if c < total % clients else 0) for c in range(clients)]
        t0 = time.perf_counter()
        await asyncio.gather(*(_one_client(port, encoded, n, c * 7, out, check) for c, n in enumerate(per) if n))
        return time.perf_counter() - t0

    cpu0 = time.process_time()
    wall = asyncio.run(main())
    latencies = [t for t, _, _ in out]
    statuses: dict[str, int] = {}
    for _, s, _ in out:
        statuses[str(s)] = statuses.get(str(s), 0) + 1
    return {
        "requests": len(out),
        "seconds": wall,
        "per_s": len(out) / wall if wall else 0.0,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p95_ms": percentile(latencies, 95) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "max_ms": max(latencies) * 1000 if latencies else float("nan"),
        "statuses": statuses,
        "wrong": sum(w for _, _, w in out),
        "client_cpu_s": time.process_time() - cpu0,
    }


def client(spec: dict[str, Any]) -> dict[str, Any]:
    """Run `run_client` in its own process (so the client never shares the service's GIL)."""
    done = subprocess.run([sys.executable, __file__, "--client"], input=json.dumps(spec), capture_output=True, text=True, check=True, cwd=ROOT)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


# -- the service ------------------------------------------------------------------------------------


def _free_port() -> int:
    return scale_cache._free_port()


@contextmanager
def service(plans: Path, db_url: str, *extra: str) -> Iterator[int]:
    """``kompetenceplan serve --db URL`` on a free loopback port, until the block ends."""
    port = _free_port()
    log = tempfile.NamedTemporaryFile(prefix="kp-scale-serve-", suffix=".log", delete=False)  # noqa: SIM115 - read on failure, removed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "kompetenceplan", "serve", "--plan", str(plans), "--db", db_url, "--port", str(port), "--no-access-log", *extra],
        stdout=subprocess.DEVNULL,
        stderr=log,  # a file, never a pipe nobody reads (a full pipe stops the service)
        cwd=ROOT,
    )
    deadline = time.monotonic() + 180
    try:
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10).read()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    proc.kill()
                    raise RuntimeError(f"the service did not start: {Path(log.name).read_text(errors='replace')[-2000:]}") from None
                time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        Path(log.name).unlink(missing_ok=True)


# -- the registers ------------------------------------------------------------------------------------


@contextmanager
def register_url(size: str, database: str, quick_dir: Path | None = None) -> Iterator[str]:
    """The cached register of ``size`` on ``database``, migrated to this program's schema."""
    from kompetenceplan.store.db import make_engine, upgrade

    server = None
    if quick_dir is not None:
        url = _quick_register(quick_dir, database)
    elif database == "sqlite":
        scale_cache.build_sqlite(size)
        url = scale_cache.sqlite_url(size)
    else:
        scale_cache.build_postgres(size)
        server = scale_cache.CachedPostgres(scale_cache.folder(size) / "pg")
        url = server.url()
    try:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
    finally:
        if server is not None:
            server.stop()


_QUICK: dict[str, str] = {}


def _quick_register(folder: Path, database: str) -> str:
    """A small register (two months of a municipality twice the medium size) for --quick."""
    if database in _QUICK:
        return _QUICK[database]
    from kompetenceplan.plan import load_plans
    from kompetenceplan.store.db import make_engine, upgrade
    from kompetenceplan.store.register import Register
    from kompetenceplan.tilsyn.config import load_config
    from kompetenceplan.tilsyn.scale import build

    if database == "sqlite":
        url = f"sqlite:///{folder / 'quick.db'}"
    else:
        from tests.register_fixtures import PostgresServer, _pg_bin

        bindir = _pg_bin()
        assert bindir is not None
        server = PostgresServer(bindir)
        _SERVERS.append(server)
        url = server.new_database()
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    plans = load_plans(scale_cache.history_plans(folder / "plans"))
    with Register(url) as reg:
        build(reg, plans, load_config(ROOT / "rules" / "nyborg-tilsyn.toml"), start=dt.date(2026, 5, 1), months=7, scale=2, seed=1)
    _QUICK[database] = url
    return url


_SERVERS: list[Any] = []


def plans_dir(size: str, quick_dir: Path | None) -> Path:
    return scale_cache.history_plans((quick_dir or scale_cache.folder(size)) / "plans")


def counts(url: str) -> dict[str, int]:
    from sqlalchemy import func, select

    from kompetenceplan.store.db import make_engine
    from kompetenceplan.store.tables import case_events, decisions, meeting_items, meetings, payments, routings, tilsyn_answers, tilsyn_draws

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in (decisions, routings, meetings, meeting_items, tilsyn_draws, tilsyn_answers, payments, case_events)}
    finally:
        engine.dispose()


# -- pages and lists ----------------------------------------------------------------------------------

#: Every GET route that reads the register, and the part of this benchmark that measures it
#: (tests/test_register_scale.py holds it equal to the routes of `service.permissions.ROUTES`).
MEASURED = {
    "/moede": "pages",
    "/moede/{meeting_id}": "pages",
    "/moede/{meeting_id}/dagsorden": "pages",
    "/moede/{meeting_id}/referat": "pages",
    "/moede/{meeting_id}/dagsorden.pdf": "pages",
    "/moede/{meeting_id}/referat.pdf": "pages",
    "/indstilling": "pages",
    "/tilsyn": "pages",
    "/tilsyn/{quarter}": "pages",
    "/admin/adgangslog": "pages",
    "/register/decisions": "pages",
    "/meetings": "pages",
    "/meetings/{meeting_id}/agenda": "pages",
    "/meetings/{meeting_id}/minutes": "pages",
    "/deadlines/cases/{case_ref}/events": "pages",
    "/tilsyn/{quarter}/rapport": "reports (the ledelsestilsyn's report)",
    "/oekonomi": "reports (the økonomisk tilsyn's report)",
    "/frister": "frister (the worklist of the whole department)",
}


def endpoints(url: str) -> list[tuple[str, str]]:
    """(label, path) of every page and list endpoint that reads the register, with ids and keys
    from the register itself: a meeting in the middle of the history, a page key in the middle."""
    from sqlalchemy import func, select

    from kompetenceplan.service.register_api import marker
    from kompetenceplan.store.db import make_engine
    from kompetenceplan.store.tables import decisions, meeting_items, meetings, tilsyn_draws

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            n = conn.execute(select(func.count()).select_from(meetings)).scalar_one()
            with_items = select(meeting_items.c.meeting_id).group_by(meeting_items.c.meeting_id).having(func.count() >= 5)
            mid = conn.execute(select(meetings.c.id).where(meetings.c.id.in_(with_items), meetings.c.id >= n // 2).order_by(meetings.c.id).limit(1)).scalar()
            mid = mid or conn.execute(select(meetings.c.id).order_by(meetings.c.id.desc()).limit(1)).scalar()
            mkey = conn.execute(select(meetings.c.meeting_date, meetings.c.id).order_by(meetings.c.meeting_date, meetings.c.id).offset(n // 2).limit(1)).first()
            total = conn.execute(select(func.count()).select_from(decisions)).scalar_one()
            dkey = conn.execute(select(decisions.c.decided_on, decisions.c.id).order_by(decisions.c.decided_on, decisions.c.id).offset(total // 2).limit(1)).first()
            assert mkey is not None, "the register has no meetings"
            assert dkey is not None, "the register has no decisions"
            drawn = sorted(conn.execute(select(tilsyn_draws.c.quarter)).scalars())
            case = conn.execute(select(decisions.c.case_ref).where(decisions.c.id == dkey[1])).scalar_one()
    finally:
        engine.dispose()
    out = [
        ("/moede (meeting list page)", "/moede"),
        ("/moede/{id} (a meeting's agenda page)", f"/moede/{mid}"),
        ("/moede/{id}/dagsorden (printable agenda)", f"/moede/{mid}/dagsorden"),
        ("/moede/{id}/referat (printable minutes)", f"/moede/{mid}/referat"),
        ("/moede/{id}/dagsorden.pdf (the agenda as PDF)", f"/moede/{mid}/dagsorden.pdf"),
        ("/moede/{id}/referat.pdf (the minutes as PDF)", f"/moede/{mid}/referat.pdf"),
        ("/indstilling (with the coming meetings)", "/indstilling"),
        ("/tilsyn (the draws)", "/tilsyn"),
        ("/admin/adgangslog (the search form)", "/admin/adgangslog"),
        ("GET /register/decisions (first page)", "/register/decisions"),
        ("GET /register/decisions?after= (a page in the middle)", f"/register/decisions?after={marker(*dkey)}"),
        ("GET /register/decisions?team= (a team's page)", f"/register/decisions?team=Team%20Syd&after={marker(*dkey)}"),
        ("GET /register/decisions?overskridelser=true", "/register/decisions?overskridelser=true"),
        ("GET /register/decisions?team= (no such team)", "/register/decisions?team=Team%20Ukendt"),
        ("GET /meetings (first page)", "/meetings"),
        ("GET /meetings?after= (a page in the middle)", f"/meetings?after={marker(*mkey)}"),
        ("GET /meetings/{id}/agenda", f"/meetings/{mid}/agenda"),
        ("GET /meetings/{id}/minutes", f"/meetings/{mid}/minutes"),
        ("GET /deadlines/cases/{case}/events (a case's events)", f"/deadlines/cases/{case}/events"),
    ]
    if drawn:
        out.insert(6, ("/tilsyn/{quarter} (a drawn quarter)", f"/tilsyn/{drawn[-1]}"))
    return out


def _get(path: str) -> tuple[str, str, None, dict[str, str]]:
    return ("GET", path, None, {"Accept": "application/json" if not path.startswith(("/moede", "/indstilling", "/tilsyn", "/admin")) else "text/html"})


def measure_pages(url: str, plans: Path, quick: bool) -> list[dict[str, Any]]:
    rows = []
    one, many = (6, 64) if quick else (PAGES_ONE, PAGES_MANY)
    with service(plans, url) as port:
        for label, path in endpoints(url):
            client({"port": port, "requests": [_get(path)], "clients": 1, "total": 3})  # warm-up
            before = load()
            pdf = path.endswith(".pdf") and not quick
            single = client({"port": port, "requests": [_get(path)], "clients": 1, "total": PDF_ONE if pdf else one})
            crowd = client({"port": port, "requests": [_get(path)], "clients": CLIENTS, "total": PDF_MANY if pdf else many})
            rows.append({"label": label, "path": path, "one": single, "many": crowd, "load": [before, load()]})
            print(
                f"    {label}: p95 {single['p95_ms']:.1f} ms (1 client), p99 {crowd['p99_ms']:.0f} ms ({CLIENTS} clients), statuses {single['statuses']} {crowd['statuses']}, load {before}", flush=True
            )
    return rows


# -- reports ------------------------------------------------------------------------------------------


def _backend_cpu(engine: Any) -> float:
    """CPU seconds the database server spent for ``engine``'s one connection (PostgreSQL on this
    machine: /proc of the backend process); 0 for SQLite (its work is this process's)."""
    if engine.dialect.name != "postgresql":
        return 0.0
    with engine.connect() as conn:
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _best(fn: Callable[[], Any], repeats: int, engine: Any = None) -> tuple[float, float, Any, float]:
    """(best, median wall seconds, the result, best CPU seconds of this process and the database
    backend): the CPU time is what the work costs apart from waiting for a busy machine's cores."""
    times, cpus, result = [], [], None
    for _ in range(repeats):
        cpu0, db0 = time.process_time(), _backend_cpu(engine) if engine is not None else 0.0
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - cpu0 + ((_backend_cpu(engine) - db0) if engine is not None else 0.0))
    return min(times), statistics.median(times), result, min(cpus)


def _single_connection(url: str) -> Any:
    """An engine of one pooled connection (so the server's CPU time can be read for it)."""
    from sqlalchemy import create_engine

    from kompetenceplan.store.db import make_engine

    return make_engine(url) if url.startswith("sqlite") else create_engine(url, pool_size=1, max_overflow=0)


def measure_reports(url: str, plans_path: Path, quick: bool) -> dict[str, Any]:
    from sqlalchemy import delete, select

    from kompetenceplan.plan import load_plans
    from kompetenceplan.store.register import Register
    from kompetenceplan.store.tables import tilsyn_answers, tilsyn_draws, tilsyn_items, tilsyn_results
    from kompetenceplan.tilsyn import economy, report
    from kompetenceplan.tilsyn.config import load_config
    from kompetenceplan.tilsyn.draw import draw, draws
    from kompetenceplan.tilsyn.generate import person

    plans = load_plans(plans_path)
    config = load_config(ROOT / "rules" / "nyborg-tilsyn.toml")
    repeats = 1 if quick else 3
    out: dict[str, Any] = {}
    with Register(url, engine=_single_connection(url)) as reg:
        drawn = draws(reg)
        quarter = QUARTER if QUARTER in drawn else (drawn[-1] if drawn else None)
        if quarter is not None:

            def ledelsestilsyn() -> str:
                built = report.build_report(reg, config, quarter)
                return report.render_html(built, config) + report.render_markdown(built, config)

            before = load()
            best, median, _, cpu = _best(ledelsestilsyn, repeats, reg.engine)
            out["ledelsestilsyn_report"] = {
                "quarter": quarter,
                "best_s": best,
                "median_s": median,
                "cpu_s": cpu,
                "load": before,
                "what": "built once, rendered as HTML and Markdown, with the 8-quarter trend",
            }
        q = economy.parse_quarter(QUARTER)
        before = load()
        best, median, _, cpu = _best(lambda: economy.html(economy.build_report(reg.engine, plans, q, monthly=True, today=scale_cache.TODAY)), repeats, reg.engine)
        out["oekonomi_report"] = {"quarter": QUARTER, "best_s": best, "median_s": median, "cpu_s": cpu, "load": before, "what": "the quarter and its 3 months, with payments, HTML"}
        # the draw of a new quarter, removed again so the cached register stays as built
        before = load()
        seconds, _, found, cpu = _best(lambda: draw(reg, plans, config, NEW_QUARTER, actor=person("BEN"), seed=7, today=scale_cache.TODAY), 1, reg.engine)
        out["draw"] = {"quarter": NEW_QUARTER, "seconds": seconds, "cpu_s": cpu, "population": found.population_size, "sample": len(found.items), "load": before}
        with reg.engine.begin() as conn:
            items = select(tilsyn_items.c.id).where(tilsyn_items.c.draw_id == found.id)
            conn.execute(delete(tilsyn_answers).where(tilsyn_answers.c.item_id.in_(items)))
            conn.execute(delete(tilsyn_results).where(tilsyn_results.c.item_id.in_(items)))
            conn.execute(delete(tilsyn_items).where(tilsyn_items.c.draw_id == found.id))
            conn.execute(delete(tilsyn_draws).where(tilsyn_draws.c.id == found.id))
    return out


# -- deadlines (issue 26) -------------------------------------------------------------------------------

#: The deadline worklist and the status report read every event and decision up to their day, and
#: the deadline engine compares each of a case's events with all its others: measured once per
#: size up to this many decisions (a run at 1,000,000 would take hours; docs/performance.md).
FRISTER_UP_TO = 200_000


def measure_frister(url: str, plans_path: Path, decisions: int) -> dict[str, Any]:
    """The worklist of the whole department (what /frister shows) and the status report for
    QUARTER with its trend, each once, in this process (wall and CPU seconds)."""
    from kompetenceplan.frister.rules import rules_for
    from kompetenceplan.frister.status import build_status
    from kompetenceplan.frister.worklist import worklist
    from kompetenceplan.plan import load_plans

    if decisions > FRISTER_UP_TO:
        return {"skipped": f"not run above {FRISTER_UP_TO:,} decisions"}
    rules = rules_for(load_plans(plans_path))
    assert rules is not None, "the deadline rules beside the plan folder"
    engine = _single_connection(url)
    try:
        before = load()
        seconds, _, found, cpu = _best(lambda: worklist(engine, rules, on=scale_cache.TODAY), 1, engine)
        out: dict[str, Any] = {"worklist": {"seconds": seconds, "cpu_s": cpu, "items": len(found.items), "load": before}}
        before = load()
        seconds, _, _, cpu = _best(lambda: build_status(engine, rules, QUARTER, today=scale_cache.TODAY), 1, engine)
        out["statusrapport"] = {"quarter": QUARTER, "seconds": seconds, "cpu_s": cpu, "load": before}
    finally:
        engine.dispose()
    return out


# -- writes ------------------------------------------------------------------------------------------


WRITE_PREFIX = "W-"


def _write_round(url: str, plans: Any, n: int, tag: str) -> dict[str, float]:
    """``n`` decisions, ``n`` agenda items (in meetings of 10) and ``n`` outcomes through the library; rates per second."""
    from kompetenceplan.meetings import committee
    from kompetenceplan.store.register import Register
    from kompetenceplan.tilsyn.generate import person

    actor = person("BEN")
    day = dt.date(2026, 12, 2)
    sub = json.loads((ROOT / "examples" / "submissions" / "plejefamilie-46-klar.json").read_text(encoding="utf-8"))
    out = {}
    with Register(url) as reg:
        t0 = time.perf_counter()
        for i in range(n):
            reg.record_decision(
                plans,
                actor=actor,
                case_ref=f"{WRITE_PREFIX}{tag}-{i}",
                team="Team Syd",
                level="leder",
                decided_on=day,
                outcome="bevilget",
                paragraph="bl-32-1-2",
                step=3,
                monthly_cost=1000 + i,
                start=day,
                required_level="team",
            )
        out["decision_per_s"] = n / (time.perf_counter() - t0)
        meetings = [committee.new_meeting(reg, plans, day, "boerne_og_ungeudvalg", f"Benchmark {tag} {m}", actor=actor).id for m in range(max(1, n // 10))]
        t0 = time.perf_counter()
        for i in range(n):
            committee.add_submission(reg, plans, meetings[i % len(meetings)], sub, case_ref=f"{WRITE_PREFIX}{tag}-s{i}", actor=actor)
        out["item_per_s"] = n / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        for i in range(n):
            committee.record_outcome(reg, plans, meetings[i % len(meetings)], i // len(meetings) + 1, "bevilget", "", actor=actor)
        out["outcome_per_s"] = n / (time.perf_counter() - t0)
    return out


def _remove_writes(url: str) -> None:
    """The benchmark's own rows out of a cached register again: its meetings (titled
    "Benchmark …") with their items, agendas and outcomes, the decisions those outcomes
    registered, and the decisions it recorded (case references W-…)."""
    from sqlalchemy import delete, or_, select

    from kompetenceplan.store.db import make_engine
    from kompetenceplan.store.tables import agendas, decision_retractions, decisions, meeting_items, meetings, outcomes

    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            mine = list(conn.execute(select(meetings.c.id).where(meetings.c.title.like("Benchmark %"))).scalars())
            theirs = list(conn.execute(select(outcomes.c.decision_id).where(outcomes.c.meeting_id.in_(mine), outcomes.c.decision_id.is_not(None))).scalars()) if mine else []
            ours = list(conn.execute(select(decisions.c.id).where(or_(decisions.c.case_ref.like(f"{WRITE_PREFIX}%"), decisions.c.id.in_(theirs)))).scalars())
            for i in range(0, len(ours), 5000):
                conn.execute(delete(decision_retractions).where(decision_retractions.c.decision_id.in_(ours[i : i + 5000])))
            if mine:
                for table in (outcomes, agendas, meeting_items):
                    conn.execute(delete(table).where(table.c.meeting_id.in_(mine)))
                conn.execute(delete(meetings).where(meetings.c.id.in_(mine)))
            for i in reversed(range(0, len(ours), 5000)):  # newest first: a correction goes before what it corrects
                conn.execute(delete(decisions).where(decisions.c.id.in_(sorted(ours)[i : i + 5000])))
    finally:
        engine.dispose()


def measure_writes(size: str, database: str, quick: bool, quick_dir: Path | None) -> dict[str, Any]:
    from kompetenceplan.plan import load_plans
    from kompetenceplan.store.db import make_engine, upgrade

    n, rounds = (10, 1) if quick else (100, 3)
    plans = load_plans(plans_dir(size, quick_dir))
    results: dict[str, list[dict[str, float]]] = {"empty": [], "full": []}
    loads = []
    with tempfile.TemporaryDirectory() as tmp, register_url(size, database, quick_dir) as full_url:
        if database == "sqlite":
            empty_url = f"sqlite:///{tmp}/empty.db"
        else:
            import psycopg
            from sqlalchemy.engine import make_url

            u = make_url(full_url)
            with psycopg.connect(f"host={u.host} port={u.port} user=postgres dbname=postgres", autocommit=True) as conn:
                conn.execute("DROP DATABASE IF EXISTS kp_empty")
                conn.execute("CREATE DATABASE kp_empty")
            empty_url = u.set(database="kp_empty").render_as_string(hide_password=False)
        engine = make_engine(empty_url)
        upgrade(engine)
        engine.dispose()
        try:
            for r in range(rounds):  # alternately, so the machine's load hits both
                loads.append(load())
                results["empty"].append(_write_round(empty_url, plans, n, f"e{r}"))
                results["full"].append(_write_round(full_url, plans, n, f"f{r}"))
        finally:
            _remove_writes(full_url)
    out: dict[str, Any] = {"operations_per_round": n, "rounds": rounds, "load": loads}
    for what in ("decision_per_s", "item_per_s", "outcome_per_s"):
        empty = statistics.median(r[what] for r in results["empty"])
        full = statistics.median(r[what] for r in results["full"])
        out[what] = {"empty": empty, "full": full, "ratio": full / empty}
    return out


# -- several workers ------------------------------------------------------------------------------------


def _route_requests() -> tuple[list[tuple[str, str, str, dict[str, str]]], dict[str, str]]:
    from kompetenceplan import decide, load_plans

    plans = load_plans(ROOT / "rules" / "nyborg")
    requests, expected = [], {}
    for i, p in enumerate(sorted((ROOT / "examples" / "cases").glob("*.json"))):
        body = p.read_text(encoding="utf-8")
        level = decide(plans, json.loads(body)).level.id
        requests.append(("POST", "/route", body, {"Content-Type": "application/json"}))
        expected[str(i)] = f'"level": {{\n    "id": "{level}"'
    return requests, expected


def measure_workers(size: str, quick: bool, quick_dir: Path | None) -> dict[str, Any]:
    requests, expected = _route_requests()
    total, rounds, conns = (400, 1, 8) if quick else (6000, 3, 16)
    plans = plans_dir(size, quick_dir)
    out: dict[str, Any] = {"runs": [], "clients": conns, "requests": total}
    with register_url(size, "postgresql", quick_dir) as url:
        for _ in range(rounds):
            for workers in (1, 2):
                with service(plans, url, "--workers", str(workers)) as port:
                    client({"port": port, "requests": requests, "clients": conns, "total": 200, "expected": expected})  # warm-up (both workers)
                    before = load()
                    got = client({"port": port, "requests": requests, "clients": conns, "total": total, "expected": expected})
                    out["runs"].append(
                        {
                            "workers": workers,
                            "per_s": got["per_s"],
                            "p99_ms": got["p99_ms"],
                            "wrong": got["wrong"],
                            "statuses": got["statuses"],
                            "client_cpu_s": got["client_cpu_s"],
                            "seconds": got["seconds"],
                            "load": before,
                        }
                    )
                    print(f"    /route, {workers} worker(s): {got['per_s']:.0f} req/s, wrong {got['wrong']}, load {before}", flush=True)
        ones = [r["per_s"] for r in out["runs"] if r["workers"] == 1]
        twos = [r["per_s"] for r in out["runs"] if r["workers"] == 2]
        out["ratio"] = statistics.median(twos) / statistics.median(ones)
        out["ratios"] = [b / a for a, b in zip(ones, twos, strict=True)]
        out["wrong"] = sum(r["wrong"] for r in out["runs"])
        out["race"] = _race(url, plans, quick)
    return out


def _race(url: str, plans_path: Path, quick: bool) -> dict[str, Any]:
    """16 writers over HTTP (8 threads in each of 2 client processes) against 2 workers: items and
    outcomes on one meeting at once; then the register's invariants are checked."""
    from sqlalchemy import select

    from kompetenceplan.meetings import committee
    from kompetenceplan.plan import load_plans
    from kompetenceplan.store import decisions as decision_repo
    from kompetenceplan.store.register import Register
    from kompetenceplan.store.tables import decisions, outcomes
    from kompetenceplan.tilsyn.generate import person

    plans = load_plans(plans_path)
    rounds = 2 if quick else 6
    with Register(url) as reg:
        meeting = committee.new_meeting(reg, plans, dt.date(2026, 12, 3), "boerne_og_ungeudvalg", "Benchmark race", actor=person("BEN"))
    try:
        with service(plans_path, url, "--workers", "2") as port:
            procs = [subprocess.Popen([sys.executable, __file__, "--race", str(port), str(meeting.id), tag, str(rounds)], stdout=subprocess.PIPE, text=True, cwd=ROOT) for tag in "AB"]
            results = [json.loads(p.communicate(timeout=1200)[0]) for p in procs]
        with Register(url) as reg:
            agenda = committee.build_agenda(reg, plans, meeting.id)
            reported = {key: number for r in results for key, number in r["reported"]}
            with reg.engine.connect() as conn:
                rows = conn.execute(select(outcomes.c.item_key, outcomes.c.id, outcomes.c.corrects_id, outcomes.c.decision_id).where(outcomes.c.meeting_id == meeting.id)).all()
                corrected = {r.corrects_id for r in rows if r.corrects_id is not None}
                current = [r for r in rows if r.id not in corrected]
                ids = [r.decision_id for r in rows if r.decision_id]
                in_force = set(conn.execute(select(decisions.c.id).where(decisions.c.id.in_(ids), decision_repo.current())).scalars()) if ids else set()
                live = {r.item_key: {decision_repo.head(conn, x.decision_id) for x in rows if x.item_key == r.item_key and x.decision_id} & in_force for r in current}
        anomalies = {
            "renumbered": sum(1 for i in agenda.items if i.item_key in reported and reported[i.item_key] != i.number),
            "numbers_not_1_to_n": int(sorted(i.number for i in agenda.items) != list(range(1, len(agenda.items) + 1))),
            "forked_outcome_chains": len(current) - len({r.item_key for r in current}),
            "items_with_two_decisions_in_force": sum(1 for v in live.values() if len(v) > 1),
            "outcome_and_decision_disagree": sum(1 for r in current if bool(live[r.item_key]) != (r.decision_id is not None)),
        }
        return {
            "writers": 16,
            "rounds": rounds,
            "items": len(agenda.items),
            "outcomes": len(rows),
            "statuses": {k: sum(r["statuses"].get(k, 0) for r in results) for r in results for k in r["statuses"]},
            "anomalies": anomalies,
            "total_anomalies": sum(anomalies.values()),
        }
    finally:
        _remove_writes(url)


def race_client(port: int, meeting_id: int, tag: str, rounds: int) -> dict[str, Any]:
    """8 threads: each adds an item and records an outcome on one of the first three, ``rounds`` times."""
    import http.client

    sub = json.loads((ROOT / "examples" / "submissions" / "plejefamilie-46-klar.json").read_text(encoding="utf-8"))
    outcomes = ["bevilget", "udsat", "afslået", "sendt tilbage til rådgiver", "bevilget med ændringer"]
    reported: list[list[Any]] = []
    statuses: dict[str, int] = {}
    lock = threading.Lock()

    def post(conn: Any, path: str, body: Any) -> tuple[int, Any]:
        conn.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        data = response.read()
        with lock:
            statuses[str(response.status)] = statuses.get(str(response.status), 0) + 1
        return response.status, json.loads(data) if data else None

    def work(t: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        for i in range(rounds):
            status, added = post(conn, f"/meetings/{meeting_id}/items", {"submission": sub, "case_ref": f"{tag}-{t}-{i}"})
            if status == 200:
                with lock:
                    reported.append([added["item"]["item_key"], added["number"]])
            number = 1 + (t + i) % 3
            reason = "" if outcomes[(t * 7 + i) % 5] == "bevilget" else "Grund."
            post(conn, f"/meetings/{meeting_id}/items/{number}/outcome", {"outcome": outcomes[(t * 7 + i) % 5], "reason": reason})
        conn.close()

    # three items to record outcomes on, added once by the first client
    if tag == "A":
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        for n in range(3):
            post(conn, f"/meetings/{meeting_id}/items", {"submission": sub, "case_ref": f"{tag}-first-{n}"})
        conn.close()
    else:
        time.sleep(3)
    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return {"reported": reported, "statuses": statuses}


# -- the engine ------------------------------------------------------------------------------------------


def measure_engine(quick: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        before = load()
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--json", f"{tmp}/run.json", *(["--quick"] if quick else [])], check=True, cwd=ROOT, capture_output=True)
        run = json.loads(Path(f"{tmp}/run.json").read_text(encoding="utf-8"))
        out["run"] = {"load": [before, load()]}
        out["decide_vs_raw_post"] = run["decide_per_s"] / run["raw_post_per_s"]
        out["engine_call_vs_raw_post"] = run["engine_call_per_s"] / run["raw_post_per_s"]
        out["check_vs_raw_post"] = run["check_per_s"] / run["raw_post_per_s"]
        out["check_unremembered_vs_raw_post"] = run["check_unremembered_per_s"] / run["raw_post_per_s"]
        out["figures"] = {k: run[k] for k in ("decide_per_s", "raw_post_per_s", "engine_call_per_s", "reference_per_s", "check_per_s", "check_unremembered_per_s", "decide_p50_us", "decide_p99_us")}
        before = load()
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "cold_start.py"), "--runs", "5" if quick else "25", "--json", f"{tmp}/cold.json"], check=True, cwd=ROOT, capture_output=True)
        cold = json.loads(Path(f"{tmp}/cold.json").read_text(encoding="utf-8"))
        out["cold_start"] = {
            "ratio_median": cold["ratio_median"],
            "ratio_min": cold["ratio_min"],
            "route_median_ms": cold["route_median_ms"],
            "floor_median_ms": cold["floor_median_ms"],
            "load": [before, load()],
        }
        if (os.cpu_count() or 1) >= 2:
            small = ["--turns", "2", "--cases", "300"] if quick else []
            subprocess.run([sys.executable, str(ROOT / "benchmarks" / "engine_machine.py"), "--json", f"{tmp}/machine.json", *small], check=True, cwd=ROOT, capture_output=True)
            out["machine"] = json.loads(Path(f"{tmp}/machine.json").read_text(encoding="utf-8"))
    return out


# -- the report ------------------------------------------------------------------------------------------


def print_report(r: dict[str, Any]) -> None:  # noqa: C901 - one printed section per measurement, in the report's order
    m = r["machine"]
    print(f"\nMachine: {m['cpu']}, {m['cores']} cores, {m['memory']}; Python {m['python']}; SQLite {m['sqlite']}; {m['postgresql']}; started {m['started']}, load {m['load_at_start']}\n")
    if "registers" in r:
        print("| size | database | decisions | routings | meetings | agenda items | draws | answers | payments | case events |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for key, c in r["registers"].items():
            size, database = key.split("/")
            print(
                f"| {size} | {database} | {c['decisions']:,} | {c['routings']:,} | {c['meetings']:,} | {c['meeting_items']:,} | {c['tilsyn_draws']:,} | {c['tilsyn_answers']:,} | {c['payments']:,} |"
            )
    if "pages" in r:
        sizes = list(dict.fromkeys(k.split("/")[0] for k in r["pages"]))
        for database in dict.fromkeys(k.split("/")[1] for k in r["pages"]):
            print(f"\n**{database}**: p95 with one client / p99 with {CLIENTS} clients, ms (load average when measured)\n")
            print("| page or list | " + " | ".join(sizes) + " |\n|---|" + "---:|" * len(sizes))
            labels = [row["label"] for row in r["pages"][f"{sizes[-1]}/{database}"]]
            for label in labels:
                cells = []
                for size in sizes:
                    found = next((row for row in r["pages"].get(f"{size}/{database}", []) if row["label"] == label), None)
                    bad = "" if found is None or set(found["one"]["statuses"]) | set(found["many"]["statuses"]) <= {"200"} else " ⚠ " + json.dumps(found["many"]["statuses"])
                    cells.append("–" if found is None else f"{found['one']['p95_ms']:.0f} / {found['many']['p99_ms']:.0f} ({found['load'][0]:.1f}){bad}")
                print(f"| {label} | " + " | ".join(cells) + " |")
    if "reports" in r:
        print("\n| report | database | best | median | CPU (this process + database) | load |\n|---|---|---:|---:|---:|---:|")
        for key, rep in r["reports"].items():
            for what in ("ledelsestilsyn_report", "oekonomi_report"):
                if what in rep:
                    print(f"| {what} {rep[what]['quarter']} | {key} | {rep[what]['best_s']:.2f} s | {rep[what]['median_s']:.2f} s | {rep[what]['cpu_s']:.2f} s | {rep[what]['load']} |")
            print(
                f"| draw {rep['draw']['quarter']} (population {rep['draw']['population']:,}, sample {rep['draw']['sample']}) | {key} | {rep['draw']['seconds']:.2f} s | | {rep['draw']['cpu_s']:.2f} s | {rep['draw']['load']} |"
            )
    if "frister" in r:
        print("\n| deadlines (issue 26) | worklist (whole department) | status report with trend | load |\n|---|---:|---:|---|")
        for key, f in r["frister"].items():
            if "skipped" in f:
                print(f"| {key} | {f['skipped']} | | |")
            else:
                w, st = f["worklist"], f["statusrapport"]
                print(f"| {key} | {w['seconds']:.1f} s ({w['items']:,} open deadlines; CPU {w['cpu_s']:.1f} s) | {st['seconds']:.1f} s (CPU {st['cpu_s']:.1f} s) | {w['load']}, {st['load']} |")
    if "writes" in r:
        print("\n| write | database | empty register /s | full register /s | full ÷ empty | load |\n|---|---|---:|---:|---:|---|")
        for key, w in r["writes"].items():
            for what in ("decision_per_s", "item_per_s", "outcome_per_s"):
                print(f"| {what[:-6]} | {key} | {w[what]['empty']:.0f} | {w[what]['full']:.0f} | {w[what]['ratio']:.2f} | {w['load']} |")
    if "workers" in r:
        w = r["workers"]
        print(
            f"\n`POST /route`, {w['clients']} clients, {w['requests']} requests per run: 2 workers ÷ 1 worker = **{w['ratio']:.2f}** (runs: {', '.join(f'{x:.2f}' for x in w['ratios'])}); wrong answers {w['wrong']}"
        )
        for run in w["runs"]:
            print(f"- {run['workers']} worker(s): {run['per_s']:.0f} req/s, p99 {run['p99_ms']:.0f} ms, client CPU {run['client_cpu_s']:.1f} s of {run['seconds']:.1f} s, load {run['load']}")
        race = w["race"]
        print(
            f"\nwriters in 2 workers at once: {race['writers']} writers × {race['rounds']} rounds, {race['items']} items, {race['outcomes']} outcomes, statuses {race['statuses']}; anomalies {race['anomalies']} (total {race['total_anomalies']})"
        )
    if "engine" in r:
        e = r["engine"]
        print(
            f"\nengine: decide() {e['decide_vs_raw_post']:.2f} × raw post, check() {e['check_vs_raw_post']:.2f} × raw post "
            f"(durable asked every check: {e['check_unremembered_vs_raw_post']:.2f} ×), engine call {e['engine_call_vs_raw_post']:.2f} × raw post; "
            f"cold start {e['cold_start']['ratio_median']:.2f} × the import floor (median; min {e['cold_start']['ratio_min']:.2f} ×); load {e['run']['load']} / {e['cold_start']['load']}"
        )
        if "machine" in e:
            print("\n| neighbour on core 1 | decide() | raw post | ratio (wall) | ratio (CPU time) | CPU per case, decide / raw | load |\n|---|---:|---:|---:|---:|---:|---:|")
            for kind, m in e["machine"].items():
                print(
                    f"| {kind} | {m['decide_per_s']:,.0f}/s | {m['raw_post_per_s']:,.0f}/s | {m['ratio']:.2f} × | {m['ratio_cpu']:.2f} × | {m['decide_cpu_us']:.0f} / {m['raw_cpu_us']:.0f} µs | {m['load']} |"
                )


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=",".join(scale_cache.SIZES))
    parser.add_argument("--databases", default=",".join(scale_cache.DATABASES))
    parser.add_argument("--parts", default="engine,pages,reports,frister,writes,workers")
    parser.add_argument("--quick", action="store_true", help="a small register in a temp folder, few requests (a smoke run)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    parts = args.parts.split(",")
    sizes = ["quick"] if args.quick else args.sizes.split(",")
    databases = args.databases.split(",")
    largest = sizes[-1]
    result: dict[str, Any] = {"machine": machine(), "registers": {}}
    with tempfile.TemporaryDirectory() as tmp:
        quick_dir = Path(tmp) if args.quick else None
        try:
            if "engine" in parts:
                print("engine …", flush=True)
                result["engine"] = measure_engine(args.quick)
            for size in sizes:
                for database in databases:
                    key = f"{size}/{database}"
                    with register_url(size, database, quick_dir) as url:
                        result["registers"][key] = counts(url)
                        plans = plans_dir(size, quick_dir)
                        if "pages" in parts:
                            print(f"pages {key} …", flush=True)
                            result.setdefault("pages", {})[key] = measure_pages(url, plans, args.quick)
                        if "frister" in parts and database == "postgresql":
                            print(f"frister {key} …", flush=True)
                            result.setdefault("frister", {})[key] = measure_frister(url, plans, result["registers"][key]["decisions"])
                        if "reports" in parts and size == largest:
                            print(f"reports {key} …", flush=True)
                            result.setdefault("reports", {})[key] = measure_reports(url, plans, args.quick)
                    if "writes" in parts and size == largest:
                        print(f"writes {key} …", flush=True)
                        result.setdefault("writes", {})[key] = measure_writes(size, database, args.quick, quick_dir)
            if "workers" in parts and "postgresql" in databases:
                print("workers …", flush=True)
                result["workers"] = measure_workers(largest, args.quick, quick_dir)
        finally:
            for server in _SERVERS:
                server.stop()
    result["machine"]["load_at_end"] = load()
    result["machine"]["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    print_report(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
    return result


if __name__ == "__main__":
    if sys.argv[1:2] == ["--client"]:
        print(json.dumps(run_client(json.loads(sys.stdin.read()))))
    elif sys.argv[1:2] == ["--race"]:
        print(json.dumps(race_client(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5]))))
    else:
        main()
