"""The course of a programme: a stored state plus one pure step per day.

Pure Python. `advance(state, day, events, catalogue)` folds one day's sessions,
check-ins, clearances and settings change into the `CourseState`, applying the
rule families in CLINICAL.md's order; `replay` is that fold from the start date,
and `resume` the same fold from a stored state. The same events always give the
same course, so a stored snapshot plus the days since agrees with a full replay.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from kneecoach.domain import rules
from kneecoach.domain.exercises import Catalogue
from kneecoach.domain.planning import (
    HAND_PRESSURE_STRETCH,
    STRETCH_ORDER,
    Profile,
    Slot,
    full_slots,
    starting_dose,
)
from kneecoach.domain.progression import (
    Context,
    Decision,
    Performance,
    decide,
    decide_at_once,
)
from kneecoach.domain.screening import Triage, Urgency, highest
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
    Stop,
    Version,
)
from kneecoach.domain.trends import (
    Escalation,
    Score,
    escalations,
    gentle_may_open,
    late_progressions_unlocked,
    morning_of,
    usual_morning,
    week_rise,
    weekly_mean,
)

__all__ = [
    "STATE_VERSION",
    "CheckIn",
    "Clearance",
    "Course",
    "CourseState",
    "DayEvents",
    "LoggedEntry",
    "LoggedSession",
    "Replan",
    "StateVersionError",
    "Stop",
    "Version",
    "advance",
    "group_events",
    "initial_state",
    "replay",
    "resume",
]

STOPPING: tuple[Urgency, ...] = ("emergency", "urgent")
# How much history the state keeps (design choice, wide enough for every window):
SCORE_DAYS = 28  # ES-2 looks back 21 days, PR-7 14, PM-4 14
PERFORMANCES_KEPT = 4  # PR-1 and PR-5 look at the last two sessions of a rung
DECIDED_DAYS = 3  # a session is settled within 2 days of it (PM-3)
PR8_NOTE = "No hand pressure on your thighs for now (PR-8)."


@dataclass
class Course:
    """Everything the fold found, up to its date.

    From `replay` without `from_state`: the whole course. From `resume` (or
    `replay(from_state=...)`): `versions`, `decisions`, `escalation_history` and
    `while_stopped` hold only what the days after the state's day added.
    """

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
    # Keys of the sessions logged while the programme was stopped: kept, never counted.
    while_stopped: frozenset[str] = frozenset()
    gentle: bool = False
    valgus_ban: bool = False
    # The state at `until`: store it, and `resume` from it later.
    state: CourseState | None = None

    @property
    def urgency(self) -> Urgency:
        levels: list[Urgency] = [e.urgency for e in self.current]
        if self.stop:
            levels.append(self.stop.urgency)
        return highest(levels)

    @property
    def version(self) -> Version | None:
        """The newest programme version the course made (also after `resume`)."""
        return self.state.version if self.state else (self.versions[-1] if self.versions else None)

    def last_decision(self, slot: str) -> Decision | None:
        for decision in reversed(self.decisions):
            if decision.slot == slot:
                return decision
        return None


@dataclass(frozen=True)
class _Kit:
    """What choosing the exercises needs (PR-9 opens the full programme with it)."""

    pain_now: int
    equipment: frozenset[str]
    access: frozenset[str]


# --- the working day: a mutable copy of the state, frozen again at the end ---------------


class _Day:
    def __init__(self, state: CourseState, day: date, catalogue: Catalogue) -> None:
        self.day = day
        self.catalogue = catalogue
        self.start = state.start
        self.baseline = state.baseline
        self.equipment = state.equipment
        self.access = state.access
        self.slots: dict[str, Slot] = {s.slot: s for s in state.slots}
        self.order = list(state.order)
        self.history: dict[str, list[Performance]] = {k: list(v) for k, v in state.performances}
        self.pending = list(state.pending)
        self.decided = {(slot, key): when for slot, key, when in state.decided}
        self.aerobic_steps = dict(state.aerobic_steps)
        self.scores = list(state.scores)
        self.last_score = state.last_score
        self.last_checkin = state.last_checkin
        self.episodes = set(state.episodes)
        self.stop = state.stop
        self.clearance_pending = state.clearance_pending
        self.ban = state.valgus_ban
        self.ban_start = state.ban_start
        self.gentle = state.gentle
        self.seen_mean = state.seen_mean
        self.version = state.version
        self.prescribed = state.prescribed
        self.stopped_sessions: list[str] = []
        self.decisions: list[Decision] = []
        self.started: list[Escalation] = []
        self.fired: list[Escalation] = []  # check-in flags today
        self.changes: list[str] = []
        self.current: list[Escalation] = []

    # -- helpers --

    def present(self) -> frozenset[str]:
        return frozenset(s.exercise_id for s in self.slots.values())

    def slot_for(self, exercise_id: str) -> Slot | None:
        return next((s for s in self.slots.values() if s.exercise_id == exercise_id), None)

    def context(self, session_day: date) -> Context:
        return Context(
            catalogue=self.catalogue,
            equipment=self.equipment,
            usual_morning=usual_morning(self.scores, session_day, self.baseline),
            next_morning=morning_of(self.scores, session_day + timedelta(days=1)),
            week_rise=week_rise(self.scores, self.day),
            late_ok=late_progressions_unlocked(self.scores, self.start, self.day),
            aerobic_progressed_within_week=False,
            present=self.present(),
        )

    def apply(self, decision: Decision) -> None:
        self.decisions.append(decision)
        if decision.session_key:
            self.decided[(decision.slot, decision.session_key)] = self.day
        result = decision.result
        if decision.action == "repeat" or result is None:
            return
        self.slots[decision.slot] = result
        self.history[decision.slot] = []  # PR-1 counts sessions at the new rung only
        self.changes.append(decision.reason)
        if decision.action == "progress" and result.kind == "aerobic":
            self.aerobic_steps[decision.slot] = decision.date

    def lift_stop(self, reason: str) -> None:
        """Leaving a stop: the trend that caused it now counts as seen (its mean today)."""
        self.stop, self.clearance_pending = None, False
        self.seen_mean = weekly_mean(self.scores, self.day)
        self.changes.append(reason)

    def freeze(self) -> CourseState:
        day = self.day
        if self.changes:
            self.version = Version(
                self.version.number + 1,
                day,
                tuple(self.slots.values()),
                tuple(self.changes),
                self.ban,
            )
        return CourseState(
            start=self.start,
            baseline=self.baseline,
            day=day,
            equipment=self.equipment,
            access=self.access,
            slots=tuple(self.slots.values()),
            order=tuple(self.order),
            performances=tuple(
                (slot, tuple(perfs[-PERFORMANCES_KEPT:])) for slot, perfs in self.history.items()
            ),
            pending=tuple(self.pending),
            decided=tuple(
                (slot, key, when)
                for (slot, key), when in self.decided.items()
                if (day - when).days < DECIDED_DAYS
            ),
            aerobic_steps=tuple(
                (slot, when)
                for slot, when in self.aerobic_steps.items()
                if (day - when).days < rules.PR4_DAYS_BETWEEN_STEPS
            ),
            scores=_recent_scores(self.scores, day),
            last_score=self.last_score,
            last_checkin=self.last_checkin,
            episodes=tuple(sorted(self.episodes)),
            current=tuple(self.current),
            stop=self.stop,
            clearance_pending=self.clearance_pending,
            valgus_ban=self.ban,
            ban_start=self.ban_start,
            gentle=self.gentle,
            seen_mean=self.seen_mean,
            version=self.version,
            stopped_sessions=tuple(self.stopped_sessions),
            prescribed=self.prescribed,
        )


def _recent_scores(scores: list[Score], day: date) -> tuple[Score, ...]:
    """The last 28 days of scores, and the 7 latest older mornings (PM-3's usual pain)."""
    first = day - timedelta(days=SCORE_DAYS - 1)
    older_mornings = [s for s in scores if s.date < first and s.morning][
        -rules.PM3_USUAL_MORNINGS :
    ]
    return (*older_mornings, *(s for s in scores if s.date >= first))


# --- the rule families, in CLINICAL.md's order -----------------------------------------------


def _replan(w: _Day, replan: Replan | None) -> None:
    """A settings change re-planned the programme from today."""
    if replan is None:
        return
    new_slots = {s.slot: s for s in replan.slots}
    for slot_id, new in new_slots.items():
        old = w.slots.get(slot_id)
        if old is None or (old.exercise_id, old.dose) != (new.exercise_id, new.dose):
            w.history[slot_id] = []
    w.slots = new_slots
    w.prescribed = replan.prescribed
    w.equipment = replan.equipment if replan.equipment is not None else w.equipment
    w.access = replan.access if replan.access is not None else w.access


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


def _checkins(w: _Day, checkins: Sequence[CheckIn]) -> None:
    """Daily scores, and red flags answered again (RF-1..RF-5, PR-8 at a re-screen)."""
    for checkin in checkins:
        _add_score(w, checkin)
    for checkin in checkins:
        triage = checkin.triage
        if triage is None:
            continue
        w.fired += _flag_escalations(triage, w.day)
        if any(f.rule.startswith("RF-") for f in triage.flags):
            w.seen_mean = None  # a new red flag: a seen trend counts again
        if triage.recent_injury:
            _ban_valgus(w)
        if triage.urgency in STOPPING:
            first = next(f for f in triage.flags if f.urgency == triage.urgency)
            w.stop = Stop(w.day, first.rule, triage.urgency, f"{first.message} {triage.advice}")
            w.clearance_pending = False
        elif w.stop and w.clearance_pending:
            w.lift_stop("Cleared by a professional and safety questions answered again.")


def _add_score(w: _Day, checkin: CheckIn) -> None:
    score = Score(checkin.date, checkin.pain, checkin.morning)
    w.scores.append(score)
    w.last_score = score
    w.last_checkin = checkin.date


def _ban_valgus(w: _Day) -> None:
    """PR-8 from a re-screen: a recent injury leaves the inner-knee stretches out 14 days."""
    w.ban, w.ban_start = True, w.day
    until = w.day + timedelta(days=rules.PR8_DAYS)
    for slot_id, slot in list(w.slots.items()):
        exercise = w.catalogue.get(slot.exercise_id)
        if slot_id == HAND_PRESSURE_STRETCH:
            w.slots[slot_id] = replace(slot, note=PR8_NOTE)
        if not exercise.valgus_stress:
            continue
        del w.slots[slot_id]
        w.history.pop(slot_id, None)
        reason = (
            f"PR-8: a knee injury in the last {rules.PR8_RECENT_INJURY_DAYS} days, reported "
            f"on {w.day.isoformat()} → {exercise.name.lower()} is left out for "
            f"{rules.PR8_DAYS} days, until {until.isoformat()} at the earliest."
        )
        numbers: dict[str, object] = {"reported": w.day.isoformat(), "days": rules.PR8_DAYS}
        w.decisions.append(
            Decision(w.day, slot_id, slot.exercise_id, "pause", "PR-8", reason, numbers)
        )
        w.changes.append(reason)


def _clearances(w: _Day, clearances: Sequence[Clearance]) -> None:
    """Leaving a stop: cleared by a professional, and screening answered again."""
    for clearance in clearances:
        if clearance.triage is not None and clearance.triage.recent_injury:
            _ban_valgus(w)  # PR-8: the safety questions answered again name a recent injury
        if w.stop is None:
            continue
        if clearance.triage is not None and clearance.triage.urgency not in STOPPING:
            w.lift_stop(f"Cleared by {clearance.cleared_by}; safety questions answered.")
        else:
            w.clearance_pending = True


def _settle(w: _Day) -> None:
    """PM-3, PR-1..PR-7: decide the sessions whose next morning is known, or has passed."""
    still_pending = []
    for session in w.pending:
        morning_known = morning_of(w.scores, session.date + timedelta(days=1))
        if morning_known is None and w.day < session.date + timedelta(days=2):
            still_pending.append(session)
            continue
        rise_ctx = w.context(session.date)
        rise = (
            None
            if rise_ctx.next_morning is None
            else round(rise_ctx.next_morning - rise_ctx.usual_morning, 1)
        )
        for perfs in w.history.values():
            for i, perf in enumerate(perfs):
                if perf.session_key == session.key:
                    perfs[i] = replace(perf, morning_rise=rise)
        if w.stop is not None:
            continue
        for entry in session.entries:
            slot = w.slot_for(entry.exercise_id)
            if slot is None or slot.paused or (slot.slot, session.key) in w.decided:
                continue
            perfs = w.history.get(slot.slot, [])
            if not perfs or perfs[-1].session_key != session.key:
                continue
            last_step = w.aerobic_steps.get(slot.slot)
            ctx = replace(
                rise_ctx,
                present=w.present(),
                aerobic_progressed_within_week=(
                    last_step is not None
                    and (w.day - last_step).days < rules.PR4_DAYS_BETWEEN_STEPS
                ),
            )
            w.apply(decide(slot, perfs, ctx))
    w.pending = still_pending


def _sessions(w: _Day, sessions: Sequence[LoggedSession]) -> None:
    """Today's sessions: record them and apply PM-1 at once; while stopped, keep them aside."""
    for session in sessions:
        if w.stop is not None:
            # Kept and marked by the caller; it never counts toward a progression or a
            # regression (CLINICAL.md, "While stopped").
            w.stopped_sessions.append(session.key)
            continue
        for entry in session.entries:
            slot = w.slot_for(entry.exercise_id)
            if slot is None or slot.paused:
                continue
            perf = Performance(
                session.key, session.date, entry.exercise_id, slot.dose, entry.sets, entry.hurt
            )
            done = w.history.setdefault(slot.slot, [])
            if done and done[-1].session_key == session.key:
                # The same exercise twice in one session is one session of it (PR-1).
                perf = replace(done[-1], sets=done[-1].sets + perf.sets)
                done[-1] = perf
            else:
                done.append(perf)
            if (slot.slot, session.key) not in w.decided:
                at_once = decide_at_once(slot, perf, w.context(session.date))
                if at_once is not None:
                    w.apply(at_once)
        w.pending.append(session)


def _pr8_lift(w: _Day) -> None:
    """PR-8: after 14 days, add the inner-knee stretches back while pain is 0-2."""
    days = (w.day - w.ban_start).days
    if not w.ban or w.stop is not None or days < rules.PR8_DAYS:
        return
    latest = w.last_score.pain if w.last_score else None
    if latest is None or latest > rules.PR8_MAX_PAIN:
        return
    w.ban = False
    since = "the start" if w.ban_start == w.start else "the injury was reported"
    if w.prescribed:
        # CL-1: the physiotherapist chose the exercises; the stretches may come back now,
        # and adding them is their call.
        if HAND_PRESSURE_STRETCH in w.slots:
            w.slots[HAND_PRESSURE_STRETCH] = replace(w.slots[HAND_PRESSURE_STRETCH], note=None)
        reason = (
            f"PR-8: {days} days since {since} and pain score {latest}/10 (0-2) → the "
            "inner-knee stretches may come back. Your physiotherapist chose your "
            "exercises, so they decide."
        )
        w.decisions.append(
            Decision(
                w.day,
                "programme",
                "programme",
                "progress",
                "PR-8",
                reason,
                {"days": days, "pain": latest},
            )
        )
        w.changes.append(reason)
        return
    kit = _Kit(0, w.equipment, w.access)
    for stretch_id in STRETCH_ORDER:
        exercise = w.catalogue.get(stretch_id)
        if stretch_id == HAND_PRESSURE_STRETCH and stretch_id in w.slots:
            w.slots[stretch_id] = replace(w.slots[stretch_id], note=None)
        if not exercise.valgus_stress or stretch_id in w.slots:
            continue
        if w.gentle and stretch_id == "side-lunge-stretch":
            continue
        if not exercise.needs_met(kit.equipment, kit.access):
            continue
        w.slots[stretch_id] = Slot(stretch_id, "stretch", stretch_id, starting_dose(exercise))
        w.history[stretch_id] = []
        reason = (
            f"PR-8: {days} days since {since} and pain score "
            f"{latest}/10 (0-2) → {exercise.name.lower()} added."
        )
        numbers: dict[str, object] = {"days": days, "pain": latest}
        w.decisions.append(
            Decision(
                w.day,
                stretch_id,
                stretch_id,
                "progress",
                "PR-8",
                reason,
                numbers,
                None,
                w.slots[stretch_id],
            )
        )
        w.changes.append(reason)
    # Keep the plan's order: stretches in their order of importance.
    w.slots = dict(sorted(w.slots.items(), key=lambda kv: _rank(kv[0], w.order)))


def _pr9_open(w: _Day) -> None:
    """PR-9: a gentle programme opens once every daily score of 7 days is 5 or less."""
    if not w.gentle or w.stop is not None:
        return
    pains = gentle_may_open(w.scores, w.start, w.day)
    if pains is None:
        return
    w.gentle = False
    fresh = full_slots(w.catalogue, _Kit(0, w.equipment, w.access), valgus_ban=w.ban)
    present = w.present()
    # CL-1: under a prescription the physiotherapist chooses what is added.
    added = (
        []
        if w.prescribed
        else [s for s in fresh if s.slot not in w.slots and s.exercise_id not in present]
    )
    names = ", ".join(w.catalogue.get(s.exercise_id).name.lower() for s in added)
    opens = (
        "the programme is no longer gentle. Your physiotherapist chose your exercises, so "
        "they decide what to add"
        if w.prescribed
        else f"the full programme opens{': ' + names + ' added' if names else ''}"
    )
    reason = (
        f"PR-9: every daily pain score (0-10) of the last {rules.PR9_DAYS} days was "
        f"{rules.PR9_MAX_SCORE} or less (highest {max(pains)}, {len(pains)} scores) → "
        f"{opens}; every dose reached so far is kept."
    )
    numbers: dict[str, object] = {
        "days": rules.PR9_DAYS,
        "highest": max(pains),
        "scores": len(pains),
        "limit": rules.PR9_MAX_SCORE,
    }
    for slot in added:
        w.slots[slot.slot] = slot
        w.history[slot.slot] = []
        w.decisions.append(
            Decision(
                w.day, slot.slot, slot.exercise_id, "progress", "PR-9", reason, numbers, None, slot
            )
        )
    if not added:
        w.decisions.append(
            Decision(w.day, "programme", "programme", "progress", "PR-9", reason, numbers)
        )
    w.changes.append(reason)
    fresh_order = [s.slot for s in fresh]
    w.order = [*fresh_order, *(s for s in w.order if s not in fresh_order)]
    w.slots = dict(sorted(w.slots.items(), key=lambda kv: _rank(kv[0], w.order)))


def _trends(w: _Day) -> None:
    """ES-1, ES-2, ES-4 as they stand today; an ES-2 `urgent` stops the programme."""
    trend = escalations(w.scores, w.start, w.baseline, w.day, w.last_checkin)
    mean = weekly_mean(w.scores, w.day)
    if w.seen_mean is not None and mean is not None and mean < rules.ES2_URGENT_MEAN:
        w.seen_mean = None  # the seen episode is over (too few scores: not known, so kept)
    if w.seen_mean is not None and mean is not None:
        if mean >= w.seen_mean + rules.ES2_REOPEN_RISE:
            w.seen_mean = None  # a new rise: the episode opens again
        else:
            trend = [e for e in trend if not (e.rule == "ES-2" and e.urgency in STOPPING)]
    for esc in trend:
        if esc.rule == "ES-2" and esc.urgency in STOPPING and w.stop is None:
            w.stop = Stop(w.day, "ES-2", esc.urgency, esc.message)
            w.clearance_pending = False
    today_all = [replace(e, date=w.day) for e in trend] + w.fired
    keys_today = {(e.rule, e.urgency) for e in today_all}
    for esc in today_all:
        if (esc.rule, esc.urgency) not in w.episodes:
            w.started.append(esc)
    # Check-in flags are events, not states: their episode ends the same day.
    w.episodes = {(e.rule, e.urgency) for e in trend} & keys_today
    # Never an urgent message on an active programme: a flag a clearance lifted the
    # same day stays in the history, not in what the day shows.
    w.current = [e for e in today_all if w.stop is not None or e.urgency not in STOPPING]


def advance(
    state: CourseState, day: date, events: DayEvents, catalogue: Catalogue
) -> tuple[CourseState, list[Decision], list[Escalation]]:
    """One day of the course: the new state, the day's decisions, the escalations it started.

    `day` must be the day after `state.day`. A new programme version, when the day made
    one, is the new state's `version`; its `stopped_sessions` are the day's sessions
    logged while the programme was stopped.
    """
    if day != state.day + timedelta(days=1):
        raise ValueError(
            f"advance: day {day.isoformat()} must follow the state's day {state.day.isoformat()}"
        )
    w = _Day(state, day, catalogue)
    _replan(w, events.replan)
    _checkins(w, events.checkins)
    _clearances(w, events.clearances)
    _settle(w)
    _sessions(w, events.sessions)
    _pr8_lift(w)
    _pr9_open(w)
    _trends(w)
    return w.freeze(), w.decisions, w.started


# --- the fold -------------------------------------------------------------------------------


def initial_state(
    *,
    profile: Profile,
    start: date,
    baseline: int,
    first_slots: tuple[Slot, ...],
    valgus_ban: bool,
    gentle: bool | None = None,
    earlier_checkins: Iterable[CheckIn] = (),
) -> CourseState:
    """The course on the eve of its start date (scores dated before it count as history)."""
    earlier = sorted(
        (Score(c.date, c.pain, c.morning) for c in earlier_checkins if c.date < start),
        key=lambda s: s.date,
    )
    return CourseState(
        start=start,
        baseline=baseline,
        day=start - timedelta(days=1),
        equipment=profile.equipment,
        access=profile.access,
        slots=first_slots,
        order=tuple(s.slot for s in first_slots),
        performances=tuple((s.slot, ()) for s in first_slots),
        pending=(),
        decided=(),
        aerobic_steps=(),
        scores=_recent_scores(earlier, start - timedelta(days=1)),
        last_score=earlier[-1] if earlier else None,
        last_checkin=earlier[-1].date if earlier else None,
        episodes=(),
        current=(),
        stop=None,
        clearance_pending=False,
        valgus_ban=valgus_ban,
        ban_start=start,
        gentle=profile.pain_now > rules.GENTLE_ABOVE_PAIN if gentle is None else gentle,
        seen_mean=None,
        version=Version(1, start, first_slots, ("The first programme.",), valgus_ban),
    )


def group_events(
    sessions: Sequence[LoggedSession] = (),
    checkins: Sequence[CheckIn] = (),
    clearances: Sequence[Clearance] = (),
    replans: Sequence[tuple[date, tuple[Slot, ...]] | tuple[date, Replan]] = (),
) -> dict[date, DayEvents]:
    """Events by day, each day's in the order given (sessions in date order)."""
    by_session: dict[date, list[LoggedSession]] = {}
    for session in sorted(sessions, key=lambda s: s.date):
        by_session.setdefault(session.date, []).append(session)
    by_checkin: dict[date, list[CheckIn]] = {}
    for checkin in checkins:
        by_checkin.setdefault(checkin.date, []).append(checkin)
    by_clearance: dict[date, list[Clearance]] = {}
    for cleared in clearances:
        by_clearance.setdefault(cleared.date, []).append(cleared)
    by_replan: dict[date, Replan] = {}
    for when, new in replans:
        by_replan[when] = new if isinstance(new, Replan) else Replan(tuple(new))
    days = {*by_session, *by_checkin, *by_clearance, *by_replan}
    return {
        day: DayEvents(
            sessions=tuple(by_session.get(day, ())),
            checkins=tuple(by_checkin.get(day, ())),
            clearances=tuple(by_clearance.get(day, ())),
            replan=by_replan.get(day),
        )
        for day in sorted(days)
    }


NO_EVENTS = DayEvents()


def resume(
    state: CourseState,
    *,
    until: date,
    events_by_day: Mapping[date, DayEvents],
    catalogue: Catalogue,
) -> Course:
    """Fold the days after `state.day` up to `until` (inclusive) into the state.

    Events dated on or before `state.day` are ignored: to take in a late event, resume
    from a stored state older than its date (or from `initial_state`). `until` may not
    be before `state.day` (a state cannot go back: use an older one).
    """
    if until < state.day:
        raise ValueError(
            f"resume: until {until.isoformat()} is before the state's day "
            f"{state.day.isoformat()}; resume from an older state"
        )
    versions: list[Version] = []
    decisions: list[Decision] = []
    started: list[Escalation] = []
    stopped: set[str] = set()
    day = state.day + timedelta(days=1)
    while day <= until:
        number = state.version.number
        state, made, began = advance(state, day, events_by_day.get(day, NO_EVENTS), catalogue)
        decisions += made
        started += began
        stopped.update(state.stopped_sessions)
        if state.version.number != number:
            versions.append(state.version)
        day += timedelta(days=1)
    return _course(state, until, versions, decisions, started, frozenset(stopped))


def _course(
    state: CourseState,
    until: date,
    versions: list[Version],
    decisions: list[Decision],
    started: list[Escalation],
    stopped: frozenset[str],
) -> Course:
    current = list(state.current)
    stop = state.stop
    if stop is not None:
        current.append(
            Escalation(
                stop.rule,
                stop.urgency,
                f"{stop.rule}: {stop.message}",
                {"since": stop.date.isoformat()},
                stop.date,
            )
        )
    return Course(
        until=until,
        versions=versions,
        decisions=decisions,
        escalation_history=started,
        current=_unique(current),
        stop=stop,
        slots=state.slots,
        clearance_pending=state.clearance_pending,
        performances={slot: list(perfs) for slot, perfs in state.performances},
        while_stopped=stopped,
        gentle=state.gentle,
        valgus_ban=state.valgus_ban,
        state=state,
    )


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
    replans: Sequence[tuple[date, tuple[Slot, ...]] | tuple[date, Replan]] = (),
    until: date,
    gentle: bool | None = None,
    from_state: CourseState | None = None,
) -> Course:
    """Replay every event from the start date to `until` (inclusive): a fold of `advance`.

    `replans` are settings changes: from its date, each one's slots replace the
    programme's (they were worked out from the course at the time of the change).
    With `from_state`, the fold continues from that stored state instead (see `resume`).
    """
    events = group_events(sessions, checkins, clearances, replans)
    if from_state is not None:
        return resume(from_state, until=until, events_by_day=events, catalogue=catalogue)
    state = initial_state(
        profile=profile,
        start=start,
        baseline=baseline,
        first_slots=first_slots,
        valgus_ban=valgus_ban,
        gentle=gentle,
        earlier_checkins=checkins,
    )
    if until < state.day:  # before the start: only the first programme
        return _course(state, until, [state.version], [], [], frozenset())
    course = resume(state, until=until, events_by_day=events, catalogue=catalogue)
    course.versions.insert(0, state.version)
    return course


def _rank(slot_id: str, order: list[str]) -> int:
    """Stretches in their order of importance, every other slot where the plan put it."""
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
