"""Plain words for doses and scores, shared by every surface (CLI, web, print)."""

from __future__ import annotations

from kneecoach.domain.planning import Prescription

KG_PER_LB = 0.45359237


def describe_load(load_kg: float, units: str = "metric") -> str:
    """A load in the person's units: kg for metric, lb for imperial."""
    if units == "imperial":
        return f"{load_kg / KG_PER_LB:.1f} lb".replace(".0 lb", " lb")
    return f"{load_kg:g} kg"


def describe_dose(dose: Prescription, units: str = "metric") -> str:
    """'2 sets of 10, hold 2 s at the top, each side' style text."""
    parts: list[str] = []
    if dose.minutes is not None:
        parts.append(f"{dose.minutes} minutes")
    elif dose.reps is not None:
        sets = "1 set" if dose.sets == 1 else f"{dose.sets} sets"
        parts.append(f"{sets} of {dose.reps}")
        if dose.hold_seconds:
            parts.append(f"hold {dose.hold_seconds} s each time")
    elif dose.hold_seconds is not None:
        times = "once" if dose.sets == 1 else f"{dose.sets} times"
        parts.append(f"hold {dose.hold_seconds} s, {times}")
    if dose.load_kg:
        parts.append(f"with {describe_load(dose.load_kg, units)} on the ankle")
    if dose.per_side:
        parts.append("each side")
    return ", ".join(parts)


def pain_words(score: int) -> str:
    """The pain score 0-10 with its PM-1 zone in plain words."""
    if score <= 2:
        return f"{score}/10 (fine)"
    if score <= 5:
        return f"{score}/10 (acceptable)"
    return f"{score}/10 (too much)"
