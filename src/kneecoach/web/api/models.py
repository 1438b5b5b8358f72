"""The API's request and response models: what `/openapi.json` promises (docs/web.md).

`*Create` models are request bodies, `*Public` models are answers. The shapes are those
of the CLI's `--json` output (docs/cli.md); fields may be added, none is renamed.

Every rule a schema can hold is in the schema (enums, minimum and maximum, patterns,
required fields, no unknown keys). What only the server can check, such as the date
window or a session dated before the programme's start, is said in the field's
description. The bodies of `/screening`, `/programme` and `/sessions` are documented
here but checked by the services (`services/validation.py`, `domain/planning.py`,
`domain/screening.py`), which name the exact field of any error
(`entries.0.sets.1.pain`); the smaller bodies (check-ins, PSFS, clearances) are checked
by these models themselves, in strict mode (no "5" for 5, no 1 for true).

The enums come from where the server checks against: exercise ids from the content
catalogue, equipment and facilities from the vocabulary the catalogue is validated
against (`domain/exercises.py`), weekdays, urgencies and the rest from the domain.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, get_args, get_type_hints

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetPydanticSchema,
    create_model,
)
from pydantic_core import core_schema

from kneecoach.content.loader import load_catalogue
from kneecoach.domain.course import STOPPING
from kneecoach.domain.exercises import ACCESS, CATEGORIES, EQUIPMENT, LEVELS
from kneecoach.domain.planning import CONDITIONS, MINUTES_RANGE, PHASES, WEEKDAYS, Profile
from kneecoach.domain.progression import Action
from kneecoach.domain.screening import QUESTIONS, URGENCY_ORDER
from kneecoach.services.validation import CLIENT_ID_MAX, MAX_ENTRIES, MAX_NAME, MAX_SETS
from kneecoach.web.dates import DATE_RULE, IsoDate

# --- enums ---------------------------------------------------------------------------

_CATALOGUE = load_catalogue()
EXERCISE_IDS: tuple[str, ...] = tuple(ex.id for ex in _CATALOGUE)
# A session logs only exercises to do: the `avoid` entries are advice, not exercises.
DOABLE_IDS: tuple[str, ...] = tuple(ex.id for ex in _CATALOGUE if ex.category != "avoid")
SIDES: tuple[str, ...] = get_args(get_type_hints(Profile)["side"])
UNITS: tuple[str, ...] = get_args(get_type_hints(Profile)["units"])
ACTIONS: tuple[str, ...] = get_args(Action)
# What `today` answers, and the state of the programme after a write.
TODAY_STATUSES = ("session", "rest", "stopped", "not-started")
COURSE_STATUSES = ("active", "stopped")
SLOT_KINDS = tuple(c for c in CATEGORIES if c != "avoid")


def _enum(name: str, values: tuple[str, ...], doc: str) -> type[StrEnum]:
    made = StrEnum(name, [(value, value) for value in values])  # type: ignore[misc]
    made.__doc__ = doc
    return made


if TYPE_CHECKING:
    ExerciseId = str
    DoableExerciseId = str
    Equipment = str
    Access = str
    Category = str
    Level = str
    Weekday = str
    Urgency = str
    Phase = str
    Side = str
    Units = str
    Condition = str
    DecisionAction = str
    SlotKind = str
    TodayStatus = str
    CourseStatus = str
else:
    ExerciseId = _enum("ExerciseId", EXERCISE_IDS, "An exercise in the catalogue.")
    DoableExerciseId = _enum(
        "DoableExerciseId", DOABLE_IDS, "An exercise to do (not one of the `avoid` entries)."
    )
    Equipment = _enum("Equipment", EQUIPMENT, "Equipment at home.")
    Access = _enum("Access", ACCESS, "A facility the person can get to.")
    Category = _enum("Category", CATEGORIES, "The kind of an exercise entry.")
    Level = _enum("Level", LEVELS, "Where an entry sits on its ladder (CLINICAL PR-7).")
    Weekday = _enum("Weekday", WEEKDAYS, "A day of the week, lower-case English.")
    Urgency = _enum(
        "Urgency",
        URGENCY_ORDER,
        f"How soon to get help; {' and '.join(sorted(STOPPING))} stop the programme.",
    )
    Phase = _enum("Phase", PHASES, "A block of a session, in this order.")
    Side = _enum("Side", SIDES, "The painful knee.")
    Units = _enum("Units", UNITS, "How loads are shown.")
    Condition = _enum("Condition", CONDITIONS, "A known condition of the knee.")
    DecisionAction = _enum("DecisionAction", ACTIONS, "What a decision did to an exercise.")
    SlotKind = _enum("SlotKind", SLOT_KINDS, "The kind of a place in the programme.")
    TodayStatus = _enum("TodayStatus", TODAY_STATUSES, "What today holds.")
    CourseStatus = _enum("CourseStatus", COURSE_STATUSES, "Whether the programme is stopped.")

PainScore = Annotated[int, Field(ge=0, le=10, description="A pain score 0-10 (whole number).")]
# Dates in answers are always YYYY-MM-DD.
Day = Annotated[dt.date, Field(description="A date written YYYY-MM-DD.")]


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


# --- errors --------------------------------------------------------------------------


class ErrorItem(BaseModel):
    """One problem with the request (FastAPI's shape)."""

    loc: list[str | int] = Field(description="Where: `body`, `query` or `path`, then the path.")
    msg: str = Field(description="What is wrong and how to fix it.")
    type: str = Field(description="A short code for the kind of problem.")


class ErrorPublic(BaseModel):
    """Every error the API answers (404, 405, 413, 415, 422 ...): what and where."""

    detail: str | list[ErrorItem] = Field(
        description=(
            "What is wrong: a sentence, or (422) a list of problems whose first is the "
            "one `field` names."
        )
    )
    field: str = Field(
        description=(
            "Where, as one dotted path into what was sent (`entries.0.sets.1.pain`), a "
            "query or path parameter (`date`, `exercise_id`), or `body`, `content-type`, "
            "`method`, `path`, `programme`."
        )
    )


ERROR_DESCRIPTIONS: dict[int, str] = {
    403: "A cross-site request: refused, nothing changed.",
    404: "No such thing (an unknown id, or no programme yet).",
    413: "The request body is larger than 256 KiB.",
    415: "The API accepts JSON only (`Content-Type: application/json`).",
    421: "The Host header does not name this server (personal mode: loopback only).",
    422: "Bad input: `field` names it.",
}


def responses(
    ok: dict[int, tuple[type[BaseModel] | Any, str]], *errors: int
) -> dict[int | str, dict[str, Any]]:
    """The documented answers of one route: its successes, then its errors."""
    out: dict[int | str, dict[str, Any]] = {
        code: {"model": model, "description": text} for code, (model, text) in ok.items()
    }
    for code in (*errors, 421):
        out[code] = {"model": ErrorPublic, "description": ERROR_DESCRIPTIONS[code]}
    return out


# Every route that changes something may also answer these.
WRITE_ERRORS = (403, 413, 415, 422)


# --- exercises -----------------------------------------------------------------------


class RangePublic(BaseModel):
    min: int = Field(ge=0)
    max: int = Field(ge=0)


class DoseRangePublic(BaseModel):
    """What the article (or a CLINICAL.md rule) allows for one exercise."""

    sets: RangePublic
    reps: RangePublic | None
    hold_seconds: RangePublic | None
    minutes: RangePublic | None
    per_side: bool
    rest_seconds: int
    tempo_seconds: int


class NeedPublic(BaseModel):
    """One piece of equipment an exercise needs: any item of `any_of` will do."""

    any_of: list[Equipment]
    optional: bool


class CuesPublic(BaseModel):
    feel: list[str]
    avoid: list[str]


class ExercisePublic(BaseModel):
    """One entry of the catalogue (`kneecoach exercises --json`)."""

    id: ExerciseId
    name: str
    category: Category
    level: Level
    purpose: str
    steps: list[str]
    cues: CuesPublic
    dose: DoseRangePublic | None = Field(description="`null` for the avoid entries.")
    equipment: list[NeedPublic]
    access: list[Access] = Field(description="Facilities of which at least one is needed.")
    targets: list[str]
    progressions: list[ExerciseId]
    regressions: list[ExerciseId]
    cautions: list[str]
    source: str
    valgus_stress: bool
    loadable: bool
    why_avoid: str | None


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


class FlagPublic(BaseModel):
    rule: str = Field(description="The CLINICAL.md rule, e.g. RF-2.")
    urgency: Urgency
    question: str = Field(description="The answer key (or `age`, `pain_now`) behind it.")
    message: str


class TriagePublic(BaseModel):
    """The red-flag screening (CLINICAL RF-1..RF-5, ES-3): the highest urgency wins."""

    urgency: Urgency
    flags: list[FlagPublic]
    advice: str
    stops_programme: bool
    recent_injury: bool = Field(description="An injury in the last 7 days: PR-8 applies.")


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


class DosePublic(BaseModel):
    """A concrete dose: what the person does."""

    sets: int
    reps: int | None
    hold_seconds: int | None
    minutes: int | None
    load_kg: float | None
    per_side: bool


class PlanItemPublic(BaseModel):
    exercise_id: ExerciseId
    dose: DosePublic
    note: str | None
    slot: str | None = Field(description="The ladder this item is on (its first exercise).")


class PlanBlockPublic(BaseModel):
    phase: Phase
    items: list[PlanItemPublic]


class PlanSessionPublic(BaseModel):
    weekday: Weekday
    strength_day: bool
    estimated_minutes: int
    blocks: list[PlanBlockPublic]


class ReasonPublic(BaseModel):
    rule: str | None = Field(description="A CLINICAL.md rule id, or null for a practical one.")
    message: str
    exercise_id: ExerciseId | None


class SlotPublic(BaseModel):
    slot: str
    kind: SlotKind
    exercise_id: ExerciseId
    dose: DosePublic
    note: str | None
    paused: bool


class ProgrammePublic(BaseModel):
    """The plan (`kneecoach plan --json`), plus `start_date`, `saved` and `person_id`."""

    refer: bool = Field(description="Urgent or emergency: no sessions, nothing saved.")
    urgency: Urgency
    warnings: list[str]
    estimated_minutes: int
    sessions: list[PlanSessionPublic] = Field(description="One per training day.")
    gentle: bool
    reasons: list[ReasonPublic]
    screening: TriagePublic
    disclaimer: str
    stop_rules: list[str]
    slots: list[SlotPublic]
    start_date: Day
    saved: bool
    person_id: int | None


# --- today ---------------------------------------------------------------------------


class DecisionBrief(BaseModel):
    action: DecisionAction
    rule: str
    reason: str
    date: Day


class TodayItemPublic(BaseModel):
    exercise_id: ExerciseId
    dose: DosePublic
    decision: DecisionBrief | None = Field(description="The latest decision on this ladder.")
    phase: Phase
    note: str | None
    slot: str | None


class EscalationPublic(BaseModel):
    rule: str = Field(description="ES-1, ES-2, ES-4, or a red flag (RF-*).")
    urgency: Urgency
    message: str
    numbers: dict[str, Any] = Field(description="The numbers behind it.")
    date: Day


class PausedPublic(BaseModel):
    exercise_id: ExerciseId
    reason: str | None


class TodayPublic(BaseModel):
    """What to do on a day (`kneecoach today --json`)."""

    date: Day
    weekday: Weekday
    status: TodayStatus
    urgency: Urgency
    items: list[TodayItemPublic] = Field(description="Empty unless `status` is `session`.")
    escalations: list[EscalationPublic]
    screening_due: bool
    message: str | None = Field(
        default=None, description="Why there is no session (stopped, not started)."
    )
    programme_version: int | None = None
    paused: list[PausedPublic] | None = None
    estimated_minutes: int | None = None
    stop_rules: list[str] | None = None
    needs_clearance: bool | None = Field(
        default=None,
        description="True when stopped until a professional clears the person "
        "(`POST /api/v1/clearances`).",
    )


# --- sessions ------------------------------------------------------------------------


class SetCreate(BaseModel):
    """One set: whichever of reps, hold, minutes (and load) its dose uses, and its pain."""

    model_config = ConfigDict(extra="forbid")

    reps: int | None = Field(default=None, ge=0, le=500)
    hold_seconds: float | None = Field(default=None, ge=0, le=3600)
    minutes: float | None = Field(default=None, ge=0, le=600)
    load_kg: float | None = Field(default=None, ge=0, le=100)
    pain: PainScore = Field(description="Pain during the set 0-10; per side, the worse side.")


class EntryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    exercise_id: DoableExerciseId
    hurt: bool = False
    sets: list[SetCreate] = Field(min_length=1, max_length=MAX_SETS)


class SessionCreate(BaseModel):
    """A finished session. The same `client_id` again never makes a duplicate."""

    model_config = ConfigDict(extra="forbid")

    client_id: str = Field(
        min_length=1,
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


class DecisionPublic(BaseModel):
    """A decision the engine made about one ladder, with its rule and numbers."""

    date: Day
    slot: str
    exercise_id: ExerciseId
    action: DecisionAction
    rule: str
    reason: str
    numbers: dict[str, Any]
    session_key: str | None = Field(default=None, description="The session's `client_id`.")


class SessionPublic(BaseModel):
    """A recorded session: 201 the first time, 200 for the same `client_id` again."""

    session_id: int
    client_id: str
    created: bool
    date: Day
    decisions: list[DecisionPublic] = Field(description="Those made at once (PM-1).")
    status: CourseStatus = Field(description="`stopped`: kept, never counts (`while_stopped`).")


# --- check-ins, PSFS, clearances -----------------------------------------------------

_STRICT = ConfigDict(extra="forbid", strict=True)


def _strict(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(extra="forbid", strict=True, json_schema_extra={"examples": [*examples]})


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
    notes: str | None = Field(default=None, max_length=2000)


class CheckinPublic(BaseModel):
    date: Day
    pain: int
    morning: bool
    screening: TriagePublic | None
    status: CourseStatus
    urgency: Urgency
    escalations: list[EscalationPublic]
    screening_due: bool


class ActivityCreate(BaseModel):
    model_config = _STRICT

    name: str = Field(min_length=1, max_length=MAX_NAME, description="Not blank.")
    score: int = Field(ge=0, le=10, description="0 (cannot do) to 10 (as before).")


class PsfsCreate(BaseModel):
    """The Patient-Specific Functional Scale: 1-3 activities the person chose."""

    model_config = _strict({"activities": [{"name": "climbing stairs", "score": 4}]})

    date: IsoDate | None = _date_field("The day of the scores.")
    activities: list[ActivityCreate] = Field(min_length=1, max_length=3)


class ActivityPublic(BaseModel):
    name: str
    score: int


class PsfsPublic(BaseModel):
    date: Day
    activities: list[ActivityPublic]
    mean: float
    change_from_intake: float
    real_change: bool = Field(description="2 points on the mean or 3 on one activity.")


class ClearanceCreate(BaseModel):
    """A professional cleared the person to exercise after a stop."""

    model_config = _strict({"cleared_by": "Dr Patel, GP", "answers": SCREENING_EXAMPLE})

    date: IsoDate | None = _date_field("The day of the clearance.")
    cleared_by: str = Field(min_length=1, max_length=200, description="Who (not blank).")
    answers: AnswersObject | None = Field(
        default=None,
        description="The screening answers; the programme restarts once they are given.",
    )


class ClearancePublic(BaseModel):
    date: Day
    cleared_by: str
    screening: TriagePublic | None
    status: CourseStatus
    needs_screening: bool


# --- looking back --------------------------------------------------------------------


class LoggedSetPublic(BaseModel):
    target_reps: int | None
    reps: int | None
    target_hold_seconds: float | None
    hold_seconds: float | None
    target_minutes: float | None
    minutes: float | None
    target_load_kg: float | None
    load_kg: float | None = Field(description="Loads are in kg.")
    pain: int


class LoggedEntryPublic(BaseModel):
    exercise_id: ExerciseId
    hurt: bool
    sets: list[LoggedSetPublic]


class LoggedSessionPublic(BaseModel):
    id: int
    client_id: str
    date: Day
    pain_before: int
    pain_after: int
    programme_version: int | None
    created_at: dt.datetime
    while_stopped: bool = Field(description="Logged while the programme was stopped.")
    entries: list[LoggedEntryPublic]


class LoggedCheckinPublic(BaseModel):
    id: int
    date: Day
    pain: int
    morning: bool
    notes: str | None
    answers: dict[str, Any] | None
    urgency: Urgency | None
    created_at: dt.datetime


class HistoryPublic(BaseModel):
    """Everything logged (`kneecoach history --json`)."""

    sessions: list[LoggedSessionPublic]
    checkins: list[LoggedCheckinPublic]
    psfs: list[PsfsPublic]


class WeeklyMeanPublic(BaseModel):
    week_start: Day
    mean: float


class DailyScorePublic(BaseModel):
    date: Day
    pain: int
    morning: bool


class AdherencePublic(BaseModel):
    planned: int
    done: int


class VersionPublic(BaseModel):
    version: int
    effective_date: Day
    reasons: list[str]


class ProgressPublic(BaseModel):
    """Baseline, weekly means, escalations, decisions, adherence (`kneecoach progress`)."""

    date: Day
    start_date: Day
    baseline: int
    weekly_means: list[WeeklyMeanPublic] = Field(description="Per programme week.")
    daily_scores: list[DailyScorePublic]
    escalations: list[EscalationPublic] = Field(description="Each with the day it began.")
    decisions: list[DecisionPublic]
    adherence: AdherencePublic
    psfs: list[PsfsPublic]
    status: CourseStatus
    programme_version: int
    versions: list[VersionPublic]
    disclaimer: str
