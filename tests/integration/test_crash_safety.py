"""Killing `kneecoach session --log` mid-write (SIGKILL) never leaves a half-written session."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kneecoach.cli.main import main
from tests.factories import profile

EXE = shutil.which("kneecoach", path=str(Path(sys.executable).parent)) or "kneecoach"


def session_log(client_id: str) -> dict:
    return {
        "client_id": client_id,
        "date": "2026-01-05",
        "pain_before": 2,
        "pain_after": 2,
        "entries": [
            {
                "exercise_id": "bridge",
                "hurt": False,
                "sets": [{"reps": 10, "hold_seconds": 2, "pain": 1}] * 2,
            },
            {
                "exercise_id": "lateral-leg-raise",
                "hurt": False,
                "sets": [{"reps": 10, "pain": 1}] * 2,
            },
            {
                "exercise_id": "supine-hamstring-stretch",
                "hurt": False,
                "sets": [{"hold_seconds": 30, "pain": 0}] * 2,
            },
        ],
    }


@pytest.fixture
def database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[str, Path]:
    path = tmp_path / "kneecoach.db"
    url = f"sqlite:///{path}"
    raw = tmp_path / "profile.json"
    raw.write_text(json.dumps(profile()))
    assert (
        main(["start", "--profile", str(raw), "--date", "2026-01-05", "--db", url, "--json"]) == 0
    )
    capsys.readouterr()
    from kneecoach.store.db import dispose_all

    dispose_all()
    return url, path


def counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return {
            table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("sessions", "session_entries", "entry_sets")
        }


def log_session(url: str, log_file: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [EXE, "session", "--log", str(log_file), "--db", url, "--json"],
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_sigkill_inside_the_write_leaves_nothing_and_a_retry_stores_it_once(database, tmp_path):
    url, path = database
    log_file = tmp_path / "log.json"
    log_file.write_text(json.dumps(session_log("kill-me")))
    marker = tmp_path / "paused"
    root = Path(__file__).resolve().parents[2]
    command = ["session", "--log", str(log_file), "--db", url, "--json"]
    proc = subprocess.Popen(  # the real command, paused from outside inside its write
        [sys.executable, "-m", "tests.integration.pause_in_write", str(marker), *command],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline, "the write never started"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert counts(path) == {"sessions": 0, "session_entries": 0, "entry_sets": 0}

    retry = log_session(url, log_file)
    out, err = retry.communicate(timeout=120)
    assert retry.returncode == 0, err
    assert json.loads(out)["created"] is True
    assert counts(path) == {"sessions": 1, "session_entries": 3, "entry_sets": 6}


def test_random_kills_leave_whole_sessions_or_none(database, tmp_path):
    url, path = database
    rng = random.Random(7)
    for n in range(8):
        log_file = tmp_path / f"log-{n}.json"
        log_file.write_text(json.dumps(session_log(f"random-{n}")))
        proc = log_session(url, log_file)
        time.sleep(rng.uniform(0.3, 3.0))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        found = counts(path)
        assert found["session_entries"] == 3 * found["sessions"]
        assert found["entry_sets"] == 6 * found["sessions"]
