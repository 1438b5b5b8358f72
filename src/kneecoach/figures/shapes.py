"""2-D outlines for the SVG: tapered capsules, rounded polygons, convex hulls.

Every outline of one kind has the same path commands whatever the pose, so
SMIL can morph a limb from one key pose to the next.
"""

from __future__ import annotations

import math

Point = tuple[float, float]


def _fmt(p: Point) -> str:
    return f"{p[0]:.1f},{p[1]:.1f}"


def capsule_path(c1: Point, r1: float, c2: Point, r2: float) -> str:
    """A filled limb: two circles joined by their outer tangents (r1 >= r2).

    Screen coordinates (y down). The command list never changes, so two
    capsules can be interpolated.
    """
    dx, dy = c2[0] - c1[0], c2[1] - c1[1]
    d = math.hypot(dx, dy)
    if d <= abs(r1 - r2) + 1e-6:
        # Seen end-on, a limb is just its thicker end: a circle with the same commands.
        top, bottom = (c1[0], c1[1] - r1), (c1[0], c1[1] + r1)
        return (
            f"M{_fmt(top)}L{_fmt(top)}A{r1:.1f},{r1:.1f} 0 0 0 {_fmt(bottom)}"
            f"L{_fmt(bottom)}A{r1:.1f},{r1:.1f} 0 1 0 {_fmt(top)}Z"
        )
    ux, uy = dx / d, dy / d
    k = (r1 - r2) / d
    s = math.sqrt(max(0.0, 1 - k * k))
    plus = (k * ux - s * uy, k * uy + s * ux)
    minus = (k * ux + s * uy, k * uy - s * ux)
    a1 = (c1[0] + r1 * plus[0], c1[1] + r1 * plus[1])
    a2 = (c2[0] + r2 * plus[0], c2[1] + r2 * plus[1])
    b2 = (c2[0] + r2 * minus[0], c2[1] + r2 * minus[1])
    b1 = (c1[0] + r1 * minus[0], c1[1] + r1 * minus[1])
    return (
        f"M{_fmt(a1)}L{_fmt(a2)}A{r2:.1f},{r2:.1f} 0 0 0 {_fmt(b2)}"
        f"L{_fmt(b1)}A{r1:.1f},{r1:.1f} 0 1 0 {_fmt(a1)}Z"
    )


def polygon_path(points: list[Point], closed: bool = True) -> str:
    """A polygon or polyline through `points`."""
    body = "L".join(_fmt(p) for p in points)
    return f"M{body}{'Z' if closed else ''}"


def convex_hull(points: list[Point]) -> list[Point]:
    """The convex hull, counter-clockwise (Andrew's monotone chain)."""
    pts = sorted(set(points))
    if len(pts) <= 2:
        return pts

    def cross(o: Point, a: Point, b: Point) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[Point] = []
    upper: list[Point] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]
