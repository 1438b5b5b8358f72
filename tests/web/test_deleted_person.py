"""A new person never sees a deleted person's data, not even through a cached answer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fastapi.testclient import TestClient

from kneecoach.content.loader import load_catalogue
from kneecoach.services.actor import OWNER
from kneecoach.services.today import today
from kneecoach.store.db import database, dispose_all
from kneecoach.web.app import WebSettings, create_app
from kneecoach.web.cache import TODAY_CACHE
from tests.factories import profile

DAY = dt.date(2026, 3, 2)  # a Monday


def app_for(url: str) -> TestClient:
    settings = WebSettings(db_url=url, port=8000, extra_hosts=("testserver",), today=DAY)
    return TestClient(create_app(settings), raise_server_exceptions=False)


def fresh_answer(url: str) -> dict[str, object]:
    """What a new process would answer: straight from the database, no cache."""
    db = database(url)
    newest = db.revision()
    person_id = newest[0] if newest else None
    return today(db, load_catalogue(), person_id, DAY, persist=False, actor=OWNER)


def test_delete_then_start_again_serves_the_new_programme(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'personal.db'}"
    first = profile(days_per_week=7, equipment=["strap", "step", "mat", "ankle-weights"])
    second = profile(days_per_week=7, equipment=[], minutes_per_session=10, pain_now=7)
    with app_for(url) as client:
        start = {"start_date": DAY.isoformat()}
        assert client.post("/api/v1/programme", json={**first, **start}).status_code == 201
        old = client.get("/api/v1/today").json()
        assert old["status"] == "session"
        deleted = client.post("/delete", data={"confirm": "delete"})
        assert deleted.status_code == 200
        assert client.get("/api/v1/today").json()["status"] == "not-started"

        assert client.post("/api/v1/programme", json={**second, **start}).status_code == 201
        new = client.get("/api/v1/today").json()
    expected = fresh_answer(url)
    assert new == expected
    assert new != old
    assert [i["exercise_id"] for i in new["items"]] != [i["exercise_id"] for i in old["items"]]
    # And a new app with an empty cache says the same.
    TODAY_CACHE.clear()
    with app_for(url) as client:
        assert client.get("/api/v1/today").json() == expected
    dispose_all()
