"""What the pages and printouts show about a person beside the course: read-only views,
and acknowledging an escalation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kneecoach.domain.planning import Profile, parse_profile
from kneecoach.domain.trends import Score, usual_morning
from kneecoach.services.actor import Actor, permit
from kneecoach.services.course import Loaded
from kneecoach.services.today import is_screening_due
from kneecoach.services.uow import UnitOfWork

URGENCY_ORDER = {"emergency": 0, "urgent": 1, "soon": 2, "none": 3}


@dataclass(frozen=True)
class PersonView:
    """A person's row: their profile as given and as parsed, start and baseline."""

    person_id: int
    profile: dict[str, Any]
    parsed: Profile
    start_date: dt.date
    baseline_pain: int

    @property
    def units(self) -> str:
        return str(self.profile.get("units", "metric"))


def person(uow: UnitOfWork, person_id: int, *, actor: Actor) -> PersonView:
    permit(actor, person_id)  # the store refuses a person who is not there
    with uow.read() as store:
        row = store.person(person_id)
    return PersonView(
        person_id,
        dict(row["profile"]),
        parse_profile(row["profile"]),
        row["start_date"],
        row["baseline_pain"],
    )


def escalations(
    uow: UnitOfWork, person_id: int | None, *, actor: Actor, open_only: bool = False
) -> list[dict[str, Any]]:
    """Escalations stored for the person: with `open_only`, those not yet acknowledged,
    most serious first; else all of them, oldest first."""
    if person_id is None:
        return []
    permit(actor, person_id)
    with uow.read() as store:
        rows = store.escalations(person_id)
    if not open_only:
        return rows
    return _most_serious_first(e for e in rows if e["acknowledged_at"] is None)


def _most_serious_first(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda e: (URGENCY_ORDER.get(e["urgency"], 9), e["date"]))


def banner_escalations(
    uow: UnitOfWork, person_id: int, *, actor: Actor, loaded: Loaded | None = None
) -> list[dict[str, Any]]:
    """What the banner shows until it is read, most serious first: the stored escalations
    not yet acknowledged; with `loaded` (the course the page folded, `today_and_fold`),
    as they would stand once that fold were stored (a read stores nothing). Those the fold
    found that are not stored yet have no id (None) until the next write stores them; one
    stored and acknowledged is not shown again."""
    permit(actor, person_id)
    with uow.read() as store:
        rows = store.escalations(person_id)
    if loaded is None:
        return _most_serious_first(e for e in rows if e["acknowledged_at"] is None)
    # What `sync` would leave (`Store.replace_derived`): the rows up to the fold's base,
    # then the fold's own, each keeping the acknowledgement of the stored row it finds
    # again, the same (rule, urgency, date).
    base = loaded.base
    later = {(e["rule"], e["urgency"], e["date"]): e for e in rows if e["date"] > base}
    shown = [e for e in rows if e["date"] <= base and e["acknowledged_at"] is None]
    for found in loaded.escalations:
        if found.date is None:
            continue
        row = later.get((found.rule, found.urgency, found.date))
        if row is None:
            shown.append(
                {
                    "id": None,
                    "date": found.date,
                    "rule": found.rule,
                    "urgency": found.urgency,
                    "message": found.message,
                    "numbers": dict(found.numbers),
                    "acknowledged_at": None,
                }
            )
        elif row["acknowledged_at"] is None:
            shown.append(row)
    return _most_serious_first(shown)


def acknowledge_escalation(
    uow: UnitOfWork, person_id: int, escalation_id: int, when: dt.datetime, *, actor: Actor
) -> None:
    """The person has read an escalation: it leaves the banner (it stays in the history)."""
    permit(actor, person_id)
    with uow.write() as store:
        store.acknowledge_escalation(person_id, escalation_id, when)


@dataclass(frozen=True)
class Morning:
    """What the check-in page needs to know about a day."""

    checked_in: bool  # a pain score is stored for the day already
    usual: float  # the usual morning pain score 0-10 before the day (PM-3)
    screening_due: bool  # the weekly re-screen is due (RS-1)


def morning(uow: UnitOfWork, person_id: int, day: dt.date, *, actor: Actor) -> Morning:
    permit(actor, person_id)
    with uow.read() as store:
        row = store.person(person_id)
        checkins = store.checkins(person_id, until=day)
        due = is_screening_due(store, row, day)
    scores = [Score(c["date"], c["pain"], c["morning"]) for c in checkins]
    return Morning(
        any(c["date"] == day for c in checkins),
        usual_morning(scores, day, row["baseline_pain"]),
        due,
    )


def versions(uow: UnitOfWork, person_id: int, *, actor: Actor) -> list[dict[str, Any]]:
    """The stored programme versions, oldest first, with the reasons each was made."""
    permit(actor, person_id)
    with uow.read() as store:
        return store.programme_versions(person_id)


def session_days(uow: UnitOfWork, person_id: int, *, actor: Actor) -> set[dt.date]:
    """The days with a logged session."""
    permit(actor, person_id)
    with uow.read() as store:
        return {s["date"] for s in store.sessions(person_id)}
