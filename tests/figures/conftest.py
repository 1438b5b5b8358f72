"""Shared fixtures for the figure checks: every shipped figure, loaded once."""

from __future__ import annotations

from kneecoach.content.loader import load_catalogue
from kneecoach.figures.keyframes import Figure, load_figure


def prescribable_ids() -> list[str]:
    """Every exercise the planner can prescribe (everything but the avoid items)."""
    return sorted(ex.id for ex in load_catalogue() if ex.category != "avoid")


def all_figures() -> list[Figure]:
    return [load_figure(exercise_id) for exercise_id in prescribable_ids()]


def all_poses() -> list[tuple[str, int]]:
    return [(fig.exercise_id, i) for fig in all_figures() for i in range(len(fig.poses))]
