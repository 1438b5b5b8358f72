"""Patients as accounts: who adds them, who is their physio, who may read them."""

from __future__ import annotations

import pytest

from kneecoach.domain.errors import FieldError
from kneecoach.services import audit, clinic
from kneecoach.store.db import Database
from tests.clinic.conftest import NOW, ClinicWorld


def test_a_physios_new_patient_is_theirs(world: ClinicWorld, uow: Database) -> None:
    made = clinic.create_patient(uow, world.physio.actor, " Ann  Lee ", "Ann@Example.org", now=NOW)
    assert made.as_dict() == {
        "patient_id": made.patient_id,
        "invite_token": made.invite.invite_token,
        "invite_path": f"/invite/{made.invite.invite_token}",
    }
    assert clinic.get_patient(uow, world.physio.actor, made.patient_id, now=NOW) == {
        "patient_id": made.patient_id,
        "name": "Ann Lee",
        "email": "ann@example.org",
        "physio_id": world.physio.account_id,
        "start_date": None,  # not started yet
    }
    with pytest.raises(FieldError) as caught:
        clinic.create_patient(
            uow,
            world.physio.actor,
            "Bo",
            "bo@example.org",
            world.other_physio.account_id,
            now=NOW,
        )
    assert caught.value.field == "physio_id"


def test_an_admin_names_the_physio(world: ClinicWorld, uow: Database) -> None:
    with pytest.raises(FieldError) as caught:
        clinic.create_patient(uow, world.admin.actor, "Cy", "cy@example.org", now=NOW)
    assert caught.value.field == "physio_id"
    for bad in (world.patient.account_id, 9999, "1", True):
        with pytest.raises(FieldError) as caught:
            clinic.create_patient(uow, world.admin.actor, "Cy", "cy@example.org", bad, now=NOW)
        assert caught.value.field == "physio_id"
    made = clinic.create_patient(
        uow, world.admin.actor, "Cy", "cy@example.org", world.other_physio.account_id, now=NOW
    )
    patient = clinic.get_patient(uow, world.admin.actor, made.patient_id, now=NOW)
    assert patient["physio_id"] == world.other_physio.account_id


def test_input_is_checked_after_the_role(world: ClinicWorld, uow: Database) -> None:
    with pytest.raises(audit.Forbidden):
        clinic.create_patient(uow, world.patient.actor, "", "not an email", now=NOW)
    for name, email, field in (("", "x@example.org", "name"), ("X", "nope", "email")):
        with pytest.raises(FieldError) as caught:
            clinic.create_patient(uow, world.physio.actor, name, email, now=NOW)
        assert caught.value.field == field
    with pytest.raises(FieldError) as caught:  # someone in this clinic has it
        clinic.create_patient(uow, world.physio.actor, "X", world.admin.email, now=NOW)
    assert caught.value.field == "email"


def test_lists_hold_a_physios_own_patients_or_the_whole_clinic(
    world: ClinicWorld, uow: Database
) -> None:
    def ids(rows: list[dict[str, object]]) -> list[object]:
        return [row["patient_id"] for row in rows]

    mine = clinic.list_patients(uow, world.physio.actor, now=NOW)
    assert ids(mine) == [world.patient.patient_id]
    assert mine[0].keys() >= {"patient_id", "name", "physio_id"}
    assert ids(clinic.list_patients(uow, world.other_physio.actor, now=NOW)) == [
        world.other_patient.patient_id
    ]
    everyone = clinic.list_patients(uow, world.admin.actor, now=NOW)
    assert ids(everyone) == [world.patient.patient_id, world.other_patient.patient_id]
    with pytest.raises(audit.Forbidden):
        clinic.list_patients(uow, world.patient.actor, now=NOW)


def test_a_patient_record_is_for_their_physio_and_admins(world: ClinicWorld, uow: Database) -> None:
    patient = world.patient.patient_id
    assert patient is not None
    assert clinic.get_patient(uow, world.physio.actor, patient, now=NOW)["patient_id"] == patient
    assert clinic.get_patient(uow, world.admin.actor, patient, now=NOW)["patient_id"] == patient
    with pytest.raises(audit.NotFound) as missing_other:
        clinic.get_patient(uow, world.other_physio.actor, patient, now=NOW)
    with pytest.raises(audit.NotFound) as missing_none:
        clinic.get_patient(uow, world.physio.actor, 9999, now=NOW)
    assert str(missing_other.value) == str(missing_none.value)  # alike
    with pytest.raises(audit.Forbidden):
        clinic.get_patient(uow, world.patient.actor, patient, now=NOW)


def test_admins_assign_patients(world: ClinicWorld, uow: Database) -> None:
    patient = world.patient.patient_id
    assert patient is not None
    moved = clinic.assign_patient(
        uow, world.admin.actor, patient, world.other_physio.account_id, now=NOW
    )
    assert moved == {"patient_id": patient, "physio_id": world.other_physio.account_id}
    with pytest.raises(audit.NotFound):
        clinic.get_patient(uow, world.physio.actor, patient, now=NOW)
    assert clinic.get_patient(uow, world.other_physio.actor, patient, now=NOW)
    # An admin may be a patient's physio too.
    clinic.assign_patient(uow, world.admin.actor, patient, world.admin.account_id, now=NOW)
    for member in (world.physio, world.patient):
        with pytest.raises(audit.Forbidden):
            clinic.assign_patient(uow, member.actor, patient, member.account_id, now=NOW)
    with pytest.raises(audit.NotFound):
        clinic.assign_patient(uow, world.admin.actor, 9999, world.physio.account_id, now=NOW)
    with pytest.raises(FieldError) as caught:
        clinic.assign_patient(uow, world.admin.actor, patient, world.patient.account_id, now=NOW)
    assert caught.value.field == "physio_id"


def test_clinical_data_is_for_the_patients_physio_only(world: ClinicWorld, uow: Database) -> None:
    patient = world.patient.patient_id
    assert patient is not None
    with uow.read() as store:
        assert clinic.clinical_access(store, world.physio.actor, patient).id == (
            world.physio.account_id
        )
        for member, refusal in (
            (world.admin, audit.Forbidden),
            (world.patient, audit.Forbidden),
            (world.other_physio, audit.NotFound),
        ):
            with pytest.raises(refusal):
                clinic.clinical_access(store, member.actor, patient)
        with pytest.raises(audit.NotFound):
            clinic.clinical_access(store, world.physio.actor, 9999)


def test_relations_come_from_the_signed_in_account(world: ClinicWorld, uow: Database) -> None:
    patient = world.patient.patient_id
    assert patient is not None
    with uow.read() as store:

        def relation(account_id: int, patient_id: int = patient) -> str:
            account = store.clinic.account(account_id)
            assert account is not None
            return clinic.relation(store, account, patient_id)

        assert relation(world.patient.account_id) == "self"
        assert relation(world.other_patient.account_id) == "none"
        assert relation(world.physio.account_id) == "physio"
        assert relation(world.other_physio.account_id) == "none"
        assert relation(world.admin.account_id) == "admin"
        assert relation(world.admin.account_id, 9999) == "none"


def test_the_personal_owner_is_no_clinic_actor(world: ClinicWorld, uow: Database) -> None:
    from kneecoach.services.actor import OWNER, Actor

    for actor in (OWNER, Actor("physio", 9999), Actor("admin", world.physio.account_id)):
        with pytest.raises(audit.Forbidden):
            clinic.list_patients(uow, actor, now=NOW)
