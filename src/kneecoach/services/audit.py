"""The audit trail: who did what to which patient, when, from where, and how it ended.

Events are only ever appended (`record`, inside the caller's unit of work). Each one
stores SHA-256 over its own fields and the previous event's hash, one chain per
database, in id order; `verify` recomputes it and names the first event that does not
fit, which is how an UPDATE or DELETE made with database rights is caught. A refusal
(`Forbidden`, `NotFound`) is recorded as a `denied` event by `write_or_deny`, in a unit
of work of its own, so it survives the rollback of the work it stopped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal, TypeVar, get_args

from kneecoach.domain.errors import FieldError
from kneecoach.services.actor import Actor
from kneecoach.store.clinic import EventRecord

if TYPE_CHECKING:
    from kneecoach.services.uow import UnitOfWork
    from kneecoach.store.clinic import AccountRecord
    from kneecoach.store.repository import Store

T = TypeVar("T")

Action = Literal[
    "read", "create", "update", "delete", "export", "login", "login-failed", "logout", "denied"
]
ACTIONS: tuple[str, ...] = get_args(Action)
GENESIS = "0" * 64  # the previous hash of the first event
ROUTE_MAX = 500
IP_MAX = 64
OUTCOME_MAX = 40
DEFAULT_LIMIT = 1000
MAX_LIMIT = 10_000
VERIFY_BATCH = 1000


@dataclass(frozen=True)
class Origin:
    """Where a request came from: its route (`GET /api/v1/patients/7`) and address."""

    route: str | None = None
    ip: str | None = None


CLI = Origin(route="cli")


class Denied(Exception):
    """A refusal that leaves a `denied` audit event (see `write_or_deny`)."""

    outcome = "denied"

    def __init__(self, message: str, *, patient_id: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.patient_id = patient_id
        self.account: AccountRecord | None = None

    def by(self, account: AccountRecord | None) -> Denied:
        """The same refusal, naming who was refused (for the audit event)."""
        self.account = account
        return self


class Forbidden(Denied):
    """The actor's role may never do this (web: 403)."""

    outcome = "forbidden"

    def __init__(self, message: str = "Your role cannot do this.") -> None:
        super().__init__(message)


class NotFound(Denied):
    """Outside the actor's scope, or missing: the two answer alike (web: 404)."""

    outcome = "not-found"

    def __init__(self, message: str = "No such patient.", *, patient_id: int | None = None):
        super().__init__(message, patient_id=patient_id)


def event_hash(event: EventRecord) -> str:
    """SHA-256 over the event's fields and the previous hash, as canonical JSON:
    `[id,at,actor_id,role,action,patient_id,route,outcome,ip,clinic_id,prev_hash]`
    without spaces, UTF-8 (PostgreSQL's `kneecoach_audit_append`, migration 0009,
    seals the same text)."""
    return seal(event.id, canonical_middle(event), event.prev_hash)


def canonical_middle(event: EventRecord) -> str:
    """The canonical JSON of the fields between the id and the previous hash, without
    its brackets: all an appender writes before it knows its place in the chain."""
    fields = [
        _utc(event.at).isoformat(timespec="microseconds"),
        event.actor_id,
        event.role,
        event.action,
        event.patient_id,
        event.route,
        event.outcome,
        event.ip,
        event.clinic_id,
    ]
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))[1:-1]


def seal(event_id: int, middle: str, prev_hash: str) -> str:
    canonical = f"[{event_id},{middle},{json.dumps(prev_hash)}]"
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def record(
    store: Store,
    *,
    at: dt.datetime,
    action: Action,
    outcome: str = "ok",
    account: AccountRecord | None = None,
    actor_id: int | None = None,
    role: str | None = None,
    clinic_id: int | None = None,
    patient_id: int | None = None,
    origin: Origin = CLI,
) -> int:
    """Append one event to the chain in the caller's (writing) unit of work; its id.

    `account`, when given, fills actor_id, role and clinic_id.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if account is not None:
        actor_id, role, clinic_id = account.id, account.role, account.clinic_id
    draft = EventRecord(
        id=0,  # its place in the chain is taken below
        at=_utc(at),
        actor_id=actor_id,
        role=role,
        action=action,
        patient_id=patient_id,
        route=_printable(origin.route, ROUTE_MAX),
        outcome=_printable(outcome, OUTCOME_MAX) or "ok",
        ip=_printable(origin.ip, IP_MAX),
        clinic_id=clinic_id,
        prev_hash="",
        hash="",
    )
    middle = canonical_middle(draft)
    clinic = store.clinic
    if clinic.appends_in_server():
        return clinic.append_audit_event(draft, middle=middle, genesis=GENESIS)
    end = clinic.audit_chain_end()
    event_id, prev_hash = (1, GENESIS) if end is None else (end[0] + 1, end[1])
    event = replace(draft, id=event_id, prev_hash=prev_hash, hash=seal(event_id, middle, prev_hash))
    clinic.add_audit_event(event)
    return event.id


def write_or_deny(
    uow: UnitOfWork,
    work: Callable[[Store], T],
    *,
    actor: Actor,
    now: dt.datetime,
    origin: Origin,
) -> T:
    """`work(store)` in a writing unit of work. If it raises `Denied`, nothing it wrote is
    kept, a `denied` event is recorded in a unit of work of its own, and the refusal is
    raised again."""
    return _or_deny(uow.write, work, uow, actor=actor, now=now, origin=origin)


def read_or_deny(
    uow: UnitOfWork,
    work: Callable[[Store], T],
    *,
    actor: Actor,
    now: dt.datetime,
    origin: Origin,
) -> T:
    """`write_or_deny` for work that only reads (and records no event when it succeeds)."""
    return _or_deny(uow.read, work, uow, actor=actor, now=now, origin=origin)


def _or_deny(
    begin: Callable[[], AbstractContextManager[Store]],
    work: Callable[[Store], T],
    uow: UnitOfWork,
    *,
    actor: Actor,
    now: dt.datetime,
    origin: Origin,
) -> T:
    try:
        with begin() as store:
            return work(store)
    except Denied as refusal:
        with uow.write() as store:
            account = refusal.account
            record(
                store,
                at=now,
                action="denied",
                outcome=refusal.outcome,
                account=account,
                actor_id=None if account else actor.account_id,
                role=None if account else actor.role,
                patient_id=refusal.patient_id,
                origin=origin,
            )
        raise


@dataclass(frozen=True)
class Verification:
    ok: bool
    events: int
    first_bad_id: int | None

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "events": self.events, "first_bad_id": self.first_bad_id}


def verify(uow: UnitOfWork, *, batch: int = VERIFY_BATCH) -> Verification:
    """Recompute the whole chain; the first event whose hash or link does not hold, or,
    when it holds, where it parts from the head kept beside it (`audit_head`)."""
    count = 0
    first_bad: int | None = None
    last: EventRecord | None = None
    with uow.read() as store:
        for event, previous in _walk(store, batch):
            count += 1
            last = event
            if first_bad is None and (
                event.prev_hash != previous or event.hash != event_hash(event)
            ):
                first_bad = event.id
        head = store.clinic.audit_head()
    if first_bad is None:
        first_bad = _off_the_head(last, head)
    return Verification(ok=first_bad is None, events=count, first_bad_id=first_bad)


def _off_the_head(last: EventRecord | None, head: tuple[int, str] | None) -> int | None:
    """Where a chain that holds parts from the head kept beside it: the first event
    missing (cut short from its newest end), or the first one the application did not
    append (added in SQL); None when they meet."""
    if last is None:
        return None if head is None else 1
    if head is None:
        return 1  # the head row itself was deleted
    head_id, head_hash = head
    if head_id > last.id:
        return last.id + 1
    if head_id < last.id:
        return head_id + 1
    return None if head_hash == last.hash else last.id


def _walk(store: Store, batch: int) -> Iterator[tuple[EventRecord, str]]:
    """Every event by id, with the hash the one before it stored (GENESIS for the first)."""
    last_id, previous = 0, GENESIS
    while True:
        events = store.clinic.audit_events_after(last_id, batch)
        for event in events:
            yield event, previous
            previous = event.hash
        if len(events) < batch:
            return
        last_id = events[-1].id


def events(
    uow: UnitOfWork,
    actor: Actor,
    *,
    now: dt.datetime,
    patient_id: int | None = None,
    actor_id: int | None = None,
    since: dt.datetime | None = None,
    limit: int = DEFAULT_LIMIT,
    origin: Origin = CLI,
    export: bool = False,
) -> list[dict[str, Any]]:
    """The admin's own clinic's events, newest first (GET /api/v1/audit). With `export`
    (the CSV download), the export itself is recorded, as an `export` event, in the same
    unit of work."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise FieldError("limit", f"Use a whole number from 1 to {MAX_LIMIT}.")

    def work(store: Store) -> list[dict[str, Any]]:
        admin = signed_in(store, actor)
        if admin.role != "admin":
            raise Forbidden().by(admin)
        found = store.clinic.audit_events(
            admin.clinic_id,
            patient_id=patient_id,
            actor_id=actor_id,
            since=None if since is None else _utc(since),
            limit=limit,
        )
        if export:
            record(
                store,
                at=now,
                action="export",
                outcome="audit-csv",
                account=admin,
                patient_id=patient_id,
                origin=origin,
            )
        return [as_public(event) for event in found]

    begin = write_or_deny if export else read_or_deny
    return begin(uow, work, actor=actor, now=now, origin=origin)


def as_public(event: EventRecord) -> dict[str, Any]:
    """An event as the API shows it (no clinic id, no hashes)."""
    return {
        "id": event.id,
        "at": _utc(event.at).isoformat(),
        "actor_id": event.actor_id,
        "role": event.role,
        "action": event.action,
        "patient_id": event.patient_id,
        "route": event.route,
        "outcome": event.outcome,
        "ip": event.ip,
    }


def signed_in(store: Store, actor: Actor) -> AccountRecord:
    """The account behind a clinic actor; Forbidden for the personal owner or a stale id."""
    if actor.account_id is None:
        raise Forbidden()
    account = store.clinic.account(actor.account_id)
    if account is None or account.role != actor.role or not account.active:
        raise Forbidden()
    return account


def _utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def _printable(value: str | None, limit: int) -> str | None:
    """What a person typed, with control characters escaped, so it cannot forge lines."""
    if value is None:
        return None
    shown = "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode() for ch in value
    )
    return shown[:limit]
