"""SVG output: an animated loop (SMIL, no JavaScript) and a static strip of key poses.

`animated_svg(exercise_id)` and `strip_svg(exercise_id)` are what the CLI, the
web app and the handout call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from kneecoach.content.loader import load_catalogue
from kneecoach.domain.exercises import Exercise
from kneecoach.figures.camera import Camera, camera
from kneecoach.figures.keyframes import Figure, load_figure
from kneecoach.figures.motion import schedule
from kneecoach.figures.scene import Part, muscles_for, parts
from kneecoach.figures.shapes import Point, capsule_path, convex_hull, polygon_path
from kneecoach.figures.skeleton import Body, forward
from kneecoach.figures.vec import Vec, apply

SCALE = 150.0  # pixels per body height
PAD = 12.0
FLOOR = ("#ebe6de", "#b3a999")
WATER = "#6cc3e0"
LABEL_H = 22.0
MIN_PANEL = 170.0


@dataclass(frozen=True)
class Viewport:
    """Maps world points to SVG pixels for one camera."""

    cam: Camera
    u0: float
    v1: float
    width: float
    height: float

    def xy(self, p: Vec) -> Point:
        u, v, _ = self.cam.project(p)
        return (u - self.u0) * SCALE + PAD, (self.v1 - v) * SCALE + PAD

    def depth(self, p: Vec) -> float:
        return self.cam.project(p)[2]


def _corners(lo: Vec, hi: Vec) -> list[Vec]:
    return [Vec(x, y, z) for x in (lo.x, hi.x) for y in (lo.y, hi.y) for z in (lo.z, hi.z)]


def _extent_points(part: Part) -> list[tuple[Vec, float]]:
    if part.kind == "box":
        return [(c, 0.0) for c in _corners(*part.points)]
    r = part.radii[0] if part.radii else 0.0
    return [(p, max(part.radii, default=r)) for p in part.points]


def viewport(figure: Figure, frames: Sequence[list[Part]]) -> Viewport:
    """A frame around every part in every pose, with the floor showing below."""
    cam = camera(figure.view)
    us: list[float] = []
    vs: list[float] = []
    for frame in frames:
        for part in frame:
            for p, r in _extent_points(part):
                u, v, _ = cam.project(p)
                us += [u - r, u + r]
                vs += [v - r, v + r]
    floor_v = min([*vs, 0.0]) - 0.04
    if any(spec.kind == "water" for spec in figure.props):
        vs.append(max(spec.num("level") for spec in figure.props if spec.kind == "water") + 0.05)
    u0, u1, v0, v1 = min(us) - 0.04, max(us) + 0.04, floor_v, max(vs) + 0.02
    return Viewport(cam, u0, v1, (u1 - u0) * SCALE + 2 * PAD, (v1 - v0) * SCALE + 2 * PAD)


def _geometry(part: Part, vp: Viewport) -> dict[str, str]:
    """The changing attributes of one part in one pose."""
    if part.kind == "circle":
        x, y = vp.xy(part.points[0])
        return {"cx": f"{x:.1f}", "cy": f"{y:.1f}"}
    if part.kind == "capsule":
        return {
            "d": capsule_path(
                vp.xy(part.points[0]),
                part.radii[0] * SCALE,
                vp.xy(part.points[1]),
                part.radii[1] * SCALE,
            )
        }
    if part.kind == "box":
        hull = convex_hull([vp.xy(c) for c in _corners(*part.points)])
        return {"d": polygon_path(hull)}
    return {"d": polygon_path([vp.xy(p) for p in part.points], part.kind == "torso")}


def _style(part: Part) -> str:
    r = part.radii[0] * SCALE if part.radii else 0.0
    if part.kind == "torso":
        return (
            f'fill="{part.fill}" stroke="{part.fill}" stroke-width="{2 * r:.1f}" '
            'stroke-linejoin="round"'
        )
    if part.kind == "line":
        return (
            f'fill="none" stroke="{part.fill}" stroke-width="{2 * r:.1f}" '
            'stroke-linecap="round" stroke-linejoin="round"'
        )
    if part.kind == "circle":
        return f'r="{r:.1f}" fill="{part.fill}" stroke="#ffffff" stroke-width="1.2"'
    if part.key.startswith("muscle-"):
        return f'fill="{part.fill}" fill-opacity="0.75"'
    if part.kind == "box":
        return f'fill="{part.fill}" stroke="#6b5d4f" stroke-width="1" stroke-linejoin="round"'
    return f'fill="{part.fill}" stroke="#ffffff" stroke-width="1.2" stroke-linejoin="round"'


def _order(frames: Sequence[list[Part]], vp: Viewport) -> list[int]:
    """Painter's order: props first, then the body from far to near, overlays last."""
    depth: dict[str, float] = {}
    for frame in frames:
        for part in frame:
            if part.kind == "box":
                d = 0.0
            else:
                d = sum(vp.depth(p) for p in part.points) / len(part.points)
            depth[part.key] = depth.get(part.key, 0.0) + d + part.bias
    first = frames[0]
    for part in first:
        if part.host:
            depth[part.key] = depth[part.host] + 1e-6
    return sorted(range(len(first)), key=lambda i: (first[i].layer, depth[first[i].key]))


def _animate(name: str, values: list[str], key_times: str, dur: float) -> str:
    return (
        f'<animate attributeName="{name}" dur="{dur:.2f}s" repeatCount="indefinite" '
        f'calcMode="linear" keyTimes="{key_times}" values="{";".join(values)}"/>'
    )


def _element(
    index: int, frames: Sequence[list[Part]], vp: Viewport, timing: tuple[str, float]
) -> str:
    part = frames[0][index]
    geos = [_geometry(frame[index], vp) for frame in frames]
    tag = "circle" if part.kind == "circle" else "path"
    attrs = " ".join(f'{k}="{v}"' for k, v in geos[0].items())
    anims = ""
    if len(frames) > 1:
        for key in geos[0]:
            values = [g[key] for g in geos]
            if len(set(values)) > 1:
                anims += _animate(key, values, *timing)
    outline = ""
    if part.kind == "torso":
        # A white rim a little wider than the torso keeps it apart from limbs behind it.
        width = 2 * part.radii[0] * SCALE + 2.4
        rim = anims
        outline = (
            f'<path {attrs} fill="#ffffff" stroke="#ffffff" stroke-width="{width:.1f}" '
            f'stroke-linejoin="round">{rim}</path>'
        )
    return f"{outline}<{tag} {attrs} {_style(part)}>{anims}</{tag}>"


def _eye(body: Body, vp: Viewport) -> Vec | None:
    eye = body.head + apply(body.frames["head"], Vec(0.042, 0.012, 0.0))
    return eye if vp.depth(eye) >= vp.depth(body.head) - 0.02 else None


def _floor(figure: Figure, vp: Viewport) -> str:
    if vp.cam.up.y > 0.99:
        _, y = vp.xy(Vec(0, 0, 0))
        return (
            f'<rect x="0" y="{y:.1f}" width="{vp.width:.1f}" height="{vp.height - y:.1f}" '
            f'fill="{FLOOR[0]}"/><path d="M0,{y:.1f}H{vp.width:.1f}" stroke="{FLOOR[1]}" '
            'stroke-width="1.5"/>'
        )
    return f'<rect width="{vp.width:.1f}" height="{vp.height:.1f}" fill="{FLOOR[0]}"/>'


def _water(figure: Figure, vp: Viewport) -> str:
    out = ""
    for spec in figure.props:
        if spec.kind != "water":
            continue
        _, y = vp.xy(Vec(0, spec.num("level"), 0))
        waves = "".join("q6,-4 12,0" for _ in range(int(vp.width // 12) + 1))
        out += (
            f'<rect x="0" y="{y:.1f}" width="{vp.width:.1f}" height="{vp.height - y:.1f}" '
            f'fill="{WATER}" fill-opacity="0.35"/><path d="M0,{y:.1f}{waves}" fill="none" '
            f'stroke="{WATER}" stroke-width="2"/>'
        )
    return out


def figure_markup(
    figure: Figure,
    bodies: Sequence[Body],
    muscles: Sequence[str],
    timing: tuple[str, float] | None,
    vp: Viewport | None = None,
) -> tuple[str, Viewport]:
    """The drawing of `bodies` (one, or the animation samples) without the <svg> wrapper."""
    frames = [parts(figure, body, muscles) for body in bodies]
    vp = vp or viewport(figure, frames)
    order = _order(frames, vp)
    timing = timing or ("0;1", 1.0)
    out = [_floor(figure, vp)]
    eye = _eye(bodies[0], vp)
    for index in order:
        out.append(_element(index, frames, vp, timing))
        if frames[0][index].key == "head" and eye is not None:
            eyes = [
                vp.xy(body.head + apply(body.frames["head"], Vec(0.042, 0.012, 0.0)))
                for body in bodies
            ]
            anim = ""
            if len(bodies) > 1:
                anim = _animate("cx", [f"{x:.1f}" for x, _ in eyes], *timing) + _animate(
                    "cy", [f"{y:.1f}" for _, y in eyes], *timing
                )
            out.append(
                f'<circle cx="{eyes[0][0]:.1f}" cy="{eyes[0][1]:.1f}" r="2.2" '
                f'fill="#2b2b2b">{anim}</circle>'
            )
    out.append(_water(figure, vp))
    return "".join(out), vp


def _open(exercise: Exercise, kind: str, width: float, height: float, title: str, desc: str) -> str:
    ident = f"{exercise.id}-{kind}"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(desc)}</desc>'
    )


def _describe(exercise: Exercise, figure: Figure) -> str:
    stages = "; then ".join(key.label for key in figure.poses)
    side = {
        "right": " The coloured leg is the one working.",
        "left": " The coloured leg is the one working.",
        "both": " Both legs are working; they are coloured.",
        "none": "",
    }[figure.working]
    return f"{stages}.{side}"


def animated_svg(exercise_id: str, highlight: bool = True) -> str:
    """An animated loop of the exercise as a standalone SVG document."""
    exercise = load_catalogue().get(exercise_id)
    figure = load_figure(exercise_id)
    samples = schedule(figure, exercise.dose)
    total = samples[-1].time
    key_times = ";".join(f"{s.time / total:.4f}" for s in samples)
    muscles = muscles_for(exercise.targets) if highlight else []
    bodies = [forward(s.pose) for s in samples]
    # Size the view from the key poses and every sample, so nothing moves out of frame.
    markup, vp = figure_markup(figure, bodies, muscles, (key_times, total))
    title = f"{exercise.name}: animated figure"
    head = _open(exercise, "animated", vp.width, vp.height, title, _describe(exercise, figure))
    return f"{head}{markup}</svg>"


def strip_markup(exercise: Exercise, figure: Figure, highlight: bool) -> tuple[str, float, float]:
    """The key poses side by side with their captions: markup, width and height."""
    muscles = muscles_for(exercise.targets) if highlight else []
    bodies = [key.body() for key in figure.poses]
    frames = [parts(figure, body, muscles) for body in bodies]
    vp = viewport(figure, frames)
    panels = []
    # Wide enough for its caption even when the figure is narrow (someone sitting).
    panel = max(vp.width, MIN_PANEL)
    for i, (key, body) in enumerate(zip(figure.poses, bodies, strict=True)):
        markup, _ = figure_markup(figure, [body], muscles, None, vp)
        x = i * (panel + 8)
        inset = (panel - vp.width) / 2
        panels.append(
            f'<g transform="translate({x:.0f},0)"><g transform="translate({inset:.0f},0)">'
            f'{markup}</g><text x="{panel / 2:.0f}" y="{vp.height + 16:.0f}" '
            'text-anchor="middle" font-family="sans-serif" font-size="12" fill="#333">'
            f"{i + 1}. {escape(key.label)}</text></g>"
        )
    width = len(bodies) * (panel + 8) - 8
    return "".join(panels), width, vp.height + LABEL_H


def strip_svg(exercise_id: str, highlight: bool = False) -> str:
    """The key poses side by side, for print, as a standalone SVG document."""
    exercise = load_catalogue().get(exercise_id)
    figure = load_figure(exercise_id)
    markup, width, height = strip_markup(exercise, figure, highlight)
    title = f"{exercise.name}: key positions"
    head = _open(exercise, "strip", width, height, title, _describe(exercise, figure))
    return f'{head}<rect width="{width:.0f}" height="{height:.0f}" fill="#ffffff"/>{markup}</svg>'
