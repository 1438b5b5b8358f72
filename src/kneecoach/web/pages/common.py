"""What every page shares: templates, the escalation banner, form reading, words for doses."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData

from kneecoach.domain import rules
from kneecoach.domain.exercises import Catalogue, Exercise
from kneecoach.domain.planning import DISCLAIMER, Prescription
from kneecoach.domain.screening import ADVICE
from kneecoach.domain.wording import describe_dose, describe_load
from kneecoach.services import people
from kneecoach.services.actor import Actor
from kneecoach.services.course import Loaded
from kneecoach.services.uow import UnitOfWork
from kneecoach.web.dates import app_today
from kneecoach.web.deps import actor_of

TEMPLATES = Jinja2Templates(directory=Path(__file__).parents[1] / "templates")


def static(path: str) -> str:
    """The address of a file under /static (web/app.py mounts it there). A plain path:
    the router's `url_for`, walked at every page, was a tenth of the dashboard's time."""
    return "/static/" + path


TEMPLATES.env.globals["static"] = static


def unrule(text: str | None, rule: str | None) -> str:
    """The reason without its leading 'PR-1: ' when the rule id is shown beside it."""
    text = text or ""
    if rule and text.startswith(f"{rule}: "):
        return text[len(rule) + 2 :]
    return text


TEMPLATES.env.filters["unrule"] = unrule


def pain_zone(score: int) -> str:
    """PM-1's zone for a pain score 0-10, as the CSS class names it: safe, ok or high."""
    if score <= rules.PM1_SAFE_MAX:
        return "safe"
    return "ok" if score <= rules.PM1_ACCEPTABLE_MAX else "high"


TEMPLATES.env.globals["pain_zone"] = pain_zone
# The player reads PM-1's limits from the page, never from numbers of its own.
TEMPLATES.env.globals["pm1"] = {
    "safe_max": rules.PM1_SAFE_MAX,
    "acceptable_max": rules.PM1_ACCEPTABLE_MAX,
}

# What to do and how soon, for each urgency an escalation can carry.
HOW_SOON = {
    "emergency": "Now",
    "urgent": "Today",
    "soon": "Within 1-2 weeks",
    "none": "When you can",
}
REMINDER_ADVICE = "A quick pain score each morning keeps your programme on track."

CATEGORY_NAMES = {
    "stretch": "Stretches",
    "strength": "Strengthening",
    "aerobic": "Gentle cardio",
    "yoga": "Yoga",
    "avoid": "Leave out for now",
}
EQUIPMENT_NAMES = {
    "strap": "Stretch strap",
    "towel": "Towel",
    "belt": "Belt",
    "ankle-weights": "Ankle weights",
    "step": "A step",
    "stairs": "Stairs",
    "foam-pad": "Foam pad",
    "ball": "Soft ball",
    "chair": "Chair",
    "mat": "Mat",
}
ACCESS_NAMES = {
    "stationary-bike": "Exercise bike",
    "recumbent-bike": "Recumbent bike",
    "elliptical": "Elliptical trainer",
    "rowing-machine": "Rowing machine",
    "pool": "Swimming pool",
}
CONDITION_NAMES = {
    "bursitis": "Bursitis",
    "osteoarthritis": "Osteoarthritis",
    "patellofemoral-pain": "Runner's knee (pain around the kneecap)",
    "mcl-injury": "Inner ligament (MCL) injury",
    "unknown": "I don't know",
}


async def read_form(request: Request) -> FormData:
    return await request.form()


FormDep = Annotated[FormData, Depends(read_form)]


def today(request: Request) -> dt.date:
    """Today for this app (fixed by the settings in tests)."""
    return app_today(request)


def open_escalations(
    db: UnitOfWork | None,
    person_id: int | None,
    actor: Actor,
    folded: Loaded | None = None,
) -> list[dict[str, Any]]:
    """The banner's escalations (`people.banner_escalations`; with `folded`, the course
    the page folded, as it stands), most serious first, with what to do and how soon."""
    if db is None or person_id is None:
        return []
    out = []
    for row in people.banner_escalations(db, person_id, actor=actor, loaded=folded):
        urgency = row["urgency"]
        advice = ADVICE.get(urgency, "") if urgency != "none" else REMINDER_ADVICE
        out.append(
            {
                **row,
                "advice": advice,
                "how_soon": HOW_SOON.get(urgency, ""),
            }
        )
    return out


def render(
    request: Request,
    name: str,
    *,
    db: UnitOfWork | None = None,
    person: int | None = None,
    status_code: int = 200,
    folded: Loaded | None = None,
    **context: Any,
) -> HTMLResponse:
    """A page with the disclaimer, the navigation and any open escalation of `person`
    (with `folded`, a page that folds the course: also those its fold has found)."""
    settings = request.app.state.settings
    scale = context.pop("time_scale", None)
    has_programme = person is not None
    actor = actor_of(request)
    escalations = open_escalations(db, person, actor, folded) if has_programme else []
    return TEMPLATES.TemplateResponse(
        request,
        name,
        {
            "disclaimer": DISCLAIMER,
            "escalations": escalations,
            "has_programme": has_programme,
            "time_scale": scale if settings.test_hooks else None,
            "path": request.url.path,
            **context,
        },
        status_code=status_code,
    )


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def units_of(db: UnitOfWork, person_id: int | None, actor: Actor) -> str:
    if person_id is None:
        return "metric"
    return people.person(db, person_id, actor=actor).units


def dose_words(raw: dict[str, Any], units: str) -> str:
    return describe_dose(Prescription.from_dict(raw), units)


def range_words(exercise: Exercise, units: str = "metric") -> str:
    """The dose range an exercise allows, in words ('2-3 sets of 10-15, each side')."""
    dose = exercise.dose
    if dose is None:
        return ""

    def span(low: int, high: int, unit: str = "") -> str:
        return f"{low}{unit}" if low == high else f"{low}-{high}{unit}"

    parts = []
    sets = span(dose.sets.min, dose.sets.max)
    if dose.minutes is not None:
        parts.append(f"{span(dose.minutes.min, dose.minutes.max)} minutes")
    elif dose.reps is not None:
        parts.append(f"{sets} sets of {span(dose.reps.min, dose.reps.max)}")
        if dose.hold_seconds is not None:
            parts.append(f"hold {span(dose.hold_seconds.min, dose.hold_seconds.max, ' s')}")
    elif dose.hold_seconds is not None:
        parts.append(f"hold {span(dose.hold_seconds.min, dose.hold_seconds.max, ' s')}")
        parts.append(f"{sets} times")
    if dose.per_side:
        parts.append("each side")
    if exercise.loadable:
        parts.append(f"later with an ankle weight ({describe_load(0.5, units)} steps)")
    return ", ".join(parts)


def field_errors(error: Exception) -> dict[str, str]:
    """{field: message} from a service error that names its field."""
    field = str(getattr(error, "field", "form"))
    message = getattr(error, "problem", None) or str(error).split(": ", 1)[-1]
    return {field: _sentence(str(message))}


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] if text else text


def catalogue_names(catalogue: Catalogue) -> dict[str, str]:
    return {ex.id: ex.name for ex in catalogue}
