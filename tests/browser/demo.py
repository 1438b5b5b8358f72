"""A demo person with about two weeks of sessions and check-ins (screenshots, layout tests)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kneecoach.content.loader import load_catalogue
from kneecoach.services import programme as svc
from kneecoach.services.actor import OWNER
from kneecoach.store.db import connect, unit_of_work
from tests.factories import profile

DAYS = 17
# Morning pain from the start to today: a bumpy, slowly falling line.
MORNINGS = [5, 5, 4, 5, 4, 4, 3, 4, 3, 3, 3, 2, 3, 2, 2, 2, 2, 2]
MISSED = {8}  # one planned session left out, so the calendar shows one


def seed(db_url: str, today: dt.date) -> None:
    """A programme that started DAYS before `today` (the app's today, never the machine's)."""
    start = today - dt.timedelta(days=DAYS)
    catalogue = load_catalogue()
    engine = connect(db_url)
    with unit_of_work(engine) as store:
        svc.start_programme(
            store,
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
    for offset in range(DAYS):
        day = start + dt.timedelta(days=offset)
        with unit_of_work(engine) as store:
            if offset:
                svc.record_checkin(
                    store,
                    catalogue,
                    store.current_person_id(),
                    day,
                    MORNINGS[offset],
                    morning=True,
                    actor=OWNER,
                )
            plan = svc.today(store, catalogue, store.current_person_id(), day, actor=OWNER)
            if plan["status"] == "session" and offset not in MISSED:
                svc.record_session(
                    store,
                    catalogue,
                    store.current_person_id(),
                    _log(day, plan, offset),
                    day,
                    actor=OWNER,
                )
            if offset == 14:
                svc.record_psfs(
                    store,
                    store.current_person_id(),
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
