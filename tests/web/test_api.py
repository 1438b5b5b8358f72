"""The JSON API: same shapes as the CLI, 422 naming the field, 404 for unknown ids, no 500s."""

from __future__ import annotations

import json

import pytest

from tests.factories import clear_answers, profile

START = "2026-01-05"


def start(client, **changes):
    response = client.post("/api/v1/programme", json={**profile(**changes), "start_date": START})
    assert response.status_code == 201, response.text
    return response.json()


def test_healthz(sqlite_client):
    assert sqlite_client.get("/healthz").json() == {"status": "ok"}


def test_exercises_and_one_exercise(sqlite_client):
    entries = sqlite_client.get("/api/v1/exercises").json()
    assert len(entries) == 29
    stretches = sqlite_client.get("/api/v1/exercises", params={"category": "stretch"}).json()
    assert {e["category"] for e in stretches} == {"stretch"}
    no_kit = sqlite_client.get("/api/v1/exercises", params={"equipment": "mat"}).json()
    assert "step-up" not in {e["id"] for e in no_kit}
    assert "bridge" in {e["id"] for e in no_kit}
    assert sqlite_client.get("/api/v1/exercises/bridge").json()["dose"]["reps"] == {
        "min": 10,
        "max": 15,
    }
    missing = sqlite_client.get("/api/v1/exercises/moonwalk")
    assert missing.status_code == 404


def test_screening(sqlite_client):
    result = sqlite_client.post("/api/v1/screening", json=clear_answers(knee_locked=True)).json()
    assert result["urgency"] == "urgent"
    assert result["flags"][0]["rule"] == "RF-2"
    answers = clear_answers()
    del answers["night_sweats"]
    bad = sqlite_client.post("/api/v1/screening", json=answers)
    assert bad.status_code == 422
    assert bad.json()["field"] == "night_sweats"


def test_today_before_start_and_not_started(sqlite_client):
    assert sqlite_client.get("/api/v1/today", params={"date": START}).json()["status"] == (
        "not-started"
    )
    start(sqlite_client)
    assert (
        sqlite_client.get("/api/v1/today", params={"date": "2026-01-04"}).json()["status"]
        == "not-started"
    )
    today = sqlite_client.get("/api/v1/today", params={"date": START}).json()
    assert today["status"] == "session"
    assert today["items"][0]["dose"]["sets"] == 2


def test_a_referral_is_not_saved(sqlite_client):
    response = sqlite_client.post(
        "/api/v1/programme", json={**profile(screening=clear_answers(knee_locked=True))}
    )
    assert response.status_code == 200
    assert response.json()["refer"] is True
    assert response.json()["sessions"] == []


def test_journey_through_the_api(client):
    start(client)
    log = {
        "client_id": "web-1",
        "date": START,
        "pain_before": 2,
        "pain_after": 3,
        "entries": [
            {
                "exercise_id": "bridge",
                "hurt": True,
                "sets": [{"reps": 10, "hold_seconds": 2, "pain": 7}],
            },
        ],
    }
    first = client.post("/api/v1/sessions", json=log)
    assert first.status_code == 201, first.text
    assert first.json()["decisions"][0]["rule"] == "PM-1"
    again = client.post("/api/v1/sessions", json=log)
    assert again.status_code == 200
    assert again.json()["session_id"] == first.json()["session_id"]
    checkin = client.post(
        "/api/v1/checkins", json={"date": "2026-01-06", "pain": 3, "morning": True}
    )
    assert checkin.status_code == 200, checkin.text
    assert checkin.json()["status"] == "active"
    history = client.get("/api/v1/history").json()
    assert len(history["sessions"]) == 1 and len(history["checkins"]) == 1
    progress = client.get("/api/v1/progress", params={"date": "2026-01-07"}).json()
    assert progress["decisions"][0]["action"] == "regress"
    wednesday = client.get("/api/v1/today", params={"date": "2026-01-07"}).json()
    bridge = next(i for i in wednesday["items"] if i["slot"] == "bridge")
    assert bridge["decision"]["rule"] == "PM-1"
    assert bridge["dose"]["sets"] == 1


def test_red_flag_checkin_stops_until_cleared(sqlite_client):
    start(sqlite_client)
    stopped = sqlite_client.post(
        "/api/v1/checkins",
        json={
            "date": "2026-01-06",
            "pain": 4,
            "answers": clear_answers(breathless_or_chest_pain=True),
        },
    ).json()
    assert stopped["status"] == "stopped" and stopped["urgency"] == "emergency"
    cleared = sqlite_client.post(
        "/api/v1/clearances",
        json={
            "date": "2026-01-07",
            "cleared_by": "Dr Patel",
            "answers": clear_answers(),
        },
    ).json()
    assert cleared["status"] == "active"


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/checkins", {"pain": 11}, "pain"),
        ("/api/v1/checkins", {"pain": 3, "mood": "ok"}, "mood"),
        ("/api/v1/checkins", {"pain": 3, "date": "yesterday"}, "date"),
        ("/api/v1/programme", {**profile(pain_now=12)}, "pain_now"),
        ("/api/v1/programme", {**profile(), "start_date": "soon"}, "start_date"),
        ("/api/v1/sessions", {"client_id": "x"}, "date"),
        ("/api/v1/screening", [], "body"),
    ],
)
def test_bad_input_is_422_naming_the_field(sqlite_client, path, body, field):
    start(sqlite_client)
    response = sqlite_client.post(path, json=body)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field


def test_malformed_json_is_422_not_500(sqlite_client):
    response = sqlite_client.post(
        "/api/v1/sessions", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422


def test_bad_query_date_is_422(sqlite_client):
    response = sqlite_client.get("/api/v1/today", params={"date": "2026-02-30"})
    assert response.status_code == 422
    assert response.json()["field"] == "date"


def test_sessions_before_a_programme_exists(sqlite_client):
    response = sqlite_client.post(
        "/api/v1/sessions",
        json={
            "client_id": "x",
            "date": START,
            "pain_before": 1,
            "pain_after": 1,
            "entries": [{"exercise_id": "bridge", "hurt": False, "sets": [{"pain": 1}]}],
        },
    )
    assert response.status_code == 422
    assert response.json()["field"] == "programme"
    assert sqlite_client.get("/api/v1/progress").status_code == 404


def test_openapi_documents_the_endpoints(sqlite_client):
    spec = sqlite_client.get("/openapi.json").json()
    for path in (
        "/api/v1/exercises",
        "/api/v1/exercises/{exercise_id}",
        "/api/v1/screening",
        "/api/v1/programme",
        "/api/v1/today",
        "/api/v1/sessions",
        "/api/v1/checkins",
        "/api/v1/history",
        "/api/v1/progress",
        "/healthz",
    ):
        assert path in spec["paths"], path
    assert json.dumps(spec)
