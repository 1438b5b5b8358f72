"""Issue 12's first acceptance line through the API, on PostgreSQL (and SQLite), and what it leaves:
one `read` event per staff read, refusals alike, throttled guessing."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from kneecoach.cli.main import app as cli
from kneecoach.domain.errors import FieldError
from kneecoach.services import auth
from kneecoach.store.db import connect, database
from tests.clinic_web.conftest import (
    PASSWORD,
    Clock,
    World,
    accept,
    add_patient,
    build_world,
    clinic_client,
    invite_staff,
    sign_in,
    start_and_log,
)


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def client(any_url: str, clock: Clock) -> Iterator[TestClient]:
    with clinic_client(any_url, clock) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def world(client: TestClient, clock: Clock, any_url: str) -> World:
    return build_world(client, clock, any_url)


def events(url: str, action: str | None = None) -> list[dict[str, object]]:
    query = "SELECT * FROM audit_events" + (" WHERE action = :action" if action else "")
    with connect(url).connect() as connection:
        rows = connection.execute(text(query + " ORDER BY id"), {"action": action})
        return [dict(row._mapping) for row in rows]


def test_clinic_init_to_the_physio_reading_today_and_progress(client, clock, any_url):
    made = CliRunner().invoke(
        cli,
        [
            "clinic",
            "init",
            "--name",
            "Flow",
            "--admin-email",
            "boss@example.org",
            "--db",
            any_url,
            "--json",
        ],
    )
    assert made.exit_code == 0, made.output
    invite_path = json.loads(made.stdout)["invite_path"]
    admin = accept(client, invite_path, "Bo Boss", "boss@example.org")
    assert admin.role == "admin" and admin.secret  # staff get a TOTP secret
    sign_in(client, admin, clock)  # the first valid code completes enrolment
    me = client.get("/api/v1/me", headers=admin.headers()).json()
    assert me["role"] == "admin" and me["totp_enrolled"] is True

    physio = accept(
        client, invite_staff(client, admin, "pia@example.org"), "Pia", "pia@example.org"
    )
    sign_in(client, physio, clock)
    patient = add_patient(client, physio, "Pat Flow", "pat.flow@example.org")
    assert patient.role == "patient" and patient.secret is None
    sign_in(client, patient, clock)  # patients need no code
    listed = client.get("/api/v1/patients", headers=physio.headers()).json()
    assert [(p["patient_id"], p["start_date"]) for p in listed] == [(patient.patient_id, None)]
    start_and_log(client, patient)

    today = client.get(f"/api/v1/patients/{patient.patient_id}/today", headers=physio.headers())
    assert today.status_code == 200, today.text
    own = client.get("/api/v1/today", headers=patient.headers())
    assert today.json() == own.json()  # personal mode's shape, the same answer
    progress = client.get(
        f"/api/v1/patients/{patient.patient_id}/progress", headers=physio.headers()
    )
    assert progress.status_code == 200, progress.text
    assert progress.json()["adherence"]["done"] == 1
    history = client.get(
        f"/api/v1/patients/{patient.patient_id}/history", headers=physio.headers()
    ).json()
    assert len(history["sessions"]) == 1
    # The admin sees the record, but no clinical data unless they are the physio.
    record = client.get(f"/api/v1/patients/{patient.patient_id}", headers=admin.headers())
    assert record.json()["start_date"] is not None
    refused = client.get(f"/api/v1/patients/{patient.patient_id}/today", headers=admin.headers())
    assert refused.status_code == 403
    assert client.post("/api/v1/auth/logout", json={}, headers=patient.headers()).status_code == 204
    assert client.get("/api/v1/today", headers=patient.headers()).status_code == 401


STAFF_READS = ("", "/today", "/progress", "/history")


def test_every_staff_read_leaves_exactly_one_read_event(client, world, any_url):
    patient = world.patient_a.patient_id
    for who, paths in (
        (world.physio_a, STAFF_READS),
        (world.admin, ("",)),  # an admin reads the record, not the clinical data
    ):
        for tail in paths:
            before = events(any_url)
            answer = client.get(f"/api/v1/patients/{patient}{tail}", headers=who.headers())
            assert answer.status_code == 200, (who.name, tail, answer.text)
            new = events(any_url)[len(before) :]
            assert [(e["action"], e["actor_id"], e["patient_id"]) for e in new] == [
                ("read", who.account_id, patient)
            ], (who.name, tail)
    before = events(any_url)
    assert client.get("/api/v1/patients", headers=world.physio_a.headers()).status_code == 200
    assert [e["action"] for e in events(any_url)[len(before) :]] == ["read"]


def test_physio_b_reading_patient_a_gets_404_and_a_denied_event(client, world, any_url):
    patient = world.patient_a.patient_id
    for tail in STAFF_READS:
        before = events(any_url)
        answer = client.get(f"/api/v1/patients/{patient}{tail}", headers=world.physio_b.headers())
        missing = client.get(f"/api/v1/patients/999999{tail}", headers=world.physio_b.headers())
        assert answer.status_code == missing.status_code == 404
        assert answer.json() == missing.json()  # out of scope and missing answer alike
        new = events(any_url)[len(before) :]
        assert [(e["action"], e["actor_id"], e["patient_id"]) for e in new] == [
            ("denied", world.physio_b.account_id, patient),
            ("denied", world.physio_b.account_id, 999999),
        ]


def test_unknown_email_and_wrong_password_answer_alike_then_the_sixth_is_429(client, world):
    email = world.physio_b.email
    unknown = client.post(
        "/api/v1/auth/login", json={"email": "nobody@example.org", "password": "x" * 14}
    )
    for attempt in range(5):
        wrong = client.post("/api/v1/auth/login", json={"email": email, "password": "wrong " * 3})
        assert wrong.status_code == 401, attempt
        assert wrong.json() == unknown.json() and unknown.status_code == 401
        assert "set-cookie" not in wrong.headers
    sixth = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert sixth.status_code == 429
    assert int(sixth.headers["retry-after"]) > 0
    assert sixth.json()["field"] == "email"
    # throttled per account: another account still signs in
    other = client.post(
        "/api/v1/auth/login", json={"email": world.patient_b.email, "password": PASSWORD}
    )
    assert other.status_code == 200
    client.cookies.clear()


def test_an_email_with_a_control_character_is_422_not_a_server_error(client, any_url):
    """Found by schemathesis: PostgreSQL cannot hold NUL, and the sign-in asked it to."""
    for email in ("\x00a@example.org", "a\x1f@example.org"):
        answer = client.post("/api/v1/auth/login", json={"email": email, "password": "x" * 14})
        assert answer.status_code == 422, (email, answer.text)
        assert answer.json()["field"] == "email"
    with pytest.raises(FieldError) as refused:  # the service itself, as the CLI calls it
        auth.login(database(any_url), "\x00a@example.org", "x" * 14, now=dt.datetime.now(dt.UTC))
    assert refused.value.field == "email"


def test_another_clinics_admin_sees_nothing_of_this_one(client, world, any_url):
    other = world.admin_other
    assert client.get("/api/v1/patients", headers=other.headers()).json() == []
    mine = {e["id"] for e in events(any_url) if e["clinic_id"] == other.clinic_id}
    shown = client.get("/api/v1/audit", headers=other.headers()).json()["events"]
    assert shown and {e["id"] for e in shown} <= mine
    for tail in ("", "/today"):
        answer = client.get(
            f"/api/v1/patients/{world.patient_a.patient_id}{tail}", headers=other.headers()
        )
        assert answer.status_code == 404
    listed = client.get("/api/v1/audit.csv", headers=other.headers())
    assert listed.headers["content-type"].startswith("text/csv")
    assert world.patient_a.name not in listed.text and world.physio_a.email not in listed.text


def test_the_audit_api_is_newest_first_filtered_and_its_csv_neutralises_formulas(
    client, world, any_url
):
    admin = world.admin
    patient = world.patient_a.patient_id
    found = client.get(f"/api/v1/audit?patient_id={patient}&limit=5", headers=admin.headers())
    assert found.status_code == 200, found.text
    shown = found.json()["events"]
    assert 0 < len(shown) <= 5 and all(e["patient_id"] == patient for e in shown)
    assert [e["id"] for e in shown] == sorted((e["id"] for e in shown), reverse=True)
    assert set(shown[0]) == {
        "id",
        "at",
        "actor_id",
        "role",
        "action",
        "patient_id",
        "route",
        "outcome",
        "ip",
    }
    since = client.get("/api/v1/audit?since=2999-01-01T00:00:00Z", headers=admin.headers())
    assert since.json() == {"events": []}
    bad = client.get("/api/v1/audit?since=yesterday", headers=admin.headers())
    assert bad.status_code == 422 and bad.json()["field"] == "since"
    exported = client.get("/api/v1/audit.csv", headers=admin.headers()).text
    rows = exported.splitlines()
    assert rows[0] == "id,at,actor_id,role,action,patient_id,route,outcome,ip"
    from kneecoach.web.clinic.routes import safe_cell

    for cell in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(cell) == "'" + cell
    assert safe_cell("GET /api/v1/patients/3") == "GET /api/v1/patients/3"
    assert events(any_url, "export")[-1]["actor_id"] == admin.account_id


def test_a_patient_may_turn_codes_on_and_then_needs_one(client, world, clock):
    from tests.clinic_web.conftest import secret_of, totp

    patient = world.patient_b
    turned = client.post("/api/v1/auth/totp", json={}, headers=patient.headers())
    assert turned.status_code == 200, turned.text
    assert turned.json()["qr_svg"].lstrip().startswith("<svg")
    secret = secret_of(turned.json()["otpauth_uri"])
    clock.advance(seconds=30)
    coded = client.post(
        "/api/v1/auth/login",
        json={"email": patient.email, "password": PASSWORD, "totp": totp(secret, clock)},
    )
    assert coded.status_code == 200, coded.text  # the first sign-in with a code enrols
    clock.advance(seconds=30)
    bare = client.post("/api/v1/auth/login", json={"email": patient.email, "password": PASSWORD})
    assert bare.status_code == 401  # from then on a code is needed
    client.cookies.clear()
    staff = client.post("/api/v1/auth/totp", json={}, headers=world.physio_a.headers())
    assert staff.status_code == 403
