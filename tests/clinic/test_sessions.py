"""Sessions: a new token each sign-in, idle and absolute timeouts, logout, password change."""

from __future__ import annotations

import datetime as dt

import pytest

from kneecoach.domain.errors import FieldError
from kneecoach.services import auth
from kneecoach.services.auth import LoginRefused
from kneecoach.store.db import Database
from tests.clinic.conftest import NOW, PASSWORD, ClinicWorld

MINUTE = dt.timedelta(minutes=1)
NEW_PASSWORD = "a brand new kettle"


def live(uow: Database, token: str, at: dt.datetime) -> bool:
    return auth.session_account(uow, token, now=at) is not None


def test_each_sign_in_gets_a_new_token(world: ClinicWorld, uow: Database) -> None:
    first = world.physio.login(uow, NOW).token
    second = world.physio.login(uow, NOW + MINUTE).token
    assert first != second
    assert live(uow, first, NOW + MINUTE) and live(uow, second, NOW + MINUTE)


def test_the_session_says_who_is_signed_in(world: ClinicWorld, uow: Database) -> None:
    token = world.patient.login(uow, NOW).token
    who = auth.session_account(uow, token, now=NOW)
    assert who is not None
    assert who.actor.role == "patient" and who.actor.account_id == world.patient.account_id
    assert who.me() == {
        "account_id": world.patient.account_id,
        "role": "patient",
        "clinic_id": world.clinic_id,
        "name": "Sam Example",
        "email": world.patient.email,
        "patient_id": world.patient.patient_id,
        "physio_id": world.physio.account_id,
        "totp_enrolled": False,
    }


def test_an_unknown_token_is_nobody(uow: Database) -> None:
    for token in ("", "no such token", None, 42):
        assert auth.session_account(uow, token, now=NOW) is None


def test_staff_sessions_end_after_30_idle_minutes(world: ClinicWorld, uow: Database) -> None:
    token = world.physio.login(uow, NOW).token
    assert live(uow, token, NOW + 29 * MINUTE)  # seen: the 30 minutes start again
    assert live(uow, token, NOW + 58 * MINUTE)
    assert not live(uow, token, NOW + 88 * MINUTE)
    assert not live(uow, token, NOW + 89 * MINUTE)  # and it does not come back


def test_staff_sessions_end_after_12_hours_however_busy(world: ClinicWorld, uow: Database) -> None:
    token = world.admin.login(uow, NOW).token
    at = NOW
    while at < NOW + dt.timedelta(hours=12) - 20 * MINUTE:
        at += 20 * MINUTE
        assert live(uow, token, at)
    assert not live(uow, token, NOW + dt.timedelta(hours=12))


def test_the_idle_timeout_is_a_setting(
    world: ClinicWorld, uow: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kneecoach.settings import get_settings

    monkeypatch.setenv("KNEECOACH_CLINIC__STAFF_IDLE_MINUTES", "10")
    get_settings.cache_clear()
    token = world.physio.login(uow, NOW).token
    assert live(uow, token, NOW + 9 * MINUTE)
    assert not live(uow, token, NOW + 20 * MINUTE)


def test_patient_sessions_outlast_the_staff_idle_timeout(world: ClinicWorld, uow: Database) -> None:
    token = world.patient.login(uow, NOW).token
    assert live(uow, token, NOW + dt.timedelta(hours=5))


def test_logout_ends_the_session_at_once(world: ClinicWorld, uow: Database) -> None:
    token = world.physio.login(uow, NOW).token
    other = world.physio.login(uow, NOW + MINUTE).token
    assert auth.logout(uow, token, now=NOW + MINUTE)
    assert not live(uow, token, NOW + MINUTE)
    assert live(uow, other, NOW + MINUTE)  # only that one
    assert not auth.logout(uow, token, now=NOW + MINUTE)
    assert not auth.logout(uow, "no such token", now=NOW)


def test_a_password_change_ends_every_other_session(world: ClinicWorld, uow: Database) -> None:
    patient = world.patient
    here = patient.login(uow, NOW).token
    elsewhere = patient.login(uow, NOW).token
    auth.change_password(uow, here, PASSWORD, NEW_PASSWORD, now=NOW + MINUTE)
    assert live(uow, here, NOW + MINUTE)
    assert not live(uow, elsewhere, NOW + MINUTE)
    with pytest.raises(LoginRefused):
        auth.login(uow, patient.email, PASSWORD, now=NOW + 2 * MINUTE)
    assert auth.login(uow, patient.email, NEW_PASSWORD, now=NOW + 2 * MINUTE)


def test_a_password_change_checks_both_passwords(world: ClinicWorld, uow: Database) -> None:
    token = world.patient.login(uow, NOW).token
    for current, new, field in (
        ("not my password", NEW_PASSWORD, "current_password"),
        (PASSWORD, "short", "new_password"),
        (PASSWORD, PASSWORD, "new_password"),
    ):
        with pytest.raises(FieldError) as caught:
            auth.change_password(uow, token, current, new, now=NOW)
        assert caught.value.field == field
    with pytest.raises(FieldError) as caught:
        auth.change_password(uow, token, PASSWORD, "patient stretches daily", now=NOW)
    assert caught.value.problem == "Do not use your email name in your password."
    with pytest.raises(LoginRefused):
        auth.change_password(uow, "no such token", PASSWORD, NEW_PASSWORD, now=NOW)
    assert live(uow, token, NOW)  # nothing above ended it
