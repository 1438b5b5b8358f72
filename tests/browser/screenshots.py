"""Save a PNG of every page at phone (360x800) and desktop (1280x900) width.

Run by `make screenshots`: python tests/browser/screenshots.py docs/screenshots
Uses a temporary database seeded with about two weeks of demo data, up to the fixed TODAY of
tests/browser/conftest.py (the same pictures whatever the machine's date).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.browser.conftest import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    PHONE,
    TODAY,
    Server,
    start_server,
)
from tests.browser.tour import tour  # noqa: E402


def shoot(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    saved = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
            with tempfile.TemporaryDirectory() as tmp:
                db_url = f"sqlite:///{Path(tmp) / 'demo.db'}"
                running, thread, base = start_server(db_url, TODAY)
                context = browser.new_context(viewport=viewport, device_scale_factor=1)
                page = context.new_page()
                try:
                    for number, name in enumerate(tour(page, Server(base, db_url, TODAY)), start=1):
                        path = out / f"{number:02d}-{name}-{label}.png"
                        page.screenshot(path=str(path), full_page=True)
                        saved.append(path)
                finally:
                    context.close()
                    running.should_exit = True
                    thread.join(timeout=10)
        browser.close()
    return saved


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    for path in shoot(target):
        print(path)
