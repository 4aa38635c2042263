"""A bounded load test of the HTTP API on loopback: requests per second and p50/p99 latency.

    python benchmarks/http_load.py                      # starts the service itself on a free port
    python benchmarks/http_load.py --url http://127.0.0.1:8000 --requests 5000 --clients 8
    python benchmarks/http_load.py --reload-under-load --seconds 20

Sends only to the loopback address it is given; stops after --requests requests.

--reload-under-load starts ``kompetenceplan serve --allow-reload`` on a copy of the Nyborg plan
and, while clients route the example cases, rewrites a rule file again and again the way an
editor does (all but the last row, a pause, then the rest; cut at a row boundary, so it parses)
and asks for reloads without pause. Every state the files pass through is known beforehand with
its fingerprint and the level each case gets under it; each answer is checked against the plan
*it names* by fingerprint. Mismatches (and unknown fingerprints) must be 0.
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import statistics
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _start_server() -> tuple[str, object]:
    import uvicorn

    from kompetenceplan.service import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(ROOT / "rules" / "nyborg"), host="127.0.0.1", port=port, log_level="warning", access_log=False))
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.02)
    return f"http://127.0.0.1:{port}", server


def _post(port: int, path: str, body: bytes | None = None) -> tuple[int, bytes]:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _plan_states(folder: Path, file: str) -> tuple[list[str], dict[str, dict[int, str]], list[bytes], set[str]]:
    """The texts the editor writes in turn, and for every state the files pass through (each
    half and each whole): its fingerprint -> {case index: level} (only states that load)."""
    import shutil
    import tempfile

    from kompetenceplan import decide, load_plan
    from kompetenceplan.errors import KompetenceplanError

    original = (folder / file).read_text(encoding="utf-8")
    # Variant B lifts the § 85 hours threshold for the leader: a case between the two routes
    # lower under B; the half file (all but the last row) routes it lower still. A wrong
    # pairing of answer and plan shows as a mismatch.
    edited = original.replace("timer_pr_uge = { gte = 15 }", "timer_pr_uge = { gte = 40 }", 1)
    assert edited != original, "the benchmark's edit no longer applies to the plan"
    cases = [p.read_bytes() for p in sorted((ROOT / "examples" / "cases").glob("*.json"))]
    texts = [edited, original]
    states: dict[str, dict[int, str]] = {}
    whole: set[str] = set()
    scratch = Path(tempfile.mkdtemp(prefix="kp-reload-"))
    try:
        for text in texts:
            rows = text.split("\n[[rows]]")
            half = "\n[[rows]]".join(rows[:-1]) + "\n"  # cut at a row boundary: it parses
            for state in ("", half, text):  # truncated, half written, whole
                shutil.rmtree(scratch / "p", ignore_errors=True)
                shutil.copytree(folder, scratch / "p")
                (scratch / "p" / file).write_text(state, encoding="utf-8")
                try:
                    plan = load_plan(scratch / "p")
                except KompetenceplanError:
                    continue
                states[plan.fingerprint] = {}
                if state == text:
                    whole.add(plan.fingerprint)
                for i, case in enumerate(cases):
                    try:
                        states[plan.fingerprint][i] = decide(plan, json.loads(case)).level.id
                    except KompetenceplanError as exc:
                        states[plan.fingerprint][i] = type(exc).__name__
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return texts, states, cases, whole


def reload_under_load(seconds: float, clients: int) -> dict[str, float]:
    """See the module docstring; returns the counts, with ``mismatches`` (must be 0)."""
    import shutil
    import subprocess
    import tempfile

    work = Path(tempfile.mkdtemp(prefix="kp-reload-plan-"))
    folder = work / "nyborg"
    shutil.copytree(ROOT / "rules" / "nyborg", folder)
    file = "regler-voksne.toml"
    texts, states, cases, whole = _plan_states(folder, file)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "kompetenceplan", "serve", "--plan", str(folder), "--port", str(port), "--allow-reload", "--no-access-log"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5).read()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("the service did not start") from None
                time.sleep(0.1)
        stop = threading.Event()
        counts = {"answers": 0, "mismatches": 0, "unknown_fingerprint": 0, "partial_plan_answers": 0, "reloads_ok": 0, "reloads_refused": 0, "edits": 0}
        seen: set[str] = set()
        lock = threading.Lock()

        def editor() -> None:
            target = folder / file
            i = 0
            while not stop.is_set():
                text = texts[i % len(texts)].encode()
                rows = text.split(b"\n[[rows]]")
                half = b"\n[[rows]]".join(rows[:-1]) + b"\n"
                with open(target, "r+b") as f:  # as an editor saving in place: truncate, write, pause, write
                    f.truncate(0)
                    f.write(half)
                    f.flush()
                    time.sleep(0.003)
                    f.seek(0)
                    f.write(text)
                    f.truncate(len(text))
                counts["edits"] += 1
                i += 1
                time.sleep(random.uniform(0.0, 1.0))  # some saves are followed by a quiet spell

        def reloader() -> None:
            while not stop.is_set():
                status, _ = _post(port, "/admin/reload")
                with lock:
                    counts["reloads_ok" if status == 200 else "reloads_refused"] += 1

        def client(seed: int) -> None:
            i = seed
            while not stop.is_set():
                index = i % len(cases)
                i += 1
                status, body = _post(port, "/route", cases[index])
                answer = json.loads(body)
                level = answer["level"]["id"] if status == 200 else answer.get("error")
                fingerprint = answer["plan"]["fingerprint"] if status == 200 else None
                with lock:
                    counts["answers"] += 1
                    if fingerprint is None:
                        counts["mismatches"] += 1  # every example case decides under every known state
                    elif fingerprint not in states:
                        counts["unknown_fingerprint"] += 1
                        counts["mismatches"] += 1
                    else:
                        seen.add(fingerprint)
                        counts["partial_plan_answers"] += fingerprint not in whole
                        counts["mismatches"] += states[fingerprint][index] != level

        threads = [threading.Thread(target=editor), threading.Thread(target=reloader)] + [threading.Thread(target=client, args=(c,)) for c in range(clients)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        time.sleep(seconds)
        stop.set()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    result = {**counts, "fingerprints_seen": len(seen), "known_states": len(states), "answers_per_s": counts["answers"] / elapsed}
    print(
        f"reload under load, {seconds:g} s, {clients} clients: {counts['answers']} answers ({result['answers_per_s']:.0f}/s), "
        f"{counts['edits']} edits, {counts['reloads_ok']} reloads taken and {counts['reloads_refused']} refused, "
        f"{len(seen)} of {len(states)} plan states answered, {counts['partial_plan_answers']} answers by a half-saved plan; "
        f"answers not matching their fingerprint: {counts['mismatches']}"
    )
    return result


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running service on loopback (default: start one)")
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--reload-under-load", action="store_true", help="reload edited plans under load; count answers that do not match their fingerprint")
    parser.add_argument("--seconds", type=float, default=20.0, help="duration of --reload-under-load")
    args = parser.parse_args(argv)
    if args.reload_under_load:
        result = reload_under_load(args.seconds, args.clients)
        if result["mismatches"]:
            raise SystemExit(1)
        return result
    if args.url and not args.url.startswith(("http://127.", "http://localhost", "http://[::1]")):
        parser.error("only loopback addresses are load-tested")
    server = None
    url = args.url
    if url is None:
        url, server = _start_server()
    bodies = [p.read_bytes() for p in sorted((ROOT / "examples" / "cases").glob("*.json"))]
    per_client = max(1, args.requests // args.clients)

    def client(seed: int) -> list[float]:
        times = []
        for i in range(per_client):
            body = bodies[(seed + i) % len(bodies)]
            request = urllib.request.Request(f"{url}/route", data=body, method="POST", headers={"Content-Type": "application/json"})
            start = time.perf_counter()
            with urllib.request.urlopen(request, timeout=30) as response:
                json.loads(response.read())
            times.append(time.perf_counter() - start)
        return times

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.clients) as pool:
        times = sorted(t for job in [pool.submit(client, c) for c in range(args.clients)] for t in job.result())
    elapsed = time.perf_counter() - start
    result = {
        "requests": len(times),
        "clients": args.clients,
        "requests_per_s": len(times) / elapsed,
        "p50_ms": statistics.median(times) * 1000,
        "p99_ms": times[int(len(times) * 0.99) - 1] * 1000,
    }
    print(f"{result['requests']} requests, {args.clients} clients: {result['requests_per_s']:.0f} req/s, p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms")
    if server is not None:
        server.should_exit = True  # type: ignore[attr-defined]
    return result


if __name__ == "__main__":
    main()
