"""Every clinic page, reached the way staff reach it (axe, layout, screenshots).

The clinic is the demo clinic (tests/browser/demo_clinic.py) with its fixed TOTP
secrets; each account signs in once per tour, as a code is never accepted twice.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pyotp
import uvicorn
from playwright.sync_api import Page, expect

from kneecoach.services import clinic
from kneecoach.services.actor import Actor
from kneecoach.store.db import Database, connect
from kneecoach.web.app import WebSettings, create_app
from tests.browser.conftest import TODAY, free_port
from tests.browser.demo_clinic import ADMIN, PASSWORD, PATIENTS, PHYSIOS, DemoClinic, seed_clinic

NEW_PASSWORD = "four calm knees walking"  # 23 characters, not common
CHEAP_ARGON2 = {  # the lowest costs: hashing would be most of a test's time otherwise
    "KNEECOACH_CLINIC__ARGON2_TIME_COST": "1",
    "KNEECOACH_CLINIC__ARGON2_MEMORY_KIB": "8",
    "KNEECOACH_CLINIC__ARGON2_PARALLELISM": "1",
}


@dataclass
class ClinicServer:
    base: str
    db_url: str
    uow: Database
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start_clinic_server(db_url: str, today: dt.date = TODAY) -> ClinicServer:
    """The app in clinic mode under uvicorn in a daemon thread, its today fixed."""
    port = free_port()
    app = create_app(
        WebSettings(db_url=db_url, port=port, test_hooks=True, today=today, clinic=True)
    )
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the clinic test server did not start within 10 s")
        time.sleep(0.02)
    return ClinicServer(
        f"http://127.0.0.1:{port}", db_url, Database(connect(db_url)), server, thread
    )


def cheap_argon2() -> None:
    os.environ.update(CHEAP_ARGON2)
    from kneecoach.settings import get_settings

    get_settings.cache_clear()


def code(secret: str) -> str:
    return pyotp.TOTP(secret).now()


def submit(page: Page, button: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def sign_in(page: Page, base: str, email: str, password: str, secret: str | None) -> None:
    page.goto(base + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    if secret:
        page.get_by_label("6-digit code").fill(code(secret))
    submit(page, "Sign in")


def sign_out(page: Page) -> None:
    submit(page, "Sign out")
    expect(page.get_by_text("You are signed out.")).to_be_visible()


def accept_invite(page: Page, link: str, name: str, password: str = NEW_PASSWORD) -> None:
    page.goto(link)
    assert "/invite/" not in page.url, f"the token stayed in the address: {page.url}"
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Choose a password").fill(password)
    submit(page, "Create my account")


def enrol(page: Page, password: str = NEW_PASSWORD) -> str:
    """On /enrol: read the secret as a person would type it, sign in with its code."""
    assert page.url.endswith("/enrol"), page.url
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Password").fill(password)
    page.get_by_label("6-digit code").fill(code(secret))
    submit(page, "Sign in")
    return secret


def clinic_tour(page: Page, running: ClinicServer, demo: DemoClinic) -> Iterator[str]:
    """Visit every clinic page; yield a short name once each is showing."""
    base = running.base
    now = dt.datetime.now(dt.UTC)
    admin = Actor("admin", demo.admin_id, None, demo.clinic_id)

    page.goto(base + "/login")
    yield "login"
    page.get_by_label("Email").fill(PHYSIOS[0].email)
    page.get_by_label("Password").fill("not the password")
    submit(page, "Sign in")
    expect(page.locator(".error-summary")).to_be_visible()
    yield "login-refused"

    invite = clinic.invite_staff(running.uow, admin, "sam.lee@example.org", "physio", now=now)
    page.goto(base + invite.invite_path)
    yield "invite"
    page.get_by_label("Your name").fill("Sam Lee")
    page.get_by_label("Choose a password").fill("kneepain")
    submit(page, "Create my account")
    expect(page.locator("#err-password")).to_be_visible()
    yield "invite-errors"
    page.get_by_label("Choose a password").fill(NEW_PASSWORD)
    submit(page, "Create my account")
    yield "enrol"
    enrol(page)
    expect(page.get_by_role("heading", name="My patients")).to_be_visible()
    yield "patients-none"
    sign_out(page)
    yield "signed-out"

    sign_in(page, base, PHYSIOS[0].email, PASSWORD, PHYSIOS[0].totp_secret)
    expect(page.get_by_role("heading", name="Who needs you first")).to_be_visible()
    page.goto(base + "/patients")
    expect(page.get_by_role("heading", name="My patients")).to_be_visible()
    yield "patients"
    page.get_by_label("Name", exact=True).fill("Rosa Diaz")
    page.get_by_label("Email").fill("rosa.diaz@example.org")
    submit(page, "Add patient")
    expect(page.locator("#invite-link")).to_be_visible()
    yield "patient-added"
    with page.expect_navigation():
        page.get_by_role("link", name="Maria Lopez").click()
    expect(page.get_by_role("heading", name="Today")).to_be_visible()
    yield "patient"
    page.goto(base + "/patients")
    with page.expect_navigation():
        page.get_by_role("link", name="John Okafor").click()
    expect(page.locator(".escalation").first).to_be_visible()  # his pain rose: ES-2
    yield "patient-alerts"
    sign_out(page)

    sign_in(page, base, ADMIN.email, PASSWORD, ADMIN.totp_secret)
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()
    yield "patients-admin"
    page.goto(base + "/staff")
    yield "staff"
    page.get_by_label("Email").fill("kim.ortiz@example.org")
    page.locator("#field-role").get_by_text("Admin", exact=True).click()
    submit(page, "Make an invite link")
    expect(page.locator("#invite-link")).to_be_visible()
    yield "staff-invited"
    page.goto(base + "/assignments")
    yield "assignments"
    row = page.locator(".person-row", has_text="Susan Park")
    row.get_by_role("combobox").select_option(label=PHYSIOS[1].name)
    with page.expect_navigation():
        row.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Susan Park's physio is Tom Becker")).to_be_visible()
    yield "assignments-saved"
    page.goto(base + "/audit")
    yield "audit"
    page.get_by_label("Patient").select_option(label="Maria Lopez")
    submit(page, "Show")
    yield "audit-filtered"
    page.goto(base + "/patients/999999")
    yield "patient-missing"
    page.goto(base + "/patients")
    sign_out(page)

    patient = PATIENTS[0].person
    sign_in(page, base, patient.email, PASSWORD, None)  # a patient: no code
    page.goto(base + "/today")
    yield "patient-today"
    sign_out(page)
    page.goto(base + "/invite/not-a-real-token")
    yield "invite-invalid"


def seeded_clinic(db_url: str, today: dt.date = TODAY) -> DemoClinic:
    """The demo clinic in the database at `db_url`, its history up to `today`."""
    return seed_clinic(Database(connect(db_url)), today, dt.datetime.now(dt.UTC))
