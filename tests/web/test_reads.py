"""A GET never writes: every page and API route without a path parameter is read, on a
course whose last write left days to fold, and not one row of any table changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select
from starlette.routing import Route

from kneecoach.store.db import normalise_url
from kneecoach.store.tables import Base
from tests.factories import profile
from tests.web.conftest import TODAY

START = dt.date(2026, 1, 5)  # a Monday, nine days before TODAY


def rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as connection:
            return {
                table.name: sorted(
                    (tuple(row) for row in connection.execute(select(table))), key=repr
                )
                for table in Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def get_paths(client: TestClient) -> list[str]:
    """Every GET the app answers whose path needs no parameter (included routers too)."""
    found = []

    def walk(routes: list[Any]) -> None:
        for route in routes:
            included = getattr(route, "original_router", None)  # FastAPI's include_router
            if included is not None:
                walk(included.routes)
            elif (
                isinstance(route, APIRoute | Route)
                and "GET" in (route.methods or set())
                and "{" not in route.path
                and not route.path.startswith("/docs")
            ):
                found.append(route.path)

    walk(client.app.routes)  # type: ignore[attr-defined]
    return sorted(set(found))


def log(day: dt.date, pain: int) -> dict[str, object]:
    return {
        "client_id": f"s-{day.isoformat()}",
        "date": day.isoformat(),
        "pain_before": 2,
        "pain_after": 2,
        "entries": [
            {"exercise_id": "bridge", "sets": [{"reps": 10, "hold_seconds": 2, "pain": pain}] * 2}
        ],
    }


def test_no_get_page_or_route_writes_a_row(client: TestClient, db_url: str) -> None:
    body = {**profile(days_per_week=7), "start_date": START.isoformat()}
    assert client.post("/api/v1/programme", json=body).status_code == 201
    for n in range(8):
        day = START + dt.timedelta(days=n)
        morning = {"date": day.isoformat(), "pain": 3 + n % 3, "morning": True}
        assert client.post("/api/v1/checkins", json=morning).status_code == 200
        # Sessions come last: each drops the stored state from its day, so a read has days
        # to fold, and a read that stored its fold would show here.
        assert client.post("/api/v1/sessions", json=log(day, pain=2 + n % 5)).status_code == 201
    before = rows(db_url)
    paths = get_paths(client)
    assert {"/today", "/session", "/progress", "/api/v1/today", "/api/v1/progress"} <= set(paths)
    for path in paths:
        answer = client.get(path, params={"date": TODAY.isoformat()} if "/api/" in path else None)
        assert answer.status_code < 500, (path, answer.status_code)
    after = rows(db_url)
    changed = [name for name in before if before[name] != after[name]]
    assert changed == [], changed
