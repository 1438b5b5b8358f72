"""Shared fixtures. `db_url`: a fresh, empty database per test, on SQLite and on PostgreSQL.

PostgreSQL is a throwaway server of our own (tests/pgserver.py), started once per test
session on a free port and stopped at the end.
"""

from __future__ import annotations

import atexit
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pgserver import PG_BIN, PG_SETTINGS, PG_USER, PostgresServer, free_port

__all__ = ["PG_BIN", "PG_SETTINGS", "PG_USER", "PostgresServer", "free_port"]


@pytest.fixture(scope="session")
def postgresql_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the whole test session, started only if a test asks for it."""
    if not (PG_BIN / "pg_ctl").exists():
        pytest.fail(
            f"PostgreSQL server binaries not found in {PG_BIN}: run `make setup` "
            "(installs Debian's postgresql package) or set KNEECOACH_PG_BIN"
        )
    server = PostgresServer(PG_BIN)
    atexit.register(server.stop)  # also if the session dies before teardown
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"], ids=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database (no tables); any process can open it (`kneecoach --db URL`)."""
    from kneecoach.store.db import dispose_all

    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'kneecoach.db'}"
        dispose_all()
        return
    server: PostgresServer = request.getfixturevalue("postgresql_server")
    name = server.create_database()
    yield server.url(name)
    dispose_all()
    server.recycle(name)


@pytest.fixture(autouse=True)
def _settings_read_again() -> Iterator[None]:
    """A process reads its settings once; a test that changes the environment (monkeypatch)
    must be read afresh, and must not leave its settings or design choices to the next."""
    from kneecoach.domain import rules
    from kneecoach.settings import get_settings

    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
    rules.configure({})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest tests (marked slow) first: with `-n 2` (make test) they start at once
    on one worker while the other takes the rest, instead of ending the run alone."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
