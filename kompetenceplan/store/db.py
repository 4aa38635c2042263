"""The database: which one (URL), its schema version, and migrations (Alembic, run in code).

SQLite is the embedded default (a file ``kompetenceplan.db``); any SQLAlchemy URL works, e.g.
``postgresql+psycopg://user@host/db`` for several service replicas sharing one register.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Connection, CursorResult, Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from ..errors import KompetenceplanError, Problem

DB_ENV = "KOMPETENCEPLAN_DB"
DEFAULT_URL = "sqlite:///kompetenceplan.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class StoreError(KompetenceplanError):
    """The register cannot be used: wrong URL, unreachable, or the wrong schema version."""


def resolve_url(url: str | None) -> str:
    """``url``, else ``$KOMPETENCEPLAN_DB``, else the SQLite file in the current folder. A plain
    file path (no ``scheme://``) means an SQLite file, as a newcomer would write it."""
    found = url or os.environ.get(DB_ENV) or DEFAULT_URL
    if "://" not in found and found.strip():
        return f"sqlite:///{os.path.abspath(found)}"
    return found


def _where(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "--db"


def make_engine(url: str | None = None) -> Engine:
    """An engine for ``url`` (see `resolve_url`). SQLite gets WAL, a busy timeout and
    ``BEGIN IMMEDIATE`` so that concurrent writers queue instead of failing."""
    url = resolve_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(
            "Ugyldig database-adresse.",
            [Problem("--db", "kan ikke læses som en SQLAlchemy-URL.", f"Skriv fx sqlite:///kompetenceplan.db eller postgresql+psycopg://bruger@vært/database (eller sæt {DB_ENV}).")],
        ) from None
    kwargs: dict[str, Any] = {}
    sqlite = parsed.get_backend_name() == "sqlite"
    if sqlite:
        kwargs["connect_args"] = {"timeout": 60, "check_same_thread": False}
        if parsed.database not in (None, "", ":memory:"):
            kwargs["pool_size"], kwargs["max_overflow"] = 8, 16
    else:
        kwargs["pool_pre_ping"] = True
    try:
        engine = create_engine(parsed, **kwargs)
    except (NoSuchModuleError, ImportError):
        raise StoreError(
            "Databasedriveren mangler.",
            [Problem("--db", f"driveren til {parsed.drivername} er ikke installeret.", "Installér med: pip install 'kompetenceplan[register]' (SQLite og PostgreSQL via psycopg).")],
        ) from None
    if sqlite:
        _sqlite_pragmas(engine)
    return engine


#: The execution option that marks a SQLite connection as a writer (`_sqlite_pragmas`).
_WRITER = "kompetenceplan_writer"


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Connection) -> None:
        # A writer takes the write lock at BEGIN: a deferred transaction that reads and then
        # writes can fail at once with "database is locked", while BEGIN IMMEDIATE waits its turn
        # (busy_timeout). A reader begins deferred: in WAL mode it reads a snapshot and waits for
        # no writer and no other reader (issue 29: with every page taking the write lock, 32
        # readers queued behind each other and behind every adgangslog write).
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITER) else "BEGIN")

    @contextmanager
    def begin() -> Iterator[Connection]:
        """`Engine.begin`, marking the connection as a writer: every write in the register is an
        ``engine.begin()`` block (`Register.transaction` and the bulk writers); every
        ``engine.connect()`` block only reads."""
        with engine.connect() as conn:
            conn.execution_options(**{_WRITER: True})
            with conn.begin():
                yield conn

    engine.begin = begin  # type: ignore[method-assign]  # this engine's writes, as above


def inserted_id(result: CursorResult[Any]) -> Any:
    """The primary key of the one row an ``INSERT … VALUES`` added."""
    key = result.inserted_primary_key
    assert key is not None  # SQLAlchemy gives one for every single-row insert
    return key[0]


def _alembic_config(connection: Connection | None) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest schema version this program knows."""
    from alembic.script import ScriptDirectory

    config = _alembic_config(None)
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def known_revisions() -> list[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_alembic_config(None))
    return [s.revision for s in script.walk_revisions()]


def current_revision(engine: Engine) -> str | None:
    """The database's schema version (None: not migrated yet)."""
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            from alembic.runtime.migration import MigrationContext

            return MigrationContext.configure(conn).get_current_revision()
    except OperationalError as exc:
        raise _unreachable(engine, exc) from None


def _unreachable(engine: Engine, exc: Exception) -> StoreError:
    # The driver's message can contain the URL; only its class is shown.
    return StoreError(
        "Databasen kan ikke åbnes.",
        [Problem(_where(str(engine.url)), f"forbindelsen fejlede ({type(exc).__name__}).", "Kontrollér adressen (--db eller KOMPETENCEPLAN_DB), at serveren kører, og at mappen findes.")],
    )


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str]:
    """Create or migrate the schema to ``revision``; returns (before, after)."""
    from alembic import command

    before = current_revision(engine)
    _refuse_newer(engine, before)
    try:
        with engine.begin() as conn:
            command.upgrade(_alembic_config(conn), revision)
    except OperationalError as exc:
        raise _unreachable(engine, exc) from None
    return before, current_revision(engine) or ""


def _refuse_newer(engine: Engine, revision: str | None) -> None:
    if revision is not None and revision not in known_revisions():
        raise StoreError(
            "Databasen er nyere end programmet.",
            [
                Problem(
                    _where(str(engine.url)),
                    f"databasens skemaversion {revision} er ukendt for denne version af kompetenceplan (nyeste kendte: {head_revision()}).",
                    "Opdatér kompetenceplan til den version, der migrerede databasen.",
                )
            ],
        )


def check_schema(engine: Engine) -> None:
    """Refuse a database that is unmigrated, older or newer than this program. A missing SQLite
    file is refused without connecting (connecting would leave an empty file behind)."""
    where = _where(str(engine.url))
    database = engine.url.database
    if engine.url.get_backend_name() == "sqlite" and database not in (None, "", ":memory:") and not os.path.exists(database):
        raise StoreError("Databasen er ikke oprettet.", [Problem(where, "filen findes ikke.", "Kør: kompetenceplan db upgrade --db ADRESSE.")])
    revision = current_revision(engine)
    if revision is None:
        raise StoreError("Databasen er ikke oprettet.", [Problem(where, "registerets tabeller findes ikke (ingen skemaversion).", "Kør: kompetenceplan db upgrade --db ADRESSE.")])
    _refuse_newer(engine, revision)
    head = head_revision()
    if revision != head:
        raise StoreError("Databasen skal migreres.", [Problem(where, f"skemaversion {revision}; programmet kræver {head}.", "Kør: kompetenceplan db upgrade --db ADRESSE.")])
