"""Every number of CLINICAL.md in one place, each with its rule id.

Pure constants. The other domain modules read them from here (`rules.NAME` at the
moment they decide). A threshold marked *design choice* has no validated source
(CLINICAL.md says so too): those named in `DESIGN_CHOICES` can be changed with
`configure`, which `kneecoach.settings` calls once at start from the environment
(`KNEECOACH_RULE_<NAME>`, docs/engine.md). Changing one changes it on every surface,
and the stored course states are rebuilt from the events (`fingerprint`).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

# --- pain-monitoring model ------------------------------------------------------------
PM1_SAFE_MAX = 2  # PM-1: 0-2 safe
PM1_ACCEPTABLE_MAX = 5  # PM-1: 3-5 acceptable, above 5 not acceptable
PM3_RISE_REGRESS = 2  # PM-3 (design choice): a next-morning rise of 2 or more regresses
# PM-3: a 1-point rise holds the dose; less than that is within the scale's error.
PM3_RISE_HOLD = 1
PM3_USUAL_MORNINGS = 7  # PM-3: usual morning pain is the mean of the last 7 mornings
PM3_USUAL_MIN_MORNINGS = 3  # PM-3: until 3 exist, the pain at intake
PM4_WEEK_RISE = 1  # PM-4 (design choice): weekly mean 1 or more above the week before
PM5_HIGH_INTAKE_PAIN = 8  # PM-5 (design choice): intake pain 8 or more -> soon

# --- progression ------------------------------------------------------------------------
PR1_GOOD_SESSIONS = 2  # PR-1: two consecutive good sessions
PR2_REP_STEP = 2  # PR-2: reps up the range, 10 -> 12 -> 15
PR2_LOAD_STEP_KG = 0.5  # PR-2: smallest ankle weight step (0.5 kg / 1 lb)
PR2_LOAD_MAX_KG = 5.0  # design choice: above this, see a professional for heavier loading
PR2_MIN_STRENGTH_GAP_DAYS = 2  # PR-2 (ACSM): at least 48 h between strength sessions
PR2_MAX_STRENGTH_DAYS = 3  # PR-2 (ACSM): 2-3 strength days a week
PR3_STRETCH_TOTAL_SECONDS = 60  # PR-3: each stretch starts at a total of at least 60 s
PR3_STRETCH_HOLD_STEP = 10  # PR-3: 5-10 s steps (design choice: 10 s for stretches, yoga)
PR3_STRENGTH_HOLD_STEP = 5  # PR-3 applied to held strength moves (plank, balance)
PR4_GROWTH_PERCENT = 10  # PR-4 (design choice): add 10 % of the current minutes a step
PR4_MIN_STEP_MINUTES = 1  # PR-4: at least 1 minute a step
PR4_DAYS_BETWEEN_STEPS = 7  # PR-4: about 10 % a week, so at most one step in 7 days
PR4_FLOOR_MINUTES = 5  # design choice: the shortest aerobic bout after a regression
PR5_ACCEPTABLE_SESSIONS = 2  # PR-5: acceptable zone two sessions running regresses
PR5_AEROBIC_CUT_PERCENT = 20  # design choice: an aerobic regression takes off 20 % (floor)
PR7_LOW_DAYS = 14  # PR-7 (design choice): 14 days with every daily score 2 or less
PR7_MAX_SCORE = 2
PR7_MIN_SCORED_DAYS = 10  # design choice: most of those 14 days must have a score
PR8_DAYS = 14  # PR-8: the first 14 days after a recent or MCL injury
PR8_MAX_PAIN = 2  # PR-8 (design choice): then add them back only while pain is 0-2
PR8_RECENT_INJURY_DAYS = 7  # PR-8 / RF-3: an injury within the last 7 days
PR9_DAYS = 7  # PR-9 (design choice): every daily score of the last 7 days ...
PR9_MAX_SCORE = 5  # ... is 5 or less: the gentle programme opens
# PR-9 (design choice): the 7 days need at least 3 scores, like a weekly mean, and the
# programme must have run 7 days, so silence alone never opens it.
PR9_MIN_SCORES = 3
GENTLE_ABOVE_PAIN = 5  # PM-1: intake pain above 5 -> a gentle programme

# --- trends and escalation --------------------------------------------------------------
WEEK_DAYS = 7  # the weekly mean is the mean of the last 7 days' scores
WEEKLY_MEAN_MIN_SCORES = 3  # a weekly mean needs at least 3 scores in its 7 days
ES1_FROM_DAY = 14  # ES-1: from day 14 of the programme (day 1 is the start date)
ES1_POINTS = 2  # ES-1: a fall of 2 points ...
ES1_FRACTION = Fraction(3, 10)  # ... or 30 %, whichever is smaller (Farrar 2001)
ES1_NOTHING_LEFT_TO_GAIN = 2  # ES-1: not when the weekly mean is 2 or less
ES2_ABOVE_BASELINE = 2  # ES-2: weekly mean 2 or more above baseline -> soon
ES2_URGENT_MEAN = 8  # ES-2: a weekly mean of 8 or more -> urgent
ES2_RISING_STEP = 1  # ES-2 (design choice): three weekly means each 1 or more above
ES2_RISING_WINDOWS = 3  # ES-2: the last three 7-day windows ending today
# After a clearance (design choice): a trend stop re-opens on a rise of 1 point or more
# above the weekly mean on the clearance day.
ES2_REOPEN_RISE = 1
ES3_CHRONIC_WEEKS = 12  # ES-3: symptoms for more than 12 weeks at intake -> soon
ES4_SILENT_DAYS = 7  # ES-4: no check-in for 7 days -> a reminder, never a referral

# --- outcome measures -------------------------------------------------------------------
PSFS_MEAN_CHANGE = 2  # PSFS: 2 points on the mean is the smallest real change
PSFS_ITEM_CHANGE = 3  # PSFS: 3 points on one activity

# --- screening -------------------------------------------------------------------------
RF3_OTTAWA_AGE = 55  # RF-3: age 55 or over counts as an Ottawa sign
RF4_ADULT_AGE = 18  # RF-4: under 18, knee pain can come from the hip
SCREENING_DUE_DAYS = 7  # red flags are asked again weekly
# Design choice: a morning score this many points or more above the usual morning pain
# (PM-3's) is something new, so the check-in asks the safety questions again (PRODUCT.md:
# screen whenever the person reports something new).
RESCREEN_MORNING_RISE = 3

# --- clinic mode ------------------------------------------------------------------------
CL3_PAIN_DURING = 7  # CL-3: pain 7 or more during an exercise raises an alert
CL3_SILENT_DAYS = 3  # CL-3: no check-in for 3 days (the clinic can change it)
CL3_ADHERENCE_DAYS = 14  # CL-3: fewer than half the planned sessions in the last 14 days
CL3_ADHERENCE_SHARE = Fraction(1, 2)


# --- design choices: configurable, in one place ----------------------------------------


@dataclass(frozen=True)
class Choice:
    """A design-choice threshold that may be configured: its bounds and what it means."""

    minimum: float
    maximum: float
    meaning: str
    whole: bool = True  # an integer (every choice but the load limit)


DESIGN_CHOICES: dict[str, Choice] = {
    "PM3_RISE_REGRESS": Choice(1, 10, "PM-3: a next-morning rise this big regresses"),
    "PM4_WEEK_RISE": Choice(1, 10, "PM-4: a weekly mean this much above the week before holds"),
    "PM5_HIGH_INTAKE_PAIN": Choice(6, 10, "PM-5: intake pain this high or more -> soon"),
    "PR2_LOAD_MAX_KG": Choice(0.5, 20, "PR-2: the heaviest ankle weight at home", whole=False),
    "PR3_STRETCH_HOLD_STEP": Choice(5, 10, "PR-3: seconds added to a stretch's hold a step"),
    "PR4_GROWTH_PERCENT": Choice(5, 20, "PR-4: percent of the minutes added a step"),
    "PR4_FLOOR_MINUTES": Choice(1, 30, "PR-4: the shortest aerobic bout after a regression"),
    "PR5_AEROBIC_CUT_PERCENT": Choice(
        5, 50, "PR-5: percent of the minutes an aerobic step-down takes"
    ),
    "PR7_LOW_DAYS": Choice(7, 56, "PR-7: days with low scores before the late steps"),
    "PR7_MAX_SCORE": Choice(0, 5, "PR-7: the highest daily score that counts as low"),
    "PR7_MIN_SCORED_DAYS": Choice(1, 56, "PR-7: how many of those days must have a score"),
    "PR8_MAX_PAIN": Choice(0, 5, "PR-8: the highest pain at which held stretches come back"),
    "PR9_DAYS": Choice(3, 28, "PR-9: days of scores before the gentle programme opens"),
    "PR9_MAX_SCORE": Choice(0, 7, "PR-9: the highest daily score of those days"),
    "PR9_MIN_SCORES": Choice(1, 28, "PR-9: how many scores those days need"),
    "ES2_RISING_STEP": Choice(1, 5, "ES-2: the rise between weekly means that counts"),
    "ES2_REOPEN_RISE": Choice(1, 5, "ES-2: the rise after a clearance that re-opens a stop"),
    "RESCREEN_MORNING_RISE": Choice(
        2, 10, "check-in: a morning score this far above usual asks the safety questions again"
    ),
    "CL3_SILENT_DAYS": Choice(1, 14, "CL-3: days without a check-in before an alert"),
}
DEFAULTS: dict[str, float] = {name: globals()[name] for name in DESIGN_CHOICES}


def design_choices() -> dict[str, float]:
    """The design choices in force, by name."""
    return {name: globals()[name] for name in DESIGN_CHOICES}


def configure(values: dict[str, float]) -> None:
    """Set design choices (the others go back to their defaults). Call once at start,
    never while the engine is deciding. ValueError names the first bad one."""
    chosen = dict(DEFAULTS)
    for name, value in values.items():
        choice = DESIGN_CHOICES.get(name)
        if choice is None:
            raise ValueError(f"{name}: not a design choice ({', '.join(DESIGN_CHOICES)})")
        if isinstance(value, bool) or (choice.whole and value != int(value)):
            raise ValueError(f"{name}: must be a whole number")
        if not choice.minimum <= value <= choice.maximum:
            raise ValueError(f"{name}: must be from {choice.minimum:g} to {choice.maximum:g}")
        chosen[name] = int(value) if choice.whole else float(value)
    globals().update(chosen)
    global _FINGERPRINT
    _FINGERPRINT = _fingerprint()


def _fingerprint() -> str:
    return ",".join(f"{name}={value!r}" for name, value in sorted(design_choices().items()))


_FINGERPRINT = _fingerprint()


def fingerprint() -> str:
    """The design choices in force as one short text (stored states depend on them)."""
    return _FINGERPRINT
