"""Orthographic cameras: side, front, top and three-quarter views of the world."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from kneecoach.figures.vec import Vec

View = Literal["side", "front", "top", "three-quarter"]
VIEWS: tuple[View, ...] = ("side", "front", "top", "three-quarter")


@dataclass(frozen=True)
class Camera:
    """Looks at the world along -`toward`; `right` and `up` span the picture plane."""

    right: Vec
    up: Vec
    toward: Vec

    def project(self, p: Vec) -> tuple[float, float, float]:
        """Picture coordinates (u right, v up) and depth (larger is nearer the viewer)."""
        return p.dot(self.right), p.dot(self.up), p.dot(self.toward)


def _orbit(azimuth: float, elevation: float) -> Camera:
    # azimuth 0 looks at the figure's right side; 90 looks at its front.
    az, el = math.radians(azimuth), math.radians(elevation)
    toward = Vec(math.sin(az) * math.cos(el), math.sin(el), math.cos(az) * math.cos(el))
    right = Vec(math.cos(az), 0.0, -math.sin(az))
    up = Vec(
        toward.y * right.z - toward.z * right.y,
        toward.z * right.x - toward.x * right.z,
        toward.x * right.y - toward.y * right.x,
    )
    return Camera(right, up, toward)


CAMERAS: dict[View, Camera] = {
    "side": _orbit(0, 0),
    "front": _orbit(90, 0),
    "top": _orbit(0, 90),
    "three-quarter": _orbit(40, 18),
}


def camera(view: View) -> Camera:
    """The camera for a named view."""
    return CAMERAS[view]
