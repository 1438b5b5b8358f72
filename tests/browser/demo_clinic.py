"""A demo clinic: an admin, two physiotherapists and six patients with a few weeks of
history, made through the services as the people themselves would (`make clinic-demo`,
the clinic screenshots).

Passwords and TOTP secrets are fixed, so an authenticator set up once keeps working from
one demo run to the next. They are for a throwaway local demo only.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from kneecoach.content.loader import load_catalogue
from kneecoach.services import checkins, clinic, onboarding, sessions
from kneecoach.services import today as today_service
from kneecoach.services.actor import Actor
from kneecoach.store.db import Database
from tests.factories import profile

CLINIC_NAME = "Riverside Physiotherapy"
PASSWORD = "knee demo 2026"  # 14 characters, not common, no email name in it
DOMAIN = "example.org"


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    totp_secret: str | None = None  # staff only


def _secret(seed: str) -> str:
    """A fixed base32 TOTP secret of 32 characters (160 bits), the same for every run."""
    return base64.b32encode(hashlib.sha1(seed.encode("ascii")).digest()).decode("ascii")


ADMIN = Person("Alex Morgan", f"alex.morgan@{DOMAIN}", _secret("kneecoach demo admin"))
PHYSIOS = (
    Person("Priya Shah", f"priya.shah@{DOMAIN}", _secret("kneecoach demo priya")),
    Person("Tom Becker", f"tom.becker@{DOMAIN}", _secret("kneecoach demo tom")),
)


@dataclass(frozen=True)
class PatientPlan:
    """One demo patient: who, whose, how long ago they started, their morning pain."""

    person: Person
    physio: int  # index into PHYSIOS
    days: int  # the programme started this many days before today
    mornings: tuple[int, ...]  # morning pain from day 1, the last value repeated
    missed: frozenset[int] = frozenset()
    equipment: tuple[str, ...] = ("strap", "step", "mat")


PATIENTS = (
    PatientPlan(
        Person("Maria Lopez", f"maria.lopez@{DOMAIN}"),
        0,
        28,
        (6, 6, 5, 5, 5, 4, 4, 4, 3, 4, 3, 3, 3, 2, 3, 2, 2, 2),
        frozenset({9, 17}),
        ("strap", "step", "mat", "ankle-weights"),
    ),
    PatientPlan(
        Person("John Okafor", f"john.okafor@{DOMAIN}"),
        0,
        21,
        (4, 4, 5, 5, 6, 6, 6, 7, 7, 7),
        frozenset({3, 10}),
    ),
    PatientPlan(
        Person("Susan Park", f"susan.park@{DOMAIN}"),
        0,
        10,
        (3, 3, 2, 3, 2, 2, 2),
    ),
    PatientPlan(
        Person("David Chen", f"david.chen@{DOMAIN}"),
        1,
        35,
        (5, 5, 5, 4, 5, 4, 4, 4, 4, 3, 3, 3, 3, 3, 2),
        frozenset({5, 6, 20}),
    ),
    PatientPlan(
        Person("Emma Wilson", f"emma.wilson@{DOMAIN}"),
        1,
        17,
        (4, 4, 3, 3, 3, 3, 2),
        frozenset({8}),
        ("strap", "mat"),
    ),
    PatientPlan(
        Person("Ahmed Hassan", f"ahmed.hassan@{DOMAIN}"),
        1,
        14,
        (5, 5, 4, 4, 4, 4, 4, 5, 4, 4),
    ),
)
# An invite nobody has used yet, so the admin's list of open invites is not empty.
OPEN_INVITE = f"lee.nguyen@{DOMAIN}"


@dataclass
class DemoClinic:
    clinic_id: int
    admin_id: int
    physio_ids: list[int]
    patient_ids: list[int]
    logins: list[dict[str, Any]] = field(default_factory=list)


def seed_clinic(
    uow: Database, today: dt.date, now: dt.datetime, *, password: str = PASSWORD
) -> DemoClinic:
    """The demo clinic, its history ending on `today` (the app's today). `now` is when
    the accounts are made and the invites accepted (the machine's time: invites expire)."""
    created = clinic.init_clinic(uow, CLINIC_NAME, ADMIN.email, now=now)
    admin_id = _accept(uow, created.invite.invite_token, ADMIN, password, now, created.clinic_id)
    admin = Actor("admin", admin_id, None, created.clinic_id)
    physio_ids = []
    for physio in PHYSIOS:
        invite = clinic.invite_staff(uow, admin, physio.email, "physio", now=now)
        physio_ids.append(
            _accept(uow, invite.invite_token, physio, password, now, created.clinic_id)
        )
    demo = DemoClinic(created.clinic_id, admin_id, physio_ids, [])
    demo.logins = [_login(ADMIN, "admin", password)] + [
        _login(p, "physio", password) for p in PHYSIOS
    ]
    catalogue = load_catalogue()
    for plan in PATIENTS:
        physio = Actor("physio", physio_ids[plan.physio], None, created.clinic_id)
        made = clinic.create_patient(uow, physio, plan.person.name, plan.person.email, now=now)
        accepted = clinic.accept_invite(
            uow, made.invite.invite_token, plan.person.name, password, now=now
        )
        patient = Actor("patient", accepted.account_id, made.patient_id, created.clinic_id)
        _history(uow, catalogue, patient, plan, today)
        demo.patient_ids.append(made.patient_id)
        demo.logins.append(_login(plan.person, "patient", password))
    clinic.invite_staff(uow, admin, OPEN_INVITE, "physio", now=now)
    return demo


def _accept(
    uow: Database, token: str, person: Person, password: str, now: dt.datetime, clinic_id: int
) -> int:
    """Accept a staff invite and give the account the demo's fixed TOTP secret."""
    accepted = clinic.accept_invite(uow, token, person.name, password, now=now)
    with uow.write() as store:
        store.clinic.set_totp(clinic_id, accepted.account_id, person.totp_secret)
    return accepted.account_id


def _login(person: Person, role: str, password: str) -> dict[str, Any]:
    return {
        "role": role,
        "name": person.name,
        "email": person.email,
        "password": password,
        "totp_secret": person.totp_secret,
    }


def _history(
    uow: Database, catalogue: Any, patient: Actor, plan: PatientPlan, today: dt.date
) -> None:
    """The patient's programme, morning check-ins and sessions, day by day up to today."""
    start = today - dt.timedelta(days=plan.days)
    first = plan.mornings[0]
    started = onboarding.start_programme(
        uow,
        catalogue,
        profile(pain_now=first, days_per_week=3, equipment=list(plan.equipment)),
        start,
        {"activities": [{"name": "Stairs", "score": 4}, {"name": "Walking the dog", "score": 5}]},
        actor=patient,
    )
    person_id = started["person_id"]
    assert started["saved"] and person_id == patient.person_id, started
    for offset in range(plan.days):
        day = start + dt.timedelta(days=offset)
        pain = plan.mornings[min(offset, len(plan.mornings) - 1)]
        if offset:
            checkins.record_checkin(
                uow, catalogue, person_id, day, pain, morning=True, actor=patient
            )
        found = today_service.today(uow, catalogue, person_id, day, actor=patient)
        if found["status"] == "session" and offset not in plan.missed:
            log = _log(day, found, pain)
            sessions.record_session(uow, catalogue, person_id, log, day, actor=patient)


def _log(day: dt.date, plan: dict[str, Any], morning: int) -> dict[str, Any]:
    """Every set of the day's plan done as prescribed, with pain near the morning score."""
    during = max(0, min(5, morning - 2))
    entries = []
    for item in plan["items"]:
        dose = item["dose"]
        done = {
            "reps": dose["reps"],
            "hold_seconds": dose["hold_seconds"],
            "minutes": dose["minutes"],
            "load_kg": dose["load_kg"],
            "pain": during,
        }
        sets = [{k: v for k, v in done.items() if v is not None} for _ in range(dose["sets"])]
        entries.append({"exercise_id": item["exercise_id"], "hurt": False, "sets": sets})
    return {
        "client_id": f"demo-{day.isoformat()}",
        "date": day.isoformat(),
        "pain_before": min(10, morning),
        "pain_after": max(0, morning - 1),
        "entries": entries,
    }
