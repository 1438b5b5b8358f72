"""The export as a FHIR R4 Bundle (collection): Patient, CarePlan, Observations, responses.

Mapping (docs/reports.md): every NPRS score becomes an Observation coded LOINC 72514-3;
the programme's exercises and doses are the CarePlan's activities; the screening answers
(at intake and each time they are answered again) and every PSFS are
QuestionnaireResponses; each physiotherapist's prescription (a programme version
with source "prescription", CL-1) is a ServiceRequest coded SNOMED CT 229065009.
Ids are name-based UUIDs, so the same data gives the same Bundle.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping
from typing import Any

from kneecoach.domain.exercises import Catalogue, Exercise
from kneecoach.domain.planning import DISCLAIMER, PHASES, WEEKDAYS, Prescription
from kneecoach.domain.screening import QUESTIONS
from kneecoach.domain.wording import describe_dose
from kneecoach.reports.current import Current

LOINC = "http://loinc.org"
NPRS_CODE = "72514-3"
NPRS_DISPLAY = "Pain severity - 0-10 verbal numeric rating [Score] - Reported"
CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/observation-category"
EXERCISE_SYSTEM = "urn:kneecoach:exercise"
SCREENING_QUESTIONNAIRE = "urn:kneecoach:questionnaire:screening"
PSFS_QUESTIONNAIRE = "urn:kneecoach:questionnaire:psfs"
SNOMED = "http://snomed.info/sct"
EXERCISE_THERAPY = "229065009"
EXERCISE_THERAPY_DISPLAY = "Exercise therapy"
PRESCRIPTION_SOURCE = "prescription"  # a physiotherapist's programme version (CL-1)
PRESCRIBED = re.compile(r"^CL-1: prescribed by (?P<name>.+?): (?P<reason>.*)$", re.DOTALL)
PHASE_WORDS = {
    "warm-up": "warm-up",
    "strength": "strengthening",
    "aerobic": "low-impact cardio",
    "cool-down": "cool-down",
}
_NAMESPACE = uuid.UUID("6f1c3f8e-3b9a-4a51-9a57-6b6e6565636f")


def person_key(person: Mapping[str, Any]) -> str:
    """A stable key for one person that survives export and import (ids do not)."""
    created = person["created_at"]
    start = person["start_date"]
    created_text = created.isoformat() if isinstance(created, dt.datetime) else str(created)
    start_text = start.isoformat() if isinstance(start, dt.date) else str(start)
    return str(uuid.uuid5(_NAMESPACE, f"{created_text}|{start_text}"))


def _urn(key: str, *parts: object) -> str:
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, '|'.join([key, *map(str, parts)]))}"


def _entry(full_url: str, resource: dict[str, Any]) -> dict[str, Any]:
    return {"fullUrl": full_url, "resource": {**resource, "id": full_url.rsplit(":", 1)[1]}}


def _observation(
    patient: str, day: str, pain: int, what: str, issued: str | None = None
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "status": "final",
        "category": [{"coding": [{"system": CATEGORY_SYSTEM, "code": "survey"}]}],
        "code": {
            "coding": [{"system": LOINC, "code": NPRS_CODE, "display": NPRS_DISPLAY}],
            "text": "Pain score 0-10",
        },
        "subject": {"reference": patient},
        "effectiveDateTime": day,
        "valueInteger": pain,
        "note": [{"text": what}],
    }
    if issued:
        resource["issued"] = issued
    return resource


def _answer(value: object) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"valueBoolean": value}
    if isinstance(value, int):
        return {"valueInteger": value}
    if isinstance(value, float):
        return {"valueDecimal": value}
    return {"valueString": str(value)}


def _screening(patient: str, authored: str, answers: Mapping[str, Any], why: str) -> dict[str, Any]:
    texts = {q.key: q.text for q in QUESTIONS}
    items = []
    for key, value in answers.items():
        item: dict[str, Any] = {"linkId": key, "text": texts.get(key, key)}
        if value is not None:
            item["answer"] = [_answer(value)]
        items.append(item)
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": SCREENING_QUESTIONNAIRE,
        "status": "completed",
        "subject": {"reference": patient},
        "authored": authored,
        "text": _narrative(f"Safety questions ({why})"),
        "item": items,
    }


def _narrative(words: str) -> dict[str, str]:
    safe = words.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{safe}</div>'}


def _psfs(patient: str, row: Mapping[str, Any]) -> dict[str, Any]:
    items: list[dict[str, Any]] = [
        {
            "linkId": f"activity-{n}",
            "text": str(activity.get("name")),
            "answer": [_answer(activity.get("score"))],
        }
        for n, activity in enumerate(row["activities"], start=1)
    ]
    items.append({"linkId": "mean", "text": "Mean score", "answer": [_answer(float(row["mean"]))]})
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": PSFS_QUESTIONNAIRE,
        "status": "completed",
        "subject": {"reference": patient},
        "authored": row["date"],
        "text": _narrative("Patient-Specific Functional Scale: 0 cannot do, 10 as before"),
        "item": items,
    }


def _care_plan(
    patient: str, document: Mapping[str, Any], now: Current, catalogue: Catalogue
) -> dict[str, Any]:
    units = now.profile.units
    days: dict[str, list[str]] = {}
    phases: dict[str, list[str]] = {}
    doses: dict[str, str] = {}
    for session in now.week:
        for block in session.blocks:
            for item in block.items:
                days.setdefault(item.exercise_id, [])
                if session.weekday[:3] not in days[item.exercise_id]:
                    days[item.exercise_id].append(session.weekday[:3])
                phases.setdefault(item.exercise_id, [])
                if block.phase not in phases[item.exercise_id]:
                    phases[item.exercise_id].append(block.phase)
                doses[item.exercise_id] = describe_dose(item.dose, units)
    order = sorted(days, key=lambda e: PHASES.index(phases[e][0]))
    activities: list[dict[str, Any]] = []
    for exercise_id in order:
        exercise = catalogue.get(exercise_id)
        when = " and ".join(PHASE_WORDS[p] for p in phases[exercise_id])
        activities.append(
            {
                "detail": {
                    "code": {
                        "coding": [
                            {
                                "system": EXERCISE_SYSTEM,
                                "code": exercise_id,
                                "display": exercise.name,
                            }
                        ],
                        "text": exercise.name,
                    },
                    "status": "on-hold" if now.stopped else "scheduled",
                    "scheduledTiming": {
                        "repeat": {
                            "dayOfWeek": sorted(days[exercise_id], key=_weekday_index),
                        }
                    },
                    "description": f"{doses[exercise_id]} ({when})",
                }
            }
        )
    for slot in now.course.slots:
        if slot.paused:
            activities.append(
                {
                    "detail": {
                        "code": {
                            "coding": [
                                {
                                    "system": EXERCISE_SYSTEM,
                                    "code": slot.exercise_id,
                                    "display": catalogue.get(slot.exercise_id).name,
                                }
                            ],
                            "text": catalogue.get(slot.exercise_id).name,
                        },
                        "status": "on-hold",
                        "statusReason": {"text": "Still painful at its easiest step (PR-6)"},
                        "description": describe_dose(slot.dose, units),
                    }
                }
            )
    return {
        "resourceType": "CarePlan",
        "status": "on-hold" if now.stopped else "active",
        "intent": "plan",
        "title": "Home exercise programme for inner knee pain",
        "description": DISCLAIMER,
        "subject": {"reference": patient},
        "period": {"start": document["person"]["start_date"]},
        "created": document["person"]["created_at"],
        "activity": activities,
    }


def _reason_text(reason: object) -> str:
    return str(reason.get("message", reason)) if isinstance(reason, Mapping) else str(reason)


def _prescriber(version: Mapping[str, Any]) -> tuple[str | None, str]:
    """(the physiotherapist's name, their reason) of a prescription version: its reason
    reads `CL-1: prescribed by <name>: <reason>`."""
    texts = [_reason_text(r) for r in version.get("reasons") or []]
    for text in texts:
        found = PRESCRIBED.match(text)
        if found:
            return found["name"], found["reason"]
    return None, " ".join(texts) or "Prescribed by the physiotherapist"


def _service_request(
    patient: str, version: Mapping[str, Any], active: bool, catalogue: Catalogue
) -> dict[str, Any]:
    """A physiotherapist's prescription (one programme version) as an order for exercise
    therapy; the newest one is active, those it replaced are completed."""
    name, reason = _prescriber(version)
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "status": "active" if active else "completed",
        "intent": "order",
        "code": {
            "coding": [
                {"system": SNOMED, "code": EXERCISE_THERAPY, "display": EXERCISE_THERAPY_DISPLAY}
            ],
            "text": "Home exercise programme",
        },
        "subject": {"reference": patient},
        "authoredOn": str(version["effective_date"]),
        "note": [{"text": reason}],
    }
    if name:
        resource["requester"] = {"display": name}
    details = _order_details(version.get("programme") or {}, catalogue)
    if details:
        resource["orderDetail"] = details
    return resource


def _order_details(programme: Mapping[str, Any], catalogue: Catalogue) -> list[dict[str, Any]]:
    """Each prescribed exercise and its dose, in words."""
    details = []
    for slot in programme.get("slots") or []:
        if not isinstance(slot, Mapping) or slot.get("exercise_id") not in catalogue:
            continue
        exercise = catalogue.get(str(slot["exercise_id"]))
        words = exercise.name
        dose = slot.get("dose")
        if isinstance(dose, Mapping) and "sets" in dose:
            words += f": {describe_dose(_prescribed(dose, exercise), 'metric')}"
        if slot.get("locked"):
            words += " (locked: kept at this dose)"
        if slot.get("note"):
            words += f". Note: {slot['note']}"
        details.append({"text": words})
    return details


def _prescribed(dose: Mapping[str, Any], exercise: Exercise) -> Prescription:
    per_side = bool(exercise.dose and exercise.dose.per_side)
    keys = ("reps", "hold_seconds", "minutes", "load_kg")
    return Prescription.from_dict({**dict.fromkeys(keys), **dose, "per_side": per_side})


def _weekday_index(short: str) -> int:
    return [d[:3] for d in WEEKDAYS].index(short)


def fhir_bundle(document: Mapping[str, Any], now: Current, catalogue: Catalogue) -> dict[str, Any]:
    """A FHIR R4 collection Bundle of one person's export document (a plain dict)."""
    person = document["person"]
    key = person_key(person)
    patient = _urn(key, "patient")
    entries = [_entry(patient, {"resourceType": "Patient", "active": True})]
    entries.append(_entry(_urn(key, "careplan"), _care_plan(patient, document, now, catalogue)))
    for checkin in document["checkins"]:
        what = "Morning check-in" if checkin["morning"] else "Check-in"
        resource = _observation(
            patient, checkin["date"], checkin["pain"], what, checkin["created_at"]
        )
        entries.append(_entry(_urn(key, "checkin", checkin["id"]), resource))
    for session in document["sessions"]:
        for moment in ("before", "after"):
            resource = _observation(
                patient,
                session["date"],
                session[f"pain_{moment}"],
                f"Pain {moment} the exercise session {session['client_id']}",
            )
            entries.append(_entry(_urn(key, "session", session["client_id"], moment), resource))
    entries.append(
        _entry(
            _urn(key, "screening", "intake"),
            _screening(patient, person["start_date"], person["screening"], "at the start"),
        )
    )
    for kind, rows in (("checkin", document["checkins"]), ("clearance", document["clearances"])):
        for row in rows:
            if row["answers"]:
                why = "answered again" if kind == "checkin" else "after a clearance"
                entries.append(
                    _entry(
                        _urn(key, "screening", kind, row["id"]),
                        _screening(patient, row["date"], row["answers"], why),
                    )
                )
    for row in document["psfs"]:
        entries.append(_entry(_urn(key, "psfs", row["id"]), _psfs(patient, row)))
    prescriptions = [
        v
        for v in document["programme_versions"]
        if (v.get("programme") or {}).get("source") == PRESCRIPTION_SOURCE
    ]
    for n, version in enumerate(prescriptions):
        resource = _service_request(patient, version, n == len(prescriptions) - 1, catalogue)
        entries.append(_entry(_urn(key, "prescription", version["version"]), resource))
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "entry": entries,
    }


def validate_bundle(bundle: Mapping[str, Any]) -> None:
    """Check the Bundle and every resource in it against the fhir.resources R4B models."""
    from fhir.resources.R4B import get_fhir_model_class

    get_fhir_model_class("Bundle").model_validate(bundle)
    for entry in bundle.get("entry", []):
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
