"""The staff patient page's data (issue 13, part 4): a patient's record for their physio
and their clinic's admins, and the clinical part for their physio only.

`patient_record` reads everything the page shows in one unit of work and records one
`read` event (outcome `patient-page`), whoever reads it. The clinical part (today,
progress and history in personal mode's shapes, the programme's slots and the week's
training days) is there only for the patient's own physio; an admin who is not it gets
the record alone, as issue 12's page did. Scope and refusals are services/clinic.py's:
a patient outside the actor's scope, or none, is `NotFound` (one `denied` event).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from kneecoach.services import audit
from kneecoach.services.actor import Actor
from kneecoach.services.audit import CLI, Origin
from kneecoach.services.checkins import psfs_summary
from kneecoach.services.clinic import _patient_in_scope, _staff
from kneecoach.services.course import load
from kneecoach.services.progress import _iso as _iso_row
from kneecoach.services.progress import _progress, _versions_to
from kneecoach.services.today import _today_in

if TYPE_CHECKING:
    from kneecoach.domain.exercises import Catalogue
    from kneecoach.services.uow import UnitOfWork
    from kneecoach.store.repository import Store

PAGE_OUTCOME = "patient-page"


def patient_record(
    uow: UnitOfWork,
    catalogue: Catalogue,
    actor: Actor,
    patient_id: int,
    day: dt.date,
    *,
    now: dt.datetime,
    origin: Origin = CLI,
) -> dict[str, Any]:
    """{"patient": {"patient_id", "name", "email", "physio_id", "physio_name",
    "start_date"}, "clinical": None or {"today", "progress", "history", "versions",
    "slots", "pending_from", "days_per_week", "minutes_per_session", "session_days"}}
    for staff in scope. `slots` are the programme as it will stand: a prescription in
    force from a later day (`pending_from`, else None), or the course's today.

    `clinical` is None for anyone but the patient's physio, and before the patient has
    started their programme. One unit of work, one `read` event (`patient-page`)."""

    def work(store: Store) -> dict[str, Any]:
        member = _staff(store, actor)
        patient = _patient_in_scope(store, member, patient_id)
        physio = (
            store.clinic.account_in(member.clinic_id, patient.physio_id)
            if patient.physio_id is not None
            else None
        )
        clinical = None
        if patient.physio_id == member.id and patient.start_date is not None:
            clinical = _clinical(store, catalogue, patient_id, day)
        audit.record(
            store,
            at=now,
            action="read",
            outcome=PAGE_OUTCOME,
            account=member,
            patient_id=patient_id,
            origin=origin,
        )
        return {
            "patient": {
                "patient_id": patient.patient_id,
                "name": patient.name,
                "email": patient.email,
                "physio_id": patient.physio_id,
                "physio_name": physio.name if physio is not None else None,
                "start_date": _day(patient.start_date),
            },
            "clinical": clinical,
        }

    return audit.write_or_deny(uow, work, actor=actor, now=now, origin=origin)


def _clinical(store: Store, catalogue: Catalogue, patient_id: int, day: dt.date) -> dict[str, Any]:
    # The personal-mode services' own bodies, inside this unit of work (scope checked).
    person = store.person(patient_id)
    progress = _progress(store, catalogue, patient_id, day)
    today = _today_in(store, catalogue, patient_id, day, persist=False)
    start = person["start_date"]
    loaded = load(store, catalogue, patient_id, max(day, start), person)
    sessions = [_iso_row(s) for s in store.sessions(patient_id)]
    pending = [
        v
        for v in store.programme_versions(patient_id, since=day + dt.timedelta(days=1))
        if v["programme"].get("source") == "prescription"
    ]
    return {
        "today": today,
        "progress": progress,
        "history": {
            "sessions": sessions,
            "checkins": [_iso_row(c) for c in store.checkins(patient_id)],
            "psfs": psfs_summary(store.psfs(patient_id)),
        },
        # every programme version, those in force from a later day (a prescription) too
        "versions": _versions_to(store, patient_id, dt.date.max),
        # the programme as it will stand: a prescription in force from a later day, or
        # the course's slots today
        "slots": pending[-1]["programme"]["slots"]
        if pending
        else [slot.as_dict() for slot in loaded.course.slots],
        "pending_from": pending[-1]["effective_date"].isoformat() if pending else None,
        "days_per_week": loaded.profile.days_per_week,
        "minutes_per_session": loaded.profile.minutes_per_session,
        "session_days": sorted({s["date"] for s in sessions if s["date"] >= start.isoformat()}),
    }


def _day(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()
