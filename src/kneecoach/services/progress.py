"""Looking back: everything reported, and how the programme has gone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kneecoach.domain.exercises import Catalogue
from kneecoach.domain.planning import DISCLAIMER, training_days_between
from kneecoach.domain.trends import Score, weekly_means
from kneecoach.services.actor import Actor, authorize, permit
from kneecoach.services.checkins import psfs_summary
from kneecoach.services.course import Loaded, kept_versions, load, version_number
from kneecoach.services.onboarding import started
from kneecoach.services.uow import UnitOfWork
from kneecoach.store.repository import refolded

if TYPE_CHECKING:
    from kneecoach.store.repository import Store


def history(uow: UnitOfWork, person_id: int | None, *, actor: Actor) -> dict[str, Any]:
    """Everything the person reported (`person_id` None: nobody has started here)."""
    if person_id is None:
        return {"sessions": [], "checkins": [], "psfs": []}
    with uow.read() as store:
        authorize(store, actor, person_id)
        return {
            "sessions": [_iso(s) for s in store.sessions(person_id)],
            "checkins": [_iso(c) for c in store.checkins(person_id)],
            "psfs": psfs_summary(store.psfs(person_id)),
        }


def _iso(row: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (v.isoformat() if isinstance(v, dt.date | dt.datetime) else v) for k, v in row.items()
    }


def progress(
    uow: UnitOfWork, catalogue: Catalogue, person_id: int | None, day: dt.date, *, actor: Actor
) -> dict[str, Any]:
    """Baseline, weekly means, escalations that fired, decisions and adherence.

    A read: what is stored up to the newest stored state, then what the fold from it
    finds (stored by the next write or review, never by this read).
    """
    permit(actor, started(person_id))  # the store refuses a person who is not there
    assert person_id is not None
    with uow.read() as store:
        return _progress(store, catalogue, person_id, day)


def _progress(store: Store, catalogue: Catalogue, person_id: int, day: dt.date) -> dict[str, Any]:
    person = store.person(person_id)
    start = person["start_date"]
    end = max(day, start)
    loaded = load(store, catalogue, person_id, end, person)
    course, profile = loaded.course, loaded.profile
    checkins = store.checkins(person_id, until=end)
    scores = [Score(c["date"], c["pain"], c["morning"]) for c in checkins]
    sessions = store.sessions(person_id, until=end)
    done = {s["date"] for s in sessions if s["date"] >= start}
    keys = {s["id"]: s["client_id"] for s in sessions}
    return {
        "date": day.isoformat(),
        "start_date": start.isoformat(),
        "baseline": person["baseline_pain"],
        "weekly_means": [
            {"week_start": w.isoformat(), "mean": m} for w, m in weekly_means(scores, start, end)
        ],
        "daily_scores": [
            {"date": s.date.isoformat(), "pain": s.pain, "morning": s.morning} for s in scores
        ],
        "escalations": _escalations_to(store, loaded),
        "decisions": _decisions_to(store, loaded, keys),
        "adherence": {
            "planned": training_days_between(profile.days_per_week, start, end)
            if day >= start
            else 0,
            "done": len(done),
        },
        "psfs": psfs_summary(store.psfs(person_id)),
        "status": "stopped" if course.stop else "active",
        "programme_version": version_number(loaded),
        "versions": _versions_to(store, person_id, end, loaded),
        "disclaimer": DISCLAIMER,
    }


def _decisions_to(store: Store, loaded: Loaded, keys: Mapping[int, str]) -> list[dict[str, Any]]:
    """Every decision the engine made up to the fold's end, in the order it made them: the
    stored ones up to the fold's base, then the fold's own."""
    base = loaded.base
    rows = [
        d for d in store.decisions(loaded.person["id"]) if (d["decided_on"] or d["date"]) <= base
    ]
    rows.sort(key=lambda d: (d["decided_on"] or d["date"], d["id"]))
    stored = [
        {
            "date": d["date"].isoformat(),
            "slot": d["slot"],
            "exercise_id": d["exercise_id"],
            "action": d["action"],
            "rule": d["rule"],
            "reason": d["reason"],
            "numbers": d["numbers"],
            "session_key": keys.get(d["session_id"]) if d["session_id"] else None,
        }
        for d in rows
    ]
    return stored + [decision.as_dict() for _, decision in loaded.decisions]


def _escalations_to(store: Store, loaded: Loaded) -> list[dict[str, Any]]:
    """Every escalation up to the fold's end: stored up to its base, then the fold's own."""
    stored = [
        {
            "rule": e["rule"],
            "urgency": e["urgency"],
            "message": e["message"],
            "numbers": e["numbers"],
            "date": e["date"].isoformat(),
        }
        for e in store.escalations(loaded.person["id"])
        if e["date"] <= loaded.base
    ]
    return stored + [e.as_dict() for e in loaded.escalations if e.date is not None]


def _versions_to(
    store: Store, person_id: int, end: dt.date, loaded: Loaded | None = None
) -> list[dict[str, Any]]:
    """Each programme version in force up to `end`, with the reasons it was made; with
    `loaded`, the engine's own versions after the fold's base are the fold's."""
    stored = store.programme_versions(person_id)
    if loaded is not None:
        stored = [v for v in stored if not refolded(v, loaded.base)]
    versions = [
        {
            "version": v["version"],
            "effective_date": v["effective_date"].isoformat(),
            "reasons": [
                str(r.get("message", r)) if isinstance(r, Mapping) else str(r) for r in v["reasons"]
            ],
        }
        for v in stored
        if v["effective_date"] <= end
    ]
    if loaded is not None:
        first = max(kept_versions(loaded)) + 1
        versions += [
            {
                "version": number,
                "effective_date": version.effective.isoformat(),
                "reasons": list(version.reasons),
            }
            for number, version in enumerate(loaded.versions, start=first)
        ]
    return versions
