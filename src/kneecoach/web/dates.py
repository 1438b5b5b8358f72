"""Dates in requests: YYYY-MM-DD only, inside the window of `kneecoach.domain.dates`.

The app's "today" comes from its settings (fixed in tests), else the machine's clock.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from pydantic import BeforeValidator, WithJsonSchema

from kneecoach import clock
from kneecoach.domain.dates import ISO_DAY, ISO_DAY_PATTERN, WINDOW_WORDS, check_day, parse_day

DATE_RULE = f"A date written YYYY-MM-DD, {WINDOW_WORDS}."


def _only_iso(value: Any) -> Any:
    if isinstance(value, str) and ISO_DAY.match(value):
        return value
    raise ValueError("expected a date as YYYY-MM-DD")


# A body field that takes only "YYYY-MM-DD" (pydantic alone would also take numbers).
IsoDate = Annotated[
    dt.date,
    BeforeValidator(_only_iso),
    WithJsonSchema({"type": "string", "format": "date", "pattern": ISO_DAY_PATTERN}),
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
        Query(pattern=ISO_DAY_PATTERN, description=f"{DATE_RULE} Default: today."),
    ] = None,
) -> dt.date:
    today = app_today(request)
    return today if date is None else parse_day(date, today, "date")


# Async: it does no I/O, so it runs on the event loop (no thread hop on the hot `today` path).
DayQuery = Annotated[dt.date, Depends(query_day)]
