"""What the physiotherapist's dashboard shows of one course: written with the state,
read back as of today.

Pure Python. `summary` is computed from a stored `CourseState` when the state is stored
(`services.course.derived`), so the dashboard never folds anyone's course; `as_of` reads
it back for a later day (the summary may be a few days old: the nightly review writes
a new one each night, a check-in at once). Fields and their definitions:
docs/dashboard.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from kneecoach.domain import rules
from kneecoach.domain.planning import training_days_between
from kneecoach.domain.screening import URGENCY_ORDER, Urgency, highest
from kneecoach.domain.state import CourseState
from kneecoach.domain.trends import Score, shown, weekly_mean

SUMMARY_VERSION = 3
TREND_DAYS = 28  # the pain chart's days (the state keeps as many)
ADHERENCE_DAYS = 14
DATA_DAYS = 30  # US remote monitoring counts days with data in 30
WEEK = rules.WEEK_DAYS


def summary(state: CourseState, days_per_week: int) -> dict[str, Any]:
    """The dashboard's row of this course as of `state.day`, as plain JSON.

    `urgency` is what stands on that day (the day's escalations and a stop, as
    `Course.urgency` has it), `rules` the rule ids behind it. `means_ahead` holds the
    weekly mean (`trends.weekly_mean`, shown to 2 places; None with fewer than 3 scores)
    as of the state's day and each of the 6 after it, as it will be if no score comes
    in (one that does is stored with a new state and summary); from the 7th day on no
    score is left in the window. `daily` is each day's mean pain of the 28 days up to
    the state's day, for the chart, as [days before the state's day, pain], oldest first.
    """
    standing = [(e.rule, e.urgency) for e in state.current]
    if state.stop is not None:
        standing.append((state.stop.rule, state.stop.urgency))
    # Only the last 7 days' scores can fall in the windows ending on these 7 days.
    recent = [s for s in state.scores if (state.day - s.date).days < WEEK]
    means = [weekly_mean(recent, state.day + timedelta(days=k)) for k in range(WEEK)]
    return {
        "version": SUMMARY_VERSION,
        "day": state.day.isoformat(),
        "start": state.start.isoformat(),
        "urgency": highest([u for _, u in standing]),
        "rules": sorted({rule for rule, u in standing if u != "none"}),
        "stopped_since": state.stop.date.isoformat() if state.stop else None,
        "baseline": state.baseline,
        "last_checkin": state.last_checkin.isoformat() if state.last_checkin else None,
        "days_per_week": days_per_week,
        "means_ahead": [None if m is None else shown(m) for m in means],
        "daily": [[(state.day - d).days, pain] for d, pain in daily_pain(state.scores, state.day)],
    }


def as_of(stored: Mapping[str, Any], today: date, *, trend: bool = False) -> dict[str, Any]:
    """A stored summary read on `today`: the fields of the dashboard it holds.

    {"urgency", "rules", "baseline", "weekly_mean", "planned_14d", "trend"}:
    `weekly_mean` of the 7 days ending today (None when the summary is dated after
    today: a score dated ahead); `planned_14d` the training days of the 14 days ending
    today, from the start and before a stop that still stands; with `trend`, the day's
    mean pain for each day with a score of the 28 ending today (else None).
    """
    day = date.fromisoformat
    ahead = (today - day(stored["day"])).days
    means = stored["means_ahead"]
    # Past the list: nothing left in the window; before it: a summary dated after today.
    mean = means[ahead] if 0 <= ahead < len(means) else None
    stopped = stored["stopped_since"]
    shown_trend = None
    if trend:
        first = today - timedelta(days=TREND_DAYS - 1)
        base = day(stored["day"])
        points = ((base - timedelta(days=back), pain) for back, pain in stored["daily"])
        shown_trend = [(d, pain) for d, pain in points if first <= d <= today]
    return {
        "urgency": stored["urgency"],
        "rules": list(stored["rules"]),
        "baseline": stored["baseline"],
        "weekly_mean": mean,
        "planned_14d": planned_days(
            int(stored["days_per_week"]),
            day(stored["start"]),
            day(stopped) if stopped else None,
            today,
        ),
        "trend": shown_trend,
    }


def programme_week(start: date, today: date) -> int | None:
    """Week 1 is the start date and the 6 days after it; None before the start."""
    if today < start:
        return None
    return (today - start).days // rules.WEEK_DAYS + 1


@lru_cache(maxsize=4096)
def planned_days(days_per_week: int, start: date, stopped_since: date | None, today: date) -> int:
    """The training days of the 14 days ending `today`, on or after `start`, and before
    `stopped_since` (the day a stop that still stands began: no session is planned then)."""
    first = max(start, today - timedelta(days=ADHERENCE_DAYS - 1))
    last = today if stopped_since is None else min(today, stopped_since - timedelta(days=1))
    return training_days_between(days_per_week, first, last)


def daily_pain(scores: Iterable[Score], today: date) -> list[tuple[date, float]]:
    """Each day's mean pain score (to 1 place), for the days with one of the 28 ending
    `today`, oldest first."""
    first = today - timedelta(days=TREND_DAYS - 1)
    by_day: dict[date, list[int]] = {}
    for score in scores:
        if first <= score.date <= today:
            by_day.setdefault(score.date, []).append(score.pain)
    return [
        (d, float(p[0]) if len(p) == 1 else round(sum(p) / len(p), 1))
        for d, p in sorted(by_day.items())
    ]


def row_urgency(standing: Urgency, alert_urgencies: list[Urgency]) -> Urgency:
    """A row's urgency: the highest of what stands today and of the open alerts."""
    return highest([standing, *alert_urgencies])


def order_key(
    urgency: Urgency, open_alerts: int, last_checkin: date | None, name: str, patient_id: int
) -> tuple[int, int, date, str, int]:
    """The dashboard's order: urgency (emergency first), open alerts (most first), last
    check-in (oldest first; never checked in counts as oldest), then name and id."""
    return (
        -URGENCY_ORDER.index(urgency),
        -open_alerts,
        last_checkin or date.min,
        name.casefold(),
        patient_id,
    )
