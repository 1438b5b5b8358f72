"""Settings changes re-plan with reasons, and keep what the person has earned."""

from __future__ import annotations

import datetime as dt

from kneecoach.content.loader import load_catalogue
from kneecoach.services import account
from kneecoach.services.actor import OWNER
from kneecoach.services.checkins import record_checkin
from kneecoach.services.onboarding import start_programme
from kneecoach.services.sessions import record_session
from kneecoach.services.today import today
from kneecoach.store.db import Database, connect
from tests.factories import profile

START = dt.date(2026, 1, 5)


def newest(db):
    return db.revision()[0]


def items(db, catalogue, day):
    return {
        i["exercise_id"]: i for i in today(db, catalogue, newest(db), day, actor=OWNER)["items"]
    }


def test_new_equipment_adds_exercises_and_keeps_progress(db_url):
    catalogue = load_catalogue()
    db = Database(connect(db_url))
    start_programme(
        db, catalogue, profile(equipment=["mat"], minutes_per_session=90), START, actor=OWNER
    )
    for n in range(4):
        day = START + dt.timedelta(days=n)
        record_checkin(db, catalogue, newest(db), day, 2, morning=True, actor=OWNER)
        plan = today(db, catalogue, newest(db), day, actor=OWNER)
        if plan["status"] == "session":
            bridge = next(i for i in plan["items"] if i["exercise_id"] == "bridge")
            record_session(
                db,
                catalogue,
                newest(db),
                {
                    "client_id": f"s{n}",
                    "date": day.isoformat(),
                    "pain_before": 1,
                    "pain_after": 1,
                    "entries": [
                        {
                            "exercise_id": "bridge",
                            "hurt": False,
                            "sets": [{"reps": bridge["dose"]["reps"], "hold_seconds": 2, "pain": 1}]
                            * 2,
                        }
                    ],
                },
                day,
                actor=OWNER,
            )
    before = items(db, catalogue, START + dt.timedelta(days=4))
    assert "step-up" not in before and "supine-hamstring-stretch" not in before
    assert before["bridge"]["dose"]["reps"] == 12  # progressed (PR-1)

    result = account.change_settings(
        db,
        catalogue,
        newest(db),
        {"equipment": ["mat", "step", "strap"], "days_per_week": 4},
        START + dt.timedelta(days=4),
        actor=OWNER,
    )
    assert set(result["changed"]) == {"equipment", "days_per_week"}
    messages = " ".join(r["message"] for r in result["reasons"])
    assert "Step-up added" in messages and "4 days" in messages

    after = items(db, catalogue, START + dt.timedelta(days=5))  # Saturday, a training day
    assert "step-up" in after and "supine-hamstring-stretch" in after
    assert after["bridge"]["dose"]["reps"] == 12  # progress kept
    week = today(db, catalogue, newest(db), START + dt.timedelta(days=8), actor=OWNER)  # Tuesday
    assert week["status"] == "session"  # 4 days: Mon, Tue, Thu, Sat


def test_losing_equipment_swaps_to_what_still_fits(db_url):
    catalogue = load_catalogue()
    db = Database(connect(db_url))
    start_programme(db, catalogue, profile(equipment=["step", "foam-pad"]), START, actor=OWNER)
    assert "step-up" in items(db, catalogue, START)
    result = account.change_settings(
        db,
        catalogue,
        newest(db),
        {"equipment": ["foam-pad"]},
        START,
        actor=OWNER,
    )
    assert any(
        "Step-up on a foam pad" in r["message"] or "foam" in r["message"].lower()
        for r in result["reasons"]
    )
    now = items(db, catalogue, START + dt.timedelta(days=2))
    assert "step-up" not in now and "step-up-foam-pad" in now
