"""A failed write never looks saved (issue 22 item 9): on a read-only SQLite file, a full disk and a
PostgreSQL server stopped mid-run, every write gives a Danish message, exit code 4 (never 1,
"stored but flagged"), no traceback and no submitted values; HTTP 503 with the usual error body;
``/health`` says degraded while the register cannot be written."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import event

from kompetenceplan.cli import main
from kompetenceplan.cli.base import EXIT_UNAVAILABLE
from kompetenceplan.store.db import StoreUnavailableError, make_engine, upgrade, write_status
from kompetenceplan.store.register import Register

from .conftest import NYBORG
from .register_fixtures import PostgresServer, require_pg_bin
from .test_register import PLANS, decision_kwargs

with warnings.catch_warnings():  # starlette's TestClient warns about its httpx dependency on import
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

#: Values a failure must never show (they would be personal data in a real register).
SECRETS = ("S-HEMMELIG-7", "Team Hemmelig", "hemmelig bemærkning")


def record_args(url: str) -> list[str]:
    return [
        "decision", "record", "--db", url, "--plan", str(NYBORG), "--case-ref", SECRETS[0], "--team", SECRETS[1], "--level", "leder",
        "--date", "2026-12-01", "--outcome", "bevilget", "--paragraf", "bl-32-1-2", "--trin", "3", "--udgift", "8.000", "--start", "2026-12-01",
        "--required-level", "leder", "--note", SECRETS[2],
    ]  # fmt: skip


def http_body() -> dict[str, Any]:
    return {
        "case_ref": SECRETS[0], "team": SECRETS[1], "level": "leder", "decided_on": "2026-12-01", "outcome": "bevilget",
        "paragraph": "bl-32-1-2", "step": 3, "monthly_cost": 8000, "start": "2026-12-01", "required_level": "leder", "note": SECRETS[2],
    }  # fmt: skip


def assert_clean_failure(result: Any) -> None:
    """Exit 4, a Danish message saying nothing was stored, no traceback, no submitted value."""
    output = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert result.exit_code == EXIT_UNAVAILABLE == 4, output
    assert "Registeret kunne ikke bruges" in output
    assert "Sådan rettes det" in output
    assert "Traceback" not in output
    assert "INSERT" not in output
    assert "parameters" not in output
    assert not any(secret in output for secret in SECRETS), output


def new_sqlite(folder: Path) -> tuple[str, Path]:
    path = folder / "register.db"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url, path


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """The SQLite file made read-only for real: its mode without write bits, and (root ignores
    modes) the immutable attribute, which root's writes also obey."""
    mode = path.stat().st_mode
    path.chmod(0o444)
    immutable = False
    try:
        if os.geteuid() == 0:
            found = shutil.which("chattr")
            done = subprocess.run([found, "+i", str(path)], capture_output=True) if found else None
            if done is None or done.returncode != 0:
                message = "chattr +i virker ikke her (e2fsprogs mangler eller filsystemet kan ikke); en root-proces kan ellers skrive i filen."
                if os.environ.get("CI") == "true":
                    pytest.fail(message)
                pytest.skip(message)
            immutable = True
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        path.chmod(mode)


# -- a read-only SQLite file -----------------------------------------------------------------------------
def test_every_write_command_on_a_read_only_file_exits_4_without_traceback_or_values(tmp_path: Path) -> None:
    """decision record, decision import, meeting new and oekonomi import on a read-only file: exit 4, Danish, nothing stored."""
    url, path = new_sqlite(tmp_path)
    lines = tmp_path / "historik.jsonl"
    lines.write_text(
        json.dumps(
            {
                "sagsreference": SECRETS[0],
                "team": SECRETS[1],
                "niveau": "leder",
                "truffet_af": "DEF",
                "dato": "2026-12-01",
                "udfald": "bevilget",
                "paragraf": "bl-32-1-2",
                "trin": 3,
                "maanedlig_udgift": 8000,
                "kraevet_niveau": "leder",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    payments = tmp_path / "betalinger.csv"
    payments.write_text(f"sagsreference;betalt_dato;beloeb;paragraf;tekst\n{SECRETS[0]};2026-10-31;100;bl-46;{SECRETS[2]}\n", encoding="utf-8")
    runner = CliRunner()
    with read_only(path):
        for args in (
            record_args(url),
            ["decision", "import", str(lines), "--db", url, "--plan", str(NYBORG)],
            ["meeting", "new", "--date", "2026-12-01", "--body", "visitationsudvalg", "--title", SECRETS[1], "--db", url, "--plan", str(NYBORG)],
            ["oekonomi", "import", str(payments), "--db", url, "--plan", str(NYBORG)],
        ):
            assert_clean_failure(runner.invoke(main, args))
        assert "skrivebeskyttet" in runner.invoke(main, record_args(url)).stderr
    with Register(url) as reg:
        assert reg.decisions() == []


def test_the_service_answers_503_and_health_is_degraded_until_a_write_succeeds(tmp_path: Path) -> None:
    """POST on a read-only register: 503 with the usual error body; /health degraded; writable again
    and written once: ok."""
    from kompetenceplan.service.app import create_app

    url, path = new_sqlite(tmp_path)
    app = create_app(NYBORG, db_url=url)
    client = TestClient(app, base_url="http://127.0.0.1")
    try:
        assert client.get("/health").json()["register"] == {"status": "ok"}
        with read_only(path):
            app.app.state.register.engine.dispose()  # a connection opened before keeps its writable file handle
            response = client.post("/register/decisions", json=http_body())
            assert response.status_code == 503
            body = response.json()
            assert body["error"] == "StoreUnavailableError"
            assert body["detail"].startswith("Registeret kunne ikke bruges")
            assert body["problems"][0]["fix"]
            assert body["type"] == "/problems/register-unavailable"
            assert response.headers["content-type"] == "application/problem+json"
            assert not any(secret in response.text for secret in SECRETS)
            page = client.post("/meetings", json={"meeting_date": "2026-12-01", "body": "visitationsudvalg", "title": SECRETS[1]})
            assert page.status_code == 503
            health = client.get("/health").json()
            assert health["status"] == "degraded"
            assert health["register"]["status"] == "degraded"
            assert "skrivebeskyttet" in health["register"]["problem"]
        # Writable again, but the last write failed: degraded until one succeeds.
        assert client.get("/health").json()["status"] == "degraded"
        assert client.post("/register/decisions", json=http_body()).status_code == 200
        assert client.get("/health").json()["register"] == {"status": "ok"}
    finally:
        client.close()
        app.app.state.register.close()


def test_a_register_too_busy_to_give_a_connection_is_503_never_500(tmp_path: Path) -> None:
    """Every connection of the pool in use for the pool's whole wait (issue 29's benchmark: a burst
    of slow pages at 1,000,000 decisions): 503 with the problem, or the Danish page, never a 500."""
    from sqlalchemy import create_engine

    from kompetenceplan.service.app import create_app

    url, _ = new_sqlite(tmp_path)
    app = create_app(NYBORG, db_url=url)
    reg = app.app.state.register
    reg.engine.dispose()
    reg.engine = create_engine(url, pool_size=1, max_overflow=0, pool_timeout=0.2)  # one connection, a short wait
    client = TestClient(app, base_url="http://127.0.0.1")
    held = reg.engine.connect()
    try:
        response = client.get("/register/decisions")
        assert response.status_code == 503, response.text
        assert response.headers["content-type"] == "application/problem+json", response.text
        assert response.json()["type"] == "/problems/register-unavailable"
        assert "i brug" in response.json()["problems"][0]["what"]
        page = client.get("/moede", headers={"Accept": "text/html"})
        assert page.status_code == 503
        assert "i brug" in page.text
        assert '<html lang="da">' in page.text
    finally:
        held.close()
        client.close()
        reg.close()


def test_a_full_disk_is_a_danish_error_and_nothing_is_stored(tmp_path: Path) -> None:
    """SQLite's own "database or disk is full" (the file may not grow): StoreUnavailableError, disk full, nothing stored."""
    url, _ = new_sqlite(tmp_path)
    reg = Register(url)
    try:

        @event.listens_for(reg.engine, "connect")
        def no_more_pages(dbapi_connection: Any, record: Any) -> None:
            pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
            dbapi_connection.execute(f"PRAGMA max_page_count={pages}")

        reg.engine.dispose()

        def fill() -> None:
            for n in range(200):  # the first pages may still have room
                reg.record_decision(PLANS, **decision_kwargs(case_ref=f"{SECRETS[0]}-{n}", note=SECRETS[2] * 20, required_level="leder"))

        with pytest.raises(StoreUnavailableError) as err:
            fill()
        text = err.value.render()
        assert "disken er fuld" in text
        assert not any(secret in text for secret in SECRETS)
        assert write_status(reg.engine) is not None  # the last write failed: degraded
    finally:
        reg.close()


# -- PostgreSQL stopped mid-run --------------------------------------------------------------------------
def test_a_postgresql_server_stopped_mid_run_gives_503_degraded_health_and_exit_4(tmp_path: Path) -> None:
    """The service writes, the server stops (immediate shutdown): the next write is 503 with the
    usual body, /health is degraded, and the CLI exits 4 without a traceback or values."""
    from kompetenceplan.service.app import create_app

    server = PostgresServer(require_pg_bin())
    stopped = False
    try:
        url = server.new_database()
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        app = create_app(NYBORG, db_url=url)
        client = TestClient(app, base_url="http://127.0.0.1")
        try:
            assert client.post("/register/decisions", json=http_body()).status_code == 200
            server._run("pg_ctl", "-D", str(server.dir / "data"), "-m", "immediate", "stop")
            stopped = True
            response = client.post("/register/decisions", json=http_body())
            assert response.status_code == 503, response.text
            assert response.json()["error"] == "StoreUnavailableError"
            assert not any(secret in response.text for secret in SECRETS)
            health = client.get("/health").json()
            assert health["status"] == "degraded"
            assert "forbindelsen" in health["register"]["problem"]
        finally:
            client.close()
            app.app.state.register.close()
        assert_clean_failure(CliRunner().invoke(main, record_args(url)))
    finally:
        if stopped:
            shutil.rmtree(server.dir, ignore_errors=True)
        else:
            server.stop()
