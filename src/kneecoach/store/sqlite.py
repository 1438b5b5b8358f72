"""SQLite in one room: its PRAGMAs, the writer lock, lock polling and group commit.

SQLite has one writer at a time. Writers queue on a per-file lock (a thread lock, then
`flock` on `<db>-writer.lock`) rather than in SQLite's busy handler, which sleeps in
growing steps of up to 100 ms. Writes that arrive together on an event loop are written
together (`GroupCommit`): one write lock, one commit, however many sessions.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event

from kneecoach.store.repository import Store

try:
    import fcntl
except ImportError:  # not on Windows: SQLite's own busy handler queues writers there
    fcntl = None  # type: ignore[assignment]

BUSY_TIMEOUT_MS = 10_000
# Execution option set by a unit of work: "write" or "read"; plain connections have neither.
LOCKING = "kneecoach_locking"
# While another process holds the write lock, a drain looks again this often, this many
# times (about 20 ms of polite waiting), then blocks on the lock like any writer.
RETRY_SECONDS = 0.0005
MAX_WAITS = 40

T = TypeVar("T")


def sqlite_engine(url: str, **json: Any) -> Engine:
    """An engine whose writers take the write lock up front and whose readers never can."""
    engine = create_engine(url, **json)

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


def _lock_file(engine: Engine) -> str | None:
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:" or fcntl is None:
        return None
    return f"{database}-writer.lock"


_thread_locks: dict[str, threading.Lock] = {}
_thread_locks_lock = threading.Lock()


@contextmanager
def writer_queue(engine: Engine) -> Iterator[None]:
    """Queue here, not in SQLite, for the file's one writer (no-op on other databases):
    the next writer wakes the moment one commits."""
    path = _lock_file(engine)
    if path is None:
        yield
        return
    with _thread_locks_lock:
        lock = _thread_locks.setdefault(path, threading.Lock())
    with lock, open(path, "a+b") as handle:
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
    path = _lock_file(engine)
    if path is None:
        return False
    with open(path, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


@dataclass
class _Waiting(Generic[T]):
    work: Callable[[Store], T]
    future: asyncio.Future[T]


@dataclass
class GroupCommit:
    """Writes that arrive together on one event loop share one unit of work.

    Each work runs in a savepoint of its own: one that raises is rolled back alone and
    fails only its own caller. Callers hear their result only once the batch has
    committed; if the commit itself fails, each work is retried in a unit of work of its
    own, so one bad write never fails the others. While another process holds the file's
    write lock, the drain looks again a moment later instead of blocking the event loop,
    so its batch keeps growing (docs/performance.md).
    """

    open_unit: Callable[[], Any]  # a context manager yielding a Store (a write unit of work)
    engine: Engine
    queue: list[_Waiting[Any]] = field(default_factory=list)
    draining: bool = False
    waited: int = 0

    async def run(self, work: Callable[[Store], T]) -> T:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self.queue.append(_Waiting(work, future))
        if not self.draining:
            self.draining = True
            # After the callbacks already waiting (other requests being checked), so
            # writes that arrive together land in the same batch.
            loop.call_soon(self._drain)
        return await future

    def _drain(self) -> None:
        if writer_busy(self.engine) and self.waited < MAX_WAITS:
            self.waited += 1
            asyncio.get_running_loop().call_later(RETRY_SECONDS, self._drain)
            return
        self.waited = 0
        batch, self.queue = self.queue, []
        if len(batch) == 1:
            self._write_alone(batch[0])
        else:
            try:
                self._write_together(batch)
            except Exception:
                for one in batch:
                    if not one.future.done():
                        self._write_alone(one)
        if self.queue:
            asyncio.get_running_loop().call_soon(self._drain)
        else:
            self.draining = False

    def _write_alone(self, one: _Waiting[Any]) -> None:
        try:
            with self.open_unit() as store:
                value = one.work(store)
        except Exception as error:  # reaches that request's error handlers
            if not one.future.done():
                one.future.set_exception(error)
        else:
            if not one.future.done():  # a caller that went away has a cancelled future
                one.future.set_result(value)

    def _write_together(self, batch: list[_Waiting[Any]]) -> None:
        results: list[tuple[_Waiting[Any], bool, Any]] = []
        with self.open_unit() as store:
            for one in batch:
                try:
                    with store.savepoint():
                        results.append((one, True, one.work(store)))
                except Exception as error:
                    results.append((one, False, error))
        # Only once committed: a caller never hears "saved" for a rolled-back write.
        for one, ok, value in results:
            if one.future.done():
                continue
            if ok:
                one.future.set_result(value)
            else:
                one.future.set_exception(value)


_groups: dict[tuple[int, str], GroupCommit] = {}


def group_commit(engine: Engine, open_unit: Callable[[], Any]) -> GroupCommit:
    """One group per event loop and database (tests run several loops in one process)."""
    key = (id(asyncio.get_running_loop()), str(engine.url))
    found = _groups.get(key)
    if found is None:
        found = _groups[key] = GroupCommit(open_unit, engine)
    return found
