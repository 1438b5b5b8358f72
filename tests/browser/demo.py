"""A demo person with about two weeks of sessions and check-ins (screenshots, layout tests)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kneecoach.content.loader import load_catalogue
from kneecoach.services.actor import OWNER
from kneecoach.services.checkins import record_checkin, record_psfs
from kneecoach.services.onboarding import start_programme
from kneecoach.services.sessions import record_session
from kneecoach.services.today import today as today_of
from kneecoach.store.db import database
from tests.factories import profile

DAYS = 17
# Morning pain from the start to today: a bumpy, slowly falling line.
MORNINGS = [5, 5, 4, 5, 4, 4, 3, 4, 3, 3, 3, 2, 3, 2, 2, 2, 2, 2]
MISSED = {8}  # one planned session left out, so the calendar shows one


def seed(db_url: str, today: dt.date) -> None:
    """A programme that started DAYS before `today` (the app's today, never the machine's)."""
    start = today - dt.timedelta(days=DAYS)
    catalogue = load_catalogue()
    db = database(db_url)
    started = start_programme(
        db,
        catalogue,
        profile(
            pain_now=5,
            days_per_week=3,
            minutes_per_session=30,
            equipment=["strap", "step", "mat", "ankle-weights"],
            conditions=["bursitis"],
        ),
        start,
        {"activities": [{"name": "Stairs", "score": 4}, {"name": "Kneeling", "score": 3}]},
        actor=OWNER,
    )
    person_id = started["person_id"]
    assert started["saved"] and isinstance(person_id, int), started
    for offset in range(DAYS):
        day = start + dt.timedelta(days=offset)
        if offset:
            record_checkin(
                db, catalogue, person_id, day, MORNINGS[offset], morning=True, actor=OWNER
            )
        plan = today_of(db, catalogue, person_id, day, actor=OWNER)
        if plan["status"] == "session" and offset not in MISSED:
            record_session(db, catalogue, person_id, _log(day, plan, offset), day, actor=OWNER)
        if offset == 14:
            record_psfs(
                db,
                person_id,
                day,
                {
                    "activities": [
                        {"name": "Stairs", "score": 6},
                        {"name": "Kneeling", "score": 5},
                    ]
                },
                actor=OWNER,
            )


def _log(day: dt.date, plan: dict[str, Any], offset: int) -> dict[str, Any]:
    entries = []
    for item in plan["items"]:
        dose = item["dose"]
        sets = [
            {
                k: v
                for k, v in {
                    "reps": dose["reps"],
                    "hold_seconds": dose["hold_seconds"],
                    "minutes": dose["minutes"],
                    "load_kg": dose["load_kg"],
                    "pain": 1 if offset > 4 else 2,
                }.items()
                if v is not None
            }
            for _ in range(dose["sets"])
        ]
        entries.append({"exercise_id": item["exercise_id"], "hurt": False, "sets": sets})
    return {
        "client_id": f"demo-{day.isoformat()}",
        "date": day.isoformat(),
        "pain_before": 3,
        "pain_after": 2,
        "entries": entries,
    }
