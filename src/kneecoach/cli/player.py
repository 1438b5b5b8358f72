"""The guided session in the terminal: timers for holds, paced reps, rests, pain scores.

It returns the session log (the `session --log` JSON) for what was done. Ctrl-C
ends the session early and keeps what was done so far.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.prompt import Confirm, IntPrompt

from kneecoach import clock
from kneecoach.cli.io import err
from kneecoach.domain.exercises import Catalogue
from kneecoach.domain.planning import STOP_RULES, Prescription
from kneecoach.domain.progression import ACCEPTABLE_MAX
from kneecoach.domain.wording import describe_dose


def _pain(question: str) -> int:
    while True:
        value = IntPrompt.ask(f"{question} (pain score 0-10)", console=err)
        if 0 <= value <= 10:
            return value
        err.print("Please give a number from 0 to 10.")


def _countdown(label: str, seconds: float, fast: bool) -> None:
    """A bar that empties over `seconds` (skipped with --fast)."""
    if fast or seconds <= 0:
        err.print(f"  {label}: {seconds:g} s")
        return
    columns = (TextColumn(f"  {label}"), BarColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(label, total=seconds)
        started = time.monotonic()
        while (elapsed := time.monotonic() - started) < seconds:
            bar.update(task, completed=elapsed)
            time.sleep(0.1)


def _reps(count: int, tempo: int, hold: int | None, fast: bool) -> None:
    """Paced rep prompts: up, (hold), down, at the exercise's tempo."""
    half = tempo / 2
    for rep in range(1, count + 1):
        err.print(f"  rep {rep}/{count}: up", end="")
        if not fast:
            time.sleep(half)
        if hold:
            err.print(f" - hold {hold} s", end="")
            if not fast:
                time.sleep(hold)
        err.print(" - down")
        if not fast:
            time.sleep(half)


def _one_set(name: str, dose: Prescription, tempo: int, fast: bool) -> dict[str, Any]:
    if dose.minutes is not None:
        _countdown(name, dose.minutes * 60, fast)
        return {"minutes": dose.minutes}
    if dose.reps is not None:
        _reps(dose.reps, tempo, dose.hold_seconds, fast)
        done: dict[str, Any] = {"reps": dose.reps}
        if dose.hold_seconds:
            done["hold_seconds"] = dose.hold_seconds
        return done
    _countdown(f"hold {name}", dose.hold_seconds or 0, fast)
    return {"hold_seconds": dose.hold_seconds}


def run_player(today: dict[str, Any], catalogue: Catalogue, *, fast: bool) -> dict[str, Any] | None:
    """Guide one session; return its log, or None when nothing was done."""
    err.print("[bold]Before you start: stop rules[/bold]")
    for rule in STOP_RULES:
        err.print(f"  - {rule}")
    pain_before = _pain("Your knee pain right now")
    entries: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    for item in today["items"]:  # a stretch repeated in the cool-down is done once
        if all(i["exercise_id"] != item["exercise_id"] for i in items):
            items.append(item)
    try:
        for number, item in enumerate(items, start=1):
            exercise = catalogue.get(item["exercise_id"])
            dose = Prescription.from_dict(item["dose"])
            rng = exercise.dose
            tempo = rng.tempo_seconds if rng else 4
            rest = rng.rest_seconds if rng else 30
            err.print(
                f"\n[bold]{number}/{len(items)} {exercise.name}[/bold]: {describe_dose(dose)}"
            )
            for step_no, step in enumerate(exercise.steps, start=1):
                err.print(f"  {step_no}. {step}")
            sides = ("left", "right") if dose.per_side else (None,)
            sets: list[dict[str, Any]] = []
            worst = 0
            for set_no in range(1, dose.sets + 1):
                for side in sides:
                    err.print(f" Set {set_no} of {dose.sets}" + (f", {side} side" if side else ""))
                    done = _one_set(exercise.name.lower(), dose, tempo, fast)
                pain = _pain("Pain during that set")
                worst = max(worst, pain)
                sets.append({**done, "pain": pain})
                if pain > ACCEPTABLE_MAX:  # PM-1: stop this exercise now
                    err.print(
                        f"[red]Pain {pain}/10 is above {ACCEPTABLE_MAX}: stop this exercise. "
                        "Next time you get an easier version (PM-1).[/red]"
                    )
                    break
                if set_no < dose.sets:
                    _countdown("rest", rest, fast)
            hurt = worst > ACCEPTABLE_MAX or Confirm.ask(
                "Did this hurt?", console=err, default=False
            )
            entries.append({"exercise_id": exercise.id, "hurt": hurt, "sets": sets})
    except KeyboardInterrupt:
        err.print("\nStopped early. Keeping what you did.")
    if not entries:
        return None
    try:
        pain_after = _pain("Your knee pain now, after the session")
    except (KeyboardInterrupt, EOFError):
        pain_after = pain_before
    return {
        "client_id": f"cli-{uuid.uuid4()}",
        "date": today.get("date") or clock.today().isoformat(),
        "pain_before": pain_before,
        "pain_after": pain_after,
        "entries": entries,
    }
