"""No request can keep the server busy: dates inside their window, bodies at most 256 KiB.

The app's today is fixed here (2026-12-01), so the window is 2000-01-01 .. 2027-12-02.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kneecoach.web.app import WebSettings, create_app
from tests.factories import profile

TODAY = dt.date(2026, 12, 1)
LAST_DAY = "2027-12-02"  # 366 days after TODAY


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path / 'bounds.db'}"
    settings = WebSettings(db_url=url, port=8000, extra_hosts=("testserver",), today=TODAY)
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client
    from kneecoach.store.db import dispose_all

    dispose_all()


def started(client: TestClient) -> TestClient:
    body = {**profile(days_per_week=7), "start_date": "2026-11-30"}
    assert client.post("/api/v1/programme", json=body).status_code == 201
    return client


def session_log(date: str, entries: int = 1) -> dict[str, object]:
    entry = {"exercise_id": "bridge", "sets": [{"reps": 10, "pain": 1}]}
    return {
        "client_id": f"bounds-{date}-{entries}",
        "date": date,
        "pain_before": 1,
        "pain_after": 1,
        "entries": [entry] * entries,
    }


@pytest.mark.parametrize("date", ["9999-12-31", "9679-09-30", "2027-12-03", "1999-12-31"])
def test_a_date_outside_the_window_is_422_naming_date_at_once(client, date):
    started(client)
    began = time.perf_counter()
    response = client.get("/api/v1/today", params={"date": date})
    assert time.perf_counter() - began < 5  # a bound to catch a hang, not a benchmark
    assert response.status_code == 422
    assert response.json()["field"] == "date"
    assert client.get("/api/v1/progress", params={"date": date}).json()["field"] == "date"


@pytest.mark.parametrize(
    "date", ["0.0", "20261201", "2026-W49-1", "2026-12-01T10:00", "2026-02-30"]
)
def test_only_a_real_yyyy_mm_dd_is_a_date(client, date):
    started(client)
    response = client.get("/api/v1/today", params={"date": date})
    assert response.status_code == 422
    assert response.json()["field"] == "date"


def test_the_last_day_of_the_window_is_answered(client):
    started(client)
    response = client.get("/api/v1/today", params={"date": LAST_DAY})
    assert response.status_code == 200
    assert response.json()["date"] == LAST_DAY


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/checkins", {"pain": 2, "date": "9999-12-31"}, "date"),
        ("/api/v1/checkins", {"pain": 2, "date": 0}, "date"),
        (
            "/api/v1/psfs",
            {"date": "1999-12-31", "activities": [{"name": "Stairs", "score": 4}]},
            "date",
        ),
        ("/api/v1/clearances", {"date": "2099-01-01", "cleared_by": "Dr Patel, GP"}, "date"),
        ("/api/v1/sessions", session_log("9999-12-31"), "date"),
    ],
)
def test_a_body_date_outside_the_window_is_422_and_nothing_is_stored(client, path, body, field):
    started(client)
    before = client.get("/api/v1/history").json()
    response = client.post(path, json=body)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert client.get("/api/v1/history").json() == before


def test_a_programme_cannot_start_before_2000(client):
    response = client.post("/api/v1/programme", json={**profile(), "start_date": "1999-12-31"})
    assert response.status_code == 422
    assert response.json()["field"] == "start_date"
    assert client.get("/api/v1/today").json()["status"] == "not-started"


def test_a_one_mib_body_gets_413(client):
    started(client)
    big = b'{"pain": 2, "notes": "' + b"x" * (1024 * 1024) + b'"}'
    response = client.post(
        "/api/v1/checkins", content=big, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert client.get("/api/v1/history").json()["checkins"] == []


def test_a_chunked_body_over_the_limit_gets_413(client):
    started(client)

    def chunks() -> Iterator[bytes]:
        yield b'{"pain": 2, "notes": "'
        for _ in range(64):
            yield b"x" * 8192
        yield b'"}'

    response = client.post(
        "/api/v1/checkins", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert client.get("/api/v1/history").json()["checkins"] == []


def test_a_page_form_over_the_limit_gets_413(client):
    started(client)
    response = client.post(
        "/checkin",
        content=b"pain=2&notes=" + b"x" * (300 * 1024),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413


def test_a_session_of_too_many_exercises_is_422(client):
    started(client)
    response = client.post("/api/v1/sessions", json=session_log("2026-12-01", entries=61))
    assert response.status_code == 422
    assert response.json()["field"] == "entries"
    assert (
        client.post("/api/v1/sessions", json=session_log("2026-12-01", entries=2)).status_code
        == 201
    )


def test_a_day_more_than_five_years_after_the_start_is_422(client):
    body = {**profile(days_per_week=7), "start_date": "2022-11-30"}
    assert client.post("/api/v1/programme", json=body).status_code == 201
    began = time.perf_counter()
    last = client.get("/api/v1/today", params={"date": "2027-11-30"})  # 1826 days: the last
    assert time.perf_counter() - began < 10  # a bound to catch a runaway fold, not a benchmark
    assert last.status_code == 200
    refused = client.get("/api/v1/today", params={"date": "2027-12-01"})
    assert refused.status_code == 422
    assert refused.json()["field"] == "date"
    assert "five years" in refused.json()["detail"][0]["msg"]
