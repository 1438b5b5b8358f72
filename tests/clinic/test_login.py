"""Signing in: one answer for every wrong guess, throttling, TOTP enrolment."""

from __future__ import annotations

import datetime as dt

import argon2
import pytest
from sqlalchemy import Engine, func, select

from kneecoach.domain.errors import FieldError
from kneecoach.services import audit, auth, clinic
from kneecoach.services.auth import LoginRefused, Throttled
from kneecoach.store.db import Database, unit_of_work
from kneecoach.store.tables import AuditEvent, LoginFailure
from tests.clinic.conftest import NOW, PASSWORD, ClinicWorld, code

MINUTE = dt.timedelta(minutes=1)


def refused(
    uow: Database,
    email: str,
    password: str,
    at: dt.datetime,
    totp: str | None = None,
    origin: audit.Origin = audit.CLI,
) -> str:
    """The refusal of a sign-in (401), which must not be a throttling (429)."""
    with pytest.raises(LoginRefused) as caught:
        auth.login(uow, email, password, totp, now=at, origin=origin)
    assert type(caught.value) is LoginRefused
    return caught.value.message


def count(engine: Engine, query: object) -> int:
    with unit_of_work(engine, read_only=True) as store:
        return int(store._session.scalar(query) or 0)  # type: ignore[call-overload]


def test_a_patient_signs_in(world: ClinicWorld, uow: Database) -> None:
    login = auth.login(uow, " Patient.One@Example.org ", PASSWORD, now=NOW)
    assert login.as_dict() == {
        "account_id": world.patient.account_id,
        "role": "patient",
        "clinic_id": world.clinic_id,
    }
    assert len(login.token) >= 43  # 32 random bytes, URL-safe


def test_an_unknown_email_and_a_wrong_password_answer_alike(
    world: ClinicWorld, uow: Database, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks: list[str] = []
    real_verify = argon2.PasswordHasher.verify

    def counted(self: argon2.PasswordHasher, hashed: str, password: str) -> bool:
        checks.append(hashed)
        return real_verify(self, hashed, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", counted)
    unknown = refused(uow, "nobody@example.org", PASSWORD, NOW)
    wrong = refused(uow, world.patient.email, PASSWORD + "!", NOW)
    assert unknown == wrong == "The email, password or code is not right."
    # The same work: one argon2 check each (a dummy hash for the unknown email) ...
    assert len(checks) == 2 and checks[0] != checks[1]
    # ... and the same writes: a failure to count and a login-failed event.
    assert count(engine, select(func.count(LoginFailure.id))) == 2
    failed = select(func.count(AuditEvent.id)).where(AuditEvent.action == "login-failed")
    assert count(engine, failed) == 2


def test_the_sixth_failure_in_15_minutes_is_throttled(world: ClinicWorld, uow: Database) -> None:
    email = world.patient.email
    for minute in range(5):
        refused(uow, email, "wrong password here", NOW + minute * MINUTE)
    with pytest.raises(Throttled) as caught:  # even the right password, for now
        auth.login(uow, email, PASSWORD, now=NOW + 5 * MINUTE)
    # The oldest failure leaves the 15-minute window at NOW + 15 minutes.
    assert caught.value.retry_after == 10 * 60
    assert caught.value.message == "Too many failed sign-ins. Try again in 10 minutes."
    with pytest.raises(Throttled):
        auth.login(uow, email, PASSWORD, now=NOW + 15 * MINUTE - dt.timedelta(seconds=1))
    assert auth.login(uow, email, PASSWORD, now=NOW + 15 * MINUTE)


def test_five_wrong_passwords_are_refused_then_the_sixth_is_throttled(
    world: ClinicWorld, uow: Database
) -> None:
    for _ in range(5):
        refused(uow, world.patient.email, "wrong password here", NOW)
    with pytest.raises(Throttled) as caught:
        auth.login(uow, world.patient.email, "wrong password here", now=NOW)
    assert caught.value.retry_after == 15 * 60


def test_throttling_is_per_account(world: ClinicWorld, uow: Database) -> None:
    for _ in range(6):
        with pytest.raises(LoginRefused):
            auth.login(uow, world.patient.email, "wrong password", now=NOW)
    assert auth.login(uow, world.other_patient.email, PASSWORD, now=NOW)


def test_unknown_emails_are_throttled_like_accounts(uow: Database) -> None:
    for _ in range(5):
        with pytest.raises(LoginRefused):
            auth.login(uow, "ghost@example.org", PASSWORD, now=NOW)
    with pytest.raises(Throttled) as caught:
        auth.login(uow, "ghost@example.org", PASSWORD, now=NOW + MINUTE)
    assert caught.value.retry_after == 14 * 60


def test_one_address_may_fail_twenty_times_in_15_minutes(world: ClinicWorld, uow: Database) -> None:
    address = audit.Origin(route="POST /api/v1/auth/login", ip="203.0.113.9")
    for n in range(20):
        refused(uow, f"guess{n}@example.org", PASSWORD, NOW, origin=address)
    with pytest.raises(Throttled):
        auth.login(uow, world.patient.email, PASSWORD, now=NOW, origin=address)
    elsewhere = audit.Origin(route="POST /api/v1/auth/login", ip="198.51.100.7")
    assert auth.login(uow, world.patient.email, PASSWORD, now=NOW, origin=elsewhere)


def test_a_success_starts_the_count_again(world: ClinicWorld, uow: Database) -> None:
    for _ in range(4):
        refused(uow, world.patient.email, "wrong password here", NOW)
    assert auth.login(uow, world.patient.email, PASSWORD, now=NOW + MINUTE)
    for _ in range(4):
        refused(uow, world.patient.email, "wrong password here", NOW + 2 * MINUTE)


def test_bad_types_name_the_field(uow: Database) -> None:
    for email, password, totp, field in (
        (None, PASSWORD, None, "email"),
        ("a@example.org", 12, None, "password"),
        ("a@example.org", PASSWORD, 123456, "totp"),
    ):
        with pytest.raises(FieldError) as caught:
            auth.login(uow, email, password, totp, now=NOW)
        assert caught.value.field == field


def test_staff_need_a_code_and_the_first_valid_one_enrols(
    world: ClinicWorld, uow: Database
) -> None:
    physio = world.physio
    assert physio.secret is not None
    email = physio.email
    assert refused(uow, email, PASSWORD, NOW) == refused(uow, email, PASSWORD, NOW, "000000")
    who = auth.session_account(uow, physio.login(uow, NOW).token, now=NOW)
    assert who is not None and who.totp_enrolled
    later = NOW + 2 * MINUTE
    assert physio.login(uow, later).account.totp_enrolled


def test_a_code_is_accepted_once(world: ClinicWorld, uow: Database) -> None:
    physio = world.physio
    assert physio.secret is not None
    used = code(physio.secret, NOW)
    auth.login(uow, physio.email, PASSWORD, used, now=NOW)
    refused(uow, physio.email, PASSWORD, NOW + dt.timedelta(seconds=10), used)
    # The next 30-second step's code works.
    later = NOW + dt.timedelta(seconds=30)
    assert auth.login(uow, physio.email, PASSWORD, code(physio.secret, later), now=later)


def test_a_code_from_the_step_before_still_works(world: ClinicWorld, uow: Database) -> None:
    physio = world.physio
    assert physio.secret is not None
    previous = code(physio.secret, NOW - dt.timedelta(seconds=30))
    assert auth.login(uow, physio.email, PASSWORD, previous, now=NOW)
    stale = code(physio.secret, NOW - dt.timedelta(minutes=5))
    refused(uow, physio.email, PASSWORD, NOW + MINUTE, stale)


def test_a_patient_may_turn_totp_on(world: ClinicWorld, uow: Database) -> None:
    patient = world.patient
    started = auth.start_totp(uow, patient.actor, now=NOW)
    assert started["qr_svg"].startswith("<svg")
    secret = str(__import__("pyotp").parse_uri(started["otpauth_uri"]).secret)
    assert auth.login(uow, patient.email, PASSWORD, now=NOW)  # not in force yet
    enrolled = auth.login(uow, patient.email, PASSWORD, code(secret, NOW), now=NOW)
    assert enrolled.account.totp_enrolled
    refused(uow, patient.email, PASSWORD, NOW + MINUTE)  # from now on, a code is needed
    with pytest.raises(audit.Forbidden):
        auth.start_totp(uow, world.physio.actor, now=NOW)


def test_logins_are_audited(world: ClinicWorld, uow: Database) -> None:
    origin = audit.Origin(route="POST /api/v1/auth/login", ip="192.0.2.1")
    refused_once = pytest.raises(LoginRefused)
    with refused_once:
        auth.login(uow, world.patient.email, "wrong password", now=NOW, origin=origin)
    auth.login(uow, world.patient.email, PASSWORD, now=NOW, origin=origin)
    trail = audit.events(uow, world.admin.actor, now=NOW, actor_id=world.patient.account_id)
    assert [(e["action"], e["outcome"], e["ip"], e["route"]) for e in trail[:2]] == [
        ("login", "ok", "192.0.2.1", "POST /api/v1/auth/login"),
        ("login-failed", "refused", "192.0.2.1", "POST /api/v1/auth/login"),
    ]


def test_an_invite_not_yet_accepted_cannot_sign_in(world: ClinicWorld, uow: Database) -> None:
    clinic.create_patient(uow, world.physio.actor, "New", "new.patient@example.org", now=NOW)
    refused(uow, "new.patient@example.org", PASSWORD, NOW)
