"""Request dependencies: one unit of work per request, the content catalogue."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request

from kneecoach.content.loader import load_catalogue
from kneecoach.domain.exercises import Catalogue
from kneecoach.store.db import connect, unit_of_work
from kneecoach.store.repository import Store


def get_store(request: Request) -> Iterator[Store]:
    engine = connect(request.app.state.settings.db_url)
    with unit_of_work(engine) as store:
        yield store


def get_read_store(request: Request) -> Iterator[Store]:
    """A unit of work that only reads: it never waits for, or blocks, a writer."""
    engine = connect(request.app.state.settings.db_url)
    with unit_of_work(engine, read_only=True) as store:
        yield store


def get_catalogue() -> Catalogue:
    return load_catalogue()


StoreDep = Annotated[Store, Depends(get_store)]
ReadStoreDep = Annotated[Store, Depends(get_read_store)]
CatalogueDep = Annotated[Catalogue, Depends(get_catalogue)]
