"""Who is acting, and for whom: every service takes an `Actor` and the person it acts on.

In personal mode the one actor is the owner of the machine (`OWNER`), who may act for
every person in their own database. Clinic mode adds accounts with roles (admin,
physio, patient); `authorize` is the one place that decides who may act for whom.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from kneecoach.domain.errors import FieldError

if TYPE_CHECKING:  # the CLI imports OWNER without loading the store
    from kneecoach.store.repository import Store

Role = Literal["owner", "admin", "physio", "patient"]


@dataclass(frozen=True)
class Actor:
    """Who is acting: a role, and the account behind it (none for the personal owner).
    A clinic's patient carries their own person id: the one person they act for."""

    role: Role
    account_id: int | None = None
    person_id: int | None = None
    clinic_id: int | None = None


OWNER = Actor("owner")


class NotAllowed(FieldError):
    """The actor may not act for this person. Worded like an unknown person, so a refusal
    reveals nothing about who exists (web: 422 naming `person`; CLI: exit 2)."""

    def __init__(self) -> None:
        super().__init__("person", "no such person")


class UnknownPerson(FieldError):
    def __init__(self, person_id: int) -> None:
        super().__init__("person", f"no person with id {person_id}")


def may_start(actor: Actor) -> None:
    """Raise unless `actor` may start a programme: the owner (for a new person), or a
    clinic's patient (for themselves)."""
    if actor.role == "owner" or (actor.role == "patient" and actor.person_id is not None):
        return
    raise NotAllowed()


def permit(actor: Actor, person_id: int) -> None:
    """Raise unless `actor` may act for `person_id` through the programme's own services
    (no query): the owner for anyone in their database, a patient for themselves. Staff
    read a patient through the clinic's services, which check the relation and audit it.
    A caller that reads the person anyway raises UnknownPerson when it finds none."""
    if actor.role == "owner":
        return
    if actor.role == "patient" and actor.person_id == person_id:
        return
    raise NotAllowed()


def authorize(store: Store, actor: Actor, person_id: int) -> None:
    """Raise unless `actor` may act for `person_id`, who must exist."""
    permit(actor, person_id)
    if not store.has_person(person_id):
        raise UnknownPerson(person_id)
