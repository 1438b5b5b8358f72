"""The training-day arithmetic lives once, in the domain (web, CLI and reports call it)."""

from __future__ import annotations

from datetime import date

from kneecoach.domain.planning import is_training_day, next_training_day, training_days_between

MONDAY = date(2026, 1, 5)


def test_three_days_a_week_are_monday_wednesday_friday():
    assert [is_training_day(3, date(2026, 1, 5 + n)) for n in range(7)] == [
        True, False, True, False, True, False, False,
    ]  # fmt: skip


def test_training_days_between_counts_both_ends_and_nothing_backwards():
    assert training_days_between(3, MONDAY, date(2026, 1, 11)) == 3
    assert training_days_between(3, MONDAY, MONDAY) == 1
    assert training_days_between(7, MONDAY, date(2026, 2, 1)) == 28
    assert training_days_between(3, date(2026, 1, 11), MONDAY) == 0


def test_the_next_training_day_is_after_today_and_wraps_the_week():
    assert next_training_day(3, MONDAY) == date(2026, 1, 7)
    assert next_training_day(3, date(2026, 1, 9)) == date(2026, 1, 12)  # Friday -> Monday
    assert next_training_day(1, MONDAY) == date(2026, 1, 12)  # one day a week: next Monday
    assert next_training_day(7, MONDAY) == date(2026, 1, 6)
