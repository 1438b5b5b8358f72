"""One test per clinical defect found in review: each failed before its fix."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from fractions import Fraction

from kneecoach.domain.course import Clearance, LoggedEntry, LoggedSession
from kneecoach.domain.planning import Prescription, parse_profile, plan
from kneecoach.domain.progression import Context, Performance, SetResult, decide, step_up
from kneecoach.domain.screening import screen
from kneecoach.domain.trends import Score, escalations, week_rise
from tests.factories import clear_answers, profile
from tests.unit.test_course import CATALOGUE, START, Patient, day

STOPPING = ("urgent", "emergency")
VALGUS = {"inner-thigh-stretch", "side-lunge-stretch"}


def slot_ids(course) -> set[str]:
    return {s.slot for s in course.slots}


def bridge_session(key: str, when: date, pain: int = 1) -> LoggedSession:
    """The bridge at its starting dose (2 sets of 10, hold 2 s), done in full."""
    sets = (SetResult(10, 2, None, None, pain),) * 2
    return LoggedSession(key, when, 2, 2, (LoggedEntry("bridge", pain > 5, sets),))


# --- PR-8 from a re-screen ---------------------------------------------------------------


def test_recent_injury_at_rescreen_brings_pr8():
    p = Patient(pain_now=3, minutes_per_session=90)
    assert slot_ids(p.course(day(0))) >= VALGUS
    for n in range(5):
        p.morning(day(n), 2)
    p.morning(day(5), 2, injury_within_7_days=True)  # no Ottawa sign: RF-3 soon
    for n in range(6, 22):
        p.morning(day(n), 2)
    course = p.course(day(5))
    assert ("RF-3", "soon") in [(e.rule, e.urgency) for e in course.escalation_history]
    assert not course.stop
    assert not VALGUS & slot_ids(course)
    paused = [d for d in course.decisions if d.rule == "PR-8"]
    assert {d.slot for d in paused} == VALGUS and all(d.date == day(5) for d in paused)
    butterfly = next(s for s in course.slots if s.slot == "seated-butterfly-stretch")
    assert butterfly.note and "PR-8" in butterfly.note
    # 14 days from the re-screen day, not from the start.
    assert not VALGUS & slot_ids(p.course(day(18)))
    back = p.course(day(19))
    assert slot_ids(back) >= VALGUS
    assert {d.date for d in back.decisions if d.rule == "PR-8" and d.action == "progress"} == {
        day(19)
    }


# --- never "active" with an urgent message -----------------------------------------------


def test_cleared_trend_stop_never_offers_a_session_with_an_urgent_message():
    p = Patient(pain_now=5)
    for n in range(5):
        p.morning(day(n), 8)
    assert p.course(day(2)).stop.rule == "ES-2"
    p.clearances.append(Clearance(day(5), "Dr Patel", screen(clear_answers())))
    for n in range(5, 10):
        p.morning(day(n), 8)
    for n in range(5, 10):
        course = p.course(day(n))
        assert course.stop is None
        assert course.urgency not in STOPPING, n
        assert all(e.urgency not in STOPPING for e in course.current)
    # A new rise (weekly mean 1 point or more above its value on the clearance day).
    for n in range(10, 17):
        p.morning(day(n), 9)
    stops = [p.course(day(n)).stop for n in range(10, 17)]
    assert stops[-1] is not None and stops[-1].rule == "ES-2"
    first = next(n for n, stop in zip(range(10, 17), stops, strict=True) if stop)
    course = p.course(day(first))
    assert course.stop.date == day(first)
    assert (
        sum(1 for e in course.escalation_history if (e.rule, e.urgency) == ("ES-2", "urgent")) == 2
    )


def test_cleared_trend_stop_reopens_on_a_new_red_flag():
    p = Patient(pain_now=5)
    for n in range(8):
        p.morning(day(n), 8)
    p.clearances.append(Clearance(day(4), "Dr Patel", screen(clear_answers())))
    assert p.course(day(7)).stop is None
    p.morning(day(8), 8, night_sweats=True)  # RF-4: a new red flag
    course = p.course(day(8))
    assert course.stop is not None and course.stop.rule == "ES-2"


# --- sessions logged while stopped -----------------------------------------------------------


def test_session_logged_while_stopped_is_kept_and_never_counted():
    p = Patient(pain_now=3, minutes_per_session=60)
    p.morning(day(0), 2, calf_swelling_pain_one_leg=True)  # RF-2 urgent: stopped
    for n in range(1, 8):
        p.morning(day(n), 2)
    p.sessions += [bridge_session("while-1", day(1)), bridge_session("while-2", day(2))]
    p.clearances.append(Clearance(day(3), "Dr Patel", screen(clear_answers())))
    p.sessions.append(bridge_session("after-1", day(4)))
    course = p.course(day(7))
    assert course.while_stopped == frozenset({"while-1", "while-2"})
    bridge = [d for d in course.decisions if d.slot == "bridge"]
    assert [(d.session_key, d.action, d.rule) for d in bridge] == [("after-1", "repeat", "PR-1")]
    assert all(p.session_key == "after-1" for p in course.performances["bridge"])
    # Nor a regression: pain 8 during a session while stopped changes nothing.
    p.sessions.append(bridge_session("while-3", day(9), pain=8))
    p.morning(day(9), 2, calf_swelling_pain_one_leg=True)
    later = p.course(day(10))
    assert "while-3" in later.while_stopped
    assert not [d for d in later.decisions if d.session_key == "while-3"]


# --- exact weekly means ---------------------------------------------------------------------


def test_es2_three_rising_weeks_compares_exactly_over_the_last_three_7_day_windows():
    start = date(2026, 1, 5)
    today = start + timedelta(days=23)  # not the end of a programme week
    weeks = ([1, 1, 1, 2, 2, 2, 2], [2, 2, 3, 3, 3, 3, 2], [3, 3, 4, 4, 4, 4, 3])  # 11, 18, 25
    scores = [
        Score(today - timedelta(days=20 - (7 * w + i)), pain, True)
        for w, week in enumerate(weeks)
        for i, pain in enumerate(week)
    ]
    found = escalations(scores, start, 3, today, today)
    rising = [e for e in found if e.rule == "ES-2" and "weekly_means" in e.numbers]
    assert rising and rising[0].urgency == "soon"
    assert rising[0].numbers["weekly_means"] == [1.57, 2.57, 3.57]


def test_weekly_mean_needs_three_scores_so_one_first_morning_of_9_does_not_stop():
    p = Patient(pain_now=5)
    p.morning(day(0), 9)
    course = p.course(day(0))
    assert course.stop is None
    assert "ES-2" not in [e.rule for e in course.escalation_history]
    p.morning(day(1), 9)
    assert p.course(day(1)).stop is None
    p.morning(day(2), 9)
    assert p.course(day(2)).stop.rule == "ES-2"  # the third score makes a weekly mean


def test_pm4_week_rise_is_exact():
    today = date(2026, 2, 1)
    before = [
        Score(today - timedelta(days=13 - i), p, True) for i, p in enumerate([1, 1, 1, 2, 2, 2, 2])
    ]
    now = [
        Score(today - timedelta(days=6 - i), p, True) for i, p in enumerate([2, 2, 3, 3, 3, 3, 2])
    ]
    assert week_rise(before + now, today) == Fraction(1)
    assert week_rise(now[:2], today) is None  # fewer than 3 scores: no weekly mean


# --- PR-1, PR-4, PR-7 -----------------------------------------------------------------------


def test_pr1_set_without_prescribed_ankle_weight_is_not_full_dose():
    target = Prescription(3, 15, None, None, 0.5, True)
    without = (SetResult(15, None, None, None, 0),) * 3
    lighter = (SetResult(15, None, None, 0.25, 0),) * 3
    with_it = (SetResult(15, None, None, 0.5, 0),) * 3
    assert not Performance("a", day(0), "lateral-leg-raise", target, without).full_dose
    assert not Performance("a", day(0), "lateral-leg-raise", target, lighter).full_dose
    assert Performance("a", day(0), "lateral-leg-raise", target, with_it).full_dose


def test_pr4_adds_ten_percent_rounded_to_the_nearest_minute():
    walking = CATALOGUE.get("walking")
    dose = Prescription(1, None, None, 10, None, False)
    seen = [10]
    for _ in range(12):
        step = step_up(walking, dose, CATALOGUE, ())
        if step is None:
            break
        dose = step.dose
        seen.append(dose.minutes)
    assert seen == [10, 11, 12, 13, 14, 15, 17, 19, 21, 23, 25, 28, 30]


def _top(exercise_id: str) -> Prescription:
    ex = CATALOGUE.get(exercise_id)
    rng = ex.dose
    return Prescription(
        rng.sets.max,
        rng.reps.max if rng.reps else None,
        rng.hold_seconds.max if rng.hold_seconds else None,
        rng.minutes.max if rng.minutes else None,
        None,
        rng.per_side,
    )


def test_pr7_ladders_lead_past_the_high_step_up_and_double_knee_to_chest():
    kit = ("step", "mat")

    def up(exercise_id: str, late_ok: bool = True):
        step = step_up(
            CATALOGUE.get(exercise_id), _top(exercise_id), CATALOGUE, kit, late_ok=late_ok
        )
        return step.exercise_id if step else None

    assert up("step-up-high") == "single-leg-balance"
    assert up("single-leg-balance") == "mini-squat"
    assert up("step-up-high", late_ok=False) is None
    assert up("double-knee-to-chest") == "plank"
    assert up("plank") == "bicycle-crunch"
    # Every late step is reachable from a base exercise.
    reachable: set[str] = set()
    frontier = [e.id for e in CATALOGUE if e.level == "base"]
    while frontier:
        current = frontier.pop()
        for nxt in CATALOGUE.get(current).progressions:
            if nxt not in reachable:
                reachable.add(nxt)
                frontier.append(nxt)
    assert {e.id for e in CATALOGUE if e.level == "late"} <= reachable


# --- PM-5 -----------------------------------------------------------------------------------


def test_high_intake_pain_without_red_flag_is_soon():
    programme = plan(parse_profile(profile(pain_now=8)), CATALOGUE)
    assert programme.triage.urgency == "soon"
    assert "PM-5" in [f.rule for f in programme.triage.flags]
    assert not programme.refer and programme.gentle and programme.sessions
    assert any("PM-5" in w for w in programme.warnings)
    assert plan(parse_profile(profile(pain_now=7)), CATALOGUE).triage.urgency == "none"


# --- PR-9 -----------------------------------------------------------------------------------


def test_gentle_programme_opens_once_a_week_of_scores_stays_at_five_or_less():
    p = Patient(pain_now=7, minutes_per_session=90)
    assert p.first.gentle
    p.live(10, morning=lambda n: 6 if n < 2 else 5)
    assert p.course(day(7)).gentle  # day 2-7 is 6 days at 5: day 1's 6 still in the window
    before = p.course(day(7))
    opened = p.course(day(8))
    assert not opened.gentle
    pr9 = [d for d in opened.decisions if d.rule == "PR-9"]
    assert pr9 and all(d.date == day(8) for d in pr9)
    assert pr9[0].numbers["highest"] == 5 and pr9[0].numbers["limit"] == 5
    added = {d.slot for d in pr9}
    assert {"walking", "step-up", "cat-cow", "side-lunge-stretch"} <= added
    assert added <= slot_ids(opened)
    kept = {s.slot: s for s in before.slots}
    new = opened.decisions[len(before.decisions) :]
    moved_today = {d.slot for d in new if d.rule != "PR-9" and d.action != "repeat"}
    assert kept.keys() <= slot_ids(opened)
    for slot in opened.slots:
        if slot.slot in kept and slot.slot not in moved_today:
            assert slot == kept[slot.slot]  # every dose reached so far is kept
    version = opened.versions[-1]
    assert version.effective == day(8) and any(r.startswith("PR-9") for r in version.reasons)


def test_pr9_leaves_the_side_lunge_out_while_pr8_holds():
    p = Patient(
        pain_now=7, minutes_per_session=90, screening=clear_answers(injury_within_7_days=True)
    )
    p.live(9, morning=lambda n: 4)
    opened = p.course(day(8))
    assert not opened.gentle and "walking" in slot_ids(opened)
    assert not VALGUS & slot_ids(opened)


# --- variants add -----------------------------------------------------------------------------


def test_variant_is_added_as_an_extra_exercise_never_a_replacement():
    p = Patient(pain_now=3)
    slot = next(s for s in p.first.slots if s.slot == "lateral-leg-raise")
    slot = replace(slot, dose=_top("lateral-leg-raise"))
    sets = (SetResult(15, None, None, None, 1),) * 3
    history = [
        Performance(k, day(i), "lateral-leg-raise", slot.dose, sets, morning_rise=0)
        for i, k in enumerate("ab")
    ]
    present = frozenset(s.exercise_id for s in p.first.slots)
    ctx = Context(CATALOGUE, frozenset({"mat"}), 2.0, 2, None, False, False, present)
    added = decide(slot, history, ctx)
    assert added.slot == "side-lying-inner-leg-raise" != slot.slot
    assert added.result.exercise_id == "side-lying-inner-leg-raise"
    assert added.numbers["kept"] == "lateral-leg-raise"
    # Once it is in the programme, the leg raise stays at its top dose.
    again = decide(slot, history, replace(ctx, present=present | {"side-lying-inner-leg-raise"}))
    assert (again.action, again.result) == ("repeat", slot)


def test_variant_in_a_course_keeps_the_lateral_leg_raise():
    p = Patient(pain_now=3, minutes_per_session=90)
    p.live(42, morning=lambda n: 1)
    course = p.course(day(41))
    ids = {s.exercise_id for s in course.slots}
    assert {"lateral-leg-raise", "side-lying-inner-leg-raise"} <= ids
    assert len(ids) == len(course.slots)  # never one exercise in two slots


# --- thresholds in one place, screening due ---------------------------------------------------


def test_thresholds_live_in_rules(monkeypatch):
    from kneecoach.domain import progression, rules, trends

    assert progression.SAFE_MAX == rules.PM1_SAFE_MAX
    assert not hasattr(trends, "PM4_WEEK_RISE")  # no second copy of a design choice
    p = Patient(pain_now=3)
    slot = next(s for s in p.first.slots if s.slot == "bridge")
    sets = (SetResult(10, 2, None, None, 1),) * 2
    history = [
        Performance(k, day(i), "bridge", slot.dose, sets, morning_rise=0)
        for i, k in enumerate("ab")
    ]
    ctx = Context(CATALOGUE, frozenset(), 2.0, 2, Fraction(3, 2), False, False)
    assert decide(slot, history, ctx).rule == "PM-4"
    monkeypatch.setattr(rules, "PM4_WEEK_RISE", 2)
    assert decide(slot, history, ctx).rule == "PR-1"


def test_the_player_compares_pain_only_with_the_zones_the_page_gives_it():
    """PM-1's zones reach player.js from the server (data-safe-max, data-acceptable-max);
    the script has no pain threshold of its own."""
    import re
    from pathlib import Path

    import kneecoach.web

    script = (Path(kneecoach.web.__file__).parent / "static" / "player.js").read_text()
    assert re.findall(r"score\s*[<>]=?\s*\d", script) == []
    assert "score > SAFE_MAX" in script and "score > ACCEPTABLE_MAX" in script


def test_screening_due_after_seven_days():
    from kneecoach.domain.screening import screening_due

    assert not screening_due(START, START + timedelta(days=6))
    assert screening_due(START, START + timedelta(days=7))
