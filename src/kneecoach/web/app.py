"""The web app: JSON API under /api/v1 and the pages, both thin adapters over services."""

from __future__ import annotations

import datetime as dt
import gc
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from kneecoach import __version__
from kneecoach.content.loader import load_catalogue
from kneecoach.settings import apply_rules, get_settings
from kneecoach.store.db import connect, resolve_url
from kneecoach.web.api.routes import router as api_router
from kneecoach.web.errors import install_error_handlers
from kneecoach.web.limits import BodySizeLimit
from kneecoach.web.pages.routes import router as pages_router
from kneecoach.web.security import PersonalModeGuard, allowed_hosts, origins_for

STATIC = Path(__file__).parent / "static"


@dataclass(frozen=True)
class WebSettings:
    db_url: str
    port: int = 8000
    # Extra Host names to accept (tests use "testserver"); loopback names always pass.
    extra_hosts: tuple[str, ...] = field(default=())
    # Lets browser tests speed up the player's clock; never on in `serve`.
    test_hooks: bool = False
    # The app's "today": tests fix it so they pass on any day; None is the machine's date.
    today: dt.date | None = None


def create_app(settings: WebSettings) -> FastAPI:
    app = FastAPI(
        title="kneecoach",
        version=__version__,
        summary="A home exercise programme for pain on the inner side of the knee.",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    apply_rules()  # the design choices from the environment, before any decision
    install_error_handlers(app)
    app.include_router(api_router)
    app.include_router(pages_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/healthz", include_in_schema=True, tags=["health"])
    def healthz() -> dict[str, str]:
        """Liveness: no database work (the framework's floor in benchmarks)."""
        return {"status": "ok"}

    hosts = allowed_hosts(settings.port, settings.extra_hosts)
    app.add_middleware(PersonalModeGuard, hosts=hosts, origins=origins_for(hosts))
    app.add_middleware(BodySizeLimit)  # outermost: nothing reads a body past the limit
    return app


def app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory` workers: settings come from the environment."""
    settings = get_settings()
    app = create_app(WebSettings(db_url=resolve_url(None), port=settings.port))
    load_catalogue()
    connect(app.state.settings.db_url)
    # Everything loaded so far lives as long as the worker: keep the collector off it,
    # or its full passes show up as pauses in request latency.
    gc.collect()
    gc.freeze()
    return app
