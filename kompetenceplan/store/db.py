"""The database: which one (URL), its schema version, and migrations (Alembic, run in code).

SQLite is the embedded default (a file ``kompetenceplan.db``); any SQLAlchemy URL works, e.g.
``postgresql+psycopg://user@host/db`` for several service replicas sharing one register.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Connection, CursorResult, Engine, ExceptionContext, make_url
from sqlalchemy.exc import ArgumentError, InterfaceError, InternalError, NoSuchModuleError, OperationalError

from ..errors import KompetenceplanError, Problem, UnavailableError, not_none

DB_ENV = "KOMPETENCEPLAN_DB"
DEFAULT_URL = "sqlite:///kompetenceplan.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class StoreError(KompetenceplanError):
    """The register cannot be used: wrong URL, unreachable, or the wrong schema version."""


class StoreUnavailableError(StoreError, UnavailableError):
    """The database refused or lost a write or a read (read-only, a full disk, a lost connection,
    locked too long): nothing was stored. CLI exit code 4, HTTP 503; never the SQL or its values."""


#: How long after a failed write ``/health`` says degraded even when the probe passes (a full disk
#: cannot be probed without writing): the last write failed, so the next may too.
RECENT_WRITE_FAILURE_S = 60.0


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
        kwargs["connect_args"] = {"connect_timeout": 10}
        # The service answers from a thread pool of 40: with SQLAlchemy's default 5 + 10
        # connections, a burst of slow pages waited for a connection until the pool gave up
        # (issue 29's benchmark: 3 of 640 requests). 8 + 16 as for SQLite; a wait that still
        # runs out is `pool_exhausted` (503), never a 500.
        kwargs["pool_size"], kwargs["max_overflow"] = 8, 16
    # A database error never carries the statement's values (case references, notes) into a
    # message, a log or a traceback.
    kwargs["hide_parameters"] = True
    try:
        engine = create_engine(parsed, **kwargs)
    except (NoSuchModuleError, ImportError):
        raise StoreError(
            "Databasedriveren mangler.",
            [Problem("--db", f"driveren til {parsed.drivername} er ikke installeret.", "Installér med: pip install 'kompetenceplan[register]' (SQLite og PostgreSQL via psycopg).")],
        ) from None
    if sqlite:
        _sqlite_pragmas(engine)
    _write_failures(engine)
    return engine


#: What a database error means, by SQLite's error name and PostgreSQL's SQLSTATE (class or code).
_SQLITE_CAUSES = {
    "SQLITE_READONLY": "databasen er skrivebeskyttet (filen eller mappen kan ikke skrives)",
    "SQLITE_FULL": "disken er fuld",
    "SQLITE_IOERR": "disken kunne ikke læse eller skrive (I/O-fejl)",
    "SQLITE_BUSY": "databasen var optaget af en anden skrivning for længe",
    "SQLITE_LOCKED": "databasen var optaget af en anden skrivning for længe",
    "SQLITE_CANTOPEN": "databasefilen kan ikke åbnes",
    "SQLITE_CORRUPT": "databasefilen er beskadiget",
    "SQLITE_NOTADB": "filen er ikke en SQLite-database",
}
_PG_CAUSES = {
    "25006": "databasen er skrivebeskyttet (read-only)",
    "53100": "databaseserverens disk er fuld",
    "53": "databaseserveren mangler ressourcer (disk, hukommelse eller forbindelser)",
    "08": "forbindelsen til databaseserveren er afbrudt eller kan ikke oprettes",
    "57": "databaseserveren er stoppet eller genstarter",
}
BUSY = "databasen var optaget af en anden skrivning for længe"
LOST = "forbindelsen til databaseserveren er afbrudt eller kan ikke oprettes"


def failure_cause(exc: BaseException | None, disconnect: bool = False) -> str:
    """A database error's cause in Danish, from its error code only (never its message, which can
    hold values)."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    for prefix, cause in _SQLITE_CAUSES.items():
        if name.startswith(prefix):
            return cause
    state = getattr(exc, "sqlstate", None) or ""
    for key in (state, state[:2]):
        if key in _PG_CAUSES:
            return _PG_CAUSES[key]
    if disconnect or not state and not name:
        return LOST
    return f"databasen meldte en fejl (kode {name or state})"


#: Every connection of the pool was in use for the pool's whole wait (SQLAlchemy's TimeoutError).
POOL_BUSY = "alle forbindelser til databasen var i brug for længe (mange samtidige forespørgsler)"


def pool_exhausted(engine_url: Any) -> StoreUnavailableError:
    """The register was too busy to answer: no connection came free in time. Nothing was stored
    (a write that had no connection never began)."""
    return StoreUnavailableError(
        "Registeret var optaget: intet er gemt.",
        [Problem(_where(str(engine_url)), f"{POOL_BUSY}.", "Prøv igen om lidt; kontakt driften, hvis det sker ofte (flere processer med serve --workers, eller PostgreSQL i stedet for SQLite).")],
    )


def unavailable(engine_url: Any, cause: str) -> StoreUnavailableError:
    lost = cause == LOST
    return StoreUnavailableError(
        "Registeret kunne ikke bruges: " + ("det er ikke bekræftet, at noget blev gemt." if lost else "intet er gemt."),
        [
            Problem(
                _where(str(engine_url)),
                f"{cause}.",
                (
                    "Kontrollér adressen (--db eller KOMPETENCEPLAN_DB), og at databaseserveren kører. Blev forbindelsen afbrudt under en registrering, "
                    "så se efter med fx 'decision list', om den er gemt, før du prøver igen."
                    if lost
                    else "Prøv igen, når databasen kan skrives (kontrollér rettigheder, diskplads og at serveren kører); kontakt driften, hvis det varer ved."
                ),
            )
        ],
    )


def _write_failures(engine: Engine) -> None:
    """Every lost connection, read-only database, full disk or I/O error becomes a
    `StoreUnavailableError` (Danish, no SQL, no values); the time of the last one is kept for
    ``/health`` (`write_status`)."""
    engine.info_failed_at = None  # type: ignore[attr-defined]  # the register's own note on the engine

    @event.listens_for(engine, "handle_error")
    def on_error(context: ExceptionContext) -> None:
        wrapped = context.sqlalchemy_exception
        if not (context.is_disconnect or isinstance(wrapped, (OperationalError, InterfaceError, InternalError))):
            return  # a bug or a constraint: not an outage
        cause = failure_cause(context.original_exception, context.is_disconnect)
        if cause != BUSY:
            engine.info_failed_at = time.monotonic()  # type: ignore[attr-defined]
            # Discard the pool's connections: one opened while the file was read-only (or the disk
            # failed) stays so, and the next write must open the database afresh.
            context.is_disconnect = True
        raise unavailable(engine.url, cause) from None

    @event.listens_for(engine, "commit")
    def on_commit(conn: Connection) -> None:
        engine.info_failed_at = None  # type: ignore[attr-defined]  # a commit that fails sets it again (on_error)


def write_status(engine: Engine) -> str | None:
    """None when the register can be written, else why not (Danish): a write is tried and rolled
    back (nothing changes), and a write that failed in the last `RECENT_WRITE_FAILURE_S` seconds
    counts (a full disk shows only when something is written)."""
    try:
        with engine.connect() as conn:
            sqlite = engine.url.get_backend_name() == "sqlite"
            raw = conn.connection.driver_connection
            if sqlite:  # do not wait a minute behind a long write: a busy database is a writable one
                raw.execute("PRAGMA busy_timeout=2000")  # type: ignore[union-attr]
            try:
                conn.execution_options(**{_WRITER: True})  # SQLite: BEGIN IMMEDIATE, as every write
                with conn.begin() as trans:
                    conn.execute(text("DELETE FROM alembic_version WHERE 1 = 0"))
                    trans.rollback()
            finally:
                if sqlite and not conn.invalidated:  # an invalidated connection is closed, not pooled
                    raw.execute("PRAGMA busy_timeout=60000")  # type: ignore[union-attr]
    except StoreUnavailableError as exc:
        cause = exc.problems[0].what.rstrip(".")
        if cause != BUSY:
            return cause
    failed = getattr(engine, "info_failed_at", None)
    if failed is not None and time.monotonic() - failed < RECENT_WRITE_FAILURE_S:
        return "den seneste skrivning til registeret mislykkedes"
    return None


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
    # SQLAlchemy gives one for every single-row insert
    return not_none(result.inserted_primary_key, "the inserted row's primary key")[0]


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
    return not_none(ScriptDirectory.from_config(config).get_current_head(), "the newest migration")


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
