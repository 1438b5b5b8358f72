"""What to draw for one posed body: limbs, torso, head, props, muscle highlights.

A `Part` is a 3-D shape with a style; `render` projects it. Parts keep the
same keys and kinds in every pose so the animation can morph between them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kneecoach.figures import anthropometry as a
from kneecoach.figures.camera import camera
from kneecoach.figures.keyframes import Figure
from kneecoach.figures.props import ball_centre, boxes, crank_centre, handlebar, strap_path
from kneecoach.figures.skeleton import Body
from kneecoach.figures.vec import Vec, apply, lerp

SHIRT = ("#4f86c6", "#3c6ca3")  # near side, far side
TROUSERS = ("#4a5a6e", "#38465a")
WORKING = ("#f28c28", "#d4731a")
SKIN = ("#f0c29e", "#dca985")
SHOES = ("#2f3a45", "#242d36")
HIGHLIGHT = "#e63946"
PROP_FILL = {
    "mat": "#9cc9a8",
    "seat": "#b5865a",
    "wood": "#c89b6d",
    "pad": "#f6d55c",
    "cushion": "#d7a1b6",
    "frame": "#7b8794",
}


@dataclass(frozen=True)
class Part:
    """One drawable shape. `kind` is capsule, torso, circle, line or box."""

    key: str
    kind: str
    points: tuple[Vec, ...]
    radii: tuple[float, ...]
    fill: str
    layer: int  # 0 props under the body, 1 the body (sorted by depth), 2 on top
    bias: float = 0.0  # nudges the depth order where shapes touch
    host: str = ""  # a highlight is drawn just above the part it sits on


def _leg_colour(figure: Figure, side: str) -> tuple[str, str]:
    works = figure.working == "both" or figure.working == ("right" if side == "r" else "left")
    return WORKING if works else TROUSERS


def _body_parts(figure: Figure, body: Body) -> list[Part]:
    parts = [
        Part("torso", "torso", tuple(body.torso), (a.TORSO_R,), SHIRT[0], 1, -0.03),
        Part(
            "neck",
            "capsule",
            (body.capsules["neck"].a, body.head),
            (a.NECK_R, a.NECK_R),
            SKIN[0],
            1,
            -0.04,
        ),
        Part("head", "circle", (body.head,), (a.HEAD_R,), SKIN[0], 1, 0.01),
    ]
    cam = camera(figure.view)
    centre = cam.project(body.points["pelvis"])[2]
    for s in "lr":
        # The limbs on the side away from the viewer are drawn a shade darker.
        near = cam.project(body.points[f"hip_{s}"])[2] >= centre - 1e-6
        shade = 0 if near else 1
        legs = _leg_colour(figure, s)
        style = {
            "upper_arm": SHIRT[shade],
            "forearm": SKIN[shade],
            "hand": SKIN[shade],
            "thigh": legs[shade],
            "shank": legs[shade],
            "foot": SHOES[shade],
        }
        for seg, colour in style.items():
            cap = body.capsules[f"{seg}_{s}"]
            parts.append(Part(cap.name, "capsule", (cap.a, cap.b), (cap.ra, cap.rb), colour, 1))
    return parts


def _prop_parts(figure: Figure, body: Body) -> list[Part]:
    parts: list[Part] = []
    for spec in figure.props:
        for i, box in enumerate(boxes(spec)):
            parts.append(
                Part(f"{spec.name}-{i}", "box", (box.lo, box.hi), (), PROP_FILL[box.role], 0)
            )
        if spec.kind == "ball":
            parts.append(
                Part(spec.name, "circle", (ball_centre(body),), (spec.num("radius"),), "#ef6f6c", 1)
            )
        elif spec.kind == "strap":
            parts.append(
                Part(spec.name, "line", tuple(strap_path(spec, body)), (0.007,), "#7b4fa3", 2)
            )
        elif spec.kind == "bike":
            parts += _bike_parts(
                spec.name,
                crank_centre(spec),
                handlebar(spec),
                spec.num("crank"),
                Vec(spec.num("saddle_x"), spec.num("saddle_y"), 0),
                body,
            )
    return parts


def _bike_parts(name: str, crank: Vec, bar: Vec, arm: float, saddle: Vec, body: Body) -> list[Part]:
    frame = PROP_FILL["frame"]
    wheel = Vec(crank.x + 0.24, crank.y - 0.02, 0)
    parts = [
        Part(f"{name}-wheel", "circle", (wheel,), (0.12,), "#5c6670", 0),
        Part(f"{name}-post", "line", (saddle, crank), (0.014,), frame, 0),
        Part(f"{name}-stem", "line", (bar, Vec(bar.x - 0.06, 0.02, 0), crank), (0.016,), frame, 0),
        Part(f"{name}-back", "line", (Vec(crank.x - 0.22, 0.02, 0), crank), (0.016,), frame, 0),
    ]
    for s in "lr":
        toe = body.points[f"toe_{s}"]
        flat = Vec(toe.x - crank.x, toe.y - crank.y, 0).unit().scale(arm)
        pedal = Vec(crank.x + flat.x, crank.y + flat.y, toe.z)
        parts.append(
            Part(
                f"{name}-crank-{s}",
                "line",
                (Vec(crank.x, crank.y, toe.z), pedal),
                (0.011,),
                "#39424c",
                1,
                -0.02,
            )
        )
    return parts


# Where each target muscle sits: (segment, from, to, offset along the segment's
# forward axis, offset toward the midline, radius). Offsets are fractions of H.
_MUSCLES: dict[str, list[tuple[str, float, float, float, float, float]]] = {
    "quadriceps": [("thigh", 0.15, 0.85, 0.022, 0.0, 0.026)],
    "hamstrings": [("thigh", 0.15, 0.85, -0.022, 0.0, 0.026)],
    "adductors": [("thigh", 0.1, 0.65, 0.0, 0.02, 0.026)],
    "hip flexors": [("thigh", 0.0, 0.3, 0.028, 0.0, 0.022)],
    "gluteus maximus": [("pelvis", 0.0, 0.0, -0.035, 0.0, 0.04)],
    "gluteus medius": [("pelvis", 0.0, 0.0, 0.0, -0.03, 0.03)],
    "abdominals": [("trunk", 0.1, 0.75, 0.035, 0.0, 0.032)],
    "back": [("trunk", 0.1, 0.9, -0.035, 0.0, 0.032)],
    "heart": [("trunk", 0.6, 0.9, 0.03, 0.0, 0.035)],
    "ankle": [("shank", 0.55, 0.95, -0.01, 0.0, 0.02)],
}
_WORDS = {
    "quadriceps": ("quadriceps", "front of the thigh", "thigh muscles", "leg"),
    "hamstrings": ("hamstring",),
    "adductors": ("adductor", "inner thigh"),
    "hip flexors": ("hip flexor",),
    "gluteus maximus": ("gluteus maximus", "buttock", "hip muscles", "hip, "),
    "gluteus medius": ("gluteus medius", "side of the hip"),
    "abdominals": ("abdominal", "belly", "core", "oblique", "trunk muscles"),
    "back": ("back muscles",),
    "heart": ("heart",),
    "ankle": ("ankle and foot",),
}


def muscles_for(targets: Sequence[str]) -> list[str]:
    """The muscle regions the model can highlight for an exercise's target list."""
    text = " ".join(targets).lower()
    return [m for m, words in _WORDS.items() if any(w in text for w in words)]


def _highlight_parts(figure: Figure, body: Body, muscles: Sequence[str]) -> list[Part]:
    sides = {"right": "r", "left": "l"}.get(figure.working, "lr")
    parts = []
    for muscle in muscles:
        for seg, t0, t1, fwd, mid, r in _MUSCLES[muscle]:
            for s in sides:
                k = 1.0 if s == "r" else -1.0
                if seg == "trunk":
                    frame = body.frames["waist"]
                    p0, p1 = body.points["waist"], body.points["neck_base"]
                elif seg == "pelvis":
                    frame = body.frames["pelvis"]
                    p0 = p1 = body.points[f"hip_{s}"]
                else:
                    cap = body.capsules[f"{seg}_{s}"]
                    frame, p0, p1 = cap.frame, cap.a, cap.b
                shift = apply(frame, Vec(fwd, 0.0, -k * mid))
                a_pt, b_pt = lerp(p0, p1, t0) + shift, lerp(p0, p1, t1) + shift
                owner = f"{seg}_{s}" if seg not in ("trunk", "pelvis") else "torso"
                parts.append(
                    Part(
                        f"muscle-{muscle}-{s}",
                        "capsule",
                        (a_pt, b_pt),
                        (r, r * 0.8),
                        HIGHLIGHT,
                        1,
                        0.0,
                        owner,
                    )
                )
                if seg == "trunk" or (seg == "pelvis" and muscle == "gluteus maximus"):
                    break  # one patch in the middle of the body is enough
    return parts


def parts(figure: Figure, body: Body, muscles: Sequence[str] = ()) -> list[Part]:
    """Every shape to draw for `body` in `figure`, muscles highlighted if given."""
    return (
        _prop_parts(figure, body)
        + _body_parts(figure, body)
        + _highlight_parts(figure, body, muscles)
    )
