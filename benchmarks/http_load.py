"""A bounded load test of the HTTP API on loopback: requests per second and p50/p99 latency.

    python benchmarks/http_load.py                      # starts the service itself on a free port
    python benchmarks/http_load.py --url http://127.0.0.1:8000 --requests 5000 --clients 8

Sends only to the loopback address it is given; stops after --requests requests.
"""

from __future__ import annotations

import argparse
import json
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


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running service on loopback (default: start one)")
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args(argv)
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
