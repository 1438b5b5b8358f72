"""The clinic pages without a browser (SQLite, cheap argon2, a fixed clock): where the
invite's token goes, the enrolment cookie, CSRF on signed-in forms, who is refused."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from fastapi.testclient import TestClient

from kneecoach.services import clinic
from kneecoach.services.actor import Actor
from kneecoach.store.db import Database, connect, dispose_all
from kneecoach.web.app import WebSettings, create_app
from tests.browser.clinic_tour import CHEAP_ARGON2

NOW = dt.datetime(2026, 1, 14, 9, 0, tzinfo=dt.UTC)
PASSWORD = "four calm knees walking"


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


class Clinic(Database):
    """The test's database, and its URL for the app."""

    url: str


@pytest.fixture
def uow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Clinic]:
    for key, value in CHEAP_ARGON2.items():
        monkeypatch.setenv(key, value)
    url = f"sqlite:///{tmp_path / 'clinic.db'}"
    found = Clinic(connect(url))
    found.url = url
    yield found
    dispose_all()


def client(uow: Clinic, clock: Clock) -> TestClient:
    url = uow.url
    app = create_app(
        WebSettings(
            db_url=url,
            extra_hosts=("testserver",),
            today=NOW.date(),
            clinic=True,
            clock=clock,
        )
    )
    return TestClient(app, base_url="http://testserver", follow_redirects=False)


def cookie_header(response: object, name: str) -> str:
    headers = response.headers.get_list("set-cookie")  # type: ignore[attr-defined]
    found = [h for h in headers if h.startswith(f"{name}=")]
    assert found, f"no {name} cookie in {headers}"
    return str(found[0])


def admin_signed_in(uow: Clinic, clock: Clock) -> tuple[TestClient, str]:
    """An admin who accepted the clinic's invite and enrolled, through the pages."""
    created = clinic.init_clinic(uow, "Hillside", "ada.admin@example.org", now=NOW)
    browser = client(uow, clock)
    link = browser.get(created.invite.invite_path)
    assert link.status_code == 303 and link.headers["location"] == "/invite"
    invite_cookie = cookie_header(link, "kc_invite").lower()
    assert "httponly" in invite_cookie and "path=/invite" in invite_cookie
    assert "samesite=lax" in invite_cookie
    form = browser.get("/invite")
    assert form.status_code == 200 and "ada.admin@example.org" in form.text
    accepted = browser.post("/invite", data={"name": "Ada Admin", "password": PASSWORD})
    assert accepted.status_code == 303 and accepted.headers["location"] == "/enrol"
    enrol_cookie = cookie_header(accepted, "kc_enrol").lower()
    assert "httponly" in enrol_cookie and "path=/enrol" in enrol_cookie
    assert "samesite=strict" in enrol_cookie
    assert 'kc_invite=""' in cookie_header(accepted, "kc_invite")  # deleted
    page = browser.get("/enrol")
    found = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page.text)
    assert found and "<svg" in page.text
    secret = found.group(1).replace(" ", "")
    code = pyotp.TOTP(secret).at(clock.now)
    wrong = browser.post("/enrol", data={"password": PASSWORD, "totp": "000000"})
    assert wrong.status_code == 401 and "totp-secret" in wrong.text  # the code is shown again
    clock.now += dt.timedelta(seconds=1)
    done = browser.post("/enrol", data={"password": PASSWORD, "totp": code})
    assert done.status_code == 303 and done.headers["location"] == "/patients"
    assert 'kc_enrol=""' in cookie_header(done, "kc_enrol")
    cookie_header(done, "kc_session")
    return browser, secret


def csrf(page_text: str) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page_text)
    assert found, "no CSRF token on the page"
    return found.group(1)


def test_an_invite_link_leaves_no_token_in_the_address_and_enrols_staff(
    uow: Clinic, clock: Clock
) -> None:
    browser, _ = admin_signed_in(uow, clock)
    page = browser.get("/patients")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    again = browser.get("/invite")  # the invite is used: its cookie went with it
    assert again.status_code == 404 and "does not work" in again.text


def test_signed_in_forms_need_the_csrf_token(uow: Clinic, clock: Clock) -> None:
    browser, _ = admin_signed_in(uow, clock)
    staff = browser.get("/staff")
    forged = browser.post("/staff", data={"email": "x.y@example.org", "role": "physio"})
    assert forged.status_code == 403
    assert "x.y@example.org" not in browser.get("/staff").text
    made = browser.post(
        "/staff",
        data={"email": "x.y@example.org", "role": "physio", "csrf_token": csrf(staff.text)},
    )
    assert made.status_code == 201 and 'id="invite-link"' in made.text
    bad = browser.post(
        "/staff", data={"email": "nope", "role": "physio", "csrf_token": csrf(staff.text)}
    )
    assert bad.status_code == 422 and 'id="err-email"' in bad.text  # next to the field
    made_patient = clinic.create_patient(
        uow, _admin(uow), "Bo Lee", "bo@example.org", _admin(uow).account_id, now=NOW
    )
    wrong = browser.post(
        "/assignments",
        data={
            "patient_id": str(made_patient.patient_id),
            "physio_id": "999999",
            "csrf_token": csrf(staff.text),
        },
    )
    assert wrong.status_code == 422
    assert f'id="err-patient-{made_patient.patient_id}"' in wrong.text
    out = browser.post("/logout", data={"csrf_token": csrf(staff.text)})
    assert out.status_code == 303 and out.headers["location"] == "/login?out=1"
    assert browser.get("/staff").headers["location"] == "/login"


def test_a_patient_is_signed_in_at_once_and_kept_off_staff_pages(uow: Clinic, clock: Clock) -> None:
    browser, _ = admin_signed_in(uow, clock)
    staff = clinic.staff(uow, _admin(uow), now=NOW)
    page = browser.get("/patients")
    made = browser.post(
        "/patients",
        data={
            "name": "Pat Patient",
            "email": "pat@example.org",
            "physio_id": str(staff[0]["account_id"]),
            "csrf_token": csrf(page.text),
        },
    )
    assert made.status_code == 201
    link = re.search(r'id="invite-link">http://testserver(/invite/[^<]+)<', made.text)
    assert link
    patient = client(uow, clock)
    patient.get(link.group(1))
    signed_up = patient.post("/invite", data={"name": "Pat", "password": PASSWORD})
    assert signed_up.status_code == 303 and signed_up.headers["location"] == "/"
    cookie_header(signed_up, "kc_session")
    assert patient.get("/patients").status_code == 403
    assert patient.get("/audit").status_code == 403
    welcome = patient.get("/")
    assert welcome.status_code == 200 and "Sign out" in welcome.text
    assert 'href="/delete"' not in welcome.text


def test_a_sign_in_refusal_is_shown_on_the_page(uow: Clinic, clock: Clock) -> None:
    admin_signed_in(uow, clock)
    browser = client(uow, clock)
    clock.now += dt.timedelta(minutes=1)  # after the sign-in, which starts the count again
    for _ in range(5):
        refused = browser.post(
            "/login", data={"email": "ada.admin@example.org", "password": "wrong password!"}
        )
        assert refused.status_code == 401
        assert "The email, password or code is not right." in refused.text
    throttled = browser.post("/login", data={"email": "ada.admin@example.org", "password": "x"})
    assert throttled.status_code == 429 and int(throttled.headers["retry-after"]) > 0
    assert "Too many failed sign-ins" in throttled.text


def _admin(uow: Clinic) -> Actor:
    with uow.read() as store:
        admin = store.clinic.active_account_by_email("ada.admin@example.org")
    assert admin is not None
    return Actor("admin", admin.id, None, admin.clinic_id)
