"""SECURITY.md's cookie and header checks (the ZAP baseline rules, as assertions), on
loopback and beyond it (a public host name behind TLS)."""

from __future__ import annotations

from collections.abc import Iterator
from http.cookies import SimpleCookie

import pytest
from fastapi import HTTPException
from fastapi.testclient import TestClient
from starlette.requests import Request

from kneecoach.services import clinic
from kneecoach.store.db import database
from kneecoach.web.clinic.auth import COOKIE, SECURE_COOKIE, check_csrf, csrf_for, csrf_token
from tests.clinic_web.conftest import (
    PASSWORD,
    Account,
    Clock,
    accept,
    add_patient,
    clinic_client,
    invite_staff,
    sign_in,
    start_and_log,
    totp,
)

PUBLIC = "clinic.example.org"


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def loopback(pg_url: str, clock: Clock) -> Iterator[TestClient]:
    with clinic_client(pg_url, clock) as client:
        yield client


@pytest.fixture(scope="module")
def public(pg_url: str, clock: Clock) -> Iterator[TestClient]:
    with clinic_client(
        pg_url, clock, base_url=f"https://{PUBLIC}", secure=True, public_hosts=(PUBLIC,)
    ) as client:
        yield client


@pytest.fixture(scope="module")
def people(loopback, clock, pg_url) -> tuple[Account, Account, Account]:
    made = clinic.init_clinic(database(pg_url), "Headers", "head@example.org", now=clock.now)
    admin = sign_in(
        loopback, accept(loopback, made.invite.invite_path, "Hal", "head@example.org"), clock
    )
    physio = accept(
        loopback, invite_staff(loopback, admin, "phil@example.org"), "Phil", "phil@example.org"
    )
    sign_in(loopback, physio, clock)
    patient = sign_in(loopback, add_patient(loopback, physio, "Pam", "pam@example.org"), clock)
    start_and_log(loopback, patient)
    return admin, physio, patient


def login_cookie(client: TestClient, account: Account, clock: Clock) -> tuple[str, str]:
    """(name, Set-Cookie header) of a fresh sign-in."""
    clock.advance(seconds=30)
    body = {"email": account.email, "password": PASSWORD}
    if account.secret:
        body["totp"] = totp(account.secret, clock)
    done = client.post("/api/v1/auth/login", json=body)
    assert done.status_code == 200, done.text
    assert "location" not in done.headers and done.json().keys() == {
        "account_id",
        "role",
        "clinic_id",
    }
    header = done.headers["set-cookie"]
    client.cookies.clear()
    return next(iter(SimpleCookie(header))), header


def attributes(header: str) -> set[str]:
    return {part.strip().split("=", 1)[0].lower() for part in header.split(";")[1:]}


def test_on_loopback_the_cookie_has_no_secure_flag_and_no_host_prefix(loopback, people, clock):
    name, header = login_cookie(loopback, people[1], clock)
    assert name == COOKIE
    assert attributes(header) == {"httponly", "path", "samesite"}
    assert "samesite=lax" in header.lower() and "path=/" in header.lower()
    assert "strict-transport-security" not in loopback.get("/healthz").headers


def test_beyond_loopback_the_cookie_is_host_prefixed_and_secure_with_hsts(public, people, clock):
    name, header = login_cookie(public, people[1], clock)
    assert name == SECURE_COOKIE
    assert attributes(header) == {"httponly", "path", "samesite", "secure"}  # no Domain
    answer = public.get("/healthz")
    assert answer.headers["strict-transport-security"].startswith("max-age=")
    # our own https:// origin is accepted, another site's is not
    admin = people[0]
    cookie = {"cookie": f"{SECURE_COOKIE}={sign_in_token(public, admin, clock)}"}
    body = {"email": "new.physio@example.org", "role": "physio"}
    ours = public.post(
        "/api/v1/staff/invites", json=body, headers={**cookie, "origin": f"https://{PUBLIC}"}
    )
    assert ours.status_code == 201, ours.text
    theirs = public.post(
        "/api/v1/staff/invites",
        json={**body, "email": "evil@example.org"},
        headers={**cookie, "origin": "https://evil.example"},
    )
    assert theirs.status_code == 403 and theirs.json()["field"] == "origin"
    assert public.get("/healthz", headers={"host": "evil.example"}).status_code == 421


def sign_in_token(client: TestClient, account: Account, clock: Clock) -> str:
    name, header = login_cookie(client, account, clock)
    return SimpleCookie(header)[name].value


PATIENT_DATA = ("", "/today", "/progress", "/history")


def test_patient_data_is_never_cached_and_carries_the_security_headers(loopback, people):
    _, physio, patient = people
    answers = [
        loopback.get(f"/api/v1/patients/{patient.patient_id}{tail}", headers=physio.headers())
        for tail in PATIENT_DATA
    ]
    answers += [
        loopback.get(path, headers=patient.headers())
        for path in ("/api/v1/today", "/today", "/progress")
    ]
    answers.append(loopback.get("/api/v1/patients", headers=physio.headers()))
    for answer in answers:
        where = f"{answer.request.url}: {answer.status_code}"
        assert answer.status_code == 200, where
        assert answer.headers["cache-control"] == "no-store", where
        csp = answer.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp, where
        assert answer.headers["x-content-type-options"] == "nosniff", where
        assert answer.headers["x-frame-options"] == "DENY", where
        kind = answer.headers["content-type"]
        assert kind.startswith("application/json") or kind.startswith("text/html"), where
    static = loopback.get("/static/app.css")
    assert static.headers.get("cache-control") != "no-store"  # no patient data there


def test_errors_are_generic_and_tokens_leave_no_trace_in_urls(loopback, people, pg_url, clock):
    _, physio, _ = people
    missing = loopback.get("/api/v1/no-such-route", headers=physio.headers())
    assert missing.status_code == 404 and "Traceback" not in missing.text
    made = loopback.post(
        "/api/v1/patients",
        json={"name": "Tim Token", "email": "tim@example.org"},
        headers=physio.headers(),
    ).json()
    token = made["invite_token"]
    assert loopback.get(f"/api/v1/invites/{token}").status_code == 200
    accept(loopback, made["invite_path"], "Tim Token", "tim@example.org")
    # once accepted, the invite's URL is dead: it gives nothing to whoever finds it
    gone = loopback.get(f"/api/v1/invites/{token}")
    again = loopback.post(
        f"/api/v1/invites/{token}/accept", json={"name": "X", "password": PASSWORD}
    )
    assert gone.status_code == again.status_code == 404
    assert gone.json()["field"] == "token"


def request_with(cookie: str | None) -> Request:
    from kneecoach.web.app import WebSettings, create_app

    app = create_app(WebSettings(db_url="sqlite://", clinic=True))
    headers = [(b"cookie", f"{COOKIE}={cookie}".encode())] if cookie else []
    return Request({"type": "http", "method": "POST", "path": "/", "headers": headers, "app": app})


def test_the_csrf_token_is_tied_to_the_session():
    request = request_with("session-one")
    assert csrf_token(request) == csrf_for("session-one") != csrf_for("session-two")
    check_csrf(request, csrf_for("session-one"))
    for wrong in (None, "", csrf_for("session-two"), 42):
        with pytest.raises(HTTPException) as refused:
            check_csrf(request, wrong)
        assert refused.value.status_code == 403
    with pytest.raises(HTTPException):  # no session, no token
        check_csrf(request_with(None), "")
