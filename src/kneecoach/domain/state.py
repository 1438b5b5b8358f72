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
from typing import Any, cast

from kneecoach.domain.planning import Prescription, Slot
from kneecoach.domain.progression import Performance, SetResult
from kneecoach.domain.screening import Triage, Urgency
from kneecoach.domain.trends import Escalation, Score

# Bump when a field is added, removed or changes meaning: an older snapshot is then
# refused (`StateVersionError`) and the store replays from the start instead.
STATE_VERSION = 1


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

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Version:
        return cls(
            int(raw["version"]),
            date.fromisoformat(raw["effective_date"]),
            tuple(Slot.from_dict(s) for s in raw["slots"]),
            tuple(raw["reasons"]),
            bool(raw["valgus_ban"]),
        )


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
    state_version: int = STATE_VERSION

    def to_json(self) -> dict[str, Any]:
        """A plain JSON value (dicts, lists, strings, numbers) for a store."""
        return {
            "state_version": self.state_version,
            "start": self.start.isoformat(),
            "baseline": self.baseline,
            "day": self.day.isoformat(),
            "equipment": sorted(self.equipment),
            "access": sorted(self.access),
            "slots": [s.as_dict() for s in self.slots],
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
            "version": self.version.as_dict(),
            "stopped_sessions": list(self.stopped_sessions),
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
        return cls(
            start=day(raw["start"]),
            baseline=int(raw["baseline"]),
            day=day(raw["day"]),
            equipment=frozenset(raw["equipment"]),
            access=frozenset(raw["access"]),
            slots=tuple(Slot.from_dict(s) for s in raw["slots"]),
            order=tuple(raw["order"]),
            performances=tuple(
                (slot, tuple(_perf(p) for p in ps)) for slot, ps in raw["performances"]
            ),
            pending=tuple(_session(s) for s in raw["pending"]),
            decided=tuple((slot, key, day(d)) for slot, key, d in raw["decided"]),
            aerobic_steps=tuple((slot, day(d)) for slot, d in raw["aerobic_steps"]),
            scores=tuple(_score(s) for s in raw["scores"]),
            last_score=_score(raw["last_score"]) if raw["last_score"] else None,
            last_checkin=day(raw["last_checkin"]) if raw["last_checkin"] else None,
            episodes=tuple((rule, cast(Urgency, urgency)) for rule, urgency in raw["episodes"]),
            current=tuple(_escalation(e) for e in raw["current"]),
            stop=_stop(raw["stop"]) if raw["stop"] else None,
            clearance_pending=bool(raw["clearance_pending"]),
            valgus_ban=bool(raw["valgus_ban"]),
            ban_start=day(raw["ban_start"]),
            gentle=bool(raw["gentle"]),
            seen_mean=Fraction(raw["seen_mean"]) if raw["seen_mean"] is not None else None,
            version=Version.from_dict(raw["version"]),
            stopped_sessions=tuple(raw["stopped_sessions"]),
        )


# --- JSON for the parts ------------------------------------------------------------------


def _score_json(score: Score) -> list[object]:
    return [score.date.isoformat(), score.pain, score.morning]


def _score(raw: list[Any]) -> Score:
    return Score(date.fromisoformat(raw[0]), int(raw[1]), bool(raw[2]))


def _set_json(one: SetResult) -> list[object]:
    return [one.reps, one.hold_seconds, one.minutes, one.load_kg, one.pain]


def _set(raw: list[Any]) -> SetResult:
    return SetResult(raw[0], raw[1], raw[2], raw[3], int(raw[4]))


def _perf_json(perf: Performance) -> dict[str, object]:
    return {
        "session_key": perf.session_key,
        "date": perf.date.isoformat(),
        "exercise_id": perf.exercise_id,
        "target": perf.target.as_dict(),
        "sets": [_set_json(s) for s in perf.sets],
        "hurt": perf.hurt,
        "morning_rise": perf.morning_rise,
    }


def _perf(raw: Mapping[str, Any]) -> Performance:
    return Performance(
        session_key=raw["session_key"],
        date=date.fromisoformat(raw["date"]),
        exercise_id=raw["exercise_id"],
        target=Prescription.from_dict(raw["target"]),
        sets=tuple(_set(s) for s in raw["sets"]),
        hurt=bool(raw["hurt"]),
        morning_rise=raw["morning_rise"],
    )


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


def _session(raw: Mapping[str, Any]) -> LoggedSession:
    return LoggedSession(
        key=raw["key"],
        date=date.fromisoformat(raw["date"]),
        pain_before=int(raw["pain_before"]),
        pain_after=int(raw["pain_after"]),
        entries=tuple(
            LoggedEntry(e["exercise_id"], bool(e["hurt"]), tuple(_set(s) for s in e["sets"]))
            for e in raw["entries"]
        ),
    )


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
