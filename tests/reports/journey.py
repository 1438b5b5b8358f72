"""A demo person with a few weeks of sessions, check-ins and PSFS, made through the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kneecoach.content.loader import load_catalogue
from kneecoach.services.actor import OWNER
from kneecoach.services.checkins import record_checkin, record_psfs
from kneecoach.services.onboarding import start_programme
from kneecoach.services.sessions import record_session
from kneecoach.services.today import today
from kneecoach.store.db import database
from tests.factories import clear_answers, profile

START = dt.date(2026, 1, 5)  # a Monday
# Morning pain day by day from the start: bumpy, slowly falling, one bad patch.
MORNINGS = [5, 5, 4, 5, 4, 4, 3, 4, 3, 3, 5, 4, 3, 3, 3, 2, 3, 2, 2, 3, 2, 2, 2, 2, 1, 2, 2]
MISSED = {9, 18}  # days whose planned session was left out


def seed(
    db_url: str,
    *,
    days: int = len(MORNINGS),
    start: dt.date = START,
    label: str = "demo",
    **changes: Any,
) -> dt.date:
    """Start a programme on `start` and live `days` days of it; returns the last day."""
    catalogue = load_catalogue()
    db = database(db_url)
    raw = profile(
        pain_now=5,
        days_per_week=3,
        minutes_per_session=30,
        equipment=["strap", "step", "mat", "ankle-weights"],
        conditions=["bursitis"],
    )
    raw.update(changes)
    started = start_programme(
        db,
        catalogue,
        raw,
        start,
        {"activities": [{"name": "Stairs", "score": 4}, {"name": "Kneeling", "score": 3}]},
        actor=OWNER,
    )
    person_id = started["person_id"]
    assert started["saved"] and isinstance(person_id, int), started
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        if offset:
            record_checkin(
                db,
                catalogue,
                person_id,
                day,
                MORNINGS[offset % len(MORNINGS)],
                morning=True,
                actor=OWNER,
            )
        if offset == 11:
            record_checkin(
                db,
                catalogue,
                person_id,
                day,
                4,
                morning=False,
                answers=clear_answers(),
                notes="after a long walk",
                actor=OWNER,
            )
        plan = today(db, catalogue, person_id, day, actor=OWNER)
        if plan["status"] == "session" and offset not in MISSED:
            record_session(
                db, catalogue, person_id, _log(day, plan, offset, label), day, actor=OWNER
            )
        if offset in (7, 21):
            score = 5 if offset == 7 else 7
            record_psfs(
                db,
                person_id,
                day,
                {
                    "activities": [
                        {"name": "Stairs", "score": score},
                        {"name": "Kneeling", "score": score - 1},
                    ]
                },
                actor=OWNER,
            )
    return start + dt.timedelta(days=days - 1)


def _log(day: dt.date, plan: dict[str, Any], offset: int, label: str) -> dict[str, Any]:
    entries = []
    for n, item in enumerate(plan["items"]):
        dose = item["dose"]
        pain = 2 if offset < 5 else 1
        if offset == 12 and n == 3:
            pain = 6  # one exercise hurt too much once (PM-1)
        sets = [
            {
                k: v
                for k, v in {
                    "reps": dose["reps"],
                    "hold_seconds": dose["hold_seconds"],
                    "minutes": dose["minutes"],
                    "load_kg": dose["load_kg"],
                    "pain": pain,
                }.items()
                if v is not None
            }
            for _ in range(dose["sets"])
        ]
        entries.append({"exercise_id": item["exercise_id"], "hurt": pain > 5, "sets": sets})
    return {
        "client_id": f"{label}-{day.isoformat()}",
        "date": day.isoformat(),
        "pain_before": 3 if offset < 10 else 2,
        "pain_after": 2,
        "entries": entries,
    }
