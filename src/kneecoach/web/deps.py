"""Request dependencies, the web app's composition root: the database as a unit of work
the services open for themselves, the content catalogue, and the person this
personal-mode app acts for (`CurrentPerson`, the web's one place for it)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from kneecoach.content.loader import load_catalogue
from kneecoach.domain.exercises import Catalogue
from kneecoach.services.uow import UnitOfWork
from kneecoach.store.db import database


async def get_db(request: Request) -> UnitOfWork:
    """The app's database (its engine opened, and the schema migrated, on first use).

    On the event loop, like `machine_revision`: a sync dependency would hop to a thread
    for each request and let requests overtake each other on their way to the group
    commit (a resent session could be written before the one it repeats)."""
    state = request.app.state
    found: UnitOfWork | None = getattr(state, "db", None)
    if found is None:
        found = state.db = database(state.settings.db_url)
    return found


async def machine_revision(request: Request) -> tuple[int, str | None, int] | None:
    """Personal mode: (id, uid, revision) of the most recent person in the database (None
    before any start). The revision moves on with each write of theirs: the key of
    every cached answer about them.

    One small indexed query, run on the event loop: a hop to a thread would cost more
    than the query, and would let requests overtake each other on their way to the
    group commit."""
    return (await get_db(request)).revision()


CurrentRevision = Annotated[tuple[int, str | None, int] | None, Depends(machine_revision)]


async def current_person(revision: CurrentRevision) -> int | None:
    """Personal mode: the person this app acts for (None before any start). Routes and
    pages take it from here and pass it to the services with `OWNER`."""
    return revision[0] if revision else None


def get_catalogue() -> Catalogue:
    return load_catalogue()


DbDep = Annotated[UnitOfWork, Depends(get_db)]
CatalogueDep = Annotated[Catalogue, Depends(get_catalogue)]
CurrentPerson = Annotated[int | None, Depends(current_person)]
