"""Recording a finished session: checked, targets attached, PM-1 decided at once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kneecoach.domain.exercises import Catalogue
from kneecoach.domain.planning import Slot, parse_profile
from kneecoach.domain.progression import (
    ACCEPTABLE_MAX,
    Context,
    Decision,
    Performance,
    decide_at_once,
)
from kneecoach.services import alerts
from kneecoach.services.actor import Actor, UnknownPerson, permit
from kneecoach.services.course import catch_up, decision_row, engine_version, logged_session
from kneecoach.services.onboarding import started
from kneecoach.services.uow import UnitOfWork
from kneecoach.services.validation import InvalidInput, parse_session_log

if TYPE_CHECKING:
    from kneecoach.store.repository import Store


@dataclass(frozen=True)
class PreparedSession:
    """A checked session log, ready to store: everything but the write itself."""

    person_id: int
    session: dict[str, Any]
    decisions: tuple[Decision, ...]
    stopped: bool  # the programme stood stopped on the session's day (kept, never counted)


def record_session(
    uow: UnitOfWork,
    catalogue: Catalogue,
    person_id: int | None,
    raw: object,
    today: dt.date,
    *,
    actor: Actor,
) -> dict[str, Any]:
    """Store a finished session (idempotent on client_id) and apply PM-1 at once.

    `today` bounds the session's date (at most 366 days ahead).
    """
    log = _checked(catalogue, person_id, raw, today, actor)
    with uow.write() as store:
        return write_checked(store, catalogue, started(person_id), log)


async def submit_session(
    uow: UnitOfWork,
    catalogue: Catalogue,
    person_id: int | None,
    raw: object,
    today: dt.date,
    *,
    actor: Actor,
) -> dict[str, Any]:
    """`record_session` for an event loop. The log is checked first, with no I/O (a bad
    one fails at once); then the database writes it its own way (`UnitOfWork.write_soon`:
    with whatever else arrived at the same time on SQLite, in a thread on PostgreSQL)."""
    log = _checked(catalogue, person_id, raw, today, actor)
    who = started(person_id)
    return await uow.write_soon(lambda store: write_checked(store, catalogue, who, log))


def _checked(
    catalogue: Catalogue, person_id: int | None, raw: object, today: dt.date, actor: Actor
) -> dict[str, Any]:
    log = parse_session_log(raw, catalogue, today)
    permit(actor, started(person_id))
    return log


def write_checked(
    store: Store, catalogue: Catalogue, person_id: int, log: Mapping[str, Any]
) -> dict[str, Any]:
    """Write a log checked by `parse_session_log` for `person_id` (the actor checked).

    This is the hot write path, so it does not fold the course: targets come from the
    newest stored programme version, and whether the programme stood stopped that day
    from the newest stored course state (one query for both); only PM-1 (pain above 5
    during an exercise) is decided here. Everything else is decided by the fold once the next
    morning is known (check-in, `review`, or this write's `catch_up` once the stored course
    has fallen a week behind), which also stores these same PM-1 decisions again without
    duplicating them.
    """
    current = store.session_target(person_id, log["date"], engine_version())
    if current is None:
        raise UnknownPerson(person_id)  # a person always has their first programme
    saved = save_session(store, prepare_checked(catalogue, log, current))
    if saved["created"]:  # about once a week at most, and only without morning scores
        catch_up(
            store,
            catalogue,
            person_id,
            log["date"],
            current["newest_state"],
            current["start_date"],
        )
    return saved


def prepare_checked(
    catalogue: Catalogue, log: Mapping[str, Any], current: Mapping[str, Any]
) -> PreparedSession:
    """`prepare_session` for a log already checked by `parse_session_log` (no I/O)."""
    person_id = current["person_id"]
    if log["date"] < current["start_date"]:
        raise InvalidInput(
            "date", f"{log['date']} is before the programme started ({current['start_date']})"
        )
    version = current["version"]
    slots = tuple(Slot.from_dict(s) for s in current["programme"]["slots"])
    by_exercise = {s.exercise_id: s for s in slots if not s.paused}
    entries = []
    for entry in log["entries"]:
        slot = by_exercise.get(entry["exercise_id"])
        target = slot.dose if slot else None
        entries.append(
            {
                "exercise_id": entry["exercise_id"],
                "hurt": entry["hurt"],
                "sets": [
                    {
                        **one,
                        "target_reps": target.reps if target else None,
                        "target_hold_seconds": target.hold_seconds if target else None,
                        "target_minutes": target.minutes if target else None,
                        "target_load_kg": target.load_kg if target else None,
                    }
                    for one in entry["sets"]
                ],
            }
        )
    equipment = parse_profile(current["profile"]).equipment
    return PreparedSession(
        person_id,
        {**log, "entries": entries, "programme_version": version},
        _decide_at_once(catalogue, equipment, log, by_exercise),
        bool(current["stopped"]),
    )


def save_session(store: Store, prepared: PreparedSession) -> dict[str, Any]:
    """Write a prepared session and its PM-1 decisions (nothing twice for one client_id)."""
    log = prepared.session
    person_id = prepared.person_id
    session_id, created = store.add_session(person_id, log)
    stopped = prepared.stopped
    if created:
        if prepared.decisions:  # the person is known: the session was just written
            store.record_decisions(
                person_id, [decision_row(d, session_id, d.date) for d in prepared.decisions]
            )
        decided = [d.as_dict() for d in prepared.decisions]
        # CL-3 in the same write: pain 7+ during a set, a pause, a locked slot regressed
        # (nothing is looked up unless one of these happened).
        alerts.raise_alerts(
            store,
            person_id,
            day=log["date"],
            decisions=prepared.decisions,
            session_entries=log["entries"],
        )
    else:
        decided = [
            {**d, "date": d["date"].isoformat(), "decided_on": None}
            for d in store.decisions(person_id, session_id=session_id)
        ]
        for one in decided:
            one.pop("decided_on")
        # A resend: once the engine has folded past the session, its mark is the answer.
        marked = store.marked_while_stopped(session_id, engine_version())
        stopped = stopped if marked is None else marked
    return {
        "session_id": session_id,
        "client_id": log["client_id"],
        "created": created,
        "date": log["date"].isoformat(),
        "decisions": decided,
        "status": "stopped" if stopped else "active",
    }


def _decide_at_once(
    catalogue: Catalogue,
    equipment: frozenset[str],
    log: Mapping[str, Any],
    by_exercise: Mapping[str, Slot],
) -> tuple[Decision, ...]:
    """PM-1: pain above 5 during an exercise regresses it now."""
    session = logged_session(log)
    ctx = Context(catalogue, equipment, 0.0, None, None, False, False)
    decisions = []
    for entry in session.entries:
        slot = by_exercise.get(entry.exercise_id)
        if slot is None or all(one.pain <= ACCEPTABLE_MAX for one in entry.sets):
            continue
        perf = Performance(session.key, session.date, entry.exercise_id, slot.dose, entry.sets)
        decision = decide_at_once(slot, perf, ctx)
        if decision is not None:
            decisions.append(decision)
    return tuple(decisions)
