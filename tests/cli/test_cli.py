"""The `kneecoach` command through a real subprocess: JSON contracts, exit codes, messages."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import clear_answers, profile

EXE = shutil.which("kneecoach", path=str(Path(sys.executable).parent)) or "kneecoach"

REQUIRED_IDS = {
    "inner-thigh-stretch",
    "supine-hamstring-stretch",
    "side-lunge-stretch",
    "seated-butterfly-stretch",
    "seated-straight-leg-raise",
    "bridge",
    "lateral-leg-raise",
    "step-up",
    "double-knee-to-chest",
    "bridge-ball-squeeze",
    "side-lying-inner-leg-raise",
    "step-up-foam-pad",
    "step-up-high",
    "single-knee-to-chest",
    "single-leg-balance",
    "mini-squat",
    "plank",
    "bicycle-crunch",
    "stationary-cardio",
    "pool-exercise",
    "walking",
    "childs-pose",
    "cat-cow",
    "avoid-high-impact",
    "avoid-pivoting-sports",
    "avoid-deep-squats-lunges",
    "avoid-unstable-knee",
    "avoid-overuse",
    "avoid-painful",
}


@pytest.fixture(autouse=True)
def _own_database(tmp_path, monkeypatch):
    """Never touch the real data folder: each test gets its own SQLite file."""
    monkeypatch.setenv("KNEECOACH_DATABASE_URL", f"sqlite:///{tmp_path / 'kneecoach.db'}")


def kc(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1"}
    return subprocess.run(
        [EXE, *args], input=stdin, capture_output=True, text=True, timeout=60, env=env
    )


def write_json(tmp_path: Path, name: str, document: object) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return str(path)


def assert_bad_input(result: subprocess.CompletedProcess[str], field: str) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert field in lines[0]
    assert "Traceback" not in result.stderr


def test_exercises_json_lists_every_id_with_its_contract():
    result = kc("exercises", "--json")
    assert result.returncode == 0, result.stderr
    entries = json.loads(result.stdout)
    assert {e["id"] for e in entries} >= REQUIRED_IDS
    for e in entries:
        for key in (
            "id",
            "name",
            "category",
            "purpose",
            "steps",
            "cues",
            "equipment",
            "progressions",
            "regressions",
            "dose",
        ):
            assert key in e, (e["id"], key)
        assert 3 <= len(e["steps"]) <= 8
        if e["category"] == "avoid":
            assert e["dose"] is None
        else:
            assert set(e["dose"]) >= {
                "sets",
                "reps",
                "hold_seconds",
                "minutes",
                "per_side",
                "rest_seconds",
            }
            assert isinstance(e["dose"]["rest_seconds"], int)


def test_doses_match_the_article():
    entries = {e["id"]: e for e in json.loads(kc("exercises", "--json").stdout)}
    inner = entries["inner-thigh-stretch"]["dose"]
    assert inner["hold_seconds"]["min"] >= 30
    assert inner["sets"] == {"min": 2, "max": 3}
    assert inner["per_side"] is True
    bridge = entries["bridge"]["dose"]
    assert bridge["reps"] == {"min": 10, "max": 15}
    assert bridge["sets"]["max"] == 3
    assert bridge["hold_seconds"] == {"min": 2, "max": 5}
    step = entries["step-up"]["dose"]
    assert step["reps"] == {"min": 10, "max": 10}
    assert step["sets"] == {"min": 2, "max": 3}
    assert step["per_side"] is True
    butterfly = entries["seated-butterfly-stretch"]["dose"]
    assert butterfly["hold_seconds"] == {"min": 60, "max": 90}


def test_exercises_category_filter():
    entries = json.loads(kc("exercises", "--category", "stretch", "--json").stdout)
    assert {e["category"] for e in entries} == {"stretch"}
    assert len(entries) == 4


def test_unknown_category_is_bad_input():
    assert_bad_input(kc("exercises", "--category", "dance", "--json"), "--category")


def test_exercises_show_one():
    result = kc("exercises", "show", "bridge", "--json")
    assert result.returncode == 0
    assert json.loads(result.stdout)["progressions"] == ["bridge-ball-squeeze"]
    human = kc("exercises", "show", "bridge")
    assert "Bridge" in human.stdout and "1." in human.stdout


def test_exercises_show_unknown_id():
    assert_bad_input(kc("exercises", "show", "moonwalk", "--json"), "moonwalk")


def test_screen_json_clear(tmp_path):
    result = kc("screen", "--answers", write_json(tmp_path, "a.json", clear_answers()), "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["urgency"] == "none"
    assert doc["flags"] == []
    assert doc["advice"]


def test_screen_json_referral_is_a_valid_answer(tmp_path):
    answers = clear_answers(breathless_or_chest_pain=True, night_sweats=True)
    result = kc("screen", "--answers", write_json(tmp_path, "a.json", answers), "--json")
    assert result.returncode == 0
    doc = json.loads(result.stdout)
    assert doc["urgency"] == "emergency"
    assert {(f["rule"], f["question"]) for f in doc["flags"]} == {
        ("RF-1", "breathless_or_chest_pain"),
        ("RF-4", "night_sweats"),
    }
    assert all(f["message"] for f in doc["flags"])


def test_screen_from_stdin():
    result = kc("screen", "--answers", "-", "--json", stdin=json.dumps(clear_answers()))
    assert json.loads(result.stdout)["urgency"] == "none"


def test_screen_missing_answer_is_bad_input(tmp_path):
    answers = clear_answers()
    del answers["knee_locked"]
    result = kc("screen", "--answers", write_json(tmp_path, "a.json", answers), "--json")
    assert_bad_input(result, "knee_locked")


def test_screen_json_without_answers_does_not_wait():
    assert_bad_input(kc("screen", "--json", stdin=""), "--answers")


def test_screen_unreadable_and_malformed_files(tmp_path):
    assert_bad_input(kc("screen", "--answers", str(tmp_path / "nope.json"), "--json"), "--answers")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert_bad_input(kc("screen", "--answers", str(broken), "--json"), "--answers")


def test_screen_interactive_asks_and_answers():
    # 13 yes-no and number answers before the injury question; no recent injury, so no Ottawa.
    replies = ["n"] * 12 + ["n", "40"] + ["n"] * 10 + ["3"]
    result = kc("screen", stdin="\n".join(replies) + "\n")
    assert result.returncode == 0, result.stderr
    assert "No danger signs" in result.stdout


def test_plan_json_contract(tmp_path):
    result = kc("plan", "--profile", write_json(tmp_path, "p.json", profile()), "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["refer"] is False
    assert doc["urgency"] == "none"
    assert isinstance(doc["warnings"], list)
    assert len(doc["sessions"]) == 3
    assert doc["estimated_minutes"] == max(s["estimated_minutes"] for s in doc["sessions"])
    for session in doc["sessions"]:
        assert session["weekday"] in ("monday", "wednesday", "friday")
        assert session["estimated_minutes"] <= 30
        for block in session["blocks"]:
            assert block["phase"] in ("warm-up", "strength", "aerobic", "cool-down")
            for item in block["items"]:
                assert set(item) >= {"exercise_id", "dose", "note"}
                assert set(item["dose"]) == {
                    "sets",
                    "reps",
                    "hold_seconds",
                    "minutes",
                    "load_kg",
                    "per_side",
                }
                assert isinstance(item["dose"]["sets"], int)


def test_plan_refers_with_exit_zero(tmp_path):
    raw = profile(screening=clear_answers(knee_locked=True))
    result = kc("plan", "--profile", write_json(tmp_path, "p.json", raw), "--json")
    assert result.returncode == 0
    doc = json.loads(result.stdout)
    assert doc["refer"] is True
    assert doc["urgency"] == "urgent"
    assert doc["sessions"] == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"pain_now": 11}, "pain_now"),
        ({"hobby": "golf"}, "hobby"),
        ({"days_per_week": 8}, "days_per_week"),
    ],
)
def test_plan_bad_profile(tmp_path, changes, field):
    result = kc("plan", "--profile", write_json(tmp_path, "p.json", profile(**changes)), "--json")
    assert_bad_input(result, field)


def test_plan_missing_screening_answer(tmp_path):
    raw = profile()
    del raw["screening"]["night_sweats"]
    result = kc("plan", "--profile", write_json(tmp_path, "p.json", raw), "--json")
    assert_bad_input(result, "screening.night_sweats")


def test_plan_human_view_shows_days_doses_and_stop_rules(tmp_path):
    result = kc("plan", "--profile", write_json(tmp_path, "p.json", profile(pain_now=5)))
    assert result.returncode == 0, result.stderr
    assert "Monday" in result.stdout
    assert "2 sets of 10" in result.stdout
    assert "Stop rules" in result.stdout
    assert "not a diagnosis" in result.stdout


def test_avoid_lists_the_six_items():
    result = kc("avoid")
    assert result.returncode == 0
    assert "Deep squats" in result.stdout or "deep squats" in result.stdout.lower()
    doc = json.loads(kc("avoid", "--json").stdout)
    assert len(doc) == 6
    assert all(e["why_avoid"] for e in doc)


def test_start_walks_through_screening_and_profile():
    replies = ["n"] * 12 + ["n", "40"] + ["n"] * 10 + ["3"]
    replies += ["4", "left", "1 5", "", "20", "3", "n"]
    replies += ["stairs", "4", ""]  # PSFS: one activity, then Enter to finish
    result = kc("start", "--date", "2026-01-05", stdin="\n".join(replies) + "\n")
    assert result.returncode == 0, result.stderr
    assert "not a diagnosis" in result.stderr
    assert "Monday" in result.stdout
    assert "ice" in result.stdout.lower()
    assert "Saved. Your programme starts on 2026-01-05" in result.stdout
    today = json.loads(kc("today", "--date", "2026-01-05", "--json").stdout)
    assert today["status"] == "session"
    history = json.loads(kc("history", "--json").stdout)
    assert history["psfs"][0]["activities"] == [{"name": "stairs", "score": 4}]


def test_start_stops_at_a_red_flag():
    answers = "n\nn\nn\ny\n" + "n\n" * 8 + "n\n40\n" + "n\n" * 10 + "3\n"
    result = kc("start", "--date", "2026-01-05", stdin=answers)
    assert result.returncode == 0, result.stderr
    assert "Emergency" in result.stdout
    assert "Monday" not in result.stdout


def _started(tmp_path):
    raw = write_json(tmp_path, "p.json", profile(minutes_per_session=30))
    assert kc("start", "--profile", raw, "--date", "2026-01-05", "--json").returncode == 0
    return json.loads(kc("today", "--date", "2026-01-05", "--json").stdout)


def _unique_items(today):
    seen, items = set(), []
    for item in today["items"]:
        if item["exercise_id"] not in seen:
            seen.add(item["exercise_id"])
            items.append(item)
    return items


def test_guided_session_records_what_was_done(tmp_path):
    today = _started(tmp_path)
    items = _unique_items(today)
    replies = ["2"]  # pain before
    for item in items:
        replies += ["1"] * item["dose"]["sets"] + ["n"]
    replies += ["3"]  # pain after
    result = kc("session", "--fast", "--date", "2026-01-05", stdin="\n".join(replies) + "\n")
    assert result.returncode == 0, result.stderr
    assert "Session of 2026-01-05 saved" in result.stdout
    assert "Stop the exercise if the pain is sharp" in result.stderr  # stop rules first
    session = json.loads(kc("history", "--json").stdout)["sessions"][0]
    assert (session["pain_before"], session["pain_after"]) == (2, 3)
    assert [e["exercise_id"] for e in session["entries"]] == [i["exercise_id"] for i in items]
    bridge = next(e for e in session["entries"] if e["exercise_id"] == "bridge")
    assert [s["reps"] for s in bridge["sets"]] == [10, 10]
    assert bridge["sets"][0]["target_reps"] == 10


def test_guided_session_applies_pm1_at_once(tmp_path):
    today = _started(tmp_path)
    items = _unique_items(today)
    first = items[0]
    replies = ["2", "7"]  # pain before; first set of the first exercise hurts: 7/10
    for item in items[1:]:
        replies += ["1"] * item["dose"]["sets"] + ["n"]
    replies += ["3"]
    result = kc("session", "--fast", "--date", "2026-01-05", stdin="\n".join(replies) + "\n")
    assert result.returncode == 0, result.stderr
    assert "stop this exercise" in result.stderr
    assert "PM-1: pain 7/10" in result.stdout
    entry = json.loads(kc("history", "--json").stdout)["sessions"][0]["entries"][0]
    assert entry["exercise_id"] == first["exercise_id"]
    assert entry["hurt"] is True and len(entry["sets"]) == 1


def test_person_chooses_whom_a_command_acts_for(tmp_path):
    first = write_json(tmp_path, "first.json", profile(pain_now=2))
    second = write_json(tmp_path, "second.json", profile(pain_now=4))
    ids = []
    for raw in (first, second):
        started = kc("start", "--profile", raw, "--date", "2026-01-05", "--json")
        assert started.returncode == 0, started.stderr
        ids.append(json.loads(started.stdout)["person_id"])
    checked = kc(
        "checkin",
        "--pain",
        "1",
        "--morning",
        "--date",
        "2026-01-05",
        "--person",
        str(ids[0]),
        "--json",
    )
    assert checked.returncode == 0, checked.stderr
    mine = json.loads(kc("history", "--person", str(ids[0]), "--json").stdout)
    latest = json.loads(kc("history", "--json").stdout)  # default: the most recent person
    assert [c["pain"] for c in mine["checkins"]] == [1]
    assert latest["checkins"] == []
    assert_bad_input(kc("today", "--person", "999", "--json"), "--person")
