"""Tiny 3-D vector and rotation maths for the body model (no numpy needed).

World axes, in units of standing body height H: x forward (screen right in the
side view), y up, z toward the side-view camera (the figure's right side).
"""

from __future__ import annotations

import math
from typing import NamedTuple


class Vec(NamedTuple):
    """A point or direction in world space."""

    x: float
    y: float
    z: float

    def __add__(self, other: object) -> Vec:
        if not isinstance(other, Vec):
            return NotImplemented
        return Vec(self.x + other.x, self.y + other.y, self.z + other.z)

    def __sub__(self, other: Vec) -> Vec:
        return Vec(self.x - other.x, self.y - other.y, self.z - other.z)

    def scale(self, k: float) -> Vec:
        return Vec(self.x * k, self.y * k, self.z * k)

    def dot(self, other: Vec) -> float:
        return self.x * other.x + self.y * other.y + self.z * other.z

    def norm(self) -> float:
        return math.sqrt(self.dot(self))

    def unit(self) -> Vec:
        n = self.norm()
        return self if n == 0 else self.scale(1 / n)


def lerp(a: Vec, b: Vec, t: float) -> Vec:
    """The point a fraction `t` of the way from `a` to `b`."""
    return a + (b - a).scale(t)


# A 3x3 rotation matrix as three rows.
Mat = tuple[Vec, Vec, Vec]

IDENTITY: Mat = (Vec(1, 0, 0), Vec(0, 1, 0), Vec(0, 0, 1))


def rot_x(deg: float) -> Mat:
    """Rotation about the x axis by `deg` degrees (right-hand rule)."""
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return (Vec(1, 0, 0), Vec(0, c, -s), Vec(0, s, c))


def rot_y(deg: float) -> Mat:
    """Rotation about the y axis by `deg` degrees (right-hand rule)."""
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return (Vec(c, 0, s), Vec(0, 1, 0), Vec(-s, 0, c))


def rot_z(deg: float) -> Mat:
    """Rotation about the z axis by `deg` degrees (right-hand rule)."""
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return (Vec(c, -s, 0), Vec(s, c, 0), Vec(0, 0, 1))


def apply(m: Mat, v: Vec) -> Vec:
    """The matrix `m` applied to the vector `v`."""
    return Vec(m[0].dot(v), m[1].dot(v), m[2].dot(v))


def mul(*ms: Mat) -> Mat:
    """The product of matrices, left to right (the rightmost acts first)."""
    out = IDENTITY
    for m in ms:
        cols = [Vec(m[0][j], m[1][j], m[2][j]) for j in range(3)]
        out = (
            Vec(*(out[0].dot(c) for c in cols)),
            Vec(*(out[1].dot(c) for c in cols)),
            Vec(*(out[2].dot(c) for c in cols)),
        )
    return out


def angle_between(a: Vec, b: Vec) -> float:
    """The angle between two directions, in degrees."""
    c = a.unit().dot(b.unit())
    return math.degrees(math.acos(max(-1.0, min(1.0, c))))
