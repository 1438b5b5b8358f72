"""Nothing sent to the API produces a 500: random JSON bodies and query values, bounded."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import clear_answers, profile

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=12,
)
keys = st.sampled_from(
    [
        "client_id",
        "date",
        "pain_before",
        "pain_after",
        "entries",
        "exercise_id",
        "hurt",
        "sets",
        "reps",
        "hold_seconds",
        "minutes",
        "load_kg",
        "pain",
        "morning",
        "answers",
        "pain_now",
        "side",
        "equipment",
        "access",
        "minutes_per_session",
        "days_per_week",
        "screening",
        "start_date",
        "activities",
        "cleared_by",
        "name",
        "score",
    ]
)
# Mostly well-formed objects with wrong values, which reach deeper than random junk.
objects = st.dictionaries(keys, json_values, max_size=8)
POSTS = [
    "/api/v1/sessions",
    "/api/v1/checkins",
    "/api/v1/programme",
    "/api/v1/screening",
    "/api/v1/psfs",
    "/api/v1/clearances",
]
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def started(sqlite_client):
    sqlite_client.post("/api/v1/programme", json={**profile(), "start_date": "2026-01-05"})
    return sqlite_client


@pytest.mark.parametrize("path", POSTS)
@FUZZ
@given(body=st.one_of(objects, json_values))
def test_random_bodies_never_500(started, path, body):
    response = started.post(path, json=body)
    assert response.status_code < 500, (body, response.text)


@FUZZ
@given(
    sets=st.lists(st.dictionaries(keys, json_values, max_size=5), max_size=3),
    date=json_values,
    pain=json_values,
)
def test_near_valid_sessions_never_500(started, sets, date, pain):
    body = {
        "client_id": "fuzz",
        "date": date,
        "pain_before": pain,
        "pain_after": 1,
        "entries": [{"exercise_id": "bridge", "hurt": False, "sets": sets}],
    }
    assert started.post("/api/v1/sessions", json=body).status_code < 500


@FUZZ
@given(answers=st.dictionaries(st.sampled_from(list(clear_answers())), json_values))
def test_near_valid_screening_never_500(started, answers):
    body = {**clear_answers(), **answers}
    assert started.post("/api/v1/screening", json=body).status_code < 500
    checkin = {"pain": 3, "answers": body}
    assert started.post("/api/v1/checkins", json=checkin).status_code < 500


@FUZZ
@given(value=st.text(max_size=20))
def test_query_values_never_500(started, value):
    for path in ("/api/v1/today", "/api/v1/progress"):
        assert started.get(path, params={"date": value}).status_code < 500
    assert started.get("/api/v1/exercises", params={"category": value}).status_code < 500
    path = "/api/v1/exercises/" + quote(value, safe="")
    assert started.get(path).status_code < 500


@pytest.mark.parametrize("token", [b"NaN", b"Infinity", b"-Infinity", b"1e999"])
def test_non_finite_numbers_never_500(started, token):
    body = (
        b'{"client_id": "nan", "date": "2026-01-05", "pain_before": 1, "pain_after": 1,'
        b' "entries": [{"exercise_id": "bridge", "hurt": false, "sets": [{"hold_seconds": '
        + token
        + b', "pain": 1}]}]}'
    )
    response = started.post(
        "/api/v1/sessions", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
