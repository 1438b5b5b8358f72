"""What printouts and exports read: a person's course as it stands on a day, with
everything they logged, in one unit of work; and the same for a clinic patient's
physio, audited as an export (issue 13: the staff patient page's handout, progress
report and FHIR bundle).

`reports/current.py` makes its `Current` from a `Snapshot`; the reports never open the
store themselves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from kneecoach.domain.progression import Decision
from kneecoach.domain.trends import Escalation
from kneecoach.services import audit
from kneecoach.services.account import _export
from kneecoach.services.actor import Actor
from kneecoach.services.audit import CLI, Origin
from kneecoach.services.clinic import NoProgrammeYet, clinical_access
from kneecoach.services.course import Loaded, history, load

if TYPE_CHECKING:
    from kneecoach.domain.exercises import Catalogue
    from kneecoach.services.uow import UnitOfWork
    from kneecoach.store.repository import Store

Export = Literal["handout", "report", "fhir"]


@dataclass(frozen=True)
class Snapshot:
    """One person's course folded up to a day (read only: nothing is stored), every
    decision and escalation up to it, and everything they logged (any date)."""

    person_id: int
    day: dt.date
    person: dict[str, Any]
    loaded: Loaded
    decisions: tuple[Decision, ...]
    escalations: tuple[Escalation, ...]
    checkins: tuple[dict[str, Any], ...]
    sessions: tuple[dict[str, Any], ...]
    psfs: tuple[dict[str, Any], ...]


def snapshot_in(store: Store, catalogue: Catalogue, person_id: int, day: dt.date) -> Snapshot:
    """The person's snapshot on `day`, in a unit of work the caller opened (the actor
    already checked)."""
    person = store.person(person_id)
    loaded = load(store, catalogue, person_id, max(day, person["start_date"]), person)
    decisions, escalations = history(store, loaded)
    return Snapshot(
        person_id,
        day,
        person,
        loaded,
        tuple(decisions),
        tuple(escalations),
        tuple(store.checkins(person_id)),
        tuple(store.sessions(person_id)),
        tuple(store.psfs(person_id)),
    )


def for_physio(
    uow: UnitOfWork,
    catalogue: Catalogue,
    actor: Actor,
    patient_id: int,
    day: dt.date,
    export: Export,
    *,
    now: dt.datetime,
    origin: Origin = CLI,
) -> tuple[Snapshot, dict[str, Any]]:
    """A clinic patient's snapshot on `day` and their export document
    (docs/export-format.md), for a printout or a FHIR bundle made by their physio only
    (`clinic.clinical_access`). One unit of work with one `export` audit event whose
    outcome names the export; a refusal leaves a `denied` event instead. NoProgrammeYet
    before the patient has started. The handout is the programme as it will stand: a
    prescription that starts on a later day is in it (the snapshot is of that day)."""

    def work(store: Store) -> tuple[Snapshot, dict[str, Any]]:
        member = clinical_access(store, actor, patient_id)
        patient = store.clinic.patient(member.clinic_id, patient_id)
        if patient is None or patient.start_date is None:
            raise NoProgrammeYet()
        until = _handout_day(store, patient_id, day) if export == "handout" else day
        found = snapshot_in(store, catalogue, patient_id, until), _export(store, patient_id)
        audit.record(
            store,
            at=now,
            action="export",
            outcome=export,
            account=member,
            patient_id=patient_id,
            origin=origin,
        )
        return found

    return audit.write_or_deny(uow, work, actor=actor, now=now, origin=origin)


def _handout_day(store: Store, patient_id: int, day: dt.date) -> dt.date:
    """`day`, or the start of the newest prescription still to come, so a handout
    printed at the appointment shows what the physio has just prescribed."""
    later = [
        v["effective_date"]
        for v in store.programme_versions(patient_id, since=day + dt.timedelta(days=1))
        if v["programme"].get("source") == "prescription"
    ]
    return max(later, default=day)
