"""Checks on what people and scripts send: session logs, check-ins, PSFS, dates.

Each error names the field, e.g. `entries.0.sets.1.pain`, so the CLI can exit 2
and the API can answer 422 with it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from kneecoach.domain.dates import parse_day
from kneecoach.domain.errors import FieldError
from kneecoach.domain.exercises import Catalogue

CLIENT_ID_MAX = 200
SESSION_KEYS = frozenset({"client_id", "date", "pain_before", "pain_after", "entries"})
ENTRY_KEYS = frozenset({"exercise_id", "hurt", "sets"})
SET_KEYS = frozenset({"reps", "hold_seconds", "minutes", "load_kg", "pain"})
MAX_SETS = 20
# More entries than this is not a session: the same exercise may come twice, not dozens of times.
MAX_ENTRIES = 60
MAX_NAME = 200


InvalidInput = FieldError


def parse_date(value: object, today: dt.date, field: str = "date") -> dt.date:
    """A date written YYYY-MM-DD, from 2000-01-01 to 366 days after `today`."""
    return parse_day(value, today, field)


def pain_score(value: object, field: str) -> int:
    """A pain score 0-10 (NPRS), whole numbers only."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(field, f"expected a pain score 0-10 (whole number), got {value!r}")
    if not 0 <= value <= 10:
        raise InvalidInput(field, f"a pain score is 0-10, got {value}")
    return value


def _number(value: object, field: str, *, whole: bool, upper: float) -> float | int | None:
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or (whole and not isinstance(value, int))
    ):
        kind = "a whole number" if whole else "a number"
        raise InvalidInput(field, f"expected {kind}, got {value!r}")
    if not 0 <= value <= upper:
        raise InvalidInput(field, f"must be from 0 to {upper:g}, got {value}")
    return value


def _keys(raw: Mapping[str, Any], allowed: frozenset[str], prefix: str) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise InvalidInput(f"{prefix}{unknown[0]}", "unknown key")


def parse_session_log(raw: object, catalogue: Catalogue, today: dt.date) -> dict[str, Any]:
    """Validate the `session --log` JSON (and `POST /sessions`); return clean values."""
    if not isinstance(raw, Mapping):
        raise InvalidInput("session", "expected a JSON object")
    _keys(raw, SESSION_KEYS, "")
    for key in ("client_id", "date", "pain_before", "pain_after", "entries"):
        if key not in raw:
            raise InvalidInput(key, "missing")
    client_id = raw["client_id"]
    if not isinstance(client_id, str) or not client_id.strip():
        raise InvalidInput("client_id", "expected a non-empty string")
    if len(client_id) > CLIENT_ID_MAX:
        raise InvalidInput("client_id", f"at most {CLIENT_ID_MAX} characters")
    entries_raw = raw["entries"]
    if not isinstance(entries_raw, list) or not entries_raw:
        raise InvalidInput("entries", "expected a non-empty list of exercises")
    if len(entries_raw) > MAX_ENTRIES:
        raise InvalidInput("entries", f"at most {MAX_ENTRIES} exercises in one session")
    entries = []
    for i, entry in enumerate(entries_raw):
        where = f"entries.{i}."
        if not isinstance(entry, Mapping):
            raise InvalidInput(f"entries.{i}", "expected an object")
        _keys(entry, ENTRY_KEYS, where)
        for key in ("exercise_id", "sets"):
            if key not in entry:
                raise InvalidInput(where + key, "missing")
        exercise_id = entry["exercise_id"]
        if not isinstance(exercise_id, str) or exercise_id not in catalogue:
            raise InvalidInput(where + "exercise_id", f"unknown exercise id {exercise_id!r}")
        if catalogue.get(exercise_id).category == "avoid":
            raise InvalidInput(where + "exercise_id", f"{exercise_id} is not an exercise to do")
        hurt = entry.get("hurt", False)
        if not isinstance(hurt, bool):
            raise InvalidInput(where + "hurt", f"expected true or false, got {hurt!r}")
        sets_raw = entry["sets"]
        if not isinstance(sets_raw, list) or not sets_raw:
            raise InvalidInput(where + "sets", "expected a non-empty list of sets")
        if len(sets_raw) > MAX_SETS:
            raise InvalidInput(where + "sets", f"at most {MAX_SETS} sets")
        sets = []
        for j, one in enumerate(sets_raw):
            at = f"{where}sets.{j}."
            if not isinstance(one, Mapping):
                raise InvalidInput(f"{where}sets.{j}", "expected an object")
            _keys(one, SET_KEYS, at)
            if "pain" not in one:
                raise InvalidInput(at + "pain", "missing (pain score 0-10 during the set)")
            sets.append(
                {
                    "reps": _number(one.get("reps"), at + "reps", whole=True, upper=500),
                    "hold_seconds": _number(
                        one.get("hold_seconds"), at + "hold_seconds", whole=False, upper=3600
                    ),
                    "minutes": _number(one.get("minutes"), at + "minutes", whole=False, upper=600),
                    "load_kg": _number(one.get("load_kg"), at + "load_kg", whole=False, upper=100),
                    "pain": pain_score(one["pain"], at + "pain"),
                }
            )
        entries.append({"exercise_id": exercise_id, "hurt": hurt, "sets": sets})
    return {
        "client_id": client_id.strip(),
        "date": parse_date(raw["date"], today),
        "pain_before": pain_score(raw["pain_before"], "pain_before"),
        "pain_after": pain_score(raw["pain_after"], "pain_after"),
        "entries": entries,
    }


def parse_psfs(raw: object) -> list[dict[str, Any]]:
    """PSFS answers: 1-3 activities the person chose, each scored 0 (unable) to 10."""
    if not isinstance(raw, Mapping):
        raise InvalidInput("psfs", "expected a JSON object with `activities`")
    _keys(raw, frozenset({"activities"}), "")
    activities = raw.get("activities")
    if not isinstance(activities, list) or not 1 <= len(activities) <= 3:
        raise InvalidInput("activities", "expected a list of 1 to 3 activities")
    clean = []
    for i, item in enumerate(activities):
        if not isinstance(item, Mapping):
            raise InvalidInput(f"activities.{i}", 'expected {"name", "score"}')
        _keys(item, frozenset({"name", "score"}), f"activities.{i}.")
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise InvalidInput(f"activities.{i}.name", "expected the activity's name")
        if len(name) > MAX_NAME:
            raise InvalidInput(f"activities.{i}.name", f"at most {MAX_NAME} characters")
        score = item.get("score")
        if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 10:
            raise InvalidInput(
                f"activities.{i}.score", f"expected a whole number 0-10, got {score!r}"
            )
        clean.append({"name": name.strip(), "score": score})
    return clean
