"""An escalation shows on every page, with what to do and how soon, until acknowledged."""

from __future__ import annotations

import datetime as dt
import re

from tests.factories import clear_answers, profile
from tests.web.conftest import TODAY  # the app's today: these tests count days back from it


def test_a_red_flag_shows_on_every_page_until_acknowledged(sqlite_client):
    client = sqlite_client
    start = (TODAY - dt.timedelta(days=3)).isoformat()
    started = client.post("/api/v1/programme", json={**profile(), "start_date": start})
    assert started.status_code == 201, started.text
    client.post(
        "/api/v1/checkins",
        json={"pain": 4, "answers": clear_answers(calf_swelling_pain_one_leg=True)},
    )
    for path in ("/today", "/library", "/avoid", "/progress", "/settings"):
        page = client.get(path).text
        assert "RF-2" in page, path
        assert "Today" in page  # how soon: urgent means today
    banner = client.get("/library").text
    ids = sorted(set(re.findall(r"/escalations/(\d+)/acknowledge", banner)))
    assert ids
    for escalation_id in ids:
        done = client.post(
            f"/escalations/{escalation_id}/acknowledge",
            headers={"Origin": "http://127.0.0.1:8000"},
            follow_redirects=False,
        )
        assert done.status_code in (200, 303)
    assert "/acknowledge" not in client.get("/library").text


def test_a_missed_week_reminder_shows_on_the_today_page(sqlite_client):
    client = sqlite_client
    start = (TODAY - dt.timedelta(days=9)).isoformat()
    started = client.post("/api/v1/programme", json={**profile(), "start_date": start})
    assert started.status_code == 201, started.text
    page = client.get("/today").text
    assert "ES-4" in page


def test_handout_report_and_calendar_download(sqlite_client):
    client = sqlite_client
    start = (TODAY - dt.timedelta(days=3)).isoformat()
    started = client.post("/api/v1/programme", json={**profile(), "start_date": start})
    assert started.status_code == 201, started.text
    client.post("/api/v1/checkins", json={"pain": 3, "morning": True})
    for path, kind, magic in (
        ("/handout.pdf", "application/pdf", b"%PDF"),
        ("/report.pdf", "application/pdf", b"%PDF"),
        ("/calendar.ics", "text/calendar", b"BEGIN:VCALENDAR"),
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith(kind)
        assert response.content.startswith(magic)
        assert "attachment" in response.headers["content-disposition"]
    assert 'href="/handout.pdf"' in client.get("/programme").text
    assert 'href="/report.pdf"' in client.get("/progress").text
