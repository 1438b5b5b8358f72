"""Clinic mode in Chromium, on PostgreSQL (issue 12): the whole flow from `clinic init` to
the physio reading the patient's day, and every clinic page on a phone (axe, no
sideways scrolling)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from kneecoach.services import clinic
from tests.browser import player
from tests.browser.clinic_tour import (
    CHEAP_ARGON2,
    ClinicServer,
    accept_invite,
    clinic_tour,
    enrol,
    seeded_clinic,
    sign_out,
    start_clinic_server,
    submit,
)
from tests.browser.conftest import PHONE, TODAY
from tests.browser.test_journey import answer_screening
from tests.pgserver import PostgresServer

SERIOUS = {"serious", "critical"}


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


def new_page(browser: Browser) -> Page:
    context = browser.new_context(viewport=PHONE)
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    return tab


def test_from_clinic_init_to_the_physio_reading_the_patients_day(
    browser: Browser, clinic_server: ClinicServer
) -> None:
    base, uow = clinic_server.base, clinic_server.uow
    now = dt.datetime.now(dt.UTC)
    created = clinic.init_clinic(uow, "Hillside Knees", "ada.admin@example.org", now=now)

    admin = new_page(browser)
    accept_invite(admin, base + created.invite.invite_path, "Ada Admin")
    expect(admin.locator(".qr svg")).to_be_visible()
    enrol(admin)  # the first sign-in with a valid code completes enrolment
    expect(admin.get_by_role("heading", name="Patients")).to_be_visible()
    admin.goto(base + "/staff")
    admin.get_by_label("Email").fill("pia.physio@example.org")
    submit(admin, "Make an invite link")
    physio_link = admin.locator("#invite-link").inner_text()
    sign_out(admin)
    admin.context.close()

    physio = new_page(browser)
    accept_invite(physio, physio_link, "Pia Physio")
    secret = enrol(physio)
    expect(physio.get_by_role("heading", name="My patients")).to_be_visible()
    physio.get_by_label("Name", exact=True).fill("Pat Patient")
    physio.get_by_label("Email").fill("pat.patient@example.org")
    submit(physio, "Add patient")
    patient_link = physio.locator("#invite-link").inner_text()

    patient = new_page(browser)
    accept_invite(patient, patient_link, "Pat Patient")
    assert patient.url == base + "/", patient.url  # signed in at once, no code needed
    patient.goto(base + "/screening")
    answer_screening(patient)
    submit(patient, "Next")
    patient.locator("#field-pain_now label").filter(has_text="4").first.click()
    patient.get_by_text("Left", exact=True).click()
    patient.locator("#field-days_per_week").get_by_text("7", exact=True).click()
    patient.get_by_label("Minutes you have for each session").fill("20")
    for kit in ("Stretch strap", "A step", "Mat"):
        patient.get_by_text(kit, exact=True).click()
    submit(patient, "Make my programme")
    expect(patient.get_by_role("heading", name="Your programme")).to_be_visible()
    player.open_session(patient, base)
    player.begin(patient, pain_before=3)
    player.finish_exercise(patient)
    player.skip_to_end(patient)
    player.end(patient, pain_after=3)
    expect(patient.locator("#done-message")).to_have_text("Saved. Well done.")
    patient.context.close()

    physio.goto(base + "/patients")
    row = physio.locator(".person-row", has_text="Pat Patient")
    expect(row).to_contain_text(f"Started {TODAY.day} {TODAY:%b %Y}")
    listed = physio.request.get(f"{base}/patients")
    assert listed.headers["cache-control"] == "no-store"
    patient_id = int((row.get_by_role("link").get_attribute("href") or "").rsplit("/", 1)[1])
    answer = physio.request.get(f"{base}/api/v1/patients/{patient_id}/today")
    assert answer.status == 200, answer.text()
    assert answer.json()["status"] == "session"
    assert secret
    physio.context.close()


def test_every_clinic_page_passes_axe_and_fits_a_phone(
    browser: Browser, clinic_server: ClinicServer
) -> None:
    demo = seeded_clinic(clinic_server.db_url, TODAY)
    page = new_page(browser)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    axe = Axe()
    found: dict[str, list[str]] = {}
    wide: dict[str, int] = {}
    names = []
    for name in clinic_tour(page, clinic_server, demo):
        names.append(name)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            wide[name] = width
        bad = [
            f"{v['id']}: {v['help']} ({len(v['nodes'])}x, e.g. {v['nodes'][0]['target']})"
            for v in axe.run(page).response["violations"]
            if v.get("impact") in SERIOUS
        ]
        if bad:
            found[name] = bad
    page.context.close()
    assert len(names) >= 18, names
    assert not wide, f"pages wider than the 360 px screen: {wide}"
    assert not found, f"accessibility violations: {found}"
    assert not errors, f"JavaScript errors: {errors}"
