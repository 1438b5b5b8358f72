"""The one place the programme reads the calendar. Everything below takes `today` as a value."""

from __future__ import annotations

import datetime as dt


def today() -> dt.date:
    """Today's date on this machine."""
    return dt.date.today()
