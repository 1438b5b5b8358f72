"""The `/clinic` page: the physiotherapist's dashboard (issue 13), staff only.

The same rows and order as `GET /api/v1/patients` (services/dashboard.py), with each
patient's pain trend as a small line. Filters are plain GET parameters, so the page
works without JavaScript: `q` (part of a name, any case) and `open=1` (only patients
with open alerts), and `page` (50 patients a page, in the same order). Urgency is
shown in words as well as colour.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from kneecoach.services import dashboard
from kneecoach.sparkline import sparkline
from kneecoach.web.clinic.auth import OptionalSignedIn
from kneecoach.web.clinic.pages import _now, _origin, _page, _see_other, _staff_only, _whole
from kneecoach.web.dates import app_today
from kneecoach.web.deps import DbDep

router = APIRouter(include_in_schema=False)

SEARCH_MAX = 100
PAGE_ROWS = 50  # patients a page; the order runs on across pages
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
    pages = max(1, -(-len(rows) // PAGE_ROWS))
    number = min(_whole(request.query_params.get("page")) or 1, pages)
    shown = rows[(number - 1) * PAGE_ROWS : number * PAGE_ROWS]
    return _page(
        request,
        "dashboard.html",
        account,
        title="Dashboard",
        rows=[_shown(row, today) for row in shown],
        total=len(rows),
        alerting=sum(1 for row in rows if row["open_alerts"]),
        first=(number - 1) * PAGE_ROWS + 1,
        page_number=number,
        pages=pages,
        page_link=lambda n: _link(search, open_only, n),
        search=search,
        open_only=open_only,
        filtered=bool(search or open_only),
        today=today,
        urgency_words=URGENCY_WORDS,
        urgency_hints=URGENCY_HINTS,
    )


def _link(search: str, open_only: bool, page: int) -> str:
    """The address of a page of this list (its filters kept)."""
    query = {"q": search} if search else {}
    if open_only:
        query["open"] = "1"
    if page > 1:
        query["page"] = str(page)
    return "/clinic?" + urlencode(query) if query else "/clinic"


def _shown(row: dict[str, Any], today: dt.date) -> dict[str, Any]:
    """A row with its chart drawn."""
    return {**row, "spark": Markup(sparkline(row.get("trend") or [], today))}  # our own SVG
