"""NUL (U+0000) in what people send: 422 naming the field, and nothing written, on SQLite
and PostgreSQL (whose text cannot hold it: it was a 500 there)."""

from __future__ import annotations

from sqlalchemy import func, select

from kneecoach.store.db import database
from kneecoach.store.tables import ExerciseSession
from kneecoach.web.nul import nul_field
from tests.web.test_api import START, start


def sessions_stored(db_url: str) -> int:
    with database(db_url).read() as store:
        return int(store._session.scalar(select(func.count(ExerciseSession.id))) or 0)


def test_a_nul_in_a_field_is_422_naming_it_and_nothing_is_written(client, db_url):
    start(client)
    log = {
        "client_id": "nul\u0000",
        "date": START,
        "pain_before": 2,
        "pain_after": 2,
        "entries": [{"exercise_id": "bridge", "hurt": False, "sets": [{"reps": 10, "pain": 1}]}],
    }
    refused = client.post("/api/v1/sessions", json=log)
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "client_id"
    nested = {**log, "client_id": "ok-1", "entries": [{**log["entries"][0], "exercise_id": "\0"}]}
    refused = client.post("/api/v1/sessions", json=nested)
    assert (refused.status_code, refused.json()["field"]) == (422, "entries.0.exercise_id")
    assert sessions_stored(db_url) == 0
    # The same log without it is taken, so the guard passes the body on whole.
    taken = client.post("/api/v1/sessions", json={**log, "client_id": "ok-2"})
    assert taken.status_code == 201, taken.text
    assert sessions_stored(db_url) == 1


def test_a_form_with_a_nul_is_refused_before_the_page_reads_it(client):
    start(client)
    refused = client.post(
        "/checkin",
        content=b"pain=4&morning=1&note=a%00b",
        headers={
            "Origin": "http://127.0.0.1:8000",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        follow_redirects=False,
    )
    assert refused.status_code == 422
    assert "NUL" in refused.text


def test_where_the_nul_is() -> None:
    json_type = "application/json"
    assert nul_field(b'{"a": [1, {"b": "x\\u0000"}]}', json_type) == "a.1.b"
    assert nul_field(b'{"k\\u0000": 1}', json_type) == "body"
    assert nul_field(b'"\\u0000"', json_type) == "body"
    assert nul_field(b'{"a": "\\\\u0000"}', json_type) is None  # a backslash, then "u0000"
    assert nul_field(b'{"a": "fine"}', json_type) is None
    assert nul_field(b"{not json \\u0000", json_type) is None  # the route says it is not JSON
    form = "application/x-www-form-urlencoded"
    assert nul_field(b"a=1&note=x%00", form) == "note"
    assert nul_field(b"a=1&note=x%2500", form) is None  # "%00" typed as text
