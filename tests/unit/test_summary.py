"""The dashboard's summary read back on a later day (domain/summary.py), and its order."""

from __future__ import annotations

import datetime as dt

from kneecoach.domain.summary import as_of, order_key, planned_days, programme_week

MONDAY = dt.date(2026, 1, 5)


def stored(**changes: object) -> dict[str, object]:
    raw: dict[str, object] = {
        "version": 3,
        "day": MONDAY.isoformat(),
        "start": (MONDAY - dt.timedelta(days=27)).isoformat(),
        "urgency": "soon",
        "rules": ["ES-1"],
        "stopped_since": None,
        "baseline": 6,
        "last_checkin": MONDAY.isoformat(),
        "days_per_week": 3,
        "means_ahead": [4.0, 4.25, 4.5, 5.0, None, None, None],
        "daily": [[27, 6.0], [3, 4.0], [0, 5.0]],
    }
    raw.update(changes)
    return raw


def test_the_weekly_mean_is_the_one_kept_for_the_day_asked() -> None:
    assert as_of(stored(), MONDAY)["weekly_mean"] == 4.0
    assert as_of(stored(), MONDAY + dt.timedelta(days=3))["weekly_mean"] == 5.0
    assert as_of(stored(), MONDAY + dt.timedelta(days=4))["weekly_mean"] is None
    assert as_of(stored(), MONDAY + dt.timedelta(days=30))["weekly_mean"] is None
    # A summary dated after today (a score dated ahead): not known, never a guess.
    assert as_of(stored(), MONDAY - dt.timedelta(days=1))["weekly_mean"] is None


def test_the_trend_keeps_the_28_days_ending_today() -> None:
    assert as_of(stored(), MONDAY)["trend"] is None  # only when asked for
    points = as_of(stored(), MONDAY + dt.timedelta(days=1), trend=True)["trend"]
    # 27 days before the summary's day is 28 before today: out of the chart.
    assert points == [(MONDAY - dt.timedelta(days=3), 4.0), (MONDAY, 5.0)]


def test_planned_days_count_training_days_from_the_start_and_before_a_stop() -> None:
    # 3 days a week: Monday, Wednesday, Friday. The 14 days ending Monday 5 Jan hold 6.
    assert planned_days(3, MONDAY - dt.timedelta(days=100), None, MONDAY) == 6
    # Started last Wednesday: Wed, Fri, Mon.
    assert planned_days(3, MONDAY - dt.timedelta(days=5), None, MONDAY) == 3
    # Stopped since Saturday: Monday is not planned.
    assert (
        planned_days(3, MONDAY - dt.timedelta(days=100), MONDAY - dt.timedelta(days=2), MONDAY) == 5
    )
    stopped = as_of(stored(stopped_since=(MONDAY - dt.timedelta(days=2)).isoformat()), MONDAY)
    assert stopped["planned_14d"] == 5


def test_programme_weeks_and_the_order() -> None:
    assert programme_week(MONDAY, MONDAY) == 1
    assert programme_week(MONDAY, MONDAY + dt.timedelta(days=7)) == 2
    assert programme_week(MONDAY, MONDAY - dt.timedelta(days=1)) is None
    rows = [
        ("none", 0, None, "b", 5),
        ("soon", 1, MONDAY, "a", 4),
        ("soon", 2, MONDAY, "z", 3),
        ("none", 0, MONDAY, "a", 2),
        ("none", 0, None, "B", 1),
        ("emergency", 0, MONDAY, "y", 6),
    ]
    ordered = sorted(rows, key=lambda r: order_key(*r))  # type: ignore[arg-type]
    assert [r[4] for r in ordered] == [6, 3, 4, 1, 5, 2]
