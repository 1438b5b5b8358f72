"""Props as simple solids: the floor, mat, chair, step, foam pad, cushions, ball, strap, bike.

Fixed props are axis-aligned boxes in world space (units of body height).
The ball, the strap and the pedals follow the body, so they are placed from
the posed body each time.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from kneecoach.figures.skeleton import Body
from kneecoach.figures.vec import Vec, lerp

PROP_KINDS = ("mat", "chair", "step", "pad", "cushion", "ball", "strap", "water", "bike")

# Parameters each kind accepts, with defaults (a chair seat is about 45 cm high
# for a 1.75 m person, a household step about 17 cm, a foam pad about 6 cm).
PROP_PARAMS: dict[str, dict[str, float | str]] = {
    "mat": {"x0": -0.55, "x1": 0.65, "thickness": 0.014},
    "chair": {"x": 0.0, "height": 0.26, "depth": 0.24},
    "step": {"x": 0.2, "height": 0.10, "depth": 0.22},
    "pad": {"x": 0.2, "height": 0.035, "depth": 0.20},
    "cushion": {"x0": 0.0, "x1": 0.2, "y0": 0.0, "height": 0.08},
    "ball": {"radius": 0.05},
    "strap": {"foot": "r", "length": 0.75},
    "water": {"level": 0.7},
    "bike": {
        "saddle_x": 0.0,
        "saddle_y": 0.46,
        "crank_x": 0.16,
        "crank_y": 0.17,
        "crank": 0.09,
        "bar_x": 0.38,
        "bar_y": 0.72,
    },
}


@dataclass(frozen=True)
class PropSpec:
    """One prop from a keyframe file: its kind, the name contacts use, its parameters."""

    kind: str
    name: str
    params: Mapping[str, float | str] = field(default_factory=dict)

    def num(self, key: str) -> float:
        value = self.params.get(key, PROP_PARAMS[self.kind][key])
        return float(value)

    def text(self, key: str) -> str:
        return str(self.params.get(key, PROP_PARAMS[self.kind][key]))


@dataclass(frozen=True)
class Box:
    """An axis-aligned solid; `surface` is the name a contact uses for it."""

    surface: str
    lo: Vec
    hi: Vec
    role: str  # what it is drawn as: "mat", "seat", "wood", "pad", "cushion", "frame"
    solid: bool = True  # legs and frames are drawn but not tested for collisions


def _box(
    surface: str,
    lo: tuple[float, float, float],
    hi: tuple[float, float, float],
    role: str,
    solid: bool = True,
) -> Box:
    return Box(surface, Vec(*lo), Vec(*hi), role, solid)


def _chair(p: PropSpec) -> list[Box]:
    x, h, d = p.num("x"), p.num("height"), p.num("depth")
    back = x - d
    out = [
        _box(p.name, (back, h - 0.025, -0.13), (x, h, 0.13), "seat"),
        _box(f"{p.name}_back", (back - 0.02, h, -0.13), (back, h + 0.28, 0.13), "seat"),
    ]
    for lx in (back + 0.005, x - 0.02):
        for lz in (-0.12, 0.105):
            out.append(_box("", (lx, 0, lz), (lx + 0.015, h - 0.025, lz + 0.015), "frame", False))
    return out


def _bike(p: PropSpec) -> list[Box]:
    sx, sy = p.num("saddle_x"), p.num("saddle_y")
    return [
        _box("saddle", (sx - 0.07, sy - 0.025, -0.06), (sx + 0.05, sy, 0.06), "seat"),
        _box(
            "",
            (p.num("crank_x") - 0.25, 0, -0.08),
            (p.num("bar_x") + 0.05, 0.02, 0.08),
            "frame",
            False,
        ),
    ]


def boxes(p: PropSpec) -> list[Box]:
    """The fixed solids of a prop (none for the props that follow the body)."""
    k = p.kind
    if k == "mat":
        return [
            _box(p.name, (p.num("x0"), 0, -0.22), (p.num("x1"), p.num("thickness"), 0.22), "mat")
        ]
    if k == "chair":
        return _chair(p)
    if k in ("step", "pad"):
        x, h, d = p.num("x"), p.num("height"), p.num("depth")
        width = 0.26 if k == "step" else 0.18
        return [_box(p.name, (x, 0, -width), (x + d, h, width), "wood" if k == "step" else "pad")]
    if k == "cushion":
        y0 = p.num("y0")
        return [
            _box(
                p.name,
                (p.num("x0"), y0, -0.16),
                (p.num("x1"), y0 + p.num("height"), 0.16),
                "cushion",
            )
        ]
    if k == "bike":
        return _bike(p)
    return []


def signed_distance(box: Box, p: Vec) -> float:
    """Distance from `p` to the box surface: negative inside."""
    dx = max(box.lo.x - p.x, 0.0, p.x - box.hi.x)
    dy = max(box.lo.y - p.y, 0.0, p.y - box.hi.y)
    dz = max(box.lo.z - p.z, 0.0, p.z - box.hi.z)
    outside = math.sqrt(dx * dx + dy * dy + dz * dz)
    if outside > 0:
        return outside
    return -min(
        p.x - box.lo.x,
        box.hi.x - p.x,
        p.y - box.lo.y,
        box.hi.y - p.y,
        p.z - box.lo.z,
        box.hi.z - p.z,
    )


def ball_centre(body: Body) -> Vec:
    """The ball sits between the knees."""
    return lerp(body.points["knee_l"], body.points["knee_r"], 0.5)


def strap_path(p: PropSpec, body: Body) -> list[Vec]:
    """The strap: from the left hand, round the sole of the foot, back to the right hand."""
    sole = body.points[f"sole_{p.text('foot')}"]
    return [body.points["palm_l"], sole, body.points["palm_r"]]


def crank_centre(p: PropSpec) -> Vec:
    """The pedal axle of the bike."""
    return Vec(p.num("crank_x"), p.num("crank_y"), 0.0)


def handlebar(p: PropSpec) -> Vec:
    """The middle of the handlebar."""
    return Vec(p.num("bar_x"), p.num("bar_y"), 0.0)
