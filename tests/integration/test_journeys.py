"""Six-week synthetic patients replayed through the `kneecoach` commands with --date,
on SQLite and on PostgreSQL. Each asserts the decisions and escalations CLINICAL.md implies.

The commands run in-process (`kneecoach.cli.main.main`, the same code the console script
runs) so a six-week journey takes seconds; tests/cli covers the real subprocess.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kneecoach.cli.main import main
from tests.factories import clear_answers, profile

START = dt.date(2026, 1, 5)  # a Monday
# The CLI's today, after every journey's last day: `session --log` bounds a session's date by
# kneecoach.clock.today() (it has no --date), so the patients pin it instead of the machine's.
TODAY = dt.date(2026, 3, 2)


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n)


class CliPatient:
    """A person who uses the command line every day, reporting pain as scripted."""

    def __init__(self, capsys: pytest.CaptureFixture[str], db: str, folder: Path) -> None:
        self.capsys = capsys
        self.db = db
        self.folder = folder
        self.files = 0

    def run(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = main([*args, "--db", self.db])
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err

    def json(self, *args: str) -> Any:
        code, out, err = self.run(*args, "--json")
        assert code == 0, err
        return json.loads(out)

    def file(self, document: object) -> str:
        self.files += 1
        path = self.folder / f"doc-{self.files}.json"
        path.write_text(json.dumps(document))
        return str(path)

    def start(self, **changes: Any) -> dict[str, Any]:
        raw = profile(**{"minutes_per_session": 60, **changes})
        return self.json("start", "--profile", self.file(raw), "--date", START.isoformat())

    def today(self, when: dt.date) -> dict[str, Any]:
        return self.json("today", "--date", when.isoformat())

    def progress(self, when: dt.date) -> dict[str, Any]:
        return self.json("progress", "--date", when.isoformat())

    def morning(self, when: dt.date, pain: int, **answers: bool) -> dict[str, Any]:
        args = ["checkin", "--pain", str(pain), "--morning", "--date", when.isoformat()]
        if answers:
            args += ["--answers", self.file(clear_answers(**answers))]
        return self.json(*args)

    def exercise(self, when: dt.date, pain: Callable[[str], int]) -> dict[str, Any] | None:
        plan = self.today(when)
        if plan["status"] != "session":
            return None
        entries: list[dict[str, Any]] = []
        for item in plan["items"]:
            if any(e["exercise_id"] == item["exercise_id"] for e in entries):
                continue  # the cool-down repeat of a stretch is the same exercise
            dose = item["dose"]
            score = pain(item["exercise_id"])
            one: dict[str, Any] = {"pain": score}
            for key in ("reps", "hold_seconds", "minutes"):
                if dose[key] is not None:
                    one[key] = dose[key]
            if dose["load_kg"]:
                one["load_kg"] = dose["load_kg"]
            entries.append(
                {
                    "exercise_id": item["exercise_id"],
                    "hurt": score > 5,
                    "sets": [one] * dose["sets"],
                }
            )
        log = {
            "client_id": f"journey-{when.isoformat()}",
            "date": when.isoformat(),
            "pain_before": 2,
            "pain_after": 2,
            "entries": entries,
        }
        return self.json("session", "--log", self.file(log))

    def live(
        self,
        days: range,
        morning: Callable[[int], int | None],
        pain: Callable[[int, str], int] = lambda n, ex: 1,
    ) -> None:
        for n in days:
            score = morning(n)
            if score is not None:
                self.morning(day(n), score)
            self.exercise(day(n), lambda ex, n=n: pain(n, ex))


@pytest.fixture
def patient(
    capsys: pytest.CaptureFixture[str],
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> CliPatient:
    monkeypatch.setattr("kneecoach.clock.today", lambda: TODAY)
    return CliPatient(capsys, db_url, tmp_path)


def fired(progress: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["rule"], e["urgency"]) for e in progress["escalations"]]


def item(plan: dict[str, Any], exercise_id: str) -> dict[str, Any]:
    return next(i for i in plan["items"] if i["exercise_id"] == exercise_id)


def test_steady_improvement(patient: CliPatient) -> None:
    patient.start(pain_now=5)
    patient.live(range(42), morning=lambda n: max(1, 5 - n // 4))
    progress = patient.progress(day(41))
    assert fired(progress) == []
    actions = {d["action"] for d in progress["decisions"]}
    assert "progress" in actions
    assert not actions & {"regress", "pause"}
    bridge = [
        d for d in progress["decisions"] if d["slot"] == "bridge" and d["action"] == "progress"
    ]
    assert bridge[0]["date"] == day(2).isoformat()
    assert bridge[0]["rule"] == "PR-1"
    assert bridge[0]["reason"] == (
        "PR-1: full dose, pain 1/10 and 1/10 in the last two sessions, no morning rise "
        "→ bridge 12 reps"
    )
    # Thursday's plan shows the change and why, on Friday's session.
    friday = patient.today(day(4))
    assert item(friday, "bridge")["dose"]["reps"] == 12
    assert item(friday, "bridge")["decision"]["rule"] == "PR-1"
    assert progress["adherence"] == {"planned": 18, "done": 18}
    assert progress["baseline"] == 5
    assert [w["week_start"] for w in progress["weekly_means"]][:2] == [
        START.isoformat(),
        day(7).isoformat(),
    ]


def test_plateau_raises_es1_at_day_14(patient: CliPatient) -> None:
    patient.start(pain_now=5)
    patient.live(range(14), morning=lambda n: 5)
    assert "ES-1" not in [r for r, _ in fired(patient.progress(day(12)))]
    today = patient.today(day(13))
    es1 = [e for e in today["escalations"] if e["rule"] == "ES-1"]
    assert es1 and es1[0]["urgency"] == "soon"
    assert es1[0]["numbers"]["weekly_mean"] == 5.0
    assert today["urgency"] == "soon"
    assert today["status"] != "stopped"
    history = patient.progress(day(13))["escalations"]
    assert {"rule": "ES-1", "urgency": "soon", "date": day(13).isoformat()}.items() <= history[
        0
    ].items()


def test_gradual_worsening_raises_es2(patient: CliPatient) -> None:
    patient.start(pain_now=3)
    patient.live(range(42), morning=lambda n: min(10, 3 + n // 7))
    progress = patient.progress(day(41))
    assert ("ES-2", "soon") in fired(progress)
    first = next(e for e in progress["escalations"] if e["rule"] == "ES-2")
    # Week 3 (days 14-20) scores 5: the rolling mean first reaches baseline + 2 on day 20.
    assert first["date"] == day(20).isoformat()


def test_flare_up_the_morning_after_a_progression(patient: CliPatient) -> None:
    patient.start(pain_now=3)
    patient.live(range(5), morning=lambda n: 2)  # Mon, Wed good; Fri at the new dose
    patient.morning(day(5), 5)  # Saturday: 3 above the usual 2
    monday = patient.today(day(7))
    bridge = item(monday, "bridge")
    assert bridge["decision"]["action"] == "regress"
    assert bridge["decision"]["rule"] == "PM-3"
    assert bridge["dose"]["reps"] == 10
    done_friday = {
        d["exercise_id"]
        for d in patient.progress(day(7))["decisions"]
        if d["date"] == day(4).isoformat()
    }
    pm3 = [d for d in patient.progress(day(7))["decisions"] if d["rule"] == "PM-3"]
    assert {d["exercise_id"] for d in pm3} == done_friday  # every exercise done that session
    assert all(d["action"] in ("regress", "repeat") for d in pm3)


def test_an_exercise_that_keeps_hurting_is_regressed_then_paused(patient: CliPatient) -> None:
    patient.start(pain_now=3)

    def pain(n: int, exercise_id: str) -> int:
        return 7 if "knee-to-chest" in exercise_id else 1

    patient.live(range(21), morning=lambda n: 2, pain=pain)
    decisions = [
        (d["action"], d["rule"])
        for d in patient.progress(day(20))["decisions"]
        if d["slot"] == "double-knee-to-chest"
    ]
    assert decisions == [("regress", "PM-1"), ("regress", "PM-1"), ("pause", "PR-6")]
    monday = patient.today(day(21))
    assert not [i for i in monday["items"] if "knee-to-chest" in i["exercise_id"]]
    assert monday["paused"][0]["exercise_id"] == "single-knee-to-chest"
    assert "Ask a physiotherapist or doctor" in monday["paused"][0]["reason"]


def test_a_missed_week_brings_a_reminder_only(patient: CliPatient) -> None:
    patient.start(pain_now=4)
    patient.live(range(7), morning=lambda n: 3)
    today = patient.today(day(14))
    assert [(e["rule"], e["urgency"]) for e in today["escalations"]] == [("ES-4", "none")]
    assert today["urgency"] == "none"
    assert today["status"] == "session"
    assert fired(patient.progress(day(14))) == [("ES-4", "none")]


def test_a_red_flag_stops_the_programme_until_cleared(patient: CliPatient) -> None:
    patient.start(pain_now=4)
    patient.live(range(10), morning=lambda n: 3)
    result = patient.morning(day(10), 4, calf_swelling_pain_one_leg=True)
    assert result["status"] == "stopped"
    wednesday = patient.today(day(16))
    assert wednesday["status"] == "stopped"
    assert wednesday["urgency"] == "urgent"
    assert wednesday["items"] == []
    assert "RF-2" in [e["rule"] for e in wednesday["escalations"]]
    # A clearance alone is not enough (CLINICAL: screening must be answered again) ...
    cleared = patient.json("clear", "--by", "Dr Patel, GP", "--date", day(16).isoformat())
    assert cleared["status"] == "stopped" and cleared["needs_screening"] is True
    # ... and the safety questions answered again restart it.
    patient.morning(day(17), 3, knee_locked=False)
    friday = patient.today(day(18))
    assert friday["status"] == "session"
    assert friday["items"]


def test_clearance_with_answers_restarts_at_once(patient: CliPatient) -> None:
    patient.start(pain_now=4)
    patient.morning(day(1), 3, knee_locked=True)
    assert patient.today(day(2))["status"] == "stopped"
    cleared = patient.json(
        "clear",
        "--by",
        "Sam, physio",
        "--answers",
        patient.file(clear_answers()),
        "--date",
        day(3).isoformat(),
    )
    assert cleared["status"] == "active"
    assert patient.today(day(4))["status"] == "session"


def test_recent_injury_keeps_valgus_stretches_out_for_14_days(patient: CliPatient) -> None:
    patient.start(
        pain_now=3, minutes_per_session=90, screening=clear_answers(injury_within_7_days=True)
    )
    patient.live(range(15), morning=lambda n: 2)
    early = {i["exercise_id"] for i in patient.today(day(11))["items"]}
    assert not early & {"inner-thigh-stretch", "side-lunge-stretch"}
    butterfly = item(patient.today(day(11)), "seated-butterfly-stretch")
    assert "hand pressure" in butterfly["note"]
    later = patient.today(day(14))
    assert {"inner-thigh-stretch", "side-lunge-stretch"} <= {
        i["exercise_id"] for i in later["items"]
    }
    added = item(later, "inner-thigh-stretch")["decision"]
    assert added["rule"] == "PR-8"


def test_resubmitting_a_session_never_duplicates(patient: CliPatient) -> None:
    patient.start()
    first = patient.exercise(day(0), lambda ex: 1)
    assert first is not None and first["created"] is True
    again = patient.json(
        "session",
        "--log",
        patient.file(
            {
                "client_id": "journey-2026-01-05",
                "date": "2026-01-05",
                "pain_before": 2,
                "pain_after": 2,
                "entries": [
                    {
                        "exercise_id": "bridge",
                        "hurt": False,
                        "sets": [{"reps": 10, "hold_seconds": 2, "pain": 1}],
                    }
                ],
            }
        ),
    )
    assert again["created"] is False
    assert again["session_id"] == first["session_id"]
    assert len(patient.json("history")["sessions"]) == 1


def test_bad_session_logs_name_the_field(patient: CliPatient) -> None:
    patient.start()
    log = {
        "client_id": "x",
        "date": "2026-01-05",
        "pain_before": 2,
        "pain_after": 11,
        "entries": [{"exercise_id": "bridge", "hurt": False, "sets": [{"pain": 1}]}],
    }
    code, out, err = patient.run("session", "--log", patient.file(log), "--json")
    assert (code, out) == (2, "")
    assert "pain_after" in err
    log["pain_after"] = 2
    log["entries"][0]["exercise_id"] = "moonwalk"
    code, _, err = patient.run("session", "--log", patient.file(log), "--json")
    assert code == 2 and "entries.0.exercise_id" in err


def test_today_before_the_start_is_not_started(patient: CliPatient) -> None:
    patient.start()
    assert patient.today(day(-1))["status"] == "not-started"
    assert patient.today(day(1))["status"] == "rest"  # Tuesday
