"""The unit of work a service opens for itself (cosmicpython's `with uow:` pattern).

A service takes a `UnitOfWork` and decides what it needs: `with uow.read() as store:`
only reads (it never waits for, or blocks, a writer), `with uow.write() as store:`
commits when the block ends and rolls back if it raises. `await uow.write_soon(work)`
is for the hot write path of an async adapter: the database decides how (group commit
on SQLite, an ordinary transaction in a worker thread on PostgreSQL), never blocking
the event loop on a lock.

`kneecoach.store.db.Database` is the real one; tests/services/fake_uow.py has one for
service tests, over an in-memory database, that records which units of work were opened.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from kneecoach.store.repository import RevisionKey, Store

T = TypeVar("T")


class UnitOfWork(Protocol):
    @property
    def key(self) -> str:
        """Names the database (cache keys): equal for two units of work on one database."""
        ...

    def read(self) -> AbstractContextManager[Store]: ...

    def write(self) -> AbstractContextManager[Store]: ...

    async def write_soon(self, work: Callable[[Store], T]) -> T:
        """Run `work` in a write unit of work of its own, or in a savepoint of a shared
        one, and return its result once committed. An error in `work` fails only it."""
        ...

    def revision(self) -> RevisionKey | None:
        """(person id, uid, revision) of the newest person, outside any unit of work: the
        token changes with every write of theirs (cache keys, personal mode's person)."""
        ...
