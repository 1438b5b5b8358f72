"""The course as stored state: a full replay and a replay split through JSON agree."""

from __future__ import annotations

import json
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kneecoach.domain.course import (
    STATE_VERSION,
    CheckIn,
    Clearance,
    Course,
    CourseState,
    LoggedEntry,
    LoggedSession,
    StateVersionError,
    replay,
)
from kneecoach.domain.planning import parse_profile, plan
from kneecoach.domain.progression import SetResult
from kneecoach.domain.screening import screen
from tests.factories import clear_answers, profile
from tests.unit.test_course import CATALOGUE, START

STOPPING = ("urgent", "emergency")
# Exercises a person may log: the plan's, the ladders' other rungs, and one not in any plan.
EXERCISES = (
    "bridge",
    "lateral-leg-raise",
    "side-lying-inner-leg-raise",
    "seated-straight-leg-raise",
    "step-up",
    "step-up-high",
    "double-knee-to-chest",
    "single-knee-to-chest",
    "supine-hamstring-stretch",
    "inner-thigh-stretch",
    "seated-butterfly-stretch",
    "side-lunge-stretch",
    "walking",
    "cat-cow",
    "pool-exercise",
)
SCREENS = {
    "clear": {},
    "recent-injury": {"injury_within_7_days": True},
    "calf": {"calf_swelling_pain_one_leg": True},
    "night-sweats": {"night_sweats": True},
    "fever": {"fever_or_unwell_with_hot_swollen_knee": True},
}
TRIAGES = {name: screen(clear_answers(**answers)) for name, answers in SCREENS.items()}

pain = st.one_of(st.integers(0, 2), st.integers(0, 2), st.integers(0, 10))
rarely = [None] * 40
set_pain = st.sampled_from([0, 1, 1, 2, 2, 2, 1, 0, 1, 2, 3, 4, 6, 8])
a_set = st.one_of(
    # The full dose of anything: at or above every target (reps, hold, minutes, load).
    st.builds(SetResult, st.just(15), st.just(90), st.just(30), st.just(5.0), set_pain),
    st.builds(SetResult, st.just(15), st.just(90), st.just(30), st.just(5.0), set_pain),
    st.builds(
        SetResult,
        st.sampled_from([None, 8, 10, 12]),
        st.sampled_from([None, 20, 30]),
        st.sampled_from([None, 10, 11]),
        st.sampled_from([None, 0.5]),
        set_pain,
    ),
)
entry = st.builds(
    LoggedEntry,
    st.sampled_from(EXERCISES),
    st.booleans(),
    st.lists(a_set, min_size=1, max_size=3).map(tuple),
)
day_plan = st.fixed_dictionaries(
    {
        "morning": st.one_of(st.none(), pain),
        "extra": st.one_of(st.none(), pain),
        "screen": st.sampled_from([*rarely, *sorted(SCREENS)]),
        "clearance": st.sampled_from([*rarely, "clear", "clear", "calf", "none"]),
        "session": st.one_of(st.none(), st.lists(entry, min_size=1, max_size=6).map(tuple)),
    }
)
journey = st.fixed_dictionaries(
    {
        "pain_now": st.sampled_from([2, 4, 7]),
        "equipment": st.sampled_from(
            [["strap", "step", "mat"], ["strap", "step", "mat", "ankle-weights"], ["mat"]]
        ),
        "injury": st.booleans(),
        # Up to 10 weeks, most of them long enough for the weekly rules.
        "days": st.integers(1, 70).flatmap(
            lambda n: st.lists(day_plan, min_size=max(n, 21) if n > 7 else n, max_size=max(n, 21))
        ),
    }
)


def build(raw):
    person = parse_profile(
        profile(
            pain_now=raw["pain_now"],
            equipment=raw["equipment"],
            minutes_per_session=90,
            screening=clear_answers(injury_within_7_days=raw["injury"]),
        )
    )
    first = plan(person, CATALOGUE)
    sessions, checkins, clearances = [], [], []
    for n, plan_of_day in enumerate(raw["days"]):
        when = START + timedelta(days=n)
        if plan_of_day["morning"] is not None:
            screened = plan_of_day["screen"]
            triage = TRIAGES[screened] if screened else None
            checkins.append(CheckIn(when, plan_of_day["morning"], True, triage))
        if plan_of_day["extra"] is not None:
            checkins.append(CheckIn(when, plan_of_day["extra"], False))
        if plan_of_day["clearance"] is not None:
            kind = plan_of_day["clearance"]
            clearances.append(
                Clearance(when, "Dr Patel", None if kind == "none" else TRIAGES[kind])
            )
        if plan_of_day["session"] is not None:
            sessions.append(LoggedSession(f"s{n}", when, 2, 2, plan_of_day["session"]))
    kwargs = {
        "profile": person,
        "catalogue": CATALOGUE,
        "start": START,
        "baseline": person.pain_now,
        "first_slots": first.slots,
        "valgus_ban": first.valgus_ban,
        "sessions": sessions,
        "checkins": checkins,
        "clearances": clearances,
    }
    return kwargs, START + timedelta(days=len(raw["days"]) - 1)


def through_json(state: CourseState) -> CourseState:
    return CourseState.from_json(json.loads(json.dumps(state.to_json())))


def decisions(course: Course) -> list[tuple[object, ...]]:
    return [(d.as_dict(), d.result) for d in course.decisions]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(journey, st.lists(st.integers(0, 69), max_size=3))
def test_a_replay_split_through_the_stored_state_gives_the_same_course(raw, cuts):
    kwargs, until = build(raw)
    full = replay(**kwargs, until=until)

    days = len(raw["days"])
    stops = sorted({START + timedelta(days=c % days) for c in cuts} - {until})
    parts: list[Course] = []
    state = None
    for stop_day in [*stops, until]:
        part = replay(**kwargs, until=stop_day, from_state=state)
        parts.append(part)
        assert part.state is not None
        state = through_json(part.state)
        assert state == part.state  # the JSON round trip is exact

    assert full.state == parts[-1].state
    assert [d for p in parts for d in decisions(p)] == decisions(full)
    assert [e.as_dict() for p in parts for e in p.escalation_history] == [
        e.as_dict() for e in full.escalation_history
    ]
    assert [v.as_dict() for p in parts for v in p.versions] == [v.as_dict() for v in full.versions]
    assert frozenset().union(*(p.while_stopped for p in parts)) == full.while_stopped
    last = parts[-1]
    assert (last.slots, last.stop, last.current, last.clearance_pending) == (
        full.slots,
        full.stop,
        full.current,
        full.clearance_pending,
    )
    assert last.version == full.versions[-1]
    # Never a session offered while an urgent or emergency message shows.
    if full.stop is None:
        assert full.urgency not in STOPPING
    # The state keeps weeks, not the whole history.
    assert {s.date for s in full.state.scores} >= {
        c.date for c in kwargs["checkins"] if (until - c.date).days < 21
    }
    assert len(full.state.scores) <= 2 * 28 + 7


def test_the_state_is_versioned():
    blank = {"morning": None, "extra": None, "screen": None, "clearance": None, "session": None}
    kwargs, until = build(
        {"pain_now": 4, "equipment": ["mat"], "injury": False, "days": [blank] * 3}
    )
    state = replay(**kwargs, until=until).state
    raw = state.to_json()
    assert raw["state_version"] == STATE_VERSION
    try:
        CourseState.from_json({**raw, "state_version": STATE_VERSION + 1})
    except StateVersionError as error:
        assert "replay the course from its start" in str(error)
    else:
        raise AssertionError("an unknown state version must be refused")


def test_a_long_course_keeps_a_small_state():
    days = [{"morning": 3, "extra": 2, "screen": None, "clearance": None, "session": None}] * 300
    kwargs, until = build({"pain_now": 4, "equipment": ["mat"], "injury": False, "days": days})
    state = replay(**kwargs, until=until).state
    assert len(state.scores) <= 2 * 28 + 7
    assert len(json.dumps(state.to_json())) < 20_000
    assert state.day == until and isinstance(state.day, date)


def test_a_late_event_is_taken_in_by_resuming_from_an_older_snapshot():
    morning = {"morning": 2, "extra": None, "screen": None, "clearance": None, "session": None}
    kwargs, until = build(
        {"pain_now": 4, "equipment": ["mat"], "injury": False, "days": [morning] * 20}
    )
    snapshots = {}
    state = None
    for n in range(20):
        course = replay(**kwargs, until=START + timedelta(days=n), from_state=state)
        state = snapshots[n] = course.state
    # A check-in for day 10 arrives late, with a red flag: rewind to the snapshot of day 9.
    late = CheckIn(START + timedelta(days=10), 3, False, TRIAGES["calf"])
    kwargs["checkins"] = [*kwargs["checkins"], late]
    again = replay(**kwargs, until=until, from_state=through_json(snapshots[9]))
    full = replay(**kwargs, until=until)
    assert again.state == full.state
    assert full.stop is not None and full.stop.date == late.date


def test_advance_takes_the_days_in_order():
    from kneecoach.domain.course import DayEvents, advance

    kwargs, _ = build({"pain_now": 4, "equipment": ["mat"], "injury": False, "days": []})
    state = replay(**kwargs, until=START).state
    try:
        advance(state, START + timedelta(days=2), DayEvents(), CATALOGUE)
    except ValueError as error:
        assert "must follow" in str(error)
    else:
        raise AssertionError("a skipped day must be refused")


def test_a_replay_before_the_start_is_the_first_programme():
    kwargs, _ = build({"pain_now": 4, "equipment": ["mat"], "injury": False, "days": []})
    course = replay(**kwargs, until=START - timedelta(days=5))
    assert [v.number for v in course.versions] == [1]
    assert course.decisions == [] and course.stop is None
