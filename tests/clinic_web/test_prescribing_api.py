"""Prescribing through the clinic API on PostgreSQL (issue 13's acceptance, CL-1, CL-2).

A physio prescribes with a locked exercise and a changed dose; refusals (an avoid item,
an out-of-range dose) answer 422 naming the field and change no row; from the next day
the patient's `today` shows the prescription and `progress.versions` its CL-1 reason; two
good sessions leave the locked exercise at its dose while an unlocked one progresses;
pain 6 regresses the locked one (PM-1) and it stays locked. Templates: shared within the
clinic, another clinic's is a 404.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, select

from kneecoach.store.db import connect
from kneecoach.web.app import WebSettings, create_app
from tests.clinic_web.conftest import TODAY, Account, Clock, World, build_world, clinic_client

# TODAY is a Wednesday; the prescription is in force from Thursday.
THURSDAY = TODAY + dt.timedelta(days=1)


def day(n: int) -> str:
    """Days after TODAY, as the API writes them."""
    return (TODAY + dt.timedelta(days=n)).isoformat()


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def client(pg_url: str, clock: Clock) -> Iterator[TestClient]:
    with clinic_client(pg_url, clock) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def world(client: TestClient, clock: Clock, pg_url: str) -> World:
    return build_world(client, clock, pg_url)


def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, every column but a session's `last_seen_at` (it moves
    on any request)."""
    engine = connect(url)
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        return {
            table.name: sorted(
                map(
                    tuple,
                    connection.execute(
                        select(*(c for c in table.columns if c.name != "last_seen_at"))
                    ),
                ),
                key=repr,
            )
            for table in metadata.sorted_tables
        }


PRESCRIPTION: dict[str, Any] = {
    "days_per_week": 4,  # Mon, Tue, Thu, Sat; strength on Mon, Thu, Sat (PR-2)
    "slots": [
        {"exercise_id": "bridge", "dose": {"sets": 3, "reps": 12}, "locked": True},
        {"exercise_id": "lateral-leg-raise", "dose": {"sets": 2, "reps": 10}},
        {"exercise_id": "walking", "dose": {"sets": 1, "minutes": 10}, "note": "Flat ground"},
    ],
    "reason": "Hip strength first; keep the bridge where it is",
}


def put(client: TestClient, who: Account, patient: Account, body: dict[str, Any]) -> Any:
    return client.put(
        f"/api/v1/patients/{patient.patient_id}/programme", json=body, headers=who.headers()
    )


def with_slot(index: int, **change: Any) -> dict[str, Any]:
    body = {**PRESCRIPTION, "slots": [dict(s) for s in PRESCRIPTION["slots"]]}
    body["slots"][index] = {**body["slots"][index], **change}
    return body


def log(client: TestClient, patient: Account, n: int, pains: dict[str, int]) -> Any:
    """A session n days after TODAY at the prescribed doses, with these pains."""
    doses = {
        "bridge": {"reps": 12, "hold_seconds": 2, "sets": 3},
        "lateral-leg-raise": {"reps": 10, "sets": 2},
    }
    entries = [
        {
            "exercise_id": exercise_id,
            "sets": [
                {
                    "reps": doses[exercise_id]["reps"],
                    "hold_seconds": doses[exercise_id].get("hold_seconds"),
                    "pain": pain,
                }
                for _ in range(doses[exercise_id]["sets"])
            ],
        }
        for exercise_id, pain in pains.items()
    ]
    done = client.post(
        "/api/v1/sessions",
        json={
            "client_id": f"rx-{n}-{sorted(pains.items())}",
            "date": day(n),
            "pain_before": 1,
            "pain_after": 1,
            "entries": entries,
        },
        headers=patient.headers(),
    )
    assert done.status_code == 201, done.text
    return done.json()


def morning(client: TestClient, patient: Account, n: int, pain: int = 1) -> None:
    done = client.post(
        "/api/v1/checkins",
        json={"date": day(n), "pain": pain, "morning": True},
        headers=patient.headers(),
    )
    assert done.status_code == 200, done.text


def items(client: TestClient, patient: Account, n: int) -> dict[str, dict[str, Any]]:
    seen = client.get(f"/api/v1/today?date={day(n)}", headers=patient.headers())
    assert seen.status_code == 200, seen.text
    return {i["exercise_id"]: i for i in seen.json()["items"]}


def test_refusals_name_the_field_and_change_nothing(
    client: TestClient, world: World, pg_url: str
) -> None:
    physio, patient = world.physio_a, world.patient_a
    cases = [
        (with_slot(2, exercise_id="avoid-deep-squats-lunges"), "slots.2.exercise_id"),
        (with_slot(2, exercise_id="deep-squat"), "slots.2.exercise_id"),
        (with_slot(0, dose={"sets": 3, "reps": 20}), "slots.0.dose.reps"),
        (with_slot(2, dose={"sets": 1, "minutes": 31}), "slots.2.dose.minutes"),
        ({**PRESCRIPTION, "reason": ""}, "reason"),
    ]
    before = snapshot(pg_url)
    for body, field in cases:
        answer = put(client, physio, patient, body)
        assert answer.status_code == 422, answer.text
        assert answer.json()["field"] == field, answer.text
    assert "avoid list" in put(client, physio, patient, cases[0][0]).json()["detail"][0]["msg"]
    assert snapshot(pg_url) == before
    # Nobody else prescribes: the admin (403), the other physio (404, like no patient).
    assert put(client, world.admin, patient, PRESCRIPTION).status_code == 403
    assert put(client, world.physio_b, patient, PRESCRIPTION).status_code == 404


def test_the_prescription_from_the_next_day_then_locked_and_pm1(
    client: TestClient, world: World, clock: Clock, pg_url: str
) -> None:
    physio, patient = world.physio_a, world.patient_a
    made = put(client, physio, patient, PRESCRIPTION)
    assert made.status_code == 200, made.text
    answer = made.json()
    assert answer["effective_date"] == THURSDAY.isoformat()
    reason = "CL-1: prescribed by Physio a: Hip strength first; keep the bridge where it is"
    assert answer["reasons"][0] == {"rule": "CL-1", "message": reason}

    # Thursday: the prescribed programme, at the prescribed doses.
    thursday = items(client, patient, 1)
    assert set(thursday) == {"bridge", "lateral-leg-raise", "walking"}
    assert (thursday["bridge"]["dose"]["sets"], thursday["bridge"]["dose"]["reps"]) == (3, 12)
    assert thursday["walking"]["note"] == "Flat ground"
    versions = client.get(f"/api/v1/progress?date={day(1)}", headers=patient.headers())
    assert versions.status_code == 200, versions.text
    listed = [v for v in versions.json()["versions"] if v["version"] == answer["version"]]
    assert listed and listed[0]["reasons"][0] == reason
    assert listed[0]["effective_date"] == THURSDAY.isoformat()

    # Two good sessions (Thursday, Saturday), low mornings: the unlocked raise progresses,
    # the locked bridge stays at its dose.
    for n in range(1, 6):
        morning(client, patient, n)
    log(client, patient, 1, {"bridge": 1, "lateral-leg-raise": 1})
    log(client, patient, 3, {"bridge": 1, "lateral-leg-raise": 1})
    monday = items(client, patient, 5)
    assert (monday["bridge"]["dose"]["sets"], monday["bridge"]["dose"]["reps"]) == (3, 12)
    assert monday["bridge"]["decision"]["rule"] == "CL-2"
    assert monday["lateral-leg-raise"]["dose"]["reps"] == 12
    assert monday["lateral-leg-raise"]["decision"]["rule"] == "PR-1"

    # Pain 6 during the locked bridge: stopped and regressed at once (PM-1), still locked.
    done = log(client, patient, 5, {"bridge": 6})
    regress = [d for d in done["decisions"] if d["exercise_id"] == "bridge"]
    assert [(d["action"], d["rule"]) for d in regress] == [("regress", "PM-1")]
    # ... and that raises a `soon` alert for the physio (CL-2), in the same request.
    alerts = client.get("/api/v1/alerts?status=open", headers=physio.headers())
    assert alerts.status_code == 200, alerts.text
    raised = [a for a in alerts.json() if a["patient_id"] == patient.patient_id]
    assert [(a["rule"], a["urgency"]) for a in raised if a["rule"] == "CL-2"] == [("CL-2", "soon")]
    after = items(client, patient, 8)  # the next strength day: Thursday
    assert after["bridge"]["dose"]["reps"] == 10
    seen = client.get(
        f"/api/v1/patients/{patient.patient_id}/progress?date={day(8)}", headers=physio.headers()
    )
    assert seen.status_code == 200, seen.text
    slots = [v for v in seen.json()["versions"] if v["version"] == answer["version"]]
    assert slots, seen.text

    # The patient's /progress page, a week on: under "What changed and why".
    settings = WebSettings(
        db_url=pg_url,
        extra_hosts=("testserver",),
        today=TODAY + dt.timedelta(days=8),
        clinic=True,
        clock=clock,
    )
    with TestClient(create_app(settings), base_url="http://testserver") as later:
        page = later.get("/progress", headers=patient.headers())
    assert page.status_code == 200, page.text[:300]
    changed = page.text.split("What changed and why", 1)[1].split("</section>", 1)[0]
    assert "From your physiotherapist" in changed
    assert "Prescribed by Physio a: Hip strength first; keep the bridge where it is" in changed


def test_templates_are_shared_within_the_clinic(client: TestClient, world: World) -> None:
    physio, other = world.physio_a, world.physio_b
    made = client.post(
        "/api/v1/templates",
        json={"name": "Hip first", "from_patient_id": world.patient_a.patient_id},
        headers=physio.headers(),
    )
    assert made.status_code == 201, made.text
    template = made.json()
    assert template["programme"]["days_per_week"] == 4
    assert [s["exercise_id"] for s in template["programme"]["slots"]][:1] == ["bridge"]
    again = client.post(
        "/api/v1/templates",
        json={"name": "Hip first", "from_patient_id": world.patient_a.patient_id},
        headers=physio.headers(),
    )
    assert (again.status_code, again.json()["field"]) == (422, "name")
    # Not their patient: physio B cannot make a template of patient A.
    refused = client.post(
        "/api/v1/templates",
        json={"name": "Borrowed", "from_patient_id": world.patient_a.patient_id},
        headers=other.headers(),
    )
    assert refused.status_code == 404
    listed = client.get("/api/v1/templates", headers=other.headers())
    assert [t["name"] for t in listed.json()] == ["Hip first"]
    assert client.get("/api/v1/templates", headers=world.admin_other.headers()).json() == []
    applied = client.post(
        f"/api/v1/patients/{world.patient_b.patient_id}/programme/template",
        json={"template_id": template["template_id"], "reason": "It worked for a similar knee"},
        headers=other.headers(),
    )
    assert applied.status_code == 200, applied.text
    assert applied.json()["reasons"][0]["message"] == (
        "CL-1: prescribed by Physio b: It worked for a similar knee"
    )
    missing = client.post(
        f"/api/v1/patients/{world.patient_b.patient_id}/programme/template",
        json={"template_id": template["template_id"] + 1000, "reason": "No such one"},
        headers=other.headers(),
    )
    assert (missing.status_code, missing.json()["field"]) == (404, "template_id")
