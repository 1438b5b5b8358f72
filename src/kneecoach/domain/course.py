"""The course of a programme: replay what a person reported, day by day, into decisions.

Pure Python. Given the first programme and every session, check-in and
clearance, `replay` rebuilds the programme versions, the decisions and the
escalations up to a date. The same events always give the same course, so a
journey replayed with `--date` and a nightly review agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from kneecoach.domain.exercises import Catalogue
from kneecoach.domain.planning import (
    GENTLE_ABOVE_PAIN,
    HAND_PRESSURE_STRETCH,
    STRETCH_ORDER,
    Profile,
    Slot,
    starting_dose,
)
from kneecoach.domain.progression import (
    Context,
    Decision,
    Performance,
    SetResult,
    decide,
    decide_at_once,
)
from kneecoach.domain.screening import Triage, Urgency, highest
from kneecoach.domain.trends import (
    Escalation,
    Score,
    escalations,
    last_checkin_date,
    late_progressions_unlocked,
    morning_of,
    usual_morning,
    week_rise,
)

PR8_DAYS = 14  # PR-8: the first 14 days after a recent or MCL injury
PR8_MAX_PAIN = 2  # PR-8: then add them only while pain is 0-2
STOPPING: tuple[Urgency, ...] = ("emergency", "urgent")


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


@dataclass
class Course:
    """Everything the replay found, up to its date."""

    until: date
    versions: list[Version]
    decisions: list[Decision]
    # Each escalation with the date its episode began (a rule that keeps firing counts once).
    escalation_history: list[Escalation]
    current: list[Escalation]
    stop: Stop | None
    # The programme as it stands at `until` (settings changes included).
    slots: tuple[Slot, ...] = ()
    clearance_pending: bool = False
    performances: dict[str, list[Performance]] = field(default_factory=dict)

    @property
    def urgency(self) -> Urgency:
        levels: list[Urgency] = [e.urgency for e in self.current]
        if self.stop:
            levels.append(self.stop.urgency)
        return highest(levels)

    def last_decision(self, slot: str) -> Decision | None:
        for decision in reversed(self.decisions):
            if decision.slot == slot:
                return decision
        return None


def _performance(entry: LoggedEntry, session: LoggedSession, slot: Slot) -> Performance:
    return Performance(
        session_key=session.key,
        date=session.date,
        exercise_id=entry.exercise_id,
        target=slot.dose,
        sets=entry.sets,
        hurt=entry.hurt,
    )


def _flag_escalations(triage: Triage, day: date) -> list[Escalation]:
    return [
        Escalation(
            flag.rule,
            flag.urgency,
            f"{flag.rule}: {flag.message} {triage.advice}",
            {"question": flag.question},
            day,
        )
        for flag in triage.flags
    ]


def replay(
    *,
    profile: Profile,
    catalogue: Catalogue,
    start: date,
    baseline: int,
    first_slots: tuple[Slot, ...],
    valgus_ban: bool,
    sessions: Sequence[LoggedSession],
    checkins: Sequence[CheckIn],
    clearances: Sequence[Clearance] = (),
    replans: Sequence[tuple[date, tuple[Slot, ...]]] = (),
    until: date,
) -> Course:
    """Replay every event from the start date to `until` (inclusive).

    `replans` are settings changes: from its date, each one's slots replace the
    programme's (they were worked out from the course at the time of the change).
    """
    scores_all = sorted((Score(c.date, c.pain, c.morning) for c in checkins), key=lambda s: s.date)
    slots: dict[str, Slot] = {s.slot: s for s in first_slots}
    versions = [Version(1, start, first_slots, ("The first programme.",), valgus_ban)]
    decisions: list[Decision] = []
    history: dict[str, list[Performance]] = {s.slot: [] for s in first_slots}
    decided: set[tuple[str, str]] = set()  # (slot, session key)
    pending: list[LoggedSession] = []
    last_aerobic_step: dict[str, date] = {}
    episode_open: set[tuple[str, Urgency]] = set()
    escalation_history: list[Escalation] = []
    current: list[Escalation] = []
    stop: Stop | None = None
    clearance_pending = False
    ban = valgus_ban
    gentle = profile.pain_now > GENTLE_ABOVE_PAIN

    sessions_by_day: dict[date, list[LoggedSession]] = {}
    for s in sorted(sessions, key=lambda s: s.date):
        sessions_by_day.setdefault(s.date, []).append(s)
    checkins_by_day: dict[date, list[CheckIn]] = {}
    for c in checkins:
        checkins_by_day.setdefault(c.date, []).append(c)
    clearances_by_day: dict[date, list[Clearance]] = {}
    for cleared in clearances:
        clearances_by_day.setdefault(cleared.date, []).append(cleared)

    def scores_to(day: date) -> list[Score]:
        return [s for s in scores_all if s.date <= day]

    def apply(decision: Decision, changes: list[str]) -> None:
        decisions.append(decision)
        if decision.session_key:
            decided.add((decision.slot, decision.session_key))
        result = decision.result
        if decision.action == "repeat" or result is None:
            return
        slots[decision.slot] = result
        history[decision.slot] = []  # PR-1 counts sessions at the new rung only
        changes.append(decision.reason)
        if decision.action == "progress" and result.kind == "aerobic":
            last_aerobic_step[decision.slot] = decision.date

    def context(day: date, session_day: date) -> Context:
        scores = scores_to(day)
        return Context(
            catalogue=catalogue,
            equipment=profile.equipment,
            usual_morning=usual_morning(scores, session_day, baseline),
            next_morning=morning_of(scores, session_day + timedelta(days=1)),
            week_rise=week_rise(scores, day),
            late_ok=late_progressions_unlocked(scores, start, day),
            aerobic_progressed_within_week=False,
        )

    replans_by_day = {when: new for when, new in replans}
    day = start
    while day <= until:
        changes: list[str] = []
        fired_today: list[Escalation] = []

        # 0. A settings change re-planned the programme from today.
        if day in replans_by_day:
            new_slots = {s.slot: s for s in replans_by_day[day]}
            for slot_id, new in new_slots.items():
                old = slots.get(slot_id)
                if old is None or (old.exercise_id, old.dose) != (new.exercise_id, new.dose):
                    history[slot_id] = []
            slots = new_slots

        # 1. Check-ins: red flags answered again use the intake screening.
        for checkin in checkins_by_day.get(day, []):
            triage = checkin.triage
            if triage is None:
                continue
            fired_today += _flag_escalations(triage, day)
            if triage.urgency in STOPPING:
                first = next(f for f in triage.flags if f.urgency == triage.urgency)
                stop = Stop(day, first.rule, triage.urgency, f"{first.message} {triage.advice}")
                clearance_pending = False
            elif stop and clearance_pending:
                stop, clearance_pending = None, False
                changes.append("Cleared by a professional and safety questions answered again.")

        # 2. Clearances: with safety questions answered again, the programme restarts.
        for clearance in clearances_by_day.get(day, []):
            if stop is None:
                continue
            if clearance.triage is not None and clearance.triage.urgency not in STOPPING:
                stop, clearance_pending = None, False
                changes.append(f"Cleared by {clearance.cleared_by}; safety questions answered.")
            else:
                clearance_pending = True

        # 3. Settle the sessions whose next morning is known, or has passed.
        still_pending = []
        for session in pending:
            morning_known = morning_of(scores_to(day), session.date + timedelta(days=1))
            if morning_known is None and day < session.date + timedelta(days=2):
                still_pending.append(session)
                continue
            rise_ctx = context(day, session.date)
            rise = (
                None
                if rise_ctx.next_morning is None
                else round(rise_ctx.next_morning - rise_ctx.usual_morning, 1)
            )
            for perfs in history.values():
                for i, perf in enumerate(perfs):
                    if perf.session_key == session.key:
                        perfs[i] = replace(perf, morning_rise=rise)
            if stop is not None:
                continue
            for entry in session.entries:
                slot = next((s for s in slots.values() if s.exercise_id == entry.exercise_id), None)
                if slot is None or slot.paused or (slot.slot, session.key) in decided:
                    continue
                perfs = history.get(slot.slot, [])
                if not perfs or perfs[-1].session_key != session.key:
                    continue
                ctx = replace(
                    rise_ctx,
                    aerobic_progressed_within_week=(
                        slot.slot in last_aerobic_step
                        and (day - last_aerobic_step[slot.slot]).days < 7
                    ),
                )
                apply(decide(slot, perfs, ctx), changes)
        pending = still_pending

        # 4. Today's sessions: record, and apply PM-1 at once.
        for session in sessions_by_day.get(day, []):
            for entry in session.entries:
                slot = next((s for s in slots.values() if s.exercise_id == entry.exercise_id), None)
                if slot is None or slot.paused:
                    continue
                perf = _performance(entry, session, slot)
                done = history.setdefault(slot.slot, [])
                if done and done[-1].session_key == session.key:
                    # The same exercise twice in one session is one session of it (PR-1).
                    perf = replace(done[-1], sets=done[-1].sets + perf.sets)
                    done[-1] = perf
                else:
                    done.append(perf)
                if stop is None and (slot.slot, session.key) not in decided:
                    at_once = decide_at_once(slot, perf, context(day, session.date))
                    if at_once is not None:
                        apply(at_once, changes)
            pending.append(session)

        # 5. PR-8: after 14 days, add the inner-knee stretches back while pain is 0-2.
        if ban and stop is None and (day - start).days >= PR8_DAYS:
            recent = scores_to(day)
            latest = recent[-1].pain if recent else None
            if latest is not None and latest <= PR8_MAX_PAIN:
                ban = False
                for stretch_id in STRETCH_ORDER:
                    exercise = catalogue.get(stretch_id)
                    if stretch_id == HAND_PRESSURE_STRETCH and stretch_id in slots:
                        slots[stretch_id] = replace(slots[stretch_id], note=None)
                    if not exercise.valgus_stress or stretch_id in slots:
                        continue
                    if gentle and stretch_id == "side-lunge-stretch":
                        continue
                    if not exercise.needs_met(profile.equipment, profile.access):
                        continue
                    slots[stretch_id] = Slot(
                        stretch_id, "stretch", stretch_id, starting_dose(exercise)
                    )
                    history[stretch_id] = []
                    reason = (
                        f"PR-8: {(day - start).days} days since the start and pain "
                        f"{latest}/10 (0-2) → {exercise.name.lower()} added."
                    )
                    decisions.append(
                        Decision(
                            day,
                            stretch_id,
                            stretch_id,
                            "progress",
                            "PR-8",
                            reason,
                            {"days": (day - start).days, "pain": latest},
                            None,
                            slots[stretch_id],
                        )
                    )
                    changes.append(reason)
                # Keep the first plan's order: stretches in their order of importance.
                order = [s.slot for s in versions[0].slots]
                slots = dict(sorted(slots.items(), key=lambda kv: _rank(kv[0], order)))

        # 6. Trends: ES-1, ES-2, ES-4 as they stand today.
        scores = scores_to(day)
        last = last_checkin_date(scores)
        trend = escalations(scores, start, baseline, day, last)
        for esc in trend:
            starts = ("ES-2", esc.urgency) not in episode_open
            if esc.rule == "ES-2" and esc.urgency in STOPPING and stop is None and starts:
                stop = Stop(day, "ES-2", esc.urgency, esc.message)
                clearance_pending = False
        today_all = [replace(e, date=day) for e in trend] + fired_today
        keys_today = {(e.rule, e.urgency) for e in today_all}
        for esc in today_all:
            if (esc.rule, esc.urgency) not in episode_open:
                escalation_history.append(esc)
        # Check-in flags are events, not states: their episode ends the same day.
        episode_open = {(e.rule, e.urgency) for e in trend} & keys_today
        current = today_all

        if changes:
            versions.append(
                Version(len(versions) + 1, day, tuple(slots.values()), tuple(changes), ban)
            )
        day += timedelta(days=1)

    if stop is not None:
        current = [
            *current,
            Escalation(
                stop.rule,
                stop.urgency,
                f"{stop.rule}: {stop.message}",
                {"since": stop.date.isoformat()},
                stop.date,
            ),
        ]
    return Course(
        until=until,
        versions=versions,
        decisions=decisions,
        escalation_history=escalation_history,
        current=_unique(current),
        stop=stop,
        slots=tuple(slots.values()),
        clearance_pending=clearance_pending,
        performances=history,
    )


def _rank(slot_id: str, order: list[str]) -> int:
    """Stretches in their order of importance, every other slot where the first plan put it."""
    if slot_id in STRETCH_ORDER:
        return STRETCH_ORDER.index(slot_id)
    return 100 + order.index(slot_id) if slot_id in order else 1000


def _unique(items: list[Escalation]) -> list[Escalation]:
    seen: set[tuple[str, str, str]] = set()
    out = []
    for esc in items:
        key = (esc.rule, esc.urgency, esc.message)
        if key not in seen:
            seen.add(key)
            out.append(esc)
    return out
