"""Server-rendered pages (Jinja2), one router per part of the journey."""

from __future__ import annotations

from fastapi import APIRouter

from kneecoach.web.pages import account, daily, library, onboarding, progress
from kneecoach.web.pages.common import render

router = APIRouter(include_in_schema=False)
for part in (onboarding, daily, progress, library, account):
    router.include_router(part.router)

__all__ = ["render", "router"]
