"""The API's OpenAPI document is its contract (docs/web.md, "The API contract").

Fast checks on the app in process (405 with Allow, request bodies, 422s, one error shape,
answers that match their models), then schemathesis against a real `kneecoach serve`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from kneecoach.content.loader import load_catalogue
from kneecoach.domain.exercises import ACCESS, EQUIPMENT
from kneecoach.domain.screening import URGENCY_ORDER
from kneecoach.web.api import models as m
from tests.cli.test_cli import EXE
from tests.cli.test_serve import free_port, wait_until_up
from tests.factories import clear_answers, profile

SCHEMATHESIS = str(Path(sys.executable).parent / "schemathesis")
START = "2026-01-05"
API_METHODS = ("get", "post")
ERROR_REF = "#/components/schemas/ErrorPublic"


def spec_of(client) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()


def api_operations(spec: dict[str, Any]):
    for path, item in spec["paths"].items():
        if path.startswith("/api/v1/"):
            for method, operation in item.items():
                yield path, method, operation


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def error_schema_of(operation: dict[str, Any], status: str) -> str | None:
    answer = operation["responses"].get(status, {})
    return answer.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")


# --- 405 with Allow ------------------------------------------------------------------


@pytest.mark.parametrize("method", ["TRACE", "DELETE", "PUT", "PATCH", "POST", "OPTIONS"])
def test_an_undeclared_method_is_405_with_allow(sqlite_client, method):
    # No Content-Type: the JSON-only rule is for the methods a route declares.
    response = sqlite_client.request(method, "/api/v1/today")
    assert response.status_code == 405, response.text
    assert response.headers["allow"] == "GET"
    assert response.json() == {"detail": "Method Not Allowed", "field": "method"}


def test_a_declared_post_still_takes_json_only(sqlite_client):
    response = sqlite_client.post("/api/v1/checkins", content=b'{"pain": 3}')
    assert response.status_code == 415
    assert response.json()["field"] == "content-type"
    assert sqlite_client.get("/api/v1/sessions").headers["allow"] == "POST"


# --- the document --------------------------------------------------------------------


def test_every_post_has_a_request_schema_with_properties(sqlite_client):
    spec = spec_of(sqlite_client)
    posts = [(p, o) for p, method, o in api_operations(spec) if method == "post"]
    assert {p for p, _ in posts} == {
        "/api/v1/screening",
        "/api/v1/programme",
        "/api/v1/sessions",
        "/api/v1/checkins",
        "/api/v1/psfs",
        "/api/v1/clearances",
    }
    for path, operation in posts:
        body = operation["requestBody"]
        assert body["required"] is True, path
        schema = resolve(spec, body["content"]["application/json"]["schema"])
        assert schema["type"] == "object" and schema["properties"], path
        assert schema["additionalProperties"] is False, path
        assert schema["required"], path


def test_every_route_that_takes_input_documents_its_422_and_errors(sqlite_client):
    spec = spec_of(sqlite_client)
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for path, method, operation in api_operations(spec):
        assert method in API_METHODS
        takes_input = bool(operation.get("parameters") or operation.get("requestBody"))
        if takes_input:
            assert error_schema_of(operation, "422") == ERROR_REF, (method, path)
        if method == "post":
            for status in ("413", "415", "422"):
                assert error_schema_of(operation, status) == ERROR_REF, (path, status)
        for status, answer in operation["responses"].items():
            assert "application/json" in answer.get("content", {}), (path, status)
            if status >= "400":
                assert error_schema_of(operation, status) == ERROR_REF, (path, status)
    for path in ("/api/v1/exercises/{exercise_id}", "/api/v1/progress"):
        assert error_schema_of(spec["paths"][path]["get"], "404") == ERROR_REF
    error = spec["components"]["schemas"]["ErrorPublic"]
    assert set(error["required"]) == {"detail", "field"}


def test_enums_come_from_the_catalogue_and_the_domain(sqlite_client):
    schemas = spec_of(sqlite_client)["components"]["schemas"]
    catalogue = load_catalogue()
    assert schemas["ExerciseId"]["enum"] == [ex.id for ex in catalogue]
    doable = [ex.id for ex in catalogue if ex.category != "avoid"]
    assert schemas["DoableExerciseId"]["enum"] == doable
    assert schemas["Equipment"]["enum"] == list(EQUIPMENT)
    assert schemas["Access"]["enum"] == list(ACCESS)
    assert schemas["Urgency"]["enum"] == list(URGENCY_ORDER)
    assert schemas["Weekday"]["enum"][0] == "monday"
    assert schemas["TodayStatus"]["enum"] == ["session", "rest", "stopped", "not-started"]
    date = schemas["SessionCreate"]["properties"]["date"]
    assert date["pattern"] == "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
    assert "366 days after today" in date["description"]
    assert "before the programme started" in date["description"]


# --- what is answered matches the document -------------------------------------------


def matches(model: type[BaseModel], response: httpx.Response) -> dict[str, Any]:
    """The body validates against `model` strictly (as JSON: no coercion)."""
    assert response.headers["content-type"].startswith("application/json")
    model.model_validate_json(response.text, strict=True)
    return response.json()


def test_every_error_has_the_one_shape(sqlite_client):
    client = sqlite_client
    errors = [
        client.get("/api/v1/exercises/moonwalk"),  # 404
        client.get("/api/v1/progress"),  # 404: no programme
        client.get("/api/v1/nowhere"),  # 404: no route
        client.delete("/api/v1/history"),  # 405
        client.post("/api/v1/sessions", content=b"{}", headers={"Content-Type": "text/plain"}),
        client.post(
            "/api/v1/sessions",
            content=b"x" * (300 * 1024),
            headers={"Content-Type": "application/json"},
        ),  # 413
        client.get("/api/v1/today", params={"date": "2026-1-5"}),  # 422 (pattern)
        client.get("/api/v1/exercises", params={"equipment": "rocket"}),  # 422 (enum)
        client.post("/api/v1/checkins", json={"pain": "3"}),  # 422 (strict)
        client.post("/api/v1/sessions", json={"client_id": "x"}),  # 422 (services)
        client.post(
            "/api/v1/screening",
            content=b"\xff\xfe{",
            headers={"Content-Type": "application/json"},
        ),  # 422, not FastAPI's 400
    ]
    statuses = [e.status_code for e in errors]
    assert statuses == [404, 404, 404, 405, 415, 413, 422, 422, 422, 422, 422]
    for response in errors:
        body = matches(m.ErrorPublic, response)
        assert body["field"], response.text
    assert errors[0].json()["field"] == "exercise_id"
    assert errors[7].json()["field"] == "equipment"
    assert errors[9].json()["field"] == "date"
    assert errors[10].json()["field"] == "body"


def test_a_journey_answers_what_the_models_say(sqlite_client):
    client = sqlite_client
    for entry in client.get("/api/v1/exercises").json():
        m.ExercisePublic.model_validate_json(json.dumps(entry), strict=True)
    matches(m.ExercisePublic, client.get("/api/v1/exercises/bridge"))
    matches(m.TodayPublic, client.get("/api/v1/today"))
    matches(m.HistoryPublic, client.get("/api/v1/history"))
    matches(m.TriagePublic, client.post("/api/v1/screening", json=clear_answers(age=12)))
    referral = {**profile(screening=clear_answers(knee_locked=True))}
    assert matches(m.ProgrammePublic, client.post("/api/v1/programme", json=referral))["refer"]
    started = client.post("/api/v1/programme", json={**profile(), "start_date": START})
    assert started.status_code == 201
    matches(m.ProgrammePublic, started)
    log = {
        "client_id": "contract-1",
        "date": START,
        "pain_before": 2,
        "pain_after": 3,
        "entries": [
            {"exercise_id": "bridge", "hurt": True, "sets": [{"reps": 10, "pain": 7}]},
            {"exercise_id": "walking", "sets": [{"minutes": 10.5, "pain": 1}]},
        ],
    }
    first = client.post("/api/v1/sessions", json=log)
    assert first.status_code == 201
    assert matches(m.SessionPublic, first)["decisions"]
    again = client.post("/api/v1/sessions", json=log)
    assert again.status_code == 200
    matches(m.SessionPublic, again)
    matches(m.CheckinPublic, client.post("/api/v1/checkins", json={"date": START, "pain": 3}))
    psfs = {"date": "2026-01-06", "activities": [{"name": "stairs", "score": 4}]}
    matches(m.PsfsPublic, client.post("/api/v1/psfs", json=psfs))
    stop = {"date": "2026-01-07", "pain": 4, "answers": clear_answers(knee_locked=True)}
    assert matches(m.CheckinPublic, client.post("/api/v1/checkins", json=stop))["screening"]
    assert matches(m.TodayPublic, client.get("/api/v1/today", params={"date": "2026-01-07"}))
    cleared = {"date": "2026-01-08", "cleared_by": "Dr Patel", "answers": clear_answers()}
    matches(m.ClearancePublic, client.post("/api/v1/clearances", json=cleared))
    for day in ("2026-01-05", "2026-01-06", "2026-01-12"):
        today = matches(m.TodayPublic, client.get("/api/v1/today", params={"date": day}))
        assert today["status"] in m.TODAY_STATUSES
    history = matches(m.HistoryPublic, client.get("/api/v1/history"))
    assert len(history["sessions"]) == 1 and len(history["checkins"]) == 2
    progress = client.get("/api/v1/progress", params={"date": "2026-01-14"})
    assert matches(m.ProgressPublic, progress)["escalations"]


# --- schemathesis against `kneecoach serve` ------------------------------------------


def contract_seed() -> int:
    """1 in CI; else random (printed), or KNEECOACH_CONTRACT_SEED to replay one."""
    chosen = os.environ.get("KNEECOACH_CONTRACT_SEED")
    if chosen:
        return int(chosen)
    return 1 if os.environ.get("CI") else random.randrange(2**31)


def seed_a_course(base: str) -> None:
    """A programme that began three weeks ago, with sessions, scores and PSFS: the reads
    schemathesis makes then answer with real decisions and escalations to check."""
    today = dt.date.today()  # the server's today: it runs on this machine's (or test) clock
    start = today - dt.timedelta(days=21)
    with httpx.Client(base_url=base, timeout=30) as client:
        begun = client.post("/api/v1/programme", json={**profile(), "start_date": str(start)})
        assert begun.status_code == 201, begun.text
        for offset in (0, 2, 4):
            day = str(start + dt.timedelta(days=offset))
            log = {
                "client_id": f"seed-{offset}",
                "date": day,
                "pain_before": 2,
                "pain_after": 3,
                "entries": [
                    {"exercise_id": "bridge", "hurt": offset == 2, "sets": [{"pain": 6}]},
                    {"exercise_id": "walking", "sets": [{"minutes": 10, "pain": 1}]},
                ],
            }
            assert client.post("/api/v1/sessions", json=log).status_code == 201
        for offset in range(1, 21, 2):
            checkin = {"date": str(start + dt.timedelta(days=offset)), "pain": 5, "morning": True}
            assert client.post("/api/v1/checkins", json=checkin).status_code == 200
        psfs = {"date": str(start), "activities": [{"name": "stairs", "score": 4}]}
        assert client.post("/api/v1/psfs", json=psfs).status_code == 200


@pytest.mark.slow
def test_schemathesis_finds_nothing_against_serve(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [EXE, "serve", "--port", str(port), "--db", f"sqlite:///{tmp_path / 'api.db'}"]
    log = tmp_path / "serve.log"
    with log.open("wb") as sink:
        server = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
    seed = contract_seed()
    folder = tmp_path / "run"  # no schemathesis.toml here: only the options below count
    folder.mkdir()
    try:
        wait_until_up(base, server)
        seed_a_course(base)
        run = [
            SCHEMATHESIS,
            "run",
            f"{base}/openapi.json",
            "--checks",
            "all",
            "--exclude-checks",
            "positive_data_acceptance",
            "--max-examples",
            "25",
            "--seed",
            str(seed),
            "--generation-database",
            "none",
            "--request-timeout",
            "30",
            "--no-color",
        ]
        began = time.monotonic()
        result = subprocess.run(
            run, cwd=folder, capture_output=True, text=True, timeout=240, check=False
        )
        took = time.monotonic() - began
        # Any failure or error makes schemathesis exit non-zero; its report says which.
        report = f"seed {seed}, {took:.0f} s\n{result.stdout}\n{result.stderr}"
        assert result.returncode == 0, report
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    served = log.read_text(errors="replace")
    assert "Traceback" not in served, served
