"""The course, stored and resumed: every read and write advances only the days since.

The engine's state (`kneecoach.domain.state.CourseState`) is stored per person: the
newest day it was advanced to, and a checkpoint at the end of each programme week.
`load` starts from the newest stored state on or before the day asked for and folds
only the days after it. Writing an event dated on or before a stored state drops the
states from that day on (`Store._touch`), so the next load rewinds to the newest
checkpoint before it. `sync` then makes what the engine derived after that state
(decisions, escalations, programme versions) exactly what the fold found, and stores
the new state. A full replay from the start gives the same answers: the property test
in tests/integration/test_incremental.py holds both to it.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from kneecoach.content.loader import EXERCISE_DIR, content_key
from kneecoach.domain.course import (
    Course,
    group_events,
    initial_state,
    resume,
)
from kneecoach.domain.course import advance as advance_day
from kneecoach.domain.dates import check_course_day
from kneecoach.domain.exercises import Catalogue
from kneecoach.domain.planning import Profile, Slot, parse_profile
from kneecoach.domain.progression import Decision, SetResult
from kneecoach.domain.screening import ScreeningError, Triage, screen
from kneecoach.domain.state import (
    STATE_VERSION,
    CheckIn,
    Clearance,
    CourseState,
    DayEvents,
    LoggedEntry,
    LoggedSession,
    StateVersionError,
    Version,
)
from kneecoach.domain.trends import Escalation
from kneecoach.services.validation import InvalidInput
from kneecoach.store.repository import Store

WEEK = 7
NO_EVENTS = DayEvents()


@cache
def engine_version() -> int:
    """The version stored states are kept under: the engine's rules and the content.

    A change to either gives a new number, so older states are ignored and the course
    is rebuilt from the events the next time it is needed (lazily, person by person).
    """
    key = f"{STATE_VERSION}:{content_key(EXERCISE_DIR)}".encode()
    return zlib.crc32(key) & 0x7FFFFFFF


def triage(answers: Mapping[str, Any] | None, field: str = "answers") -> Triage | None:
    if answers is None:
        return None
    try:
        return screen(answers)
    except ScreeningError as error:
        raise InvalidInput(f"{field}.{error.field}", error.problem) from None


def logged_session(raw: Mapping[str, Any]) -> LoggedSession:
    return LoggedSession(
        key=raw["client_id"],
        date=raw["date"],
        pain_before=raw["pain_before"],
        pain_after=raw["pain_after"],
        entries=tuple(
            LoggedEntry(
                e["exercise_id"],
                bool(e["hurt"]),
                tuple(
                    SetResult(s["reps"], s["hold_seconds"], s["minutes"], s["load_kg"], s["pain"])
                    for s in e["sets"]
                ),
            )
            for e in raw["entries"]
        ),
    )


@dataclass
class Loaded:
    """One person's course folded up to `until`, and what the fold added after `base`."""

    course: Course
    profile: Profile
    person: dict[str, Any]
    # The day of the state the fold started from (the day before the start when none).
    base: dt.date
    decisions: list[tuple[dt.date, Decision]] = field(default_factory=list)
    versions: list[Version] = field(default_factory=list)
    escalations: list[Escalation] = field(default_factory=list)
    stopped: set[str] = field(default_factory=set)
    session_ids: dict[str, int] = field(default_factory=dict)
    stored_versions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def until(self) -> dt.date:
        return self.course.until


def _stored_state(store: Store, person_id: int, until: dt.date) -> CourseState | None:
    found = store.course_state(person_id, until, engine_version())
    if found is None:
        return None
    try:
        return CourseState.from_json(found[1])
    except (StateVersionError, KeyError, TypeError, ValueError):
        return None  # unreadable: rebuild from the events


def load(store: Store, catalogue: Catalogue, person_id: int, until: dt.date) -> Loaded:
    """Fold one person's course up to `until`, from the newest stored state before it."""
    person = store.person(person_id)
    profile = parse_profile(person["profile"])
    start: dt.date = person["start_date"]
    check_course_day(until, start)
    versions = store.programme_versions(person_id)
    state = _stored_state(store, person_id, until)
    since = None if state is None else state.day + dt.timedelta(days=1)
    sessions = store.sessions(person_id, until=until, since=since)
    checkins = [
        CheckIn(c["date"], c["pain"], c["morning"], triage(c["answers"]))
        for c in store.checkins(person_id, until=until, since=since)
    ]
    clearances = [
        Clearance(c["date"], c["cleared_by"], triage(c["answers"]))
        for c in store.clearances(person_id)
        if c["date"] <= until and (since is None or c["date"] >= since)
    ]
    replans = [
        (v["effective_date"], tuple(Slot.from_dict(s) for s in v["programme"]["slots"]))
        for v in versions
        if v["programme"].get("source") == "settings"
        and v["effective_date"] <= until
        and (since is None or v["effective_date"] >= since)
    ]
    if state is None:
        first = versions[0]["programme"]
        state = initial_state(
            profile=profile,
            start=start,
            baseline=person["baseline_pain"],
            first_slots=tuple(Slot.from_dict(s) for s in first["slots"]),
            valgus_ban=bool(first.get("valgus_ban")),
            earlier_checkins=checkins,
        )
    loaded = Loaded(
        course=None,  # type: ignore[arg-type]  # set below, once folded
        profile=profile,
        person=person,
        base=state.day,
        session_ids={s["client_id"]: s["id"] for s in sessions},
        stored_versions=versions,
    )
    events = group_events([logged_session(s) for s in sessions], checkins, clearances, replans)
    while state.day < until:
        day = state.day + dt.timedelta(days=1)
        number = state.version.number
        state, made, started = advance_day(state, day, events.get(day, NO_EVENTS), catalogue)
        loaded.decisions += [(day, d) for d in made]
        loaded.escalations += started
        loaded.stopped.update(state.stopped_sessions)
        if state.version.number != number:
            loaded.versions.append(state.version)
    # The course as it stands at `until`: a fold of no further days gives its view.
    loaded.course = resume(
        state, until=max(until, state.day), events_by_day={}, catalogue=catalogue
    )
    return loaded


def decision_row(decision: Decision, session_id: int | None, decided_on: dt.date) -> dict[str, Any]:
    """A decision as the store keeps it."""
    return {
        "date": decision.date,
        "slot": decision.slot,
        "exercise_id": decision.exercise_id,
        "action": decision.action,
        "rule": decision.rule,
        "reason": decision.reason,
        "numbers": dict(decision.numbers),
        "session_id": session_id,
        "decided_on": decided_on,
    }


def kept_versions(loaded: Loaded) -> list[dict[str, Any]]:
    """The stored versions that still hold after the fold's base (what `sync` keeps)."""
    return [
        v
        for v in loaded.stored_versions
        if v["version"] == 1
        or v["programme"].get("source") == "settings"
        or v["effective_date"] <= loaded.base
    ]


def version_number(loaded: Loaded) -> int:
    """The number of the programme version in force at `until`, stored or about to be."""
    kept = [v["version"] for v in kept_versions(loaded) if v["effective_date"] <= loaded.until]
    return max(kept, default=1) + len(loaded.versions)


def sync(store: Store, person_id: int, loaded: Loaded) -> int:
    """Store what the fold derived after its base, replacing what was derived there before,
    and the state it reached. Returns how many decisions were stored.

    A fold that ends before the newest stored state changes nothing: what is stored up
    to that state still holds (an event before it would have removed it), and so equals
    what the fold found.
    """
    newest = store.newest_course_state_day(person_id, engine_version())
    if newest is not None and newest > loaded.until:
        return 0
    base = loaded.base
    store.forget_derived(person_id, base)
    number = max((v["version"] for v in kept_versions(loaded)), default=1)
    for offset, version in enumerate(loaded.versions, start=1):
        store.add_programme_version(
            person_id,
            version=number + offset,
            effective_date=version.effective,
            programme={
                "slots": [s.as_dict() for s in version.slots],
                "valgus_ban": version.valgus_ban,
                "source": "replay",
            },
            reasons=[{"message": r} for r in version.reasons],
        )
    ids = dict(loaded.session_ids)
    # A session from before the state, settled after it (PM-3): its id is not loaded yet.
    missing = {d.session_key for _, d in loaded.decisions if d.session_key} - set(ids)
    ids.update(store.session_ids(person_id, {k for k in missing if k}))
    new = store.record_decisions(
        person_id,
        [decision_row(d, ids.get(d.session_key or ""), day) for day, d in loaded.decisions],
    )
    store.reconcile_escalations(
        person_id,
        base,
        [
            {
                "date": e.date,
                "rule": e.rule,
                "urgency": e.urgency,
                "message": e.message,
                "numbers": dict(e.numbers),
            }
            for e in loaded.escalations
            if e.date is not None
        ],
    )
    store.mark_stopped_sessions(person_id, base, loaded.until, loaded.stopped)
    state = loaded.course.state
    if state is not None and state.day >= loaded.person["start_date"]:
        start: dt.date = loaded.person["start_date"]
        store.save_course_state(
            person_id,
            day=state.day,
            version=engine_version(),
            state=state.to_json(),
            checkpoint=(state.day - start).days % WEEK == WEEK - 1,
        )
    return new


def last_decisions(store: Store, loaded: Loaded, *, synced: bool) -> dict[str, dict[str, Any]]:
    """The newest decision for each slot up to `until`: stored, then what the fold added."""
    found = store.last_decisions(loaded.person["id"], loaded.until if synced else loaded.base)
    if not synced:
        for day, decision in loaded.decisions:
            found[decision.slot] = decision_row(decision, None, day)
    return found


def history(store: Store, loaded: Loaded) -> tuple[list[Decision], list[Escalation]]:
    """Every decision and escalation up to `until`: stored up to the fold's base, then the
    fold's own (so a read that stores nothing still sees the whole course)."""
    person_id = loaded.person["id"]
    decisions = [
        Decision(
            d["date"],
            d["slot"],
            d["exercise_id"],
            d["action"],
            d["rule"],
            d["reason"],
            d["numbers"],
        )
        for d in sorted(
            store.decisions(person_id), key=lambda d: (d["decided_on"] or d["date"], d["id"])
        )
        if (d["decided_on"] or d["date"]) <= loaded.base
    ]
    decisions += [d for _, d in loaded.decisions]
    escalations = [
        Escalation(e["rule"], e["urgency"], e["message"], e["numbers"], e["date"])
        for e in store.escalations(person_id)
        if e["date"] <= loaded.base
    ]
    escalations += loaded.escalations
    return decisions, escalations


def stopped_on(store: Store, person_id: int, day: dt.date) -> bool:
    """Whether the programme stood stopped on `day`, as of the newest stored state before it
    (one indexed read: the hot path of logging a session does not fold the course). A
    session logged while stopped is kept and marked by the next fold, never counted."""
    found = store.course_state(person_id, day, engine_version())
    return bool(found and found[1].get("stop"))
