"""Two clinics in one database: nothing of one is visible to the other."""

from __future__ import annotations

import pytest

from kneecoach.domain.errors import FieldError
from kneecoach.services import audit, auth, clinic
from kneecoach.store.db import Database
from tests.clinic.conftest import NOW, ClinicWorld

Worlds = tuple[ClinicWorld, ClinicWorld]


def test_each_admin_lists_only_their_clinics_patients_and_staff(
    two_worlds: Worlds, uow: Database
) -> None:
    one, two = two_worlds
    for mine, theirs in ((one, two), (two, one)):
        listed = {p["patient_id"] for p in clinic.list_patients(uow, mine.admin.actor, now=NOW)}
        assert listed == {mine.patient.patient_id, mine.other_patient.patient_id}
        assert not listed & {theirs.patient.patient_id, theirs.other_patient.patient_id}
        staff = {s["account_id"] for s in clinic.staff(uow, mine.admin.actor, now=NOW)}
        assert staff == {
            mine.admin.account_id,
            mine.physio.account_id,
            mine.other_physio.account_id,
        }


def test_another_clinics_patient_is_not_found(two_worlds: Worlds, uow: Database) -> None:
    one, two = two_worlds
    theirs = two.patient.patient_id
    assert theirs is not None
    for member in (one.admin, one.physio):
        with pytest.raises(audit.NotFound):
            clinic.get_patient(uow, member.actor, theirs, now=NOW)
        with pytest.raises(audit.NotFound):
            clinic.reinvite_patient(uow, member.actor, theirs, now=NOW)
    with pytest.raises(audit.NotFound):
        clinic.assign_patient(uow, one.admin.actor, theirs, one.physio.account_id, now=NOW)
    with uow.read() as store:
        with pytest.raises(audit.NotFound):
            clinic.clinical_access(store, one.physio.actor, theirs)
        account = store.clinic.account(one.admin.account_id)
        assert account is not None
        assert clinic.relation(store, account, theirs) == "none"


def test_another_clinics_physio_cannot_be_named(two_worlds: Worlds, uow: Database) -> None:
    one, two = two_worlds
    patient = one.patient.patient_id
    assert patient is not None
    with pytest.raises(FieldError) as caught:
        clinic.assign_patient(uow, one.admin.actor, patient, two.physio.account_id, now=NOW)
    assert caught.value.field == "physio_id"
    with pytest.raises(FieldError):
        clinic.create_patient(
            uow, one.admin.actor, "Di", "di@example.org", two.physio.account_id, now=NOW
        )


def test_the_audit_trail_is_split_by_clinic(two_worlds: Worlds, uow: Database) -> None:
    one, two = two_worlds
    with pytest.raises(audit.NotFound):
        clinic.get_patient(uow, two.physio.actor, one.patient.patient_id or 0, now=NOW)
    one_events = audit.events(uow, one.admin.actor, now=NOW)
    two_events = audit.events(uow, two.admin.actor, now=NOW)
    one_actors = {
        one.admin.account_id,
        one.physio.account_id,
        one.other_physio.account_id,
        one.patient.account_id,
        one.other_patient.account_id,
    }
    assert {e["actor_id"] for e in one_events} <= one_actors | {None}
    # The denial is clinic two's: its physio asked.
    assert two_events[0]["action"] == "denied"
    assert two_events[0]["actor_id"] == two.physio.account_id
    assert all(e["id"] != two_events[0]["id"] for e in one_events)
    assert audit.verify(uow).ok  # one chain for the database


def test_signing_in_gives_each_account_its_own_clinic(two_worlds: Worlds, uow: Database) -> None:
    one, two = two_worlds
    assert one.physio.login(uow, NOW).as_dict()["clinic_id"] == one.clinic_id
    who = auth.session_account(uow, two.patient.login(uow, NOW).token, now=NOW)
    assert who is not None and who.clinic_id == two.clinic_id
