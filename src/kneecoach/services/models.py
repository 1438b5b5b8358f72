"""Typed input: what people and scripts send, as pydantic models (`*Create`).

These models are the one check of a session log, a PSFS answer, a check-in or a
clearance: the services validate with them (`services/validation.py`, which names the
field of any error, e.g. `entries.0.sets.1.pain`) and the API documents its request
bodies with them (`web/api/models.py`, `/openapi.json`). Every rule a schema can hold
is here (enums, minimum and maximum, lengths, required fields, no unknown keys, no "5"
for 5 and no 1 for true). Two rules need what the server knows and come as context:
`catalogue`, for an exercise id to do (the shipped catalogue when none is given), and
`today`, for the date window (without it only the format is checked).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, get_args, get_type_hints

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetPydanticSchema,
    StringConstraints,
    TypeAdapter,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    WrapValidator,
    create_model,
)
from pydantic_core import PydanticCustomError, core_schema

from kneecoach.content.loader import load_catalogue
from kneecoach.domain.dates import WINDOW_WORDS, parse_day, parse_iso_day
from kneecoach.domain.errors import FieldError
from kneecoach.domain.exercises import ACCESS, EQUIPMENT, Catalogue
from kneecoach.domain.planning import CONDITIONS, MINUTES_RANGE, Profile
from kneecoach.domain.screening import QUESTIONS

# The limits on what one request or command may send (docs/cli.md).
CLIENT_ID_MAX = 200
MAX_SETS = 20
# More entries than this is not a session: the same exercise may come twice, not dozens of times.
MAX_ENTRIES = 60
MAX_NAME = 200
MAX_NOTE = 2000
MAX_ACTIVITIES = 3

DATE_RULE = f"A date written YYYY-MM-DD, {WINDOW_WORDS} (checked by the server)."
# The schema's pattern: ASCII digits, as a JSON Schema (ECMA) regex reads it. The server
# agrees: `domain.dates.parse_iso_day` takes no other digits, and no trailing newline.
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"

# --- enums ---------------------------------------------------------------------------

CATALOGUE = load_catalogue()
# A session logs only exercises to do: the `avoid` entries are advice, not exercises.
DOABLE_IDS: tuple[str, ...] = tuple(ex.id for ex in CATALOGUE if ex.category != "avoid")
SIDES: tuple[str, ...] = get_args(get_type_hints(Profile)["side"])
UNITS: tuple[str, ...] = get_args(get_type_hints(Profile)["units"])


def str_enum(name: str, values: tuple[str, ...], doc: str) -> type[StrEnum]:
    """An enum of the schema (a component of `/openapi.json`) made from a vocabulary."""
    made = StrEnum(name, [(value, value) for value in values])  # type: ignore[misc]
    made.__doc__ = doc
    return made


if TYPE_CHECKING:
    DoableExerciseId = str
    Equipment = str
    Access = str
    Side = str
    Units = str
    Condition = str
else:
    DoableExerciseId = str_enum(
        "DoableExerciseId", DOABLE_IDS, "An exercise to do (not one of the `avoid` entries)."
    )
    Equipment = str_enum("Equipment", EQUIPMENT, "Equipment at home.")
    Access = str_enum("Access", ACCESS, "A facility the person can get to.")
    Side = str_enum("Side", SIDES, "The painful knee.")
    Units = str_enum("Units", UNITS, "How loads are shown.")
    Condition = str_enum("Condition", CONDITIONS, "A known condition of the knee.")


# --- the rules that need context -----------------------------------------------------


def _day(value: Any, info: ValidationInfo) -> dt.date:
    """`domain.dates`' one parser: YYYY-MM-DD, and the window when `today` is known."""
    today = (info.context or {}).get("today")
    field = info.field_name or "date"
    try:
        return parse_iso_day(value, field) if today is None else parse_day(value, today, field)
    except FieldError as error:
        raise PydanticCustomError("date", error.problem) from None


# A day written "YYYY-MM-DD" (no numbers, times or week dates, even in lax models).
IsoDate = Annotated[
    dt.date,
    BeforeValidator(_day),
    WithJsonSchema({"type": "string", "format": "date", "pattern": DATE_PATTERN}),
]


def _doable(value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo) -> str:
    """An exercise of the catalogue to do (not an `avoid` entry)."""
    exercise_id: str = handler(value)
    catalogue: Catalogue = (info.context or {}).get("catalogue", CATALOGUE)
    exercise = catalogue.exercises.get(exercise_id)
    if exercise is None:
        raise PydanticCustomError(
            "exercise_id", "unknown exercise id {id}", {"id": repr(exercise_id)}
        )
    if exercise.category == "avoid":
        raise PydanticCustomError(
            "exercise_id", "{id} is not an exercise to do", {"id": exercise_id}
        )
    return exercise_id


# Documented as the enum of the shipped catalogue, checked against the catalogue given.
DoableId = Annotated[str, WrapValidator(_doable, json_schema_input_type=DoableExerciseId)]
PainScore = Annotated[
    int, Field(ge=0, le=10, strict=True, description="A pain score 0-10 (whole number).")
]
PAIN_SCORE: TypeAdapter[int] = TypeAdapter(PainScore)
# Surrounding spaces are dropped before the length is checked: "  " is blank.
Text = StringConstraints(strip_whitespace=True, min_length=1)


def _date_field(what: str, *, nullable: bool = True) -> Any:
    """An optional request date (default today); the description says the window."""
    return Field(
        default=None,
        description=f"{what} {DATE_RULE} Default: today.",
        # Left out means today; `null` is only allowed where the schema says so.
        json_schema_extra=None if nullable else _no_default,
    )


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


# Every input model: no unknown keys, no "5" for 5, no 1 for true, no 12.0 for 12 reps.
_STRICT = ConfigDict(extra="forbid", strict=True)


def _strict(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(extra="forbid", strict=True, json_schema_extra={"examples": [*examples]})


# --- screening -----------------------------------------------------------------------

# The bounds `domain.screening.validate_answers` checks numbers against.
SCREENING_NUMBERS: dict[str, tuple[float, str]] = {
    "years": (120, "Age in years, 0-120."),
    "weeks": (5200, "How many weeks the knee has hurt, 0 or more."),
}


def _answer_field(kind: str, text: str) -> Any:
    if kind == "yes-no":
        return (bool, Field(description=text))
    upper, words = SCREENING_NUMBERS[kind]
    return (float, Field(ge=0, le=upper, description=f"{text} {words}"))


# No red flag: an adult with four weeks of pain and no injury.
SCREENING_EXAMPLE: dict[str, Any] = {
    **{q.key: False for q in QUESTIONS if q.kind == "yes-no"},
    "age": 45,
    "symptom_duration_weeks": 4,
}

ScreeningAnswers: type[BaseModel] = create_model(
    "ScreeningAnswers",
    __config__=ConfigDict(extra="forbid", json_schema_extra={"examples": [SCREENING_EXAMPLE]}),
    __doc__=(
        "Every safety question, answered: a missing answer is an error, never read as no. "
        "The four Ottawa questions only count after an injury in the last 7 days."
    ),
    **{q.key: _answer_field(q.kind, q.text) for q in QUESTIONS},
)


def documented_as(model: type[BaseModel]) -> GetPydanticSchema:
    """Any JSON object, documented as `model`: for raw bodies the services check.

    The services name the exact field of an error (`entries.0.sets.1.pain`), in the
    same words as the CLI's; the schema is `model`'s, with its parts as components.
    """

    def schema(source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_before_validator_function(
            _same, handler(source), json_schema_input_schema=model.__pydantic_core_schema__
        )

    return GetPydanticSchema(get_pydantic_core_schema=schema)


def _same(value: Any) -> Any:
    return value


# A field holding the screening answers: documented as ScreeningAnswers, checked by
# `domain.screening.validate_answers`, whose errors name the answer (`answers.KEY`).
AnswersObject = Annotated[dict[str, Any], documented_as(ScreeningAnswers)]


# --- the programme -------------------------------------------------------------------


class ProgrammeCreate(BaseModel):
    """A profile (the `plan --profile` file) and, optionally, the day it starts."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "pain_now": 3,
                    "side": "left",
                    "equipment": ["strap", "step", "mat"],
                    "access": [],
                    "minutes_per_session": 30,
                    "days_per_week": 3,
                    "screening": SCREENING_EXAMPLE,
                }
            ]
        },
    )

    pain_now: PainScore
    side: Side
    equipment: list[Equipment] = Field(description="What is at home; `[]` for nothing.")
    access: list[Access] = Field(description="Facilities; `[]` for none.")
    minutes_per_session: int = Field(ge=MINUTES_RANGE[0], le=MINUTES_RANGE[1])
    days_per_week: int = Field(ge=1, le=7)
    conditions: list[Condition] = Field(default_factory=list)
    units: Units = Field(default="metric")
    screening: AnswersObject = Field(
        description="The answers object of `/screening`; errors name `screening.KEY`."
    )
    start_date: IsoDate = _date_field("The first day of the programme.", nullable=False)


# --- sessions ------------------------------------------------------------------------


class SetCreate(BaseModel):
    """One set: whichever of reps, hold, minutes (and load) its dose uses, and its pain."""

    model_config = _STRICT

    reps: int | None = Field(default=None, ge=0, le=500)
    hold_seconds: float | None = Field(default=None, ge=0, le=3600)
    minutes: float | None = Field(default=None, ge=0, le=600)
    load_kg: float | None = Field(default=None, ge=0, le=100)
    pain: PainScore = Field(description="Pain during the set 0-10; per side, the worse side.")


def _bare_exercise_id(schema: dict[str, Any]) -> None:
    # The enum's `$ref` alone, as for a field typed with the enum itself (no "title").
    schema["properties"]["exercise_id"].pop("title", None)


class EntryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra=_bare_exercise_id)

    exercise_id: DoableId
    hurt: bool = False
    sets: list[SetCreate] = Field(min_length=1, max_length=MAX_SETS)


class SessionCreate(BaseModel):
    """A finished session. The same `client_id` again never makes a duplicate."""

    model_config = _STRICT

    client_id: Annotated[str, Text] = Field(
        max_length=CLIENT_ID_MAX,
        description="The client's id for this session (not blank); repeats are ignored.",
    )
    date: IsoDate = Field(
        description=(
            f"The day of the session. {DATE_RULE} Not before the programme started; "
            "a programme must exist (else 422 naming `programme`)."
        )
    )
    pain_before: PainScore
    pain_after: PainScore
    entries: list[EntryCreate] = Field(min_length=1, max_length=MAX_ENTRIES)


# --- check-ins, PSFS, clearances -----------------------------------------------------


class CheckinCreate(BaseModel):
    """A pain score 0-10, and the safety questions when answered again."""

    model_config = _strict({"pain": 3, "morning": True})

    date: IsoDate | None = _date_field("The day of the score.")
    pain: PainScore
    morning: bool = Field(default=False, description="The score on waking up.")
    answers: AnswersObject | None = Field(
        default=None,
        description="The screening answers, answered again; errors name `answers.KEY`.",
    )
    notes: str | None = Field(default=None, max_length=MAX_NOTE)


class ActivityCreate(BaseModel):
    model_config = _STRICT

    name: Annotated[str, Text] = Field(max_length=MAX_NAME, description="Not blank.")
    score: int = Field(ge=0, le=10, description="0 (cannot do) to 10 (as before).")


# 1-3 activities the person chose (PSFS), each scored 0-10.
Activities = Annotated[list[ActivityCreate], Field(min_length=1, max_length=MAX_ACTIVITIES)]


class PsfsAnswers(BaseModel):
    """The PSFS answers of `kneecoach psfs --answers` and `start --psfs`: no date."""

    model_config = _STRICT

    activities: Activities


class PsfsCreate(BaseModel):
    """The Patient-Specific Functional Scale: 1-3 activities the person chose."""

    model_config = _strict({"activities": [{"name": "climbing stairs", "score": 4}]})

    date: IsoDate | None = _date_field("The day of the scores.")
    activities: Activities


class ClearanceCreate(BaseModel):
    """A professional cleared the person to exercise after a stop."""

    model_config = _strict({"cleared_by": "Dr Patel, GP", "answers": SCREENING_EXAMPLE})

    date: IsoDate | None = _date_field("The day of the clearance.")
    cleared_by: Annotated[str, Text] = Field(max_length=200, description="Who (not blank).")
    answers: AnswersObject | None = Field(
        default=None,
        description="The screening answers; the programme restarts once they are given.",
    )
