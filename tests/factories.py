"""Test data made by the tests: screening answers and profiles."""

from __future__ import annotations

from typing import Any

from kneecoach.domain.screening import QUESTIONS


def clear_answers(**changes: Any) -> dict[str, Any]:
    """A complete screening with no red flag: an adult, 4 weeks of pain, no injury."""
    answers: dict[str, Any] = {q.key: False for q in QUESTIONS if q.kind == "yes-no"}
    answers["age"] = 45
    answers["symptom_duration_weeks"] = 4
    answers.update(changes)
    return answers


def profile(**changes: Any) -> dict[str, Any]:
    """A typical profile: some kit, 30 minutes, 3 days a week, mild pain."""
    raw: dict[str, Any] = {
        "pain_now": 3,
        "side": "left",
        "equipment": ["strap", "step", "mat"],
        "access": [],
        "minutes_per_session": 30,
        "days_per_week": 3,
        "screening": clear_answers(),
    }
    raw.update(changes)
    return raw
