"""Dates that come in from people and scripts: one format, one window.

Every date a command, a request or a file gives is a calendar day written
YYYY-MM-DD, from 2000-01-01 to 366 days after today. The window keeps every
answer cheap: the engine never walks thousands of days for one request.
"""

from __future__ import annotations

import datetime as dt
import re

from kneecoach.domain.errors import FieldError

EARLIEST = dt.date(2000, 1, 1)
MAX_DAYS_AHEAD = 366
# A programme runs at most five years: a day asked for further from its start is refused,
# so rebuilding a course from its events costs well under a second (design choice).
MAX_COURSE_DAYS = 5 * 365 + 1
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_DAY_PATTERN = ISO_DAY.pattern
WINDOW_WORDS = f"from {EARLIEST.isoformat()} to {MAX_DAYS_AHEAD} days after today"


def latest(today: dt.date) -> dt.date:
    """The last day anything may be dated: 366 days after `today`."""
    return today + dt.timedelta(days=MAX_DAYS_AHEAD)


def check_day(day: dt.date, today: dt.date, field: str = "date") -> dt.date:
    """`day` itself if it is inside the window, else a FieldError naming `field`."""
    if isinstance(day, dt.datetime):
        day = day.date()
    if day < EARLIEST:
        raise FieldError(field, f"{day.isoformat()} is before {EARLIEST.isoformat()}")
    last = latest(today)
    if day > last:
        raise FieldError(
            field,
            f"{day.isoformat()} is more than {MAX_DAYS_AHEAD} days after today "
            f"({today.isoformat()}); the latest allowed is {last.isoformat()}",
        )
    return day


def parse_iso_day(value: object, field: str = "date") -> dt.date:
    """A date written YYYY-MM-DD (no other format: no times, week dates or numbers)."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not ISO_DAY.match(value):
        raise FieldError(field, f"expected a date as YYYY-MM-DD, got {value!r}")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise FieldError(field, f"{value!r} is not a real calendar day") from None


def parse_day(value: object, today: dt.date, field: str = "date") -> dt.date:
    """A date written YYYY-MM-DD, inside the window around `today`."""
    return check_day(parse_iso_day(value, field), today, field)


def check_course_day(day: dt.date, start: dt.date, field: str = "date") -> dt.date:
    """`day` itself if it is within MAX_COURSE_DAYS of the programme's start."""
    if (day - start).days > MAX_COURSE_DAYS:
        raise FieldError(
            field,
            f"{day.isoformat()} is more than five years after the programme started "
            f"({start.isoformat()}); start a new programme",
        )
    return day
