"""What a day holds: a session, a rest day, stopped, or not started yet."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kneecoach.domain.course import STOPPING, Course
from kneecoach.domain.exercises import Catalogue
from kneecoach.domain.planning import STOP_RULES, WEEKDAYS, Profile, build_week
from kneecoach.domain.screening import screening_due
from kneecoach.services.actor import Actor, permit
from kneecoach.services.course import Loaded, last_decisions, load, sync, version_number
from kneecoach.services.uow import UnitOfWork

if TYPE_CHECKING:
    from kneecoach.store.repository import Store


def load_course(
    uow: UnitOfWork, catalogue: Catalogue, person_id: int, until: dt.date, *, actor: Actor
) -> Course:
    """One person's course folded up to `until` (from their newest stored state; read
    only: nothing is stored)."""
    permit(actor, person_id)
    with uow.read() as store:
        return load(store, catalogue, person_id, until).course


def _week(catalogue: Catalogue, profile: Profile, course: Course) -> dict[str, Any]:
    sessions = build_week(
        catalogue, course.slots, profile.days_per_week, profile.minutes_per_session
    )
    return {s.weekday: s for s in sessions}


def is_screening_due(store: Store, person: Mapping[str, Any], day: dt.date) -> bool:
    """Weekly re-screen: the last safety answers (intake or later) are 7 or more days old."""
    last = store.last_screening_day(person["id"], day) or person["start_date"]
    return screening_due(max(last, person["start_date"]), day)


def today(
    uow: UnitOfWork,
    catalogue: Catalogue,
    person_id: int | None,
    day: dt.date,
    *,
    actor: Actor,
    persist: bool = True,
) -> dict[str, Any]:
    """What to do on `day`: a session, a rest day, stopped, or not started yet
    (`person_id` None: nobody has started a programme here).

    With `persist`, what the fold found is stored too (a write); without, it runs in a
    read-only unit of work, so a read never takes the write lock.
    """
    if person_id is None:
        return not_started(day)
    permit(actor, person_id)  # the store refuses a person who is not there
    with uow.write() if persist else uow.read() as store:
        return _today_in(store, catalogue, person_id, day, persist=persist)


def not_started(day: dt.date) -> dict[str, Any]:
    """The answer before anyone has started a programme here."""
    return {
        "date": day.isoformat(),
        "weekday": WEEKDAYS[day.weekday()],
        "status": "not-started",
        "urgency": "none",
        "items": [],
        "escalations": [],
        "screening_due": False,
        "message": "No programme yet. Start one first.",
    }


def today_and_fold(
    uow: UnitOfWork, catalogue: Catalogue, person_id: int | None, day: dt.date, *, actor: Actor
) -> tuple[dict[str, Any], Loaded | None]:
    """`today` as a read (nothing stored), with the fold it answered from (None before
    the start): a page hands it to its banner (`people.banner_escalations`) instead of
    folding the course a second time."""
    if person_id is None:
        return not_started(day), None
    permit(actor, person_id)
    with uow.read() as store:
        return _today_and_fold(store, catalogue, person_id, day, persist=False)


def _today_in(
    store: Store,
    catalogue: Catalogue,
    person_id: int | None,
    day: dt.date,
    *,
    persist: bool,
) -> dict[str, Any]:
    """`today` inside a unit of work the caller opened (the actor already checked)."""
    return _today_and_fold(store, catalogue, person_id, day, persist=persist)[0]


def _today_and_fold(
    store: Store,
    catalogue: Catalogue,
    person_id: int | None,
    day: dt.date,
    *,
    persist: bool,
) -> tuple[dict[str, Any], Loaded | None]:
    result = not_started(day)
    if person_id is None:
        return result, None
    del result["message"]
    person = store.person(person_id)
    if day < person["start_date"]:
        result["message"] = f"Your programme starts on {person['start_date'].isoformat()}."
        return result, None
    loaded = load(store, catalogue, person_id, day, person)
    if persist:
        sync(store, person_id, loaded)
    return _answer(result, store, catalogue, person, loaded, day), loaded


def _answer(
    result: dict[str, Any],
    store: Store,
    catalogue: Catalogue,
    person: Mapping[str, Any],
    loaded: Loaded,
    day: dt.date,
) -> dict[str, Any]:
    """The day's answer from the course folded to it."""
    course, profile = loaded.course, loaded.profile
    last = last_decisions(loaded)
    result["screening_due"] = is_screening_due(store, person, day)
    result["urgency"] = course.urgency
    result["escalations"] = [e.as_dict() for e in course.current]
    result["programme_version"] = version_number(loaded)
    result["paused"] = [
        {"exercise_id": s.exercise_id, "reason": last.get(s.slot, {}).get("reason")}
        for s in course.slots
        if s.paused
    ]
    if course.stop is not None:
        result["status"] = "stopped"
        result["needs_clearance"] = True
        result["message"] = (
            f"{course.stop.rule}: {course.stop.message} The programme restarts when a "
            "professional has cleared you and you answer the safety questions again."
        )
        return result
    if course.urgency in STOPPING:  # never a session beside an urgent or emergency message
        result["status"] = "stopped"
        result["message"] = next(e.message for e in course.current if e.urgency in STOPPING)
        return result
    session = _week(catalogue, profile, course).get(WEEKDAYS[day.weekday()])
    if session is None:
        result["status"] = "rest"
        return result
    result["status"] = "session"
    result["estimated_minutes"] = session.estimated_minutes
    result["stop_rules"] = list(STOP_RULES)
    for block in session.blocks:
        for item in block.items:
            decision = last.get(item.slot or item.exercise_id)
            result["items"].append(
                {
                    "exercise_id": item.exercise_id,
                    "dose": item.dose.as_dict(),
                    "decision": (
                        {
                            "action": decision["action"],
                            "rule": decision["rule"],
                            "reason": decision["reason"],
                            "date": decision["date"],
                        }
                        if decision
                        else None
                    ),
                    "phase": block.phase,
                    "note": item.note,
                    "slot": item.slot,
                }
            )
    return result
