"""A bounded load test of the HTTP API on loopback: p50/p99 latency and requests per second of
``POST /route`` for 8 and 32 concurrent clients (issue 12, goal 7).

    python benchmarks/http_load.py                          # 8 and 32 clients, 4,000 requests each
    python benchmarks/http_load.py --clients 8 --requests 1000
    python benchmarks/http_load.py --url http://127.0.0.1:8000   # a service already running
    python benchmarks/http_load.py --reload-under-load --seconds 20

The service runs as ``kompetenceplan serve`` in its own process and the clients in another (this
script started again with ``--client``): one thread per client, each with its own keep-alive
connection, sending the example cases in turn. So client and server do not share a GIL, though
on a 2-core machine they do share the cores. Every answer is checked against ``decide()`` on the
same case in this process: a wrong level under load is counted (``wrong``, must be 0).
Sends only to the loopback address it is given; stops after --requests requests per level.

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
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_service(plan: Path, *extra: str) -> tuple[subprocess.Popen[bytes], int]:
    """``kompetenceplan serve`` in its own process on a free loopback port, once /health answers."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "kompetenceplan", "serve", "--plan", str(plan), "--port", str(port), "--no-access-log", *extra],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5).read()
            return proc, port
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("the service did not start") from None
            time.sleep(0.1)


def stop_service(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


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
    import tempfile

    work = Path(tempfile.mkdtemp(prefix="kp-reload-plan-"))
    folder = work / "nyborg"
    shutil.copytree(ROOT / "rules" / "nyborg", folder)
    file = "regler-voksne.toml"
    texts, states, cases, whole = _plan_states(folder, file)
    proc, port = start_service(folder, "--allow-reload")
    try:
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
        stop_service(proc)
        shutil.rmtree(work, ignore_errors=True)
    result = {**counts, "fingerprints_seen": len(seen), "known_states": len(states), "answers_per_s": counts["answers"] / elapsed}
    print(
        f"reload under load, {seconds:g} s, {clients} clients: {counts['answers']} answers ({result['answers_per_s']:.0f}/s), "
        f"{counts['edits']} edits, {counts['reloads_ok']} reloads taken and {counts['reloads_refused']} refused, "
        f"{len(seen)} of {len(states)} plan states answered, {counts['partial_plan_answers']} answers by a half-saved plan; "
        f"answers not matching their fingerprint: {counts['mismatches']}"
    )
    return result


def run_clients(host: str, port: int, clients: int, requests: int, bodies: list[bytes]) -> tuple[list[tuple[int, int, str, float]], float]:
    """The client side (run in its own process by ``--client``): ``clients`` threads, each with its
    own keep-alive connection, ``requests`` in all; returns (case index, status, level or error,
    seconds) per request, and the wall time from the common start to the last answer."""
    import http.client

    per_client = max(1, requests // clients)
    results: list[list[tuple[int, int, str, float]]] = [[] for _ in range(clients)]
    ready = threading.Barrier(clients + 1)

    def client(seed: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=60)
        out = results[seed]
        ready.wait()
        for i in range(per_client):
            index = (seed + i) % len(bodies)
            start = time.perf_counter()
            try:
                conn.request("POST", "/route", body=bodies[index], headers={"Content-Type": "application/json"})
                response = conn.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException):  # the server closed an idle connection: reconnect once
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=60)
                conn.request("POST", "/route", body=bodies[index], headers={"Content-Type": "application/json"})
                response = conn.getresponse()
                body = response.read()
            elapsed = time.perf_counter() - start
            answer = json.loads(body)
            out.append((index, response.status, answer["level"]["id"] if response.status == 200 else str(answer.get("error")), elapsed))
        conn.close()

    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    for t in threads:
        t.start()
    ready.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    return [r for rs in results for r in rs], time.perf_counter() - start


def _client_process(url: str, clients: int, requests: int, cases: list[Path]) -> tuple[list[tuple[int, int, str, float]], float]:
    """Run the clients in a separate Python process; returns their results and their wall time
    (the process's own start-up not included)."""
    command = [sys.executable, str(Path(__file__).resolve()), "--client", "--url", url, "--clients", str(clients), "--requests", str(requests), *map(str, cases)]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    report = json.loads(done.stdout)
    return [tuple(r) for r in report["answers"]], report["seconds"]


def _percentile(sorted_times: list[float], q: float) -> float:
    return sorted_times[min(len(sorted_times) - 1, max(0, round(q * len(sorted_times)) - 1))]


def load(url: str, levels: list[int], requests: int, cases: list[Path]) -> list[dict[str, Any]]:
    """Each concurrency level in turn (after a short warm-up); every answer checked against decide()."""
    from kompetenceplan import decide, load_plan

    plan = load_plan(ROOT / "rules" / "nyborg")
    expected = [decide(plan, json.loads(p.read_bytes())).level.id for p in cases]
    _client_process(url, 2, 40, cases)  # warm-up: rulesets registered, code paths hot
    out = []
    for clients in levels:
        answers, elapsed = _client_process(url, clients, requests, cases)
        times = sorted(t for _, _, _, t in answers)
        wrong = sum(1 for index, status, level, _ in answers if status != 200 or level != expected[index])
        out.append(
            {
                "clients": clients,
                "requests": len(answers),
                "requests_per_s": len(answers) / elapsed,
                "p50_ms": _percentile(times, 0.50) * 1000,
                "p99_ms": _percentile(times, 0.99) * 1000,
                "max_ms": times[-1] * 1000,
                "wrong": wrong,
            }
        )
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running service on loopback (default: start one)")
    parser.add_argument("--requests", type=int, default=4000, help="requests per concurrency level")
    parser.add_argument("--clients", type=int, action="append", help="concurrent clients (repeatable; default 8 and 32)")
    parser.add_argument("--reload-under-load", action="store_true", help="reload edited plans under load; count answers that do not match their fingerprint")
    parser.add_argument("--seconds", type=float, default=20.0, help="duration of --reload-under-load")
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)  # the client process
    parser.add_argument("cases", nargs="*", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    levels = args.clients or [8, 32]
    if args.reload_under_load:
        result = reload_under_load(args.seconds, levels[0])
        if result["mismatches"]:
            raise SystemExit(1)
        return result
    if args.url and not args.url.startswith(("http://127.", "http://localhost", "http://[::1]")):
        parser.error("only loopback addresses are load-tested")
    if args.client:
        target = urllib.parse.urlsplit(args.url)
        answers, seconds = run_clients(target.hostname or "127.0.0.1", target.port or 80, levels[0], args.requests, [p.read_bytes() for p in args.cases])
        print(json.dumps({"answers": answers, "seconds": seconds}))
        return {"answers": len(answers)}
    cases = sorted((ROOT / "examples" / "cases").glob("*.json"))
    proc = None
    url = args.url
    if url is None:
        proc, port = start_service(ROOT / "rules" / "nyborg")
        url = f"http://127.0.0.1:{port}"
    try:
        rows = load(url, levels, args.requests, cases)
    finally:
        if proc is not None:
            stop_service(proc)
    print("`POST /route` on loopback; `kompetenceplan serve` in one process, the clients (threads, keep-alive) in another\n")
    print("| clients | requests | req/s | p50 | p99 | max | wrong answers |\n|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['clients']} | {r['requests']} | {r['requests_per_s']:.0f} | {r['p50_ms']:.1f} ms | {r['p99_ms']:.1f} ms | {r['max_ms']:.1f} ms | {r['wrong']} |")
    return {"levels": rows}


if __name__ == "__main__":
    main()
