"""Issue #10, hardening: one test per finding, each failing on the code before the fix.

Where the behaviour depends on uvicorn (timeouts, connection limits, chunked bodies, the access
log, signals) the test runs the real ``kompetenceplan serve`` in a subprocess on 127.0.0.1 and
a free port. docs/security.md lists which test proves which promise.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import http.client
import json
import logging
import shutil
import signal
import socket
import string
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("uvicorn")

from kompetenceplan import decide, load_plan
from kompetenceplan.api import decide_many
from kompetenceplan.checks.agenda import check_agenda
from kompetenceplan.checks.check import check
from kompetenceplan.cli import main
from kompetenceplan.engine import durable_adapter
from kompetenceplan.errors import CaseError, EngineError, KompetenceplanError, PlanError
from kompetenceplan.io import parse_json
from kompetenceplan.plan import load_plans
from kompetenceplan.plan import loader as plan_loader

from .conftest import EXAMPLES, NYBORG, SMALL_CASE, SMALL_PLAN, write_plan
from .served import Server

MEETING = "2026-12-01"
CASE = json.loads((EXAMPLES / "cases" / "kontaktperson-team.json").read_text(encoding="utf-8"))
SUBMISSION = json.loads((EXAMPLES / "submissions" / "plejefamilie-46-klar.json").read_text(encoding="utf-8"))
HUGE = 10**400


@pytest.fixture(scope="module")
def plan_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("plan") / "nyborg"
    shutil.copytree(NYBORG, folder)
    return folder


@pytest.fixture(scope="module")
def served(plan_copy: Path, tmp_path_factory: pytest.TempPathFactory):
    server = Server(plan_copy, tmp_path_factory.mktemp("log") / "serve.log", "--allow-reload", "--max-body", "2000000")
    yield server
    server.stop()


def _fingerprint(folder: Path) -> str:
    """The plan's content fingerprint computed here from the files' bytes (names and bytes)."""
    digest = hashlib.sha256()
    for file in sorted(folder.glob("*.toml")):
        digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


# -- 1. personal data through JSON keys ----------------------------------------------------------

_word = st.text(alphabet=string.ascii_lowercase, min_size=4, max_size=9).map(str.capitalize)
_cpr = st.builds(
    lambda d, m, y, n, dash: f"{d:02d}{m:02d}{y:02d}{'-' if dash else ''}{n:04d}",
    st.integers(1, 28),
    st.integers(1, 12),
    st.integers(0, 99),
    st.integers(0, 9999),
    st.booleans(),
)
_personal = st.one_of(_cpr, st.builds(lambda a, b: f"{a} {b}", _word, _word))


def _containers(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path] if isinstance(node, (dict, list)) else []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in items:
        out += _containers(child, (*path, key))
    return out


def _at(node: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        node = node[part]
    return node


MARK = "\u0000mark"


def _plant(data: st.DataObject, doc: Any, pii: str) -> str:
    """``doc`` as JSON text with ``pii`` as a new key, a duplicated key, a value or a list item
    somewhere in it (every container is a candidate)."""
    doc = copy.deepcopy(doc)
    target = _at(doc, data.draw(st.sampled_from(_containers(doc)), label="where"))
    mode = data.draw(st.sampled_from(["key", "duplicate key", "value"]), label="how")
    if isinstance(target, list):
        if mode == "value" and target:
            target[data.draw(st.integers(0, len(target) - 1))] = pii
        else:
            target.append(pii)
        return json.dumps(doc, ensure_ascii=False)
    if mode == "value" and target:
        target[data.draw(st.sampled_from(sorted(target)))] = pii
        return json.dumps(doc, ensure_ascii=False)
    value = data.draw(st.sampled_from([pii, 1, {"x": pii}, [pii], None, HUGE]), label="value")
    if mode == "duplicate key":
        target[MARK] = 1
        return json.dumps(doc, ensure_ascii=False).replace(json.dumps(MARK), json.dumps(pii) + ": 1, " + json.dumps(pii), 1)
    target[pii] = value
    return json.dumps(doc, ensure_ascii=False)


ON = dt.date(2026, 12, 1)


def _api(kind: str, text: str) -> str:
    plans = load_plans(NYBORG)
    try:
        data = parse_json(text, "body")
        if kind == "case":
            return decide(plans, data).to_json()
        if kind == "submission":
            return check(plans, data, on=ON).to_json()
        subs = data.get("submissions") if isinstance(data, dict) else None
        if not isinstance(subs, dict):
            return ""
        # The library's agenda takes names from its caller; the submissions are what is tested.
        items = [(f"nr-{i}", lambda sub=sub: sub) for i, sub in enumerate(subs.values())]
        return json.dumps(check_agenda(plans, items, ON), ensure_ascii=False)
    except KompetenceplanError as exc:
        return exc.render() + json.dumps(exc.to_dict(), ensure_ascii=False)


def _cli(kind: str, text: str, folder: Path) -> str:
    runner = CliRunner()
    outputs = []
    if kind == "agenda":
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        try:
            subs = json.loads(text)["submissions"]
        except (ValueError, KeyError, TypeError):
            return ""
        if not isinstance(subs, dict):
            return ""
        for i, sub in enumerate(subs.values()):
            (folder / f"nr-{i}.json").write_text(json.dumps(sub, ensure_ascii=False), encoding="utf-8")
        args_list = [["validate", "--agenda", str(folder), "--meeting-date", MEETING, "--plan", str(NYBORG), "--format", fmt] for fmt in ("text", "json")]
    else:
        file = folder.with_suffix(".json")
        file.write_text(text, encoding="utf-8")
        command = ["route"] if kind == "case" else ["validate", "--meeting-date", MEETING]
        args_list = [[*command, str(file), "--plan", str(NYBORG), "--format", fmt] for fmt in ("text", "json")]
    for args in args_list:
        result = runner.invoke(main, args)
        assert result.exit_code in (0, 1, 2), result.output
        outputs.append(result.output + (getattr(result, "stderr", "") or ""))
    return "\n".join(outputs)


_ENDPOINT = {"case": "/route", "submission": f"/validate?meeting_date={MEETING}", "agenda": f"/validate/agenda?meeting_date={MEETING}"}
_DOCS = {"case": CASE, "submission": SUBMISSION, "agenda": {"submissions": {"a": SUBMISSION, "b": {"sag": CASE}}}}
_SEEN: list[str] = []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data(), pii=_personal, kind=st.sampled_from(["case", "submission", "agenda"]))
def test_personal_data_in_any_key_or_value_never_appears_in_any_output(served: Server, tmp_path: Path, data: st.DataObject, pii: str, kind: str) -> None:
    """A CPR number or a name placed as a key (new or duplicated) or a value anywhere in a case,
    a submission or an agenda appears in no output: not the Python API's, the CLI's (text and
    JSON) or the HTTP service's, and (checked below) not in the service's log."""
    text = _plant(data, _DOCS[kind], pii)
    _SEEN.append(pii)
    outputs = {
        "api": _api(kind, text),
        "cli": _cli(kind, text, tmp_path / "cli"),
        "http": served.request("POST", _ENDPOINT[kind], raw=text.encode())[1],
    }
    for interface, output in outputs.items():
        assert pii not in output, f"{interface}: {output[:2000]}"


def test_the_service_log_holds_none_of_the_personal_data_sent(served: Server) -> None:
    """After the property test above, the service's log contains none of the values it was sent."""
    served.request("POST", "/route", raw=b'{"paragraf": "bl-46", "010203-1234": "Jens Hansen", "010203-1234": 2}')
    log = served.log_after("POST /route 422")
    assert "POST /route" in log  # the access log is on and shows the route
    for pii in [*_SEEN, "010203-1234", "Jens Hansen"]:
        assert pii not in log


# -- 2. query strings in the access log ----------------------------------------------------------


def test_access_log_names_the_route_never_the_query_string(served: Server) -> None:
    """A request value in the query string is never written to the log; the route template is."""
    status, _ = served.request("POST", "/route?on=0102031234&navn=Jens%20Hansen", CASE)
    assert status == 422
    served.request("GET", "/schema/0102031234")
    log = served.log_after("GET /schema/{kind} 404")  # an unknown schema is an unknown resource
    assert "POST /route 422" in log
    assert "GET /schema/{kind} 404" in log
    assert "0102031234" not in log
    assert "Jens" not in log
    assert "?" not in "".join(line for line in log.splitlines() if "/route" in line)


# -- 3. faults never exhaust the engine; plans that would fault are refused ----------------------


def test_engine_faults_never_exhaust_capacity_and_plans_that_fault_are_refused(small_plan, tmp_path: Path, monkeypatch) -> None:
    """(a) A plan where more than 64 rules can match one case (durable error 303) is refused by
    the loader, without enumerating cases. (b) 1,000 engine faults later (more than the 384 that
    used to empty the sid pool), decisions are normal again and health reports the faults."""
    files = dict(SMALL_PLAN)
    files["mange.toml"] = "\n".join(f'[[rows]]\nid = "M-{i}"\nlevel = "leder"\nwhen = {{ udgift = {{ gte = {100 + i}, lt = {200000 - i} }} }}\nreference = "m"\n' for i in range(70))
    with pytest.raises(PlanError) as info:
        load_plan(write_plan(tmp_path / "mange", files))
    assert [p.code for p in info.value.problems] == ["PLAN-013"]
    assert "303" in info.value.render()

    monkeypatch.setattr(durable_adapter, "ACQUIRE_TIMEOUT_S", 0.2)
    if hasattr(durable_adapter, "_faults"):
        monkeypatch.setattr(durable_adapter, "_faults", [])
    real_assert = durable_adapter._durable_c.assert_event

    def broken(handle: Any, event: str) -> Any:
        raise RuntimeError("Could not assert event, error code: 303")

    monkeypatch.setattr(durable_adapter._durable_c, "assert_event", broken)
    for _ in range(1000):
        with pytest.raises(EngineError):
            decide(small_plan, SMALL_CASE)
    assert durable_adapter.health()["status"] == "degraded"
    monkeypatch.setattr(durable_adapter._durable_c, "assert_event", real_assert)
    assert decide(small_plan, SMALL_CASE).level.id == "raadgiver"


# -- 4. reloads read a consistent snapshot; every answer carries the fingerprint -----------------


def test_a_plan_edited_while_it_is_read_is_refused_and_answers_carry_the_fingerprint(served: Server, plan_copy: Path, small_plan_dir: Path, monkeypatch) -> None:
    """A file that changes between reading and confirming (an editor saving a half-written
    plan) makes the load fail; every Decision, Report and /health names the content
    fingerprint of the plan files that answered."""
    rules = small_plan_dir / "regler.toml"
    whole = rules.read_text(encoding="utf-8")
    real_loads = plan_loader.tomllib.loads
    edited: list[bool] = []

    def loads_while_an_editor_saves(text: str) -> Any:
        if not edited:
            edited.append(True)
            rules.write_text("[[rows]]".join(whole.split("[[rows]]")[:-1]), encoding="utf-8")  # cut at a row
        return real_loads(text)

    monkeypatch.setattr(plan_loader.tomllib, "loads", loads_while_an_editor_saves)
    with pytest.raises(PlanError, match="ændret"):
        load_plans(small_plan_dir)
    monkeypatch.undo()
    # A file saved a moment ago may be half written even if it holds still while it is read:
    # the service's reload waits until the plan's files have settled.
    from kompetenceplan.service.app import PlanHolder

    rules.write_text(whole, encoding="utf-8")
    holder = PlanHolder(small_plan_dir, settle=30)
    with pytest.raises(PlanError, match="lige blevet ændret"):
        holder.reload()

    expected = _fingerprint(plan_copy)
    status, decision = served.json("POST", "/route", CASE)
    assert status == 200
    assert decision["plan"]["fingerprint"] == expected
    status, report = served.json("POST", f"/validate?meeting_date={MEETING}", SUBMISSION)
    assert status == 200
    assert report["plan"]["fingerprint"] == expected
    assert served.json("GET", "/health")[1]["fingerprint"] == expected
    assert decide(load_plan(plan_copy), CASE).plan.fingerprint == expected


# -- 5. a failing reload never breaks the server -------------------------------------------------


def test_a_reload_that_fails_in_any_way_keeps_the_old_plan_serving(tmp_path: Path, monkeypatch) -> None:
    """Deep nesting (RecursionError), an unreadable file (OSError) and bytes that are not UTF-8
    are PlanErrors; over HTTP and SIGHUP the old plan keeps serving and SIGTERM still stops the
    server. A UTF-8 byte order mark is accepted."""
    folder = tmp_path / "plan"
    shutil.copytree(NYBORG, folder)
    (folder / "plan.toml").write_bytes(b"\xef\xbb\xbf" + (folder / "plan.toml").read_bytes())
    assert load_plan(folder).meta.id == "nyborg"  # BOM accepted

    broken = folder / "regler-voksne.toml"
    real_read = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self == broken:
            raise PermissionError(13, "Permission denied")
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    with pytest.raises(PlanError):
        load_plans(folder)
    monkeypatch.undo()

    server = Server(folder, tmp_path / "serve.log", "--allow-reload", "--reload-settle", "0")
    try:
        good = server.json("POST", "/route", CASE)[1]["level"]["id"]
        original = broken.read_bytes()
        for bad in (b"a = " + b"[" * 50_000 + b"]" * 50_000 + b"\n", b"\xff\xfe not utf-8", b"[[rows]]\nid = 'x'\nlevel = 'nope'\n"):
            broken.write_bytes(bad)
            status, body = server.json("POST", "/admin/reload")
            assert status == 422, body
            assert body["error"] == "PlanError", body
            failed = server.json("GET", "/health")[1]["failed_reloads"]
            server.proc.send_signal(signal.SIGHUP)
            deadline = time.monotonic() + 10  # the SIGHUP reload has run (and failed) before the old plan is asked
            while server.json("GET", "/health")[1]["failed_reloads"] == failed and time.monotonic() < deadline:
                time.sleep(0.02)
            status, decision = server.json("POST", "/route", CASE)
            assert status == 200
            assert decision["level"]["id"] == good
        broken.write_bytes(original)
        assert server.json("POST", "/admin/reload")[0] == 200
        assert server.json("GET", "/health")[1]["failed_reloads"] == 6  # each bad file: over HTTP and by SIGHUP
    finally:
        code = server.stop()
    # uvicorn shuts down gracefully, then re-raises the captured SIGTERM (exit -15).
    assert code in (0, -signal.SIGTERM), server.log_text()
    assert "Finished server process" in server.log_text(), server.log_text()
    assert "Traceback" not in server.log_text()


# -- 6. huge integers ----------------------------------------------------------------------------


def test_integers_with_309_digits_are_a_clear_error_everywhere(served: Server, nyborg, tmp_path: Path) -> None:
    """10^400 in a case or a submission is a CaseError (CLI exit 2, HTTP 422); it never loses
    the rest of an agenda or an audit batch."""
    huge_case = {**CASE, "maanedlig_udgift": HUGE}
    with pytest.raises(CaseError):
        decide(nyborg, huge_case)
    status, body = served.json("POST", "/route", raw=json.dumps(huge_case).encode())
    assert status == 422
    assert "maanedlig_udgift" in json.dumps(body)
    sub = {**SUBMISSION, "sag": {**SUBMISSION["sag"], "maanedlig_udgift": HUGE}, "oekonomi": {"pris_pr_maaned": HUGE}}
    assert served.request("POST", f"/validate?meeting_date={MEETING}", raw=json.dumps(sub).encode())[0] == 422
    status, agenda = served.json("POST", f"/validate/agenda?meeting_date={MEETING}", raw=json.dumps({"submissions": {"a": sub, "b": SUBMISSION}}).encode())
    assert status == 200
    assert [r["status"] for r in agenda["submissions"]] == ["fejl i input", "klar"]
    results = decide_many(nyborg, [huge_case, CASE])
    assert results[0].error is not None
    assert results[1].level == "team"

    file = tmp_path / "sag.json"
    file.write_text(json.dumps(huge_case), encoding="utf-8")
    assert CliRunner().invoke(main, ["route", str(file), "--plan", str(NYBORG)]).exit_code == 2
    lines = tmp_path / "sager.jsonl"
    lines.write_text(json.dumps(huge_case) + "\n" + json.dumps(CASE) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["audit", str(lines), "--plan", str(NYBORG)])
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.exit_code == 1
    assert "error" in out[0]
    assert out[1]["level"] == "team"


# -- 7. chunked bodies and one body limit --------------------------------------------------------


def _chunked(port: int, path: str, total: int, chunk: int = 65536) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    body = b'{"beskrivelse": "' + b"x" * total + b'"}'
    try:
        conn.request("POST", path, body=iter(body[i : i + chunk] for i in range(0, len(body), chunk)), headers={"Content-Type": "application/json"}, encode_chunked=True)
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


def test_a_chunked_body_over_max_body_is_413_and_max_body_is_the_only_limit(served: Server) -> None:
    """--max-body 2,000,000: a chunked 2.5 MB body is 413 (no traceback in the log); a 1.5 MB
    body is read (the JSON reader has no second, smaller cap)."""
    status, text = _chunked(served.port, "/route", 2_500_000)
    assert status == 413
    assert json.loads(text)["error"] == "BodyTooLarge"
    padded = json.dumps(CASE).encode() + b" " * 1_500_000
    status, text = served.request("POST", "/route", raw=padded)
    assert status == 200, text
    assert "Traceback" not in served.log_text()


# -- 8. idle and slow connections ----------------------------------------------------------------


def test_idle_and_slow_connections_are_closed_and_cannot_crowd_out_requests(tmp_path: Path) -> None:
    """With --header-timeout 1 and --max-connections 20: 40 idle connections and a slow-header
    client are closed by the server, and a normal request still gets its answer; a body that
    does not arrive within --body-timeout is answered 408."""
    server = Server(NYBORG, tmp_path / "serve.log", "--header-timeout", "1", "--max-connections", "20", "--body-timeout", "1")
    idle = []
    try:
        for _ in range(40):
            s = socket.create_connection(("127.0.0.1", server.port))
            s.settimeout(5)
            idle.append(s)
        slow = socket.create_connection(("127.0.0.1", server.port))
        slow.settimeout(5)
        slow.sendall(b"POST /route HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        idle.append(slow)
        closed = 0
        for s in idle:
            try:
                closed += s.recv(1024) == b""  # the server closed it
            except ConnectionResetError:
                closed += 1
            except TimeoutError:
                pass  # still open after 5 s: the finding
        assert closed == len(idle)
        assert server.request("POST", "/route", CASE)[0] == 200
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as slow_body:
            slow_body.sendall(b"POST /route HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
            assert slow_body.recv(1024).startswith(b"HTTP/1.1 408")
    finally:
        for s in idle:
            s.close()
        server.stop()
    assert len(server.log_text()) < 20_000  # refused connections do not flood the log


# -- 9. memory of replaced plans -----------------------------------------------------------------


def test_reloading_200_edited_plans_releases_their_rulesets(tmp_path: Path) -> None:
    """200 edits, each reloaded and used for routing and checking: the server's memory grows by
    far less than the ~2 MB per plan that was never released before."""
    folder = tmp_path / "plan"
    shutil.copytree(NYBORG, folder)
    server = Server(folder, tmp_path / "serve.log", "--allow-reload", "--no-access-log", "--reload-settle", "0")
    rules = folder / "regler-voksne.toml"
    original = rules.read_text(encoding="utf-8")

    def edit_and_use(n: int) -> None:
        rules.write_text(original + f"\n# redigering {n}\n", encoding="utf-8")
        assert server.request("POST", "/admin/reload")[0] == 200
        assert server.request("POST", "/route", CASE)[0] == 200
        assert server.request("POST", f"/validate?meeting_date={MEETING}", SUBMISSION)[0] == 200

    try:
        for n in range(20):
            edit_and_use(n)  # warm up: allocator pools, imports, caches
        before = server.rss_kb()
        for n in range(20, 220):
            edit_and_use(n)
        growth_mb = (server.rss_kb() - before) / 1024
        health = server.json("GET", "/health")[1]
    finally:
        server.stop()
    assert growth_mb < 60, f"RSS grew {growth_mb:.0f} MB over 200 reloads"
    assert health["engine"]["rulesets"] <= 4


# -- 10. audit lines, dates, BOM, thresholds, unexpected errors and disconnects -----------------


def test_bad_input_is_reported_precisely_and_errors_are_logged_without_content(tmp_path: Path, caplog, served: Server) -> None:
    """audit reports a non-UTF-8 or malformed line as that line's error and decides the rest
    (exit 1); a date given as a number is refused; a threshold given as text is one message;
    an unexpected error is logged by type and correlation id only; a client that disconnects
    mid-body is not an error."""
    lines = tmp_path / "sager.jsonl"
    lines.write_bytes(json.dumps(CASE).encode() + b"\n\xff\xfe{\n{not json\n" + json.dumps(CASE).encode() + b"\n")
    result = CliRunner().invoke(main, ["audit", str(lines), "--plan", str(NYBORG)])
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.exit_code == 1
    assert [("error" in o) for o in out] == [False, True, True, False]
    assert out[3]["level"] == "team"
    assert "linje 2" in json.dumps(out[1], ensure_ascii=False)

    dated = copy.deepcopy(SUBMISSION)
    dated["dokumenter"][0]["dato"] = 0
    with pytest.raises(CaseError) as info:
        check(load_plans(NYBORG), dated, on=ON)
    assert [p.where for p in info.value.problems] == ["indstilling.dokumenter[0].dato"]

    files = dict(SMALL_PLAN)
    files["regler.toml"] = files["regler.toml"].replace("udgift = { gte = 10000 }", 'udgift = { gte = "10000" }')
    with pytest.raises(PlanError) as plan_info:
        load_plan(write_plan(tmp_path / "tekst", files))
    assert len(plan_info.value.problems) == 1
    assert plan_info.value.problems[0].where.endswith("when.udgift.gte")

    from starlette.applications import Starlette
    from starlette.routing import Route

    from kompetenceplan.service.guard import Guard

    async def bug(request: Any) -> Any:
        secret = {"cpr": "0102031234"}  # noqa: F841 - a local a traceback would show
        raise ValueError("0102031234")

    app = Guard(Starlette(routes=[Route("/bug", bug, methods=["POST"])]), max_body=1000, allowed_hosts=frozenset({"testserver"}))
    with caplog.at_level(logging.INFO, logger="kompetenceplan"):
        status, headers, body = _asgi(app, "POST", "/bug", b'{"a": 1}')
    cid = headers[b"x-correlation-id"].decode()
    assert status == 500
    assert len(cid) == 12
    assert b"0102031234" not in body
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage() for r in errors] == [f"uventet fejl ValueError (korrelations-id {cid})"]
    assert all(r.exc_info is None for r in caplog.records)
    assert "0102031234" not in caplog.text

    before = served.log_text()
    with socket.create_connection(("127.0.0.1", served.port)) as s:
        s.sendall(b'POST /route HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"paragraf"')
    time.sleep(0.5)
    assert served.request("GET", "/health")[0] == 200
    new = served.log_text()[len(before) :]
    assert "ERROR" not in new
    assert "Traceback" not in new
    assert "Exception" not in new


def _asgi(app: Any, method: str, path: str, body: bytes) -> tuple[int, dict[bytes, bytes], bytes]:
    """One request straight into an ASGI app (no network)."""
    import asyncio

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "scheme": "http",
        "http_version": "1.1",
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 1),
        "asgi": {"version": "3.0"},
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
    }
    messages: list[dict[str, Any]] = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop(0)
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start["status"], dict(start["headers"]), b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


# -- 11. exposure: CSRF, DNS rebinding, CDN scripts, server paths --------------------------------


def test_cross_site_posts_foreign_hosts_cdn_docs_and_server_paths_are_refused(tmp_path: Path) -> None:
    """A text/plain or form POST is 415 (also /admin/reload); a Host the service is not bound
    to is 400; /docs and /redoc (CDN scripts) are off; a PlanError names plan files relative
    to the plan folder, never the server's path."""
    folder = tmp_path / "hemmelig-sti" / "nyborg"
    shutil.copytree(NYBORG, folder)
    server = Server(folder, tmp_path / "serve.log", "--allow-reload", "--reload-settle", "0")
    try:
        for path in ("/route", "/validate", "/admin/reload"):
            for kind in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
                status, text = server.request("POST", path, raw=json.dumps(CASE).encode(), headers={"Content-Type": kind})
                assert status == 415, (path, kind)
                assert json.loads(text)["error"] == "UnsupportedMediaType", (path, kind)
        assert server.json("GET", "/health")[1]["reloads"] == 0
        for host in ("evil.example", "evil.example:80", "127.0.0.1.evil.example"):
            assert server.request("GET", "/health", headers={"Host": host})[0] == 400
        assert server.request("GET", "/health", headers={"Host": f"localhost:{server.port}"})[0] == 200
        for path in ("/docs", "/redoc"):
            status, text = server.request("GET", path)
            assert status == 404
            assert "cdn" not in text.lower()
        assert server.request("GET", "/openapi.json")[0] == 200
        (folder / "regler-boern.toml").write_text("[[rows]]\nid = 1\n", encoding="utf-8")
        status, text = server.request("POST", "/admin/reload")
        assert status == 422
        assert "regler-boern.toml" in text
        assert str(tmp_path) not in text
        assert "hemmelig-sti" not in text
    finally:
        server.stop()
