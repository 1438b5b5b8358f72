"""The content's schema: each YAML file validated with pydantic, then the links between them.

A bad file fails loudly, naming the file and the field, so a typo in a dose
never reaches a person. `kneecoach.content.loader` calls this when its cache
of the validated catalogue is missing or out of date.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kneecoach.content.errors import ContentError
from kneecoach.domain.exercises import (
    ACCESS,
    EQUIPMENT,
    Catalogue,
    DoseRange,
    Exercise,
    Need,
    Range,
)

# libyaml's safe loader when PyYAML was built with it (about ten times faster).
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Text = Annotated[str, Field(min_length=1)]
Id = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class _Range(_Strict):
    min: Annotated[int, Field(ge=0)]
    max: Annotated[int, Field(ge=0)]

    @model_validator(mode="after")
    def _ordered(self) -> _Range:
        if self.min > self.max:
            raise ValueError(f"min {self.min} is greater than max {self.max}")
        return self


class _Dose(_Strict):
    sets: _Range
    reps: _Range | None = None
    hold_seconds: _Range | None = None
    minutes: _Range | None = None
    per_side: bool
    rest_seconds: Annotated[int, Field(ge=0, le=600)]
    tempo_seconds: Annotated[int, Field(ge=1, le=20)] = 4

    @model_validator(mode="after")
    def _measured(self) -> _Dose:
        if not (self.reps or self.hold_seconds or self.minutes):
            raise ValueError("a dose needs reps, hold_seconds or minutes")
        if self.sets.min < 1:
            raise ValueError("sets.min must be at least 1")
        return self


class _Need(_Strict):
    any_of: Annotated[list[Literal[EQUIPMENT]], Field(min_length=1)]  # type: ignore[valid-type]
    optional: bool = False


class _Cues(_Strict):
    feel: list[Text]
    avoid: list[Text]


class _Entry(_Strict):
    id: Id
    name: Text
    category: Literal["stretch", "strength", "aerobic", "yoga", "avoid"]
    level: Literal["base", "regression", "progression", "late", "avoid"]
    purpose: Text
    steps: Annotated[list[Text], Field(min_length=3, max_length=8)]
    cues: _Cues
    dose: _Dose | None
    equipment: list[_Need]
    access: list[Literal[ACCESS]] = []  # type: ignore[valid-type]
    targets: list[Text]
    progressions: list[Id]
    regressions: list[Id]
    cautions: list[Text]
    source: Text
    valgus_stress: bool = False
    loadable: bool = False
    why_avoid: Text | None = None


def _field_of(error: ValidationError) -> tuple[str, str]:
    first = error.errors()[0]
    loc = ".".join(str(part) for part in first["loc"]) or "(file)"
    if not first["loc"] and first["type"] == "model_type":
        return loc, "expected a mapping of fields"
    return loc, first["msg"]


def _check_consistent(path: Path, entry: _Entry) -> None:
    is_avoid = entry.category == "avoid"
    if is_avoid != (entry.level == "avoid"):
        raise ContentError(path, "level", "category 'avoid' goes with level 'avoid', and only it")
    if is_avoid and entry.dose is not None:
        raise ContentError(path, "dose", "an avoid item has no dose (dose: null)")
    if not is_avoid and entry.dose is None:
        raise ContentError(path, "dose", "required for every exercise that can be prescribed")
    if is_avoid and not entry.why_avoid:
        raise ContentError(path, "why_avoid", "required for an avoid item")


def parse_entry(path: Path, raw: Any) -> Exercise:
    """Validate one parsed YAML document and turn it into an `Exercise`."""
    try:
        entry = _Entry.model_validate(raw)
    except ValidationError as error:
        field, problem = _field_of(error)
        raise ContentError(path, field, problem) from None
    if entry.id != path.stem:
        raise ContentError(path, "id", f"{entry.id!r} does not match the file name {path.stem!r}")
    _check_consistent(path, entry)
    dose = None
    if entry.dose is not None:
        d = entry.dose
        dose = DoseRange(
            sets=Range(d.sets.min, d.sets.max),
            reps=Range(d.reps.min, d.reps.max) if d.reps else None,
            hold_seconds=Range(d.hold_seconds.min, d.hold_seconds.max) if d.hold_seconds else None,
            minutes=Range(d.minutes.min, d.minutes.max) if d.minutes else None,
            per_side=d.per_side,
            rest_seconds=d.rest_seconds,
            tempo_seconds=d.tempo_seconds,
        )
    return Exercise(
        id=entry.id,
        name=entry.name,
        category=entry.category,
        level=entry.level,
        purpose=entry.purpose,
        steps=tuple(entry.steps),
        feel=tuple(entry.cues.feel),
        avoid=tuple(entry.cues.avoid),
        dose=dose,
        equipment=tuple(Need(tuple(n.any_of), n.optional) for n in entry.equipment),
        access=tuple(entry.access),
        targets=tuple(entry.targets),
        progressions=tuple(entry.progressions),
        regressions=tuple(entry.regressions),
        cautions=tuple(entry.cautions),
        source=entry.source,
        valgus_stress=entry.valgus_stress,
        loadable=entry.loadable,
        why_avoid=entry.why_avoid,
    )


def _check_links(paths: dict[str, Path], catalogue: dict[str, Exercise]) -> None:
    for ex in catalogue.values():
        for field in ("progressions", "regressions"):
            for index, target in enumerate(getattr(ex, field)):
                if target not in catalogue:
                    raise ContentError(
                        paths[ex.id], f"{field}.{index}", f"links to unknown id {target!r}"
                    )
                if target == ex.id:
                    raise ContentError(paths[ex.id], f"{field}.{index}", "links to itself")


def load_directory(directory: Path) -> Catalogue:
    """Load every `*.yaml` in `directory`, validating each file and the links between them."""
    paths: dict[str, Path] = {}
    catalogue: dict[str, Exercise] = {}
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise ContentError(directory, "(directory)", "no exercise files found")
    for path in files:
        try:
            raw = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
        except (OSError, UnicodeDecodeError) as error:
            raise ContentError(path, "(file)", f"cannot be read: {error}") from None
        except yaml.YAMLError as error:
            raise ContentError(path, "(file)", f"is not valid YAML: {error}") from None
        exercise = parse_entry(path, raw)
        if exercise.id in catalogue:
            raise ContentError(path, "id", f"{exercise.id!r} is defined twice")
        paths[exercise.id] = path
        catalogue[exercise.id] = exercise
    _check_links(paths, catalogue)
    return Catalogue(catalogue)
