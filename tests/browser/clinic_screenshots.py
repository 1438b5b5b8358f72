"""Save a PNG of every clinic page at phone (360x800) and desktop (1280x900) width.

Run: .venv/bin/python tests/browser/clinic_screenshots.py docs/screenshots
Each width gets a fresh SQLite database with the demo clinic (tests/browser/demo_clinic.py),
its history up to the fixed TODAY of tests/browser/conftest.py. The files are
docs/screenshots/clinic-NN-page-{phone,desktop}.png.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.browser.clinic_tour import (  # noqa: E402
    cheap_argon2,
    clinic_tour,
    seeded_clinic,
    start_clinic_server,
)
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE, TODAY  # noqa: E402


def shoot(out: Path) -> list[Path]:
    cheap_argon2()
    out.mkdir(parents=True, exist_ok=True)
    saved = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
            with tempfile.TemporaryDirectory() as tmp:
                db_url = f"sqlite:///{Path(tmp) / 'clinic.db'}"
                demo = seeded_clinic(db_url, TODAY)
                running = start_clinic_server(db_url, TODAY)
                context = browser.new_context(viewport=viewport, device_scale_factor=1)
                page = context.new_page()
                try:
                    for number, name in enumerate(clinic_tour(page, running, demo), start=1):
                        path = out / f"clinic-{number:02d}-{name}-{label}.png"
                        page.screenshot(path=str(path), full_page=True)
                        saved.append(path)
                finally:
                    context.close()
                    running.stop()
        browser.close()
    return saved


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    for path in shoot(target):
        print(path)
