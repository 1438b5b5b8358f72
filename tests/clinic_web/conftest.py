"""Clinic mode's web tests: one PostgreSQL database per module, cheap argon2, a fixed clock.

The clock is the app's (`WebSettings(clock=...)`): sessions, throttling, the audit trail
and TOTP codes all read it, so a test moves time on by hand and never sleeps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient

from kneecoach.web.app import WebSettings, create_app
from kneecoach.web.clinic.auth import COOKIE

NOW = dt.datetime(2026, 1, 14, 9, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
PASSWORD = "correct horse battery"  # 21 characters, not common, no email name in it


class Clock:
    """The app's clock, moved on by the test."""

    def __init__(self, now: dt.datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


@pytest.fixture(scope="module", autouse=True)
def _cheap_argon2() -> Iterator[None]:
    """The lowest argon2 costs, for the whole module (production keeps the defaults)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KNEECOACH_CLINIC__ARGON2_TIME_COST", "1")
        patch.setenv("KNEECOACH_CLINIC__ARGON2_MEMORY_KIB", "8")
        patch.setenv("KNEECOACH_CLINIC__ARGON2_PARALLELISM", "1")
        yield


@pytest.fixture(scope="module")
def pg_url(postgresql_server: Any) -> Iterator[str]:
    """One PostgreSQL database for the module (its tests share the clinic they build)."""
    from kneecoach.store.db import connect, dispose_all

    name = postgresql_server.create_database()
    url = postgresql_server.url(name)
    connect(url)  # migrated once, here
    yield url
    dispose_all()
    postgresql_server.recycle(name)


@pytest.fixture(scope="module", params=["postgresql", "sqlite"])
def any_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The module's database on PostgreSQL, then on SQLite (for modules cheap enough to
    run twice)."""
    if request.param == "postgresql":
        yield request.getfixturevalue("pg_url")
        return
    from kneecoach.store.db import connect, dispose_all

    url = f"sqlite:///{tmp_path_factory.mktemp('clinic') / 'clinic.db'}"
    connect(url)
    yield url
    dispose_all()


def clinic_client(
    url: str, clock: Clock, base_url: str = "http://testserver", **settings: Any
) -> TestClient:
    app = create_app(
        WebSettings(
            db_url=url,
            extra_hosts=("testserver",),
            today=TODAY,
            clinic=True,
            clock=clock,
            **settings,
        )
    )
    return TestClient(app, base_url=base_url, raise_server_exceptions=False)


def totp(secret: str, clock: Clock) -> str:
    return pyotp.TOTP(secret).at(clock.now)


def secret_of(uri: str | None) -> str:
    assert uri is not None
    return str(pyotp.parse_uri(uri).secret)


@dataclass
class Account:
    """A signed-up account as a client sees it: what it signs in with, and its session."""

    name: str
    role: str
    email: str
    account_id: int
    clinic_id: int
    secret: str | None = None
    patient_id: int | None = None
    token: str | None = None

    def headers(self) -> dict[str, str]:
        assert self.token is not None, f"{self.name} is not signed in"
        return {"cookie": f"{COOKIE}={self.token}"}


def accept(client: TestClient, path: str, name: str, email: str) -> Account:
    token = path.removeprefix("/invite/")
    done = client.post(f"/api/v1/invites/{token}/accept", json={"name": name, "password": PASSWORD})
    assert done.status_code == 201, done.text
    body = done.json()
    secret = secret_of(body["otpauth_uri"]) if body["otpauth_uri"] else None
    return Account(name, body["role"], email, body["account_id"], body["clinic_id"], secret)


def sign_in(client: TestClient, account: Account, clock: Clock) -> Account:
    """Sign in through the API; the session token from the cookie. Staff codes are for the
    clock's time step, which moves on first so no code is used twice."""
    clock.advance(seconds=30)
    body: dict[str, Any] = {"email": account.email, "password": PASSWORD}
    if account.secret:
        body["totp"] = totp(account.secret, clock)
    done = client.post("/api/v1/auth/login", json=body)
    assert done.status_code == 200, done.text
    account.token = done.cookies.get(COOKIE)
    client.cookies.clear()  # every request names its account explicitly
    assert account.token
    return account


def session_log(day: dt.date, client_id: str) -> dict[str, Any]:
    return {
        "client_id": client_id,
        "date": day.isoformat(),
        "pain_before": 2,
        "pain_after": 3,
        "entries": [
            {"exercise_id": "bridge", "sets": [{"pain": 2}, {"pain": 3}]},
            {"exercise_id": "walking", "sets": [{"minutes": 10, "pain": 1}]},
        ],
    }


def start_and_log(client: TestClient, patient: Account) -> None:
    """The patient starts a programme a week ago (the personal-mode API) and logs a session."""
    from tests.factories import profile

    start = TODAY - dt.timedelta(days=7)
    begun = client.post(
        "/api/v1/programme",
        json={**profile(), "start_date": start.isoformat()},
        headers=patient.headers(),
    )
    assert begun.status_code == 201, begun.text
    assert begun.json()["person_id"] == patient.patient_id
    logged = client.post(
        "/api/v1/sessions",
        json=session_log(start + dt.timedelta(days=2), f"first-{patient.patient_id}"),
        headers=patient.headers(),
    )
    assert logged.status_code == 201, logged.text


def invite_staff(client: TestClient, admin: Account, email: str, role: str = "physio") -> str:
    made = client.post(
        "/api/v1/staff/invites", json={"email": email, "role": role}, headers=admin.headers()
    )
    assert made.status_code == 201, made.text
    return str(made.json()["invite_path"])


def add_patient(client: TestClient, physio: Account, name: str, email: str) -> Account:
    made = client.post(
        "/api/v1/patients", json={"name": name, "email": email}, headers=physio.headers()
    )
    assert made.status_code == 201, made.text
    patient = accept(client, made.json()["invite_path"], name, email)
    patient.patient_id = made.json()["patient_id"]
    return patient


@dataclass
class World:
    """Two clinics: in the first an admin, physios A and B, and a patient of each (both
    started, one session logged); in the second an admin. Everyone signed in."""

    admin: Account
    physio_a: Account
    physio_b: Account
    patient_a: Account
    patient_b: Account
    admin_other: Account


def build_world(client: TestClient, clock: Clock, url: str) -> World:
    from kneecoach.services import clinic
    from kneecoach.store.db import database

    db = database(url)
    one = clinic.init_clinic(db, "Clinic One", "admin.one@example.org", now=clock.now)
    admin = accept(client, one.invite.invite_path, "Ada Admin", "admin.one@example.org")
    sign_in(client, admin, clock)
    physios = []
    for tag in ("a", "b"):
        email = f"physio.{tag}@example.org"
        physio = accept(client, invite_staff(client, admin, email), f"Physio {tag}", email)
        physios.append(sign_in(client, physio, clock))
    patients = []
    for physio, name, email in zip(
        physios,
        ("Ann Alpha-Q7X", "Ben Beta-Z3K"),
        ("ann.q7x@example.org", "ben.z3k@example.org"),
        strict=True,
    ):
        patient = sign_in(client, add_patient(client, physio, name, email), clock)
        start_and_log(client, patient)
        patients.append(patient)
    two = clinic.init_clinic(db, "Clinic Two", "admin.two@example.org", now=clock.now)
    other = accept(client, two.invite.invite_path, "Otto Other", "admin.two@example.org")
    sign_in(client, other, clock)
    return World(admin, physios[0], physios[1], patients[0], patients[1], other)
