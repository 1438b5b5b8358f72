"""What people and scripts send is checked by the models of `services/models.py`, and every
error names its field as docs/cli.md promises (`entries.0.sets.1.pain`)."""

from __future__ import annotations

import copy
import datetime as dt
import subprocess
import sys
from typing import Any

import pytest

from kneecoach.content.loader import load_catalogue
from kneecoach.domain.errors import FieldError
from kneecoach.domain.exercises import Catalogue
from kneecoach.services import models
from kneecoach.services.validation import pain_score, parse_date, parse_psfs, parse_session_log

CATALOGUE = load_catalogue()
TODAY = dt.date(2026, 1, 9)
AVOID = next(ex.id for ex in CATALOGUE if ex.category == "avoid")


def log(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "client_id": "phone-2026-01-09-1",
        "date": "2026-01-09",
        "pain_before": 2,
        "pain_after": 3,
        "entries": [
            {
                "exercise_id": "bridge",
                "hurt": False,
                "sets": [
                    {"reps": 12, "hold_seconds": 2, "pain": 1},
                    {"reps": 12, "hold_seconds": 2.5, "pain": 2},
                ],
            }
        ],
    }
    body.update(changes)
    return body


def changed(path: str, value: Any = ...) -> dict[str, Any]:
    """The log with the value at a dotted path replaced (or removed, without a value)."""
    body = log()
    *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
    where: Any = body
    for part in parents:
        where = where[part]
    if value is ...:
        del where[last]
    else:
        where[last] = value
    return body


def refused(raw: object, catalogue: Catalogue = CATALOGUE) -> FieldError:
    with pytest.raises(FieldError) as caught:
        parse_session_log(raw, catalogue, TODAY)
    return caught.value


def test_a_good_log_comes_back_clean():
    clean = parse_session_log(log(client_id="  phone-1  "), CATALOGUE, TODAY)
    assert clean == {
        "client_id": "phone-1",
        "date": dt.date(2026, 1, 9),
        "pain_before": 2,
        "pain_after": 3,
        "entries": [
            {
                "exercise_id": "bridge",
                "hurt": False,
                "sets": [
                    {"reps": 12, "hold_seconds": 2, "minutes": None, "load_kg": None, "pain": 1},
                    {"reps": 12, "hold_seconds": 2.5, "minutes": None, "load_kg": None, "pain": 2},
                ],
            }
        ],
    }
    assert type(clean["entries"][0]["exercise_id"]) is str


def test_the_error_of_docs_cli_md():
    error = refused(changed("entries.0.sets.1.pain", 11))
    assert str(error) == "entries.0.sets.1.pain: a pain score is 0-10, got 11"


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ([], "session"),
        ("a log", "session"),
        (log(mood="fine"), "mood"),
        ({"client_id": "x"}, "date"),
        (changed("client_id"), "client_id"),
        (changed("client_id", "   "), "client_id"),
        (changed("client_id", 5), "client_id"),
        (changed("client_id", "x" * (models.CLIENT_ID_MAX + 1)), "client_id"),
        (changed("date", "9999-12-31"), "date"),
        (changed("date", "1999-12-31"), "date"),
        (changed("date", "2026-02-30"), "date"),
        (changed("date", 20260101), "date"),
        (changed("date", "2026-01-01T00:00"), "date"),
        (changed("pain_before", 11), "pain_before"),
        (changed("pain_after", -1), "pain_after"),
        (changed("pain_after"), "pain_after"),
        (changed("entries", []), "entries"),
        (changed("entries", {}), "entries"),
        (changed("entries.0", "bridge"), "entries.0"),
        (changed("entries.0.colour", "blue"), "entries.0.colour"),
        (changed("entries.0.exercise_id"), "entries.0.exercise_id"),
        (changed("entries.0.exercise_id", "moonwalk"), "entries.0.exercise_id"),
        (changed("entries.0.exercise_id", AVOID), "entries.0.exercise_id"),
        (changed("entries.0.exercise_id", ["bridge"]), "entries.0.exercise_id"),
        (changed("entries.0.hurt", 1), "entries.0.hurt"),
        (changed("entries.0.sets", []), "entries.0.sets"),
        (changed("entries.0.sets.1", 3), "entries.0.sets.1"),
        (changed("entries.0.sets.1.rep", 3), "entries.0.sets.1.rep"),
        (changed("entries.0.sets.1.pain"), "entries.0.sets.1.pain"),
        (changed("entries.0.sets.1.pain", None), "entries.0.sets.1.pain"),
        (changed("entries.0.sets.1.reps", 501), "entries.0.sets.1.reps"),
        (changed("entries.0.sets.1.hold_seconds", -1), "entries.0.sets.1.hold_seconds"),
        (changed("entries.0.sets.1.minutes", 601), "entries.0.sets.1.minutes"),
        (changed("entries.0.sets.1.load_kg", 100.5), "entries.0.sets.1.load_kg"),
    ],
)
def test_each_error_names_its_field(raw, field):
    error = refused(raw)
    assert error.field == field
    assert error.problem and "Input should" not in error.problem  # our words, not pydantic's


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("pain_before", True),
        ("pain_before", "5"),
        ("pain_before", 2.0),
        ("entries.0.sets.0.reps", True),
        ("entries.0.sets.0.reps", 12.0),
        ("entries.0.sets.0.reps", "12"),
        ("entries.0.sets.0.hold_seconds", False),
        ("entries.0.sets.0.hold_seconds", "2"),
        ("entries.0.hurt", 0),
        ("entries.0.hurt", "false"),
        ("entries.0.sets.0.hold_seconds", float("nan")),
        ("entries.0.sets.0.minutes", float("inf")),
    ],
)
def test_no_value_is_read_as_another_type(path, value):
    """A bool is not a number, "5" is not 5, 12.0 is not 12 reps, NaN is no hold."""
    assert refused(changed(path, value)).field == path


def test_the_limits_hold_at_their_edges():
    sets = [{"pain": 1}] * models.MAX_SETS
    entries = [{"exercise_id": "bridge", "sets": sets}] * models.MAX_ENTRIES
    most = log(client_id="x" * models.CLIENT_ID_MAX, entries=entries)
    assert len(parse_session_log(most, CATALOGUE, TODAY)["entries"]) == models.MAX_ENTRIES
    error = refused(log(entries=[*entries, entries[0]]))
    assert str(error) == "entries: at most 60 exercises, got 61"
    error = refused(log(entries=[{"exercise_id": "bridge", "sets": [*sets, {"pain": 1}]}]))
    assert str(error) == "entries.0.sets: at most 20 sets, got 21"


def test_words_a_person_can_act_on():
    assert refused(changed("entries.0.exercise_id", "moonwalk")).problem == (
        "unknown exercise id 'moonwalk'"
    )
    assert refused(changed("entries.0.exercise_id", AVOID)).problem == (
        f"{AVOID} is not an exercise to do"
    )
    assert refused(changed("pain_before", "5")).problem == (
        "expected a pain score 0-10 (whole number), got '5'"
    )
    assert refused(changed("entries.0.sets.1.reps", 501)).problem == "must be 500 or less, got 501"
    assert refused(changed("entries.0.sets.1.reps", 1.5)).problem == (
        "expected a whole number, got 1.5"
    )
    assert refused(changed("entries.0.hurt", 1)).problem == "expected true or false, got 1"
    assert refused(changed("entries", [])).problem == "must not be empty"
    assert refused(log(mood="fine")).problem == "unknown key"
    assert refused([]).problem == "expected a JSON object"
    # The date's words are the domain's own (domain/dates.py), as for `--date`.
    assert refused(changed("date", "9999-12-31")).problem == (
        "9999-12-31 is more than 366 days after today (2026-01-09); "
        "the latest allowed is 2027-01-10"
    )
    # A huge value is not repeated back whole.
    assert len(refused(changed("entries.0.hurt", "x" * 100_000)).problem) < 100


def test_the_catalogue_given_is_the_one_checked_against():
    without_bridge = Catalogue({k: v for k, v in CATALOGUE.exercises.items() if k != "bridge"})
    assert refused(log(), without_bridge).field == "entries.0.exercise_id"


def test_the_date_window_moves_with_today():
    last = (TODAY + dt.timedelta(days=366)).isoformat()
    assert parse_session_log(log(date=last), CATALOGUE, TODAY)["date"].isoformat() == last
    later = (TODAY + dt.timedelta(days=367)).isoformat()
    assert refused(log(date=later)).field == "date"
    assert parse_date("2000-01-01", TODAY) == dt.date(2000, 1, 1)


def test_without_today_a_model_checks_only_the_format():
    """The API's strict bodies (check-ins, PSFS, clearances) check the window afterwards."""
    checkin = models.CheckinCreate.model_validate({"pain": 3, "date": "2099-01-01"})
    assert checkin.date == dt.date(2099, 1, 1)
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        models.CheckinCreate.model_validate({"pain": 3, "date": "20990101"})


def test_psfs_answers():
    assert parse_psfs({"activities": [{"name": " stairs ", "score": 4}]}) == [
        {"name": "stairs", "score": 4}
    ]


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ([], "psfs"),
        ({}, "activities"),
        ({"activities": []}, "activities"),
        ({"activities": [{"name": "a", "score": 1}] * 4}, "activities"),
        ({"activities": [{"name": "a", "score": 1}], "date": "2026-01-09"}, "date"),
        ({"activities": ["stairs"]}, "activities.0"),
        ({"activities": [{"name": " ", "score": 1}]}, "activities.0.name"),
        ({"activities": [{"name": "a" * 201, "score": 1}]}, "activities.0.name"),
        ({"activities": [{"name": "a", "score": 11}]}, "activities.0.score"),
        ({"activities": [{"name": "a", "score": True}]}, "activities.0.score"),
        (
            {"activities": [{"name": "a", "score": 1}, {"name": "b", "score": "4"}]},
            "activities.1.score",
        ),
        ({"activities": [{"name": "a", "score": 1, "why": "x"}]}, "activities.0.why"),
    ],
)
def test_psfs_errors_name_the_field(raw, field):
    with pytest.raises(FieldError) as caught:
        parse_psfs(raw)
    assert caught.value.field == field


@pytest.mark.parametrize(("value", "words"), [(11, "is 0-10, got 11"), (True, "got True")])
def test_a_pain_score_names_the_field_it_came_from(value, words):
    assert pain_score(7, "--pain") == 7
    with pytest.raises(FieldError) as caught:
        pain_score(value, "--pain")
    assert caught.value.field == "--pain"
    assert words in caught.value.problem


def test_the_api_documents_the_same_models():
    from kneecoach.web.api import models as api

    assert api.SessionCreate is models.SessionCreate
    assert api.PsfsCreate is models.PsfsCreate
    schema = api.EntryCreate.model_json_schema()
    assert schema["properties"]["exercise_id"] == {"$ref": "#/$defs/DoableExerciseId"}
    assert AVOID not in schema["$defs"]["DoableExerciseId"]["enum"]


def test_importing_the_checks_loads_no_pydantic():
    """Every CLI command imports this module; the quick ones must stay quick."""
    code = (
        "import sys, kneecoach.services.validation; "
        "sys.exit('pydantic' in sys.modules or 'kneecoach.services.models' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0


def test_a_copy_of_the_log_is_untouched():
    sent = log(client_id=" x ")
    kept = copy.deepcopy(sent)
    parse_session_log(sent, CATALOGUE, TODAY)
    assert sent == kept
