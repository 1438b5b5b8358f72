"""The current person's programme as it stands on a day: what every printout starts from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from kneecoach.domain.course import Course
from kneecoach.domain.exercises import Catalogue
from kneecoach.domain.planning import WEEKDAYS, Profile, Session, build_week, parse_profile
from kneecoach.domain.progression import Decision
from kneecoach.domain.trends import Escalation
from kneecoach.services import exports
from kneecoach.services.actor import Actor, permit
from kneecoach.services.audit import CLI, Origin
from kneecoach.services.course import version_number
from kneecoach.services.exports import Export, Snapshot, snapshot_in
from kneecoach.services.uow import UnitOfWork


@dataclass(frozen=True)
class Current:
    person_id: int
    person: dict[str, Any]
    profile: Profile
    course: Course
    # The week as the planner lays it out today: one Session per training day.
    week: tuple[Session, ...]
    day: dt.date
    # The newest stored programme version (settings changes are numbered among them).
    latest_version: int
    # Every decision and escalation up to `day`, in the order the engine made them.
    decisions: tuple[Decision, ...] = ()
    escalations: tuple[Escalation, ...] = ()
    # Everything the person logged (any date): the progress report picks its period.
    checkins: tuple[dict[str, Any], ...] = ()
    sessions: tuple[dict[str, Any], ...] = ()
    psfs: tuple[dict[str, Any], ...] = ()

    @property
    def stopped(self) -> bool:
        return self.course.stop is not None

    def session_on(self, day: dt.date) -> Session | None:
        by_day = {s.weekday: s for s in self.week}
        return by_day.get(WEEKDAYS[day.weekday()])


def current(
    uow: UnitOfWork, catalogue: Catalogue, person_id: int, day: dt.date, *, actor: Actor
) -> Current:
    """Fold the person's course up to `day` (read only: nothing is stored)."""
    permit(actor, person_id)  # store.person refuses an unknown one
    with uow.read() as store:
        found = snapshot_in(store, catalogue, person_id, day)
    return current_of(found, catalogue, day)


def current_of(found: Snapshot, catalogue: Catalogue, day: dt.date) -> Current:
    """The printouts' view of a snapshot (services/exports.py) on `day`."""
    profile = parse_profile(found.person["profile"])
    course = found.loaded.course
    week = build_week(catalogue, course.slots, profile.days_per_week, profile.minutes_per_session)
    return Current(
        found.person_id,
        found.person,
        profile,
        course,
        week,
        day,
        version_number(found.loaded),
        found.decisions,
        found.escalations,
        found.checkins,
        found.sessions,
        found.psfs,
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
) -> tuple[Current, dict[str, Any]]:
    """A clinic patient's programme on `day` (for the handout: with a prescription that
    starts later) and their export document, for their physio only; one `export` audit
    event (`services.exports.for_physio`)."""
    found, document = exports.for_physio(
        uow, catalogue, actor, patient_id, day, export, now=now, origin=origin
    )
    return current_of(found, catalogue, found.day), document
