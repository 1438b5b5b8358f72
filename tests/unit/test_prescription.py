"""A physiotherapist's prescription (CL-1) and locked exercises (CL-2), in the pure domain."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from kneecoach.content.loader import load_catalogue
from kneecoach.domain.course import LoggedEntry, LoggedSession, replay
from kneecoach.domain.errors import FieldError
from kneecoach.domain.planning import (
    TRAINING_DAYS,
    WEEKDAYS,
    Slot,
    build_week,
    parse_profile,
    plan,
)
from kneecoach.domain.prescription import PR8_NOTE, check_prescription
from kneecoach.domain.progression import SetResult
from kneecoach.domain.state import CheckIn, Replan
from tests.factories import profile

CATALOGUE = load_catalogue()
START = date(2026, 1, 5)  # a Monday
PROFILE = parse_profile(profile())
FIRST = plan(PROFILE, CATALOGUE)


def body(*slots: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {"slots": list(slots), "reason": "Hip strength first", **more}


def item(exercise_id: str, locked: bool = False, **dose: Any) -> dict[str, Any]:
    return {"exercise_id": exercise_id, "dose": {"sets": 2, **dose}, "locked": locked}


def check(raw: dict[str, Any], *, valgus_ban: bool = False, current=FIRST.slots):
    return check_prescription(
        raw, CATALOGUE, current=current, valgus_ban=valgus_ban, days_per_week=3
    )


def refused(raw: dict[str, Any], **kw: Any) -> FieldError:
    with pytest.raises(FieldError) as caught:
        check(raw, **kw)
    return caught.value


# --- what is refused, and the exact field --------------------------------------------


def test_an_avoid_item_an_unknown_id_and_a_deep_squat_name_their_slot():
    ok = [item("bridge", reps=10), item("walking", sets=1, minutes=10)]
    deep = refused(body(*ok, item("avoid-deep-squats-lunges")))
    assert deep.field == "slots.2.exercise_id"
    assert "avoid list" in deep.problem
    assert refused(body(*ok, item("avoid-high-impact"))).field == "slots.2.exercise_id"
    unknown = refused(body(*ok, item("deep-squat")))
    assert (unknown.field, unknown.problem) == (
        "slots.2.exercise_id",
        "unknown exercise id 'deep-squat'",
    )


def test_a_dose_outside_the_exercises_own_range_names_its_part():
    assert refused(body(item("bridge", reps=20))).field == "slots.0.dose.reps"
    assert "from 10 to 15" in refused(body(item("bridge", reps=9))).problem
    assert refused(body(item("bridge", sets=1))).field == "slots.0.dose.sets"
    assert refused(body(item("bridge", hold_seconds=6))).field == "slots.0.dose.hold_seconds"
    assert refused(body(item("walking", sets=1, minutes=31))).field == "slots.0.dose.minutes"
    assert refused(body(item("walking", sets=1, reps=10))).field == "slots.0.dose.reps"
    assert (
        refused(body(item("bridge", load_kg=0.5))).field == "slots.0.dose.load_kg"
    )  # not loadable
    leg = "lateral-leg-raise"
    assert refused(body(item(leg, load_kg=0.7))).field == "slots.0.dose.load_kg"
    assert refused(body(item(leg, load_kg=50))).field == "slots.0.dose.load_kg"
    assert refused(body(item(leg, reps=True))).field == "slots.0.dose.reps"
    assert check(body(item(leg, sets=3, reps=15, load_kg=1.5))).slots[0].dose.load_kg == 1.5


def test_the_body_itself_is_checked_field_by_field():
    assert refused({"slots": [item("bridge")]}).field == "reason"
    assert refused(body(item("bridge"), reason="  ")).field == "reason"
    assert refused(body()).field == "slots"
    assert refused(body(item("bridge"), days_per_week=8)).field == "days_per_week"
    assert refused(body(item("bridge"), minutes_per_session=5)).field == "minutes_per_session"
    assert refused(body(item("bridge"), colour="red")).field == "colour"
    assert refused(body({**item("bridge"), "locked": "yes"})).field == "slots.0.locked"
    assert refused(body(item("bridge"), item("bridge"))).field == "slots.1.exercise_id"
    assert refused(body({"exercise_id": "bridge"})).field == "slots.0.dose"
    assert refused(body({"exercise_id": "bridge", "dose": {}})).field == "slots.0.dose.sets"


def test_pr8_refuses_an_inner_knee_stretch_without_an_override():
    stretch = item("inner-thigh-stretch", hold_seconds=30)
    error = refused(body(item("bridge"), stretch), valgus_ban=True)
    assert error.field == "slots.1.exercise_id" and "PR-8" in error.problem
    assert check(body(item("bridge"), stretch)).slots[1].exercise_id == "inner-thigh-stretch"
    override = {"reason": "MCL healed, cleared by the surgeon"}
    done = check(body(item("bridge"), stretch, override_pr8=override), valgus_ban=True)
    assert done.override_pr8 == "MCL healed, cleared by the surgeon"
    assert [r.rule for r in done.notes] == ["PR-8", "PR-2"]
    blank = refused(body(stretch, override_pr8={"reason": ""}), valgus_ban=True)
    assert blank.field == "override_pr8.reason"
    # The butterfly stays, without hand pressure, while PR-8 stands.
    butterfly = check(body(item("seated-butterfly-stretch")), valgus_ban=True).slots[0]
    assert butterfly.note == PR8_NOTE


def test_late_progressions_are_the_physios_call():
    done = check(body(item("mini-squat", reps=10), item("plank", hold_seconds=20)))
    assert [s.exercise_id for s in done.slots] == ["mini-squat", "plank"]
    assert [s.kind for s in done.slots] == ["strength", "strength"]


def test_slots_keep_their_ladder_and_the_body_its_lock_and_note():
    done = check(
        body(
            {**item("step-up-foam-pad", reps=10), "note": "Low step only"},
            item("bridge", locked=True, reps=12),
            item("single-leg-balance", hold_seconds=20),
        )
    )
    by_exercise = {s.exercise_id: s for s in done.slots}
    assert by_exercise["step-up-foam-pad"].slot == "step-up"  # the step-up ladder's place
    assert by_exercise["step-up-foam-pad"].note == "Low step only"
    assert by_exercise["bridge"].locked and by_exercise["bridge"].dose.reps == 12
    assert by_exercise["bridge"].dose.hold_seconds == 2  # left out: where the planner starts
    assert by_exercise["single-leg-balance"].slot == "single-leg-balance"


def test_prescribed_strength_work_keeps_pr2s_strength_days():
    done = check(
        body(
            item("bridge", reps=10),
            item("mini-squat", reps=10),
            item("walking", sets=1, minutes=10),
            days_per_week=5,
        )
    )
    week = build_week(CATALOGUE, done.slots, 5, 60)
    strong = [WEEKDAYS.index(s.weekday) for s in week if s.strength_day]
    assert len(strong) >= 2
    gaps = [min((a - b) % 7, (b - a) % 7) for a in strong for b in strong if a != b]
    assert min(gaps) >= 2  # 48 h apart, also from Sunday to Monday
    for session in week:
        has_strength = any(b.phase == "strength" for b in session.blocks)
        assert has_strength == session.strength_day
    assert len(TRAINING_DAYS[5]) == len(week)
    assert done.notes[-1].rule == "PR-2"


# --- locked exercises in the engine (CL-2) -----------------------------------------------


def day(n: int) -> date:
    return START + timedelta(days=n)


def session(n: int, pains: dict[str, int], slots: tuple[Slot, ...]) -> LoggedSession:
    entries = []
    for slot in slots:
        if slot.exercise_id not in pains:
            continue
        d = slot.dose
        sets = tuple(
            SetResult(d.reps, d.hold_seconds, d.minutes, d.load_kg, pains[slot.exercise_id])
            for _ in range(d.sets)
        )
        entries.append(LoggedEntry(slot.exercise_id, pains[slot.exercise_id] > 5, sets))
    return LoggedSession(f"s{n}", day(n), 1, 1, tuple(entries))


def course_with(slots: tuple[Slot, ...], days: dict[int, dict[str, int]], until: int):
    """The first plan, the prescription from day 0, sessions on the given days (pain per
    exercise), mornings at 1/10 every day."""
    return replay(
        profile=PROFILE,
        catalogue=CATALOGUE,
        start=START,
        baseline=3,
        first_slots=FIRST.slots,
        valgus_ban=False,
        sessions=[session(n, pains, slots) for n, pains in days.items()],
        checkins=[CheckIn(day(n), 1, True) for n in range(until + 1)],
        replans=[(day(0), slots)],
        until=day(until),
    )


PRESCRIBED = check(
    body(item("bridge", locked=True, reps=12), item("lateral-leg-raise", reps=10))
).slots


def test_a_locked_exercise_stays_at_its_dose_after_two_good_sessions():
    course = course_with(
        PRESCRIBED,
        {0: {"bridge": 1, "lateral-leg-raise": 1}, 2: {"bridge": 1, "lateral-leg-raise": 1}},
        until=4,
    )
    slots = {s.slot: s for s in course.slots}
    assert slots["bridge"].dose.reps == 12 and slots["bridge"].locked
    assert slots["lateral-leg-raise"].dose.reps == 12  # unlocked: PR-1 from the prescribed 10
    bridge = course.last_decision("bridge")
    assert bridge is not None and (bridge.action, bridge.rule) == ("repeat", "CL-2")
    assert "locked by your physiotherapist" in bridge.reason
    leg = course.last_decision("lateral-leg-raise")
    assert leg is not None and (leg.action, leg.rule) == ("progress", "PR-1")


def test_pain_above_5_still_stops_and_regresses_a_locked_exercise():
    course = course_with(PRESCRIBED, {0: {"bridge": 1}, 2: {"bridge": 1}, 4: {"bridge": 6}}, 4)
    decision = course.last_decision("bridge")
    assert decision is not None
    assert (decision.action, decision.rule) == ("regress", "PM-1")
    assert decision.result is not None and decision.result.locked  # the alert's contract
    bridge = next(s for s in course.slots if s.slot == "bridge")
    assert bridge.dose.reps == 10 and bridge.locked


def test_pr5_and_pm3_still_regress_a_locked_exercise():
    course = course_with(PRESCRIBED, {0: {"bridge": 4}, 2: {"bridge": 4}}, until=4)
    decision = course.last_decision("bridge")
    assert decision is not None and (decision.action, decision.rule) == ("regress", "PR-5")
    assert next(s for s in course.slots if s.slot == "bridge").locked


def test_a_locked_exercise_at_the_top_adds_no_variant():
    top = check(body(item("lateral-leg-raise", locked=True, sets=3, reps=15))).slots
    course = course_with(top, {0: {"lateral-leg-raise": 0}, 2: {"lateral-leg-raise": 0}}, 4)
    assert [s.slot for s in course.slots] == ["lateral-leg-raise"]
    decision = course.last_decision("lateral-leg-raise")
    assert decision is not None and decision.rule == "CL-2"


# --- the engine adds nothing to a prescribed programme (CL-1) ------------------------------


def test_pr8s_return_adds_no_stretch_to_a_prescribed_programme():
    """Under PR-8 from the start, a physio prescribes no stretch. After 14 days at pain
    0-2 the ban lifts (PR-8, with its numbers) but the stretches stay out: the physio
    chooses. The same slots as a plain settings change get them back."""
    first = tuple(s for s in FIRST.slots if not CATALOGUE.get(s.exercise_id).valgus_stress)
    prescribed = check(body(item("bridge", reps=10)), valgus_ban=True).slots

    def course(replan: Replan):
        return replay(
            profile=PROFILE,
            catalogue=CATALOGUE,
            start=START,
            baseline=3,
            first_slots=first,
            valgus_ban=True,
            sessions=[],
            checkins=[CheckIn(day(n), 1, True) for n in range(20)],
            replans=[(day(1), replan)],
            until=day(19),
        )

    with_physio = course(Replan(prescribed, prescribed=True))
    assert [s.exercise_id for s in with_physio.slots] == ["bridge"]
    lift = [d for d in with_physio.decisions if d.rule == "PR-8"]
    assert len(lift) == 1 and lift[0].numbers == {"days": 14, "pain": 1}
    assert "physiotherapist" in lift[0].reason and not with_physio.valgus_ban

    plain = course(Replan(prescribed))
    added = [d.exercise_id for d in plain.decisions if d.rule == "PR-8"]
    assert added and all(CATALOGUE.get(e).valgus_stress for e in added)
    assert set(added) <= {s.exercise_id for s in plain.slots}


def test_pr9s_opening_adds_no_exercise_to_a_prescribed_programme():
    """A gentle programme under a prescription opens by PR-9 (its decision and numbers)
    without the planner's exercises; without the prescription they are added."""
    prescribed = check(body(item("bridge", reps=10))).slots

    def course(replan: Replan):
        return replay(
            profile=PROFILE,
            catalogue=CATALOGUE,
            start=START,
            baseline=7,
            first_slots=FIRST.slots,
            valgus_ban=False,
            gentle=True,
            sessions=[],
            checkins=[CheckIn(day(n), 2, True) for n in range(12)],
            replans=[(day(1), replan)],
            until=day(11),
        )

    with_physio = course(Replan(prescribed, prescribed=True))
    opened = [d for d in with_physio.decisions if d.rule == "PR-9"]
    assert len(opened) == 1 and opened[0].numbers["highest"] == 2
    assert "physiotherapist" in opened[0].reason and not with_physio.gentle
    assert [s.exercise_id for s in with_physio.slots] == ["bridge"]

    plain = course(Replan(prescribed))
    assert len(plain.slots) > 1 and not plain.gentle


def test_the_dose_the_patient_is_on_may_stay_even_below_the_exercises_range():
    """The pain rules may take walking below its 10-30 minutes. A physio who keeps that
    dose is not refused; a new dose outside the range still is."""
    walking = next(s for s in FIRST.slots if s.exercise_id == "walking")
    low = replace(walking, dose=replace(walking.dose, minutes=8))
    current = (*(s for s in FIRST.slots if s is not walking), low)
    kept = check(body(item("walking", sets=low.dose.sets, minutes=8)), current=current)
    assert next(s for s in kept.slots if s.exercise_id == "walking").dose.minutes == 8
    lower = refused(body(item("walking", sets=low.dose.sets, minutes=7)), current=current)
    assert lower.field == "slots.0.dose.minutes"
    assert refused(body(item("walking", sets=1, minutes=8))).field == "slots.0.dose.minutes"
