"""The physiotherapist's day in Chromium, on PostgreSQL with the real server (issue 13,
part 5): a physio signs in and finds the patient with a new red flag at the top of
/clinic, opens her, acknowledges the alert with a note, locks one exercise and changes a
dose; the next day the patient signs in and sees the change with its reason. The
dashboard and the patient page pass axe and fit the screen.

Screenshots of both pages at phone (390 px) and desktop (1280 px) width go to the test's
own directory, or to `KNEECOACH_SCREENSHOT_DIR` when it is set
(`KNEECOACH_SCREENSHOT_DIR=docs/screenshots` makes docs/screenshots/clinic-dashboard-*.png
and clinic-patient-*.png).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, expect

from kneecoach.content.loader import load_catalogue
from kneecoach.services import clinic
from kneecoach.services.actor import Actor
from kneecoach.store.db import Database
from tests.browser.clinic_tour import (
    CHEAP_ARGON2,
    ClinicServer,
    sign_in,
    start_clinic_server,
    submit,
)
from tests.browser.conftest import TODAY
from tests.browser.demo_clinic import PatientPlan, Person, _accept, _history, _secret
from tests.factories import clear_answers
from tests.pgserver import PostgresServer

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SERIOUS = {"serious", "critical"}
PASSWORD = "knee demo 2026"
TOMORROW = TODAY + dt.timedelta(days=1)
PHYSIO = Person("Pia Physio", "pia.physio@example.org", _secret("kneecoach physio day"))
ROSA = Person("Rosa Diaz", "rosa.diaz@example.org")
PLANS = (
    PatientPlan(ROSA, 0, 12, (3, 3, 2, 2, 2, 2, 2)),
    PatientPlan(Person("Ben Okoye", "ben.okoye@example.org"), 0, 20, (5, 5, 6, 6, 6, 7)),
    PatientPlan(Person("Lena Park", "lena.park@example.org"), 0, 9, (4, 3, 3, 2)),
)
REASON = "Red flag today: knee to chest kept as it is, the bridge a little easier."


@pytest.fixture
def clinic_server(
    postgresql_server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ClinicServer]:
    """Clinic mode on a fresh PostgreSQL database, its today fixed (TODAY, a Monday)."""
    for key, value in CHEAP_ARGON2.items():
        monkeypatch.setenv(key, value)  # undone after the test
    name = postgresql_server.create_database()
    running = start_clinic_server(postgresql_server.url(name), TODAY)
    try:
        yield running
    finally:
        running.stop()
        from kneecoach.store.db import dispose_all

        dispose_all()
        postgresql_server.recycle(name)


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    found = os.environ.get("KNEECOACH_SCREENSHOT_DIR")
    return Path(found) if found else tmp_path


def a_clinic(uow: Database) -> None:
    """One physio and three patients of hers with some history, made through the
    services as the people would (tests/browser/demo_clinic.py)."""
    now = dt.datetime.now(dt.UTC)
    created = clinic.init_clinic(uow, "Hillside Knees", "ada.admin@example.org", now=now)
    admin_id = _accept(
        uow,
        created.invite.invite_token,
        Person("Ada Admin", "ada.admin@example.org", _secret("kneecoach physio day admin")),
        PASSWORD,
        now,
        created.clinic_id,
    )
    admin = Actor("admin", admin_id, None, created.clinic_id)
    invite = clinic.invite_staff(uow, admin, PHYSIO.email, "physio", now=now)
    physio_id = _accept(uow, invite.invite_token, PHYSIO, PASSWORD, now, created.clinic_id)
    physio = Actor("physio", physio_id, None, created.clinic_id)
    catalogue = load_catalogue()
    for plan in PLANS:
        made = clinic.create_patient(uow, physio, plan.person.name, plan.person.email, now=now)
        accepted = clinic.accept_invite(
            uow, made.invite.invite_token, plan.person.name, PASSWORD, now=now
        )
        patient = Actor("patient", accepted.account_id, made.patient_id, created.clinic_id)
        _history(uow, catalogue, patient, plan, TODAY)


def red_flag(base: str) -> None:
    """Rosa checks in this morning: her knee is locked (RF-2, urgent)."""
    with httpx.Client(base_url=base, timeout=10) as client:
        signed = client.post("/api/v1/auth/login", json={"email": ROSA.email, "password": PASSWORD})
        assert signed.status_code == 200, signed.text
        done = client.post(
            "/api/v1/checkins",
            json={"pain": 6, "morning": True, "answers": clear_answers(knee_locked=True)},
        )
        assert done.status_code == 200, done.text


def new_page(browser: Browser, viewport: dict[str, int], **options: object) -> Page:
    context: BrowserContext = browser.new_context(viewport=viewport, **options)  # type: ignore[arg-type]
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def check_and_shoot(page: Page, name: str, width: int, shots: Path) -> None:
    """axe finds nothing serious, nothing scrolls sideways, and a full-page screenshot."""
    bad = [
        f"{v['id']}: {v['help']} ({v['nodes'][0]['target']})"
        for v in Axe().run(page).response["violations"]
        if v.get("impact") in SERIOUS
    ]
    assert not bad, f"{name}: {bad}"
    assert page.evaluate("document.documentElement.scrollWidth") <= width, name
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)


def test_a_physio_acts_on_a_red_flag_and_the_patient_sees_the_change_the_next_day(
    browser: Browser, clinic_server: ClinicServer, shots: Path
) -> None:
    base = clinic_server.base
    a_clinic(clinic_server.uow)
    red_flag(base)

    physio = new_page(browser, PHONE)
    errors: list[str] = []
    physio.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(physio, base, PHYSIO.email, PASSWORD, PHYSIO.totp_secret)
    expect(physio).to_have_url(base + "/clinic")  # a physio lands at the dashboard
    top = physio.locator("tr.dash-row").first
    expect(top).to_contain_text("Rosa Diaz")
    expect(top).to_contain_text("Urgent")
    check_and_shoot(physio, "clinic-dashboard-phone", PHONE["width"], shots)

    with physio.expect_navigation():
        top.get_by_role("link", name="Rosa Diaz").click()
    expect(physio.get_by_role("heading", name="Rosa Diaz", level=1)).to_be_visible()
    flag = physio.locator(".pp-alert", has_text="RF-2")
    expect(flag).to_contain_text("Urgent")
    check_and_shoot(physio, "clinic-patient-phone", PHONE["width"], shots)
    patient_url = physio.url

    flag.get_by_label("Note: what you did").fill("Phoned Rosa: she sees her GP today.")
    with physio.expect_navigation():
        flag.get_by_role("button", name="Acknowledge").click()
    expect(physio.get_by_text("Alert acknowledged.")).to_be_visible()
    expect(physio.locator(".pp-alert", has_text="RF-2")).to_have_count(0)

    kept = physio.locator("[id='field-double-knee-to-chest.use']")
    kept.get_by_label("Lock: keep this dose (CL-2)").check()
    physio.locator("#rx-bridge-reps").fill("12")  # from 15
    physio.locator("#rx-bridge-note").fill("Slowly, and stop if the knee catches.")
    submit(physio, "Save the programme")  # no reason yet: refused, nothing lost
    expect(physio.locator("#err-reason")).to_be_visible()
    expect(physio.locator("#rx-bridge-reps")).to_have_value("12")
    expect(kept.get_by_label("Lock: keep this dose (CL-2)")).to_be_checked()
    physio.get_by_label("Reason (the patient reads it)").fill(REASON)
    submit(physio, "Save the programme")
    expect(physio.locator("#saved")).to_have_text(
        f"Saved: from {TOMORROW.day} {TOMORROW:%b %Y} the patient sees it."
    )
    expect(kept.get_by_label("Lock: keep this dose (CL-2)")).to_be_checked()
    expect(physio.locator("#decisions")).to_contain_text(
        f"CL-1: prescribed by Pia Physio: {REASON}"
    )
    state = physio.context.storage_state()
    physio.context.close()

    desk = new_page(browser, DESKTOP, storage_state=state)
    desk.goto(base + "/clinic")
    check_and_shoot(desk, "clinic-dashboard-desktop", DESKTOP["width"], shots)
    desk.goto(patient_url)
    check_and_shoot(desk, "clinic-patient-desktop", DESKTOP["width"], shots)
    desk.context.close()
    assert not errors, f"JavaScript errors: {errors}"

    next_day = start_clinic_server(clinic_server.db_url, TOMORROW)
    try:
        patient = new_page(browser, PHONE)
        sign_in(patient, next_day.base, ROSA.email, PASSWORD, None)
        patient.goto(next_day.base + "/programme")
        expect(patient.get_by_text(f"CL-1: prescribed by Pia Physio: {REASON}")).to_be_visible()
        bridge = patient.locator(".day-card li").filter(
            has=patient.get_by_role("link", name="Bridge", exact=True)
        )
        expect(bridge.first).to_contain_text("of 12")
        expect(bridge.first).to_contain_text("Slowly, and stop if the knee catches.")
        patient.context.close()
    finally:
        next_day.stop()
