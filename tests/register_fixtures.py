"""Real databases for the register tests: a SQLite file, and a PostgreSQL server started from the
installed binaries (initdb + pg_ctl in a temporary folder on a free port). Without the binaries
the PostgreSQL tests skip locally and FAIL in CI (env CI=true).

A migrated database is migrated once per backend and session (`db upgrade`, as a user would) and
then copied for each test (the SQLite file; PostgreSQL's ``CREATE DATABASE … TEMPLATE``): every
test still gets a database of its own, without running the migrations again."""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_counter = itertools.count()


def _pg_bin() -> Path | None:
    found = shutil.which("pg_ctl")
    if found and (Path(found).resolve().parent / "initdb").exists():
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    return Path(candidates[-1]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    def __init__(self, bindir: Path) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="kp-pg-"))
        self.port = _free_port()
        self.bindir = bindir
        self.as_root = os.geteuid() == 0
        if self.as_root:  # initdb refuses to run as root
            shutil.chown(self.dir, "postgres", "postgres")
        data = self.dir / "data"
        self._run("initdb", "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale")
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        self._run("pg_ctl", "-D", str(data), "-l", str(self.dir / "log"), "-o", opts, "-w", "start")

    def _run(self, tool: str, *args: str) -> None:
        cmd = [str(self.bindir / tool), *args]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self, template: str | None = None) -> str:
        """An empty database, or a copy of the database ``template`` (which nobody may be connected to)."""
        import psycopg

        name = f"t_{os.getpid()}_{next(_counter)}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def require_pg_bin() -> Path:
    """The PostgreSQL binaries' folder; without them: skip locally, fail in CI (CI=true)."""
    bindir = _pg_bin()
    if bindir is None:
        message = "PostgreSQL-binærerne (initdb/pg_ctl) mangler; installér pakken postgresql."
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return bindir


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer(require_pg_bin())
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def db_url(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> str:
    """An empty database (no schema yet) on each backend."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'register.db'}"
    return request.getfixturevalue("postgres_server").new_database()


def _migrate(url: str) -> None:
    from kompetenceplan.store.db import make_engine, upgrade

    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def _migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file to copy (closed, so its write-ahead log is folded in)."""
    path = tmp_path_factory.mktemp("migrated") / "register.db"
    _migrate(f"sqlite:///{path}")
    assert not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture(scope="session")
def _migrated_postgres(postgres_server: PostgresServer) -> str:
    """The name of a migrated PostgreSQL database to copy (no connection is left open to it)."""
    url = postgres_server.new_database()
    _migrate(url)
    return url.rsplit("/", 1)[1]


@pytest.fixture
def migrated_url(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> str:
    """A database of the test's own on each backend, at the newest schema version."""
    if backend == "sqlite":
        path = tmp_path / "register.db"
        shutil.copy(request.getfixturevalue("_migrated_sqlite"), path)
        return f"sqlite:///{path}"
    return request.getfixturevalue("postgres_server").new_database(template=request.getfixturevalue("_migrated_postgres"))


@pytest.fixture
def open_register() -> Iterator:
    """``open_register(url)``: a `Register` closed (its pool disposed) when the test ends."""
    from kompetenceplan.store.register import Register

    opened: list[Register] = []

    def make(url: str, **kw: object) -> Register:
        reg = Register(url, **kw)  # type: ignore[arg-type]
        opened.append(reg)
        return reg

    yield make
    for reg in opened:
        reg.close()


#: The person who does things in the register tests (every permission; the sign-in and role
#: tests use actors with fewer).
def _test_actor() -> object:
    from kompetenceplan.actor import PERMISSIONS, Actor

    return Actor(id="test:ABC", name="ABC", kind="person", roles=frozenset({"test"}), permissions=frozenset(PERMISSIONS))


ACTOR: Any = _test_actor()
