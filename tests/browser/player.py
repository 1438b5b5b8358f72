"""Drives the session player the way a person would, one visible step at a time."""

from __future__ import annotations

import time

from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.browser.conftest import TIME_SCALE


def open_session(page: Page, base: str) -> None:
    page.goto(f"{base}/session?time_scale={TIME_SCALE}")


def visible(page: Page, selector: str) -> bool:
    return page.locator(selector).is_visible()


def pick_pain(page: Page, group: str, score: int) -> None:
    page.locator(f"#{group} button[data-pain='{score}']").click()


def current_exercise(page: Page) -> str:
    return page.locator("#x-name").inner_text()


def tap_unless_gone(page: Page, selector: str) -> None:
    """Click a button that a sped-up timer may hide at any moment (a rest of 30 s lasts 0.15 s):
    if its panel went away between looking and clicking, there is nothing left to click."""
    try:
        page.locator(selector).click(timeout=1_000)
    except PlaywrightTimeoutError:
        if visible(page, selector):
            raise


def step(page: Page, *, pain: int = 1, tap_reps: bool = False) -> None:
    """Do whatever the visible panel asks for once (or wait while a timer runs)."""
    if visible(page, "#w-pain"):
        pick_pain(page, "pain-set", pain)
    elif visible(page, "#w-rest"):
        tap_unless_gone(page, "#rest-skip")
    elif visible(page, "#w-hold"):
        if page.locator("#hold-start").is_enabled():
            page.locator("#hold-start").click()
        else:
            page.wait_for_timeout(30)
    elif visible(page, "#w-reps"):
        if tap_reps and page.locator("#rep-tap").is_enabled():
            page.locator("#rep-tap").click()
        elif page.locator("#rep-pace").is_enabled():
            page.locator("#rep-pace").click()
        else:
            page.wait_for_timeout(30)
    elif visible(page, "#w-minutes"):
        if page.locator("#min-start").is_enabled():
            page.locator("#min-start").click()
        else:
            page.wait_for_timeout(30)
    else:
        page.wait_for_timeout(30)


def finish_exercise(page: Page, *, pain: int = 1, tap_reps: bool = False) -> None:
    """Play the current exercise to its end (all sets, both sides)."""
    name = current_exercise(page)
    deadline = time.monotonic() + 30
    while visible(page, "#s-exercise") and current_exercise(page) == name:
        assert time.monotonic() < deadline, f"stuck in {name}"
        step(page, pain=pain, tap_reps=tap_reps)


def skip_to_end(page: Page) -> None:
    while visible(page, "#s-exercise"):
        page.locator("#x-skip").click()


def begin(page: Page, pain_before: int = 2) -> None:
    page.locator("#s-before").wait_for(state="visible")
    pick_pain(page, "pain-before", pain_before)
    page.locator("#s-exercise").wait_for(state="visible")


def end(page: Page, pain_after: int = 2) -> None:
    page.locator("#s-after").wait_for(state="visible")
    pick_pain(page, "pain-after", pain_after)
    page.locator("#s-done").wait_for(state="visible")
