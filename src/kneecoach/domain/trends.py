"""Pain trends and escalation: usual morning pain, weekly means, ES-1..ES-4, PSFS change.

Pure Python. Daily scores are the check-ins (morning and any other); the weekly
mean is the mean of the last 7 days' scores (CLINICAL.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from kneecoach.domain.screening import Urgency

WEEK = 7
USUAL_MORNINGS = 7  # PM-3: the mean of the last 7 morning scores
USUAL_MIN_MORNINGS = 3  # PM-3: until 3 exist, the pain at intake
ES1_FROM_DAY = 14  # ES-1: from day 14 of the programme (day 1 is the start date)
ES1_POINTS = 2.0  # ES-1: a fall of 2 points ...
ES1_FRACTION = 0.30  # ... or 30 %, whichever is smaller (Farrar 2001)
NOTHING_LEFT_TO_GAIN = 2.0  # ES-1: not when the weekly mean is 2 or less
ES2_ABOVE_BASELINE = 2.0  # ES-2: 2 or more above baseline -> soon
ES2_URGENT_MEAN = 8.0  # ES-2: a weekly mean of 8 or more -> urgent
ES2_RISING_STEP = 1.0  # ES-2 (design choice): three weekly means rising by 1 or more
ES4_SILENT_DAYS = 7  # ES-4: no check-in for 7 days -> a reminder
PM4_WEEK_RISE = 1.0  # PM-4 (design choice)
PR7_LOW_DAYS = 14  # PR-7 (design choice): 14 days with every daily score 2 or less
PR7_MAX_SCORE = 2
PR7_MIN_SCORED_DAYS = 10  # design choice: most of those 14 days must have a score
PSFS_MEAN_CHANGE = 2.0  # smallest real change on the PSFS mean
PSFS_ITEM_CHANGE = 3  # ... and on one activity


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


def week_rise(scores: Sequence[Score], today: date) -> float | None:
    """PM-4: the last 7 days' mean minus the mean of the 7 days before."""
    now = window_mean(scores, today)
    before = window_mean(scores, today - timedelta(days=WEEK))
    if now is None or before is None:
        return None
    return round(now - before, 2)


def late_progressions_unlocked(scores: Sequence[Score], start: date, today: date) -> bool:
    """PR-7: 14 days with every daily score 2 or less (most days scored)."""
    if (today - start).days + 1 < PR7_LOW_DAYS:
        return False
    first = today - timedelta(days=PR7_LOW_DAYS - 1)
    recent = [s for s in scores if first <= s.date <= today]
    scored_days = {s.date for s in recent}
    return len(scored_days) >= PR7_MIN_SCORED_DAYS and all(s.pain <= PR7_MAX_SCORE for s in recent)


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


def _complete_week_means(scores: Sequence[Score], start: date, today: date) -> list[float | None]:
    means: list[float | None] = []
    week_start = start
    while week_start + timedelta(days=WEEK - 1) <= today:
        end = week_start + timedelta(days=WEEK - 1)
        means.append(_mean([s.pain for s in scores if week_start <= s.date <= end]))
        week_start += timedelta(days=WEEK)
    return means


def escalations(
    scores: Sequence[Score],
    start: date,
    baseline: int,
    today: date,
    last_checkin: date | None,
) -> list[Escalation]:
    """ES-1, ES-2 and ES-4 as they stand on `today` (ES-3 is judged at intake)."""
    found: list[Escalation] = []
    day = programme_day(start, today)
    mean = window_mean(scores, today)

    if mean is not None and day >= ES1_FROM_DAY and mean > NOTHING_LEFT_TO_GAIN:
        needed = important_change(baseline)
        fall = round(baseline - mean, 2)
        if fall < needed:
            found.append(
                Escalation(
                    "ES-1",
                    "soon",
                    f"ES-1: after {day} days your weekly pain is {mean:.1f}/10 against "
                    f"{baseline}/10 at the start: not the fall of {needed:g} points that "
                    "counts as real change. Book a physiotherapist or doctor within 1-2 weeks.",
                    {
                        "day": day,
                        "weekly_mean": mean,
                        "baseline": baseline,
                        "fall": fall,
                        "needed": needed,
                    },
                )
            )

    if mean is not None and mean >= ES2_URGENT_MEAN:
        found.append(
            Escalation(
                "ES-2",
                "urgent",
                f"ES-2: your pain this week averages {mean:.1f}/10 (8 or more). "
                "Stop the exercises and get seen today.",
                {"weekly_mean": mean, "limit": ES2_URGENT_MEAN},
            )
        )
    elif mean is not None and mean >= baseline + ES2_ABOVE_BASELINE:
        found.append(
            Escalation(
                "ES-2",
                "soon",
                f"ES-2: your pain this week averages {mean:.1f}/10, {mean - baseline:.1f} above "
                f"{baseline}/10 at the start. Book a physiotherapist or doctor within 1-2 weeks.",
                {"weekly_mean": mean, "baseline": baseline, "rise": round(mean - baseline, 2)},
            )
        )
    else:
        weeks = _complete_week_means(scores, start, today)[-3:]
        if len(weeks) == 3 and all(w is not None for w in weeks):
            a, b, c = (float(w) for w in weeks if w is not None)
            if b - a >= ES2_RISING_STEP and c - b >= ES2_RISING_STEP:
                found.append(
                    Escalation(
                        "ES-2",
                        "soon",
                        f"ES-2: your weekly pain has risen three weeks running ({a:.1f}, {b:.1f}, "
                        f"{c:.1f}). Book a physiotherapist or doctor within 1-2 weeks.",
                        {"weekly_means": [a, b, c]},
                    )
                )

    silent_since = last_checkin or start
    silent = (today - silent_since).days
    if silent >= ES4_SILENT_DAYS:
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
