"""schemathesis against a real `kneecoach serve --clinic` on PostgreSQL, signed in as a
physio with a patient who has a few days of history (docs/web.md, "The API contract").

Every operation of `/openapi.json` is run with the physio's session cookie (logout
excepted: it would end the session the run uses), `--checks all` but
`positive_data_acceptance`, bounded, seed 1 in CI (`KNEECOACH_CONTRACT_SEED` replays one).
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import time
from pathlib import Path

import httpx
import pyotp
import pytest

from kneecoach.services import auth, clinic
from kneecoach.store.db import database
from kneecoach.web.clinic.auth import COOKIE
from tests.cli.test_cli import EXE
from tests.cli.test_serve import free_port, wait_until_up
from tests.clinic_web.conftest import PASSWORD, secret_of, session_log
from tests.factories import profile
from tests.web.test_contract import SCHEMATHESIS, contract_seed


def signed_up(url: str, now: dt.datetime) -> tuple[str, str]:
    """A clinic with a physio and their patient; (physio's, patient's) session tokens."""
    db = database(url)
    made = clinic.init_clinic(db, "Contract", "admin.c@example.org", now=now)
    admin = clinic.accept_invite(db, made.invite.invite_token, "Ada", PASSWORD, now=now)
    admin_login = auth.login(
        db,
        "admin.c@example.org",
        PASSWORD,
        pyotp.TOTP(secret_of(admin.otpauth_uri)).at(now),
        now=now,
    )
    admin_actor = admin_login.account.actor
    invite = clinic.invite_staff(db, admin_actor, "physio.c@example.org", "physio", now=now)
    physio = clinic.accept_invite(db, invite.invite_token, "Phil", PASSWORD, now=now)
    secret = secret_of(physio.otpauth_uri)
    physio_login = auth.login(
        db, "physio.c@example.org", PASSWORD, pyotp.TOTP(secret).at(now), now=now
    )
    patient = clinic.create_patient(
        db, physio_login.account.actor, "Pat Contract", "pat.c@example.org", now=now
    )
    clinic.accept_invite(db, patient.invite.invite_token, "Pat Contract", PASSWORD, now=now)
    patient_login = auth.login(db, "pat.c@example.org", PASSWORD, now=now)
    return physio_login.token, patient_login.token


def seed_history(base: str, patient_token: str) -> None:
    """The patient starts three weeks ago and logs sessions and scores, so the physio's
    reads answer with real decisions to check."""
    start = dt.date.today() - dt.timedelta(days=21)
    cookies = {COOKIE: patient_token}
    with httpx.Client(base_url=base, timeout=30, cookies=cookies) as client:
        begun = client.post("/api/v1/programme", json={**profile(), "start_date": str(start)})
        assert begun.status_code == 201, begun.text
        for offset in (0, 2, 4):
            log = session_log(start + dt.timedelta(days=offset), f"seed-{offset}")
            assert client.post("/api/v1/sessions", json=log).status_code == 201
        for offset in range(1, 21, 3):
            checkin = {"date": str(start + dt.timedelta(days=offset)), "pain": 4, "morning": True}
            assert client.post("/api/v1/checkins", json=checkin).status_code == 200


@pytest.mark.slow
def test_schemathesis_finds_nothing_against_clinic_mode(pg_url: str, tmp_path: Path) -> None:
    physio_token, patient_token = signed_up(pg_url, dt.datetime.now(dt.UTC))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [EXE, "serve", "--clinic", "--port", str(port), "--db", pg_url]
    log = tmp_path / "serve.log"
    with log.open("wb") as sink:
        server = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
    seed = contract_seed()
    folder = tmp_path / "run"  # its schemathesis.toml holds only the session cookie
    folder.mkdir()
    try:
        wait_until_up(base, server)
        seed_history(base, patient_token)
        cookie = f"{COOKIE}={physio_token}"
        schema = httpx.get(f"{base}/openapi.json", headers={"cookie": cookie}, timeout=30)
        assert schema.status_code == 200, schema.text
        (folder / "openapi.json").write_text(json.dumps(schema.json()))
        # The session cookie as the schema's own security scheme: schemathesis then also
        # tries each operation without it, and with a wrong one, and expects a 401.
        (folder / "schemathesis.toml").write_text(
            f'[auth.openapi.session]\napi_key = "{physio_token}"\n'
        )
        run = [
            SCHEMATHESIS,
            "run",
            "openapi.json",
            "--url",
            base,
            "--exclude-operation-id",
            "logout",
            "--checks",
            "all",
            "--exclude-checks",
            "positive_data_acceptance",
            "--max-examples",
            "10",
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
            run, cwd=folder, capture_output=True, text=True, timeout=300, check=False
        )
        took = time.monotonic() - began
        report = f"seed {seed}, {took:.0f} s\n{result.stdout}\n{result.stderr}"
        assert result.returncode == 0, report
        # The physio's session lived through the run: nothing it sent signed it out.
        me = httpx.get(f"{base}/api/v1/me", headers={"cookie": cookie}, timeout=30)
        assert me.status_code == 200 and me.json()["role"] == "physio", report
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    served = log.read_text(errors="replace")
    assert "Traceback" not in served, served
