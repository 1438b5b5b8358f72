"""The web app: JSON API under /api/v1 and the pages, both thin adapters over services."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from kneecoach import __version__
from kneecoach.content.loader import load_catalogue
from kneecoach.settings import apply_rules, get_settings
from kneecoach.web.api.routes import router as api_router
from kneecoach.web.deps import configured_url, open_database
from kneecoach.web.errors import install_error_handlers
from kneecoach.web.limits import BodySizeLimit
from kneecoach.web.nul import NulGuard
from kneecoach.web.pages.routes import router as pages_router
from kneecoach.web.security import (
    PersonalModeGuard,
    allowed_hosts,
    clinic_openapi,
    origins_for,
)

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
    # Clinic mode (issue 12): accounts, roles, patients, the audit trail (docs/web.md).
    clinic: bool = False
    # Clinic mode: the host names clients use beyond loopback (behind a TLS proxy, the
    # proxy's public name). Their Host and https:// Origin are accepted.
    public_hosts: tuple[str, ...] = field(default=())
    # Served beyond loopback: `__Host-` Secure session cookies and HSTS. `serve` sets it
    # when it binds beyond loopback or is given a public host name.
    secure: bool = False
    # Clinic mode's clock (sessions, sign-in throttling, the audit trail); tests fix it.
    # None is the machine's clock, in UTC.
    clock: Callable[[], dt.datetime] | None = None


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
    if settings.clinic:
        from kneecoach.web.clinic import alerts as clinic_alerts
        from kneecoach.web.clinic import dashboard as clinic_dashboard
        from kneecoach.web.clinic import pages as clinic_pages
        from kneecoach.web.clinic import patient_page as clinic_patient_page
        from kneecoach.web.clinic import prescribing as clinic_prescribing
        from kneecoach.web.clinic import routes as clinic_routes

        clinic_routes.install_error_handlers(app)
        app.include_router(clinic_routes.router)
        app.include_router(clinic_alerts.router)
        clinic_alerts.install(app)  # alert mail, sent after each commit that queues it
        app.include_router(clinic_prescribing.router)
        app.include_router(clinic_dashboard.router)
        app.include_router(clinic_patient_page.router)
        app.include_router(clinic_pages.router)
        app.state.page_refusal = clinic_pages.refusal_page  # the gate's 403 and 404 pages
    app.include_router(api_router)
    app.include_router(pages_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/healthz", include_in_schema=True, tags=["health"])
    def healthz() -> dict[str, str]:
        """Liveness: no database work (the framework's floor in benchmarks)."""
        return {"status": "ok"}

    app.add_middleware(NulGuard)  # inside the Host, Origin and policy checks
    if not settings.clinic:
        hosts = allowed_hosts(settings.port, settings.extra_hosts)
        app.add_middleware(PersonalModeGuard, hosts=hosts, origins=origins_for(hosts))
    else:
        _clinic_mode(app, settings)
    app.add_middleware(BodySizeLimit)  # outermost: nothing reads a body past the limit
    return app


def _clinic_mode(app: FastAPI, settings: WebSettings) -> None:
    """Clinic mode's guard: the same Host and Origin checks (public names too), the policy
    gate before any route, no caching of answers, HSTS beyond loopback."""
    from kneecoach.web.clinic.auth import ClinicGate, cookie_name

    hosts = allowed_hosts(settings.port, (*settings.extra_hosts, *settings.public_hosts))
    origins = origins_for(hosts) | frozenset(f"https://{host}" for host in hosts)
    app.add_middleware(
        PersonalModeGuard,
        hosts=hosts,
        origins=origins,
        gate=ClinicGate(),
        no_store=True,
        hsts=settings.secure,
    )

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = clinic_openapi(
                FastAPI.openapi(app), cookie_name(settings), _public_operations()
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _public_operations() -> frozenset[tuple[str, str]]:
    from kneecoach.web.clinic.policy import POLICY

    return frozenset(key for key, rule in POLICY.items() if rule.public)


def app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory` workers: settings come from the environment."""
    settings = get_settings()
    public = tuple(settings.public_hosts)
    app = create_app(
        WebSettings(
            db_url=configured_url(),
            port=settings.port,
            clinic=settings.clinic_mode,
            public_hosts=public,
            secure=settings.clinic_mode and bool(public),
        )
    )
    load_catalogue()
    open_database(app.state.settings.db_url)
    if settings.clinic_mode:
        from kneecoach.services.auth import warm_up

        warm_up()  # the dummy hash: the first unknown email takes as long as the rest
    # Everything loaded so far lives as long as the worker: keep the collector off it,
    # or its full passes show up as pauses in request latency.
    gc.collect()
    gc.freeze()
    return app
