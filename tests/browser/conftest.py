"""Browser tests: the real app under uvicorn on a free loopback port, driven by Debian's chromium.

Each test gets a fresh SQLite database and its own server; the browser is shared. The app runs
with test hooks on, so the player's clock can be sped up (`?time_scale=`) instead of sleeping.
Its "today" is fixed (`TODAY`, a Monday), never the machine's date: which exercises a session
holds depends on the day of the week (docs/testing.md).
"""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from kneecoach.web.app import WebSettings, create_app
from tests.factories import profile

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 800}
DESKTOP = {"width": 1280, "height": 900}
# Player time runs this many times faster in tests: a 30 s hold takes 0.15 s.
TIME_SCALE = 200
# The servers' today: a Monday, so a 7-day programme's session is a strength day (it holds
# Double knee to chest, whose easier variant is Single knee to chest).
TODAY = dt.date(2026, 1, 5)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    base: str
    db_url: str
    today: dt.date = TODAY

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.request(method, self.base + path, timeout=10, **kwargs)


def start_server(
    db_url: str, today: dt.date = TODAY
) -> tuple[uvicorn.Server, threading.Thread, str]:
    """The app under uvicorn in a daemon thread, its today fixed to `today`."""
    port = free_port()
    app = create_app(WebSettings(db_url=db_url, port=port, test_hooks=True, today=today))
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start within 10 s")
        time.sleep(0.02)
    return server, thread, f"http://127.0.0.1:{port}"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    db_url = f"sqlite:///{tmp_path / 'browser.db'}"
    running, thread, base = start_server(db_url, TODAY)
    try:
        yield Server(base, db_url, TODAY)
    finally:
        running.should_exit = True
        thread.join(timeout=10)
        from kneecoach.store.db import dispose_all

        dispose_all()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("no /usr/bin/chromium: run `make setup` (installs Debian's chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(viewport=PHONE)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    assert not errors, f"JavaScript errors: {errors}"


def start_programme(server: Server, **changes: Any) -> dict[str, Any]:
    """A programme through the API, starting on the server's today; 7 days a week so that
    today is always a session day."""
    body = profile(days_per_week=7, **changes)
    response = server.api("POST", "/api/v1/programme", json=body)
    assert response.status_code == 201, response.text
    plan = server.api("GET", "/api/v1/today").json()
    assert (plan["date"], plan["status"]) == (server.today.isoformat(), "session"), (
        f"the server's today should be {server.today} with a session, got {plan}"
    )
    return dict(response.json())
