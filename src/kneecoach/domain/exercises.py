"""The programme content as plain values: exercises, their dose ranges and ladders.

Pure Python. The YAML loader in `kneecoach.content` builds these objects; every
other layer reads them from a `Catalogue`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

Category = Literal["stretch", "strength", "aerobic", "yoga", "avoid"]
CATEGORIES: tuple[Category, ...] = ("stretch", "strength", "aerobic", "yoga", "avoid")

# Where an entry sits on its ladder. The first programme uses only `base` and
# `regression` entries (issue 2, PR-7); `progression` and `late` unlock later.
Level = Literal["base", "regression", "progression", "late", "avoid"]
LEVELS: tuple[Level, ...] = ("base", "regression", "progression", "late", "avoid")

EQUIPMENT: tuple[str, ...] = (
    "strap",
    "towel",
    "belt",
    "ankle-weights",
    "step",
    "stairs",
    "foam-pad",
    "ball",
    "chair",
    "mat",
)
ACCESS: tuple[str, ...] = (
    "stationary-bike",
    "recumbent-bike",
    "elliptical",
    "rowing-machine",
    "pool",
)


@dataclass(frozen=True)
class Range:
    """An inclusive whole-number range, such as 10-15 reps."""

    min: int
    max: int

    def __post_init__(self) -> None:
        if self.min > self.max:
            raise ValueError(f"min {self.min} is greater than max {self.max}")
        if self.min < 0:
            raise ValueError(f"min {self.min} is below zero")

    def as_dict(self) -> dict[str, int]:
        return {"min": self.min, "max": self.max}


@dataclass(frozen=True)
class DoseRange:
    """What the article (or a CLINICAL.md rule) allows for one exercise.

    Seconds are a unit: a stretch is a hold, not "60 reps".
    """

    sets: Range
    reps: Range | None
    hold_seconds: Range | None
    minutes: Range | None
    per_side: bool
    rest_seconds: int
    # Seconds for one repetition without its hold: the lift and the lowering.
    tempo_seconds: int = 4

    def as_dict(self) -> dict[str, object]:
        return {
            "sets": self.sets.as_dict(),
            "reps": self.reps.as_dict() if self.reps else None,
            "hold_seconds": self.hold_seconds.as_dict() if self.hold_seconds else None,
            "minutes": self.minutes.as_dict() if self.minutes else None,
            "per_side": self.per_side,
            "rest_seconds": self.rest_seconds,
            "tempo_seconds": self.tempo_seconds,
        }


@dataclass(frozen=True)
class Need:
    """One piece of equipment an exercise needs; any item of `any_of` will do."""

    any_of: tuple[str, ...]
    optional: bool = False

    def met_by(self, have: Iterable[str]) -> str | None:
        """The first accepted item the person has, or None."""
        owned = set(have)
        return next((item for item in self.any_of if item in owned), None)

    def as_dict(self) -> dict[str, object]:
        return {"any_of": list(self.any_of), "optional": self.optional}


@dataclass(frozen=True)
class Exercise:
    id: str
    name: str
    category: Category
    level: Level
    purpose: str
    steps: tuple[str, ...]
    feel: tuple[str, ...]
    avoid: tuple[str, ...]
    dose: DoseRange | None
    equipment: tuple[Need, ...]
    access: tuple[str, ...]
    targets: tuple[str, ...]
    progressions: tuple[str, ...]
    regressions: tuple[str, ...]
    cautions: tuple[str, ...]
    source: str
    # PR-8: a stretch that pushes the knee inward or opens its inner side.
    valgus_stress: bool = False
    # PR-2: an ankle weight can be added once reps and sets are at the top.
    loadable: bool = False
    why_avoid: str | None = None

    def needs_met(self, equipment: Iterable[str], access: Iterable[str]) -> bool:
        """Whether the person has what this exercise needs (optional items aside)."""
        have = set(equipment)
        if any(need.met_by(have) is None for need in self.equipment if not need.optional):
            return False
        return not self.access or bool(set(self.access) & set(access))

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "category": self.category,
            "level": self.level,
            "purpose": self.purpose,
            "steps": list(self.steps),
            "cues": {"feel": list(self.feel), "avoid": list(self.avoid)},
            "dose": self.dose.as_dict() if self.dose else None,
            "equipment": [need.as_dict() for need in self.equipment],
            "access": list(self.access),
            "targets": list(self.targets),
            "progressions": list(self.progressions),
            "regressions": list(self.regressions),
            "cautions": list(self.cautions),
            "source": self.source,
            "valgus_stress": self.valgus_stress,
            "loadable": self.loadable,
            "why_avoid": self.why_avoid,
        }


@dataclass(frozen=True)
class Catalogue:
    """Every exercise by id, with the ladder links between them."""

    exercises: Mapping[str, Exercise] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Exercise]:
        return iter(self.exercises.values())

    def __len__(self) -> int:
        return len(self.exercises)

    def __contains__(self, exercise_id: object) -> bool:
        return exercise_id in self.exercises

    def get(self, exercise_id: str) -> Exercise:
        try:
            return self.exercises[exercise_id]
        except KeyError:
            raise KeyError(f"unknown exercise id {exercise_id!r}") from None

    def by_category(self, category: Category) -> list[Exercise]:
        return [ex for ex in self if ex.category == category]

    def easiest(self, exercise_id: str) -> Exercise:
        """Follow the named regressions down to the bottom of the ladder."""
        current = self.get(exercise_id)
        seen = {current.id}
        while current.regressions:
            nxt = self.get(current.regressions[0])
            if nxt.id in seen:
                break
            seen.add(nxt.id)
            current = nxt
        return current
