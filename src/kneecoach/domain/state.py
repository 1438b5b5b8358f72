"""The course as stored state: what the engine carries from one day to the next.

Pure Python. `CourseState` is a frozen, versioned value with an exact JSON round
trip (`to_json` / `CourseState.from_json`), so a store can keep it as a snapshot
and continue from it (`kneecoach.domain.course.resume`). Its size does not grow
with the history: it keeps the last weeks of scores, not all of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from functools import lru_cache
from typing import Any, cast

from kneecoach.domain.planning import Prescription, Slot
from kneecoach.domain.progression import Performance, SetResult
from kneecoach.domain.screening import Triage, Urgency
from kneecoach.domain.trends import Escalation, Score

# Bump when a field is added, removed or changes meaning: an older snapshot is then
# refused (`StateVersionError`) and the store replays from the start instead.
STATE_VERSION = 3  # 2: compact doses, slots and performances; 3: slots carry `locked`


class StateVersionError(ValueError):
    """A stored state was written by another version of the engine."""


# --- the events of a day ----------------------------------------------------------------


@dataclass(frozen=True)
class LoggedEntry:
    exercise_id: str
    hurt: bool
    sets: tuple[SetResult, ...]


@dataclass(frozen=True)
class LoggedSession:
    key: str
    date: date
    pain_before: int
    pain_after: int
    entries: tuple[LoggedEntry, ...]


@dataclass(frozen=True)
class CheckIn:
    date: date
    pain: int
    morning: bool
    triage: Triage | None = None


@dataclass(frozen=True)
class Clearance:
    date: date
    cleared_by: str
    triage: Triage | None = None


@dataclass(frozen=True)
class Replan:
    """A settings change: from its day, these slots replace the programme's."""

    slots: tuple[Slot, ...]
    # The new equipment and access, when the change brought them (None: unchanged).
    equipment: frozenset[str] | None = None
    access: frozenset[str] | None = None
    # CL-1: a physiotherapist chose these exercises; the engine adds none of its own
    # (PR-8's return and PR-9's opening leave the choice to them).
    prescribed: bool = False


@dataclass(frozen=True)
class DayEvents:
    """Everything reported for one day, in the order it was reported."""

    sessions: tuple[LoggedSession, ...] = ()
    checkins: tuple[CheckIn, ...] = ()
    clearances: tuple[Clearance, ...] = ()
    replan: Replan | None = None


# --- what the course carries -------------------------------------------------------------


@dataclass(frozen=True)
class Version:
    number: int
    effective: date
    slots: tuple[Slot, ...]
    reasons: tuple[str, ...]
    valgus_ban: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "version": self.number,
            "effective_date": self.effective.isoformat(),
            "slots": [s.as_dict() for s in self.slots],
            "reasons": list(self.reasons),
            "valgus_ban": self.valgus_ban,
        }


@dataclass(frozen=True)
class Stop:
    date: date
    rule: str
    urgency: Urgency
    message: str


@dataclass(frozen=True)
class CourseState:
    """The course at the end of `day`: everything the next day's step needs."""

    start: date
    baseline: int
    day: date  # the last day folded in (the day before `start` for a fresh course)
    equipment: frozenset[str]
    access: frozenset[str]
    slots: tuple[Slot, ...]
    order: tuple[str, ...]  # the plan's slot order (PR-8 puts stretches back in it)
    performances: tuple[tuple[str, tuple[Performance, ...]], ...]  # per slot, newest last
    pending: tuple[LoggedSession, ...]  # sessions waiting for their next morning (PM-3)
    decided: tuple[tuple[str, str, date], ...]  # (slot, session key, day) of recent sessions
    aerobic_steps: tuple[tuple[str, date], ...]  # PR-4: the last step of each aerobic slot
    scores: tuple[Score, ...]  # the last 28 days of scores (and the last older mornings)
    last_score: Score | None  # PR-8: the latest score, however old
    last_checkin: date | None  # ES-4
    episodes: tuple[tuple[str, Urgency], ...]  # escalation episodes open today
    current: tuple[Escalation, ...]  # what the day showed (before the stop's own message)
    stop: Stop | None
    clearance_pending: bool
    valgus_ban: bool  # PR-8
    ban_start: date  # PR-8: the 14 days count from here (the start or a re-screen)
    gentle: bool  # PM-1 / PR-9
    # After a clearance the trend that stopped the programme counts as seen: its weekly
    # mean on the clearance day (None: nothing seen, ES-2 `urgent` fires as usual).
    seen_mean: Fraction | None
    version: Version  # the newest programme version the course made
    stopped_sessions: tuple[str, ...] = ()  # keys of `day`'s sessions logged while stopped
    prescribed: bool = False  # CL-1: the physiotherapist chose the exercises
    state_version: int = STATE_VERSION

    def to_json(self) -> dict[str, Any]:
        """A plain JSON value (dicts, lists, strings, numbers) for a store.

        Compact on purpose: doses, slots and sets are short lists, and the newest
        version's slots are left out when they are the state's own (`null`), because
        every person's state is read and written again every night.
        """
        version = self.version
        return {
            "state_version": self.state_version,
            "start": self.start.isoformat(),
            "baseline": self.baseline,
            "day": self.day.isoformat(),
            "equipment": sorted(self.equipment),
            "access": sorted(self.access),
            "slots": [_slot_json(s) for s in self.slots],
            "order": list(self.order),
            "performances": [[slot, [_perf_json(p) for p in ps]] for slot, ps in self.performances],
            "pending": [_session_json(s) for s in self.pending],
            "decided": [[slot, key, d.isoformat()] for slot, key, d in self.decided],
            "aerobic_steps": [[slot, d.isoformat()] for slot, d in self.aerobic_steps],
            "scores": [_score_json(s) for s in self.scores],
            "last_score": _score_json(self.last_score) if self.last_score else None,
            "last_checkin": self.last_checkin.isoformat() if self.last_checkin else None,
            "episodes": [[rule, urgency] for rule, urgency in self.episodes],
            "current": [e.as_dict() for e in self.current],
            "stop": _stop_json(self.stop) if self.stop else None,
            "clearance_pending": self.clearance_pending,
            "valgus_ban": self.valgus_ban,
            "ban_start": self.ban_start.isoformat(),
            "gentle": self.gentle,
            "seen_mean": str(self.seen_mean) if self.seen_mean is not None else None,
            "version": [
                version.number,
                version.effective.isoformat(),
                None if version.slots == self.slots else [_slot_json(s) for s in version.slots],
                list(version.reasons),
                version.valgus_ban,
            ],
            "stopped_sessions": list(self.stopped_sessions),
            "prescribed": self.prescribed,
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> CourseState:
        """The state `to_json` wrote (StateVersionError if another engine version wrote it)."""
        if raw.get("state_version") != STATE_VERSION:
            raise StateVersionError(
                f"course state version {raw.get('state_version')!r} is not {STATE_VERSION}: "
                "replay the course from its start"
            )
        day = date.fromisoformat
        slots = tuple(_slot_of(s) for s in raw["slots"])
        number, effective, version_slots, reasons, version_ban = raw["version"]
        return cls(
            start=day(raw["start"]),
            baseline=int(raw["baseline"]),
            day=day(raw["day"]),
            equipment=frozenset(raw["equipment"]),
            access=frozenset(raw["access"]),
            slots=slots,
            order=tuple(raw["order"]),
            performances=tuple(
                (slot, tuple(_perf_of(p) for p in ps)) for slot, ps in raw["performances"]
            ),
            pending=tuple(_session_of(s) for s in raw["pending"]),
            decided=tuple((slot, key, day(d)) for slot, key, d in raw["decided"]),
            aerobic_steps=tuple((slot, day(d)) for slot, d in raw["aerobic_steps"]),
            scores=tuple(_score(*s) for s in raw["scores"]),
            last_score=_score(*raw["last_score"]) if raw["last_score"] else None,
            last_checkin=day(raw["last_checkin"]) if raw["last_checkin"] else None,
            episodes=tuple((rule, cast(Urgency, urgency)) for rule, urgency in raw["episodes"]),
            current=tuple(_escalation(e) for e in raw["current"]),
            stop=_stop(raw["stop"]) if raw["stop"] else None,
            clearance_pending=bool(raw["clearance_pending"]),
            valgus_ban=bool(raw["valgus_ban"]),
            ban_start=day(raw["ban_start"]),
            gentle=bool(raw["gentle"]),
            seen_mean=Fraction(raw["seen_mean"]) if raw["seen_mean"] is not None else None,
            version=Version(
                int(number),
                day(effective),
                slots if version_slots is None else tuple(_slot_of(s) for s in version_slots),
                tuple(reasons),
                bool(version_ban),
            ),
            stopped_sessions=tuple(raw["stopped_sessions"]),
            prescribed=bool(raw.get("prescribed", False)),
        )


# --- JSON for the parts ------------------------------------------------------------------


# Reading the parts of a stored state. States repeat themselves and each other: the same
# dose in a slot and in its performances, the same set many times, the same (day, pain)
# score in many people's last four weeks. The values are frozen, so one object stands for
# every copy (interned through bounded `lru_cache`s), and reading a state costs about what
# is particular to it.


def _slot_of(raw: list[Any]) -> Slot:
    slot, kind, exercise_id, dose, note, paused, locked = raw
    return _slot(slot, kind, exercise_id, tuple(dose), note, paused, locked)


def _perf_of(raw: list[Any]) -> Performance:
    key, when, exercise_id, target, sets, hurt, morning_rise = raw
    return Performance(
        key,
        date.fromisoformat(when),
        exercise_id,
        _dose(*target),
        tuple(_set(*s) for s in sets),
        bool(hurt),
        morning_rise,
    )


def _session_of(raw: Mapping[str, Any]) -> LoggedSession:
    return LoggedSession(
        key=raw["key"],
        date=date.fromisoformat(raw["date"]),
        pain_before=int(raw["pain_before"]),
        pain_after=int(raw["pain_after"]),
        entries=tuple(
            LoggedEntry(e["exercise_id"], bool(e["hurt"]), tuple(_set(*s) for s in e["sets"]))
            for e in raw["entries"]
        ),
    )


# typed=True: 2 and 2.0 (or 1 and True) are kept apart, so a value reads back as written.
@lru_cache(maxsize=4096, typed=True)
def _dose(sets: int, reps: Any, hold: Any, minutes: Any, load: Any, per_side: bool) -> Prescription:
    return Prescription(int(sets), reps, hold, minutes, load, bool(per_side))


@lru_cache(maxsize=4096, typed=True)
def _set(reps: Any, hold: Any, minutes: Any, load: Any, pain: int) -> SetResult:
    return SetResult(reps, hold, minutes, load, int(pain))


@lru_cache(maxsize=4096, typed=True)
def _slot(
    slot: str,
    kind: Any,
    exercise_id: str,
    dose: tuple[Any, ...],
    note: Any,
    paused: bool,
    locked: bool,
) -> Slot:
    return Slot(slot, kind, exercise_id, _dose(*dose), note, bool(paused), bool(locked))


@lru_cache(maxsize=8192, typed=True)
def _score(when: str, pain: int, morning: bool) -> Score:
    return Score(date.fromisoformat(when), int(pain), bool(morning))


def _dose_json(dose: Prescription) -> list[object]:
    return [dose.sets, dose.reps, dose.hold_seconds, dose.minutes, dose.load_kg, dose.per_side]


def _slot_json(slot: Slot) -> list[object]:
    return [
        slot.slot,
        slot.kind,
        slot.exercise_id,
        _dose_json(slot.dose),
        slot.note,
        slot.paused,
        slot.locked,
    ]


def _score_json(score: Score) -> list[object]:
    return [score.date.isoformat(), score.pain, score.morning]


def _set_json(one: SetResult) -> list[object]:
    return [one.reps, one.hold_seconds, one.minutes, one.load_kg, one.pain]


def _perf_json(perf: Performance) -> list[object]:
    return [
        perf.session_key,
        perf.date.isoformat(),
        perf.exercise_id,
        _dose_json(perf.target),
        [_set_json(s) for s in perf.sets],
        perf.hurt,
        perf.morning_rise,
    ]


def _session_json(session: LoggedSession) -> dict[str, object]:
    return {
        "key": session.key,
        "date": session.date.isoformat(),
        "pain_before": session.pain_before,
        "pain_after": session.pain_after,
        "entries": [
            {"exercise_id": e.exercise_id, "hurt": e.hurt, "sets": [_set_json(s) for s in e.sets]}
            for e in session.entries
        ],
    }


def _stop_json(stop: Stop) -> dict[str, object]:
    return {
        "date": stop.date.isoformat(),
        "rule": stop.rule,
        "urgency": stop.urgency,
        "message": stop.message,
    }


def _stop(raw: Mapping[str, Any]) -> Stop:
    return Stop(date.fromisoformat(raw["date"]), raw["rule"], raw["urgency"], raw["message"])


def _escalation(raw: Mapping[str, Any]) -> Escalation:
    when = raw.get("date")
    return Escalation(
        raw["rule"],
        raw["urgency"],
        raw["message"],
        dict(raw["numbers"]),
        date.fromisoformat(when) if when else None,
    )
