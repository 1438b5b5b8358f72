"""Records for the store tests: a person, a logged session, a decision, an escalation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine

from kneecoach.store.db import unit_of_work
from tests.factories import clear_answers, profile

DAY = dt.date(2025, 3, 3)


def add_person(engine: Engine, **changes: Any) -> int:
    values: dict[str, Any] = {
        "profile": profile(),
        "start_date": DAY,
        "baseline_pain": 4,
        "screening": clear_answers(),
        "urgency": "none",
    }
    values.update(changes)
    with unit_of_work(engine) as store:
        return store.add_person(**values)


def a_set(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "target_reps": 10,
        "reps": 10,
        "target_hold_seconds": 3,
        "hold_seconds": 3,
        "target_minutes": None,
        "minutes": None,
        "target_load_kg": None,
        "load_kg": None,
        "pain": 2,
    }
    values.update(changes)
    return values


def a_session(client_id: str = "s-1", date: dt.date = DAY, **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "client_id": client_id,
        "date": date,
        "pain_before": 3,
        "pain_after": 2,
        "programme_version": 1,
        "entries": [
            {"exercise_id": "bridge", "hurt": False, "sets": [a_set(), a_set(reps=8, pain=3)]},
            {
                "exercise_id": "walking",
                "hurt": True,
                "sets": [a_set(target_reps=None, reps=None, target_minutes=20, minutes=12.5)],
            },
            {
                "exercise_id": "step-up",
                "hurt": False,
                "sets": [a_set(target_load_kg=2.5, load_kg=2.27, hold_seconds=None)],
            },
        ],
    }
    values.update(changes)
    return values


def decision(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "date": DAY,
        "slot": "strength-1",
        "exercise_id": "bridge",
        "action": "progress",
        "rule": "PR-1",
        "reason": "PR-1: full dose, pain 1/10 and 2/10 in the last two sessions",
        "numbers": {"pain": [1, 2], "reps": 12},
        "session_id": None,
    }
    values.update(changes)
    return values


def escalation(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "date": DAY,
        "rule": "ES-1",
        "urgency": "routine",
        "message": "No change in two weeks: worth seeing a physiotherapist.",
        "numbers": {"baseline": 4, "mean": 4.1},
    }
    values.update(changes)
    return values
