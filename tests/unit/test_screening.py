"""Every red-flag rule of CLINICAL.md (RF-1..RF-5, ES-3), including the ones that must not fire."""

from __future__ import annotations

import pytest

from kneecoach.domain.screening import QUESTIONS, ScreeningError, screen
from tests.factories import clear_answers

RF1 = [
    "fever_or_unwell_with_hot_swollen_knee",
    "suspected_fracture_or_deformity",
    "leg_numb_cold_or_discoloured",
    "breathless_or_chest_pain",
]
RF2 = [
    "knee_locked",
    "cannot_bear_weight",
    "rapid_swelling_after_injury",
    "kneecap_dislocated",
    "rapidly_worsening",
    "hot_swollen_knee_without_fever",
    "calf_swelling_pain_one_leg",
    "on_blood_thinners_with_swelling",
]
RF4 = [
    "unexplained_weight_loss_or_cancer_history",
    "night_pain_worsening",
    "night_sweats",
    "constant_pain_unchanged_by_rest_or_movement",
    "hard_lump_near_knee",
    "more_joints_affected",
    "inflammatory_arthritis_known",
    "knee_surgery_last_12_weeks",
    "pain_mainly_hip_or_groin",
]
OTTAWA = [
    "kneecap_tenderness_only",
    "fibula_head_tenderness",
    "cannot_flex_to_90",
    "could_not_take_4_steps",
]


def rules(triage):
    return sorted({flag.rule for flag in triage.flags})


def test_no_flags_means_none_and_the_programme_may_start():
    triage = screen(clear_answers())
    assert triage.urgency == "none"
    assert triage.flags == ()
    assert not triage.stops_programme
    assert not triage.recent_injury


@pytest.mark.parametrize("key", RF1)
def test_rf1_is_an_emergency(key):
    triage = screen(clear_answers(**{key: True}))
    assert triage.urgency == "emergency"
    assert rules(triage) == ["RF-1"]
    assert triage.flags[0].question == key
    assert triage.stops_programme
    assert "emergency" in triage.advice.lower()


@pytest.mark.parametrize("key", RF2)
def test_rf2_is_urgent(key):
    triage = screen(clear_answers(**{key: True}))
    assert triage.urgency == "urgent"
    assert rules(triage) == ["RF-2"]
    assert triage.stops_programme
    assert "today" in triage.advice


@pytest.mark.parametrize("key", RF4)
def test_rf4_is_soon_and_the_programme_continues(key):
    triage = screen(clear_answers(**{key: True}))
    assert triage.urgency == "soon"
    assert rules(triage) == ["RF-4"]
    assert not triage.stops_programme
    assert "1-2 weeks" in triage.advice


@pytest.mark.parametrize(("age", "fires"), [(17, True), (18, False), (60, False)])
def test_rf4_age_under_18(age, fires):
    triage = screen(clear_answers(age=age))
    assert (rules(triage) == ["RF-4"]) is fires
    assert triage.urgency == ("soon" if fires else "none")


def test_rf5_knee_giving_way_is_soon():
    triage = screen(clear_answers(knee_gives_way_repeatedly=True))
    assert triage.urgency == "soon"
    assert rules(triage) == ["RF-5"]


@pytest.mark.parametrize("key", OTTAWA)
def test_rf3_ottawa_sign_after_recent_injury_is_urgent(key):
    triage = screen(clear_answers(injury_within_7_days=True, **{key: True}))
    assert triage.urgency == "urgent"
    assert rules(triage) == ["RF-3"]
    assert "X-ray" in triage.flags[0].message
    assert not triage.recent_injury  # PR-8 is moot: no programme until seen


def test_rf3_age_55_counts_only_with_a_recent_injury():
    assert screen(clear_answers(injury_within_7_days=True, age=55)).urgency == "urgent"
    assert screen(clear_answers(injury_within_7_days=True, age=54)).urgency == "soon"
    assert screen(clear_answers(injury_within_7_days=False, age=70)).urgency == "none"


@pytest.mark.parametrize("key", OTTAWA)
def test_ottawa_signs_without_a_recent_injury_do_not_fire(key):
    triage = screen(clear_answers(injury_within_7_days=False, **{key: True}))
    assert triage.urgency == "none"
    assert triage.flags == ()


def test_recent_injury_without_ottawa_sign_is_soon_and_brings_pr8():
    triage = screen(clear_answers(injury_within_7_days=True))
    assert triage.urgency == "soon"
    assert rules(triage) == ["RF-3"]
    assert triage.recent_injury
    assert "PR-8" in triage.flags[0].message


@pytest.mark.parametrize(("weeks", "fires"), [(12, False), (12.5, True), (13, True), (0, False)])
def test_es3_chronic_after_12_weeks(weeks, fires):
    triage = screen(clear_answers(symptom_duration_weeks=weeks))
    assert (rules(triage) == ["ES-3"]) is fires
    assert triage.urgency == ("soon" if fires else "none")
    assert not triage.stops_programme


def test_emergency_wins_over_urgent_and_soon():
    triage = screen(
        clear_answers(
            breathless_or_chest_pain=True,
            knee_locked=True,
            night_sweats=True,
            symptom_duration_weeks=30,
        )
    )
    assert triage.urgency == "emergency"
    assert rules(triage) == ["ES-3", "RF-1", "RF-2", "RF-4"]


def test_urgent_wins_over_soon():
    triage = screen(clear_answers(calf_swelling_pain_one_leg=True, knee_gives_way_repeatedly=True))
    assert triage.urgency == "urgent"
    assert rules(triage) == ["RF-2", "RF-5"]


def test_ottawa_urgent_wins_over_chronic_soon():
    triage = screen(
        clear_answers(injury_within_7_days=True, cannot_flex_to_90=True, symptom_duration_weeks=20)
    )
    assert triage.urgency == "urgent"
    assert rules(triage) == ["ES-3", "RF-3"]


@pytest.mark.parametrize("key", [q.key for q in QUESTIONS])
def test_a_missing_answer_is_an_error_never_a_no(key):
    answers = clear_answers()
    del answers[key]
    with pytest.raises(ScreeningError) as caught:
        screen(answers)
    assert caught.value.field == key


def test_null_answer_is_missing():
    with pytest.raises(ScreeningError, match="knee_locked"):
        screen(clear_answers(knee_locked=None))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"knee_locked": "no"}, "knee_locked"),
        ({"knee_locked": 0}, "knee_locked"),
        ({"age": "forty"}, "age"),
        ({"age": True}, "age"),
        ({"age": -1}, "age"),
        ({"symptom_duration_weeks": -2}, "symptom_duration_weeks"),
        ({"favourite_colour": "blue"}, "favourite_colour"),
    ],
)
def test_wrong_kinds_and_unknown_keys_are_named(changes, field):
    with pytest.raises(ScreeningError) as caught:
        screen(clear_answers(**changes))
    assert caught.value.field == field
