"""Dates in requests: YYYY-MM-DD only, inside the window of `kneecoach.domain.dates`.

The app's "today" comes from its settings (fixed in tests), else the machine's clock.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from pydantic import BeforeValidator, WithJsonSchema

from kneecoach import clock
from kneecoach.domain.dates import WINDOW_WORDS, check_day, parse_day

DATE_RULE = f"A date written YYYY-MM-DD, {WINDOW_WORDS} (checked by the server)."
# The schema's pattern: ASCII digits, as a JSON Schema (ECMA) regex reads it. The server
# agrees: `domain.dates.parse_iso_day` takes no other digits, and no trailing newline.
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
COURSE_RULE = "At most five years after the programme started (checked by the server)."
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _only_iso(value: Any) -> Any:
    """The day of a "YYYY-MM-DD" string; pydantic alone would also take numbers."""
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a real calendar day") from None
    raise ValueError("expected a date as YYYY-MM-DD")


# A body field that takes only "YYYY-MM-DD" (a day, even in strict models).
IsoDate = Annotated[
    dt.date,
    BeforeValidator(_only_iso),
    WithJsonSchema({"type": "string", "format": "date", "pattern": DATE_PATTERN}),
]


def app_today(request: Request) -> dt.date:
    """Today for this app: the settings' fixed day (tests), else the machine's date."""
    fixed: dt.date | None = getattr(request.app.state.settings, "today", None)
    return fixed or clock.today()


def body_day(request: Request, value: dt.date | None, field: str = "date") -> dt.date:
    """A date from a request body, checked against the window; None means today."""
    today = app_today(request)
    return today if value is None else check_day(value, today, field)


async def query_day(
    request: Request,
    date: Annotated[
        str | None,
        Query(pattern=DATE_PATTERN, description=f"{DATE_RULE} {COURSE_RULE} Default: today."),
    ] = None,
) -> dt.date:
    today = app_today(request)
    return today if date is None else parse_day(date, today, "date")


# Async: it does no I/O, so it runs on the event loop (no thread hop on the hot `today` path).
DayQuery = Annotated[dt.date, Depends(query_day)]
