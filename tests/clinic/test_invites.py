"""Invites: single use, 72 hours, stored only as a hash; what staff and patients get."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import Engine, text

from kneecoach.domain.errors import FieldError
from kneecoach.services import audit, clinic
from kneecoach.services.clinic import InvalidInvite
from kneecoach.store.db import Database
from tests.clinic.conftest import NOW, PASSWORD, ClinicWorld, accept


def all_text(engine: Engine, table: str) -> str:
    with engine.connect() as connection:
        rows = connection.execute(text(f"SELECT * FROM {table}")).all()
    return repr(rows)


def test_an_invite_works_once(uow: Database) -> None:
    created = clinic.init_clinic(uow, "Knee Clinic", "Boss@Example.org", now=NOW)
    token = created.invite.invite_token
    assert created.as_dict() == {
        "clinic_id": created.clinic_id,
        "invite_token": token,
        "invite_path": f"/invite/{token}",
    }
    info = clinic.invite_info(uow, token, now=NOW)
    assert (info.clinic_name, info.email, info.role) == ("Knee Clinic", "boss@example.org", "admin")
    accepted = clinic.accept_invite(uow, token, "Boss", PASSWORD, now=NOW)
    assert accepted.as_dict().keys() == {"account_id", "role", "clinic_id", "otpauth_uri"}
    assert (accepted.role, accepted.clinic_id) == ("admin", created.clinic_id)
    with pytest.raises(InvalidInvite):
        clinic.accept_invite(uow, token, "Someone else", PASSWORD + "x", now=NOW)
    with pytest.raises(InvalidInvite):
        clinic.invite_info(uow, token, now=NOW)


def test_an_invite_expires_after_72_hours(uow: Database) -> None:
    late = clinic.init_clinic(uow, "One", "late@example.org", now=NOW).invite
    on_time = clinic.init_clinic(uow, "Two", "early@example.org", now=NOW).invite
    assert late.expires_at == NOW + dt.timedelta(hours=72)
    with pytest.raises(InvalidInvite):
        clinic.accept_invite(uow, late.invite_token, "Late", PASSWORD, now=late.expires_at)
    just_before = on_time.expires_at - dt.timedelta(seconds=1)
    assert clinic.accept_invite(uow, on_time.invite_token, "Early", PASSWORD, now=just_before)


def test_only_the_hash_of_a_token_is_stored(
    uow: Database, engine: Engine, world: ClinicWorld
) -> None:
    invite = clinic.invite_staff(uow, world.admin.actor, "new@example.org", "physio", now=NOW)
    stored = all_text(engine, "invites")
    assert invite.invite_token not in stored
    assert hashlib.sha256(invite.invite_token.encode()).hexdigest() in stored
    login = world.physio.login(uow, NOW)
    sessions = all_text(engine, "auth_sessions")
    assert login.token not in sessions
    assert hashlib.sha256(login.token.encode()).hexdigest() in sessions


def test_a_bad_token_is_one_answer(uow: Database) -> None:
    for token in ("", "nonsense", "x" * 500, None, 7):
        with pytest.raises(InvalidInvite) as caught:
            clinic.accept_invite(uow, token, "Anyone", PASSWORD, now=NOW)
        assert caught.value.message == (
            "This invite link is not valid any more. Ask for a new one."
        ), token


def test_a_refused_password_leaves_the_invite_usable(uow: Database) -> None:
    token = clinic.init_clinic(uow, "C", "kim.lee@example.org", now=NOW).invite.invite_token
    for bad in ("short", "kim.lee rules the clinic", "q1w2e3r4t5y6"):
        with pytest.raises(FieldError) as caught:
            clinic.accept_invite(uow, token, "Kim", bad, now=NOW)
        assert caught.value.field == "password"
    with pytest.raises(FieldError) as caught:
        clinic.accept_invite(uow, token, "  ", PASSWORD, now=NOW)
    assert caught.value.field == "name"
    assert clinic.accept_invite(uow, token, "Kim", PASSWORD, now=NOW).role == "admin"


def test_staff_get_a_totp_uri_and_patients_none(world: ClinicWorld, uow: Database) -> None:
    assert world.admin.secret and world.physio.secret
    assert world.patient.secret is None
    made = clinic.create_patient(uow, world.physio.actor, "Pat", "pat@example.org", now=NOW)
    accepted = clinic.accept_invite(uow, made.invite.invite_token, "Pat Smith", PASSWORD, now=NOW)
    assert accepted.otpauth_uri is None
    assert accepted.role == "patient"
    assert clinic.get_patient(uow, world.physio.actor, made.patient_id, now=NOW)["name"] == (
        "Pat Smith"
    )


def test_only_admins_invite_staff_and_only_as_physio_or_admin(
    world: ClinicWorld, uow: Database
) -> None:
    for member in (world.physio, world.patient):
        with pytest.raises(audit.Forbidden):
            clinic.invite_staff(uow, member.actor, "x@example.org", "physio", now=NOW)
    with pytest.raises(FieldError) as caught:
        clinic.invite_staff(uow, world.admin.actor, "x@example.org", "patient", now=NOW)
    assert caught.value.field == "role"
    with pytest.raises(FieldError) as caught:
        clinic.invite_staff(uow, world.admin.actor, world.physio.email, "admin", now=NOW)
    assert caught.value.field == "email"
    denied = audit.events(uow, world.admin.actor, now=NOW, actor_id=world.physio.account_id)
    assert [(e["action"], e["outcome"]) for e in denied][:1] == [("denied", "forbidden")]


def test_an_email_signs_in_to_one_account_without_telling_other_clinics(uow: Database) -> None:
    one = clinic.init_clinic(uow, "One", "admin1@example.org", now=NOW)
    admin_one = accept(uow, one.invite.invite_token, "admin1@example.org")
    two = clinic.init_clinic(uow, "Two", "admin2@example.org", now=NOW)
    admin_two = accept(uow, two.invite.invite_token, "admin2@example.org")
    physio_one = clinic.invite_staff(uow, admin_one.actor, "p1@example.org", "physio", now=NOW)
    physio_two = clinic.invite_staff(uow, admin_two.actor, "p2@example.org", "physio", now=NOW)
    p1 = accept(uow, physio_one.invite_token, "p1@example.org")
    p2 = accept(uow, physio_two.invite_token, "p2@example.org")
    first = clinic.create_patient(uow, p1.actor, "Alex", "alex@example.org", now=NOW)
    # Clinic two may add the same email: it learns nothing about clinic one.
    second = clinic.create_patient(uow, p2.actor, "Alex", "ALEX@example.org", now=NOW)
    accept(uow, first.invite.invite_token, "alex@example.org")
    with pytest.raises(FieldError) as caught:
        clinic.accept_invite(uow, second.invite.invite_token, "Alex", PASSWORD, now=NOW)
    assert caught.value.field == "email"
    assert "already has an account" in caught.value.problem


def test_a_new_invite_for_a_patient_replaces_the_old_one(world: ClinicWorld, uow: Database) -> None:
    made = clinic.create_patient(uow, world.physio.actor, "Rob", "rob@example.org", now=NOW)
    again = clinic.reinvite_patient(uow, world.physio.actor, made.patient_id, now=NOW)
    with pytest.raises(InvalidInvite):
        clinic.accept_invite(uow, made.invite.invite_token, "Rob", PASSWORD, now=NOW)
    assert clinic.accept_invite(uow, again.invite_token, "Rob", PASSWORD, now=NOW)
    with pytest.raises(FieldError) as caught:
        clinic.reinvite_patient(uow, world.physio.actor, made.patient_id, now=NOW)
    assert caught.value.field == "patient_id"
    with pytest.raises(audit.NotFound):
        clinic.reinvite_patient(uow, world.other_physio.actor, made.patient_id, now=NOW)


def test_admins_see_staff_and_open_invites_but_no_tokens(world: ClinicWorld, uow: Database) -> None:
    invite = clinic.invite_staff(uow, world.admin.actor, "new@example.org", "admin", now=NOW)
    members = clinic.staff(uow, world.admin.actor, now=NOW)
    assert [m["role"] for m in members] == ["admin", "physio", "physio"]
    open_now = clinic.open_invites(uow, world.admin.actor, now=NOW)
    assert open_now[0] == {
        "email": "new@example.org",
        "role": "admin",
        "patient_id": None,
        "expires_at": invite.expires_at.isoformat(),
    }
    assert invite.invite_token not in repr(open_now)
    later = NOW + dt.timedelta(hours=73)
    assert clinic.open_invites(uow, world.admin.actor, now=later) == []
    with pytest.raises(audit.Forbidden):
        clinic.staff(uow, world.physio.actor, now=NOW)
