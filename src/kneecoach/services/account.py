"""The person's own account in personal mode: settings that re-plan, export, delete.

Plain values in, plain values out; each opens its own unit of work.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kneecoach import __version__
from kneecoach.domain.exercises import Catalogue
from kneecoach.domain.planning import parse_profile, replan
from kneecoach.domain.prescription import keep_prescribed
from kneecoach.services.actor import Actor, NotAllowed, may_start, permit
from kneecoach.services.course import load
from kneecoach.services.uow import UnitOfWork
from kneecoach.services.validation import InvalidInput

if TYPE_CHECKING:
    from kneecoach.store.repository import Store

EXPORT_FORMAT_VERSION = 1
# The profile keys a person may change after the start (the rest come from screening).
SETTINGS_KEYS = ("days_per_week", "minutes_per_session", "equipment", "access", "units")
_LABELS = {
    "days_per_week": "Days a week",
    "minutes_per_session": "Minutes a session",
    "equipment": "Equipment",
    "access": "Machines and facilities",
    "units": "Units",
}


def _words(key: str, value: object) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) if value else "none"
    if key == "days_per_week":
        return f"{value} days a week"
    if key == "minutes_per_session":
        return f"{value} minutes a session"
    return str(value)


def change_settings(
    uow: UnitOfWork,
    catalogue: Catalogue,
    person_id: int,
    changes: Mapping[str, Any],
    day: dt.date,
    *,
    actor: Actor,
) -> dict[str, Any]:
    """Validate and save changed settings, and store a new programme version saying why.

    Returns {"changed": [keys], "version": number or None, "reasons": [...]}.
    Raises InvalidInput (naming the field) for a bad value or an unknown key.
    """
    permit(actor, person_id)  # store.person refuses an unknown one
    unknown = sorted(set(changes) - set(SETTINGS_KEYS))
    if unknown:
        raise InvalidInput(unknown[0], "this setting cannot be changed here")
    with uow.write() as store:
        person = store.person(person_id)
        return _change(store, catalogue, person_id, person, changes, day)


def _change(
    store: Store,
    catalogue: Catalogue,
    person_id: int,
    person: Mapping[str, Any],
    changes: Mapping[str, Any],
    day: dt.date,
) -> dict[str, Any]:
    old = dict(person["profile"])
    new = {**old, **changes}
    try:
        profile = parse_profile(new)
    except ValueError as error:  # ProfileError: keep its field name
        field = getattr(error, "field", "profile")
        raise InvalidInput(field, str(error).split(": ", 1)[-1]) from None
    changed = [
        key
        for key in SETTINGS_KEYS
        if key in changes and _normal(new.get(key)) != _normal(old.get(key, _default(key)))
    ]
    if not changed:
        return {"changed": [], "version": None, "reasons": []}
    course = load(store, catalogue, person_id, day, dict(person)).course
    store.update_profile(person_id, new)
    versions = store.programme_versions(person_id)
    valgus_ban = course.valgus_ban
    prescribed_by = _prescribed_by(versions, day)
    if prescribed_by is None:
        slots, replanned = replan(
            catalogue, profile, course.slots, valgus_ban=valgus_ban, gentle=course.gentle
        )
    else:  # CL-1: the physio's programme stands; the planner adds nothing to it
        slots, replanned = keep_prescribed(
            catalogue, profile.equipment, profile.access, course.slots
        )
    reasons = [
        {
            "rule": None,
            "message": f"Settings changed: {_words(key, new.get(key))} "
            f"(was {_words(key, old.get(key, _default(key)))})",
        }
        for key in changed
    ] + [r.as_dict() for r in replanned]
    version = max(v["version"] for v in versions) + 1
    store.add_programme_version(
        person_id,
        version=version,
        effective_date=day,
        programme={
            "slots": [s.as_dict() for s in slots],
            "source": "settings",
            "valgus_ban": valgus_ban,
            **({} if prescribed_by is None else {"prescribed_by": prescribed_by}),
        },
        reasons=reasons,
    )
    return {"changed": changed, "version": version, "reasons": reasons}


def _prescribed_by(versions: list[dict[str, Any]], day: dt.date) -> int | None:
    """The physio whose prescription (CL-1) the programme follows on `day`, if any: the
    newest re-planning version in force names them (a settings change keeps the name)."""
    standing = [
        v
        for v in versions
        if v["programme"].get("source") in ("settings", "prescription")
        and v["effective_date"] <= day
    ]
    if not standing:
        return None
    newest = max(standing, key=lambda v: (v["effective_date"], v["version"]))
    found = newest["programme"].get("prescribed_by")
    return found if isinstance(found, int) else None


def _default(key: str) -> object:
    return "metric" if key == "units" else None


def _normal(value: object) -> object:
    return sorted(value) if isinstance(value, list) else value


def _plain(value: object) -> object:
    """Dates and times as ISO strings, all the way down."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def export_data(uow: UnitOfWork, person_id: int, *, actor: Actor) -> dict[str, Any]:
    """Everything stored about the person, in the format of docs/export-format.md."""
    permit(actor, person_id)  # store.person refuses an unknown one
    with uow.read() as store:
        return _export(store, person_id)


def _export(store: Store, person_id: int) -> dict[str, Any]:
    person = store.person(person_id)
    document: dict[str, Any] = {
        "format_version": EXPORT_FORMAT_VERSION,
        "app_version": __version__,
        "person": {
            "profile": person["profile"],
            "start_date": person["start_date"],
            "baseline_pain": person["baseline_pain"],
            "screening": person["screening"],
            "urgency": person["urgency"],
            "created_at": person["created_at"],
        },
        "programme_versions": store.programme_versions(person_id),
        "sessions": store.sessions(person_id),
        "checkins": store.checkins(person_id),
        "psfs": store.psfs(person_id),
        "clearances": store.clearances(person_id),
        "decisions": store.decisions(person_id),
        "escalations": store.escalations(person_id),
    }
    plain: dict[str, Any] = {key: _plain(value) for key, value in document.items()}
    return plain


def import_data(uow: UnitOfWork, document: Mapping[str, Any], *, actor: Actor) -> int:
    """Write a checked export document (plain values) into an EMPTY database, in one unit
    of work: a failure half-way writes nothing. The new person's id."""
    may_start(actor)
    with uow.write() as store:
        return store.restore(document)


def delete_everything(uow: UnitOfWork, *, actor: Actor) -> int:
    """Delete every person in this personal database and all their records; how many.
    Only the owner of a personal database may."""
    if actor.role != "owner":
        raise NotAllowed()
    with uow.write() as store:
        people = list(store.iter_person_ids())
        for person_id in people:
            store.delete_person(person_id)
    return len(people)
