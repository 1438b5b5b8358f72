"""Every page of the app, reached the way a person reaches it (layout, a11y, screenshots)."""

from __future__ import annotations

from collections.abc import Iterator

from playwright.sync_api import Page

from tests.browser.conftest import TIME_SCALE, Server
from tests.browser.demo import seed


def answer_screening(page: Page, *, red_flag: str | None = None) -> None:
    for question in page.locator(".question").all():
        if question.locator("input[type=radio]").count() == 0:
            continue
        if question.locator("xpath=ancestor::div[contains(@class,'ottawa')]").count():
            continue
        key = question.get_attribute("id") or ""
        answer = "Yes" if red_flag and key == f"field-{red_flag}" else "No"
        question.get_by_text(answer, exact=True).click()
    page.get_by_label("How old are you, in years?").fill("52")
    page.get_by_label("How many weeks have you had this knee pain?").fill("5")


def submit(page: Page, button: str) -> None:
    """Press a form's button and wait for the page it leads to (a plain POST, perhaps then a
    redirect), so that what is checked next is the new page, not one half replaced."""
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def tour(page: Page, server: Server) -> Iterator[str]:
    """Visit every page; yield a short name once each is showing."""
    base = server.base
    page.goto(base + "/")
    yield "welcome"
    page.goto(base + "/screening")
    yield "screening"
    submit(page, "Next")
    yield "screening-errors"
    answer_screening(page, red_flag="knee_locked")
    submit(page, "Next")
    yield "stop"
    page.goto(base + "/screening")
    answer_screening(page)
    submit(page, "Next")
    yield "profile"

    seed(server.db_url, server.today)  # the demo person's last day is the app's today
    page.goto(base + "/programme")
    yield "programme"
    page.goto(base + "/today")
    yield "today"
    page.goto(base + "/checkin")
    yield "checkin"
    page.locator("#field-pain label").filter(has_text="3").first.click()
    page.get_by_text("New swelling").click()
    submit(page, "Save")
    yield "checkin-questions"
    page.goto(base + "/progress")
    yield "progress"
    page.goto(base + "/library")
    yield "library"
    page.goto(base + "/library?category=strength&equipment=step&equipment=mat")
    yield "library-filtered"
    page.goto(base + "/library/bridge")
    yield "exercise"
    page.goto(base + "/avoid")
    yield "avoid"
    page.goto(base + "/settings")
    yield "settings"
    page.locator("#field-days_per_week").get_by_text("7", exact=True).click()
    submit(page, "Save and re-plan")
    yield "settings-saved"
    page.goto(f"{base}/session?time_scale={TIME_SCALE}")
    page.locator("#s-before").wait_for()
    yield "session-start"
    page.locator("#pain-before button[data-pain='2']").click()
    page.locator("#s-exercise").wait_for()
    page.locator("#x-howto summary").click()
    yield "session-exercise"
    page.get_by_role("button", name="This hurts").click()
    page.locator("#pain-hurt button[data-pain='7']").click()
    yield "session-this-hurts"
    page.goto(base + "/delete")
    yield "delete"
