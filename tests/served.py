"""`kompetenceplan serve` as a real subprocess on a free loopback port: for the contract, client,
hardening and browser tests (one helper, so they all start and stop the service the same way)."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``python -m kompetenceplan serve --plan PLAN`` on 127.0.0.1; its output goes to ``log``.

    Started and answering ``/health`` once constructed; `stop` sends SIGTERM and returns the exit code.
    """

    def __init__(self, plan: Path, log: Path, *options: str, env: Mapping[str, str] | None = None, cwd: Path | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._log_file = log.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kompetenceplan", "serve", "--plan", str(plan), "--port", str(self.port), *options],
            cwd=cwd,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"} if env is None else dict(env),
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if self.request("GET", "/health", timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("kompetenceplan serve did not start:\n" + self.log_text()[-2000:])
            time.sleep(0.05)

    def request(self, method: str, path: str, body: Any = None, raw: bytes | None = None, headers: dict[str, str] | None = None, timeout: float = 60) -> tuple[int, str]:
        data = raw if raw is not None else (json.dumps(body, ensure_ascii=False).encode() if body is not None else None)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=data, headers={"Content-Type": "application/json", **(headers or {})})
            response = conn.getresponse()
            return response.status, response.read().decode("utf-8", "replace")
        finally:
            conn.close()

    def json(self, method: str, path: str, body: Any = None, **kwargs: Any) -> tuple[int, Any]:
        status, text = self.request(method, path, body, **kwargs)
        return status, json.loads(text)

    def log_text(self) -> str:
        if not self._log_file.closed:
            self._log_file.flush()
        return self.log.read_text(encoding="utf-8", errors="replace")

    def log_after(self, text: str, timeout: float = 10.0) -> str:
        """The log once ``text`` is in it (a line is written just after its response)."""
        deadline = time.monotonic() + timeout
        while text not in (log := self.log_text()) and time.monotonic() < deadline:
            time.sleep(0.05)
        return log

    def rss_kb(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    def stop(self) -> int:
        """SIGTERM (uvicorn shuts down gracefully), SIGKILL after 15 s; the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()
        finally:
            self._log_file.close()


@contextlib.contextmanager
def serve(plan: Path, log: Path, *args: str) -> Iterator[str]:
    """Start the service, wait for /health, yield its base URL; stop it afterwards."""
    server = Server(plan, log, *args, env=os.environ)
    try:
        yield server.url
    finally:
        server.stop()
