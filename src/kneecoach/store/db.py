"""Which database to use, how to open it (migrated to the latest schema), one unit of work each."""

from __future__ import annotations

import datetime as dt
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import orjson
import platformdirs
from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session

from kneecoach.store.errors import StoreError
from kneecoach.store.repository import RevisionKey, Store, current_revision
from kneecoach.store.sqlite import LOCKING, group_commit, sqlite_engine, writer_queue

if TYPE_CHECKING:
    from alembic.config import Config

ENV_VAR = "KNEECOACH_DATABASE_URL"
MIGRATIONS = Path(__file__).parent / "migrations"
# The newest revision in migrations/versions (a test keeps the two equal): a database already
# there is opened without importing Alembic, which costs most of a second per command.
SCHEMA_HEAD = "0010"
PG_CONNECT_TIMEOUT_S = 10
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

T = TypeVar("T")

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
        raise StoreError("database", f"{source}: {url!r} is not a database URL; use {EXAMPLES}")
    driver = DRIVERS.get(scheme.lower())
    if driver is None:
        raise StoreError(
            "database", f"{source}: unsupported database scheme {scheme!r}; use {EXAMPLES}"
        )
    normalised = f"{driver}://{rest}"
    try:
        make_url(normalised)
    except (ArgumentError, ValueError) as error:
        raise StoreError("database", f"{source}: malformed database URL: {error}") from None
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
    options: dict[str, Any] = {LOCKING: "read" if read_only else "write"}
    if read_only and engine.dialect.name == "postgresql":
        options["postgresql_readonly"] = True  # BEGIN READ ONLY: no extra round trip
    bind = engine.execution_options(**options)
    queue = nullcontext() if read_only else writer_queue(engine)
    with queue, Session(bind, expire_on_commit=False) as session:
        try:
            yield Store(session)
            session.commit()
        except BaseException:
            session.rollback()
            raise


class Database:
    """The unit of work the services open for themselves (services/uow.py), on one engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.key = str(engine.url)

    def read(self) -> AbstractContextManager[Store]:
        return unit_of_work(self.engine, read_only=True)

    def write(self) -> AbstractContextManager[Store]:
        return unit_of_work(self.engine)

    async def write_soon(self, work: Callable[[Store], T]) -> T:
        """Group commit on SQLite (on this event loop: handing the work to threads measured
        slower, with a longer tail); on PostgreSQL an ordinary transaction in a thread."""
        if self.engine.dialect.name == "sqlite":
            return await group_commit(self.engine, self.write).run(work)
        import anyio  # only the web app writes this way

        return await anyio.to_thread.run_sync(self._write_now, work)

    def _write_now(self, work: Callable[[Store], T]) -> T:
        with self.write() as store:
            return work(store)

    def revision(self) -> RevisionKey | None:
        return current_revision(self.engine)


def database(url: str) -> Database:
    """The unit of work for `url` (its engine created once per process, migrated)."""
    return Database(connect(url))


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
        return sqlite_engine(url, json_serializer=_json_dumps, json_deserializer=orjson.loads)
    return _postgresql_engine(url)


def _open(url: str) -> Engine:
    engine = create_raw_engine(url)
    try:
        _migrate(engine)
    except DBAPIError as error:
        engine.dispose()
        shown = make_url(url).render_as_string(hide_password=True)
        raise StoreError("database", f"cannot open {shown}: {_first_line(error)}") from None
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
            raise StoreError("database", f"cannot migrate {shown}: {error}") from None


def _schema_revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    revision = connection.scalar(text("SELECT version_num FROM alembic_version"))
    return None if revision is None else str(revision)


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

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: object) -> None:
        # psycopg parses json columns itself, with the standard library's decoder (SQLAlchemy
        # leaves it to the driver): orjson instead, as on SQLite (each night's review reads
        # every person's course state, 3-9 kB of JSON).
        from psycopg.types.json import set_json_loads

        set_json_loads(
            orjson.loads, getattr(dbapi_connection, "driver_connection", None) or dbapi_connection
        )

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
