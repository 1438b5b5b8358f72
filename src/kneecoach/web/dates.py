"""Dates in requests: YYYY-MM-DD only, inside the window of `kneecoach.domain.dates`.

Every date is read by the domain's one parser (`domain.dates.parse_day`): the query's
`?date=` here, a body's dates through `IsoDate` of `services/models.py`. The app's
"today" comes from its settings (fixed in tests), else the machine's clock.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Depends, Query, Request

from kneecoach import clock
from kneecoach.domain.dates import check_day, parse_day
from kneecoach.services.models import DATE_PATTERN, DATE_RULE

COURSE_RULE = "At most five years after the programme started (checked by the server)."


def app_today(request: Request) -> dt.date:
    """Today for this app: the settings' fixed day (tests), else the machine's date."""
    fixed: dt.date | None = getattr(request.app.state.settings, "today", None)
    return fixed or clock.today()


def body_day(request: Request, value: dt.date | None, field: str = "date") -> dt.date:
    """A date from a request body (already YYYY-MM-DD), checked against the window; None
    means today."""
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
