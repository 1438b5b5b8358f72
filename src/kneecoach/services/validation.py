"""Checks on what people and scripts send: session logs, PSFS answers, pain scores, dates.

The models of `services/models.py` do the checking; this module turns the first
problem pydantic finds into one `FieldError(field, problem)` that names the field as a
dotted path into what was sent (`entries.0.sets.1.pain`), so the CLI can exit 2 and the
API can answer 422 with it, in words a person can act on.

pydantic loads on the first check, not on import: every CLI command imports this
module, and the quick ones (`--help`, `exercises`) check nothing (docs/performance.md).
"""

from __future__ import annotations

import datetime as dt
import reprlib
from typing import TYPE_CHECKING, Any, TypeVar

from kneecoach.domain.dates import parse_day
from kneecoach.domain.errors import FieldError
from kneecoach.domain.exercises import Catalogue

if TYPE_CHECKING:
    from pydantic import BaseModel
    from pydantic_core import ErrorDetails, ValidationError

InvalidInput = FieldError
Model = TypeVar("Model", bound="BaseModel")

# Fields that hold a pain score 0-10 (NPRS): their errors say so.
PAIN_FIELDS = frozenset({"pain", "pain_before", "pain_after"})
# What a list field counts, for "at most 20 sets".
COUNTED = {"entries": "exercises", "sets": "sets", "activities": "activities"}
OUT_OF_RANGE = frozenset({"greater_than_equal", "less_than_equal"})
# pydantic's error types, in plain words (`got` is the value sent, `noun` what a list counts).
WORDS = {
    "missing": "missing",
    "extra_forbidden": "unknown key",
    "model_type": "expected an object",
    "int_type": "expected a whole number, got {got}",
    "float_type": "expected a number, got {got}",
    "bool_type": "expected true or false, got {got}",
    "string_type": "expected text, got {got}",
    "list_type": "expected a list, got {got}",
    "greater_than_equal": "must be {ge:g} or more, got {got}",
    "less_than_equal": "must be {le:g} or less, got {got}",
    "too_short": "expected at least {min_length}, got {actual_length}",
    "too_long": "at most {max_length} {noun}, got {actual_length}",
    "string_too_short": "must not be blank",
    "string_too_long": "at most {max_length} characters",
}
# A value quoted in an error, cut short: a 200 KiB string is not repeated back.
_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 40


def problem_of(error: ErrorDetails, name: str) -> str:
    """pydantic's error in plain words; `name` is the field it is about (`pain`, `reps`)."""
    kind = error["type"]
    got = _SHORT.repr(error.get("input"))
    if name in PAIN_FIELDS and kind != "extra_forbidden":
        if kind == "missing":
            return "missing (a pain score 0-10)"
        if kind in OUT_OF_RANGE:
            return f"a pain score is 0-10, got {got}"
        return f"expected a pain score 0-10 (whole number), got {got}"
    if kind == "too_short" and not error.get("input"):
        return "must not be empty"
    words = WORDS.get(kind)
    if words is None:  # the models' own checks (dates, exercise ids) word their errors
        return error["msg"]
    return words.format(got=got, noun=COUNTED.get(name, "items"), **error.get("ctx", {}))


def field_error(error: ValidationError, root: str) -> FieldError:
    """The first problem of a ValidationError, naming its field (`root` for the whole)."""
    first = error.errors(include_url=False)[0]
    loc = first["loc"]
    names = [part for part in loc if isinstance(part, str)]
    if not loc and first["type"] == "model_type":
        return FieldError(root, "expected a JSON object")
    return FieldError(
        ".".join(map(str, loc)) or root, problem_of(first, names[-1] if names else root)
    )


def _validated(model: type[Model], raw: object, root: str, **context: Any) -> Model:
    from pydantic_core import ValidationError

    try:
        return model.model_validate(raw, context=context)
    except ValidationError as error:
        raise field_error(error, root) from None


def parse_date(value: object, today: dt.date, field: str = "date") -> dt.date:
    """A date written YYYY-MM-DD, from 2000-01-01 to 366 days after `today`."""
    return parse_day(value, today, field)


def pain_score(value: object, field: str) -> int:
    """A pain score 0-10 (NPRS), whole numbers only."""
    from pydantic_core import ValidationError

    from kneecoach.services.models import PAIN_SCORE

    try:
        return PAIN_SCORE.validate_python(value)
    except ValidationError as error:
        raise FieldError(field, problem_of(error.errors()[0], "pain")) from None


def parse_session_log(raw: object, catalogue: Catalogue, today: dt.date) -> dict[str, Any]:
    """Validate the `session --log` JSON (and `POST /sessions`); return clean values."""
    from kneecoach.services.models import SessionCreate

    log = _validated(SessionCreate, raw, "session", catalogue=catalogue, today=today)
    return log.model_dump()


def parse_psfs(raw: object) -> list[dict[str, Any]]:
    """PSFS answers: 1-3 activities the person chose, each scored 0 (unable) to 10."""
    from kneecoach.services.models import PsfsAnswers

    answers = _validated(PsfsAnswers, raw, "psfs")
    activities: list[dict[str, Any]] = answers.model_dump()["activities"]
    return activities
