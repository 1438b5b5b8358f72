"""A unit of work for service tests: one in-memory SQLite database, no files, no locks.

The repository is the real `Store` (a hand-written fake of it would be a second
implementation to keep in step); what is fake is the unit of work around it. It
records every unit of work a service opens, so a test can say "this read took no write
lock" or "a refused actor opened nothing", and it commits and rolls back like the real
one. Creating it costs a few milliseconds: the tables come from the models, not from
the migrations (tests/integration/test_schema.py checks that the two agree).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from kneecoach.store.repository import RevisionKey, Store, current_revision
from kneecoach.store.tables import Base

T = TypeVar("T")


def _engine() -> Engine:
    engine = create_engine(
        "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: object, _record: object) -> None:
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    Base.metadata.create_all(engine)
    return engine


class FakeUnitOfWork:
    def __init__(self) -> None:
        self.engine = _engine()
        self.key = "fake"
        self.opened: list[str] = []  # "read" or "write", in order
        self.committed = 0

    @contextmanager
    def _unit(self, kind: str) -> Iterator[Store]:
        self.opened.append(kind)
        with Session(self.engine, expire_on_commit=False) as session:
            # A read that tries to write fails, as on the real databases.
            session.connection().exec_driver_sql(f"PRAGMA query_only = {int(kind == 'read')}")
            try:
                yield Store(session)
                session.commit()
                self.committed += kind == "write"
            except BaseException:
                session.rollback()
                raise

    def read(self) -> AbstractContextManager[Store]:
        return self._unit("read")

    def write(self) -> AbstractContextManager[Store]:
        return self._unit("write")

    async def write_soon(self, work: Callable[[Store], T]) -> T:
        with self._unit("write") as store:
            return work(store)

    def revision(self) -> RevisionKey | None:
        return current_revision(self.engine)
