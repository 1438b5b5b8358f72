"""What the physiotherapist's dashboard shows of one course: written with the state,
read back as of today.

Pure Python. `summary` is computed from a stored `CourseState` when the state is stored
(`services.course.derived`), so the dashboard never folds anyone's course; `as_of` reads
it back for a later day (the summary may be a few days old: the nightly review writes
a new one each night, a check-in at once). Fields and their definitions:
docs/dashboard.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from kneecoach.domain import rules
from kneecoach.domain.planning import training_days_between
from kneecoach.domain.screening import URGENCY_ORDER, Urgency, highest
from kneecoach.domain.state import CourseState
from kneecoach.domain.trends import Score, shown, weekly_mean

SUMMARY_VERSION = 1
TREND_DAYS = 28  # the pain chart's days (the state keeps as many)
ADHERENCE_DAYS = 14
DATA_DAYS = 30  # US remote monitoring counts days with data in 30


def summary(state: CourseState, days_per_week: int) -> dict[str, Any]:
    """The dashboard's row of this course as of `state.day`, as plain JSON.

    `urgency` is what stands on that day (the day's escalations and a stop, as
    `Course.urgency` has it), `rules` the rule ids behind it, `scores` the pain scores
    of the last 28 days ([date, pain], oldest first).
    """
    standing = [(e.rule, e.urgency) for e in state.current]
    if state.stop is not None:
        standing.append((state.stop.rule, state.stop.urgency))
    first = state.day - timedelta(days=TREND_DAYS - 1)
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
        "scores": [[s.date.isoformat(), s.pain] for s in state.scores if s.date >= first],
    }


def as_of(stored: Mapping[str, Any], today: date) -> dict[str, Any]:
    """A stored summary read on `today`: the fields of the dashboard it holds.

    {"urgency", "rules", "baseline", "last_checkin", "weekly_mean", "programme_week",
    "planned_14d", "trend"}: `weekly_mean` is the rule's own (`trends.weekly_mean`, the 7
    days ending today, None with fewer than 3 scores); `planned_14d` the training days of
    the 14 days ending today, from the start and before a stop that still stands;
    `trend` the day's mean pain for each day with a score of the 28 ending today.
    """
    day = date.fromisoformat
    start = day(stored["start"])
    scores = [Score(day(when), int(pain), False) for when, pain in stored["scores"]]
    mean = weekly_mean(scores, today)
    return {
        "urgency": stored["urgency"],
        "rules": list(stored["rules"]),
        "baseline": stored["baseline"],
        "last_checkin": day(stored["last_checkin"]) if stored["last_checkin"] else None,
        "weekly_mean": None if mean is None else shown(mean),
        "programme_week": programme_week(start, today),
        "planned_14d": planned_days(
            int(stored["days_per_week"]),
            start,
            day(stored["stopped_since"]) if stored["stopped_since"] else None,
            today,
        ),
        "trend": daily_pain(scores, today),
    }


def programme_week(start: date, today: date) -> int | None:
    """Week 1 is the start date and the 6 days after it; None before the start."""
    if today < start:
        return None
    return (today - start).days // rules.WEEK_DAYS + 1


def planned_days(days_per_week: int, start: date, stopped_since: date | None, today: date) -> int:
    """The training days of the 14 days ending `today`, on or after `start`, and before
    `stopped_since` (the day a stop that still stands began: no session is planned then)."""
    first = max(start, today - timedelta(days=ADHERENCE_DAYS - 1))
    last = today if stopped_since is None else min(today, stopped_since - timedelta(days=1))
    return training_days_between(days_per_week, first, last)


def daily_pain(scores: list[Score], today: date) -> list[tuple[date, float]]:
    """Each day's mean pain score, for the days with one of the 28 ending `today`."""
    first = today - timedelta(days=TREND_DAYS - 1)
    by_day: dict[date, list[int]] = {}
    for score in scores:
        if first <= score.date <= today:
            by_day.setdefault(score.date, []).append(score.pain)
    return [(d, round(sum(p) / len(p), 1)) for d, p in sorted(by_day.items())]


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
