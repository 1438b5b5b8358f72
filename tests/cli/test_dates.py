"""Every date the CLI takes is YYYY-MM-DD from 2000-01-01 to 366 days after today (exit 2)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tests.cli.test_cli import _own_database, assert_bad_input, kc, write_json
from tests.factories import profile

__all__ = ["_own_database"]  # the autouse fixture: each test gets its own database

START = "2026-03-02"


def started(tmp_path: Path) -> None:
    path = write_json(tmp_path, "profile.json", profile(days_per_week=7))
    result = kc("start", "--profile", path, "--date", START, "--json")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("command", [["today"], ["progress"], ["checkin", "--pain", "2"]])
@pytest.mark.parametrize("date", ["9999-12-31", "1999-12-31", "2026-13-01", "0.0", "20260302"])
def test_a_date_outside_the_window_exits_2_naming_the_option(tmp_path, command, date):
    started(tmp_path)
    result = kc(*command, "--date", date, "--json")
    assert_bad_input(result, "--date")
    assert result.stderr.startswith("error: --date: ")


def test_the_window_ends_366_days_after_today(tmp_path):
    started(tmp_path)
    last = dt.date.today() + dt.timedelta(days=366)
    # The boundary moves with the real date; either side of midnight it must hold for one day.
    for day in (last - dt.timedelta(days=1), last):
        result = kc("today", "--date", day.isoformat(), "--json")
        if result.returncode == 0:
            assert json.loads(result.stdout)["date"] == day.isoformat()
            break
    else:
        raise AssertionError(result.stderr)
    assert_bad_input(kc("today", "--date", (last + dt.timedelta(days=2)).isoformat()), "--date")


def test_start_before_2000_exits_2_and_saves_nothing(tmp_path):
    path = write_json(tmp_path, "profile.json", profile())
    assert_bad_input(kc("start", "--profile", path, "--date", "1999-12-31", "--json"), "--date")
    assert json.loads(kc("today", "--date", START, "--json").stdout)["status"] == "not-started"


def test_a_session_log_dated_far_ahead_exits_2_naming_date(tmp_path):
    started(tmp_path)
    log = {
        "client_id": "far",
        "date": "9999-12-31",
        "pain_before": 1,
        "pain_after": 1,
        "entries": [{"exercise_id": "bridge", "sets": [{"reps": 10, "pain": 1}]}],
    }
    result = kc("session", "--log", write_json(tmp_path, "log.json", log), "--json")
    assert_bad_input(result, "date")
    history = json.loads(kc("history", "--json").stdout)
    assert history["sessions"] == []


def test_report_dates_are_checked(tmp_path):
    started(tmp_path)
    result = kc("report", "--out", str(tmp_path / "r.pdf"), "--to", "9999-12-31", "--json")
    assert_bad_input(result, "--to")
    assert not (tmp_path / "r.pdf").exists()


def test_an_import_with_a_date_outside_the_window_exits_2(tmp_path):
    started(tmp_path)
    export = tmp_path / "export.json"
    assert kc("export", "--out", str(export), "--json").returncode == 0
    document = json.loads(export.read_text())
    document["person"]["start_date"] = "1999-12-31"
    bad = write_json(tmp_path, "bad.json", document)
    result = kc("import", bad, "--db", f"sqlite:///{tmp_path / 'new.db'}", "--json")
    assert_bad_input(result, "person.start_date")
