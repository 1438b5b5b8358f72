"""An app on a real database (SQLite and PostgreSQL), driven through httpx's TestClient.

Every app here has its "today" fixed to TODAY, so requests without a date (a check-in now, a
programme starting today, the pages) mean the same day whatever the machine's clock says.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from kneecoach.web.app import WebSettings, create_app

# A Wednesday, nine days into the programmes the API tests start on 2026-01-05.
TODAY = dt.date(2026, 1, 14)


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    app = create_app(
        WebSettings(db_url=db_url, port=8000, extra_hosts=("testserver",), today=TODAY)
    )
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def sqlite_client(tmp_path) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path / 'web.db'}"
    app = create_app(WebSettings(db_url=url, port=8000, extra_hosts=("testserver",), today=TODAY))
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
    from kneecoach.store.db import dispose_all

    dispose_all()
