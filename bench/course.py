"""What a cold `today` costs after 1, 12 and 24 weeks of history (no answer cache).

    .venv/bin/python bench/course.py [--runs 30]

For each history length it builds one person on a temporary SQLite file through the
services (a morning check-in every day, a session every other day, so the course
state is stored up to the last write), then measures:

- `service_ms`: `today` called in-process on a read-only unit of work (the course is
  resumed from the stored state; nothing is cached);
- `api_ms`: `GET /api/v1/today` right after a write (`POST /api/v1/checkins`, which
  moves the person's revision on, so the answer cache misses), in-process over ASGI.

It prints one JSON object: the median of each per history length and the ratios of
24 weeks to 1 week. Target: ratio at most 1.5 and the service's median under 5 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402
from tests.factories import profile  # noqa: E402

from kneecoach.content.loader import load_catalogue  # noqa: E402
from kneecoach.services.actor import OWNER  # noqa: E402
from kneecoach.services.checkins import record_checkin  # noqa: E402
from kneecoach.services.onboarding import start_programme  # noqa: E402
from kneecoach.services.sessions import record_session  # noqa: E402
from kneecoach.services.today import today as today_of  # noqa: E402
from kneecoach.store.db import database  # noqa: E402
from kneecoach.web.app import WebSettings, create_app  # noqa: E402

START = dt.date(2026, 1, 5)
WEEKS = (1, 12, 24)


def session_log(day: dt.date, items: list[dict[str, object]], key: str) -> dict[str, object]:
    entries = []
    for item in items:
        dose = item["dose"]
        assert isinstance(dose, dict)
        one = {k: dose.get(k) for k in ("reps", "hold_seconds", "minutes", "load_kg")}
        entries.append(
            {"exercise_id": item["exercise_id"], "sets": [{**one, "pain": 1}] * int(dose["sets"])}
        )
    return {
        "client_id": key,
        "date": day.isoformat(),
        "pain_before": 1,
        "pain_after": 1,
        "entries": entries,
    }


def build(url: str, weeks: int) -> dt.date:
    """A person with `weeks` of history; returns the last day."""
    catalogue = load_catalogue()
    db = database(url)
    started = start_programme(
        db, catalogue, profile(days_per_week=7, pain_now=3), START, actor=OWNER
    )
    person_id = started["person_id"]
    assert isinstance(person_id, int), started
    last = START
    for n in range(weeks * 7):
        day = START + dt.timedelta(days=n)
        record_checkin(db, catalogue, person_id, day, 2, morning=True, actor=OWNER)
        plan = today_of(db, catalogue, person_id, day, actor=OWNER)
        if plan["status"] == "session" and n % 2 == 0:
            log = session_log(day, plan["items"], f"s{n}")
            record_session(db, catalogue, person_id, log, day, actor=OWNER)
        last = day
    return last


def measure(url: str, last: dt.date, runs: int) -> dict[str, float]:
    catalogue = load_catalogue()
    db = database(url)
    today = last + dt.timedelta(days=1)
    service = []
    for _ in range(runs):
        began = time.perf_counter()
        newest = db.revision()  # the person, as personal mode finds them
        assert newest is not None
        today_of(db, catalogue, newest[0], today, persist=False, actor=OWNER)
        service.append((time.perf_counter() - began) * 1000)
    settings = WebSettings(db_url=url, port=8000, extra_hosts=("testserver",), today=today)
    api = []
    with TestClient(create_app(settings)) as client:
        for n in range(runs):
            client.post("/api/v1/checkins", json={"pain": 2 + n % 2})
            began = time.perf_counter()
            response = client.get("/api/v1/today")
            api.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, response.text
    return {
        "service_ms": round(statistics.median(service), 2),
        "api_ms": round(statistics.median(api), 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    options = parser.parse_args()
    result: dict[str, object] = {"runs": options.runs}
    with tempfile.TemporaryDirectory() as folder:
        for weeks in WEEKS:
            url = f"sqlite:///{Path(folder) / f'w{weeks}.db'}"
            began = time.perf_counter()
            last = build(url, weeks)
            built = time.perf_counter() - began
            result[f"weeks_{weeks}"] = {
                **measure(url, last, options.runs),
                "build_s": round(built, 1),
            }
    first, last = result["weeks_1"], result["weeks_24"]
    assert isinstance(first, dict) and isinstance(last, dict)
    result["service_ratio_24_to_1"] = round(last["service_ms"] / first["service_ms"], 2)
    result["api_ratio_24_to_1"] = round(last["api_ms"] / first["api_ms"], 2)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
