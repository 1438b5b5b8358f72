"""Request dependencies: one unit of work per request, the content catalogue, and the
person this personal-mode app acts for (`CurrentPerson`, the web's one place for it)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request

from kneecoach.content.loader import load_catalogue
from kneecoach.domain.exercises import Catalogue
from kneecoach.store.db import connect, unit_of_work
from kneecoach.store.repository import Store, current_revision


def get_store(request: Request) -> Iterator[Store]:
    engine = connect(request.app.state.settings.db_url)
    with unit_of_work(engine) as store:
        yield store


def get_read_store(request: Request) -> Iterator[Store]:
    """A unit of work that only reads: it never waits for, or blocks, a writer."""
    engine = connect(request.app.state.settings.db_url)
    with unit_of_work(engine, read_only=True) as store:
        yield store


async def current_person(request: Request) -> int | None:
    """Personal mode: the most recent person in the database (None before any start).
    Routes and pages take it from here and pass it to the services with `OWNER`.

    One small indexed query, run on the event loop like the `today` cache key: a hop
    to a thread would cost more than the query, and would let requests overtake each
    other on their way to the session batcher."""
    found = current_revision(connect(request.app.state.settings.db_url))
    return found[0] if found else None


def get_catalogue() -> Catalogue:
    return load_catalogue()


StoreDep = Annotated[Store, Depends(get_store)]
ReadStoreDep = Annotated[Store, Depends(get_read_store)]
CatalogueDep = Annotated[Catalogue, Depends(get_catalogue)]
CurrentPerson = Annotated[int | None, Depends(current_person)]
