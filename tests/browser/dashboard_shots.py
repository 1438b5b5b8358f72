"""The physio's dashboard (/clinic) in a real browser: axe, and screenshots at phone
(390 px) and desktop (1280 px) width.

Run: .venv/bin/python tests/browser/dashboard_shots.py [docs/screenshots]
The demo clinic (tests/browser/demo_clinic.py), its history up to the fixed TODAY, and
two open alerts written in SQL (the alert rules are tested elsewhere). Saves
clinic-dashboard-{phone,desktop}.png and prints axe's serious or critical violations
(none: exit 0).
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from kneecoach.store.db import Database, connect  # noqa: E402
from tests.browser.clinic_tour import (  # noqa: E402
    cheap_argon2,
    seeded_clinic,
    sign_in,
    start_clinic_server,
)
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, TODAY  # noqa: E402
from tests.browser.demo_clinic import PASSWORD, PHYSIOS  # noqa: E402
from tests.clinic.dashboard_people import add_alert  # noqa: E402

WIDTHS = (("phone", {"width": 390, "height": 844}), ("desktop", {"width": 1280, "height": 900}))


def shoot(out: Path) -> int:
    cheap_argon2()
    out.mkdir(parents=True, exist_ok=True)
    problems = 0
    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'clinic.db'}"
        demo = seeded_clinic(db_url, TODAY)
        uow = Database(connect(db_url))
        now = dt.datetime.combine(TODAY, dt.time(8), dt.UTC)
        add_alert(uow, demo.clinic_id, demo.patient_ids[1], "urgent", now)  # John Okafor
        add_alert(uow, demo.clinic_id, demo.patient_ids[0], "soon", now)  # Maria Lopez
        running = start_clinic_server(db_url, TODAY)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
                )
                for label, viewport in WIDTHS:
                    context = browser.new_context(viewport=viewport, device_scale_factor=1)
                    page = context.new_page()
                    if label == "phone":
                        sign_in(
                            page, running.base, PHYSIOS[0].email, PASSWORD, PHYSIOS[0].totp_secret
                        )
                        state = context.storage_state()
                    else:
                        context.close()
                        context = browser.new_context(
                            viewport=viewport, device_scale_factor=1, storage_state=state
                        )
                        page = context.new_page()
                    page.goto(running.base + "/clinic")
                    page.screenshot(path=str(out / f"clinic-dashboard-{label}.png"), full_page=True)
                    found = [
                        v
                        for v in Axe().run(page).response["violations"]
                        if v["impact"] in ("serious", "critical")
                    ]
                    for v in found:
                        print(label, v["id"], v["help"], [n["target"] for n in v["nodes"]])
                    problems += len(found)
                    wide = page.evaluate("document.documentElement.scrollWidth")
                    if wide > viewport["width"]:
                        print(label, f"the page is {wide} px wide, wider than the screen")
                        problems += 1
                    context.close()
                browser.close()
        finally:
            running.stop()
    return problems


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    sys.exit(1 if shoot(target) else 0)
