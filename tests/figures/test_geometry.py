"""Every key pose of every figure: angles in their cited ranges, resting on something, not sunk."""

from __future__ import annotations

import pytest

from kneecoach.figures import anthropometry as a
from kneecoach.figures.checks import TOLERANCE, contact_errors, contact_gap, penetrations
from kneecoach.figures.keyframes import figure_ids, load_figure
from kneecoach.figures.skeleton import Pose, Root, forward
from kneecoach.figures.vec import Vec
from tests.figures.conftest import all_poses, prescribable_ids

POSES = all_poses()


def test_every_prescribable_exercise_has_a_figure_with_two_keyframes() -> None:
    assert set(prescribable_ids()) <= set(figure_ids())
    for exercise_id in prescribable_ids():
        assert len(load_figure(exercise_id).poses) >= 2, exercise_id


def test_no_figure_for_an_avoid_item() -> None:
    assert not any(name.startswith("avoid-") for name in figure_ids())


def test_standing_rest_pose_matches_the_published_landmarks() -> None:
    body = forward(Pose())
    p = body.points
    assert p["knee_r"].y == pytest.approx(0.285)
    assert p["ankle_r"].y == pytest.approx(0.039)
    assert p["shoulder_r"].y == pytest.approx(a.SHOULDER_HEIGHT - 0.012)
    assert (p["hip_r"] - p["knee_r"]).norm() == pytest.approx(a.THIGH)
    assert (p["knee_r"] - p["ankle_r"]).norm() == pytest.approx(a.SHANK)
    assert (p["elbow_r"] - p["wrist_r"]).norm() == pytest.approx(a.FOREARM)
    assert body.head.y + a.HEAD_R == pytest.approx(1.0, abs=0.005)
    # Standing on the floor: the soles touch it.
    assert contact_gap(body, "heel_r", "floor", ()) == pytest.approx(0.0, abs=1e-9)
    assert contact_gap(body, "toe_l", "floor", ()) == pytest.approx(0.0, abs=1e-9)


def test_joint_rotations_go_the_anatomical_way() -> None:
    flexed = forward(Pose(Root(), {("hip_r", "flex"): 90.0, ("knee_l", "flex"): 90.0}))
    assert flexed.points["knee_r"].x == pytest.approx(a.THIGH)  # hip flexion: thigh forward
    assert flexed.points["ankle_l"].x == pytest.approx(-a.SHANK)  # knee flexion: shank back
    abducted = forward(Pose(Root(), {("hip_r", "abd"): 30.0, ("hip_l", "abd"): 30.0}))
    assert abducted.points["knee_r"].z > abducted.points["hip_r"].z  # right leg out to +z
    assert abducted.points["knee_l"].z < abducted.points["hip_l"].z


@pytest.mark.parametrize(("exercise_id", "index"), POSES)
def test_every_angle_lies_within_its_cited_range(exercise_id: str, index: int) -> None:
    pose = load_figure(exercise_id).poses[index].pose
    for (joint, dof), value in pose.angles.items():
        limits = a.joint_range(joint, dof)
        assert limits is not None, f"{joint}.{dof} has no cited range"
        assert limits[0] <= value <= limits[1], f"{joint}.{dof} = {value}"
    knees = [pose.angle(f"knee_{s}", "flex") for s in "lr"]
    assert min(knees) >= 0, "a knee bent backwards"


@pytest.mark.parametrize(("exercise_id", "index"), POSES)
def test_nothing_sinks_into_the_floor_or_a_prop(exercise_id: str, index: int) -> None:
    figure = load_figure(exercise_id)
    body = figure.poses[index].body()
    assert penetrations(body, figure.props) == []


@pytest.mark.parametrize(("exercise_id", "index"), POSES)
def test_every_declared_contact_touches_its_surface(exercise_id: str, index: int) -> None:
    figure = load_figure(exercise_id)
    key = figure.poses[index]
    assert key.contacts, "a pose with no contact floats"
    assert contact_errors(key.body(), key.contacts, figure.props) == []


@pytest.mark.parametrize(("exercise_id", "index"), POSES)
def test_the_figure_is_held_up_by_a_floor_or_prop_contact(exercise_id: str, index: int) -> None:
    # Hands on a strap do not hold a body up: at least one contact must bear weight.
    held = {"strap", "ball"}
    assert any(surface not in held for _, surface in load_figure(exercise_id).poses[index].contacts)


def test_a_sunken_body_is_caught() -> None:
    low = forward(Pose(Root(y=a.HIP_HEIGHT - 0.05)))
    assert penetrations(low, ()) != []
    assert contact_errors(low, [("heel_r", "floor")], ()) != []


def test_a_floating_body_is_caught() -> None:
    high = forward(Pose(Root(y=a.HIP_HEIGHT + 3 * TOLERANCE)))
    assert contact_errors(high, [("heel_r", "floor")], ()) != []


def test_vectors_behave() -> None:
    assert (Vec(1, 2, 3) - Vec(1, 2, 3)).norm() == 0
