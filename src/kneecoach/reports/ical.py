"""The coming weeks' sessions as an iCalendar file, with a reminder before each.

An event's UID is made from the person and the date only, never from its content: after
a change to the programme or the days, exporting again updates the same events in the
person's calendar instead of adding copies. SEQUENCE is the programme version, so a
calendar that imported an older file knows the new one is newer.
"""

from __future__ import annotations

import datetime as dt

from icalendar import Alarm, Calendar, Event

from kneecoach.domain.exercises import Catalogue
from kneecoach.domain.planning import DISCLAIMER, STOP_RULES
from kneecoach.domain.wording import describe_dose
from kneecoach.reports.current import Current
from kneecoach.reports.fhir import person_key

PRODID = "-//kneecoach//session calendar//EN"
PHASE_TITLES = {
    "warm-up": "Warm-up",
    "strength": "Strengthening",
    "aerobic": "Low-impact cardio",
    "cool-down": "Cool-down",
}


def event_uid(key: str, day: dt.date) -> str:
    """The UID of the session on `day`: person and date, nothing else."""
    return f"{key}-{day.isoformat()}@kneecoach"


def session_days(now: Current, first: dt.date, weeks: int) -> list[dt.date]:
    """Training days from `first` (not before the start) for `weeks` weeks."""
    first = max(first, now.person["start_date"])
    days = [first + dt.timedelta(days=n) for n in range(weeks * 7)]
    return [day for day in days if now.session_on(day) is not None]


def _description(now: Current, catalogue: Catalogue, day: dt.date) -> str:
    session = now.session_on(day)
    assert session is not None
    lines = []
    for block in session.blocks:
        lines.append(f"{PHASE_TITLES[block.phase]}:")
        for item in block.items:
            name = catalogue.get(item.exercise_id).name
            lines.append(f"- {name}: {describe_dose(item.dose, now.profile.units)}")
    lines.append("")
    lines.append("Stop and rest if:")
    lines.extend(f"- {rule}" for rule in STOP_RULES)
    lines.append("")
    lines.append(DISCLAIMER)
    return "\n".join(lines)


def calendar_ics(
    now: Current,
    catalogue: Catalogue,
    *,
    first: dt.date,
    weeks: int,
    at: dt.time,
    remind_minutes: int,
    stamp: dt.datetime,
) -> bytes:
    """One event per planned session (none while the programme is stopped)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Knee exercises")
    if now.stopped:
        return bytes(calendar.to_ical())
    key = person_key(now.person)
    sequence = now.latest_version
    for day in session_days(now, first, weeks):
        session = now.session_on(day)
        assert session is not None
        begin = dt.datetime.combine(day, at)  # floating: the person's own local time
        event = Event()
        event.add("uid", event_uid(key, day))
        event.add("dtstamp", stamp)
        event.add("sequence", sequence)
        event.add("summary", f"Knee exercises (about {session.estimated_minutes} min)")
        event.add("dtstart", begin)
        event.add("dtend", begin + dt.timedelta(minutes=session.estimated_minutes))
        event.add("description", _description(now, catalogue, day))
        event.add("transp", "OPAQUE")
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", "Knee exercises soon")
        alarm.add("trigger", dt.timedelta(minutes=-remind_minutes))
        event.add_component(alarm)
        calendar.add_component(event)
    return bytes(calendar.to_ical())
