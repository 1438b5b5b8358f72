"""The `/clinic` page: the physiotherapist's dashboard (issue 13), staff only.

The same rows and order as `GET /api/v1/patients` (services/dashboard.py), with each
patient's pain trend as a small line. Filters are plain GET parameters, so the page
works without JavaScript: `q` (part of a name, any case) and `open=1` (only patients
with open alerts). Urgency is shown in words as well as colour.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from kneecoach.services import dashboard
from kneecoach.sparkline import sparkline
from kneecoach.web.clinic.auth import OptionalSignedIn
from kneecoach.web.clinic.pages import _now, _origin, _page, _see_other, _staff_only
from kneecoach.web.dates import app_today
from kneecoach.web.deps import DbDep

router = APIRouter(include_in_schema=False)

SEARCH_MAX = 100
URGENCY_WORDS = {
    "emergency": "Emergency",
    "urgent": "Urgent",
    "soon": "Soon",
    "none": "Routine",
}
URGENCY_HINTS = {
    "emergency": "Needs help now",
    "urgent": "See today",
    "soon": "Within 1-2 weeks",
    "none": "Nothing stands out",
}


@router.get("/clinic", response_class=HTMLResponse)
def clinic_page(request: Request, db: DbDep, account: OptionalSignedIn) -> Response:
    refused = _staff_only(request, account)
    if refused is not None or account is None:
        return refused or _see_other("/login")
    search = request.query_params.get("q", "").strip()[:SEARCH_MAX]
    open_only = request.query_params.get("open") == "1"
    today = app_today(request)
    rows = dashboard.dashboard(
        db,
        account.actor,
        today=today,
        now=_now(request),
        origin=_origin(request),
        search=search or None,
        open_only=open_only,
        trend=True,
    )
    return _page(
        request,
        "dashboard.html",
        account,
        title="Dashboard",
        rows=[_shown(row, today) for row in rows],
        search=search,
        open_only=open_only,
        filtered=bool(search or open_only),
        today=today,
        urgency_words=URGENCY_WORDS,
        urgency_hints=URGENCY_HINTS,
    )


def _shown(row: dict[str, Any], today: dt.date) -> dict[str, Any]:
    """A row with its chart drawn."""
    points = [(dt.date.fromisoformat(d), pain) for d, pain in row.get("trend") or []]
    return {**row, "spark": Markup(sparkline(points, today))}  # our own SVG
