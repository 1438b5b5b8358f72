"""Which database to use, how to open it (migrated to the latest schema), one unit of work each."""

from __future__ import annotations

import datetime as dt
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import platformdirs
from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session

from kneecoach.store.errors import StoreError
from kneecoach.store.repository import Store

try:
    import fcntl
except ImportError:  # not on Windows: SQLite's own busy handler queues writers there
    fcntl = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from alembic.config import Config

ENV_VAR = "KNEECOACH_DATABASE_URL"
MIGRATIONS = Path(__file__).parent / "migrations"
# The newest revision in migrations/versions (a test keeps the two equal): a database already
# there is opened without importing Alembic, which costs most of a second per command.
SCHEMA_HEAD = "0005"
BUSY_TIMEOUT_MS = 10_000
PG_CONNECT_TIMEOUT_S = 10
# Execution option set by unit_of_work: "write" or "read"; plain connections have neither.
LOCKING = "kneecoach_locking"
# Any constant will do: it keeps two processes from migrating one PostgreSQL database at once.
MIGRATION_LOCK_KEY = 0x6B6E6565

DRIVERS = {
    "sqlite": "sqlite",
    "sqlite+pysqlite": "sqlite",
    "postgres": "postgresql+psycopg",
    "postgresql": "postgresql+psycopg",
    "postgresql+psycopg": "postgresql+psycopg",
}
EXAMPLES = "sqlite:///path/to/kneecoach.db or postgresql://user:password@host/dbname"

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def default_url() -> str:
    """The SQLite file in the user's data directory, which is created if missing."""
    directory = Path(platformdirs.user_data_dir("kneecoach"))
    directory.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{directory / 'kneecoach.db'}"


def resolve_url(option: str | None) -> str:
    """The --db option if given, else $KNEECOACH_DATABASE_URL, else the default SQLite file."""
    if option is not None:
        return normalise_url(option, "--db")
    from kneecoach.settings import get_settings

    from_env = (get_settings().database_url or "").strip()
    if from_env:
        return normalise_url(from_env, ENV_VAR)
    return default_url()


def normalise_url(url: str, source: str = "--db") -> str:
    """Check the scheme, choose psycopg 3 for PostgreSQL; errors name `source`."""
    url = url.strip()
    scheme, separator, rest = url.partition("://")
    if not separator or not scheme:
        raise StoreError("--db", f"{source}: {url!r} is not a database URL; use {EXAMPLES}")
    driver = DRIVERS.get(scheme.lower())
    if driver is None:
        raise StoreError(
            "--db", f"{source}: unsupported database scheme {scheme!r}; use {EXAMPLES}"
        )
    normalised = f"{driver}://{rest}"
    try:
        make_url(normalised)
    except (ArgumentError, ValueError) as error:
        raise StoreError("--db", f"{source}: malformed database URL: {error}") from None
    return normalised


def connect(url: str) -> Engine:
    """An engine for `url`, created once per URL per process, with the schema migrated to head."""
    url = normalise_url(url)
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _open(url)
            _engines[url] = engine
        return engine


def forget_engines() -> None:
    """Drop the cached engines without closing their connections: a forked child calls
    this, so it never uses (or closes) a connection its parent still holds."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose(close=False)
        _engines.clear()


def dispose_all() -> None:
    """Close every cached engine's connections (tests drop their databases afterwards)."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


@contextmanager
def unit_of_work(engine: Engine, *, read_only: bool = False) -> Iterator[Store]:
    """One Session: committed when the block ends normally, rolled back if it raises.

    On SQLite a unit of work takes the write lock when it begins, so concurrent writers queue
    (busy_timeout) rather than fail; `read_only=True` skips the lock, so reads never wait, and
    refuses writes on both backends.
    """
    bind = engine.execution_options(**{LOCKING: "read" if read_only else "write"})
    queue = nullcontext() if read_only else _writer_queue(engine)
    with queue, Session(bind, expire_on_commit=False) as session:
        try:
            yield Store(session)
            session.commit()
        except BaseException:
            session.rollback()
            raise


_thread_locks: dict[str, threading.Lock] = {}


@contextmanager
def _writer_queue(engine: Engine) -> Iterator[None]:
    """SQLite has one writer at a time; make writers queue here instead of in SQLite.

    SQLite's busy handler waits by sleeping in growing steps (up to 100 ms), which turns
    a short queue into long tail latencies. A lock per file, in-process and then across
    processes (flock on a sidecar file), wakes the next writer the moment one commits.
    """
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:" or fcntl is None:
        yield
        return
    with _engines_lock:
        lock = _thread_locks.setdefault(database, threading.Lock())
    with lock, open(f"{database}-writer.lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def writer_busy(engine: Engine) -> bool:
    """Whether another process holds the SQLite file's writer lock right now (a hint only).

    Lets an event loop go on accepting requests, and grow its next batch, instead of
    blocking until the other writer commits.
    """
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:" or fcntl is None:
        return False
    with open(f"{database}-writer.lock", "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Config:
    """Alembic settings built in code: the package needs no alembic.ini at run time."""
    from alembic.config import Config

    config = Config(stdout=sys.stderr)
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    if url is not None:
        config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def create_raw_engine(url: str) -> Engine:
    """An engine with kneecoach's connection settings but no migration (see connect)."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    return _postgresql_engine(url)


def _open(url: str) -> Engine:
    engine = create_raw_engine(url)
    try:
        _migrate(engine)
    except DBAPIError as error:
        engine.dispose()
        shown = make_url(url).render_as_string(hide_password=True)
        raise StoreError("--db", f"cannot open {shown}: {_first_line(error)}") from None
    return engine


def _migrate(engine: Engine) -> None:
    with engine.execution_options(**{LOCKING: "write"}).begin() as connection:
        if _schema_revision(connection) == SCHEMA_HEAD:
            return
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})")
        from alembic import command
        from alembic.util.exc import CommandError

        try:
            command.upgrade(alembic_config(connection=connection), "head")
        except CommandError as error:  # e.g. a revision written by a newer kneecoach
            shown = engine.url.render_as_string(hide_password=True)
            raise StoreError("--db", f"cannot migrate {shown}: {error}") from None


def _schema_revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    revision = connection.scalar(text("SELECT version_num FROM alembic_version"))
    return None if revision is None else str(revision)


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, json_serializer=_json_dumps, json_deserializer=orjson.loads)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: object) -> None:
        # SQLAlchemy, not the sqlite3 module, decides where transactions begin (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # A writer takes the lock up front: a deferred one that read first could not upgrade
        # once another writer had committed (SQLITE_BUSY_SNAPSHOT), and busy_timeout won't help.
        locking = connection.get_execution_options().get(LOCKING)
        query_only = int(locking == "read")
        info = connection.connection.info  # lives as long as the pooled connection
        if info.get("query_only") != query_only:
            connection.exec_driver_sql(f"PRAGMA query_only = {query_only}")
            info["query_only"] = query_only
        connection.exec_driver_sql("BEGIN IMMEDIATE" if locking == "write" else "BEGIN")

    return engine


def _postgresql_engine(url: str) -> Engine:
    connect_args: dict[str, Any] = {"application_name": "kneecoach"}
    if "connect_timeout" not in make_url(url).query:
        connect_args["connect_timeout"] = PG_CONNECT_TIMEOUT_S
    engine = create_engine(
        url,
        json_serializer=_json_dumps,
        json_deserializer=orjson.loads,
        connect_args=connect_args,
        pool_pre_ping=True,
    )

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if connection.get_execution_options().get(LOCKING) == "read":
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")

    return engine


def _json_dumps(value: object) -> str:
    # orjson: the course state is written for every person every night, and the standard
    # library's encoder and decoder were a fifth of the review's time.
    return orjson.dumps(value, default=_json_default, option=orjson.OPT_NON_STR_KEYS).decode()


def _json_default(value: object) -> str:
    # Dates inside JSON values (numbers, reasons) are stored, and come back, as ISO strings.
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot be stored as JSON")


def _first_line(error: DBAPIError) -> str:
    text = str(error.orig) if error.orig is not None else str(error)
    return text.strip().splitlines()[0] if text.strip() else type(error).__name__
