"""Sessions sent at the same moment are written together, each answered on its own."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import httpx

from kneecoach.web.app import WebSettings, create_app
from tests.factories import profile
from tests.web.conftest import TODAY


def session(client_id: str, date: str = "2026-01-05", pain: int = 1) -> dict:
    return {
        "client_id": client_id,
        "date": date,
        "pain_before": 1,
        "pain_after": 1,
        "entries": [
            {
                "exercise_id": "bridge",
                "hurt": pain > 5,
                "sets": [{"reps": 10, "hold_seconds": 2, "pain": pain}] * 2,
            }
        ],
    }


def test_a_burst_of_sessions_is_stored_once_each_and_a_bad_one_fails_alone(db_url):
    app = create_app(WebSettings(db_url=db_url, extra_hosts=("testserver",), today=TODAY))

    async def burst() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            started = await c.post(
                "/api/v1/programme", json={**profile(), "start_date": "2026-01-05"}
            )
            assert started.status_code == 201
            bodies = [session(f"burst-{n}") for n in range(12)]
            bodies += [session("burst-3"), session("burst-7")]  # resent at the same moment
            bodies.append(session("too-early", date="2026-01-01"))  # before the start
            bodies.append(session("hurts", pain=7))
            responses = await asyncio.gather(*(c.post("/api/v1/sessions", json=b) for b in bodies))
            history = (await c.get("/api/v1/history")).json()
            return [*responses, history]

    # A thread of its own: the browser tests' Playwright keeps an event loop running on
    # the main thread, where asyncio.run() may not start another.
    with ThreadPoolExecutor(max_workers=1) as pool:
        *responses, history = pool.submit(asyncio.run, burst()).result()
    codes = [r.status_code for r in responses]
    # A session and its resend arrive together: on SQLite they share one batch, in order;
    # on PostgreSQL each is a transaction in a thread of its own, so either may commit
    # first. Either way one is stored (201) and the other answers with it (200).
    for first, again in ((3, 12), (7, 13)):
        assert sorted([codes[first], codes[again]]) == [200, 201]
        assert responses[first].json()["session_id"] == responses[again].json()["session_id"]
    assert [c for n, c in enumerate(codes[:12]) if n not in (3, 7)] == [201] * 10
    assert codes[14] == 422 and responses[14].json()["field"] == "date"
    assert codes[15] == 201 and responses[15].json()["decisions"][0]["rule"] == "PM-1"
    ids = [s["client_id"] for s in history["sessions"]]
    assert sorted(ids) == sorted([f"burst-{n}" for n in range(12)] + ["hurts"])
