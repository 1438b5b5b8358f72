"""The morning check-in page asks the safety questions again when something is new."""

from __future__ import annotations

import datetime as dt

from kneecoach.domain import rules
from tests.factories import profile
from tests.web.conftest import TODAY

ORIGIN = {"Origin": "http://127.0.0.1:8000"}
ASKED = "much higher than usual"


def _started(client) -> None:
    start = (TODAY - dt.timedelta(days=2)).isoformat()
    started = client.post("/api/v1/programme", json={**profile(pain_now=2), "start_date": start})
    assert started.status_code == 201, started.text


def _score(client, pain: int):
    return client.post(
        "/checkin",
        data={"pain": str(pain), "morning": "1", "step": "score"},
        headers=ORIGIN,
        follow_redirects=False,
    )


def test_a_morning_score_far_above_usual_asks_the_safety_questions_again(sqlite_client):
    client = sqlite_client
    _started(client)  # no morning scores yet: usual is the intake pain, 2
    asked = _score(client, 2 + rules.RESCREEN_MORNING_RISE)
    assert asked.status_code == 200
    assert ASKED in asked.text
    assert client.get("/api/v1/history").json()["checkins"] == []  # nothing stored yet
    saved = _score(client, 1 + rules.RESCREEN_MORNING_RISE)
    assert saved.status_code == 303, saved.text
    assert len(client.get("/api/v1/history").json()["checkins"]) == 1


def test_how_far_above_usual_is_a_design_choice(sqlite_client):
    client = sqlite_client
    _started(client)
    rules.configure({"RESCREEN_MORNING_RISE": 5})  # reset by the autouse fixture
    saved = _score(client, 5)  # 3 above usual: new under the default, not under 5
    assert saved.status_code == 303, saved.text
