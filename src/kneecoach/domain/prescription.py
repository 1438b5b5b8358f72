"""A physiotherapist's prescription (CL-1), checked against the catalogue and the rules.

Pure Python. `check_prescription` takes the body of `PUT /api/v1/patients/{id}/programme`
as plain values and either returns the new programme's slots or raises one `FieldError`
whose `field` is the exact path into the body (`slots.2.exercise_id`,
`slots.0.dose.reps`). What is refused, and why:

- an unknown exercise id, an avoid item (deep squats and lunges among them): never
  part of a programme (CL-1, PR-7);
- a dose outside the exercise's own range (its content file), or a part of a dose the
  exercise does not have (minutes for a bridge);
- a stretch that opens the inner knee while PR-8 stands, unless the physiotherapist
  records an override with a reason (`override_pr8.reason`).

Late progressions (PR-7) are the physiotherapist's call and are allowed. Each slot's
kind is its exercise's category, so strength work stays on PR-2's strength days (at
least 48 h apart: `planning.build_week`). A `locked` slot is never progressed (CL-2).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kneecoach.domain import rules
from kneecoach.domain.errors import FieldError
from kneecoach.domain.exercises import Catalogue, Exercise, Range
from kneecoach.domain.planning import (
    HAND_PRESSURE_STRETCH,
    MINUTES_RANGE,
    TRAINING_DAYS,
    WEEKDAYS,
    Prescription,
    Reason,
    Slot,
    strength_days,
)
from kneecoach.domain.progression import ADDED_VARIANTS

MAX_SLOTS = 30
REASON_MAX = 500
NOTE_MAX = 300
DOSE_KEYS = ("sets", "reps", "hold_seconds", "minutes", "load_kg")
SLOT_KEYS = frozenset({"exercise_id", "dose", "locked", "note"})
BODY_KEYS = frozenset(
    {"days_per_week", "minutes_per_session", "slots", "reason", "override_pr8", "date"}
)
PR8_NOTE = "No hand pressure on your thighs for now (PR-8)."
DAYS_RANGE = (1, 7)


@dataclass(frozen=True)
class Checked:
    """A prescription that passed every check: the programme it makes, and why."""

    slots: tuple[Slot, ...]
    reason: str
    days_per_week: int | None
    minutes_per_session: int | None
    override_pr8: str | None
    # What the engine says about it (PR-2's strength days, PR-8's override), for the
    # version's reasons after the physiotherapist's own.
    notes: tuple[Reason, ...]


def check_prescription(
    raw: Mapping[str, Any],
    catalogue: Catalogue,
    *,
    current: Sequence[Slot],
    valgus_ban: bool,
    days_per_week: int,
) -> Checked:
    """Check a prescription (plain values) for a course that stands at `current`, with
    PR-8's `valgus_ban`; `days_per_week` is the patient's own unless the body changes it.
    Raises FieldError naming the exact field of the first problem."""
    if not isinstance(raw, Mapping):
        raise FieldError("body", "expected an object")
    unknown = sorted(str(key) for key in raw if key not in BODY_KEYS)
    if unknown:
        raise FieldError(unknown[0], "unknown key")
    reason = _text(raw.get("reason"), "reason", REASON_MAX, required=True)
    assert reason is not None
    days = _whole_or_none(raw.get("days_per_week"), "days_per_week", *DAYS_RANGE)
    minutes = _whole_or_none(raw.get("minutes_per_session"), "minutes_per_session", *MINUTES_RANGE)
    override = _override(raw.get("override_pr8"))
    items = raw.get("slots")
    if not isinstance(items, list):
        raise FieldError(
            "slots", "expected a list of exercises" if items is not None else "missing"
        )
    if not items:
        raise FieldError("slots", "must not be empty: prescribe at least one exercise")
    if len(items) > MAX_SLOTS:
        raise FieldError("slots", f"at most {MAX_SLOTS} exercises, got {len(items)}")
    seen: dict[str, int] = {}
    # A dose part the patient is on now may stay, even outside the exercise's own range
    # (the pain rules may have taken it below): the physio keeps what stands.
    standing = {s.exercise_id: s.dose for s in current}
    checked: list[tuple[Exercise, Prescription, bool, str | None]] = []
    notes: list[Reason] = []
    for index, item in enumerate(items):
        where = f"slots.{index}"
        exercise, dose, locked, note = _slot(item, where, catalogue, standing)
        if exercise.id in seen:
            raise FieldError(
                f"{where}.exercise_id",
                f"{exercise.id} is already slot {seen[exercise.id]}: give each exercise once",
            )
        seen[exercise.id] = index
        if valgus_ban and exercise.valgus_stress:
            if override is None:
                raise FieldError(
                    f"{where}.exercise_id",
                    f"PR-8: {exercise.name} opens the inner knee and PR-8 stands (a recent "
                    "or MCL injury). Give override_pr8 with a reason to prescribe it anyway.",
                )
            notes.append(
                Reason("PR-8", f"PR-8 overridden for {exercise.name}: {override}", exercise.id)
            )
        if valgus_ban and exercise.id == HAND_PRESSURE_STRETCH and note is None and not override:
            note = PR8_NOTE
        checked.append((exercise, dose, locked, note))
    slots = _slots(checked, current, catalogue)
    if any(s.kind == "strength" for s in slots):
        week = days if days is not None else days_per_week
        strong = strength_days(TRAINING_DAYS[week])
        notes.append(
            Reason(
                "PR-2",
                "Strength days: "
                + ", ".join(WEEKDAYS[d].capitalize() for d in sorted(strong))
                + " (at least 48 h apart).",
            )
        )
    return Checked(tuple(slots), reason, days, minutes, override, tuple(notes))


# --- one slot ------------------------------------------------------------------------


def _slot(
    item: object, where: str, catalogue: Catalogue, standing: Mapping[str, Prescription]
) -> tuple[Exercise, Prescription, bool, str | None]:
    if not isinstance(item, Mapping):
        raise FieldError(where, "expected an object with exercise_id and dose")
    unknown = sorted(str(key) for key in item if key not in SLOT_KEYS)
    if unknown:
        raise FieldError(f"{where}.{unknown[0]}", "unknown key")
    exercise = _exercise(item.get("exercise_id"), f"{where}.exercise_id", catalogue)
    dose = _dose(item.get("dose"), f"{where}.dose", exercise, standing.get(exercise.id))
    locked = item.get("locked", False)
    if locked is None:
        locked = False
    if not isinstance(locked, bool):
        raise FieldError(f"{where}.locked", f"expected true or false, got {locked!r}")
    note = _text(item.get("note"), f"{where}.note", NOTE_MAX, required=False)
    return exercise, dose, locked, note


def _exercise(value: object, field: str, catalogue: Catalogue) -> Exercise:
    if value is None:
        raise FieldError(field, "missing")
    if not isinstance(value, str):
        raise FieldError(field, f"expected an exercise id, got {value!r}")
    exercise = catalogue.exercises.get(value)
    if exercise is None:
        raise FieldError(field, f"unknown exercise id {value[:40]!r}")
    if exercise.category == "avoid" or exercise.dose is None:
        raise FieldError(
            field,
            f"{exercise.name}: on the avoid list, never part of a programme (CL-1).",
        )
    return exercise


def _dose(
    value: object, field: str, exercise: Exercise, standing: Prescription | None = None
) -> Prescription:
    """The prescribed dose, each part inside the exercise's own range or equal to the
    `standing` dose's (what the patient is on now). A part the exercise has but the body
    leaves out starts where the planner would start it."""
    rng = exercise.dose
    assert rng is not None
    if not isinstance(value, Mapping):
        raise FieldError(field, "missing" if value is None else "expected an object")
    unknown = sorted(str(key) for key in value if key not in DOSE_KEYS)
    if unknown:
        raise FieldError(f"{field}.{unknown[0]}", "unknown key")
    name = exercise.name
    if value.get("sets") is None:
        raise FieldError(f"{field}.sets", "missing")
    kept = standing.as_dict() if standing is not None else {}
    sets = _in_range(value["sets"], f"{field}.sets", rng.sets, name, "sets", kept.get("sets"))
    parts: dict[str, int | None] = {}
    for key, part in (
        ("reps", rng.reps),
        ("hold_seconds", rng.hold_seconds),
        ("minutes", rng.minutes),
    ):
        given = value.get(key)
        if part is None:
            if given is not None:
                raise FieldError(f"{field}.{key}", f"{name} has no {_words(key)}: leave it out")
            parts[key] = None
        elif given is None:
            parts[key] = part.min
        else:
            parts[key] = _in_range(given, f"{field}.{key}", part, name, _words(key), kept.get(key))
    load = _load(value.get("load_kg"), f"{field}.load_kg", exercise)
    return Prescription(
        sets=sets,
        reps=parts["reps"],
        hold_seconds=parts["hold_seconds"],
        minutes=parts["minutes"],
        load_kg=load,
        per_side=rng.per_side,
    )


def _words(key: str) -> str:
    return {"hold_seconds": "hold (seconds)", "load_kg": "ankle weight"}.get(key, key)


def _in_range(
    value: object, field: str, allowed: Range, name: str, what: str, standing: object = None
) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldError(field, f"expected a whole number, got {value!r}")
    if not allowed.min <= value <= allowed.max and value != standing:
        raise FieldError(
            field,
            f"{name}: {what} must be from {allowed.min} to {allowed.max} "
            f"(its own range), got {value}",
        )
    return value


def _load(value: object, field: str, exercise: Exercise) -> float | None:
    """An ankle weight in 0.5 kg steps, up to PR-2's home limit, on a loadable exercise."""
    if value is None or (isinstance(value, int | float) and value == 0):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise FieldError(field, f"expected a number of kg, got {value!r}")
    if not exercise.loadable:
        raise FieldError(field, f"{exercise.name} takes no ankle weight: leave it out")
    step, top = rules.PR2_LOAD_STEP_KG, rules.PR2_LOAD_MAX_KG
    if not step <= value <= top:
        raise FieldError(field, f"an ankle weight must be from {step:g} to {top:g} kg, got {value}")
    steps = value / step
    if abs(steps - round(steps)) > 1e-9:
        raise FieldError(
            field, f"use steps of {step:g} kg (the smallest ankle weight), got {value}"
        )
    return round(round(steps) * step, 2)


# --- plain fields ------------------------------------------------------------------


def _text(value: object, field: str, limit: int, *, required: bool) -> str | None:
    if value is None:
        if required:
            raise FieldError(field, "missing: say why, in a few words")
        return None
    if not isinstance(value, str):
        raise FieldError(field, f"expected text, got {value!r}")
    text = " ".join(value.split())
    if not text:
        if required:
            raise FieldError(field, "must not be blank: say why, in a few words")
        return None
    if len(text) > limit:
        raise FieldError(field, f"at most {limit} characters")
    if not text.isprintable():
        raise FieldError(field, "use letters, digits, spaces and punctuation only")
    return text


def _whole_or_none(value: object, field: str, low: int, high: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldError(field, f"expected a whole number from {low} to {high}, got {value!r}")
    if not low <= value <= high:
        raise FieldError(field, f"must be from {low} to {high}, got {value}")
    return value


def _override(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise FieldError("override_pr8", "expected an object with a reason")
    unknown = sorted(str(key) for key in value if key != "reason")
    if unknown:
        raise FieldError(f"override_pr8.{unknown[0]}", "unknown key")
    return _text(value.get("reason"), "override_pr8.reason", REASON_MAX, required=True)


# --- slot ids: keep each ladder's place ---------------------------------------------


def _slots(
    checked: list[tuple[Exercise, Prescription, bool, str | None]],
    current: Sequence[Slot],
    catalogue: Catalogue,
) -> list[Slot]:
    """The new slots. Each keeps the id of the ladder it stands on in the current
    programme (the same exercise first, then one on its ladder), so the engine's record of
    that ladder carries on; a new exercise gets its own id."""
    ids: list[str | None] = [None] * len(checked)
    taken: set[str] = set()
    by_exercise = {s.exercise_id: s.slot for s in current}
    for index, (exercise, *_rest) in enumerate(checked):
        slot_id = by_exercise.get(exercise.id)
        if slot_id is not None and slot_id not in taken:
            ids[index] = slot_id
            taken.add(slot_id)
    for index, (exercise, *_rest) in enumerate(checked):
        if ids[index] is not None:
            continue
        ladder = _ladder(catalogue, exercise.id)
        found = next(
            (s.slot for s in current if s.exercise_id in ladder and s.slot not in taken), None
        )
        if found is None:
            found = exercise.id
            counter = 2
            while found in taken:
                found = f"{exercise.id}-{counter}"
                counter += 1
        ids[index] = found
        taken.add(found)
    return [
        Slot(
            slot=slot_id or exercise.id,
            kind=exercise.category,  # type: ignore[arg-type]  # avoid items were refused
            exercise_id=exercise.id,
            dose=dose,
            note=note,
            locked=locked,
        )
        for slot_id, (exercise, dose, locked, note) in zip(ids, checked, strict=True)
    ]


def _ladder(catalogue: Catalogue, exercise_id: str) -> frozenset[str]:
    """Every exercise linked to this one by named harder or easier versions (a variant
    that adds, like the inner leg raise, is a ladder of its own)."""
    seen = {exercise_id}
    todo = [exercise_id]
    while todo:
        exercise = catalogue.get(todo.pop())
        for other in (*exercise.progressions, *exercise.regressions):
            if other in seen or other in ADDED_VARIANTS or exercise.id in ADDED_VARIANTS:
                continue
            if other in catalogue:
                seen.add(other)
                todo.append(other)
    return frozenset(seen)


# --- a settings change under a prescription ------------------------------------------


def keep_prescribed(
    catalogue: Catalogue,
    equipment: frozenset[str],
    access: frozenset[str],
    current: Sequence[Slot],
) -> tuple[tuple[Slot, ...], tuple[Reason, ...]]:
    """The slots after the patient changes a setting while a prescription stands (CL-1):
    every slot stays as the engine has it (rung, dose, lock, note); the planner adds none.
    One whose equipment the patient no longer lists is left out, saying so."""
    kept: list[Slot] = []
    reasons: list[Reason] = []
    for slot in current:
        exercise = catalogue.get(slot.exercise_id)
        if exercise.needs_met(equipment, access):
            kept.append(slot)
            continue
        reasons.append(
            Reason(
                None,
                f"{exercise.name} left out: it needs equipment you no longer list. "
                "Tell your physiotherapist.",
                slot.slot,
            )
        )
    return tuple(kept), tuple(reasons)
