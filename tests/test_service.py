"""The HTTP JSON API, started on a free loopback port: endpoints, errors, concurrency, reload."""

from __future__ import annotations

import json
import random
import socket
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

uvicorn = pytest.importorskip("uvicorn")

from kompetenceplan import Decision, Plan, Report, load_plan, validate_case  # noqa: E402
from kompetenceplan.engine.reference import evaluate  # noqa: E402
from kompetenceplan.service.app import create_app  # noqa: E402

from .conftest import EXAMPLES, NYBORG  # noqa: E402
from .test_threads import _cases  # noqa: E402

CPR = "0101150000"


class Server:
    def __init__(self, plan: Path, **kwargs: Any) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.app = create_app(plan, **kwargs)
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def call(self, method: str, path: str, body: Any = None, raw: bytes | None = None) -> tuple[int, Any]:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                text = response.read().decode()
                status = response.status
        except urllib.error.HTTPError as exc:
            text, status = exc.read().decode(), exc.code
        try:
            return status, json.loads(text)
        except json.JSONDecodeError:
            return status, text


@pytest.fixture(scope="module")
def server():
    with Server(NYBORG, allow_reload=True, max_body=200_000) as s:
        yield s


def _example(kind: str, name: str) -> Any:
    return json.loads((EXAMPLES / kind / name).read_text(encoding="utf-8"))


class TestEndpoints:
    def test_route(self, server) -> None:
        status, body = server.call("POST", "/route", _example("cases", "kontaktperson-team.json"))
        assert status == 200
        assert Decision.model_validate(body).level.id == "team"

    def test_route_bad_input_is_422_with_the_field(self, server) -> None:
        status, body = server.call("POST", "/route", {"trin": "3", "paragraf": "bl-46", "cpr": CPR})
        assert status == 422
        assert body["error"] == "CaseError"
        assert {"sagen.trin", "sagen.ukendt felt nr. 3"} <= {p["where"] for p in body["problems"]}
        assert CPR not in json.dumps(body)

    @pytest.mark.parametrize("raw", [b"{not json", b"[1,2]", b'{"a": NaN}', b'{"a": 1, "a": 2}', b"", b'{"a": "\xff\xfe"}', b"[" * 5000 + b"]" * 5000])
    def test_malformed_body_is_422_never_500(self, server, raw: bytes) -> None:
        status, body = server.call("POST", "/route", raw=raw)
        assert status == 422, body

    def test_missing_input_is_422(self, server) -> None:
        case = _example("cases", "familiebehandling-raadgiver.json")
        del case["sagens_maanedlige_udgift"]
        status, body = server.call("POST", "/route", case)
        assert status == 422
        assert body["error"] == "MissingInputError"

    def test_date_outside_every_version_is_422(self, server) -> None:
        status, body = server.call("POST", "/route?on=2020-01-01", _example("cases", "kontaktperson-team.json"))
        assert status == 422
        assert body["error"] == "PlanError"

    def test_validate(self, server) -> None:
        status, body = server.call("POST", "/validate?meeting_date=2026-12-01", _example("submissions", "bostoette-85-mangler.json"))
        report = Report.model_validate(body)
        assert status == 200
        assert not report.ready
        assert [f.code for f in report.findings] == ["DOK-022"]

    def test_validate_bad_input(self, server) -> None:
        sub = _example("submissions", "plejefamilie-46-klar.json")
        sub["dokumenter"][0]["type"] = "hemmelig"
        status, body = server.call("POST", "/validate?meeting_date=2026-12-01", sub)
        assert status == 422
        assert body["problems"][0]["where"] == "indstilling.dokumenter[0].type"
        assert CPR not in json.dumps(body)

    def test_agenda_reports_bad_submissions_and_checks_the_rest(self, server) -> None:
        subs = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in (EXAMPLES / "submissions").glob("*.json")}
        subs["odelagt"] = {"sag": 1}
        status, body = server.call("POST", "/validate/agenda?meeting_date=2026-12-01", {"submissions": subs})
        # Rows are named by position in the order sent (a client's names can be personal data).
        rows = {name: body["submissions"][i] for i, name in enumerate(subs)}
        assert [r["name"] for r in body["submissions"]] == [str(i) for i in range(1, len(subs) + 1)]
        assert status == 200
        assert rows["odelagt"]["status"] == "fejl i input"
        assert rows["plejefamilie-46-klar"]["status"] == "klar"
        assert body["totals"]["DOK-022"] == 1
        assert server.call("POST", "/validate/agenda", {"submissions": []})[0] == 422

    def test_plan_health_rendered_schema_openapi(self, server) -> None:
        assert server.call("GET", "/plan")[1]["levels"][0]["id"] == "raadgiver"
        assert server.call("GET", "/health")[1]["status"] == "ok"
        status, text = server.call("GET", "/plan/rendered")
        assert status == 200
        assert "B-TRIN-1" in text
        assert server.call("GET", "/plan/rendered?format=html")[1].startswith("<!DOCTYPE html>")
        assert server.call("GET", "/plan/rendered?format=pdf")[0] == 422
        assert "paragraf" in server.call("GET", "/schema/case")[1]["properties"]
        assert server.call("GET", "/schema/nope")[0] == 404  # an unknown resource, not bad input
        spec = server.call("GET", "/openapi.json")[1]
        assert {"case", "submission", "decision", "report"} <= set(spec["components"]["schemas"])
        assert {"/route", "/validate", "/validate/agenda", "/plan", "/health"} <= set(spec["paths"])

    def test_body_over_the_limit_is_413(self, server) -> None:
        status, body = server.call("POST", "/route", raw=b'{"beskrivelse": "' + b"x" * 300_000 + b'"}')
        assert status == 413
        assert body["error"] == "BodyTooLarge"

    def test_reload_is_off_by_default(self) -> None:
        with Server(NYBORG) as s:
            assert s.call("POST", "/admin/reload")[0] in (404, 405)


def _reference_level(plan: Plan, case: dict[str, Any]) -> str:
    """The level the reference evaluator routes ``case`` to (each case here meets a row)."""
    rank = evaluate(plan, validate_case(plan, case)).outcome.rank
    assert rank is not None
    return plan.levels[rank].id


def test_concurrent_clients_get_the_reference_answer_and_a_reload_loses_nothing(server) -> None:
    """8 clients x 500 requests, with plan reloads in the middle: every answer equals the
    reference evaluator's, none is lost or mixed."""
    plan = load_plan(NYBORG)
    cases = _cases(plan, 120)
    expected = [_reference_level(plan, c) for c, _ in cases]
    reloads_before = server.call("GET", "/health")[1]["reloads"]
    stop = threading.Event()

    def reloader() -> int:
        n = 0
        while not stop.is_set():
            assert server.call("POST", "/admin/reload")[0] == 200
            n += 1
            time.sleep(0.05)
        return n

    def client(seed: int) -> list[str]:
        rng = random.Random(seed)
        wrong = []
        for _ in range(500):
            i = rng.randrange(len(cases))
            status, body = server.call("POST", "/route", cases[i][0])
            if status != 200 or body["level"]["id"] != expected[i]:
                wrong.append(f"{status} {body if status != 200 else body['level']['id']} != {expected[i]}")
        return wrong

    with ThreadPoolExecutor(max_workers=9) as pool:
        reload_job = pool.submit(reloader)
        jobs = [pool.submit(client, seed) for seed in range(8)]
        wrong = [w for job in jobs for w in job.result()]
        stop.set()
        reloads = reload_job.result()
    assert wrong == []
    assert reloads >= 1
    assert server.call("GET", "/health")[1]["reloads"] >= reloads_before + reloads


def test_an_embedder_may_name_the_plan_as_text() -> None:
    """create_app(str) as create_app(Path): a refused case is 422 naming the field, never a 500
    from the error format (it made the plan's path relative with Path methods)."""
    from fastapi.testclient import TestClient

    client = TestClient(create_app(str(NYBORG)), base_url="http://127.0.0.1")  # type: ignore[arg-type]
    r = client.post("/route", json={"paragraf": "findes-ikke"})
    assert r.status_code == 422, r.text
    assert r.json()["problems"][0]["where"].endswith("paragraf"), r.text
