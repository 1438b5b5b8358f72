"""What the engine adds to the API: a session's status while stopped, `while_stopped` in the
history, the versions with their reasons in progress, and the weekly re-screen."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kneecoach.web.app import WebSettings, create_app
from tests.factories import clear_answers, profile

START = dt.date(2026, 1, 5)  # a Monday


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path / 'course.db'}"
    settings = WebSettings(
        db_url=url, port=8000, extra_hosts=("testserver",), today=START + dt.timedelta(days=20)
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client
    from kneecoach.store.db import dispose_all

    dispose_all()


def day(n: int) -> str:
    return (START + dt.timedelta(days=n)).isoformat()


def log(n: int, pain: int = 1) -> dict[str, object]:
    return {
        "client_id": f"s-{n}",
        "date": day(n),
        "pain_before": 1,
        "pain_after": 1,
        "entries": [
            {"exercise_id": "bridge", "sets": [{"reps": 10, "hold_seconds": 2, "pain": pain}] * 2}
        ],
    }


def started(client: TestClient) -> None:
    body = {**profile(days_per_week=7), "start_date": START.isoformat()}
    assert client.post("/api/v1/programme", json=body).status_code == 201


def test_a_session_logged_while_stopped_is_kept_marked_and_never_counted(client):
    started(client)
    flag = {"date": day(1), "pain": 3, "morning": True, "answers": clear_answers(knee_locked=True)}
    assert client.post("/api/v1/checkins", json=flag).json()["status"] == "stopped"
    saved = client.post("/api/v1/sessions", json=log(2, pain=7))
    assert saved.status_code == 201
    assert saved.json()["status"] == "stopped"
    assert client.get("/api/v1/today", params={"date": day(3)}).json()["status"] == "stopped"
    client.post("/api/v1/checkins", json={"date": day(3), "pain": 2, "morning": True})
    history = client.get("/api/v1/history").json()["sessions"]
    assert [(s["client_id"], s["while_stopped"]) for s in history] == [("s-2", True)]
    decisions = client.get("/api/v1/progress", params={"date": day(3)}).json()["decisions"]
    assert not [d for d in decisions if d["session_key"] == "s-2"]  # pain 7, yet no PM-1


def test_a_session_on_the_day_of_the_stop_says_stopped_as_its_history_does(client):
    # The stop's own day: the check-in that stopped the programme came first, then the
    # session. Its answer and its mark in the history agree, and a resend says the same.
    started(client)
    flag = {"date": day(1), "pain": 3, "morning": True, "answers": clear_answers(knee_locked=True)}
    assert client.post("/api/v1/checkins", json=flag).json()["status"] == "stopped"
    assert client.post("/api/v1/sessions", json=log(1)).json()["status"] == "stopped"
    client.post("/api/v1/checkins", json={"date": day(2), "pain": 2, "morning": True})
    history = client.get("/api/v1/history").json()["sessions"]
    assert [(s["client_id"], s["while_stopped"]) for s in history] == [("s-1", True)]
    again = client.post("/api/v1/sessions", json=log(1)).json()
    assert (again["created"], again["status"]) == (False, "stopped")


def test_an_active_session_says_active_and_counts(client):
    started(client)
    saved = client.post("/api/v1/sessions", json=log(0, pain=7)).json()
    assert saved["status"] == "active"
    assert [d["rule"] for d in saved["decisions"]] == ["PM-1"]
    client.post("/api/v1/checkins", json={"date": day(1), "pain": 2, "morning": True})
    history = client.get("/api/v1/history").json()["sessions"]
    assert history[0]["while_stopped"] is False


def test_progress_lists_every_version_with_its_reasons(client):
    started(client)
    for n in range(0, 6, 2):
        client.post("/api/v1/checkins", json={"date": day(n), "pain": 1, "morning": True})
        client.post("/api/v1/sessions", json=log(n, pain=7))
    client.post("/api/v1/checkins", json={"date": day(6), "pain": 1, "morning": True})
    progress = client.get("/api/v1/progress", params={"date": day(6)}).json()
    versions = progress["versions"]
    assert versions[0]["version"] == 1 and versions[0]["effective_date"] == day(0)
    assert len(versions) >= 2
    later = [reason for v in versions[1:] for reason in v["reasons"]]
    assert any(reason.startswith("PM-1:") for reason in later)
    assert progress["programme_version"] == versions[-1]["version"]


def test_today_says_when_the_safety_questions_are_due(client):
    started(client)
    assert client.get("/api/v1/today", params={"date": day(6)}).json()["screening_due"] is False
    assert client.get("/api/v1/today", params={"date": day(7)}).json()["screening_due"] is True
    again = {"date": day(8), "pain": 2, "morning": True, "answers": clear_answers()}
    assert client.post("/api/v1/checkins", json=again).json()["screening_due"] is False
    assert client.get("/api/v1/today", params={"date": day(14)}).json()["screening_due"] is False
    assert client.get("/api/v1/today", params={"date": day(15)}).json()["screening_due"] is True
