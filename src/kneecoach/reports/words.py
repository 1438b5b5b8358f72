"""How an exercise moves up and down its ladder, in plain words for print (docs/engine.md)."""

from __future__ import annotations

from kneecoach.domain import rules
from kneecoach.domain.exercises import Catalogue, Exercise
from kneecoach.domain.progression import LOAD_STEP_KG, STRENGTH_HOLD_STEP
from kneecoach.domain.wording import describe_load


def _names(catalogue: Catalogue, ids: tuple[str, ...]) -> str:
    names = [catalogue.get(i).name.lower() for i in ids if i in catalogue]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " or " + names[-1]


def next_step(exercise: Exercise, catalogue: Catalogue, units: str, weights: bool) -> str:
    """What changes, one step at a time, after two easy sessions running (PR-1..PR-4)."""
    dose = exercise.dose
    if dose is None:
        return ""
    harder = _names(catalogue, exercise.progressions)
    if exercise.category == "aerobic" and dose.minutes:
        return (
            f"about {rules.PR4_GROWTH_PERCENT} % more time each week it goes well, "
            f"up to {dose.minutes.max} minutes."
        )
    if dose.reps is None and dose.hold_seconds is not None:
        step = (
            rules.PR3_STRETCH_HOLD_STEP
            if exercise.category in ("stretch", "yoga")
            else STRENGTH_HOLD_STEP
        )
        text = f"hold {step} s longer, up to {dose.hold_seconds.max} s"
        if exercise.category not in ("stretch", "yoga"):
            text += ", then one more set"
        return text + "."
    steps = []
    if dose.reps is not None and dose.reps.max > dose.reps.min:
        steps.append(f"more repetitions, up to {dose.reps.max}")
    if dose.sets.max > dose.sets.min:
        steps.append(f"one more set, up to {dose.sets.max}")
    if exercise.loadable and weights:
        steps.append(f"an ankle weight, {describe_load(LOAD_STEP_KG, units)} at a time")
    if harder:
        steps.append(f"the harder version ({harder})")
    if not steps:
        return "stay at this dose; ask a physiotherapist before making it harder."
    return ", then ".join(steps) + "."


def easier_step(exercise: Exercise, catalogue: Catalogue) -> str:
    """What it drops back to if it hurts (PM-1, PR-5); the rule itself is printed once."""
    easier = _names(catalogue, exercise.regressions)
    return f"the easier version ({easier}), then a smaller dose." if easier else "a smaller dose."
