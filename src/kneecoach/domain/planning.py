"""The planner: a person's profile becomes a safe, time-boxed weekly programme.

Pure Python. The design choices (tempo, rests, which work is shortened or
dropped first to fit the time) are the constants below and are described in
docs/planning.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, Literal, Protocol

from kneecoach.domain import rules
from kneecoach.domain.errors import FieldError
from kneecoach.domain.exercises import ACCESS, EQUIPMENT, Catalogue, Exercise
from kneecoach.domain.screening import ScreeningError, Triage, screen, with_intake_pain

WEEKDAYS: tuple[str, ...] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
CONDITIONS: tuple[str, ...] = (
    "bursitis",
    "osteoarthritis",
    "patellofemoral-pain",
    "mcl-injury",
    "unknown",
)
Phase = Literal["warm-up", "strength", "aerobic", "cool-down"]
PHASES: tuple[Phase, ...] = ("warm-up", "strength", "aerobic", "cool-down")

# Training days for each `days_per_week`, spread through the week (design choice).
TRAINING_DAYS: dict[int, tuple[int, ...]] = {
    1: (0,),
    2: (0, 3),
    3: (0, 2, 4),
    4: (0, 1, 3, 5),
    5: (0, 1, 2, 4, 5),
    6: (0, 1, 2, 3, 4, 5),
    7: (0, 1, 2, 3, 4, 5, 6),
}


def is_training_day(days_per_week: int, day: date) -> bool:
    """Whether `day` is one of the week's training days for `days_per_week`."""
    return day.weekday() in TRAINING_DAYS[days_per_week]


def training_days_between(days_per_week: int, first: date, last: date) -> int:
    """How many training days from `first` to `last`, both included (0 if last < first)."""
    span = (last - first).days + 1
    return sum(is_training_day(days_per_week, first + timedelta(days=n)) for n in range(span))


def next_training_day(days_per_week: int, day: date) -> date:
    """The first training day after `day` (within the next 7 days: there always is one)."""
    return next(
        day + timedelta(days=n)
        for n in range(1, 8)
        if is_training_day(days_per_week, day + timedelta(days=n))
    )


# PR-2: at least 48 h between strength sessions; ACSM: 2-3 strength days a week.
MIN_STRENGTH_GAP_DAYS = rules.PR2_MIN_STRENGTH_GAP_DAYS
MAX_STRENGTH_DAYS = rules.PR2_MAX_STRENGTH_DAYS

# PM-1: pain above this is outside the acceptable zone: a gentle programme only.
GENTLE_ABOVE_PAIN = rules.GENTLE_ABOVE_PAIN
# Article: ice or heat around the session helps when stretches are hard to bear.
ICE_HEAT_FROM_PAIN = 4
# PR-3: every stretch starts at a total hold of at least this many seconds.
STRETCH_TOTAL_SECONDS = rules.PR3_STRETCH_TOTAL_SECONDS

# Time model (design choices, docs/planning.md).
SWITCH_SECONDS = 10  # changing side once per set of a per-side exercise
TRANSITION_SECONDS = 20  # getting into place for the next exercise
MINUTES_RANGE = (10, 180)

# Order of importance inside each block: the last one is dropped first.
STRETCH_ORDER = (
    "supine-hamstring-stretch",
    "inner-thigh-stretch",
    "seated-butterfly-stretch",
    "side-lunge-stretch",
)
# Hip and thigh strength first: hip weakness is a main driver of inner knee pain.
STRENGTH_ORDER = (
    "bridge",
    "lateral-leg-raise",
    "seated-straight-leg-raise",
    "step-up",
    "double-knee-to-chest",
)
AEROBIC_ORDER = ("walking", "stationary-cardio", "pool-exercise")
YOGA_ORDER = ("cat-cow", "childs-pose")
STEP_UP_FAMILY = frozenset({"step-up", "step-up-foam-pad", "step-up-high"})
HAND_PRESSURE_STRETCH = "seated-butterfly-stretch"

DISCLAIMER = (
    "kneecoach gives general exercise guidance. It is not a diagnosis and does not "
    "replace a doctor or physiotherapist."
)
STOP_RULES = (
    "Stop the exercise if the pain is sharp, or keeps rising while you do it.",
    "Stop if your knee gives way.",
    "Stop if your knee swells up in a new way.",
)


class ProfileError(FieldError):
    """A profile field is missing or wrong. `field` names it."""


@dataclass(frozen=True)
class Profile:
    pain_now: int
    side: Literal["left", "right", "both"]
    equipment: frozenset[str]
    access: frozenset[str]
    minutes_per_session: int
    days_per_week: int
    screening: Mapping[str, object]
    conditions: frozenset[str] = frozenset()
    units: Literal["metric", "imperial"] = "metric"


@dataclass(frozen=True)
class Prescription:
    """A concrete dose: what the person does today."""

    sets: int
    reps: int | None
    hold_seconds: int | None
    minutes: int | None
    load_kg: float | None
    per_side: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "sets": self.sets,
            "reps": self.reps,
            "hold_seconds": self.hold_seconds,
            "minutes": self.minutes,
            "load_kg": self.load_kg,
            "per_side": self.per_side,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Prescription:
        return cls(
            sets=int(raw["sets"]),
            reps=raw.get("reps"),
            hold_seconds=raw.get("hold_seconds"),
            minutes=raw.get("minutes"),
            load_kg=raw.get("load_kg"),
            per_side=bool(raw["per_side"]),
        )


@dataclass(frozen=True)
class Item:
    exercise_id: str
    dose: Prescription
    note: str | None = None
    # The ladder this item stands on (stable while the exercise itself moves up or down).
    slot: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "exercise_id": self.exercise_id,
            "dose": self.dose.as_dict(),
            "note": self.note,
            "slot": self.slot,
        }


@dataclass(frozen=True)
class Slot:
    """One place in the programme: a ladder, the rung the person is on, and its dose.

    `slot` is the ladder's id from the first plan (e.g. `step-up`); `exercise_id`
    moves along the ladder as the programme progresses or regresses.
    """

    slot: str
    kind: Literal["stretch", "strength", "aerobic", "yoga"]
    exercise_id: str
    dose: Prescription
    note: str | None = None
    paused: bool = False
    # CL-2: a physiotherapist locked this exercise; the engine never progresses it (the
    # pain rules still stop and regress it).
    locked: bool = False

    def item(self) -> Item:
        return Item(self.exercise_id, self.dose, self.note, self.slot)

    def as_dict(self) -> dict[str, object]:
        return {
            "slot": self.slot,
            "kind": self.kind,
            "exercise_id": self.exercise_id,
            "dose": self.dose.as_dict(),
            "note": self.note,
            "paused": self.paused,
            "locked": self.locked,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Slot:
        return cls(
            slot=raw["slot"],
            kind=raw["kind"],
            exercise_id=raw["exercise_id"],
            dose=Prescription.from_dict(raw["dose"]),
            note=raw.get("note"),
            paused=bool(raw.get("paused", False)),
            locked=bool(raw.get("locked", False)),
        )


@dataclass(frozen=True)
class Block:
    phase: Phase
    items: tuple[Item, ...]

    def as_dict(self) -> dict[str, object]:
        return {"phase": self.phase, "items": [item.as_dict() for item in self.items]}


@dataclass(frozen=True)
class Session:
    weekday: str
    strength_day: bool
    blocks: tuple[Block, ...]
    estimated_seconds: int

    @property
    def estimated_minutes(self) -> int:
        return math.ceil(self.estimated_seconds / 60)

    def as_dict(self) -> dict[str, object]:
        return {
            "weekday": self.weekday,
            "strength_day": self.strength_day,
            "estimated_minutes": self.estimated_minutes,
            "blocks": [block.as_dict() for block in self.blocks],
        }


@dataclass(frozen=True)
class Reason:
    """Why the planner did something, with the rule id and the numbers."""

    # A CLINICAL.md rule id, or None for a practical reason (equipment).
    rule: str | None
    message: str
    exercise_id: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {"rule": self.rule, "message": self.message, "exercise_id": self.exercise_id}


@dataclass(frozen=True)
class Programme:
    triage: Triage
    warnings: tuple[str, ...]
    reasons: tuple[Reason, ...]
    sessions: tuple[Session, ...] = ()
    gentle: bool = False
    slots: tuple[Slot, ...] = ()
    # PR-8 left the valgus-stressing stretches out of this programme.
    valgus_ban: bool = False

    @property
    def refer(self) -> bool:
        return self.triage.stops_programme

    @property
    def estimated_minutes(self) -> int:
        return max((s.estimated_minutes for s in self.sessions), default=0)

    def as_dict(self) -> dict[str, object]:
        return {
            "refer": self.refer,
            "urgency": self.triage.urgency,
            "warnings": list(self.warnings),
            "estimated_minutes": self.estimated_minutes,
            "sessions": [s.as_dict() for s in self.sessions],
            "gentle": self.gentle,
            "reasons": [r.as_dict() for r in self.reasons],
            "screening": self.triage.as_dict(),
            "disclaimer": DISCLAIMER,
            "stop_rules": list(STOP_RULES),
            "slots": [slot.as_dict() for slot in self.slots],
        }


# --- profile -----------------------------------------------------------------

PROFILE_KEYS = frozenset(
    {
        "pain_now",
        "side",
        "equipment",
        "access",
        "minutes_per_session",
        "days_per_week",
        "conditions",
        "units",
        "screening",
    }
)


def _whole(raw: Mapping[str, object], key: str, low: int, high: int) -> int:
    if key not in raw:
        raise ProfileError(key, "missing")
    value = raw[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProfileError(key, f"expected a whole number from {low} to {high}, got {value!r}")
    if not low <= value <= high:
        raise ProfileError(key, f"must be from {low} to {high}, got {value}")
    return value


def _ids(
    raw: Mapping[str, object], key: str, allowed: tuple[str, ...], *, required: bool
) -> frozenset[str]:
    if key not in raw:
        if required:
            raise ProfileError(key, "missing (use [] for none)")
        return frozenset()
    value = raw[key]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ProfileError(key, "expected a list of ids")
    for v in value:
        if v not in allowed:
            raise ProfileError(key, f"unknown id {v!r}; allowed: {', '.join(allowed)}")
    return frozenset(value)


def _choice(
    raw: Mapping[str, object], key: str, allowed: tuple[str, ...], default: str | None
) -> str:
    if key not in raw:
        if default is None:
            raise ProfileError(key, "missing")
        return default
    value = raw[key]
    if value not in allowed:
        raise ProfileError(key, f"expected one of {', '.join(allowed)}, got {value!r}")
    return str(value)


def parse_profile(raw: object) -> Profile:
    """Validate a profile object (the `plan --profile` file); errors name the field."""
    if not isinstance(raw, Mapping):
        raise ProfileError("profile", "expected an object")
    unknown = sorted(set(raw) - PROFILE_KEYS)
    if unknown:
        raise ProfileError(unknown[0], "unknown key")
    screening = raw.get("screening")
    if "screening" not in raw:
        raise ProfileError("screening", "missing (the answers object of `kneecoach screen`)")
    if not isinstance(screening, Mapping):
        raise ProfileError("screening", "expected an object of answers")
    side = _choice(raw, "side", ("left", "right", "both"), None)
    units = _choice(raw, "units", ("metric", "imperial"), "metric")
    return Profile(
        pain_now=_whole(raw, "pain_now", 0, 10),
        side=side,  # type: ignore[arg-type]
        equipment=_ids(raw, "equipment", EQUIPMENT, required=True),
        access=_ids(raw, "access", ACCESS, required=True),
        minutes_per_session=_whole(raw, "minutes_per_session", *MINUTES_RANGE),
        days_per_week=_whole(raw, "days_per_week", 1, 7),
        conditions=_ids(raw, "conditions", CONDITIONS, required=False),
        units=units,  # type: ignore[arg-type]
        screening=screening,
    )


class Person(Protocol):
    """What choosing the exercises needs to know about a person (a `Profile` has it)."""

    @property
    def pain_now(self) -> int: ...

    @property
    def equipment(self) -> frozenset[str]: ...

    @property
    def access(self) -> frozenset[str]: ...


# --- doses and time --------------------------------------------------------------


def starting_dose(exercise: Exercise) -> Prescription:
    """The conservative start of an exercise's dose range (PR-3 for stretches)."""
    dose = exercise.dose
    if dose is None:
        raise ValueError(f"{exercise.id} is not prescribable")
    sets = dose.sets.min
    hold = dose.hold_seconds.min if dose.hold_seconds else None
    if exercise.category == "stretch" and hold:
        # PR-3: a total of at least 60 s, e.g. 2 x 30 s or 3 x 20 s.
        sets = min(dose.sets.max, max(sets, math.ceil(STRETCH_TOTAL_SECONDS / hold)))
        if sets * hold < STRETCH_TOTAL_SECONDS and dose.hold_seconds:
            hold = min(dose.hold_seconds.max, math.ceil(STRETCH_TOTAL_SECONDS / sets))
    return Prescription(
        sets=sets,
        reps=dose.reps.min if dose.reps else None,
        hold_seconds=hold,
        minutes=dose.minutes.min if dose.minutes else None,
        load_kg=None,
        per_side=dose.per_side,
    )


def item_seconds(exercise: Exercise, dose: Prescription) -> int:
    """Estimated time for one item: work, holds, side switches, rests, getting into place."""
    tempo = exercise.dose.tempo_seconds if exercise.dose else 0
    rest = exercise.dose.rest_seconds if exercise.dose else 0
    if dose.minutes is not None:
        per_set = dose.minutes * 60
    elif dose.reps is not None:
        per_set = dose.reps * (tempo + (dose.hold_seconds or 0))
    else:
        per_set = (dose.hold_seconds or 0) + tempo
    sides = 2 if dose.per_side else 1
    switches = SWITCH_SECONDS * dose.sets if dose.per_side else 0
    return dose.sets * sides * per_set + switches + rest * (dose.sets - 1) + TRANSITION_SECONDS


# --- choosing the exercises ----------------------------------------------------------


@dataclass
class _Choice:
    slots: list[Slot] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)


def strength_days(days: tuple[int, ...]) -> tuple[int, ...]:
    """Pick up to 3 strength days, each at least 48 h from the next, the week wrapping (PR-2)."""
    chosen: list[int] = []
    for day in days:
        if len(chosen) == MAX_STRENGTH_DAYS:
            break
        gaps = [min((day - c) % 7, (c - day) % 7) for c in chosen]
        if all(gap >= MIN_STRENGTH_GAP_DAYS for gap in gaps):
            chosen.append(day)
    return tuple(chosen)


def _first_available(
    catalogue: Catalogue, ids: tuple[str, ...], profile: Person
) -> Exercise | None:
    for exercise_id in ids:
        exercise = catalogue.get(exercise_id)
        if exercise.needs_met(profile.equipment, profile.access):
            return exercise
    return None


def _equipment_note(exercise: Exercise, profile: Person) -> str | None:
    """Name the stand-in the person will use, e.g. a towel for the strap."""
    for need in exercise.equipment:
        used = need.met_by(profile.equipment)
        if used and used != need.any_of[0] and not need.optional:
            return f"Use your {used} in place of a {need.any_of[0]}."
    return None


def _choose(catalogue: Catalogue, profile: Person, *, gentle: bool, valgus_ban: bool) -> _Choice:
    choice = _Choice()
    for stretch_id in STRETCH_ORDER:
        exercise = catalogue.get(stretch_id)
        if gentle and stretch_id == "side-lunge-stretch":
            choice.reasons.append(
                Reason(
                    "PM-1",
                    f"Pain {profile.pain_now}/10 is above {GENTLE_ABOVE_PAIN}: "
                    "no side lunge stretch in a gentle programme.",
                    stretch_id,
                )
            )
            continue
        if valgus_ban and exercise.valgus_stress:
            choice.reasons.append(
                Reason(
                    "PR-8",
                    f"{exercise.name} opens the inner knee: left out for the "
                    "first 14 days after a recent or MCL injury.",
                    stretch_id,
                )
            )
            continue
        if not exercise.needs_met(profile.equipment, profile.access):
            choice.reasons.append(
                Reason(None, f"{exercise.name} needs a strap, towel or belt.", stretch_id)
            )
            continue
        note = _equipment_note(exercise, profile)
        if valgus_ban and stretch_id == HAND_PRESSURE_STRETCH:
            note = "No hand pressure on your thighs for now (PR-8)."
        choice.slots.append(Slot(stretch_id, "stretch", stretch_id, starting_dose(exercise), note))

    for base_id in STRENGTH_ORDER:
        base = catalogue.get(base_id)
        if gentle and base_id in STEP_UP_FAMILY:
            choice.reasons.append(
                Reason(
                    "PM-1",
                    f"Pain {profile.pain_now}/10 is above {GENTLE_ABOVE_PAIN}: "
                    "no step-ups in a gentle programme.",
                    base_id,
                )
            )
            continue
        ladder = (catalogue.easiest(base_id).id,) if gentle else (base_id, *base.regressions)
        chosen = _first_available(catalogue, ladder, profile)
        if chosen is None:
            choice.reasons.append(
                Reason(
                    None,
                    f"{base.name} left out: it needs equipment you do not have "
                    "(a step, stairs or a foam pad).",
                    base_id,
                )
            )
            continue
        if chosen.id != base_id:
            why = (
                f"PM-1: pain {profile.pain_now}/10, so the easiest version"
                if gentle
                else "Fits the equipment you have"
            )
            choice.reasons.append(
                Reason(
                    "PM-1" if gentle else None,
                    f"{why}: {chosen.name} in place of {base.name}.",
                    chosen.id,
                )
            )
        choice.slots.append(
            Slot(
                base_id,
                "strength",
                chosen.id,
                starting_dose(chosen),
                _equipment_note(chosen, profile),
            )
        )

    if gentle:
        choice.reasons.append(
            Reason(
                "PM-1",
                f"Pain {profile.pain_now}/10 is above {GENTLE_ABOVE_PAIN}: "
                "stretches and the easiest strength moves only, no aerobic block or yoga.",
            )
        )
        return choice
    for aerobic_id in AEROBIC_ORDER:
        exercise = catalogue.get(aerobic_id)
        if exercise.needs_met(profile.equipment, profile.access):
            choice.slots.append(
                Slot(
                    aerobic_id,
                    "aerobic",
                    aerobic_id,
                    starting_dose(exercise),
                    _aerobic_note(aerobic_id, profile),
                )
            )
    for yoga_id in YOGA_ORDER:
        exercise = catalogue.get(yoga_id)
        if exercise.needs_met(profile.equipment, profile.access):
            choice.slots.append(Slot(yoga_id, "yoga", yoga_id, starting_dose(exercise)))
    return choice


def full_slots(catalogue: Catalogue, person: Person, *, valgus_ban: bool) -> tuple[Slot, ...]:
    """PR-9: every slot of the full (not gentle) programme, at its start, in plan order."""
    return tuple(_choose(catalogue, person, gentle=False, valgus_ban=valgus_ban).slots)


_MACHINE_NAMES = {
    "recumbent-bike": "recumbent bike",
    "stationary-bike": "exercise bike",
    "elliptical": "elliptical trainer",
    "rowing-machine": "rowing machine",
}


def _aerobic_note(aerobic_id: str, profile: Person) -> str | None:
    if aerobic_id != "stationary-cardio":
        return None
    machines = [name for key, name in _MACHINE_NAMES.items() if key in profile.access]
    if not machines:
        return "No machine needed: sit on a chair and move your legs and arms at a steady pace."
    return f"Use the {' or '.join(machines)}: whichever your knee likes best."


# --- building the week ---------------------------------------------------------------


def _session_seconds(catalogue: Catalogue, blocks: dict[Phase, list[Item]]) -> int:
    return sum(
        item_seconds(catalogue.get(item.exercise_id), item.dose)
        for items in blocks.values()
        for item in items
    )


def _build_session(
    catalogue: Catalogue,
    slots: tuple[Slot, ...],
    weekday: int,
    strength_day: bool,
    aerobic_index: int,
    limit_seconds: int,
    rotation: int = 0,
) -> Session:
    def kind(name: str) -> list[Item]:
        return [s.item() for s in slots if s.kind == name and not s.paused]

    stretches, strength, aerobic, yoga = (
        kind("stretch"),
        kind("strength"),
        kind("aerobic"),
        kind("yoga"),
    )
    blocks: dict[Phase, list[Item]] = {
        "warm-up": list(stretches),
        "strength": list(strength) if strength_day else [],
        "aerobic": [aerobic[aerobic_index % len(aerobic)]] if aerobic else [],
        "cool-down": [*stretches, *yoga],
    }
    # Drop order (design choice, docs/planning.md): the cool-down repeats of the
    # stretches, then yoga, then (strength days) the aerobic block, then warm-up
    # stretches beyond the first, then strength work from the least important; on other
    # days the aerobic block goes before the last two stretches.
    drops: list[tuple[Phase, str]] = [
        *[("cool-down", i.exercise_id) for i in reversed(stretches)],
        *[("cool-down", i.exercise_id) for i in reversed(yoga)],
    ]
    if strength_day:
        drops += [("aerobic", i.exercise_id) for i in blocks["aerobic"]]
        drops += [("warm-up", i.exercise_id) for i in reversed(stretches[1:])]
        # When not every strength move fits, each strength day drops different ones,
        # so none is left out of the whole week (the most important one always stays).
        rest = strength[1:]
        if rest:
            turn = rotation % len(rest)
            rest = rest[turn:] + rest[:turn]
        drops += [("strength", i.exercise_id) for i in reversed(rest)]
        drops += [("warm-up", i.exercise_id) for i in stretches[:1]]
    else:
        drops += [("warm-up", i.exercise_id) for i in reversed(stretches[2:])]
        drops += [("aerobic", i.exercise_id) for i in blocks["aerobic"]]
        drops += [("warm-up", i.exercise_id) for i in reversed(stretches[1:2])]
    seconds = _session_seconds(catalogue, blocks)
    for phase, exercise_id in drops:
        if seconds <= limit_seconds:
            break
        dropped = [i for i in blocks[phase] if i.exercise_id == exercise_id]
        seconds -= _session_seconds(catalogue, {phase: dropped})
        blocks[phase] = [i for i in blocks[phase] if i.exercise_id != exercise_id]
    return Session(
        weekday=WEEKDAYS[weekday],
        strength_day=strength_day and bool(blocks["strength"]),
        blocks=tuple(Block(phase, tuple(blocks[phase])) for phase in PHASES if blocks[phase]),
        estimated_seconds=seconds,
    )


def build_week(
    catalogue: Catalogue, slots: tuple[Slot, ...], days_per_week: int, minutes_per_session: int
) -> tuple[Session, ...]:
    """Lay the slots out over the training days, each session fitted to the time (PR-2)."""
    days = TRAINING_DAYS[days_per_week]
    strong = set(strength_days(days))
    sessions = []
    aerobic_index = 0
    strength_index = 0
    for day in days:
        session = _build_session(
            catalogue,
            slots,
            day,
            day in strong,
            aerobic_index,
            minutes_per_session * 60,
            rotation=strength_index,
        )
        strength_index += day in strong
        if any(block.phase == "aerobic" for block in session.blocks):
            aerobic_index += 1
        sessions.append(session)
    return tuple(sessions)


def plan(profile: Profile, catalogue: Catalogue) -> Programme:
    """Screen, then build the first weekly programme (issue 2; CLINICAL PR-1..PR-8, PM-1)."""
    try:
        triage = screen(profile.screening)
    except ScreeningError as error:
        raise ProfileError(f"screening.{error.field}", str(error).split(": ", 1)[1]) from None
    triage = with_intake_pain(triage, profile.pain_now)  # PM-5

    warnings: list[str] = []
    if triage.stops_programme:
        warnings.append(f"No exercise programme for now. {triage.advice}")
        warnings += [f"{flag.rule}: {flag.message}" for flag in triage.flags]
        return Programme(triage=triage, warnings=tuple(warnings), reasons=())

    if triage.urgency == "soon":
        warnings.append(triage.advice)
        warnings += [f"{flag.rule}: {flag.message}" for flag in triage.flags]

    gentle = profile.pain_now > GENTLE_ABOVE_PAIN
    mcl = "mcl-injury" in profile.conditions
    valgus_ban = triage.recent_injury or mcl
    if gentle:
        warnings.append(
            f"PM-1: your pain score is {profile.pain_now}/10, above {GENTLE_ABOVE_PAIN}. "
            "This is a gentle programme: stretches and the easiest moves only."
        )
    if valgus_ban:
        cause = "a knee injury in the last 7 days" if triage.recent_injury else "an MCL injury"
        warnings.append(
            f"PR-8: with {cause}, the first 14 days leave out the inner-thigh and side lunge "
            "stretches, and the butterfly is done without hand pressure."
        )
    if profile.pain_now >= ICE_HEAT_FROM_PAIN:
        warnings.append(
            f"Pain {profile.pain_now}/10: if stretching is hard to bear, an ice pack or a warm "
            "pack on the knee before and after the session can help (about 10-15 minutes)."
        )

    choice = _choose(catalogue, profile, gentle=gentle, valgus_ban=valgus_ban)
    slots = tuple(choice.slots)
    sessions = build_week(catalogue, slots, profile.days_per_week, profile.minutes_per_session)
    strong = strength_days(TRAINING_DAYS[profile.days_per_week])
    reasons = [
        *choice.reasons,
        Reason(
            "PR-2",
            "Strength days: "
            + ", ".join(WEEKDAYS[d].capitalize() for d in sorted(strong))
            + " (at least 48 h apart, also from Sunday to Monday).",
        ),
        Reason(
            "PR-3", f"Each stretch starts at a total hold of at least {STRETCH_TOTAL_SECONDS} s."
        ),
        Reason(
            "PR-1",
            "The first week uses the base moves and their easier versions at the "
            "start of each dose. Harder versions come after two good sessions in a row "
            "(PR-1); late ones after 14 days with pain 2/10 or less (PR-7).",
        ),
    ]
    return Programme(
        triage=triage,
        warnings=tuple(warnings),
        reasons=tuple(reasons),
        sessions=sessions,
        gentle=gentle,
        slots=slots,
        valgus_ban=valgus_ban,
    )


def replan(
    catalogue: Catalogue,
    profile: Profile,
    current: tuple[Slot, ...],
    *,
    valgus_ban: bool,
    gentle: bool | None = None,
) -> tuple[tuple[Slot, ...], tuple[Reason, ...]]:
    """New slots after a settings change: keep every ladder's progress where it still fits.

    A slot whose exercise the new equipment still allows keeps its rung and dose; one
    it no longer allows starts again from the planner's choice for that ladder; ladders
    the new equipment opens up are added at their start; ladders it closes are dropped.
    """
    if gentle is None:  # PR-9: pass the course's own flag once the gentle programme opened
        gentle = profile.pain_now > GENTLE_ABOVE_PAIN
    fresh = _choose(catalogue, profile, gentle=gentle, valgus_ban=valgus_ban).slots
    now = {s.slot: s for s in current}
    slots: list[Slot] = []
    reasons: list[Reason] = []
    for new in fresh:
        old = now.get(new.slot)
        if old is not None and catalogue.get(old.exercise_id).needs_met(
            profile.equipment, profile.access
        ):
            slots.append(replace(old, note=new.note))
            continue
        name = catalogue.get(new.exercise_id).name
        if old is None:
            reasons.append(Reason(None, f"{name} added: it fits your new equipment.", new.slot))
        else:
            was = catalogue.get(old.exercise_id).name
            reasons.append(
                Reason(None, f"{name} in place of {was}: it fits your new equipment.", new.slot)
            )
        slots.append(new)
    kept = {s.slot for s in slots}
    for old in current:
        if old.slot not in kept:
            name = catalogue.get(old.exercise_id).name
            reasons.append(
                Reason(None, f"{name} left out: it needs equipment you no longer list.", old.slot)
            )
    return tuple(slots), tuple(reasons)
