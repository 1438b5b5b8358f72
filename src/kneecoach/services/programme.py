"""Use cases: plain values in, plain values out, one unit of work each.

The CLI and the web app call these; the rules live in `kneecoach.domain`, the
storage in `kneecoach.store`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kneecoach.domain.course import STOPPING, Course
from kneecoach.domain.exercises import Catalogue
from kneecoach.domain.planning import (
    DISCLAIMER,
    STOP_RULES,
    WEEKDAYS,
    Profile,
    Slot,
    build_week,
    parse_profile,
    plan,
    training_days_between,
)
from kneecoach.domain.progression import (
    ACCEPTABLE_MAX,
    Context,
    Decision,
    Performance,
    decide_at_once,
)
from kneecoach.domain.screening import screening_due
from kneecoach.domain.trends import Score, psfs_change, weekly_means
from kneecoach.services.actor import Actor, UnknownPerson, authorize, may_start, permit
from kneecoach.services.course import (
    decision_row,
    last_decisions,
    load,
    logged_session,
    stopped_on,
    sync,
    triage,
    version_number,
)
from kneecoach.services.validation import InvalidInput, parse_psfs, parse_session_log
from kneecoach.store.repository import Store


class NotStarted(InvalidInput):
    """No programme in this database yet."""

    def __init__(self) -> None:
        super().__init__("programme", "no programme yet: start one first")


# --- starting -------------------------------------------------------------------------


def start_programme(
    store: Store,
    catalogue: Catalogue,
    raw_profile: Mapping[str, Any],
    start: dt.date,
    psfs: object | None = None,
    *,
    actor: Actor,
) -> dict[str, Any]:
    """Screen, plan and save a new programme starting on `start`, for a new person
    (`person_id` in the result)."""
    may_start(actor)
    profile = parse_profile(raw_profile)
    activities = parse_psfs(psfs) if psfs is not None else None
    programme = plan(profile, catalogue)
    result = programme.as_dict()
    result["start_date"] = start.isoformat()
    if programme.refer:
        result.update(saved=False, person_id=None)
        return result
    person_id = store.add_person(
        profile=dict(raw_profile),
        start_date=start,
        baseline_pain=profile.pain_now,
        screening=dict(profile.screening),
        urgency=programme.triage.urgency,
    )
    store.add_programme_version(
        person_id,
        version=1,
        effective_date=start,
        programme={
            "slots": [s.as_dict() for s in programme.slots],
            "valgus_ban": programme.valgus_ban,
            "gentle": programme.gentle,
        },
        reasons=[r.as_dict() for r in programme.reasons],
    )
    if activities:
        store.add_psfs(person_id, date=start, activities=activities)
    result.update(saved=True, person_id=person_id)
    return result


# --- the course ------------------------------------------------------------------------


def load_course(store: Store, catalogue: Catalogue, person_id: int, until: dt.date) -> Course:
    """One person's course folded up to `until` (from their newest stored state)."""
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


# --- today -------------------------------------------------------------------------------


def today(
    store: Store,
    catalogue: Catalogue,
    person_id: int | None,
    day: dt.date,
    *,
    actor: Actor,
    persist: bool = True,
) -> dict[str, Any]:
    """What to do on `day`: a session, a rest day, stopped, or not started yet
    (`person_id` None: nobody has started a programme here).

    With `persist`, what the replay found is stored too (a write); the web's GET
    does without, so reads never take the write lock.
    """
    result: dict[str, Any] = {
        "date": day.isoformat(),
        "weekday": WEEKDAYS[day.weekday()],
        "status": "not-started",
        "urgency": "none",
        "items": [],
        "escalations": [],
        "screening_due": False,
    }
    if person_id is None:
        result["message"] = "No programme yet. Start one first."
        return result
    permit(actor, person_id)  # the store refuses a person who is not there
    person = store.person(person_id)
    if day < person["start_date"]:
        result["message"] = f"Your programme starts on {person['start_date'].isoformat()}."
        return result
    loaded = load(store, catalogue, person_id, day, person)
    if persist:
        sync(store, person_id, loaded)
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


# --- recording ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PreparedSession:
    """A checked session log, ready to store: everything but the write itself."""

    person_id: int
    session: dict[str, Any]
    decisions: tuple[Decision, ...]


def record_session(
    store: Store,
    catalogue: Catalogue,
    person_id: int,
    raw: object,
    today: dt.date,
    *,
    actor: Actor,
) -> dict[str, Any]:
    """Store a finished session (idempotent on client_id) and apply PM-1 at once.

    `today` bounds the session's date (at most 366 days ahead).
    """
    prepared = prepare_session(store, catalogue, person_id, raw, today, actor=actor)
    return save_session(store, prepared)


def prepare_session(
    store: Store,
    catalogue: Catalogue,
    person_id: int,
    raw: object,
    today: dt.date,
    *,
    actor: Actor,
) -> PreparedSession:
    """Check a session log and work out its targets and PM-1 decisions (reads only).

    This is the hot write path, so it does not replay the whole course: targets come
    from the newest stored programme version, and only PM-1 (pain above 5 during an
    exercise) is decided here. Everything else is decided by the replay once the next
    morning is known (check-in, `today`, `review`), which also stores these same PM-1
    decisions again without duplicating them.
    """
    log = parse_session_log(raw, catalogue, today)
    return prepare_checked(catalogue, log, current_programme(store, person_id, actor=actor))


def current_programme(store: Store, person_id: int, *, actor: Actor) -> dict[str, Any]:
    """The person with their newest programme version (the hot write path: one query)."""
    permit(actor, person_id)
    current = store.person_with_programme(person_id)
    if current is None:
        raise UnknownPerson(person_id)  # a person always has their first programme
    return current


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
    )


def save_session(store: Store, prepared: PreparedSession) -> dict[str, Any]:
    """Write a prepared session and its PM-1 decisions (nothing twice for one client_id)."""
    log = prepared.session
    person_id = prepared.person_id
    session_id, created = store.add_session(person_id, log)
    if created:
        store.record_decisions(
            person_id, [decision_row(d, session_id, d.date) for d in prepared.decisions]
        )
        decided = [d.as_dict() for d in prepared.decisions]
    else:
        decided = [
            {**d, "date": d["date"].isoformat(), "decided_on": None}
            for d in store.decisions(person_id, session_id=session_id)
        ]
        for one in decided:
            one.pop("decided_on")
    return {
        "session_id": session_id,
        "client_id": log["client_id"],
        "created": created,
        "date": log["date"].isoformat(),
        "decisions": decided,
        "status": "stopped" if stopped_on(store, person_id, log["date"]) else "active",
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


def record_checkin(
    store: Store,
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
    course = loaded.course
    return {
        "date": day.isoformat(),
        "pain": pain,
        "morning": morning,
        "screening": screening.as_dict() if screening else None,
        "status": "stopped" if course.stop else "active",
        "urgency": course.urgency,
        "escalations": [e.as_dict() for e in course.current],
        "screening_due": is_screening_due(store, loaded.person, day),
    }


def record_psfs(
    store: Store, person_id: int, day: dt.date, raw: object, *, actor: Actor
) -> dict[str, Any]:
    permit(actor, person_id)  # the store refuses a person who is not there
    activities = parse_psfs(raw)
    store.add_psfs(person_id, date=day, activities=activities)
    return _psfs_summary(store.psfs(person_id))[-1]


def _psfs_summary(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
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
    store: Store,
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


# --- looking back ----------------------------------------------------------------------


def history(store: Store, person_id: int | None, *, actor: Actor) -> dict[str, Any]:
    """Everything the person reported (`person_id` None: nobody has started here)."""
    if person_id is None:
        return {"sessions": [], "checkins": [], "psfs": []}
    authorize(store, actor, person_id)

    def iso(row: dict[str, Any]) -> dict[str, Any]:
        return {
            k: (v.isoformat() if isinstance(v, dt.date | dt.datetime) else v)
            for k, v in row.items()
        }

    return {
        "sessions": [iso(s) for s in store.sessions(person_id)],
        "checkins": [iso(c) for c in store.checkins(person_id)],
        "psfs": _psfs_summary(store.psfs(person_id)),
    }


def progress(
    store: Store, catalogue: Catalogue, person_id: int, day: dt.date, *, actor: Actor
) -> dict[str, Any]:
    """Baseline, weekly means, escalations that fired, decisions and adherence."""
    permit(actor, person_id)  # the store refuses a person who is not there
    person = store.person(person_id)
    start = person["start_date"]
    end = max(day, start)
    loaded = load(store, catalogue, person_id, end, person)
    sync(store, person_id, loaded)
    course, profile = loaded.course, loaded.profile
    checkins = store.checkins(person_id, until=end)
    scores = [Score(c["date"], c["pain"], c["morning"]) for c in checkins]
    sessions = store.sessions(person_id, until=end)
    done = {s["date"] for s in sessions if s["date"] >= start}
    keys = {s["id"]: s["client_id"] for s in sessions}
    return {
        "date": day.isoformat(),
        "start_date": start.isoformat(),
        "baseline": person["baseline_pain"],
        "weekly_means": [
            {"week_start": w.isoformat(), "mean": m} for w, m in weekly_means(scores, start, end)
        ],
        "daily_scores": [
            {"date": s.date.isoformat(), "pain": s.pain, "morning": s.morning} for s in scores
        ],
        "escalations": _escalations_to(store, person_id, end),
        "decisions": _decisions_to(store, person_id, end, keys),
        "adherence": {
            "planned": training_days_between(profile.days_per_week, start, end)
            if day >= start
            else 0,
            "done": len(done),
        },
        "psfs": _psfs_summary(store.psfs(person_id)),
        "status": "stopped" if course.stop else "active",
        "programme_version": version_number(loaded),
        "versions": _versions_to(store, person_id, end),
        "disclaimer": DISCLAIMER,
    }


def _decisions_to(
    store: Store, person_id: int, end: dt.date, keys: Mapping[int, str]
) -> list[dict[str, Any]]:
    """Every decision the engine made up to `end`, in the order it made them."""
    rows = [d for d in store.decisions(person_id) if (d["decided_on"] or d["date"]) <= end]
    rows.sort(key=lambda d: (d["decided_on"] or d["date"], d["id"]))
    return [
        {
            "date": d["date"].isoformat(),
            "slot": d["slot"],
            "exercise_id": d["exercise_id"],
            "action": d["action"],
            "rule": d["rule"],
            "reason": d["reason"],
            "numbers": d["numbers"],
            "session_key": keys.get(d["session_id"]) if d["session_id"] else None,
        }
        for d in rows
    ]


def _escalations_to(store: Store, person_id: int, end: dt.date) -> list[dict[str, Any]]:
    return [
        {
            "rule": e["rule"],
            "urgency": e["urgency"],
            "message": e["message"],
            "numbers": e["numbers"],
            "date": e["date"].isoformat(),
        }
        for e in store.escalations(person_id)
        if e["date"] <= end
    ]


def _versions_to(store: Store, person_id: int, end: dt.date) -> list[dict[str, Any]]:
    """Each programme version in force up to `end`, with the reasons it was made."""
    return [
        {
            "version": v["version"],
            "effective_date": v["effective_date"].isoformat(),
            "reasons": [
                str(r.get("message", r)) if isinstance(r, Mapping) else str(r) for r in v["reasons"]
            ],
        }
        for v in store.programme_versions(person_id)
        if v["effective_date"] <= end
    ]
