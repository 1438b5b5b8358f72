"""Issue 13's RF-2 acceptance line through the HTTP API on PostgreSQL, with a real SMTP
server (aiosmtpd): the check-in opens one urgent alert in the same request, its email
arrives within 5 s, the physio acknowledges it, and the same check-in the next day opens
no second alert. Then a mail server that is down: the request still succeeds, the alert
is stored, its mail waits, and a retry sends it once the server is back."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from kneecoach.services import mail
from kneecoach.store.db import connect, database
from tests.clinic_web.conftest import TODAY, Account, Clock, World, build_world, clinic_client
from tests.factories import clear_answers
from tests.mailserver import Inbox, smtp_server
from tests.pgserver import free_port

LOCKED_KNEE = clear_answers(knee_locked=True)  # RF-2: urgent


@pytest.fixture(scope="module")
def inbox() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as found:
        yield found


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def client(pg_url: str, clock: Clock, inbox: tuple[Inbox, int]) -> Iterator[TestClient]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KNEECOACH_SMTP_URL", f"smtp://127.0.0.1:{inbox[1]}")
        patch.setenv("KNEECOACH_BASE_URL", "https://clinic.example.org")
        from kneecoach.settings import get_settings

        get_settings.cache_clear()
        with clinic_client(pg_url, clock) as test_client:
            yield test_client
    mail.stop_serving(database(pg_url).key)


@pytest.fixture(scope="module")
def world(client: TestClient, clock: Clock, pg_url: str) -> World:
    return build_world(client, clock, pg_url)


def until(check: Any, timeout: float = 5.0) -> Any:
    """`check()` once it is truthy, trying for at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not (found := check()) and time.monotonic() < deadline:
        time.sleep(0.02)
    return found


def outbox(url: str) -> list[Any]:
    with connect(url).connect() as connection:
        query = "SELECT alert_id, attempts, sent_at, last_error FROM mail_outbox ORDER BY id"
        return list(connection.execute(text(query)))


def check_in(client: TestClient, patient: Account, day: dt.date, answers: Any) -> Any:
    body = {"date": day.isoformat(), "pain": 4, "morning": True, "answers": answers}
    return client.post("/api/v1/checkins", json=body, headers=patient.headers())


def alerts_of(client: TestClient, who: Account, status: str = "open") -> Any:
    return client.get(f"/api/v1/alerts?status={status}", headers=who.headers())


def test_rf2_checkin_alert_email_acknowledge_and_the_next_day(client, world, inbox):
    box, _ = inbox
    patient, physio = world.patient_a, world.physio_a
    answered = check_in(client, patient, TODAY, LOCKED_KNEE)
    sent_at = time.monotonic()
    assert answered.status_code == 200, answered.text
    assert answered.json()["status"] == "stopped"

    found = alerts_of(client, physio)
    assert found.status_code == 200, found.text
    [alert] = found.json()
    assert alert["patient_id"] == patient.patient_id
    assert (alert["rule"], alert["urgency"]) == ("RF-2", "urgent")
    assert alert["acknowledged_at"] is None and alert["note"] is None

    [message] = box.wait_for(1, timeout=5.0)
    assert time.monotonic() - sent_at < 5.0
    assert box.recipients == [[physio.email]]
    body = message.get_payload(decode=True).decode()
    assert f"https://clinic.example.org/patients/{patient.patient_id}" in body
    for secret in (patient.name, patient.email, "RF-2", "straighten", "urgent", "4/10"):
        assert secret not in body and secret not in str(message["Subject"])

    # Another physio sees none of it and cannot acknowledge it; an admin: 403.
    assert alerts_of(client, world.physio_b, "all").json() == []
    hidden = client.post(
        f"/api/v1/alerts/{alert['alert_id']}/ack", json={}, headers=world.physio_b.headers()
    )
    assert hidden.status_code == 404 and hidden.json()["field"] == "path"
    assert alerts_of(client, world.admin).status_code == 403

    acked = client.post(
        f"/api/v1/alerts/{alert['alert_id']}/ack",
        json={"note": "Phoned: seen at urgent care today."},
        headers=physio.headers(),
    )
    assert acked.status_code == 200, acked.text
    assert acked.json()["acknowledged_by"] == physio.account_id
    assert acked.json()["note"] == "Phoned: seen at urgent care today."
    again = client.post(
        f"/api/v1/alerts/{alert['alert_id']}/ack", json={"note": "x"}, headers=physio.headers()
    )
    assert again.json()["acknowledged_at"] == acked.json()["acknowledged_at"]
    assert again.json()["note"] == acked.json()["note"]

    # The same check-in the next day: the same episode, no second alert, no second email.
    next_day = check_in(client, patient, TODAY + dt.timedelta(days=1), LOCKED_KNEE)
    assert next_day.status_code == 200, next_day.text
    assert alerts_of(client, physio).json() == []
    [same] = until(
        lambda: [a for a in alerts_of(client, physio, "all").json() if a["mail"] == "sent"]
    )
    assert same["alert_id"] == alert["alert_id"]
    time.sleep(0.3)  # a second email would be on its way by now
    assert len(box.messages) == 1


def test_bad_input_names_the_field(client, world):
    physio = world.physio_a
    bad_status = client.get("/api/v1/alerts?status=closed", headers=physio.headers())
    assert bad_status.status_code == 422 and bad_status.json()["field"] == "status"
    long_note = client.post(
        "/api/v1/alerts/1/ack", json={"note": "x" * 2001}, headers=physio.headers()
    )
    assert long_note.status_code == 422 and long_note.json()["field"] == "note"


def test_a_mail_server_that_is_down_fails_no_request_and_loses_no_alert(
    pg_url, clock, world, monkeypatch
):
    from kneecoach.settings import get_settings

    port = free_port()  # nothing listens here
    monkeypatch.setenv("KNEECOACH_SMTP_URL", f"smtp://127.0.0.1:{port}")
    get_settings.cache_clear()
    patient, physio = world.patient_b, world.physio_b
    with clinic_client(pg_url, clock) as down_client:
        emergency = clear_answers(breathless_or_chest_pain=True)  # RF-1
        answered = check_in(down_client, patient, TODAY, emergency)
        assert answered.status_code == 200, answered.text
        [alert] = alerts_of(down_client, physio).json()
        assert (alert["rule"], alert["urgency"], alert["mail"]) == ("RF-1", "emergency", "pending")
        # The background sender tried, failed, and will try again later.
        [(_, attempts, sent_at, error)] = until(
            lambda: [r for r in outbox(pg_url) if r[0] == alert["alert_id"] and r[3]]
        )
        assert attempts == 1 and sent_at is None and "refused" in error.lower()
    key = database(pg_url).key
    mail.stop_serving(key)  # no background sender from here on
    sender = mail.sending(key)
    if sender is not None:
        sender.join(timeout=5.0)
    with smtp_server(port) as (box, _):
        later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)  # past any retry's wait
        assert mail.deliver_due(database(pg_url), now=later).sent == 1
        assert [r for r in box.recipients] == [[physio.email]]
    with clinic_client(pg_url, clock) as again:
        [alert] = alerts_of(again, physio).json()
        assert alert["mail"] == "sent"


def test_pain_7_during_a_set_opens_a_soon_alert(client, world):
    patient, physio = world.patient_a, world.physio_a
    log = {
        "client_id": "pain-seven",
        "date": (TODAY + dt.timedelta(days=2)).isoformat(),
        "pain_before": 3,
        "pain_after": 5,
        "entries": [{"exercise_id": "bridge", "sets": [{"pain": 4}, {"pain": 7}]}],
    }
    logged = client.post("/api/v1/sessions", json=log, headers=patient.headers())
    assert logged.status_code == 201, logged.text
    [alert] = [a for a in alerts_of(client, physio).json() if a["rule"] == "CL-3"]
    assert (alert["urgency"], alert["mail"]) == ("soon", "none")
    assert alert["numbers"]["pain"] == 7 and alert["numbers"]["limit"] == 7
