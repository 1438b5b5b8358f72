"""The kinematic skeleton: a pose (joint angles plus root placement) to 3-D points.

The root is the pelvis, placed at the midpoint of the hip joints. In the rest
pose the figure stands facing +x with its right side toward +z.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from kneecoach.figures import anthropometry as a
from kneecoach.figures.vec import Mat, Vec, apply, lerp, mul, rot_x, rot_y, rot_z


@dataclass(frozen=True)
class Root:
    """Where the pelvis is and how the whole body is turned (degrees).

    Rotations apply roll first (about the body's forward axis, + tips onto the
    left side), then pitch (about the world z axis, + tips the head backwards),
    then yaw (about the vertical, + turns the figure's front toward -z).
    """

    x: float = 0.0
    y: float = a.HIP_HEIGHT
    z: float = 0.0
    yaw: float = 0.0
    pitch: float = 0.0
    roll: float = 0.0


@dataclass(frozen=True)
class Pose:
    """Joint angles keyed by (joint, movement), e.g. ("knee_r", "flex"), plus the root."""

    root: Root = field(default_factory=Root)
    angles: Mapping[tuple[str, str], float] = field(default_factory=dict)

    def angle(self, joint: str, dof: str) -> float:
        return self.angles.get((joint, dof), 0.0)


@dataclass(frozen=True)
class Capsule:
    """A limb: a tapered capsule from `a` (radius `ra`) to `b` (radius `rb`)."""

    name: str
    a: Vec
    b: Vec
    ra: float
    rb: float
    frame: Mat


@dataclass(frozen=True)
class Body:
    """A posed body: named points, limb capsules, the torso outline and the head."""

    points: dict[str, Vec]
    capsules: dict[str, Capsule]
    torso: list[Vec]  # closed outline, drawn with radius TORSO_R
    head: Vec
    frames: dict[str, Mat]

    def spheres(self) -> dict[str, tuple[Vec, float]]:
        """Named contact spheres (centre, radius) that can touch a surface."""
        p = self.points
        out = {
            "head": (self.head, a.HEAD_R),
            "upper_back": (p["neck_base"], a.TORSO_R),
            "chest": (p["chest"], a.TORSO_R),
            "waist": (p["waist"], a.TORSO_R),
            "pelvis": (p["pelvis"], a.TORSO_R),
        }
        for s in "lr":
            out[f"hip_{s}"] = (p[f"hip_{s}"], a.THIGH_R[0])
            out[f"knee_{s}"] = (p[f"knee_{s}"], a.THIGH_R[1])
            out[f"ankle_{s}"] = (p[f"ankle_{s}"], a.SHANK_R[1])
            out[f"heel_{s}"] = (p[f"heel_{s}"], a.HEEL_R)
            out[f"toe_{s}"] = (p[f"toe_{s}"], a.TOE_R)
            out[f"shoulder_{s}"] = (p[f"shoulder_{s}"], a.UPPER_ARM_R[0])
            out[f"elbow_{s}"] = (p[f"elbow_{s}"], a.UPPER_ARM_R[1])
            out[f"hand_{s}"] = (p[f"palm_{s}"], a.HAND_R[0])
        return out


def _root_frame(root: Root) -> Mat:
    return mul(rot_y(root.yaw), rot_z(root.pitch), rot_x(-root.roll))


def _side(s: str) -> float:
    # Abduction and external rotation turn the right limb toward +z, the left toward -z.
    return -1.0 if s == "r" else 1.0


def _trunk(pose: Pose, r0: Mat, pelvis: Vec, pts: dict[str, Vec], frames: dict[str, Mat]) -> Mat:
    half = mul(
        rot_y(pose.angle("trunk", "twist") / 2),
        rot_x(pose.angle("trunk", "bend") / 2),
        rot_z(-pose.angle("trunk", "flex") / 2),
    )
    pts["waist"] = pelvis + apply(r0, Vec(0, a.WAIST_UP, 0))
    r1 = mul(r0, half)
    pts["chest"] = pts["waist"] + apply(r1, Vec(0, a.CHEST_UP, 0))
    r2 = mul(r1, half)
    pts["neck_base"] = pts["chest"] + apply(r2, Vec(0, a.NECK_UP, 0))
    frames.update(waist=r1, chest=r2)
    return r2


def _arm(pose: Pose, s: str, r2: Mat, pts: dict[str, Vec], caps: dict[str, Capsule]) -> None:
    k = _side(s)
    shoulder = pts["neck_base"] + apply(r2, Vec(0, -0.012, -k * a.SHOULDER_Z))
    rs = mul(r2, rot_z(pose.angle(f"shoulder_{s}", "flex")))
    rs = mul(rs, rot_x(k * pose.angle(f"shoulder_{s}", "abd")))
    elbow = shoulder + apply(rs, Vec(0, -a.UPPER_ARM, 0))
    re = mul(rs, rot_z(pose.angle(f"elbow_{s}", "flex")))
    wrist = elbow + apply(re, Vec(0, -a.FOREARM, 0))
    rw = mul(re, rot_z(pose.angle(f"wrist_{s}", "flex")))
    tip = wrist + apply(rw, Vec(0, -a.HAND_DRAWN, 0))
    pts.update({f"shoulder_{s}": shoulder, f"elbow_{s}": elbow, f"wrist_{s}": wrist})
    pts[f"palm_{s}"] = lerp(wrist, tip, 0.6)
    caps[f"upper_arm_{s}"] = Capsule(f"upper_arm_{s}", shoulder, elbow, *a.UPPER_ARM_R, rs)
    caps[f"forearm_{s}"] = Capsule(f"forearm_{s}", elbow, wrist, *a.FOREARM_R, re)
    caps[f"hand_{s}"] = Capsule(f"hand_{s}", wrist, tip, *a.HAND_R, rw)


def _leg(
    pose: Pose, s: str, r0: Mat, pelvis: Vec, pts: dict[str, Vec], caps: dict[str, Capsule]
) -> None:
    k = _side(s)
    hip = pelvis + apply(r0, Vec(0, 0, -k * a.HIP_Z))
    rh = mul(
        r0,
        rot_z(pose.angle(f"hip_{s}", "flex")),
        rot_x(k * pose.angle(f"hip_{s}", "abd")),
        rot_y(k * pose.angle(f"hip_{s}", "rot")),
    )
    knee = hip + apply(rh, Vec(0, -a.THIGH, 0))
    rk = mul(rh, rot_z(-pose.angle(f"knee_{s}", "flex")))
    ankle = knee + apply(rk, Vec(0, -a.SHANK, 0))
    ra = mul(rk, rot_z(pose.angle(f"ankle_{s}", "flex")))
    heel = ankle + apply(ra, Vec(a.HEEL_AT[0], a.HEEL_AT[1], 0))
    toe = ankle + apply(ra, Vec(a.TOE_AT[0], a.TOE_AT[1], 0))
    pts.update({f"hip_{s}": hip, f"knee_{s}": knee, f"ankle_{s}": ankle})
    pts.update({f"heel_{s}": heel, f"toe_{s}": toe})
    # The sole: halfway between heel and toe, on the underside of the foot.
    pts[f"sole_{s}"] = lerp(heel, toe, 0.5) + apply(ra, Vec(0, -(a.HEEL_R + a.TOE_R) / 2, 0))
    caps[f"thigh_{s}"] = Capsule(f"thigh_{s}", hip, knee, *a.THIGH_R, rh)
    caps[f"shank_{s}"] = Capsule(f"shank_{s}", knee, ankle, *a.SHANK_R, rk)
    caps[f"foot_{s}"] = Capsule(f"foot_{s}", heel, toe, a.HEEL_R, a.TOE_R, ra)


def _torso(pts: dict[str, Vec], frames: dict[str, Mat], r0: Mat) -> list[Vec]:
    # Half-widths of the outline (minus the stroke radius) from the published widths.
    levels = [
        ("pelvis", r0, a.HIP_WIDTH / 2 - a.TORSO_R),
        ("waist", frames["waist"], 0.040),
        ("chest", frames["chest"], 0.060),
        ("neck_base", frames["chest"], a.SHOULDER_WIDTH / 2 - a.TORSO_R),
    ]
    left = [pts[n] + apply(m, Vec(0, 0, -w)) for n, m, w in levels]
    right = [pts[n] + apply(m, Vec(0, 0, w)) for n, m, w in levels]
    return left + right[::-1]


def forward(pose: Pose) -> Body:
    """Place every segment of the body for `pose` (3-D forward kinematics)."""
    root = pose.root
    r0 = _root_frame(root)
    pelvis = Vec(root.x, root.y, root.z)
    pts: dict[str, Vec] = {"pelvis": pelvis}
    frames: dict[str, Mat] = {"pelvis": r0}
    caps: dict[str, Capsule] = {}
    r2 = _trunk(pose, r0, pelvis, pts, frames)
    rn = mul(r2, rot_z(-pose.angle("neck", "flex")))
    head = pts["neck_base"] + apply(rn, Vec(0.012, a.HEAD_UP, 0))
    frames["head"] = rn
    caps["neck"] = Capsule("neck", pts["neck_base"], head, a.NECK_R, a.NECK_R, rn)
    for s in "lr":
        _arm(pose, s, r2, pts, caps)
        _leg(pose, s, r0, pelvis, pts, caps)
    return Body(pts, caps, _torso(pts, frames, r0), head, frames)
