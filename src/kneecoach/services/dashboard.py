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
from typing import TYPE_CHECKING, Any

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
    of the last 28 days (the page's chart). One `read` event."""

    def work(store: Store) -> list[dict[str, Any]]:
        member = audit.signed_in(store, actor)
        if member.role not in STAFF:
            raise Forbidden().by(member)
        found = store.clinic.dashboard(
            member.clinic_id, member.id, today, everyone=member.role == "admin"
        )
        audit.record(
            store, at=now, action="read", outcome="patient-list", account=member, origin=origin
        )
        return [_row(record, today, trend) for record in found]

    rows = audit.write_or_deny(uow, work, actor=actor, now=now, origin=origin)
    if search and search.strip():
        wanted = search.strip().casefold()
        rows = [row for row in rows if wanted in row["name"].casefold()]
    if open_only:
        rows = [row for row in rows if row["open_alerts"]]
    return sorted(rows, key=_order)


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
    read = as_of(stored, today) if stored is not None else None
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
            "last_checkin": _iso(record.last_checkin),
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
        row["trend"] = [[d.isoformat(), pain] for d, pain in read["trend"]] if read else []
    return row


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None
