"""Starting a programme: screen, plan, and save a new person."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kneecoach.domain.exercises import Catalogue
from kneecoach.domain.planning import Profile, Programme, parse_profile, plan
from kneecoach.domain.trends import Escalation
from kneecoach.services import alerts
from kneecoach.services.actor import Actor, may_start
from kneecoach.services.uow import UnitOfWork
from kneecoach.services.validation import InvalidInput, parse_psfs

if TYPE_CHECKING:
    from kneecoach.store.repository import Store


class NotStarted(InvalidInput):
    """No programme in this database yet."""

    def __init__(self) -> None:
        super().__init__("programme", "no programme yet: start one first")


def started(person_id: int | None) -> int:
    """`person_id`, or NotStarted when nobody has started a programme here (None)."""
    if person_id is None:
        raise NotStarted()
    return person_id


def start_programme(
    uow: UnitOfWork,
    catalogue: Catalogue,
    raw_profile: Mapping[str, Any],
    start: dt.date,
    psfs: object | None = None,
    *,
    actor: Actor,
) -> dict[str, Any]:
    """Screen, plan and save a new programme starting on `start`: for a new person (the
    personal owner), or for the clinic patient who acts (`person_id` in the result)."""
    may_start(actor)
    profile = parse_profile(raw_profile)
    activities = parse_psfs(psfs) if psfs is not None else None
    programme = plan(profile, catalogue)
    result = programme.as_dict()
    result["start_date"] = start.isoformat()
    if programme.refer:
        result.update(saved=False, person_id=None)
        return result
    with uow.write() as store:
        person_id = _save(store, actor, raw_profile, profile, programme, start, activities)
    result.update(saved=True, person_id=person_id)
    return result


def _save(
    store: Store,
    actor: Actor,
    raw_profile: Mapping[str, Any],
    profile: Profile,
    programme: Programme,
    start: dt.date,
    activities: list[dict[str, Any]] | None,
) -> int:
    person_id = actor.person_id  # a clinic's patient: their row was made with the invite
    fields: dict[str, Any] = {
        "profile": dict(raw_profile),
        "start_date": start,
        "baseline_pain": profile.pain_now,
        "screening": dict(profile.screening),
        "urgency": programme.triage.urgency,
    }
    if person_id is None:
        person_id = store.add_person(**fields)
    else:
        store.begin_person(person_id, **fields)
    store.add_programme_version(
        person_id,
        version=1,
        effective_date=start,
        programme={
            "slots": [s.as_dict() for s in programme.slots],
            "valgus_ban": programme.valgus_ban,
            "gentle": programme.gentle,
        },
        reasons=[r.as_dict() for r in programme.reasons],
    )
    if activities:
        store.add_psfs(person_id, date=start, activities=activities)
    # CL-3: the flags of the intake (RF-3/RF-4/RF-5 `soon`, ES-3, PM-5) for a clinic
    # patient's physio.
    alerts.raise_alerts(
        store,
        person_id,
        day=start,
        escalations=[
            Escalation(f.rule, f.urgency, f"{f.rule}: {f.message}", {"question": f.question}, start)
            for f in programme.triage.flags
        ],
    )
    return person_id
