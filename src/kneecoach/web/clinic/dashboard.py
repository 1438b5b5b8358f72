"""The `/clinic` page: the physiotherapist's dashboard (issue 13), staff only.

The same rows and order as `GET /api/v1/patients` (services/dashboard.py), with each
patient's pain trend as a small line. Filters are plain GET parameters, so the page
works without JavaScript: `q` (part of a name, any case) and `open=1` (only patients
with open alerts), and `page` (50 patients a page, in the same order). Urgency is
shown in words as well as colour.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
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
from kneecoach.web.pages.common import TEMPLATES

router = APIRouter(include_in_schema=False)
ROWS = TEMPLATES.env.get_template("clinic/dashboard_rows.html")

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


@dataclass(frozen=True)
class PageView:
    """What one page of one list shows: its table's rows drawn, and the counts."""

    table_rows: Markup
    total: int
    alerting: int
    first: int
    last: int
    page_number: int
    pages: int


@router.get("/clinic", response_class=HTMLResponse)
def clinic_page(request: Request, db: DbDep, account: OptionalSignedIn) -> Response:
    refused = _staff_only(request, account)
    if refused is not None or account is None:
        return refused or _see_other("/login")
    search = request.query_params.get("q", "").strip()[:SEARCH_MAX]
    open_only = request.query_params.get("open") == "1"
    asked = _whole(request.query_params.get("page")) or 1
    today = app_today(request)

    def draw(rows: list[dict[str, Any]]) -> PageView:
        found = dashboard.filtered(rows, search=search or None, open_only=open_only)
        pages = max(1, -(-len(found) // PAGE_ROWS))
        number = min(asked, pages)
        shown = found[(number - 1) * PAGE_ROWS : number * PAGE_ROWS]
        drawn = ROWS.render(
            rows=[_shown(row, today) for row in shown],
            urgency_words=URGENCY_WORDS,
            urgency_hints=URGENCY_HINTS,
        )
        first = (number - 1) * PAGE_ROWS + 1
        return PageView(
            table_rows=Markup(drawn),  # escaped by the template
            total=len(found),
            alerting=sum(1 for row in found if row["open_alerts"]),
            first=first,
            last=first + len(shown) - 1,
            page_number=number,
            pages=pages,
        )

    view = dashboard.dashboard_encoded(
        db,
        account.actor,
        draw,
        today=today,
        now=_now(request),
        origin=_origin(request),
        trend=True,
        view=("page", PAGE_ROWS, search, open_only, asked),
    )
    return _page(
        request,
        "dashboard.html",
        account,
        title="Dashboard",
        **vars(view),
        shown=view.last >= view.first,
        page_link=lambda n: _link(search, open_only, n),
        search=search,
        open_only=open_only,
        filtered=bool(search or open_only),
        today=today,
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
