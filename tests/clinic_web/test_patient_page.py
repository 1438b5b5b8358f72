"""The staff patient page (issue 13, part 4) on PostgreSQL: what the physio sees, what an
admin does not, the prescription editor's form, the alert's acknowledge form, and the
exports (PDFs, FHIR), each view and export leaving its audit event."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from kneecoach.content.loader import load_catalogue
from kneecoach.reports.current import for_physio
from kneecoach.reports.fhir import validate_bundle
from kneecoach.services.actor import Actor
from kneecoach.store.db import connect, database
from kneecoach.web.clinic.auth import csrf_for
from tests.clinic_web.conftest import NOW, TODAY, Account, Clock, World, build_world, clinic_client

TOMORROW = TODAY + dt.timedelta(days=1)
# KNEECOACH_TEST_PDF_DIR=dir keeps the PDFs there, to look at (pdftoppm -png).
OUT = Path(os.environ["KNEECOACH_TEST_PDF_DIR"]) if "KNEECOACH_TEST_PDF_DIR" in os.environ else None


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def client(pg_url: str, clock: Clock) -> Iterator[TestClient]:
    with clinic_client(pg_url, clock) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def world(client: TestClient, clock: Clock, pg_url: str) -> World:
    """Two clinics (tests/clinic_web/conftest.py); patient A also has morning scores and
    a PSFS, so the charts have something to draw."""
    found = build_world(client, clock, pg_url)
    patient = found.patient_a
    for back in range(6, 0, -1):
        day = TODAY - dt.timedelta(days=back)
        score = {"date": day.isoformat(), "pain": 3 + back % 2, "morning": True}
        done = client.post("/api/v1/checkins", json=score, headers=patient.headers())
        assert done.status_code == 200, done.text
    psfs = {"activities": [{"name": "climbing stairs", "score": 4}]}
    done = client.post("/api/v1/psfs", json=psfs, headers=patient.headers())
    assert done.status_code in (200, 201), done.text
    return found


def page_of(client: TestClient, account: Account, patient: Account, **params: str) -> Any:
    return client.get(f"/patients/{patient.patient_id}", params=params, headers=account.headers())


def last_event_id(url: str) -> int:
    with connect(url).connect() as connection:
        found = connection.execute(text("SELECT coalesce(max(id), 0) FROM audit_events"))
        return int(found.scalar_one())


def events_after(url: str, last: int) -> list[tuple[Any, ...]]:
    """(action, outcome, actor_id, patient_id) of each audit event after `last`."""
    with connect(url).connect() as connection:
        rows = connection.execute(
            text(
                "SELECT action, outcome, actor_id, patient_id FROM audit_events "
                "WHERE id > :last ORDER BY id"
            ),
            {"last": last},
        )
        return [tuple(row) for row in rows]


def routes_after(url: str, last: int, outcome: str) -> list[str]:
    with connect(url).connect() as connection:
        rows = connection.execute(
            text("SELECT route FROM audit_events WHERE id > :last AND outcome = :o ORDER BY id"),
            {"last": last, "o": outcome},
        )
        return [str(row[0]) for row in rows]


def versions_of(url: str, patient_id: int) -> int:
    with connect(url).connect() as connection:
        found = connection.execute(
            text("SELECT count(*) FROM programme_versions WHERE person_id = :p"), {"p": patient_id}
        )
        return int(found.scalar_one())


def form_of(account: Account, **fields: str) -> dict[str, str]:
    assert account.token
    return {"csrf_token": csrf_for(account.token), **fields}


def prescription(account: Account, **changes: str) -> dict[str, str]:
    """The editor's form: bridge locked at 3 x 12, walking 20 minutes, 3 days, 30 min."""
    fields = {
        "days_per_week": "3",
        "minutes_per_session": "30",
        "use-bridge": "1",
        "bridge.sets": "3",
        "bridge.reps": "12",
        "bridge.hold_seconds": "3",
        "bridge.locked": "1",
        "bridge.note": "Slow on the way down.",
        "use-walking": "1",
        "walking.sets": "1",
        "walking.minutes": "20",
        "reason": "Steady strength first; walking a bit longer.",
    }
    fields.update(changes)
    return form_of(account, **{k: v for k, v in fields.items() if v is not None})


def test_the_physio_sees_every_section_in_one_audited_read(client, world, pg_url):
    last = last_event_id(pg_url)
    page = page_of(client, world.physio_a, world.patient_a)
    assert page.status_code == 200, page.text
    assert page.headers["cache-control"] == "no-store"
    html = page.text
    assert "Ann Alpha-Q7X" in html and "ann.q7x@example.org" in html
    # the pain chart with the baseline, the 7-day mean and the real-change band
    assert 'class="chart"' in html
    assert all(f'class="{part}"' in html for part in ("baseline", "mean", "band"))
    assert "below this band is a real improvement" in html
    # the adherence calendar and the PSFS
    assert 'class="calendar"' in html and "session done" in html
    assert "climbing stairs 4/10" in html
    # the sessions with the pain of each set of each exercise
    sessions = html[html.index('id="sessions"') : html.index('id="decisions"')]
    assert "Bridge" in sessions and "2, 3" in sessions and "Walking" in sessions
    # every decision with its rule id, the programme versions with their reasons
    decisions = html[html.index('id="decisions"') : html.index('id="exports"')]
    assert "Programme versions" in decisions and "The engine's decisions" in decisions
    assert '<span class="rule">PM-1</span>' in decisions  # the session's pain: kept the same
    # the alerts section, the exports, the editor with the library's pictures
    assert 'id="alerts"' in html
    for export in ("handout.pdf", "report.pdf", "fhir.json"):
        assert f'href="/patients/{world.patient_a.patient_id}/{export}"' in html
    assert 'src="/figures/bridge.svg"' in html and 'src="/figures/plank.svg"' in html
    reps = re.search(r'<input[^>]*name="bridge\.reps"[^>]*>', html)
    assert reps and 'min="10"' in reps.group(0) and 'max="15"' in reps.group(0)
    assert 'name="bridge.locked"' in html and 'name="bridge.note"' in html
    assert "deep-squat" not in html and "avoid-" not in html  # never offered
    # one read for the page (the alerts' own read may add one more, by the same physio)
    found = events_after(pg_url, last)
    assert [e for e in found if e[1] == "patient-page"] == [
        ("read", "patient-page", world.physio_a.account_id, world.patient_a.patient_id)
    ]
    assert all(e[2:] == (world.physio_a.account_id, world.patient_a.patient_id) for e in found)
    assert routes_after(pg_url, last, "patient-page") == [
        f"GET /patients/{world.patient_a.patient_id}"
    ]


def test_an_admin_who_is_not_the_physio_sees_only_the_record(client, world, pg_url):
    last = last_event_id(pg_url)
    page = page_of(client, world.admin, world.patient_a)
    assert page.status_code == 200, page.text
    assert "Ann Alpha-Q7X" in page.text and "Physio a" in page.text
    assert "Only the patient's physio sees their sessions and pain scores." in page.text
    for clinical in ("Pain score", 'class="calendar"', "Pain each set", "Prescribe"):
        assert clinical not in page.text, clinical
    assert "/figures/" not in page.text
    assert events_after(pg_url, last) == [
        ("read", "patient-page", world.admin.account_id, world.patient_a.patient_id)
    ]
    for export in ("handout.pdf", "report.pdf", "fhir.json"):
        refused = client.get(
            f"/patients/{world.patient_a.patient_id}/{export}", headers=world.admin.headers()
        )
        assert refused.status_code == 403, export


def test_a_refused_prescription_is_shown_again_with_the_message_by_the_field(client, world, pg_url):
    patient_id = world.patient_a.patient_id
    before = versions_of(pg_url, patient_id)
    answer = client.post(
        f"/patients/{patient_id}/programme",
        data=prescription(world.physio_a, **{"bridge.reps": "40"}),
        headers=world.physio_a.headers(),
        follow_redirects=False,
    )
    assert answer.status_code == 422, answer.text[:300]
    html = answer.text
    error = re.search(r'<p class="error" id="err-bridge\.reps">([^<]+)</p>', html)
    assert error and "10" in error.group(1) and "15" in error.group(1), error
    assert 'href="#field-bridge.reps"' in html  # the summary links to the field
    assert "The programme is not saved yet." in html  # said at the top of the page too
    # nothing lost: what was typed is there again
    assert re.search(r'name="bridge\.reps"[^>]*value="40"', html)
    assert "Steady strength first; walking a bit longer." in html
    assert "Slow on the way down." in html
    no_reason = client.post(
        f"/patients/{patient_id}/programme",
        data=prescription(world.physio_a, reason=""),
        headers=world.physio_a.headers(),
    )
    assert no_reason.status_code == 422
    assert 'id="err-reason"' in no_reason.text
    assert versions_of(pg_url, patient_id) == before  # nothing changed


def test_a_prescription_is_saved_and_the_page_says_from_when(client, world, pg_url):
    patient_id = world.patient_a.patient_id
    last = last_event_id(pg_url)
    answer = client.post(
        f"/patients/{patient_id}/programme",
        data=prescription(world.physio_a),
        headers=world.physio_a.headers(),
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text[:300]
    assert answer.headers["location"] == (
        f"/patients/{patient_id}?saved={TOMORROW.isoformat()}#prescription"
    )
    assert ("update", "prescription") in [e[:2] for e in events_after(pg_url, last)]
    page = client.get(answer.headers["location"], headers=world.physio_a.headers())
    html = page.text
    assert f"Saved: from {TOMORROW.day} {TOMORROW:%b %Y} the patient sees it." in html
    assert "CL-1: prescribed by Physio a: Steady strength first; walking a bit longer." in html
    # the patient sees it from tomorrow, with the reason
    tomorrow = client.get(
        "/api/v1/today",
        params={"date": TOMORROW.isoformat()},
        headers=world.patient_a.headers(),
    ).json()
    assert tomorrow["programme_version"] == versions_of(pg_url, patient_id)


def test_the_exports_are_the_patients_and_each_is_audited(client, world, pg_url):
    patient_id = world.patient_a.patient_id
    for export, media in (
        ("handout.pdf", "application/pdf"),
        ("report.pdf", "application/pdf"),
    ):
        last = last_event_id(pg_url)
        answer = client.get(f"/patients/{patient_id}/{export}", headers=world.physio_a.headers())
        assert answer.status_code == 200, answer.text[:300]
        assert answer.headers["content-type"] == media
        assert answer.content.startswith(b"%PDF")
        assert events_after(pg_url, last) == [
            ("export", export.split(".")[0], world.physio_a.account_id, patient_id)
        ]
        if OUT:
            (OUT / export).write_bytes(answer.content)
    # the handout is the programme as prescribed (from tomorrow), printed today
    physio = Actor("physio", world.physio_a.account_id, None, world.physio_a.clinic_id)
    now, _ = for_physio(
        database(pg_url), load_catalogue(), physio, patient_id, TODAY, "handout", now=NOW
    )
    doses = {i.exercise_id: i.dose for s in now.week for b in s.blocks for i in b.items}
    assert (doses["bridge"].sets, doses["bridge"].reps) == (3, 12)
    assert {s.exercise_id for s in now.course.slots if s.locked} == {"bridge"}


def test_the_fhir_bundle_has_a_service_request_for_each_prescription(client, world, pg_url):
    patient_id = world.patient_a.patient_id
    for path in (f"/patients/{patient_id}/fhir.json", f"/api/v1/patients/{patient_id}/fhir"):
        last = last_event_id(pg_url)
        answer = client.get(path, headers=world.physio_a.headers())
        assert answer.status_code == 200, answer.text[:300]
        assert events_after(pg_url, last) == [
            ("export", "fhir", world.physio_a.account_id, patient_id)
        ]
        bundle = answer.json()
        validate_bundle(bundle)
        requests = [
            e["resource"]
            for e in bundle["entry"]
            if e["resource"]["resourceType"] == "ServiceRequest"
        ]
        assert len(requests) == 1, path  # the one prescription of the test before
        (order,) = requests
        assert order["code"]["coding"][0] == {
            "system": "http://snomed.info/sct",
            "code": "229065009",
            "display": "Exercise therapy",
        }
        assert (order["status"], order["intent"]) == ("active", "order")
        assert order["requester"] == {"display": "Physio a"}
        assert order["authoredOn"] == TOMORROW.isoformat()
        assert order["note"] == [{"text": "Steady strength first; walking a bit longer."}]
        assert order["subject"]["reference"] == bundle["entry"][0]["fullUrl"]  # the Patient
        details = [d["text"] for d in order["orderDetail"]]
        assert any(d.startswith("Bridge: ") and "locked" in d for d in details), details
    refused = client.get(f"/api/v1/patients/{patient_id}/fhir", headers=world.admin.headers())
    assert refused.status_code == 403


def test_the_physio_acknowledges_a_red_flag_alert_with_a_note(client, world, pg_url):
    """Last in the module: the red flag stops the patient's programme."""
    from tests.factories import clear_answers

    patient_id = world.patient_a.patient_id
    flagged = {"pain": 5, "morning": False, "answers": clear_answers(knee_locked=True)}
    done = client.post("/api/v1/checkins", json=flagged, headers=world.patient_a.headers())
    assert done.status_code == 200, done.text
    page = page_of(client, world.physio_a, world.patient_a)
    alerts = page.text[page.text.index('id="alerts"') : page.text.index('class="card today-card"')]
    found = re.search(rf'action="/patients/{patient_id}/alerts/(\d+)/ack#alerts"', alerts)
    assert found, alerts
    assert "Urgent" in alerts and "RF-2" in alerts
    alert_id = found.group(1)
    last = last_event_id(pg_url)
    acked = client.post(
        f"/patients/{patient_id}/alerts/{alert_id}/ack",
        data=form_of(world.physio_a, note="Phoned her: seeing the GP today."),
        headers=world.physio_a.headers(),
        follow_redirects=False,
    )
    assert acked.status_code == 303, acked.text[:300]
    assert acked.headers["location"] == f"/patients/{patient_id}?acknowledged=1#alerts"
    assert ("update", "alert-acknowledged") in [e[:2] for e in events_after(pg_url, last)]
    after = client.get(acked.headers["location"], headers=world.physio_a.headers())
    assert "Alert acknowledged." in after.text and f"/alerts/{alert_id}/ack" not in after.text
    listed = client.get("/api/v1/alerts?status=all", headers=world.physio_a.headers()).json()
    (alert,) = [a for a in listed if a["alert_id"] == int(alert_id)]
    assert alert["note"] == "Phoned her: seeing the GP today."
    # without this session's token, or for an alert that is not the patient's: nothing
    stale = client.post(
        f"/patients/{patient_id}/alerts/{alert_id}/ack",
        data={"note": "again"},
        headers=world.physio_a.headers(),
    )
    assert stale.status_code == 403
    other = client.post(
        f"/patients/{patient_id}/alerts/99999/ack",
        data=form_of(world.physio_a, note="?"),
        headers=world.physio_a.headers(),
        follow_redirects=False,
    )
    assert other.headers["location"] == f"/patients/{patient_id}?alert=gone#alerts"
