"""What the person reports between sessions: morning pain, PSFS, a clearance."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from kneecoach.domain.exercises import Catalogue
from kneecoach.domain.trends import psfs_change
from kneecoach.services.actor import Actor, permit
from kneecoach.services.course import load, sync, triage
from kneecoach.services.today import is_screening_due
from kneecoach.services.uow import UnitOfWork
from kneecoach.services.validation import InvalidInput, parse_psfs


def record_checkin(
    uow: UnitOfWork,
    catalogue: Catalogue,
    person_id: int,
    day: dt.date,
    pain: int,
    *,
    actor: Actor,
    morning: bool,
    answers: Mapping[str, Any] | None = None,
    notes: str | None = None,
) -> dict[str, Any]:
    """A pain score 0-10 (and, when given, the safety questions answered again)."""
    permit(actor, person_id)  # the store refuses a person who is not there
    screening = triage(answers)
    with uow.write() as store:
        store.add_checkin(
            person_id,
            date=day,
            pain=pain,
            morning=morning,
            notes=notes,
            answers=dict(answers) if answers is not None else None,
            urgency=screening.urgency if screening else None,
        )
        loaded = load(store, catalogue, person_id, day)
        sync(store, person_id, loaded)
        due = is_screening_due(store, loaded.person, day)
    course = loaded.course
    return {
        "date": day.isoformat(),
        "pain": pain,
        "morning": morning,
        "screening": screening.as_dict() if screening else None,
        "status": "stopped" if course.stop else "active",
        "urgency": course.urgency,
        "escalations": [e.as_dict() for e in course.current],
        "screening_due": due,
    }


def record_psfs(
    uow: UnitOfWork, person_id: int, day: dt.date, raw: object, *, actor: Actor
) -> dict[str, Any]:
    """PSFS scores (1-3 activities the person chose, each 0-10), with the change."""
    permit(actor, person_id)  # the store refuses a person who is not there
    activities = parse_psfs(raw)
    with uow.write() as store:
        store.add_psfs(person_id, date=day, activities=activities)
        return psfs_summary(store.psfs(person_id))[-1]


def psfs_summary(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        change = psfs_change(rows[0]["activities"], row["activities"])
        out.append(
            {
                "date": row["date"].isoformat(),
                "activities": row["activities"],
                "mean": round(row["mean"], 2),
                "change_from_intake": change.mean_change,
                "real_change": change.real_change,
            }
        )
    return out


def record_clearance(
    uow: UnitOfWork,
    catalogue: Catalogue,
    person_id: int,
    day: dt.date,
    cleared_by: str,
    answers: Mapping[str, Any] | None,
    *,
    actor: Actor,
) -> dict[str, Any]:
    """A professional cleared the person to exercise after a stop."""
    if not cleared_by.strip():
        raise InvalidInput("cleared_by", "say who cleared you, e.g. 'Dr Patel, GP'")
    permit(actor, person_id)  # the store refuses a person who is not there
    screening = triage(answers)
    with uow.write() as store:
        store.add_clearance(
            person_id,
            date=day,
            cleared_by=cleared_by.strip(),
            answers=dict(answers) if answers is not None else None,
        )
        loaded = load(store, catalogue, person_id, day)
        sync(store, person_id, loaded)
    course = loaded.course
    return {
        "date": day.isoformat(),
        "cleared_by": cleared_by.strip(),
        "screening": screening.as_dict() if screening else None,
        "status": "stopped" if course.stop else "active",
        "needs_screening": course.clearance_pending,
    }
