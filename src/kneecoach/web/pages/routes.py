"""Server-rendered pages (Jinja2). Small plain JavaScript only in the session player."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from kneecoach.domain.planning import DISCLAIMER

TEMPLATES = Jinja2Templates(directory=Path(__file__).parents[1] / "templates")
router = APIRouter(include_in_schema=False)


def render(request: Request, name: str, **context: Any) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, name, {"disclaimer": DISCLAIMER, **context})


@router.get("/", response_class=HTMLResponse)
def welcome(request: Request) -> HTMLResponse:
    return render(request, "welcome.html", title="Welcome")
