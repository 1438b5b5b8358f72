"""Settings changes re-plan with reasons, and keep what the person has earned."""

from __future__ import annotations

import datetime as dt

from kneecoach.content.loader import load_catalogue
from kneecoach.services import account
from kneecoach.services import programme as svc
from kneecoach.services.actor import OWNER
from kneecoach.store.db import connect, unit_of_work
from tests.factories import profile

START = dt.date(2026, 1, 5)


def items(store, catalogue, day):
    return {
        i["exercise_id"]: i
        for i in svc.today(store, catalogue, store.current_person_id(), day, actor=OWNER)["items"]
    }


def test_new_equipment_adds_exercises_and_keeps_progress(db_url):
    catalogue = load_catalogue()
    engine = connect(db_url)
    with unit_of_work(engine) as store:
        svc.start_programme(
            store, catalogue, profile(equipment=["mat"], minutes_per_session=90), START, actor=OWNER
        )
        for n in range(4):
            day = START + dt.timedelta(days=n)
            svc.record_checkin(
                store, catalogue, store.current_person_id(), day, 2, morning=True, actor=OWNER
            )
            plan = svc.today(store, catalogue, store.current_person_id(), day, actor=OWNER)
            if plan["status"] == "session":
                bridge = next(i for i in plan["items"] if i["exercise_id"] == "bridge")
                svc.record_session(
                    store,
                    catalogue,
                    store.current_person_id(),
                    {
                        "client_id": f"s{n}",
                        "date": day.isoformat(),
                        "pain_before": 1,
                        "pain_after": 1,
                        "entries": [
                            {
                                "exercise_id": "bridge",
                                "hurt": False,
                                "sets": [
                                    {"reps": bridge["dose"]["reps"], "hold_seconds": 2, "pain": 1}
                                ]
                                * 2,
                            }
                        ],
                    },
                    day,
                    actor=OWNER,
                )
        before = items(store, catalogue, START + dt.timedelta(days=4))
        assert "step-up" not in before and "supine-hamstring-stretch" not in before
        assert before["bridge"]["dose"]["reps"] == 12  # progressed (PR-1)

        result = account.change_settings(
            store,
            catalogue,
            store.current_person_id(),
            {"equipment": ["mat", "step", "strap"], "days_per_week": 4},
            START + dt.timedelta(days=4),
            actor=OWNER,
        )
        assert set(result["changed"]) == {"equipment", "days_per_week"}
        messages = " ".join(r["message"] for r in result["reasons"])
        assert "Step-up added" in messages and "4 days" in messages

        after = items(store, catalogue, START + dt.timedelta(days=5))  # Saturday, a training day
        assert "step-up" in after and "supine-hamstring-stretch" in after
        assert after["bridge"]["dose"]["reps"] == 12  # progress kept
        week = svc.today(
            store, catalogue, store.current_person_id(), START + dt.timedelta(days=8), actor=OWNER
        )  # Tuesday
        assert week["status"] == "session"  # 4 days: Mon, Tue, Thu, Sat


def test_losing_equipment_swaps_to_what_still_fits(db_url):
    catalogue = load_catalogue()
    with unit_of_work(connect(db_url)) as store:
        svc.start_programme(
            store, catalogue, profile(equipment=["step", "foam-pad"]), START, actor=OWNER
        )
        assert "step-up" in items(store, catalogue, START)
        result = account.change_settings(
            store,
            catalogue,
            store.current_person_id(),
            {"equipment": ["foam-pad"]},
            START,
            actor=OWNER,
        )
        assert any(
            "Step-up on a foam pad" in r["message"] or "foam" in r["message"].lower()
            for r in result["reasons"]
        )
        now = items(store, catalogue, START + dt.timedelta(days=2))
        assert "step-up" not in now and "step-up-foam-pad" in now
