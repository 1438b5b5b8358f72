"""Request dependencies, the web app's composition root: the database as a unit of work
the services open for themselves, the content catalogue, who acts (`CurrentActor`) and
the person they act for (`CurrentPerson`, the web's one place for it).

Personal mode: the actor is `OWNER` and the person the most recent one on this machine.
Clinic mode: the actor is the signed-in patient and the person is themselves (None until
they start their programme); no session is a 401, and staff get 403 on these routes (the
policy table, `web/clinic/policy.py`, refuses them before the route runs)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from kneecoach.content.loader import load_catalogue
from kneecoach.domain.exercises import Catalogue
from kneecoach.services import clinic
from kneecoach.services.actor import OWNER, Actor
from kneecoach.services.uow import UnitOfWork
from kneecoach.store.db import connect, database, resolve_url


def configured_url() -> str:
    """The database URL the environment names (KNEECOACH_DATABASE_URL), or personal mode's
    file."""
    return resolve_url(None)


def open_database(url: str) -> None:
    """Open the database (and migrate its schema) before the first request."""
    connect(url)


async def get_db(request: Request) -> UnitOfWork:
    """The app's database (its engine opened, and the schema migrated, on first use).

    On the event loop, like `machine_revision`: a sync dependency would hop to a thread
    for each request and let requests overtake each other on their way to the group
    commit (a resent session could be written before the one it repeats)."""
    state = request.app.state
    found: UnitOfWork | None = getattr(state, "db", None)
    if found is None:
        found = state.db = database(state.settings.db_url)
    return found


def clinic_mode(request: Request) -> bool:
    return bool(getattr(request.app.state.settings, "clinic", False))


async def current_actor(request: Request) -> Actor:
    """Who acts: `OWNER` in personal mode; in clinic mode the signed-in patient (401
    without a session, 403 for staff, whose routes are the clinic's own)."""
    if not clinic_mode(request):
        return OWNER
    from kneecoach.web.clinic.auth import lookup  # the clinic's side imports this module

    who = await lookup(request)
    if who is None:
        raise HTTPException(401, "Sign in first.")
    if who.role != "patient":
        raise HTTPException(403, "Your role cannot do this.")
    actor = who.actor
    request.state.actor = actor
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


def actor_of(request: Request) -> Actor:
    """The actor `CurrentActor` found for this request (for helpers that are not routes,
    such as the pages' escalation banner); `OWNER` in personal mode."""
    found: Actor | None = getattr(request.state, "actor", None)
    if found is not None:
        return found
    if clinic_mode(request):
        raise HTTPException(401, "Sign in first.")
    return OWNER


async def machine_revision(
    request: Request, actor: CurrentActor
) -> tuple[int, str | None, int] | None:
    """Personal mode: (id, uid, revision) of the most recent person in the database (None
    before any start). The revision moves on with each write of theirs: the key of
    every cached answer about them. Clinic mode: the signed-in patient's own, once they
    have started.

    One small indexed query, run on the event loop: a hop to a thread would cost more
    than the query, and would let requests overtake each other on their way to the
    group commit."""
    db = await get_db(request)
    if actor.role == "owner":
        return db.revision()
    return clinic.patient_revision(db, actor)


CurrentRevision = Annotated[tuple[int, str | None, int] | None, Depends(machine_revision)]


async def current_person(revision: CurrentRevision) -> int | None:
    """The person this app acts for (None before any start). Routes and pages take it
    from here and pass it to the services with `CurrentActor`."""
    return revision[0] if revision else None


def get_catalogue() -> Catalogue:
    return load_catalogue()


DbDep = Annotated[UnitOfWork, Depends(get_db)]
CatalogueDep = Annotated[Catalogue, Depends(get_catalogue)]
CurrentPerson = Annotated[int | None, Depends(current_person)]
