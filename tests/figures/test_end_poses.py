"""Each end pose shows what the steps describe (FIGURES.md: what each end pose must show)."""

from __future__ import annotations

from kneecoach.figures.checks import TOLERANCE, contact_gap
from kneecoach.figures.keyframes import Figure, KeyPose, load_figure
from kneecoach.figures.skeleton import Body
from kneecoach.figures.vec import Vec, angle_between


def end(exercise_id: str) -> tuple[Figure, KeyPose, Body]:
    """The held pose, or the last one when nothing is held."""
    figure = load_figure(exercise_id)
    key = next((k for k in figure.poses if k.hold), figure.poses[-1])
    return figure, key, key.body()


def start(exercise_id: str) -> tuple[Figure, KeyPose, Body]:
    figure = load_figure(exercise_id)
    return figure, figure.poses[0], figure.poses[0].body()


def touches(figure: Figure, body: Body, point: str, surface: str) -> bool:
    return abs(contact_gap(body, point, surface, figure.props)) <= TOLERANCE


def off(body: Body, point: str) -> bool:
    """Clear of the floor by more than the tolerance."""
    return contact_gap(body, point, "floor", ()) > TOLERANCE


def trunk_axis(body: Body) -> Vec:
    return body.points["neck_base"] - body.points["pelvis"]


def thigh_axis(body: Body, s: str) -> Vec:
    return body.points[f"knee_{s}"] - body.points[f"hip_{s}"]


def supine(body: Body) -> bool:
    """Lying face up: the trunk is near horizontal and the chest faces the ceiling."""
    return angle_between(trunk_axis(body), Vec(0, 1, 0)) > 60


def test_seated_straight_leg_raise_knee_straight_and_foot_lifted() -> None:
    figure, key, body = end("seated-straight-leg-raise")
    assert key.pose.angle("knee_r", "flex") <= 10
    assert off(body, "heel_r") and off(body, "toe_r")
    assert touches(figure, body, "pelvis", "chair")
    assert any(spec.kind == "chair" for spec in figure.props)


def test_bridge_top_hip_near_neutral_with_trunk_and_thigh_in_line() -> None:
    for exercise_id in ("bridge", "bridge-ball-squeeze"):
        figure, key, body = end(exercise_id)
        for s in "lr":
            assert abs(key.pose.angle(f"hip_{s}", "flex")) <= 15
            assert angle_between(trunk_axis(body), thigh_axis(body, s).scale(-1)) <= 15
            assert touches(figure, body, f"heel_{s}", "mat") and touches(
                figure, body, f"toe_{s}", "mat"
            )
        assert off(body, "pelvis")
        _, first, lying = start(exercise_id)
        assert supine(lying) and first.pose.angle("knee_r", "flex") >= 60


def test_bridge_ball_is_held_between_the_knees() -> None:
    figure, _, body = end("bridge-ball-squeeze")
    assert touches(figure, body, "knee_l", "ball") and touches(figure, body, "knee_r", "ball")


def test_lateral_leg_raise_top_leg_straight_abducted_not_flexed() -> None:
    figure, key, body = end("lateral-leg-raise")
    assert key.pose.angle("hip_r", "abd") >= 20
    assert abs(key.pose.angle("hip_r", "flex")) <= 5
    assert key.pose.angle("knee_r", "flex") <= 5
    assert body.points["knee_r"].y > body.points["hip_r"].y  # lifted toward the ceiling
    assert body.points["hip_r"].y > body.points["hip_l"].y  # lying on the left side
    assert touches(figure, body, "hip_l", "mat")


def test_side_lying_inner_leg_raise_bottom_leg_lifts_top_foot_planted() -> None:
    figure, key, body = end("side-lying-inner-leg-raise")
    assert key.pose.angle("hip_l", "abd") < -10  # the bottom leg lifts by adduction
    assert key.pose.angle("knee_l", "flex") <= 5
    assert off(body, "ankle_l")
    assert touches(figure, body, "heel_r", "mat") and touches(figure, body, "toe_r", "mat")


def test_step_ups_lead_foot_flat_on_top_with_knee_over_toes() -> None:
    for exercise_id, surface in (
        ("step-up", "step"),
        ("step-up-high", "step"),
        ("step-up-foam-pad", "pad"),
    ):
        figure = load_figure(exercise_id)
        lead = figure.poses[1]
        body = lead.body()
        assert touches(figure, body, "heel_r", surface) and touches(figure, body, "toe_r", surface)
        assert abs(body.points["heel_r"].y - body.points["toe_r"].y) < 0.01  # flat
        knee_x = body.points["knee_r"].x
        assert body.points["heel_r"].x - 0.02 <= knee_x <= body.points["toe_r"].x + 0.03
        top = figure.poses[-1].body()
        assert all(touches(figure, top, f"{p}_{s}", surface) for p in ("heel", "toe") for s in "lr")
    high = load_figure("step-up-high").props[0].num("height")
    assert high > load_figure("step-up").props[0].num("height")


def test_butterfly_seated_upright_soles_together_knees_out() -> None:
    figure, _, body = end("seated-butterfly-stretch")
    p = body.points
    assert (p["sole_r"] - p["sole_l"]).norm() <= 0.04
    assert abs(p["knee_r"].z - p["knee_l"].z) > 2.5 * abs(p["hip_r"].z - p["hip_l"].z)
    assert angle_between(trunk_axis(body), Vec(0, 1, 0)) <= 15
    assert touches(figure, body, "pelvis", "mat")


def test_inner_thigh_stretch_strap_leg_raised_then_out_to_the_side() -> None:
    figure, key, body = end("inner-thigh-stretch")
    assert any(s.kind == "strap" and s.text("foot") == "r" for s in figure.props)
    assert touches(figure, body, "hand_r", "strap") and touches(figure, body, "hand_l", "strap")
    assert key.pose.angle("hip_r", "abd") >= 30
    assert key.pose.angle("hip_r", "flex") >= 20
    _, raised, _ = start("inner-thigh-stretch")
    assert raised.pose.angle("hip_r", "flex") >= 45 and raised.pose.angle("hip_r", "abd") == 0
    assert supine(body)


def test_supine_hamstring_stretch_straight_leg_up_on_a_strap() -> None:
    figure, key, body = end("supine-hamstring-stretch")
    assert supine(body)
    assert key.pose.angle("hip_r", "flex") >= 60
    assert 0 < key.pose.angle("knee_r", "flex") <= 15  # straight, not locked
    assert touches(figure, body, "hand_r", "strap")


def test_side_lunge_one_knee_shallow_other_leg_straight_to_the_side() -> None:
    figure, key, body = end("side-lunge-stretch")
    assert 15 <= key.pose.angle("knee_r", "flex") <= 60  # a shallow squat only
    assert key.pose.angle("knee_l", "flex") <= 5
    assert key.pose.angle("hip_l", "abd") >= 20
    assert all(touches(figure, body, f"{p}_{s}", "floor") for p in ("heel", "toe") for s in "lr")


def test_double_knee_to_chest_both_knees_in_back_flat() -> None:
    figure, key, body = end("double-knee-to-chest")
    for s in "lr":
        assert key.pose.angle(f"hip_{s}", "flex") >= 90
        assert key.pose.angle(f"knee_{s}", "flex") >= 80
        assert off(body, f"heel_{s}")
    assert touches(figure, body, "pelvis", "mat") and touches(figure, body, "upper_back", "mat")


def test_single_knee_to_chest_one_knee_in_other_foot_down() -> None:
    figure, key, body = end("single-knee-to-chest")
    assert key.pose.angle("hip_r", "flex") >= 90
    assert touches(figure, body, "heel_l", "mat")
    assert touches(figure, body, "pelvis", "mat")


def test_childs_pose_supported_and_within_knee_range() -> None:
    figure, key, body = end("childs-pose")
    assert all(90 <= key.pose.angle(f"knee_{s}", "flex") <= 135 for s in "lr")
    assert touches(figure, body, "pelvis", "cushion")
    assert touches(figure, body, "chest", "front_cushion")
    assert all(touches(figure, body, f"knee_{s}", "mat") for s in "lr")
    assert key.pose.angle("shoulder_r", "flex") >= 120  # arms reach forward
    assert body.points["palm_r"].x > body.points["neck_base"].x


def test_cat_cow_on_hands_and_knees_back_rounds_then_arches() -> None:
    figure = load_figure("cat-cow")
    flexions = [key.pose.angle("trunk", "flex") for key in figure.poses]
    assert max(flexions) > 15 and min(flexions) < -10
    for key in figure.poses:
        body = key.body()
        points = ("hand_r", "hand_l", "knee_r", "knee_l")
        assert all(touches(figure, body, p, "mat") for p in points)


def test_plank_body_in_a_straight_line_on_forearms_and_toes() -> None:
    figure, key, body = end("plank")
    assert abs(key.pose.angle("hip_r", "flex")) <= 10 and key.pose.angle("knee_r", "flex") <= 5
    assert off(body, "knee_r") and off(body, "pelvis")
    assert touches(figure, body, "elbow_r", "mat") and touches(figure, body, "toe_r", "mat")


def test_mini_squat_stays_shallow_with_feet_flat() -> None:
    figure, key, body = end("mini-squat")
    assert 15 <= key.pose.angle("knee_r", "flex") <= 60  # never a deep squat
    assert all(touches(figure, body, f"{p}_{s}", "floor") for p in ("heel", "toe") for s in "lr")


def test_single_leg_balance_one_foot_off_the_floor() -> None:
    figure, key, body = end("single-leg-balance")
    assert off(body, "heel_l") and off(body, "toe_l")
    assert touches(figure, body, "heel_r", "floor") and key.pose.angle("knee_r", "flex") <= 20


def test_walking_and_pool_alternate_legs() -> None:
    for exercise_id in ("walking", "pool-exercise"):
        figure = load_figure(exercise_id)
        first, second = (k.pose for k in figure.poses[:2])
        assert first.angle("hip_r", "flex") > first.angle("hip_l", "flex")
        assert second.angle("hip_l", "flex") > second.angle("hip_r", "flex")
    water = [s for s in load_figure("pool-exercise").props if s.kind == "water"]
    assert water and water[0].num("level") > 0.5  # at least waist deep


def test_bike_seated_with_feet_on_the_pedals_all_the_way_round() -> None:
    figure = load_figure("stationary-cardio")
    assert len(figure.poses) >= 4 and figure.loop == "cycle"
    for key in figure.poses:
        body = key.body()
        assert touches(figure, body, "pelvis", "saddle")
        assert touches(figure, body, "toe_r", "pedal") and touches(figure, body, "toe_l", "pedal")


def test_bicycle_crunch_one_leg_long_chest_turned() -> None:
    figure = load_figure("bicycle-crunch")
    twists = [key.pose.angle("trunk", "twist") for key in figure.poses]
    assert max(twists) > 15 and min(twists) < -15
    _, key, _ = end("bicycle-crunch")
    knees = sorted(key.pose.angle(f"knee_{s}", "flex") for s in "lr")
    assert knees[0] <= 10 and knees[1] >= 80
