"""A seeded demo database shared by the read-only report tests (seeding takes seconds).

Every report test runs as of TODAY: the commands called in this process read
`kneecoach.clock.today()`, which is pinned here, so that `export --format fhir` and `import`,
which have no --date option, do not depend on the machine's date (docs/testing.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from kneecoach.content.loader import load_catalogue
from kneecoach.domain.exercises import Catalogue
from tests.reports.journey import START, seed

# After every day the demo people live (START plus four weeks): the report tests' today.
TODAY = START + dt.timedelta(days=28)


@pytest.fixture(autouse=True)
def _fixed_today(monkeypatch: pytest.MonkeyPatch) -> dt.date:
    monkeypatch.setattr("kneecoach.clock.today", lambda: TODAY)
    return TODAY


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
