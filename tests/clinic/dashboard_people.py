"""Patients for the dashboard's tests, made through the services as the patients would:
a programme, morning check-ins, sessions; alerts are written with the ORM (the alert
rules are tested elsewhere), after every alert the history itself raised is
acknowledged, so each test decides exactly which alerts are open."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from sqlalchemy import update

from kneecoach.content.loader import load_catalogue
from kneecoach.services import checkins, clinic, onboarding, sessions
from kneecoach.services import today as today_service
from kneecoach.services.actor import Actor
from kneecoach.store.db import Database
from kneecoach.store.tables import Alert
from tests.factories import profile

CATALOGUE = load_catalogue()
NUMBERS = itertools.count(1)  # a new email for each patient


def add_patient(
    uow: Database,
    physio: Actor,
    name: str,
    now: dt.datetime,
    *,
    start: dt.date | None = None,
    pain: int = 4,
    days_per_week: int = 3,
) -> int:
    """A patient of `physio` (a new email each time); with `start`, their programme."""
    email = f"{name.lower().replace(' ', '.')}.{next(NUMBERS)}@example.org"
    made = clinic.create_patient(uow, physio, name, email, now=now)
    if start is not None:
        started = onboarding.start_programme(
            uow,
            CATALOGUE,
            profile(pain_now=pain, days_per_week=days_per_week),
            start,
            actor=patient_actor(made.patient_id),
        )
        assert started["saved"], started
    return made.patient_id


def patient_actor(patient_id: int) -> Actor:
    return Actor("patient", None, patient_id)


def check_in(uow: Database, patient_id: int, day: dt.date, pain: int) -> dict[str, Any]:
    return checkins.record_checkin(
        uow, CATALOGUE, patient_id, day, pain, morning=True, actor=patient_actor(patient_id)
    )


def do_session(uow: Database, patient_id: int, day: dt.date, key: str) -> None:
    """The day's plan done as prescribed, pain 1 throughout."""
    actor = patient_actor(patient_id)
    plan = today_service.today(uow, CATALOGUE, patient_id, day, actor=actor)
    entries = []
    for item in plan["items"]:
        dose = item["dose"]
        one = {k: dose[k] for k in ("reps", "hold_seconds", "minutes", "load_kg")}
        done = {k: v for k, v in one.items() if v is not None}
        entries.append(
            {
                "exercise_id": item["exercise_id"],
                "hurt": False,
                "sets": [{**done, "pain": 1} for _ in range(dose["sets"])],
            }
        )
    assert entries, plan
    log = {
        "client_id": key,
        "date": day.isoformat(),
        "pain_before": 1,
        "pain_after": 1,
        "entries": entries,
    }
    sessions.record_session(uow, CATALOGUE, patient_id, log, day, actor=actor)


def acknowledge_all(uow: Database, now: dt.datetime) -> None:
    with uow.write() as store:
        store._session.execute(
            update(Alert).where(Alert.acknowledged_at.is_(None)).values(acknowledged_at=now)
        )


def add_alert(
    uow: Database,
    clinic_id: int,
    patient_id: int,
    urgency: str,
    now: dt.datetime,
    *,
    acknowledged: bool = False,
) -> None:
    with uow.write() as store:
        session = store._session
        count = session.query(Alert).count()
        session.add(
            Alert(
                clinic_id=clinic_id,
                person_id=patient_id,
                physio_id=None,
                rule="RF-2",
                urgency=urgency,
                episode=f"test-{count}",
                message="A test alert.",
                numbers={},
                day=now.date(),
                created_at=now,
                acknowledged_at=now if acknowledged else None,
            )
        )
