"""The keyframe loader refuses bad files, naming the file and the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from kneecoach.content.loader import ContentError
from kneecoach.figures.keyframes import FIGURE_DIR, load_file


def good() -> dict[str, Any]:
    raw: dict[str, Any] = yaml.safe_load((FIGURE_DIR / "bridge.yaml").read_text())
    return raw


def write(tmp_path: Path, raw: dict[str, Any], name: str = "bridge") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


def refused(path: Path) -> ContentError:
    with pytest.raises(ContentError) as caught:
        load_file(path)
    return caught.value


def test_the_shipped_file_loads(tmp_path: Path) -> None:
    assert len(load_file(write(tmp_path, good())).poses) == 2


def test_an_unknown_key_is_named(tmp_path: Path) -> None:
    raw = good()
    raw["poses"][0]["colour"] = "red"
    error = refused(write(tmp_path, raw))
    assert error.path.name == "bridge.yaml" and error.field == "poses.0.colour"


def test_an_unknown_exercise_id_is_refused(tmp_path: Path) -> None:
    raw = good()
    raw["exercise"] = "moonwalk"
    error = refused(write(tmp_path, raw, "moonwalk"))
    assert error.field == "exercise" and "moonwalk" in str(error)


def test_an_avoid_item_gets_no_figure(tmp_path: Path) -> None:
    raw = good()
    raw["exercise"] = "avoid-high-impact"
    assert refused(write(tmp_path, raw, "avoid-high-impact")).field == "exercise"


def test_an_angle_beyond_its_cited_range_is_refused(tmp_path: Path) -> None:
    raw = good()
    raw["poses"][1]["joints"]["knee"] = {"flex": 150}
    error = refused(write(tmp_path, raw))
    assert error.field == "poses.1.joints.knee.flex" and "135" in error.problem


def test_a_bent_back_knee_is_refused(tmp_path: Path) -> None:
    raw = good()
    raw["poses"][0]["joints"]["knee_r"] = {"flex": -5}
    assert refused(write(tmp_path, raw)).field == "poses.0.joints.knee_r.flex"


def test_a_movement_the_joint_lacks_is_refused(tmp_path: Path) -> None:
    raw = good()
    raw["poses"][0]["joints"]["knee"] = {"abd": 10}
    assert refused(write(tmp_path, raw)).field == "poses.0.joints.knee.abd"


def test_a_pose_without_contacts_is_refused(tmp_path: Path) -> None:
    raw = good()
    raw["poses"][1]["contacts"] = {}
    error = refused(write(tmp_path, raw))
    assert error.field == "poses.1.contacts" and "float" in error.problem


def test_an_unknown_surface_or_point_is_refused(tmp_path: Path) -> None:
    raw = good()
    raw["poses"][0]["contacts"] = {"head": "trampoline"}
    assert refused(write(tmp_path, raw)).field == "poses.0.contacts.head"
    raw["poses"][0]["contacts"] = {"tail": "mat"}
    assert refused(write(tmp_path, raw)).field == "poses.0.contacts.tail"


def test_one_key_pose_is_not_enough(tmp_path: Path) -> None:
    raw = good()
    raw["poses"] = raw["poses"][:1]
    assert refused(write(tmp_path, raw)).field == "poses"


def test_a_prop_parameter_it_does_not_take_is_refused(tmp_path: Path) -> None:
    raw = good()
    raw["props"] = [{"kind": "mat", "params": {"colour": 1}}]
    assert refused(write(tmp_path, raw)).field == "props.0.params.colour"
