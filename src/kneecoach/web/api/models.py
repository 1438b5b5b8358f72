"""The API's request and response models: what `/openapi.json` promises (docs/web.md).

`*Create` models are request bodies, `*Public` models are answers. The shapes are those
of the CLI's `--json` output (docs/cli.md); fields may be added, none is renamed.

Every rule a schema can hold is in the schema (enums, minimum and maximum, patterns,
required fields, no unknown keys). What only the server can check, such as the date
window or a session dated before the programme's start, is said in the field's
description. The request models (`*Create`) are the services' own, from
`services/models.py`. The bodies of `/screening`, `/programme` and `/sessions` are read as
JSON objects and checked by the services, which name the exact field of any error
(`entries.0.sets.1.pain`): a session log by `SessionCreate` (`services/validation.py`),
a profile and answers by `domain/planning.py` and `domain/screening.py`. The smaller
bodies (check-ins, PSFS, clearances) are the routes' typed bodies, checked by their
strict models (no "5" for 5, no 1 for true).

The enums come from where the server checks against: exercise ids from the content
catalogue, equipment and facilities from the vocabulary the catalogue is validated
against (`domain/exercises.py`), weekdays, urgencies and the rest from the domain.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any, get_args

from pydantic import BaseModel, Field

from kneecoach.domain.course import STOPPING
from kneecoach.domain.exercises import CATEGORIES, LEVELS
from kneecoach.domain.planning import PHASES, WEEKDAYS
from kneecoach.domain.progression import Action
from kneecoach.domain.screening import URGENCY_ORDER
from kneecoach.services.models import CATALOGUE, str_enum
from kneecoach.services.models import Access as Access
from kneecoach.services.models import ActivityCreate as ActivityCreate
from kneecoach.services.models import AnswersObject as AnswersObject
from kneecoach.services.models import CheckinCreate as CheckinCreate
from kneecoach.services.models import ClearanceCreate as ClearanceCreate
from kneecoach.services.models import EntryCreate as EntryCreate
from kneecoach.services.models import Equipment as Equipment
from kneecoach.services.models import ProgrammeCreate as ProgrammeCreate
from kneecoach.services.models import PsfsCreate as PsfsCreate
from kneecoach.services.models import ScreeningAnswers as ScreeningAnswers
from kneecoach.services.models import SessionCreate as SessionCreate
from kneecoach.services.models import SetCreate as SetCreate
from kneecoach.services.models import documented_as as documented_as

# --- enums ---------------------------------------------------------------------------

EXERCISE_IDS: tuple[str, ...] = tuple(ex.id for ex in CATALOGUE)
ACTIONS: tuple[str, ...] = get_args(Action)
# What `today` answers, and the state of the programme after a write.
TODAY_STATUSES = ("session", "rest", "stopped", "not-started")
COURSE_STATUSES = ("active", "stopped")
SLOT_KINDS = tuple(c for c in CATEGORIES if c != "avoid")


if TYPE_CHECKING:
    ExerciseId = str
    Category = str
    Level = str
    Weekday = str
    Urgency = str
    Phase = str
    DecisionAction = str
    SlotKind = str
    TodayStatus = str
    CourseStatus = str
else:
    ExerciseId = str_enum("ExerciseId", EXERCISE_IDS, "An exercise in the catalogue.")
    Category = str_enum("Category", CATEGORIES, "The kind of an exercise entry.")
    Level = str_enum("Level", LEVELS, "Where an entry sits on its ladder (CLINICAL PR-7).")
    Weekday = str_enum("Weekday", WEEKDAYS, "A day of the week, lower-case English.")
    Urgency = str_enum(
        "Urgency",
        URGENCY_ORDER,
        f"How soon to get help; {' and '.join(sorted(STOPPING))} stop the programme.",
    )
    Phase = str_enum("Phase", PHASES, "A block of a session, in this order.")
    DecisionAction = str_enum("DecisionAction", ACTIONS, "What a decision did to an exercise.")
    SlotKind = str_enum("SlotKind", SLOT_KINDS, "The kind of a place in the programme.")
    TodayStatus = str_enum("TodayStatus", TODAY_STATUSES, "What today holds.")
    CourseStatus = str_enum("CourseStatus", COURSE_STATUSES, "Whether the programme is stopped.")

# Dates in answers are always YYYY-MM-DD.
Day = Annotated[dt.date, Field(description="A date written YYYY-MM-DD.")]


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


class CheckinPublic(BaseModel):
    date: Day
    pain: int
    morning: bool
    screening: TriagePublic | None
    status: CourseStatus
    urgency: Urgency
    escalations: list[EscalationPublic]
    screening_due: bool


class ActivityPublic(BaseModel):
    name: str
    score: int


class PsfsPublic(BaseModel):
    date: Day
    activities: list[ActivityPublic]
    mean: float
    change_from_intake: float
    real_change: bool = Field(description="2 points on the mean or 3 on one activity.")


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
