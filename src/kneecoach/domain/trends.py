"""Pain trends and escalation: usual morning pain, weekly means, ES-1..ES-4, PSFS change.

Pure Python. Daily scores are the check-ins (morning and any other); the weekly
mean is the mean of the last 7 days' scores (CLINICAL.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from itertools import pairwise

from kneecoach.domain import rules
from kneecoach.domain.screening import Urgency

WEEK = rules.WEEK_DAYS
USUAL_MORNINGS = rules.PM3_USUAL_MORNINGS
USUAL_MIN_MORNINGS = rules.PM3_USUAL_MIN_MORNINGS
ES1_FROM_DAY = rules.ES1_FROM_DAY
ES1_POINTS = float(rules.ES1_POINTS)
ES1_FRACTION = float(rules.ES1_FRACTION)
NOTHING_LEFT_TO_GAIN = float(rules.ES1_NOTHING_LEFT_TO_GAIN)
ES2_ABOVE_BASELINE = float(rules.ES2_ABOVE_BASELINE)
ES2_URGENT_MEAN = float(rules.ES2_URGENT_MEAN)
ES4_SILENT_DAYS = rules.ES4_SILENT_DAYS
PSFS_MEAN_CHANGE = float(rules.PSFS_MEAN_CHANGE)  # smallest real change on the PSFS mean
PSFS_ITEM_CHANGE = rules.PSFS_ITEM_CHANGE  # ... and on one activity


@dataclass(frozen=True)
class Score:
    date: date
    pain: int
    morning: bool


@dataclass(frozen=True)
class Escalation:
    rule: str
    urgency: Urgency
    message: str
    numbers: Mapping[str, object]
    date: date | None = None

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "rule": self.rule,
            "urgency": self.urgency,
            "message": self.message,
            "numbers": dict(self.numbers),
        }
        if self.date is not None:
            out["date"] = self.date.isoformat()
        return out


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def important_change(baseline: float) -> float:
    """ES-1: the fall that counts as real change: 2 points or 30 %, whichever is smaller."""
    return round(min(ES1_POINTS, ES1_FRACTION * baseline), 2)


def daily_means(
    scores: Sequence[tuple[date, int]], days: Iterable[date] | None = None
) -> list[tuple[date, float]]:
    """For each day with a score (of `days`, if given), the mean of that day and the 6 before."""
    scored = {d for d, _ in scores}
    wanted = sorted(scored if days is None else scored & set(days))
    out = []
    for day in wanted:
        first = day - timedelta(days=WEEK - 1)
        window = [p for d, p in scores if first <= d <= day]
        out.append((day, sum(window) / len(window)))
    return out


def window_mean(scores: Iterable[Score], end: date, days: int = WEEK) -> float | None:
    """Mean of the scores dated within the `days` days that end on `end`."""
    first = end - timedelta(days=days - 1)
    return _mean([s.pain for s in scores if first <= s.date <= end])


def usual_morning(scores: Sequence[Score], before: date, baseline: int) -> float:
    """PM-3: mean of the last 7 morning scores before `before` (the intake pain until 3 exist)."""
    mornings = [s.pain for s in scores if s.morning and s.date < before][-USUAL_MORNINGS:]
    if len(mornings) < USUAL_MIN_MORNINGS:
        return float(baseline)
    return sum(mornings) / len(mornings)


def morning_of(scores: Sequence[Score], day: date) -> int | None:
    """The morning score of `day` (the last one given that day), if any."""
    found = [s.pain for s in scores if s.morning and s.date == day]
    return found[-1] if found else None


def weekly_mean(scores: Iterable[Score], end: date) -> Fraction | None:
    """The exact mean of the 7 days ending on `end`, or None with fewer than 3 scores.

    Means are compared as fractions (CLINICAL.md): 18/7 is exactly 1 above 11/7.
    """
    first = end - timedelta(days=WEEK - 1)
    pains = [s.pain for s in scores if first <= s.date <= end]
    if len(pains) < rules.WEEKLY_MEAN_MIN_SCORES:
        return None
    return Fraction(sum(pains), len(pains))


def shown(value: Fraction | float, places: int = 2) -> float:
    """A mean or a difference as a number to show (round only for display)."""
    return round(float(value), places)


def week_rise(scores: Sequence[Score], today: date) -> Fraction | None:
    """PM-4: the last 7 days' mean minus the mean of the 7 days before (exact)."""
    now = weekly_mean(scores, today)
    before = weekly_mean(scores, today - timedelta(days=WEEK))
    if now is None or before is None:
        return None
    return now - before


def late_progressions_unlocked(scores: Sequence[Score], start: date, today: date) -> bool:
    """PR-7: 14 days with every daily score 2 or less (most days scored)."""
    if (today - start).days + 1 < rules.PR7_LOW_DAYS:
        return False
    first = today - timedelta(days=rules.PR7_LOW_DAYS - 1)
    recent = [s for s in scores if first <= s.date <= today]
    scored_days = {s.date for s in recent}
    return len(scored_days) >= rules.PR7_MIN_SCORED_DAYS and all(
        s.pain <= rules.PR7_MAX_SCORE for s in recent
    )


def programme_day(start: date, today: date) -> int:
    """Day 1 is the start date."""
    return (today - start).days + 1


def weekly_means(scores: Sequence[Score], start: date, until: date) -> list[tuple[date, float]]:
    """The mean of each programme week (week 1 starts on the start date) that has a score."""
    out = []
    week_start = start
    while week_start <= until:
        end = min(week_start + timedelta(days=WEEK - 1), until)
        mean = _mean([s.pain for s in scores if week_start <= s.date <= end])
        if mean is not None:
            out.append((week_start, mean))
        week_start += timedelta(days=WEEK)
    return out


def important_fall(baseline: int) -> Fraction:
    """ES-1, exactly: 2 points or 30 % of the baseline, whichever is smaller."""
    return min(Fraction(rules.ES1_POINTS), rules.ES1_FRACTION * baseline)


def _not_improving(mean: Fraction, baseline: int, day: int) -> Escalation | None:
    """ES-1: from day 14, the weekly mean has not fallen by the important change."""
    if day < rules.ES1_FROM_DAY or mean <= rules.ES1_NOTHING_LEFT_TO_GAIN:
        return None
    needed = important_fall(baseline)
    fall = baseline - mean
    if fall >= needed:
        return None
    return Escalation(
        "ES-1",
        "soon",
        f"ES-1: after {day} days your weekly pain score (0-10) is {float(mean):.1f} against "
        f"{baseline} at the start: not the fall of {float(needed):g} points that "
        "counts as real change. Book a physiotherapist or doctor within 1-2 weeks.",
        {
            "day": day,
            "weekly_mean": shown(mean),
            "baseline": baseline,
            "fall": shown(fall),
            "needed": shown(needed),
        },
    )


def _worsening(
    scores: Sequence[Score], mean: Fraction, baseline: int, today: date
) -> Escalation | None:
    """ES-2: a weekly mean of 8 or more, 2 or more above baseline, or three rising weeks."""
    if mean >= rules.ES2_URGENT_MEAN:
        return Escalation(
            "ES-2",
            "urgent",
            f"ES-2: your pain score (0-10) this week averages {float(mean):.1f} (8 or more). "
            "Stop the exercises and get seen today.",
            {"weekly_mean": shown(mean), "limit": rules.ES2_URGENT_MEAN},
        )
    if mean >= baseline + rules.ES2_ABOVE_BASELINE:
        return Escalation(
            "ES-2",
            "soon",
            f"ES-2: your pain score (0-10) this week averages {float(mean):.1f}, "
            f"{float(mean - baseline):.1f} above {baseline} at the start. "
            "Book a physiotherapist or doctor within 1-2 weeks.",
            {"weekly_mean": shown(mean), "baseline": baseline, "rise": shown(mean - baseline)},
        )
    return _rising(scores, today)


def rising_windows(scores: Sequence[Score], today: date) -> list[Fraction] | None:
    """ES-2: the means of the last three 7-day windows (days -20..-14, -13..-7, -6..0)."""
    means = [
        weekly_mean(scores, today - timedelta(days=WEEK * back))
        for back in reversed(range(rules.ES2_RISING_WINDOWS))
    ]
    if any(m is None for m in means):
        return None
    return [m for m in means if m is not None]


def _rising(scores: Sequence[Score], today: date) -> Escalation | None:
    means = rising_windows(scores, today)
    if means is None:
        return None
    if not all(b - a >= rules.ES2_RISING_STEP for a, b in pairwise(means)):
        return None
    words = ", ".join(f"{float(m):.1f}" for m in means)
    return Escalation(
        "ES-2",
        "soon",
        f"ES-2: your weekly pain score (0-10) has risen three weeks running ({words}). "
        "Book a physiotherapist or doctor within 1-2 weeks.",
        {"weekly_means": [shown(m) for m in means]},
    )


def escalations(
    scores: Sequence[Score],
    start: date,
    baseline: int,
    today: date,
    last_checkin: date | None,
) -> list[Escalation]:
    """ES-1, ES-2 and ES-4 as they stand on `today` (ES-3 is judged at intake).

    Only the scores of the last 21 days matter, so a caller may pass just those.
    """
    found: list[Escalation] = []
    day = programme_day(start, today)
    mean = weekly_mean(scores, today)
    if mean is not None:
        for esc in (_not_improving(mean, baseline, day), _worsening(scores, mean, baseline, today)):
            if esc is not None:
                found.append(esc)

    silent_since = last_checkin or start
    silent = (today - silent_since).days
    if silent >= rules.ES4_SILENT_DAYS:
        found.append(
            Escalation(
                "ES-4",
                "none",
                f"ES-4: no pain score for {silent} days. A quick check-in helps the "
                "programme fit you.",
                {"days_without_checkin": silent},
            )
        )
    return found


@dataclass(frozen=True)
class PsfsChange:
    mean_change: float
    real_change: bool
    activities_changed: tuple[str, ...]


def psfs_change(
    first: Sequence[Mapping[str, object]], latest: Sequence[Mapping[str, object]]
) -> PsfsChange:
    """Change on the PSFS since intake: 2 on the mean or 3 on one activity is real change."""

    def scores(items: Sequence[Mapping[str, object]]) -> dict[str, float]:
        return {str(a["name"]): float(str(a["score"])) for a in items}

    before, after = scores(first), scores(latest)
    mean_before = sum(before.values()) / len(before) if before else 0.0
    mean_after = sum(after.values()) / len(after) if after else 0.0
    change = round(mean_after - mean_before, 2)
    moved = tuple(
        name
        for name in after
        if name in before and abs(after[name] - before[name]) >= PSFS_ITEM_CHANGE
    )
    return PsfsChange(change, abs(change) >= PSFS_MEAN_CHANGE or bool(moved), moved)


def last_checkin_date(scores: Iterable[Score]) -> date | None:
    return max((s.date for s in scores), default=None)


def gentle_may_open(scores: Sequence[Score], start: date, today: date) -> list[int] | None:
    """PR-9: the last 7 days' scores when every one is 5 or less, else None.

    Design choice: the programme must have run 7 days and the 7 days need at least 3
    scores (as a weekly mean does), so silence alone never opens the full programme.
    """
    if programme_day(start, today) < rules.PR9_DAYS:
        return None
    first = today - timedelta(days=rules.PR9_DAYS - 1)
    pains = [s.pain for s in scores if first <= s.date <= today]
    if len(pains) < rules.PR9_MIN_SCORES or max(pains) > rules.PR9_MAX_SCORE:
        return None
    return pains
