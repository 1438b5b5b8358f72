"""GET /api/v1/patients as the physiotherapist's dashboard (issue 13), on PostgreSQL:
the rows' new fields, their order, an admin's view, one audit event per list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kneecoach.services.actor import Actor
from kneecoach.store.db import database
from kneecoach.store.tables import AuditEvent
from tests.clinic.dashboard_people import acknowledge_all, add_alert, add_patient, check_in
from tests.clinic_web.conftest import NOW, TODAY, Clock, World, build_world, clinic_client

START = TODAY - dt.timedelta(days=30)


def ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


@pytest.fixture(scope="module")
def setup(pg_url: str) -> Iterator[tuple[TestClient, World, dict[str, int]]]:
    clock = Clock()
    client = clinic_client(pg_url, clock)
    world = build_world(client, clock, pg_url)
    db = database(pg_url)
    physio = Actor("physio", world.physio_a.account_id, None, world.physio_a.clinic_id)
    made = {
        "Quiet": add_patient(db, physio, "Quiet", NOW, start=START),
        "Rising": add_patient(db, physio, "Rising", NOW, start=START, pain=3),
        "Flagged": add_patient(db, physio, "Flagged", NOW, start=START),
    }
    check_in(db, made["Quiet"], ago(10), 2)
    for days_ago, pain in ((3, 6), (2, 6), (1, 7)):  # ES-2: 3 or more above the start
        check_in(db, made["Rising"], ago(days_ago), pain)
    check_in(db, made["Flagged"], ago(1), 2)
    acknowledge_all(db, NOW)
    add_alert(db, world.physio_a.clinic_id, made["Flagged"], "emergency", NOW)
    with client:
        yield client, world, made


def test_a_physio_sees_who_needs_them_first(
    setup: tuple[TestClient, World, dict[str, int]],
) -> None:
    client, world, made = setup
    answer = client.get("/api/v1/patients", headers=world.physio_a.headers())
    assert answer.status_code == 200, answer.text
    rows = answer.json()
    assert [row["name"] for row in rows] == [
        "Flagged",  # emergency: an open alert
        "Rising",  # soon: ES-2 stands in the course
        "Ann Alpha-Q7X",  # none, never checked in (build_world's patient)
        "Quiet",  # none, checked in 10 days ago
    ]
    flagged, rising, ann, quiet = rows
    # A session but no stored summary yet: what the counts know, and the week.
    assert ann["programme_week"] == 2 and ann["adherence_14d"] == {"planned": None, "done": 1}
    assert flagged["urgency"] == "emergency" and flagged["open_alerts"] == 1
    assert rising["urgency"] == "soon" and "ES-2" in rising["rules"]
    assert rising["weekly_mean"] == 6.33  # (6 + 6 + 7) / 3, shown to 2 places
    assert rising["baseline"] == 3
    assert rising["last_checkin"] == ago(1).isoformat()
    assert rising["programme_week"] == 5  # day 31
    assert rising["days_with_data_30d"] == 3
    assert rising["adherence_14d"] == {"planned": 6, "done": 0}  # Mon, Wed, Fri
    assert quiet["weekly_mean"] is None and quiet["last_checkin"] == ago(10).isoformat()
    assert set(quiet) == {
        "patient_id",
        "name",
        "physio_id",
        "start_date",
        "signed_up",
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
    }
    assert quiet["patient_id"] == made["Quiet"] and quiet["signed_up"] is False


def test_an_admin_who_is_nobodys_physio_sees_no_clinical_field(
    setup: tuple[TestClient, World, dict[str, int]],
) -> None:
    client, world, made = setup
    rows = client.get("/api/v1/patients", headers=world.admin.headers()).json()
    assert {row["patient_id"] for row in rows} >= set(made.values())
    for row in rows:
        assert row["urgency"] is None and row["open_alerts"] is None
        assert row["weekly_mean"] is None and row["adherence_14d"] is None
    # Not ordered by what they cannot see: by name.
    assert [row["name"] for row in rows] == sorted((row["name"] for row in rows), key=str.casefold)


def test_one_audit_event_per_list(
    setup: tuple[TestClient, World, dict[str, int]], pg_url: str
) -> None:
    client, world, _ = setup

    def events() -> list[Any]:
        with database(pg_url).read() as store:
            return list(
                store._session.execute(
                    select(AuditEvent.action, AuditEvent.outcome, AuditEvent.route).where(
                        AuditEvent.actor_id == world.physio_b.account_id
                    )
                )
            )

    before = len(events())
    assert client.get("/api/v1/patients", headers=world.physio_b.headers()).status_code == 200
    after = events()
    assert len(after) == before + 1
    assert tuple(after[-1]) == ("read", "patient-list", "GET /api/v1/patients")
