"""A seeded demo database shared by the read-only report tests (seeding takes seconds)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from kneecoach.content.loader import load_catalogue
from kneecoach.domain.exercises import Catalogue
from tests.reports.journey import seed


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dt.date]]:
    """(URL, last day) of a SQLite database holding one person's four weeks. Read only."""
    from kneecoach.store.db import dispose_all

    path = Path(tmp_path_factory.mktemp("demo")) / "demo.db"
    url = f"sqlite:///{path}"
    last = seed(url, minutes_per_session=60, access=["stationary-bike"])
    yield url, last
    dispose_all()
