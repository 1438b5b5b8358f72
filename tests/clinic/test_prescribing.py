"""Prescribing (CL-1) and templates as services, on SQLite and PostgreSQL: who may, what is
stored, what the patient then sees, and that a refusal changes no row."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import MetaData, select

from kneecoach.content.loader import load_catalogue
from kneecoach.domain.errors import FieldError
from kneecoach.services import account, audit, onboarding, prescribing, progress, today
from kneecoach.services.actor import Actor
from kneecoach.services.clinic import NoProgrammeYet
from kneecoach.store.db import Database
from tests.clinic.conftest import NOW, ClinicWorld, make_clinic
from tests.factories import profile

CATALOGUE = load_catalogue()
TODAY = NOW.date()  # a Monday
START = TODAY - dt.timedelta(days=7)


def patient_actor(world: ClinicWorld, other: bool = False) -> Actor:
    member = world.other_patient if other else world.patient
    return Actor("patient", member.account_id, member.patient_id, world.clinic_id)


def started(uow: Database, world: ClinicWorld, other: bool = False) -> int:
    actor = patient_actor(world, other)
    onboarding.start_programme(uow, CATALOGUE, profile(), START, actor=actor)
    assert actor.person_id is not None
    return actor.person_id


def body(**more: Any) -> dict[str, Any]:
    return {
        "slots": [
            {"exercise_id": "bridge", "dose": {"sets": 3, "reps": 12}, "locked": True},
            {"exercise_id": "walking", "dose": {"sets": 1, "minutes": 15}, "note": "Flat ground"},
        ],
        "reason": "Build hip strength before the step-ups",
        **more,
    }


def rows(uow: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (the audit trail aside)."""
    engine = uow.engine
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        return {
            table.name: sorted(map(tuple, connection.execute(select(table))), key=repr)
            for table in metadata.sorted_tables
            if table.name not in ("audit_events", "audit_head")
        }


def test_the_physio_prescribes_and_the_patient_sees_it_from_the_next_day(
    world: ClinicWorld, uow: Database
) -> None:
    patient_id = started(uow, world)
    made = prescribing.prescribe(
        uow, CATALOGUE, world.physio.actor, patient_id, body(days_per_week=4), today=TODAY, now=NOW
    )
    tomorrow = TODAY + dt.timedelta(days=1)
    assert made["effective_date"] == tomorrow.isoformat()
    first = made["reasons"][0]
    assert first == {
        "rule": "CL-1",
        "message": "CL-1: prescribed by Sam Example: Build hip strength before the step-ups",
    }
    assert "Settings changed: 4 days a week (was 3 days a week)" in [
        r["message"] for r in made["reasons"]
    ]
    actor = patient_actor(world)
    before = today.today(uow, CATALOGUE, patient_id, TODAY, actor=actor)
    assert "lateral-leg-raise" in {i["exercise_id"] for i in before["items"]}  # the plan
    after = today.today(uow, CATALOGUE, patient_id, tomorrow, actor=actor)  # a Tuesday
    assert after["status"] == "session"
    # 4 days a week (Mon, Tue, Thu, Sat): no strength on Tuesday, 48 h after Monday (PR-2).
    assert {i["exercise_id"] for i in after["items"]} == {"walking"}
    thursday = today.today(uow, CATALOGUE, patient_id, TODAY + dt.timedelta(days=3), actor=actor)
    assert {i["exercise_id"] for i in thursday["items"]} == {"bridge", "walking"}
    bridge = next(i for i in thursday["items"] if i["exercise_id"] == "bridge")
    assert (bridge["dose"]["sets"], bridge["dose"]["reps"]) == (3, 12)
    seen = progress.progress(uow, CATALOGUE, patient_id, tomorrow, actor=actor)
    version = next(v for v in seen["versions"] if v["version"] == made["version"])
    assert version["reasons"][0] == first["message"]
    assert version["effective_date"] == tomorrow.isoformat()
    with uow.read() as store:
        stored = store.programme_versions(patient_id)[-1]
        assert stored["programme"]["source"] == "prescription"
        assert stored["programme"]["prescribed_by"] == world.physio.account_id
        assert stored["programme"]["slots"][0]["locked"] is True
        assert store.person(patient_id)["profile"]["days_per_week"] == 4
        events = store.clinic.audit_events(world.clinic_id)
    assert any(
        (e.action, e.outcome, e.patient_id) == ("update", "prescription", patient_id)
        for e in events
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"exercise_id": "avoid-deep-squats-lunges"}, "slots.1.exercise_id"),
        ({"dose": {"sets": 1, "minutes": 45}}, "slots.1.dose.minutes"),
    ],
)
def test_a_refused_prescription_changes_nothing(
    world: ClinicWorld, uow: Database, change: dict[str, Any], field: str
) -> None:
    patient_id = started(uow, world)
    raw = body()
    raw["slots"][1] = {**raw["slots"][1], **change}
    before = rows(uow)
    with pytest.raises(FieldError) as caught:
        prescribing.prescribe(
            uow, CATALOGUE, world.physio.actor, patient_id, raw, today=TODAY, now=NOW
        )
    assert caught.value.field == field
    assert rows(uow) == before


def test_only_the_patients_physio_prescribes(world: ClinicWorld, uow: Database) -> None:
    patient_id = started(uow, world)
    for actor, refusal in (
        (world.admin.actor, audit.Forbidden),
        (world.other_physio.actor, audit.NotFound),
        (world.patient.actor, audit.Forbidden),
    ):
        with pytest.raises(refusal):
            prescribing.prescribe(uow, CATALOGUE, actor, patient_id, body(), today=TODAY, now=NOW)
    with pytest.raises(NoProgrammeYet):  # the other physio's patient has not started
        prescribing.prescribe(
            uow,
            CATALOGUE,
            world.other_physio.actor,
            world.other_patient.patient_id,
            body(),
            today=TODAY,
            now=NOW,
        )


def test_the_day_of_a_prescription_follows_the_date_rule(world: ClinicWorld, uow: Database) -> None:
    patient_id = started(uow, world)
    for day in ((TODAY - dt.timedelta(days=1)).isoformat(), "2026-13-01", "next week"):
        with pytest.raises(FieldError) as caught:
            prescribing.prescribe(
                uow, CATALOGUE, world.physio.actor, patient_id, body(date=day), today=TODAY, now=NOW
            )
        assert caught.value.field == "date"
    later = TODAY + dt.timedelta(days=10)
    made = prescribing.prescribe(
        uow, CATALOGUE, world.physio.actor, patient_id, body(date=later), today=TODAY, now=NOW
    )
    assert made["effective_date"] == (later + dt.timedelta(days=1)).isoformat()


def test_templates_are_shared_within_the_clinic_only(world: ClinicWorld, uow: Database) -> None:
    patient_id = started(uow, world)
    other_id = started(uow, world, other=True)
    prescribing.prescribe(
        uow, CATALOGUE, world.physio.actor, patient_id, body(), today=TODAY, now=NOW
    )
    made = prescribing.create_template(
        uow, CATALOGUE, world.physio.actor, "Hip first", patient_id, today=TODAY, now=NOW
    )
    assert made["programme"]["slots"][0] == {
        "exercise_id": "bridge",
        "dose": {"sets": 3, "reps": 12, "hold_seconds": 2},
        "locked": True,
        "note": None,
    }
    with pytest.raises(FieldError) as caught:
        prescribing.create_template(
            uow, CATALOGUE, world.physio.actor, "Hip first", patient_id, today=TODAY, now=NOW
        )
    assert caught.value.field == "name"
    with pytest.raises(audit.NotFound):  # not their patient
        prescribing.create_template(
            uow, CATALOGUE, world.other_physio.actor, "Mine", patient_id, today=TODAY, now=NOW
        )
    # The other physio of the clinic sees it and applies it to their own patient.
    listed = prescribing.templates(uow, world.other_physio.actor, now=NOW)
    assert [t["name"] for t in listed] == ["Hip first"]
    applied = prescribing.apply_template(
        uow,
        CATALOGUE,
        world.other_physio.actor,
        other_id,
        made["template_id"],
        "Same plan as it worked",
        today=TODAY,
        now=NOW,
    )
    assert applied["reasons"][0]["message"] == (
        "CL-1: prescribed by Sam Example: Same plan as it worked"
    )
    assert applied["reasons"][1]["message"] == "From the template 'Hip first'."
    # Another clinic neither lists it nor applies it.
    two = make_clinic(uow, "two")
    assert prescribing.templates(uow, two.physio.actor, now=NOW) == []
    two_patient = Actor("patient", two.patient.account_id, two.patient.patient_id, two.clinic_id)
    onboarding.start_programme(uow, CATALOGUE, profile(), START, actor=two_patient)
    with pytest.raises(prescribing.NoSuchTemplate):
        prescribing.apply_template(
            uow,
            CATALOGUE,
            two.physio.actor,
            two.patient.patient_id,
            made["template_id"],
            "Borrowed",
            today=TODAY,
            now=NOW,
        )


def test_a_settings_change_keeps_the_prescription(world: ClinicWorld, uow: Database) -> None:
    patient_id = started(uow, world)
    prescribing.prescribe(
        uow, CATALOGUE, world.physio.actor, patient_id, body(), today=TODAY, now=NOW
    )
    actor = patient_actor(world)
    later = TODAY + dt.timedelta(days=2)  # a Wednesday, a strength day
    changed = account.change_settings(
        uow, CATALOGUE, patient_id, {"minutes_per_session": 45}, later, actor=actor
    )
    assert changed["changed"] == ["minutes_per_session"]
    seen = today.today(uow, CATALOGUE, patient_id, later, actor=actor)
    assert {i["exercise_id"] for i in seen["items"]} == {"bridge", "walking"}
    with uow.read() as store:
        newest = store.programme_versions(patient_id)[-1]["programme"]
    assert newest["prescribed_by"] == world.physio.account_id
    assert [s["locked"] for s in newest["slots"]] == [True, False]
