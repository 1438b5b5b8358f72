"""Red-flag screening: RF-1..RF-5 and ES-3 of CLINICAL.md.

Pure Python. `screen(answers)` never reads a missing answer as "no": every key
of `QUESTIONS` must be answered, or `ScreeningError` names the one that is not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from kneecoach.domain import rules
from kneecoach.domain.errors import FieldError

Urgency = Literal["emergency", "urgent", "soon", "none"]
URGENCY_ORDER: tuple[Urgency, ...] = ("none", "soon", "urgent", "emergency")

# ES-3: symptoms for longer than this at intake are chronic.
CHRONIC_AFTER_WEEKS = rules.ES3_CHRONIC_WEEKS
# RF-3 Ottawa knee rules: only for an injury in the last 7 days; age 55 or over counts.
OTTAWA_AGE = rules.RF3_OTTAWA_AGE
# RF-4: knee pain under 18 can come from the hip.
ADULT_AGE = rules.RF4_ADULT_AGE

ADVICE: dict[Urgency, str] = {
    "emergency": (
        "Call emergency services or go to the emergency department now. Do not do the exercises."
    ),
    "urgent": (
        "Get seen by a doctor today: an urgent care centre, your GP's same-day "
        "service or an emergency department. Do not do the exercises until a "
        "professional says you can."
    ),
    "soon": (
        "Book an appointment with a doctor or physiotherapist within 1-2 weeks. "
        "You can keep doing the gentle programme meanwhile, and stop anything that hurts."
    ),
    "none": (
        "No danger signs. You can start the programme. Stop and get help if anything new appears."
    ),
}


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    kind: Literal["yes-no", "years", "weeks"]
    # The question is only asked in person when this yes-no answer is "yes".
    only_if: str | None = None


# Order matters for the interactive screen: most serious first.
QUESTIONS: tuple[Question, ...] = (
    Question(
        "fever_or_unwell_with_hot_swollen_knee",
        "Is your knee hot, red and swollen, and do you have a fever or feel unwell?",
        "yes-no",
    ),
    Question(
        "suspected_fracture_or_deformity",
        "Do you think a bone is broken, the knee joint is out of place, or does it look misshapen?",
        "yes-no",
    ),
    Question(
        "leg_numb_cold_or_discoloured",
        "Is your leg or foot numb, cold, pale or blue?",
        "yes-no",
    ),
    Question(
        "breathless_or_chest_pain",
        "Are you short of breath, or do you have chest pain?",
        "yes-no",
    ),
    Question(
        "calf_swelling_pain_one_leg",
        "Is one calf swollen and painful, warm or red?",
        "yes-no",
    ),
    Question("knee_locked", "Is your knee stuck, so you cannot straighten it?", "yes-no"),
    Question("cannot_bear_weight", "Are you unable to put any weight on the leg now?", "yes-no"),
    Question(
        "rapid_swelling_after_injury",
        "Did the knee swell up a lot within a few hours of an injury?",
        "yes-no",
    ),
    Question("kneecap_dislocated", "Has your kneecap slipped out of place?", "yes-no"),
    Question("rapidly_worsening", "Is it getting worse quickly, day by day?", "yes-no"),
    Question(
        "hot_swollen_knee_without_fever",
        "Is your knee hot and swollen, even without a fever?",
        "yes-no",
    ),
    Question(
        "on_blood_thinners_with_swelling",
        "Do you take blood thinners, and is the knee or leg swollen?",
        "yes-no",
    ),
    Question("injury_within_7_days", "Did you hurt your knee in the last 7 days?", "yes-no"),
    Question("age", "How old are you, in years?", "years"),
    Question(
        "kneecap_tenderness_only",
        "Is the only sore spot when you press it on the kneecap itself?",
        "yes-no",
        only_if="injury_within_7_days",
    ),
    Question(
        "fibula_head_tenderness",
        "Is the bony bump on the outer side, just below the knee, sore to press?",
        "yes-no",
        only_if="injury_within_7_days",
    ),
    Question(
        "cannot_flex_to_90",
        "Are you unable to bend the knee to a right angle (like sitting on a chair)?",
        "yes-no",
        only_if="injury_within_7_days",
    ),
    Question(
        "could_not_take_4_steps",
        "Right after the injury, could you not take 4 steps, and still cannot?",
        "yes-no",
        only_if="injury_within_7_days",
    ),
    Question(
        "unexplained_weight_loss_or_cancer_history",
        "Have you lost weight without trying, or ever had cancer?",
        "yes-no",
    ),
    Question(
        "night_pain_worsening",
        "Is pain at night getting worse, or not eased by pain relief?",
        "yes-no",
    ),
    Question("night_sweats", "Do you wake up drenched in sweat at night?", "yes-no"),
    Question(
        "constant_pain_unchanged_by_rest_or_movement",
        "Is the pain constant, the same whether you rest or move?",
        "yes-no",
    ),
    Question("hard_lump_near_knee", "Is there a hard lump near the knee?", "yes-no"),
    Question(
        "more_joints_affected",
        "Are more and more of your joints becoming painful or stiff?",
        "yes-no",
    ),
    Question(
        "inflammatory_arthritis_known",
        "Have you been told you have inflammatory arthritis (such as rheumatoid arthritis)?",
        "yes-no",
    ),
    Question(
        "knee_surgery_last_12_weeks",
        "Have you had knee surgery or a knee replacement in the last 12 weeks?",
        "yes-no",
    ),
    Question(
        "pain_mainly_hip_or_groin",
        "Is the pain mostly in your hip or groin rather than the knee?",
        "yes-no",
    ),
    Question(
        "knee_gives_way_repeatedly",
        "Does your knee keep giving way under you?",
        "yes-no",
    ),
    Question(
        "symptom_duration_weeks",
        "How many weeks have you had this knee pain?",
        "weeks",
    ),
)
QUESTION_BY_KEY: dict[str, Question] = {q.key: q for q in QUESTIONS}

# (rule, urgency, answer key, message) for each yes-no red flag.
_YES_FLAGS: tuple[tuple[str, Urgency, str, str], ...] = (
    (
        "RF-1",
        "emergency",
        "fever_or_unwell_with_hot_swollen_knee",
        "A hot, red, swollen knee with fever or feeling unwell can be a joint infection.",
    ),
    (
        "RF-1",
        "emergency",
        "suspected_fracture_or_deformity",
        "A possible broken bone, a knee joint out of place or a misshapen knee needs checking now.",
    ),
    (
        "RF-1",
        "emergency",
        "leg_numb_cold_or_discoloured",
        "A numb, cold or pale or blue leg or foot can mean the blood supply is blocked.",
    ),
    (
        "RF-1",
        "emergency",
        "breathless_or_chest_pain",
        "Breathlessness or chest pain can come from a blood clot in the lungs.",
    ),
    (
        "RF-2",
        "urgent",
        "knee_locked",
        "A knee that is stuck and will not straighten may have torn cartilage caught in it.",
    ),
    (
        "RF-2",
        "urgent",
        "cannot_bear_weight",
        "Not being able to put any weight on the leg needs a check the same day.",
    ),
    (
        "RF-2",
        "urgent",
        "rapid_swelling_after_injury",
        "Big swelling within hours of an injury can mean bleeding inside the joint.",
    ),
    (
        "RF-2",
        "urgent",
        "kneecap_dislocated",
        "A kneecap that slipped out of place needs a check the same day.",
    ),
    (
        "RF-2",
        "urgent",
        "rapidly_worsening",
        "Symptoms that get worse quickly need a check the same day.",
    ),
    (
        "RF-2",
        "urgent",
        "hot_swollen_knee_without_fever",
        "A hot, swollen knee can be an infection or gout, even without a fever.",
    ),
    (
        "RF-2",
        "urgent",
        "calf_swelling_pain_one_leg",
        "A swollen, painful calf in one leg can be a blood clot: get it checked today.",
    ),
    (
        "RF-2",
        "urgent",
        "on_blood_thinners_with_swelling",
        "Swelling while on blood thinners can be bleeding into the joint.",
    ),
    (
        "RF-4",
        "soon",
        "unexplained_weight_loss_or_cancer_history",
        "Weight loss without trying, or a past cancer: a professional should look at the knee.",
    ),
    (
        "RF-4",
        "soon",
        "night_pain_worsening",
        "Night pain that is getting worse or not eased by pain relief should be checked.",
    ),
    ("RF-4", "soon", "night_sweats", "Night sweats with knee pain should be checked."),
    (
        "RF-4",
        "soon",
        "constant_pain_unchanged_by_rest_or_movement",
        "Pain that never changes with rest or movement is not typical of a strain.",
    ),
    ("RF-4", "soon", "hard_lump_near_knee", "A hard lump near the knee should be checked."),
    (
        "RF-4",
        "soon",
        "more_joints_affected",
        "More and more painful or stiff joints can be an arthritis that needs treatment.",
    ),
    (
        "RF-4",
        "soon",
        "inflammatory_arthritis_known",
        "With inflammatory arthritis, your care team should agree the exercises.",
    ),
    (
        "RF-4",
        "soon",
        "knee_surgery_last_12_weeks",
        "After recent knee surgery, follow your surgical team's plan first.",
    ),
    (
        "RF-4",
        "soon",
        "pain_mainly_hip_or_groin",
        "Pain mostly in the hip or groin may come from the hip, not the knee.",
    ),
    (
        "RF-5",
        "soon",
        "knee_gives_way_repeatedly",
        "A knee that keeps giving way may have a ligament or cartilage problem.",
    ),
)

_OTTAWA: tuple[tuple[str, str], ...] = (
    ("kneecap_tenderness_only", "tenderness only at the kneecap"),
    ("fibula_head_tenderness", "tenderness at the bony bump below the outer knee"),
    ("cannot_flex_to_90", "cannot bend the knee to a right angle"),
    ("could_not_take_4_steps", "could not take 4 steps after the injury, and still cannot"),
)


class ScreeningError(FieldError):
    """An answer is missing, unknown or of the wrong kind. `field` names it."""


@dataclass(frozen=True)
class Flag:
    rule: str
    urgency: Urgency
    question: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {
            "rule": self.rule,
            "urgency": self.urgency,
            "question": self.question,
            "message": self.message,
        }


@dataclass(frozen=True)
class Triage:
    urgency: Urgency
    flags: tuple[Flag, ...]
    advice: str
    # PR-8 applies: a recent injury that passed the Ottawa rules.
    recent_injury: bool

    @property
    def stops_programme(self) -> bool:
        return self.urgency in ("emergency", "urgent")

    def as_dict(self) -> dict[str, object]:
        return {
            "urgency": self.urgency,
            "flags": [flag.as_dict() for flag in self.flags],
            "advice": self.advice,
            "stops_programme": self.stops_programme,
            "recent_injury": self.recent_injury,
        }


def highest(urgencies: list[Urgency]) -> Urgency:
    """The most serious urgency in the list ('none' for an empty list)."""
    return max(urgencies, key=URGENCY_ORDER.index, default="none")


def validate_answers(answers: Mapping[str, object]) -> dict[str, bool | int | float]:
    """Check every answer is present and of its kind; return a clean copy."""
    if not isinstance(answers, Mapping):
        raise ScreeningError("screening", "expected an object of answers")
    unknown = sorted(set(answers) - set(QUESTION_BY_KEY))
    if unknown:
        raise ScreeningError(unknown[0], "unknown answer key")
    clean: dict[str, bool | int | float] = {}
    for q in QUESTIONS:
        if q.key not in answers or answers[q.key] is None:
            raise ScreeningError(q.key, "missing answer (every question must be answered)")
        value = answers[q.key]
        if q.kind == "yes-no":
            if not isinstance(value, bool):
                raise ScreeningError(q.key, f"expected true or false, got {value!r}")
            clean[q.key] = value
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ScreeningError(q.key, f"expected a number, got {value!r}")
        upper = 120 if q.kind == "years" else 5200
        if not 0 <= value <= upper:
            raise ScreeningError(q.key, f"must be between 0 and {upper}, got {value}")
        clean[q.key] = value
    return clean


def screen(answers: Mapping[str, object]) -> Triage:
    """Apply RF-1..RF-5 and ES-3 to a complete set of answers."""
    a = validate_answers(answers)
    flags: list[Flag] = [
        Flag(rule, urgency, key, message)
        for rule, urgency, key, message in _YES_FLAGS
        if a[key] is True
    ]
    age = a["age"]
    if age < ADULT_AGE:
        flags.append(
            Flag(
                "RF-4",
                "soon",
                "age",
                f"At age {age:g}, knee pain can come from the hip: a professional should check.",
            )
        )

    recent_injury = False
    if a["injury_within_7_days"] is True:
        signs = [label for key, label in _OTTAWA if a[key] is True]
        if age >= OTTAWA_AGE:
            signs.insert(0, f"age {age:g} (55 or over)")
        if signs:
            flags.append(
                Flag(
                    "RF-3",
                    "urgent",
                    "injury_within_7_days",
                    "Recent injury with "
                    + "; ".join(signs)
                    + ": an X-ray may be needed before exercise.",
                )
            )
        else:
            recent_injury = True
            flags.append(
                Flag(
                    "RF-3",
                    "soon",
                    "injury_within_7_days",
                    "A knee injury in the last 7 days: a professional should check it. "
                    "The programme leaves out stretches that open the inner knee for "
                    "14 days (PR-8).",
                )
            )

    weeks = a["symptom_duration_weeks"]
    if weeks > CHRONIC_AFTER_WEEKS:
        flags.append(
            Flag(
                "ES-3",
                "soon",
                "symptom_duration_weeks",
                f"Pain for {weeks:g} weeks (more than {CHRONIC_AFTER_WEEKS}): a professional "
                "can find the cause and tailor the exercises. The programme can run alongside.",
            )
        )

    urgency = highest([flag.urgency for flag in flags])
    return Triage(
        urgency=urgency, flags=tuple(flags), advice=ADVICE[urgency], recent_injury=recent_injury
    )


def with_intake_pain(triage: Triage, pain: int) -> Triage:
    """PM-5: intake pain 8 or more with no stopping red flag -> `soon` (design choice).

    The gentle programme may start, with the advice to see a professional before long.
    """
    if pain < rules.PM5_HIGH_INTAKE_PAIN or triage.stops_programme:
        return triage
    flag = Flag(
        "PM-5",
        "soon",
        "pain_now",
        f"Your pain score (0-10) is {pain}, {rules.PM5_HIGH_INTAKE_PAIN} or more: pain that "
        "high with no known cause deserves a look by a doctor or physiotherapist before long.",
    )
    urgency = highest([triage.urgency, "soon"])
    return replace(triage, urgency=urgency, flags=(*triage.flags, flag), advice=ADVICE[urgency])


def screening_due(last_answered: date, today: date) -> bool:
    """Red flags are asked again weekly: true once the last safety answers are 7 days old."""
    return (today - last_answered).days >= rules.SCREENING_DUE_DAYS
