"""Every page on a phone: no sideways scrolling, no serious accessibility problems."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from tests.browser.conftest import Server
from tests.browser.tour import tour

SERIOUS = {"serious", "critical"}


def test_no_page_scrolls_sideways_at_360_px(page: Page, server: Server) -> None:
    wide = {}
    for name in tour(page, server):
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 360:
            wide[name] = width
    assert not wide, f"pages wider than the 360 px screen: {wide}"


def test_axe_finds_no_serious_or_critical_violations(page: Page, server: Server) -> None:
    axe = Axe()
    found = {}
    names = []
    for name in tour(page, server):
        names.append(name)
        results = axe.run(page)
        bad = [
            f"{v['id']}: {v['help']} ({len(v['nodes'])}x, e.g. {v['nodes'][0]['target']})"
            for v in results.response["violations"]
            if v.get("impact") in SERIOUS
        ]
        if bad:
            found[name] = bad
    assert len(names) >= 18
    assert not found, f"accessibility violations: {found}"
