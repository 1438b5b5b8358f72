"""The physiotherapist's dashboard (issue 13): their patients, who needs them first.

`GET /api/v1/patients` and the `/clinic` page. Each row reads the patient's stored
summary (`course_summaries`, written with their newest course state: nobody's course
is folded here) and a few counts, in a fixed number of queries for the whole list
(`ClinicStore.dashboard`). Rows are sorted by urgency, then open alerts, then the
oldest last check-in (`domain.summary.order_key`). Clinical fields are for the
patient's physio: an admin sees them only for the patients whose physio they are, and
None for the others, who come after them by name. One `read` audit event per list.
Fields and order: docs/dashboard.md.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from kneecoach.domain.summary import (
    SUMMARY_VERSION,
    as_of,
    order_key,
    programme_week,
    row_urgency,
)
from kneecoach.services import audit
from kneecoach.services.actor import Actor
from kneecoach.services.audit import CLI, Forbidden, Origin
from kneecoach.services.auth import STAFF
from kneecoach.store.clinic import DashboardRecord

if TYPE_CHECKING:
    from kneecoach.services.uow import UnitOfWork
    from kneecoach.store.repository import Store


@dataclass
class Listing:
    """A reader's whole list, sorted, and encodings of it made once (`dashboard_encoded`)."""

    rows: list[dict[str, Any]]
    encoded: dict[Hashable, Any] = field(default_factory=dict)


class ListCache:
    """The last list made for each reader and day (its rows, sorted; callers copy before
    they change one), kept with the key it was read under (`ClinicStore.dashboard_key`):
    served again only while the key is the same (docs/dashboard.md names the one gap).
    Each server process has its own; a few readers' lists at most."""

    def __init__(self, size: int = 32) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, tuple[Hashable, Listing]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, place: Hashable, key: Hashable) -> Listing | None:
        with self._lock:
            found = self._items.get(place)
            if found is None or found[0] != key:
                return None
            self._items.move_to_end(place)
            return found[1]

    def put(self, place: Hashable, key: Hashable, listing: Listing) -> None:
        with self._lock:
            self._items[place] = (key, listing)
            self._items.move_to_end(place)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


LISTS = ListCache()
ENCODED_MAX = 16  # encodings kept for each list (the API's, and pages and filters)
_MISSING = object()

T = TypeVar("T")
CLINICAL_FIELDS = (
    "urgency",
    "rules",
    "open_alerts",
    "programme_week",
    "last_checkin",
    "weekly_mean",
    "baseline",
    "adherence_14d",
    "days_with_data_30d",
    "summary_day",
)


def dashboard(
    uow: UnitOfWork,
    actor: Actor,
    *,
    today: dt.date,
    now: dt.datetime,
    origin: Origin = CLI,
    search: str | None = None,
    open_only: bool = False,
    trend: bool = False,
) -> list[dict[str, Any]]:
    """A physio's own patients (an admin: every patient of the clinic), in the
    dashboard's order, as of `today`. `search`: only names that contain it (any case);
    `open_only`: only patients with open alerts; `trend`: add each row's daily pain
    of the last 28 days (the page's chart). One `read` event. The rows are shared with
    later calls: copy one before changing it."""
    rows = _listing(uow, actor, today=today, now=now, origin=origin, trend=trend).rows
    return filtered(rows, search=search, open_only=open_only)


def filtered(
    rows: list[dict[str, Any]], *, search: str | None = None, open_only: bool = False
) -> list[dict[str, Any]]:
    """The rows whose name contains `search` (any case), and with `open_only` only those
    with open alerts; in the same order."""
    if search and search.strip():
        wanted = search.strip().casefold()
        rows = [row for row in rows if wanted in row["name"].casefold()]
    if open_only:
        rows = [row for row in rows if row["open_alerts"]]
    return rows


def dashboard_encoded(
    uow: UnitOfWork,
    actor: Actor,
    encode: Callable[[list[dict[str, Any]]], T],
    *,
    today: dt.date,
    now: dt.datetime,
    origin: Origin = CLI,
    trend: bool = False,
    view: Hashable = None,
) -> T:
    """`encode(rows)` of the whole list, made once for as long as the list is the same
    (the API's JSON: 1,000 rows are validated and written once, not at every request;
    the page's rows drawn once). `view` names what `encode` makes (the page's filter
    and page number); by default the function's name. The last `ENCODED_MAX` are kept.
    One `read` event, as `dashboard`."""
    listing = _listing(uow, actor, today=today, now=now, origin=origin, trend=trend)
    name = view if view is not None else getattr(encode, "__qualname__", repr(encode))
    found = listing.encoded.get(name, _MISSING)
    if found is _MISSING:
        found = listing.encoded[name] = encode(listing.rows)
        while len(listing.encoded) > ENCODED_MAX:  # the oldest first (insertion order)
            listing.encoded.pop(next(iter(listing.encoded)), None)
    made: T = found
    return made


def _listing(
    uow: UnitOfWork, actor: Actor, *, today: dt.date, now: dt.datetime, origin: Origin, trend: bool
) -> Listing:
    def work(store: Store) -> Listing:
        member = audit.signed_in(store, actor)
        if member.role not in STAFF:
            raise Forbidden().by(member)
        everyone = member.role == "admin"
        clinic = store.clinic
        place = (member.clinic_id, member.id, everyone, today, trend, uow.key)
        key = clinic.dashboard_key(member.clinic_id)
        found = LISTS.get(place, key)
        if found is None:
            records = clinic.dashboard(member.clinic_id, member.id, today, everyone=everyone)
            found = Listing(sorted((_row(r, today, trend) for r in records), key=_order))
            LISTS.put(place, key, found)
        # Last: the audit chain's lock is held from here to the commit.
        audit.record(
            store, at=now, action="read", outcome="patient-list", account=member, origin=origin
        )
        return found

    return audit.write_or_deny(uow, work, actor=actor, now=now, origin=origin)


def _order(row: dict[str, Any]) -> tuple[Any, ...]:
    if row["urgency"] is None:  # not the reader's patient: after their own, by name
        return (1, row["name"].casefold(), row["patient_id"])
    last = dt.date.fromisoformat(row["last_checkin"]) if row["last_checkin"] else None
    key = order_key(row["urgency"], row["open_alerts"], last, row["name"], row["patient_id"])
    return (0, *key)


def _row(record: DashboardRecord, today: dt.date, trend: bool) -> dict[str, Any]:
    patient = record.patient
    row: dict[str, Any] = {
        "patient_id": patient.patient_id,
        "name": patient.name,
        "physio_id": patient.physio_id,
        "start_date": _iso(patient.start_date),
        "signed_up": patient.active,
    }
    if not record.clinical:
        row.update(dict.fromkeys(CLINICAL_FIELDS))
        if trend:
            row["trend"] = None
        return row
    stored = record.summary
    if stored is not None and stored.get("version") != SUMMARY_VERSION:
        stored = None  # an older shape: rewritten at the next fold, unknown until then
    if patient.start_date is None:
        stored = None  # added by their physio, not started yet
    read = as_of(stored, today, trend=trend) if stored is not None else None
    alerts = record.open_alerts
    standing = read["urgency"] if read else "none"
    row.update(
        {
            "urgency": row_urgency(standing, list(alerts)),  # type: ignore[arg-type]
            "rules": read["rules"] if read else [],
            "open_alerts": sum(alerts.values()),
            "programme_week": programme_week(patient.start_date, today)
            if patient.start_date
            else None,
            "last_checkin": _iso(_last_checkin(record, stored, today)),
            "weekly_mean": read["weekly_mean"] if read else None,
            "baseline": read["baseline"] if read else None,
            "adherence_14d": {
                "planned": read["planned_14d"] if read else None,
                "done": record.sessions_done_14d,
            },
            "days_with_data_30d": record.days_with_data_30d,
            "summary_day": _iso(record.summary_day) if read else None,
        }
    )
    if trend:
        row["trend"] = read["trend"] if read else []
    return row


def _last_checkin(
    record: DashboardRecord, stored: dict[str, Any] | None, today: dt.date
) -> dt.date | None:
    """The newest check-in on or before today: of the last 30 days if there is one, else
    the summary's (every check-in stores a new state, and its summary, at once)."""
    if record.last_checkin_30d is not None:
        return record.last_checkin_30d
    kept = stored["last_checkin"] if stored else None
    day = dt.date.fromisoformat(kept) if kept else None
    return day if day is not None and day <= today else None


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None
