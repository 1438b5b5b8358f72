"""Group commit for session logs: sessions that arrive together are written together.

Each request checks its own log first (no database: a malformed one gets its own
422 at once). Checked logs queue here; one drain reads each person's programme once
and writes everything queued in a single unit of work: one write lock, one commit,
however many sessions. Under load that turns many short transactions into a few
larger ones; alone, a session is written at once. A log the database refuses (no
programme yet, a date before the start) fails only its own request, and if a batch
write fails, each session is retried on its own so one bad write never fails others.
While another process holds the database's writer lock, the drain looks again a
moment later instead of blocking the event loop, so its batch keeps growing
(docs/performance.md).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from kneecoach.domain.exercises import Catalogue
from kneecoach.services import programme as svc
from kneecoach.services.actor import Actor
from kneecoach.services.validation import InvalidInput
from kneecoach.store.db import unit_of_work, writer_busy

# (person id, who acts, the checked log, the request waiting for its result)
Waiting = tuple[int, Actor, dict[str, Any], asyncio.Future[dict[str, Any]]]
RETRY_SECONDS = 0.0005
MAX_WAITS = 40  # then block on the lock like any writer (about 20 ms of polite waiting)


@dataclass
class SessionBatcher:
    engine: Engine
    catalogue: Catalogue
    queue: list[Waiting] = field(default_factory=list)
    draining: bool = False
    waited: int = 0

    async def save(self, person_id: int, actor: Actor, log: dict[str, Any]) -> dict[str, Any]:
        """Write a checked session log (from `parse_session_log`) for `person_id`; its
        result or its error."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[dict[str, Any]] = loop.create_future()
        self.queue.append((person_id, actor, log, future))
        if not self.draining:
            self.draining = True
            # After the callbacks already waiting (other requests being checked), so
            # sessions that arrive together land in the same batch.
            loop.call_soon(self._drain)
        return await future

    def _drain(self) -> None:
        if writer_busy(self.engine) and self.waited < MAX_WAITS:
            # The other worker is writing: keep serving this loop (more sessions join
            # the batch) and look again shortly, rather than block the loop on the lock.
            self.waited += 1
            asyncio.get_running_loop().call_later(RETRY_SECONDS, self._drain)
            return
        self.waited = 0
        batch, self.queue = self.queue, []
        try:
            self._write(batch)
        except Exception:
            for one in batch:
                if not one[3].done():
                    try:
                        self._write([one])
                    except Exception as error:  # reaches that request's error handlers
                        if not one[3].done():
                            one[3].set_exception(error)
        if self.queue:
            asyncio.get_running_loop().call_soon(self._drain)
        else:
            self.draining = False

    def _write(self, batch: list[Waiting]) -> None:
        settled: list[tuple[asyncio.Future[dict[str, Any]], dict[str, Any]]] = []
        refused: list[tuple[asyncio.Future[dict[str, Any]], InvalidInput]] = []
        with unit_of_work(self.engine) as store:
            programmes: dict[int, dict[str, Any]] = {}  # read once per person a batch
            for person_id, actor, log, future in batch:
                try:
                    current = programmes.get(person_id) or svc.current_programme(
                        store, person_id, actor=actor
                    )
                    programmes[person_id] = current
                    prepared = svc.prepare_checked(self.catalogue, log, current)
                except InvalidInput as error:
                    refused.append((future, error))
                    continue
                settled.append((future, svc.save_session(store, prepared)))
        # Only once committed: a request never hears "saved" for a rolled-back write.
        # A request whose client went away has a cancelled future: nothing to tell it.
        for future, result in settled:
            if not future.done():
                future.set_result(result)
        for future, problem in refused:
            if not future.done():
                future.set_exception(problem)


_batchers: dict[tuple[int, str], SessionBatcher] = {}


def batcher_for(engine: Engine, catalogue: Catalogue) -> SessionBatcher:
    """One batcher per event loop and database (tests run several loops in one process)."""
    key = (id(asyncio.get_running_loop()), str(engine.url))
    found = _batchers.get(key)
    if found is None:
        found = _batchers[key] = SessionBatcher(engine, catalogue)
    return found
