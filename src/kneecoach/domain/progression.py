"""Progression engine: one decision per exercise after each session (PM-1..PM-4, PR-1..PR-7).

Pure Python. `step_up` and `step_down` walk an exercise's dose ladder (PR-2..PR-5);
`decide` applies the pain rules to what the person reported and says what happens
next, with the rule id and the numbers behind it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from fractions import Fraction
from typing import Literal

from kneecoach.domain import rules
from kneecoach.domain.exercises import Catalogue, Exercise
from kneecoach.domain.planning import Prescription, Slot, starting_dose

Action = Literal["progress", "repeat", "regress", "pause"]

# The names other modules import; the numbers live in `rules` (CLINICAL.md ids there).
SAFE_MAX = rules.PM1_SAFE_MAX
ACCEPTABLE_MAX = rules.PM1_ACCEPTABLE_MAX
# PM-3: a 1-point rise holds the dose; less than that is within the scale's error, so it
# counts as "equal or lower" (usual morning pain is a mean, so rises can be fractions).
MORNING_RISE_HOLD = rules.PM3_RISE_HOLD
GOOD_SESSIONS_TO_PROGRESS = rules.PR1_GOOD_SESSIONS
ACCEPTABLE_SESSIONS_TO_REGRESS = rules.PR5_ACCEPTABLE_SESSIONS
LOAD_STEP_KG = rules.PR2_LOAD_STEP_KG
REP_STEP = rules.PR2_REP_STEP
STRENGTH_HOLD_STEP = rules.PR3_STRENGTH_HOLD_STEP
# "Variants add, never replace" (design choice: named here, not in the content): these
# harder variants join the programme as an extra exercise instead of taking a slot over.
ADDED_VARIANTS = frozenset({"side-lying-inner-leg-raise"})
LOAD_TOLERANCE_KG = 1e-6  # PR-1: a set at the target load, up to float noise


@dataclass(frozen=True)
class Step:
    """A rung on the ladder: an exercise at a dose, and what changed to get there."""

    exercise_id: str
    dose: Prescription
    change: str


@dataclass(frozen=True)
class SetResult:
    reps: int | None
    hold_seconds: int | None
    minutes: float | None
    load_kg: float | None
    pain: int


@dataclass(frozen=True)
class Performance:
    """One exercise as done in one session, against its target."""

    session_key: str
    date: date
    exercise_id: str
    target: Prescription
    sets: tuple[SetResult, ...]
    hurt: bool = False
    # PM-3: next-morning pain minus usual morning pain, once the morning is known.
    morning_rise: float | None = None

    @property
    def good(self) -> bool:
        """PR-1: full dose, pain 0-2 during it, and no next-morning rise."""
        return (
            self.pain <= SAFE_MAX
            and self.full_dose
            and self.morning_rise is not None
            and self.morning_rise < MORNING_RISE_HOLD
        )

    @property
    def pain(self) -> int:
        """The worst pain during the exercise (PM-1 judges the worst moment)."""
        return max((s.pain for s in self.sets), default=0)

    @property
    def full_dose(self) -> bool:
        """Every prescribed set done, each at least at its target, load included (PR-1)."""
        if len(self.sets) < self.target.sets:
            return False
        t = self.target
        return all(
            (t.reps is None or (s.reps or 0) >= t.reps)
            and (t.hold_seconds is None or (s.hold_seconds or 0) >= t.hold_seconds)
            and (t.minutes is None or (s.minutes or 0) >= t.minutes)
            and (not t.load_kg or (s.load_kg or 0) >= t.load_kg - LOAD_TOLERANCE_KG)
            for s in self.sets
        )


@dataclass(frozen=True)
class Decision:
    date: date
    slot: str
    exercise_id: str
    action: Action
    rule: str
    reason: str
    numbers: Mapping[str, object]
    session_key: str | None = None
    # The slot after the decision (the same as before for repeat).
    result: Slot | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "date": self.date.isoformat(),
            "slot": self.slot,
            "exercise_id": self.exercise_id,
            "action": self.action,
            "rule": self.rule,
            "reason": self.reason,
            "numbers": dict(self.numbers),
            "session_key": self.session_key,
        }


# --- the ladder ---------------------------------------------------------------------


def _rep_steps(low: int, high: int) -> list[int]:
    """PR-2: 10 -> 12 -> 15 for a 10-15 range."""
    steps = {low, high}
    if low + REP_STEP < high:
        steps.add(low + REP_STEP)
    return sorted(steps)


def aerobic_step(minutes: int) -> int:
    """PR-4: 10 % of the current minutes, rounded to the nearest minute (halves up), at least 1."""
    tenth = (minutes * rules.PR4_GROWTH_PERCENT * 2 + 100) // 200  # exact half-up rounding
    return max(rules.PR4_MIN_STEP_MINUTES, tenth)


def step_up(
    exercise: Exercise,
    dose: Prescription,
    catalogue: Catalogue,
    equipment: Iterable[str],
    *,
    late_ok: bool = False,
    present: frozenset[str] = frozenset(),
) -> Step | None:
    """The next rung up (PR-2, PR-3, PR-4, PR-7), or None at the top of the ladder.

    A variant that adds (`ADDED_VARIANTS`) is never a rung, and neither is an exercise
    already in the programme (`present`): see `variant_to_add`.
    """
    rng = exercise.dose
    if rng is None:
        return None
    have = set(equipment)
    if dose.minutes is not None and rng.minutes:  # PR-4: about 10 % more
        if dose.minutes >= rng.minutes.max:
            return None
        minutes = min(rng.minutes.max, dose.minutes + aerobic_step(dose.minutes))
        return Step(exercise.id, replace(dose, minutes=minutes), f"{minutes} minutes")
    if dose.reps is not None and rng.reps:
        higher = [r for r in _rep_steps(rng.reps.min, rng.reps.max) if r > dose.reps]
        if higher:
            return Step(exercise.id, replace(dose, reps=higher[0]), f"{higher[0]} reps")
    elif dose.hold_seconds is not None and rng.hold_seconds:
        step = (
            rules.PR3_STRETCH_HOLD_STEP
            if exercise.category in ("stretch", "yoga")
            else STRENGTH_HOLD_STEP
        )
        if dose.hold_seconds < rng.hold_seconds.max:
            hold = min(rng.hold_seconds.max, dose.hold_seconds + step)
            return Step(exercise.id, replace(dose, hold_seconds=hold), f"hold {hold} s")
        if exercise.category in ("stretch", "yoga"):
            return None  # PR-3: stretches progress the hold only
    if dose.sets < rng.sets.max:  # PR-2: then sets, reps back to the start of the range
        reps = rng.reps.min if (rng.reps and dose.reps is not None) else dose.reps
        first_hold = rng.hold_seconds.min if (rng.hold_seconds and dose.reps is None) else None
        new = replace(
            dose, sets=dose.sets + 1, reps=reps, hold_seconds=first_hold or dose.hold_seconds
        )
        return Step(exercise.id, new, f"{new.sets} sets")
    if exercise.loadable and "ankle-weights" in have:  # PR-2: then load
        load = round((dose.load_kg or 0) + LOAD_STEP_KG, 2)
        if load <= rules.PR2_LOAD_MAX_KG:
            reps = rng.reps.min if rng.reps else dose.reps
            return Step(exercise.id, replace(dose, load_kg=load, reps=reps), f"{load:g} kg")
    for target_id in exercise.progressions:  # PR-2: or the named harder variant
        if target_id in ADDED_VARIANTS or target_id in present:
            continue
        target = catalogue.get(target_id)
        if target.level == "late" and not late_ok:  # PR-7
            continue
        if target.needs_met(have, ()):
            return Step(target.id, starting_dose(target), target.name)
    return None


def variant_to_add(
    exercise: Exercise,
    catalogue: Catalogue,
    equipment: Iterable[str],
    *,
    late_ok: bool = False,
    present: frozenset[str] = frozenset(),
) -> Exercise | None:
    """ "Variants add, never replace": the extra exercise to add at the top of a ladder."""
    have = set(equipment)
    for target_id in exercise.progressions:
        if target_id not in ADDED_VARIANTS or target_id in present:
            continue
        target = catalogue.get(target_id)
        if target.level == "late" and not late_ok:  # PR-7
            continue
        if target.needs_met(have, ()):
            return target
    return None


def step_down(
    exercise: Exercise,
    dose: Prescription,
    catalogue: Catalogue,
    equipment: Iterable[str],
    *,
    present: frozenset[str] = frozenset(),
) -> Step | None:
    """The next rung down (PR-5): the named easier variant first, then a smaller dose.

    An easier variant already in the programme as its own exercise (`present`) is
    skipped. None means the exercise is at its lowest step (PR-6 then pauses it).
    """
    rng = exercise.dose
    if rng is None:
        return None
    have = set(equipment)
    for target_id in exercise.regressions:
        if target_id in present:
            continue
        target = catalogue.get(target_id)
        if target.needs_met(have, ()):
            return Step(target.id, starting_dose(target), target.name)
    if dose.load_kg:
        load = round(dose.load_kg - LOAD_STEP_KG, 2)
        new = replace(dose, load_kg=load if load > 0 else None)
        return Step(exercise.id, new, f"{load:g} kg" if load > 0 else "no ankle weight")
    if dose.minutes is not None:
        floor = rules.PR4_FLOOR_MINUTES
        if dose.minutes <= floor:
            return None
        kept = 100 - rules.PR5_AEROBIC_CUT_PERCENT
        minutes = max(floor, math.floor(dose.minutes * kept / 100))
        return Step(exercise.id, replace(dose, minutes=minutes), f"{minutes} minutes")
    if dose.reps is not None and rng.reps:
        lower = [r for r in _rep_steps(rng.reps.min, rng.reps.max) if r < dose.reps]
        if lower:
            return Step(exercise.id, replace(dose, reps=lower[-1]), f"{lower[-1]} reps")
    if dose.hold_seconds is not None and rng.hold_seconds and dose.reps is None:
        step = (
            rules.PR3_STRETCH_HOLD_STEP
            if exercise.category in ("stretch", "yoga")
            else STRENGTH_HOLD_STEP
        )
        if dose.hold_seconds > rng.hold_seconds.min:
            hold = max(rng.hold_seconds.min, dose.hold_seconds - step)
            return Step(exercise.id, replace(dose, hold_seconds=hold), f"hold {hold} s")
    if dose.sets > 1:  # a smaller dose may go below the range: one set is the floor
        sets = dose.sets - 1
        return Step(exercise.id, replace(dose, sets=sets), "1 set" if sets == 1 else f"{sets} sets")
    return None


# --- deciding -----------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """What the rules need besides the exercise's own sessions."""

    catalogue: Catalogue
    equipment: frozenset[str]
    usual_morning: float  # PM-3: mean of the last 7 mornings before the session
    next_morning: int | None  # PM-3: the morning after the session, if reported
    week_rise: Fraction | float | None  # PM-4: last 7 days' mean minus the 7 days before
    late_ok: bool  # PR-7
    aerobic_progressed_within_week: bool  # PR-4: at most one step a week
    # Exercise ids already in the programme: never a rung to move onto ("variants add").
    present: frozenset[str] = frozenset()


def _fmt_pains(perfs: Iterable[Performance]) -> str:
    return " and ".join(f"{p.pain}/10" for p in perfs)


def _moved(slot: Slot, step: Step) -> Slot:
    return replace(slot, exercise_id=step.exercise_id, dose=step.dose)


def _down(
    slot: Slot,
    exercise: Exercise,
    ctx: Context,
    when: date,
    rule: str,
    why: str,
    numbers: dict[str, object],
    key: str,
) -> Decision:
    """Regress one step (PR-5), or pause at the lowest step (PR-6)."""
    step = step_down(exercise, slot.dose, ctx.catalogue, ctx.equipment, present=ctx.present)
    if step is None:
        paused = replace(slot, paused=True)
        reason = (
            f"PR-6: {why}, and {exercise.name.lower()} is already at its easiest step "
            "→ paused. Ask a physiotherapist or doctor about it."
        )
        return Decision(when, slot.slot, exercise.id, "pause", "PR-6", reason, numbers, key, paused)
    reason = f"{rule}: {why} → {step.change}"
    numbers = {**numbers, "to": {"exercise_id": step.exercise_id, **step.dose.as_dict()}}
    return Decision(
        when, slot.slot, exercise.id, "regress", rule, reason, numbers, key, _moved(slot, step)
    )


def decide_at_once(slot: Slot, perf: Performance, ctx: Context) -> Decision | None:
    """PM-1 during a session: pain above 5 stops the exercise and regresses it now."""
    if perf.pain <= ACCEPTABLE_MAX:
        return None
    exercise = ctx.catalogue.get(slot.exercise_id)
    why = f"pain {perf.pain}/10 during {exercise.name.lower()} is above {ACCEPTABLE_MAX}"
    numbers: dict[str, object] = {"pain_during": perf.pain, "limit": ACCEPTABLE_MAX}
    return _down(slot, exercise, ctx, perf.date, "PM-1", why, numbers, perf.session_key)


def decide(slot: Slot, history: list[Performance], ctx: Context) -> Decision:
    """The decision after the latest session of this slot's exercise, once its morning is known.

    `history` holds the performances at the current rung and dose, oldest first;
    the last one is the session being decided.
    """
    latest = history[-1]
    exercise = ctx.catalogue.get(slot.exercise_id)
    name = exercise.name.lower()
    when = latest.date
    key = latest.session_key
    usual = round(ctx.usual_morning, 1)
    rise = None if ctx.next_morning is None else round(ctx.next_morning - ctx.usual_morning, 1)
    numbers: dict[str, object] = {
        "pain_during": [p.pain for p in history[-2:]],
        "usual_morning": usual,
        "next_morning": ctx.next_morning,
        "morning_rise": rise,
        "full_dose": latest.full_dose,
        "from": {"exercise_id": slot.exercise_id, **slot.dose.as_dict()},
    }

    def repeat(rule: str, why: str) -> Decision:
        return Decision(
            when, slot.slot, exercise.id, "repeat", rule, f"{rule}: {why}", numbers, key, slot
        )

    if latest.pain > ACCEPTABLE_MAX:  # PM-1 (normally applied at once, during the session)
        return _down(
            slot,
            exercise,
            ctx,
            when,
            "PM-1",
            f"pain {latest.pain}/10 during {name} is above {ACCEPTABLE_MAX}",
            numbers,
            key,
        )
    if rise is not None and rise >= rules.PM3_RISE_REGRESS:  # PM-3
        why = (
            f"next-morning pain {ctx.next_morning}/10 is {rise:g} above your usual {usual:g}/10 "
            f"(a rise of {rules.PM3_RISE_REGRESS} or more)"
        )
        decision = _down(slot, exercise, ctx, when, "PM-3", why, numbers, key)
        if decision.action == "pause":  # PR-6 pauses for pain during, not a morning rise
            return repeat(
                "PM-3",
                f"{why}; {name} is already at its easiest step, so the dose "
                "stays. If this keeps happening, ask a professional.",
            )
        return decision
    acceptable = [p for p in history[-ACCEPTABLE_SESSIONS_TO_REGRESS:] if p.pain > SAFE_MAX]
    if latest.pain > SAFE_MAX:
        if len(acceptable) >= ACCEPTABLE_SESSIONS_TO_REGRESS:  # PR-5
            why = (
                f"pain {_fmt_pains(history[-2:])} during {name} in two sessions running "
                f"(3-5 is acceptable, but not twice in a row)"
            )
            return _down(slot, exercise, ctx, when, "PR-5", why, numbers, key)
        return repeat(
            "PM-1",
            f"pain {latest.pain}/10 during {name} is acceptable (3-5): same dose, no progression",
        )
    if rise is None:
        return repeat("PM-3", "no next-morning pain score was recorded, so the dose stays")
    if rise >= MORNING_RISE_HOLD:
        return repeat(
            "PM-3",
            f"next-morning pain {ctx.next_morning}/10 is {rise:g} above your "
            f"usual {usual:g}/10: same dose, no progression",
        )
    if not latest.full_dose:
        return repeat("PR-1", f"the full dose of {name} was not done yet: same dose")
    good = 1  # the latest session passed every check above
    for perf in reversed(history[:-1]):
        if not perf.good:
            break
        good += 1
    if good < GOOD_SESSIONS_TO_PROGRESS:
        return repeat(
            "PR-1",
            f"one good session of {name} (pain {latest.pain}/10, full dose); "
            "one more before it gets harder",
        )
    if ctx.week_rise is not None and ctx.week_rise >= rules.PM4_WEEK_RISE:  # PM-4
        return repeat(
            "PM-4",
            f"this week's mean pain score (0-10) is {round(float(ctx.week_rise), 2):g} above "
            f"the week before ({rules.PM4_WEEK_RISE} or more): progressions are on hold this week",
        )
    if exercise.category == "aerobic" and ctx.aerobic_progressed_within_week:  # PR-4
        return repeat("PR-4", f"{name} already grew this week (about 10 % a week)")
    if slot.locked:  # CL-2: the physiotherapist keeps this dose; only the pain rules move it
        return repeat(
            "CL-2",
            f"{name} is locked by your physiotherapist: same dose, even after two good sessions",
        )
    step = step_up(
        exercise,
        slot.dose,
        ctx.catalogue,
        ctx.equipment,
        late_ok=ctx.late_ok,
        present=ctx.present,
    )
    if step is None:
        variant = variant_to_add(
            exercise, ctx.catalogue, ctx.equipment, late_ok=ctx.late_ok, present=ctx.present
        )
        if variant is None:
            return repeat("PR-1", f"{name} is at the top of its range: keep this dose")
        return _add_variant(slot, exercise, variant, numbers, when, key, history)
    numbers = {**numbers, "to": {"exercise_id": step.exercise_id, **step.dose.as_dict()}}
    reason = (
        f"PR-1: full dose, pain {_fmt_pains(history[-2:])} in the last two sessions, "
        f"no morning rise → {step.change}"
    )
    if step.exercise_id != exercise.id:
        reason = reason.replace(f"→ {step.change}", f"→ {name} becomes {step.change.lower()}")
    else:
        reason = reason.replace("→ ", f"→ {name} ")
    return Decision(
        when, slot.slot, exercise.id, "progress", "PR-1", reason, numbers, key, _moved(slot, step)
    )


def _add_variant(
    slot: Slot,
    exercise: Exercise,
    variant: Exercise,
    numbers: dict[str, object],
    when: date,
    key: str,
    history: list[Performance],
) -> Decision:
    """ "Variants add, never replace": a new slot for the variant; the ladder stays at its top."""
    added = Slot(variant.id, slot.kind, variant.id, starting_dose(variant))
    reason = (
        f"PR-2: full dose, pain {_fmt_pains(history[-2:])} in the last two sessions, and "
        f"{exercise.name.lower()} is at the top of its dose → {variant.name.lower()} added "
        f"as an extra exercise; {exercise.name.lower()} stays at its top dose"
    )
    numbers = {
        **numbers,
        "added": {"exercise_id": variant.id, **added.dose.as_dict()},
        "kept": slot.slot,
    }
    return Decision(when, variant.id, variant.id, "progress", "PR-2", reason, numbers, key, added)
