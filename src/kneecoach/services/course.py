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
from kneecoach.domain import rules
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
    Replan,
    StateVersionError,
    Version,
)
from kneecoach.domain.summary import summary
from kneecoach.domain.trends import Escalation
from kneecoach.services import alerts
from kneecoach.services.validation import InvalidInput
from kneecoach.store.repository import ENGINE_SOURCE, REPLAN_SOURCES, Store, refolded

WEEK = rules.WEEK_DAYS  # a checkpoint at the end of each programme week
# How far the stored course may fall behind a session write before that write folds it
# (`catch_up`): a read then never has more than about a week to fold.
CATCH_UP_DAYS = WEEK
NO_EVENTS = DayEvents()


def engine_version() -> int:
    """The version stored states are kept under: the engine's rules, its configured
    design choices and the content.

    A change to any gives a new number, so older states are ignored and the course is
    rebuilt from the events the next time it is needed (lazily, person by person).
    """
    return _engine_version(rules.fingerprint())


@cache
def _engine_version(choices: str) -> int:
    key = f"{STATE_VERSION}:{choices}:{content_key(EXERCISE_DIR)}".encode()
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
    # With a stored state: the versions effective after it; without: every version.
    stored_versions: list[dict[str, Any]] = field(default_factory=list)
    # Kept with the stored state: the newest decision of each slot, and the newest version
    # number, as of `base` (so `today` reads neither table).
    last: dict[str, dict[str, Any]] = field(default_factory=dict)
    max_version: int = 1

    @property
    def until(self) -> dt.date:
        return self.course.until


def _stored_state(
    store: Store, person_id: int, until: dt.date
) -> tuple[CourseState, dict[str, Any]] | None:
    """The newest stored state on or before `until`, with what is kept beside it."""
    return parse_stored(store.course_state(person_id, until, engine_version()))


def parse_stored(
    found: tuple[dt.date, dict[str, Any]] | None,
) -> tuple[CourseState, dict[str, Any]] | None:
    """A stored (day, state) as the engine's state and what is kept beside it; None when
    there is none or it cannot be read (the course is then rebuilt from the events)."""
    if found is None:
        return None
    try:
        return CourseState.from_json(found[1]["engine"]), found[1]
    except (StateVersionError, KeyError, TypeError, ValueError):
        return None


@dataclass
class Reads:
    """What folding one person's course needs from the store."""

    person: dict[str, Any]
    stored: tuple[CourseState, dict[str, Any]] | None
    versions: list[dict[str, Any]]
    sessions: list[dict[str, Any]]
    checkins: list[dict[str, Any]]
    clearances: list[dict[str, Any]]


def read(
    store: Store, person_id: int, until: dt.date, person: dict[str, Any] | None = None
) -> Reads:
    """One person's newest stored state on or before `until`, and the events since
    (`person`: their row, when the caller has read it already)."""
    person = person or store.person(person_id)
    check_course_day(until, person["start_date"])
    stored = _stored_state(store, person_id, until)
    since = None if stored is None else stored[0].day + dt.timedelta(days=1)
    return Reads(
        person=person,
        stored=stored,
        versions=store.programme_versions(person_id, since=since),
        sessions=store.sessions(person_id, until=until, since=since),
        checkins=store.checkins(person_id, until=until, since=since),
        clearances=[c for c in store.clearances(person_id, since=since) if c["date"] <= until],
    )


def load(
    store: Store,
    catalogue: Catalogue,
    person_id: int,
    until: dt.date,
    person: dict[str, Any] | None = None,
) -> Loaded:
    """Fold one person's course up to `until`, from the newest stored state before it."""
    return fold(read(store, person_id, until, person), until, catalogue)


def fold(reads: Reads, until: dt.date, catalogue: Catalogue) -> Loaded:
    """Advance the stored state (or the first programme) day by day up to `until`. No I/O."""
    person, stored, versions = reads.person, reads.stored, reads.versions
    profile = parse_profile(person["profile"])
    state = stored[0] if stored else None
    checkins = [
        CheckIn(c["date"], c["pain"], c["morning"], triage(c["answers"])) for c in reads.checkins
    ]
    clearances = [
        Clearance(c["date"], c["cleared_by"], triage(c["answers"])) for c in reads.clearances
    ]
    replans = [
        (
            v["effective_date"],
            Replan(
                tuple(Slot.from_dict(s) for s in v["programme"]["slots"]),
                # CL-1: a prescription, or a settings change that kept one
                prescribed=v["programme"].get("prescribed_by") is not None,
            ),
        )
        for v in versions
        if v["programme"].get("source") in REPLAN_SOURCES and v["effective_date"] <= until
    ]
    if state is None:
        first = versions[0]["programme"]
        state = initial_state(
            profile=profile,
            start=person["start_date"],
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
        session_ids={s["client_id"]: s["id"] for s in reads.sessions},
        stored_versions=versions,
    )
    if stored is not None:
        loaded.last = dict(stored[1].get("last_decisions", {}))
        loaded.max_version = int(stored[1].get("max_version", 1))
    sessions = [logged_session(s) for s in reads.sessions]
    events = group_events(sessions, checkins, clearances, replans)
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


def kept_versions(loaded: Loaded) -> list[int]:
    """The numbers of the stored versions that still hold after the fold's base."""
    kept = [v["version"] for v in loaded.stored_versions if not refolded(v, loaded.base)]
    return [loaded.max_version, *kept]


def version_number(loaded: Loaded) -> int:
    """The number of the newest programme version at `until`, stored or about to be."""
    return max(kept_versions(loaded)) + len(loaded.versions)


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
    missing = missing_session_keys(loaded)
    ids = {key: id_ for (_, key), id_ in store.session_ids_of([person_id], missing).items()}
    made = derived(loaded, ids)
    new = store.replace_derived(loaded.base, loaded.until, {person_id: made}, engine_version())
    # CL-3: what the fold started, for a clinic patient's physio (no query otherwise).
    alerts.raise_alerts(
        store,
        person_id,
        day=loaded.until,
        escalations=loaded.escalations,
        decisions=[d for _, d in loaded.decisions],
    )
    return new


def catch_up(
    store: Store,
    catalogue: Catalogue,
    person_id: int,
    day: dt.date,
    newest_before: dt.date | None,
    start: dt.date,
) -> bool:
    """After a session of `day` is written (it folds nothing itself, and drops the stored
    states from its day on): fold and store the course when what is stored has fallen more
    than `CATCH_UP_DAYS` behind the session, or behind where it stood before the write
    (`newest_before`). Reads store nothing, so without this a run of sessions with no
    morning score between them would leave every read more days to fold. True if it
    folded."""
    version = engine_version()
    wanted = max(day, newest_before) if newest_before is not None else day
    if newest_before is not None and newest_before < day:
        newest: dt.date | None = newest_before  # the write dropped nothing
    else:
        newest = store.newest_course_state_day(person_id, version)
    stored_to = newest if newest is not None else start - dt.timedelta(days=1)
    if (wanted - stored_to).days <= CATCH_UP_DAYS:
        return False
    sync(store, person_id, load(store, catalogue, person_id, wanted))
    return True


def missing_session_keys(loaded: Loaded) -> set[str]:
    """Sessions from before the state, settled after it (PM-3): their ids are not loaded."""
    keys = {d.session_key for _, d in loaded.decisions if d.session_key}
    return {k for k in keys if k and k not in loaded.session_ids}


def derived(loaded: Loaded, more_ids: Mapping[str, int]) -> dict[str, Any]:
    """Everything the fold derived after its base, as rows for `Store.replace_derived`."""
    ids = {**loaded.session_ids, **more_ids}
    number = max(kept_versions(loaded))
    start: dt.date = loaded.person["start_date"]
    state = loaded.course.state
    assert state is not None
    return {
        "decisions": [
            decision_row(d, ids.get(d.session_key or ""), day) for day, d in loaded.decisions
        ],
        "escalations": [
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
        "versions": [
            {
                "version": number + offset,
                "effective_date": version.effective,
                "programme": {
                    "slots": [s.as_dict() for s in version.slots],
                    "valgus_ban": version.valgus_ban,
                    "source": ENGINE_SOURCE,
                },
                "reasons": [{"message": r} for r in version.reasons],
                "created_at": dt.datetime.now(dt.UTC),
            }
            for offset, version in enumerate(loaded.versions, start=1)
        ],
        "stopped": set(loaded.stopped),
        "state": {
            "engine": state.to_json(),
            "last_decisions": last_decisions(loaded),
            "max_version": number + len(loaded.versions),
        },
        "checkpoint": (state.day - start).days % WEEK == WEEK - 1,
        "stopped_at_end": state.stop is not None,
        # The dashboard's row as of the state's day (course_summaries).
        "summary": summary(state, loaded.profile.days_per_week),
    }


def _brief(decision: Decision) -> dict[str, Any]:
    """What `today` shows of a slot's last decision."""
    return {
        "action": decision.action,
        "rule": decision.rule,
        "reason": decision.reason,
        "date": decision.date.isoformat(),
    }


def last_decisions(loaded: Loaded) -> dict[str, dict[str, Any]]:
    """The newest decision of each slot at `until`, {"action", "rule", "reason", "date"}:
    the ones kept with the stored state, then the fold's."""
    last = dict(loaded.last)
    for _, decision in loaded.decisions:
        last[decision.slot] = _brief(decision)
    return last


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
