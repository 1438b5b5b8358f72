"""The loader rejects malformed content, naming the file and the field."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from kneecoach.content.loader import EXERCISE_DIR, ContentError, load_directory


def bridge() -> dict:
    return yaml.safe_load((EXERCISE_DIR / "bridge.yaml").read_text())


def write(directory: Path, entry: dict, name: str | None = None) -> Path:
    path = directory / f"{name or entry['id']}.yaml"
    path.write_text(yaml.safe_dump(entry, sort_keys=False))
    return path


def valid_pair(directory: Path) -> dict:
    """bridge plus a minimal bridge-ball-squeeze, so its link resolves."""
    entry = bridge()
    squeeze = copy.deepcopy(entry)
    squeeze.update(
        id="bridge-ball-squeeze", level="progression", progressions=[], regressions=["bridge"]
    )
    write(directory, squeeze)
    return entry


def load_with(tmp_path: Path, entry: dict, name: str | None = None) -> ContentError:
    write(tmp_path, entry, name)
    with pytest.raises(ContentError) as caught:
        load_directory(tmp_path)
    return caught.value


def test_a_valid_pair_loads(tmp_path):
    entry = valid_pair(tmp_path)
    write(tmp_path, entry)
    catalogue = load_directory(tmp_path)
    assert catalogue.get("bridge").dose.reps.max == 15
    assert catalogue.easiest("bridge-ball-squeeze").id == "bridge"


def test_unknown_key_is_named(tmp_path):
    entry = valid_pair(tmp_path)
    entry["colour"] = "blue"
    error = load_with(tmp_path, entry)
    assert error.path.name == "bridge.yaml"
    assert error.field == "colour"
    assert "bridge.yaml: colour" in str(error)


def test_unknown_key_inside_dose_is_named(tmp_path):
    entry = valid_pair(tmp_path)
    entry["dose"]["speed"] = 3
    assert load_with(tmp_path, entry).field == "dose.speed"


@pytest.mark.parametrize("field", ["name", "purpose", "steps", "dose", "source", "cues"])
def test_missing_field_is_named(tmp_path, field):
    entry = valid_pair(tmp_path)
    del entry[field]
    assert load_with(tmp_path, entry).field == field


def test_link_to_unknown_id_is_named(tmp_path):
    entry = valid_pair(tmp_path)
    entry["regressions"] = ["bridge-on-one-leg"]
    error = load_with(tmp_path, entry)
    assert error.field == "regressions.0"
    assert "bridge-on-one-leg" in error.problem


def test_dose_min_above_max_is_named(tmp_path):
    entry = valid_pair(tmp_path)
    entry["dose"]["reps"] = {"min": 15, "max": 10}
    error = load_with(tmp_path, entry)
    assert error.field == "dose.reps"
    assert "greater than max" in error.problem


@pytest.mark.parametrize("count", [2, 9])
def test_steps_must_number_3_to_8(tmp_path, count):
    entry = valid_pair(tmp_path)
    entry["steps"] = [f"Step {n}." for n in range(count)]
    assert load_with(tmp_path, entry).field == "steps"


def test_unknown_equipment_is_named(tmp_path):
    entry = valid_pair(tmp_path)
    entry["equipment"] = [{"any_of": ["trampoline"]}]
    assert load_with(tmp_path, entry).field.startswith("equipment.0.any_of")


def test_avoid_items_carry_no_dose(tmp_path):
    entry = valid_pair(tmp_path)
    entry.update(category="avoid", level="avoid", why_avoid="It hurts.")
    error = load_with(tmp_path, entry)
    assert error.field == "dose"
    assert "no dose" in error.problem


def test_file_name_must_match_id(tmp_path):
    entry = valid_pair(tmp_path)
    error = load_with(tmp_path, entry, name="bridges")
    assert error.field == "id"
    assert error.path.name == "bridges.yaml"


def test_invalid_yaml_names_the_file(tmp_path):
    (tmp_path / "broken.yaml").write_text("id: [unclosed\n")
    with pytest.raises(ContentError) as caught:
        load_directory(tmp_path)
    assert caught.value.path.name == "broken.yaml"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("valgus_stress", 1),
        ("loadable", "yes"),
        ("dose.rest_seconds", "45"),
        ("dose.sets.min", 2.0),
    ],
)
def test_a_value_of_the_wrong_type_is_named(tmp_path, field, value):
    """Strict: no 1 for true, no "45" for 45 (YAML gives each its own type)."""
    entry = valid_pair(tmp_path)
    *parents, last = field.split(".")
    where = entry
    for part in parents:
        where = where[part]
    where[last] = value
    assert load_with(tmp_path, entry).field == field


def test_a_file_that_is_not_a_mapping_is_named(tmp_path):
    (tmp_path / "bridge.yaml").write_text("- a list\n")
    with pytest.raises(ContentError) as caught:
        load_directory(tmp_path)
    assert (caught.value.field, caught.value.problem) == ("(file)", "expected a mapping of fields")
