"""The opt-in test clock of `make test-dates` (sitecustomize.py beside this file) does what
docs/testing.md says: every Python process with this folder on PYTHONPATH, the `kneecoach`
command included, starts at KNEECOACH_TEST_NOW, shares one ticking clock, crosses midnight."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import time_machine

from tests.cli.test_cli import EXE

HERE = Path(__file__).resolve().parent
NOW = os.environ.get("KNEECOACH_TEST_NOW", "")
PRINT_NOW = "import time; print(time.time())"


def on_clock(now: str, anchor: float | None = None) -> dict[str, str]:
    """The environment of a process started under the test clock `now`."""
    env = {**os.environ, "KNEECOACH_TEST_NOW": now}
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), *filter(None, [env.get("PYTHONPATH")])])
    env.pop("KNEECOACH_TEST_NOW_ANCHOR", None)
    if anchor is not None:
        env["KNEECOACH_TEST_NOW_ANCHOR"] = repr(anchor)
    return env


def python(code: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def real_time() -> float:
    """The machine's clock, also while this process travels."""
    if time_machine.escape_hatch.is_travelling():
        return time_machine.escape_hatch.time.time()
    return time.time()


def test_a_process_starts_at_the_test_clock_and_ticks_past_midnight() -> None:
    code = (
        "import datetime, time; print(datetime.date.today()); time.sleep(1.5); "
        "print(datetime.date.today())"
    )
    assert python(code, on_clock("2028-02-29T23:59:59")).split() == ["2028-02-29", "2028-03-01"]


def test_children_share_the_clock_of_the_first_process() -> None:
    # A first process that started an hour ago: its children start an hour past the moment.
    moment = dt.datetime(2027, 3, 1, 0, 0, 5).astimezone().timestamp()
    seen = float(python(PRINT_NOW, on_clock("2027-03-01T00:00:05", real_time() - 3600)))
    assert moment + 3600 - 5 < seen < moment + 3600 + 60


def test_the_kneecoach_command_runs_on_the_test_clock(tmp_path: Path) -> None:
    command = [EXE, "today", "--json", "--db", f"sqlite:///{tmp_path / 'clock.db'}"]
    env = on_clock("2027-03-01T00:00:05")
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    today = json.loads(done.stdout)
    assert (today["date"], today["weekday"]) == ("2027-03-01", "monday")


def test_a_clock_it_cannot_read_stops_the_process() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "print('ran')"],
        capture_output=True,
        text=True,
        timeout=60,
        env=on_clock("soon"),
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert "KNEECOACH_TEST_NOW='soon'" in done.stderr


def test_this_run_is_on_the_test_clock_only_under_the_harness() -> None:
    if not NOW:  # an ordinary run: the real clock, and no harness loaded
        assert not time_machine.escape_hatch.is_travelling()
        assert abs(dt.datetime.now().timestamp() - real_time()) < 5
        return
    import sitecustomize

    assert Path(sitecustomize.__file__).resolve().parent == HERE
    assert time_machine.escape_hatch.is_travelling()
    anchor = float(os.environ["KNEECOACH_TEST_NOW_ANCHOR"])
    moment = dt.datetime.fromisoformat(NOW)
    if moment.tzinfo is None:
        moment = moment.astimezone()
    expected = moment.timestamp() + (real_time() - anchor)
    assert abs(dt.datetime.now().timestamp() - expected) < 5
    assert abs(float(python(PRINT_NOW, dict(os.environ))) - expected) < 30
