"""The iCalendar export: parsed with icalendar; UIDs stable across a schedule change."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from icalendar import Calendar

from kneecoach.content.loader import load_catalogue
from kneecoach.services.account import change_settings
from kneecoach.services.actor import OWNER
from kneecoach.store.db import database
from tests.reports.cli import kc
from tests.reports.journey import seed


def _events(path: Path) -> dict[str, dict[str, object]]:
    calendar = Calendar.from_ical(path.read_bytes())
    return {
        str(event["UID"]): {
            "start": event.decoded("DTSTART"),
            "description": str(event["DESCRIPTION"]),
            "alarms": [c for c in event.subcomponents if c.name == "VALARM"],
            "sequence": int(event["SEQUENCE"]),
        }
        for event in calendar.walk("VEVENT")
    }


def _export(url: str, day: dt.date, out: Path) -> dict[str, dict[str, object]]:
    done = kc("calendar", "--out", str(out), "--date", day.isoformat(), "--db", url)
    assert done.returncode == 0, done.stderr
    return _events(out)


def test_events_and_stable_uids(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cal.db'}"
    last = seed(url, days=3)  # three sessions a week: Monday, Wednesday, Friday
    first = _export(url, last, tmp_path / "one.ics")
    assert len(first) == 6 * 3
    starts = sorted(e["start"] for e in first.values())
    assert all(isinstance(s, dt.datetime) and s.weekday() in (0, 2, 4) for s in starts)
    assert starts[0].date() >= last
    for event in first.values():
        assert "Stop and rest if" in str(event["description"])
        assert "Bridge" in str(event["description"]) or "stretch" in str(event["description"])
        (alarm,) = event["alarms"]  # type: ignore[misc]
        assert alarm["ACTION"] == "DISPLAY"
        assert alarm.decoded("TRIGGER") == -dt.timedelta(minutes=30)

    assert set(_export(url, last, tmp_path / "same.ics")) == set(first)

    db = database(url)
    newest = db.revision()
    assert newest is not None
    days = {"days_per_week": 2}  # Monday, Thursday
    change_settings(db, load_catalogue(), newest[0], days, last, actor=OWNER)
    second = _export(url, last, tmp_path / "two.ics")
    assert len(second) == 6 * 2
    by_date = {e["start"].date(): uid for uid, e in first.items()}  # type: ignore[attr-defined]
    for uid, event in second.items():
        day = event["start"].date()  # type: ignore[attr-defined]
        if day in by_date:
            assert by_date[day] == uid  # the same session keeps its UID
        assert event["sequence"] > next(iter(first.values()))["sequence"]  # type: ignore[operator]
    mondays = [e for e in second.values() if e["start"].weekday() == 0]  # type: ignore[attr-defined]
    assert len(mondays) == 6
