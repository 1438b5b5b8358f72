"""A person's journey in the browser: onboarding, sessions, pain, offline, reloads."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser import player
from tests.browser.conftest import Server, start_programme

OUTBOX = "JSON.parse(localStorage.getItem('kneecoach.outbox.v1') || '[]').length"
IN_PROGRESS = "JSON.parse(localStorage.getItem('kneecoach.session.v1') || 'null')"


def sessions(server: Server) -> list[dict]:
    return list(server.api("GET", "/api/v1/history").json()["sessions"])


def answer_screening(page: Page) -> None:
    for question in page.locator("fieldset.question").all():
        if (
            question.locator("input[type=radio]").count()
            and not question.locator("xpath=ancestor::div[contains(@class,'ottawa')]").count()
        ):
            question.get_by_text("No", exact=True).click()
    page.get_by_label("How old are you, in years?").fill("52")
    page.get_by_label("How many weeks have you had this knee pain?").fill("5")


def test_onboarding_to_first_session_checkin_and_progress(page: Page, server: Server) -> None:
    page.goto(server.base + "/")
    expect(page.locator("main")).to_contain_text("not a diagnosis")
    page.get_by_role("link", name="I understand, let's begin").click()
    page.get_by_role("button", name="Next").click()  # nothing answered: errors, not a crash
    expect(page.locator(".error-summary")).to_be_visible()
    answer_screening(page)
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", name="About you and your kit")).to_be_visible()
    page.locator("#field-pain_now label").filter(has_text="4").first.click()
    page.get_by_text("Left", exact=True).click()
    page.locator("#field-days_per_week").get_by_text("7", exact=True).click()
    page.get_by_label("Minutes you have for each session").fill("20")
    for kit in ("Stretch strap", "A step", "Mat"):
        page.get_by_text(kit, exact=True).click()
    page.get_by_label("Activity 1").fill("Climbing stairs")
    page.locator("#psfs-score-0").fill("4")
    page.get_by_role("button", name="Make my programme").click()

    expect(page.get_by_role("heading", name="Your programme")).to_be_visible()
    expect(page.locator(".reasons .rule").first).to_be_visible()  # reasons carry rule ids
    page.get_by_role("link", name="See today").click()
    page.get_by_role("link", name="Start the session").click()
    expect(page.locator("#s-before")).to_be_visible()
    player.open_session(page, server.base)  # the same page with the test clock sped up
    player.begin(page, pain_before=3)
    player.finish_exercise(page)
    player.skip_to_end(page)
    player.end(page, pain_after=3)
    expect(page.locator("#done-message")).to_have_text("Saved. Well done.")
    assert len(sessions(server)) == 1

    page.goto(server.base + "/checkin")
    page.locator("#field-pain label").filter(has_text="2").first.click()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Check-in saved")).to_be_visible()
    page.get_by_role("link", name="Progress").click()
    expect(page.locator("svg.chart circle.score")).to_have_count(1)
    expect(page.locator("svg.calendar .done")).to_have_count(1)


def test_a_full_session_with_holds_and_reps(page: Page, server: Server) -> None:
    start_programme(server)
    plan = server.api("GET", "/api/v1/today").json()
    player.open_session(page, server.base)
    player.begin(page)
    first = True
    while player.visible(page, "#s-exercise"):
        player.finish_exercise(page, pain=1, tap_reps=first)
        first = False
    player.end(page)
    expect(page.locator("#done-message")).to_have_text("Saved. Well done.")
    stored = sessions(server)
    assert len(stored) == 1
    entries = stored[0]["entries"]
    assert [e["exercise_id"] for e in entries] == [i["exercise_id"] for i in plan["items"]]
    for entry, item in zip(entries, plan["items"], strict=True):
        dose = item["dose"]
        assert len(entry["sets"]) == dose["sets"]
        for one in entry["sets"]:
            assert one["pain"] == 1
            if dose["reps"]:
                assert one["reps"] == dose["reps"]
            elif dose["hold_seconds"]:
                assert one["hold_seconds"] == dose["hold_seconds"]
    assert page.evaluate(IN_PROGRESS) is None
    assert page.evaluate(OUTBOX) == 0


def test_this_hurts_stops_the_exercise_and_regresses_it(page: Page, server: Server) -> None:
    start_programme(server)
    plan = server.api("GET", "/api/v1/today").json()
    assert "double-knee-to-chest" in [i["exercise_id"] for i in plan["items"]], (
        f"{server.today} ({plan['weekday']}) should be a strength day: {plan['items']}"
    )
    player.open_session(page, server.base)
    player.begin(page)
    while player.current_exercise(page) != "Double knee to chest":
        assert player.visible(page, "#s-exercise"), "the session ended before Double knee to chest"
        page.locator("#x-skip").click()
    page.locator("#rep-tap").wait_for()
    page.locator("#rep-tap").click()
    page.get_by_role("button", name="This hurts").click()
    player.pick_pain(page, "pain-hurt", 7)
    message = page.locator("#hurt-message")
    expect(message).to_contain_text("Stop Double knee to chest now")
    expect(message).to_contain_text("Single knee to chest")
    page.get_by_role("button", name="Next exercise").click()
    player.skip_to_end(page)
    player.end(page)
    expect(page.locator("#done-message")).to_have_text("Saved. Well done.")

    # The next session with that exercise's slot (strength days are not every day).
    for ahead in range(1, 8):
        day = (server.today + dt.timedelta(days=ahead)).isoformat()
        items = server.api("GET", f"/api/v1/today?date={day}").json()["items"]
        if any(i["slot"] == "double-knee-to-chest" for i in items):
            break
    else:
        raise AssertionError(f"no session in the week after {server.today} has that slot")
    ids = [item["exercise_id"] for item in items]
    assert "single-knee-to-chest" in ids and "double-knee-to-chest" not in ids
    easier = next(i for i in items if i["exercise_id"] == "single-knee-to-chest")
    assert easier["decision"]["rule"] == "PM-1"
    assert easier["decision"]["action"] == "regress"


def test_moderate_pain_carries_on_without_progressing(page: Page, server: Server) -> None:
    start_programme(server)
    player.open_session(page, server.base)
    player.begin(page)
    page.get_by_role("button", name="This hurts").click()
    player.pick_pain(page, "pain-hurt", 4)
    expect(page.locator("#hurt-message")).to_contain_text("will not get harder")
    page.get_by_role("button", name="Carry on").click()
    player.finish_exercise(page, pain=0)
    player.skip_to_end(page)
    player.end(page)
    expect(page.locator("#done-message")).to_have_text("Saved. Well done.")
    entry = sessions(server)[0]["entries"][0]
    assert entry["hurt"] is True
    assert entry["sets"][0]["pain"] == 4  # the reported score, not the lower one picked later


def test_offline_mid_session_is_stored_exactly_once(
    page: Page, context: BrowserContext, server: Server
) -> None:
    start_programme(server)
    player.open_session(page, server.base)
    player.begin(page)
    player.finish_exercise(page)
    context.set_offline(True)
    player.skip_to_end(page)
    player.end(page)
    expect(page.locator("#done-message")).to_contain_text("cannot reach kneecoach")
    expect(page.locator("#outbox-status")).to_be_visible()
    assert page.evaluate(OUTBOX) == 1
    assert sessions(server) == []

    context.set_offline(False)
    expect(page.locator("#done-message")).to_have_text("Saved. Well done.", timeout=10_000)
    assert page.evaluate(OUTBOX) == 0
    # A second send of the same session (a retry after a lost answer) changes nothing.
    page.goto(server.base + "/today")
    page.evaluate("window.kneecoachOutbox.flush()")
    assert len(sessions(server)) == 1


def test_a_retry_after_a_lost_answer_is_not_a_duplicate(page: Page, server: Server) -> None:
    start_programme(server)
    player.open_session(page, server.base)
    player.begin(page)
    player.finish_exercise(page)
    player.skip_to_end(page)
    player.end(page)
    expect(page.locator("#done-message")).to_have_text("Saved. Well done.")
    log = sessions(server)[0]
    # The same client_id sent again, as if the first answer had never arrived.
    stored_again = server.api(
        "POST",
        "/api/v1/sessions",
        json={
            "client_id": log["client_id"],
            "date": log["date"],
            "pain_before": 2,
            "pain_after": 2,
            "entries": [{"exercise_id": "bridge", "hurt": False, "sets": [{"reps": 1, "pain": 0}]}],
        },
    )
    assert stored_again.status_code == 200
    assert len(sessions(server)) == 1


def test_a_reload_mid_session_resumes_it(page: Page, server: Server) -> None:
    start_programme(server)
    player.open_session(page, server.base)
    player.begin(page)
    first = player.current_exercise(page)
    player.finish_exercise(page)
    second = player.current_exercise(page)
    assert second != first
    client_id = page.evaluate(IN_PROGRESS)["client_id"]

    page.reload()
    expect(page.locator("#x-name")).to_have_text(second)
    assert page.evaluate(IN_PROGRESS)["client_id"] == client_id
    player.skip_to_end(page)
    player.end(page)
    expect(page.locator("#done-message")).to_have_text("Saved. Well done.")
    stored = sessions(server)
    assert [s["client_id"] for s in stored] == [client_id]
    assert len(stored[0]["entries"]) == 1


def test_pause_stops_the_clock(page: Page, server: Server) -> None:
    start_programme(server)
    player.open_session(page, server.base)
    player.begin(page)
    page.locator("#hold-start").click()
    page.get_by_role("button", name="Pause").click()
    shown = page.locator("#hold-time").inner_text()
    page.wait_for_timeout(300)  # 60 player-seconds at the test speed
    assert page.locator("#hold-time").inner_text() == shown
    expect(page.get_by_role("button", name="Resume")).to_be_visible()
    page.get_by_role("button", name="Resume").click()
    expect(page.locator("#x-side")).to_have_text("Right leg")
