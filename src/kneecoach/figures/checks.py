"""Geometric checks on a posed body: contacts touch, nothing sinks into the floor or a prop.

All distances are in units of body height; the tolerance is 1 % of it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

from kneecoach.figures import anthropometry as a
from kneecoach.figures.props import (
    PropSpec,
    ball_centre,
    boxes,
    crank_centre,
    handlebar,
    signed_distance,
    strap_path,
)
from kneecoach.figures.skeleton import Body
from kneecoach.figures.vec import Vec, lerp

TOLERANCE = 0.01
HANDLEBAR_R = 0.015


def surfaces(props: Sequence[PropSpec]) -> set[str]:
    """Every surface name a contact may name: the floor plus each prop's surfaces."""
    names = {"floor"}
    for spec in props:
        names |= {box.surface for box in boxes(spec) if box.surface}
        if spec.kind in ("ball", "strap"):
            names.add(spec.name)
        if spec.kind == "bike":
            names |= {"pedal", "handlebar"}
    return names


def _prop_gap(spec: PropSpec, surface: str, centre: Vec, r: float, body: Body) -> float | None:
    for box in boxes(spec):
        if box.surface == surface:
            return signed_distance(box, centre) - r
    if spec.kind == "ball" and spec.name == surface:
        return (centre - ball_centre(body)).norm() - r - spec.num("radius")
    if spec.kind == "strap" and spec.name == surface:
        # A hand holds the strap if the strap is long enough to reach it from the foot.
        _, sole, _ = strap_path(spec, body)
        return max(0.0, (centre - sole).norm() - spec.num("length"))
    if spec.kind == "bike" and surface == "pedal":
        c = crank_centre(spec)
        radial = math.hypot(centre.x - c.x, centre.y - c.y)
        return abs(radial - spec.num("crank")) - r
    if spec.kind == "bike" and surface == "handlebar":
        # The bar runs across the bike, so only the distance in the side view counts.
        bar = handlebar(spec)
        flat = math.hypot(centre.x - bar.x, centre.y - bar.y)
        return flat - r - HANDLEBAR_R
    return None


def contact_gap(body: Body, point: str, surface: str, props: Sequence[PropSpec]) -> float:
    """How far the body point `point` is from `surface` (negative: sunk into it)."""
    centre, r = body.spheres()[point]
    if surface == "floor":
        return centre.y - r
    for spec in props:
        gap = _prop_gap(spec, surface, centre, r, body)
        if gap is not None:
            return gap
    raise KeyError(f"unknown surface {surface!r}")


def height_above(body: Body, point: str, surface: str, props: Sequence[PropSpec]) -> float | None:
    """How far `point` rests above the top of `surface`, for surfaces one lies or stands on."""
    centre, r = body.spheres()[point]
    if surface == "floor":
        return centre.y - r
    tops = [box.hi.y for spec in props for box in boxes(spec) if box.surface == surface]
    return centre.y - r - tops[0] if tops else None


def _samples(body: Body) -> Iterator[tuple[str, Vec, float]]:
    """Points on the body's surface shapes, each with its flesh radius."""
    for cap in body.capsules.values():
        for i in range(5):
            t = i / 4
            yield cap.name, lerp(cap.a, cap.b, t), cap.ra + (cap.rb - cap.ra) * t
    ring = body.torso
    for i, start in enumerate(ring):
        end = ring[(i + 1) % len(ring)]
        for t in (0.0, 0.5):
            yield "torso", lerp(start, end, t), a.TORSO_R
    yield "head", body.head, a.HEAD_R


def penetrations(body: Body, props: Sequence[PropSpec], tol: float = TOLERANCE) -> list[str]:
    """Each body part that sinks into the floor or a solid prop by more than `tol`."""
    solids = [box for spec in props for box in boxes(spec) if box.solid]
    balls = [spec for spec in props if spec.kind == "ball"]
    found: dict[str, str] = {}
    for part, p, r in _samples(body):
        if p.y - r < -tol:
            found.setdefault(part, f"{part} is {r - p.y:.3f} H below the floor")
        for box in solids:
            depth = r - signed_distance(box, p)
            if depth > tol:
                found.setdefault(part, f"{part} is {depth:.3f} H inside the {box.surface}")
        for spec in balls:
            depth = r + spec.num("radius") - (p - ball_centre(body)).norm()
            if depth > tol and not part.startswith(("thigh", "shank")):
                found.setdefault(part, f"{part} is {depth:.3f} H inside the {spec.name}")
    return list(found.values())


def contact_errors(
    body: Body,
    contacts: Sequence[tuple[str, str]],
    props: Sequence[PropSpec],
    tol: float = TOLERANCE,
) -> list[str]:
    """Each declared contact that does not touch its surface within `tol`."""
    out = []
    for point, surface in contacts:
        gap = contact_gap(body, point, surface, props)
        if abs(gap) > tol:
            out.append(f"{point} is {gap:+.3f} H from the {surface}")
    return out
