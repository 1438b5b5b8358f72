"""Prescribing (CL-1, CL-2): a physiotherapist sets a patient's programme, or applies a
template the clinic shares.

Only the patient's own physio may prescribe (`clinic.clinical_access`: an admin who is
not it gets Forbidden, anyone else NotFound). A prescription is checked whole by
`domain.prescription.check_prescription` before anything is written; a refusal
(FieldError naming the field) writes nothing. An accepted one is a new programme
version with `source: "prescription"`, effective the next day: from then the course
re-plans from it exactly like a settings change (`store.repository.REPLAN_SOURCES`).
Its first reason reads `CL-1: prescribed by <physio name>: <reason>`. Each write is
one `update` (prescription) or `create` (template) audit event. docs/prescribing.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kneecoach.domain.dates import check_day, parse_iso_day
from kneecoach.domain.errors import FieldError
from kneecoach.domain.planning import Slot, parse_profile
from kneecoach.domain.prescription import check_prescription
from kneecoach.services import audit
from kneecoach.services.actor import Actor
from kneecoach.services.audit import CLI, Forbidden, NotFound, Origin
from kneecoach.services.auth import STAFF
from kneecoach.services.clinic import NoProgrammeYet, clinical_access
from kneecoach.services.course import load
from kneecoach.store.templates import TemplateRecord

if TYPE_CHECKING:
    from kneecoach.domain.exercises import Catalogue
    from kneecoach.services.uow import UnitOfWork
    from kneecoach.store.clinic import AccountRecord
    from kneecoach.store.repository import Store

TEMPLATE_NAME_MAX = 200
# The profile keys a prescription may change, with how the version's reasons word them.
SETTINGS = {
    "days_per_week": "{} days a week",
    "minutes_per_session": "{} minutes a session",
}


class NoSuchTemplate(NotFound):
    """A template of another clinic, or none: alike (web: 404 naming `template_id`)."""

    field = "template_id"

    def __init__(self, *, patient_id: int) -> None:
        super().__init__("No such template.", patient_id=patient_id)


def _plain(body: object) -> Any:
    """A pydantic model (the API's) or plain values (a dict) as plain values."""
    dump = getattr(body, "model_dump", None)
    return dump(exclude_none=True) if callable(dump) else body


def prescribe(
    uow: UnitOfWork,
    catalogue: Catalogue,
    actor: Actor,
    patient_id: int,
    body: object,
    *,
    today: dt.date,
    now: dt.datetime,
    origin: Origin = CLI,
) -> dict[str, Any]:
    """Set the patient's programme from `body`: the API's `ProgrammePut` model or the same
    as plain values, `{"days_per_week"?, "minutes_per_session"?, "slots": [{"exercise_id",
    "dose": {"sets", "reps"?, "hold_seconds"?, "minutes"?, "load_kg"?}, "locked"?,
    "note"?}], "reason", "override_pr8"?: {"reason"}, "date"?}`. `date` is the day it is
    made (default `today`; not before it, at most 366 days after). In force from the next
    day (or the programme's start, if later).

    Returns {"version", "effective_date" (ISO), "reasons": [{"rule", "message"}]}.
    Raises Forbidden / NotFound (audited), NoProgrammeYet, or FieldError naming the field.
    """
    raw = _plain(body)

    def work(store: Store) -> dict[str, Any]:
        member = clinical_access(store, actor, patient_id)
        made = _prescribe(store, catalogue, member, patient_id, raw, today)
        _audited(store, member, patient_id, now, origin)
        return made

    return audit.write_or_deny(uow, work, actor=actor, now=now, origin=origin)


def _day_of(raw: Mapping[str, Any], today: dt.date) -> dt.date:
    value = raw.get("date")
    if value is None:
        return today
    day = check_day(parse_iso_day(value, "date"), today, "date")
    if day < today:
        raise FieldError(
            "date",
            f"{day.isoformat()} is before today ({today.isoformat()}): a prescription "
            "cannot change the past",
        )
    return day


def _prescribe(
    store: Store,
    catalogue: Catalogue,
    member: AccountRecord,
    patient_id: int,
    raw: object,
    today: dt.date,
    extra_reasons: tuple[dict[str, Any], ...] = (),
) -> dict[str, Any]:
    patient = store.clinic.patient(member.clinic_id, patient_id)
    if patient is None:  # clinical_access found them a moment ago, in this same work
        raise NotFound(patient_id=patient_id).by(member)
    if patient.start_date is None:
        raise NoProgrammeYet()
    if not isinstance(raw, Mapping):
        raise FieldError("body", "expected an object")
    day = _day_of(raw, today)
    person = store.person(patient_id)
    course = load(store, catalogue, patient_id, day, person).course
    old = dict(person["profile"])
    checked = check_prescription(
        raw,
        catalogue,
        current=course.slots,
        valgus_ban=course.valgus_ban,
        days_per_week=int(old["days_per_week"]),
    )
    effective = max(day + dt.timedelta(days=1), person["start_date"])
    reasons: list[dict[str, Any]] = [
        {"rule": "CL-1", "message": f"CL-1: prescribed by {member.name}: {checked.reason}"},
        *extra_reasons,
    ]
    new = dict(old)
    for key, words in SETTINGS.items():
        value = getattr(checked, key)
        if value is not None and value != old.get(key):
            new[key] = value
            reasons.append(
                {
                    "rule": "CL-1",
                    "message": f"Settings changed: {words.format(value)} "
                    f"(was {words.format(old.get(key))})",
                }
            )
    if new != old:
        parse_profile(new)  # the domain's own check (already in range: never fails here)
        store.update_profile(patient_id, new)
    reasons += [r.as_dict() for r in checked.notes]
    versions = store.programme_versions(patient_id)
    version = max(v["version"] for v in versions) + 1
    store.add_programme_version(
        patient_id,
        version=version,
        effective_date=effective,
        programme={
            "slots": [s.as_dict() for s in checked.slots],
            "source": "prescription",
            "valgus_ban": course.valgus_ban,
            "prescribed_by": member.id,
            "override_pr8": (
                None if checked.override_pr8 is None else {"reason": checked.override_pr8}
            ),
        },
        reasons=reasons,
    )
    return {"version": version, "effective_date": effective.isoformat(), "reasons": reasons}


# --- templates ------------------------------------------------------------------------


def _template_name(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise FieldError("name", "Give the template a name.")
    name = " ".join(value.split())
    if len(name) > TEMPLATE_NAME_MAX:
        raise FieldError("name", f"Use at most {TEMPLATE_NAME_MAX} characters.")
    if not name.isprintable():
        raise FieldError("name", "Use letters, digits, spaces and punctuation only.")
    return name


def _as_body_slot(slot: Slot) -> dict[str, Any]:
    """A slot as a prescription's body gives it."""
    dose = slot.dose
    parts = {
        "sets": dose.sets,
        "reps": dose.reps,
        "hold_seconds": dose.hold_seconds,
        "minutes": dose.minutes,
        "load_kg": dose.load_kg,
    }
    return {
        "exercise_id": slot.exercise_id,
        "dose": {k: v for k, v in parts.items() if v is not None},
        "locked": slot.locked,
        "note": slot.note,
    }


def _template_dict(template: TemplateRecord) -> dict[str, Any]:
    return {
        "template_id": template.id,
        "name": template.name,
        "created_by": template.created_by,
        "created_at": template.created_at.isoformat(),
        "programme": template.programme,
    }


def _staff(store: Store, actor: Actor) -> AccountRecord:
    account = audit.signed_in(store, actor)
    if account.role not in STAFF:
        raise Forbidden().by(account)
    return account


def create_template(
    uow: UnitOfWork,
    catalogue: Catalogue,
    actor: Actor,
    name: object,
    from_patient_id: int,
    *,
    today: dt.date,
    now: dt.datetime,
    origin: Origin = CLI,
) -> dict[str, Any]:
    """Keep a patient's programme as it stands the day after `today` (a prescription
    made today included) as a template of the clinic,
    by name (unique in the clinic). Only the patient's physio may (`clinical_access`).
    The template holds the programme as a prescription's body gives it (paused
    exercises left out) and the patient's days and minutes.

    Returns {"template_id", "name", "created_by", "created_at", "programme"}.
    """

    def work(store: Store) -> dict[str, Any]:
        member = clinical_access(store, actor, from_patient_id)
        label = _template_name(name)
        patient = store.clinic.patient(member.clinic_id, from_patient_id)
        if patient is None:
            raise NotFound(patient_id=from_patient_id).by(member)
        if patient.start_date is None:
            raise NoProgrammeYet()
        if store.templates.by_name(member.clinic_id, label) is not None:
            raise FieldError("name", "This clinic already has a template with this name.")
        person = store.person(from_patient_id)
        # From the next day, like a prescription: one made today is what is kept.
        day = max(today + dt.timedelta(days=1), patient.start_date)
        course = load(store, catalogue, from_patient_id, day, person).course
        slots = [_as_body_slot(s) for s in course.slots if not s.paused]
        if not slots:
            raise FieldError("from_patient_id", "This patient's programme has no exercise now.")
        profile = person["profile"]
        made = store.templates.add(
            clinic_id=member.clinic_id,
            name=label,
            created_by=member.id,
            now=now,
            programme={
                "days_per_week": profile["days_per_week"],
                "minutes_per_session": profile["minutes_per_session"],
                "slots": slots,
            },
        )
        audit.record(
            store,
            at=now,
            action="create",
            outcome="template",
            account=member,
            patient_id=from_patient_id,
            origin=origin,
        )
        return _template_dict(made)

    return audit.write_or_deny(uow, work, actor=actor, now=now, origin=origin)


def templates(
    uow: UnitOfWork, actor: Actor, *, now: dt.datetime, origin: Origin = CLI
) -> list[dict[str, Any]]:
    """The templates of the staff member's clinic, by name; one `read` event."""

    def work(store: Store) -> list[dict[str, Any]]:
        member = _staff(store, actor)
        found = store.templates.of_clinic(member.clinic_id)
        audit.record(
            store, at=now, action="read", outcome="templates", account=member, origin=origin
        )
        return [_template_dict(t) for t in found]

    return audit.write_or_deny(uow, work, actor=actor, now=now, origin=origin)


def apply_template(
    uow: UnitOfWork,
    catalogue: Catalogue,
    actor: Actor,
    patient_id: int,
    template_id: int,
    reason: object,
    *,
    today: dt.date,
    now: dt.datetime,
    origin: Origin = CLI,
) -> dict[str, Any]:
    """Prescribe a clinic template to a patient, with the physio's `reason`: the same
    checks and answer as `prescribe` (a template of another clinic, or none: NotFound)."""

    def work(store: Store) -> dict[str, Any]:
        member = clinical_access(store, actor, patient_id)
        found = store.templates.get(member.clinic_id, template_id)
        if found is None:
            raise NoSuchTemplate(patient_id=patient_id).by(member)
        raw = {**found.programme, "reason": reason}
        note = {"rule": "CL-1", "message": f"From the template {found.name!r}."}
        made = _prescribe(store, catalogue, member, patient_id, raw, today, (note,))
        _audited(store, member, patient_id, now, origin)
        return made

    return audit.write_or_deny(uow, work, actor=actor, now=now, origin=origin)


def _audited(
    store: Store, member: AccountRecord, patient_id: int, now: dt.datetime, origin: Origin
) -> None:
    """The `update` event a prescription leaves (made directly or from a template)."""
    audit.record(
        store,
        at=now,
        action="update",
        outcome="prescription",
        account=member,
        patient_id=patient_id,
        origin=origin,
    )
