"""The authorization matrix (issue 12, point 4), generated from the app's own route table.

Every route the clinic app declares, as every actor: anonymous, patients A and B, the
physio of A, the physio of B, the admin, and the admin of another clinic. The expected
outcome comes from the policy table (`web/clinic/policy.py`) and a relation this test
knows by itself (who is whose physio), never from the code under test. Each case checks:

- the status: 401 (a page GET: 303 to /login), 403, 404, or, when allowed, none of these;
- no leak: nothing of a patient outside the actor's scope (name, email) in any answer;
- the audit trail: a refusal (403, 404) adds exactly one `denied` event naming the actor
  and the patient id asked for; a 401 adds none;
- a refused write changes nothing: every row of every table, every column, before and
  after (the audit trail gains only that one event; a session's `last_seen_at` may move).

Cases are pytest parameters, so each binds its own route and actor (no closures over a
loop variable). A route without a policy entry fails; so does a deliberately broken one.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, select, text

from kneecoach.services import auth
from kneecoach.services.audit import Origin
from kneecoach.store.db import connect, database
from kneecoach.web.app import WebSettings, create_app
from kneecoach.web.clinic.auth import RouteTable, csrf_for
from kneecoach.web.clinic.policy import POLICY, Rule, decide, rule_for
from tests.clinic_web.conftest import (
    PASSWORD,
    Account,
    Clock,
    World,
    build_world,
    clinic_client,
    totp,
)

ACTORS = (
    "anonymous",
    "patient_a",
    "patient_b",
    "physio_a",
    "physio_b",
    "admin",
    "admin_other",
)
# Who stands how to patient A, the patient every route about one patient is asked for.
RELATION_TO_A = {
    "patient_a": "self",
    "patient_b": "none",
    "physio_a": "physio",
    "physio_b": "none",
    "admin": "admin",
    "admin_other": "none",
}
# Whose data each actor may never see (patients by their World attribute).
OUT_OF_SCOPE = {
    "anonymous": ("patient_a", "patient_b"),
    "patient_a": ("patient_b",),
    "patient_b": ("patient_a",),
    "physio_a": ("patient_b",),
    "physio_b": ("patient_a",),
    "admin": (),
    "admin_other": ("patient_a", "patient_b"),
}
SESSION_ENDING = {("POST", "/api/v1/auth/logout"), ("POST", "/logout")}
PARAMETER = re.compile(r"{(\w+)}")
MOVING_COLUMNS = {("auth_sessions", "last_seen_at")}


def route_table(app: FastAPI) -> list[tuple[str, str]]:
    """(method, template) of every route the app declares (a mount: GET)."""
    found = []
    for template, methods, _ in RouteTable.of(app).routes:
        for method in sorted(methods or {"GET"}):
            found.append((method, template))
    return found


def missing_rules(app: FastAPI, policy: dict[Any, Rule]) -> list[tuple[str, str]]:
    return [key for key in route_table(app) if rule_for(policy, *key) is None]


ROUTES = route_table(create_app(WebSettings(db_url="sqlite://", clinic=True)))
# Session-ending routes last: signing in again moves the clock on.
ORDERED = sorted(ROUTES, key=lambda key: key in SESSION_ENDING)
CASES = [(method, path, actor) for method, path in ORDERED for actor in ACTORS]


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


# --- the database, whole ----------------------------------------------------------------


@functools.cache
def tables_of(url: str) -> MetaData:
    metadata = MetaData()
    metadata.reflect(connect(url))
    return metadata


def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, every column (but the few that move on any request)."""
    engine = connect(url)
    metadata = tables_of(url)
    rows = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            columns = [c for c in table.columns if (table.name, c.name) not in MOVING_COLUMNS]
            key = list(table.primary_key.columns) or columns
            query = select(*columns).order_by(*key)
            rows[table.name] = [tuple(row) for row in connection.execute(query)]
    return rows


# --- one case ---------------------------------------------------------------------------


def actor_of(world: World, name: str) -> Account | None:
    return None if name == "anonymous" else getattr(world, name)


def url_for(template: str, world: World) -> str:
    values = {
        "patient_id": str(world.patient_a.patient_id),
        "exercise_id": "bridge",
        "escalation_id": "1",
        "alert_id": "1",
        "token": "no-such-invite-token",
    }
    if template == "/static":
        return "/static/app.css"
    unknown = set(PARAMETER.findall(template)) - set(values)
    assert not unknown, f"{template}: give the matrix a value for {unknown}"
    return PARAMETER.sub(lambda found: values[found.group(1)], template)


def send(client: TestClient, method: str, path: str, account: Account | None) -> Any:
    headers = account.headers() if account else {}
    client.cookies.clear()
    if method in ("GET", "HEAD"):
        return client.request(method, path, headers=headers, follow_redirects=False)
    if path.startswith("/api/"):  # POST, PUT: an empty body
        return client.request(method, path, json={}, headers=headers, follow_redirects=False)
    form = {"csrf_token": csrf_for(account.token)} if account and account.token else {}
    return client.post(path, data=form, headers=headers, follow_redirects=False)


def events_after(url: str, last_id: int) -> list[tuple[Any, ...]]:
    """(action, actor_id, patient_id) of every audit event after `last_id`."""
    with connect(url).connect() as connection:
        rows = connection.execute(
            text(
                "SELECT action, actor_id, patient_id FROM audit_events WHERE id > :id ORDER BY id"
            ),
            {"id": last_id},
        )
        return [tuple(row) for row in rows]


def last_event_id(url: str) -> int:
    with connect(url).connect() as connection:
        return int(
            connection.execute(text("SELECT coalesce(max(id), 0) FROM audit_events")).scalar_one()
        )


def check_case(
    client: TestClient,
    url: str,
    world: World,
    policy: dict[Any, Rule],
    method: str,
    template: str,
    actor_name: str,
    account: Account | None,
) -> None:
    """Send one route as one actor and check it against the policy (see the docstring)."""
    rule = rule_for(policy, method, template)
    assert rule is not None, f"{method} {template} has no entry in the policy table"
    if "{patient_id}" in template:
        assert rule.scoped, f"{method} {template} is about a patient: its rule needs relations"
    relation = RELATION_TO_A.get(actor_name)
    expected = decide(rule, account.role if account else None, relation)  # type: ignore[arg-type]
    path = url_for(template, world)
    refused_write = expected != "allow" and method not in ("GET", "HEAD")
    before = snapshot(url) if refused_write else {}
    last_id = last_event_id(url)
    answer = send(client, method, path, account)
    after = snapshot(url) if refused_write else {}
    new_events = events_after(url, last_id)
    where = f"{method} {path} as {actor_name}: {answer.status_code} {answer.text[:200]}"
    is_page_get = method == "GET" and not (path.startswith("/api/") or path == "/openapi.json")
    if expected == "unauthenticated":
        if is_page_get:
            assert answer.status_code == 303, where
            assert answer.headers["location"] == "/login", where
        else:
            assert answer.status_code == 401, where
    elif expected == "forbidden":
        assert answer.status_code == 403, where
    elif expected == "hidden":
        assert answer.status_code == 404, where
    elif not rule.public:  # a public route's own answers (a failed sign-in: 401) are its own
        assert answer.status_code not in (401, 403), where
        assert not (rule.scoped and answer.status_code == 404), where
        assert not (
            answer.status_code in (302, 303) and answer.headers.get("location") == "/login"
        ), where
    for patient in OUT_OF_SCOPE[actor_name]:
        other: Account = getattr(world, patient)
        for marker in (other.name, other.email):
            assert marker not in answer.text, f"leak of {marker!r}: {where}"
    if expected in ("forbidden", "hidden"):
        assert account is not None
        asked = world.patient_a.patient_id if rule.scoped else None
        assert new_events == [("denied", account.account_id, asked)], where
    if expected == "unauthenticated":
        assert new_events == [], where
    if refused_write:
        earlier = before.pop("audit_events")
        later = after.pop("audit_events")
        assert later[: len(earlier)] == earlier, f"an audit event changed: {where}"
        # The chain's head moves on with the denied event: to the newest one, and no further.
        before.pop("audit_head")
        head = after.pop("audit_head")
        assert [(row[1], row[2]) for row in head] == [(later[-1][0], later[-1][-1])], where
        assert after == before, f"a refused write changed the database: {where}"


def fresh_session(account: Account, clock: Clock, url: str) -> Account:
    """A second session of `account`, for a route that ends the one it is called with."""
    clock.advance(seconds=30)
    code = totp(account.secret, clock) if account.secret else None
    done = auth.login(
        database(url), account.email, PASSWORD, code, now=clock.now, origin=Origin("test")
    )
    return dataclasses.replace(account, token=done.token)


# --- the matrix -------------------------------------------------------------------------


def test_every_route_has_a_policy_entry():
    assert missing_rules(create_app(WebSettings(db_url="sqlite://", clinic=True)), POLICY) == []


def test_the_matrix_covers_every_route_and_actor():
    assert len(CASES) == len(ROUTES) * len(ACTORS)
    assert {("GET", "/api/v1/patients/{patient_id}/today"), ("GET", "/api/v1/today")} <= set(ROUTES)


@pytest.mark.parametrize(("method", "template", "actor_name"), CASES)
def test_matrix(client, clock, pg_url, world, method, template, actor_name):
    account = actor_of(world, actor_name)
    if account is not None and (method, template) in SESSION_ENDING:
        expected = decide(POLICY[(method, template)], account.role)
        if expected == "allow":
            account = fresh_session(account, clock, pg_url)
    check_case(client, pg_url, world, POLICY, method, template, actor_name, account)


# --- the matrix can fail ----------------------------------------------------------------


def broken_app(url: str, clock: Clock) -> TestClient:
    """The clinic app with two broken routes: one that lists every patient of every clinic
    (its rule copied from GET /api/v1/patients), and one with no rule at all."""
    client = clinic_client(url, clock)
    app: FastAPI = client.app  # type: ignore[assignment]

    @app.get("/api/v1/broken/patients")
    def every_patient() -> list[dict[str, Any]]:
        with database(url).read() as store:
            return [
                {"name": p.name, "email": p.email}
                for clinic_id in (1, 2)
                for p in store.clinic.patients(clinic_id)
            ]

    @app.get("/api/v1/broken/unlisted")
    def unlisted() -> dict[str, str]:
        return {"status": "ok"}

    app.state.policy = {
        **POLICY,
        ("GET", "/api/v1/broken/patients"): POLICY[("GET", "/api/v1/patients")],
    }
    return client


def test_the_matrix_catches_a_broken_route(pg_url, clock, world):
    with broken_app(pg_url, clock) as client:
        app: FastAPI = client.app  # type: ignore[assignment]
        policy = app.state.policy
        assert missing_rules(app, policy) == [("GET", "/api/v1/broken/unlisted")]
        # The gate refuses the unlisted route (fail closed) ...
        refused = client.get("/api/v1/broken/unlisted", headers=world.physio_a.headers())
        assert refused.status_code == 403
        # ... and the leaking one is caught for physio B, who must not see patient A.
        with pytest.raises(AssertionError, match="leak of 'Ann Alpha-Q7X'"):
            check_case(
                client,
                pg_url,
                world,
                policy,
                "GET",
                "/api/v1/broken/patients",
                "physio_b",
                world.physio_b,
            )
        # The same check passes on the real route, so it is the route that is wrong.
        check_case(
            client, pg_url, world, policy, "GET", "/api/v1/patients", "physio_b", world.physio_b
        )
