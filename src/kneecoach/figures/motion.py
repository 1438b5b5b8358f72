"""Timing: from key poses and the exercise's dose to a sampled, eased loop."""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise

from kneecoach.domain.exercises import DoseRange
from kneecoach.figures.keyframes import Figure
from kneecoach.figures.skeleton import Pose, Root

# A stretch held for a minute would look frozen; the loop shows a short hold
# and the dose text gives the real one.
MAX_HOLD_SHOWN = 3.0
PAUSE = 0.6  # seconds at rest between repetitions, or at a hold with no hold dose
MIN_MOVE = 0.4
STEPS = 8  # samples per movement; SMIL interpolates linearly between them


@dataclass(frozen=True)
class Sample:
    """The pose at `time` seconds into the loop."""

    time: float
    pose: Pose


def ease(u: float) -> float:
    """Slow out, slow in: how real movement starts and stops."""
    return 0.5 - 0.5 * math.cos(math.pi * u)


def blend(p: Pose, q: Pose, s: float) -> Pose:
    """The pose a fraction `s` of the way from `p` to `q`, angle by angle."""

    def mix(x: float, y: float) -> float:
        return x + (y - x) * s

    r, t = p.root, q.root
    root = Root(
        mix(r.x, t.x),
        mix(r.y, t.y),
        mix(r.z, t.z),
        mix(r.yaw, t.yaw),
        mix(r.pitch, t.pitch),
        mix(r.roll, t.roll),
    )
    keys = set(p.angles) | set(q.angles)
    return Pose(root, {k: mix(p.angles.get(k, 0.0), q.angles.get(k, 0.0)) for k in keys})


def _order(figure: Figure) -> list[int]:
    n = len(figure.poses)
    if figure.loop == "cycle":
        return [*range(n), 0]
    return [*range(n), *range(n - 2, -1, -1)]


def schedule(figure: Figure, dose: DoseRange | None) -> list[Sample]:
    """The loop as timed samples: eased moves, a pause at each hold, a rest at the start."""
    order = _order(figure)
    tempo = dose.tempo_seconds if dose else 4
    move = max(MIN_MOVE, tempo / (len(order) - 1))
    if dose and dose.hold_seconds:
        hold = min(float(dose.hold_seconds.min), MAX_HOLD_SHOWN)
    else:
        hold = PAUSE
    poses = [key.pose for key in figure.poses]
    samples = [Sample(0.0, poses[order[0]])]
    t = 0.0
    for start, end in pairwise(order):
        for i in range(1, STEPS + 1):
            samples.append(
                Sample(t + move * i / STEPS, blend(poses[start], poses[end], ease(i / STEPS)))
            )
        t += move
        if figure.poses[end].hold:
            t += hold
            samples.append(Sample(t, poses[end]))
    if figure.loop == "there-and-back":
        t += PAUSE
        samples.append(Sample(t, poses[order[-1]]))
    return samples
