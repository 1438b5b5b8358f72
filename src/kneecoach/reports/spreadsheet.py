"""The export as CSV files for spreadsheets: one row per session, per set, per check-in."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

SET_COLUMNS = (
    "target_reps",
    "reps",
    "target_hold_seconds",
    "hold_seconds",
    "target_minutes",
    "minutes",
    "target_load_kg",
    "load_kg",
    "pain",
)
FILES = {
    "sessions.csv": (
        "client_id",
        "date",
        "pain_before",
        "pain_after",
        "programme_version",
        "exercises",
        "created_at",
    ),
    "entries.csv": (
        "client_id",
        "date",
        "position",
        "exercise_id",
        "hurt",
        "set_number",
        *SET_COLUMNS,
    ),
    "checkins.csv": ("date", "pain", "morning", "notes", "urgency", "answers", "created_at"),
    "psfs.csv": ("date", "activity", "score", "mean"),
}


def _rows(document: Mapping[str, Any]) -> dict[str, Iterable[dict[str, Any]]]:
    sessions = document["sessions"]
    return {
        "sessions.csv": ({**s, "exercises": len(s["entries"])} for s in sessions),
        "entries.csv": (
            {
                "client_id": s["client_id"],
                "date": s["date"],
                "position": position,
                "exercise_id": entry["exercise_id"],
                "hurt": entry["hurt"],
                "set_number": number,
                **done,
            }
            for s in sessions
            for position, entry in enumerate(s["entries"], start=1)
            for number, done in enumerate(entry["sets"], start=1)
        ),
        "checkins.csv": (
            {
                **c,
                "answers": json.dumps(c["answers"], ensure_ascii=False) if c["answers"] else None,
            }
            for c in document["checkins"]
        ),
        "psfs.csv": (
            {
                "date": p["date"],
                "activity": activity.get("name"),
                "score": activity.get("score"),
                "mean": p["mean"],
            }
            for p in document["psfs"]
            for activity in p["activities"]
        ),
    }


def _cell(value: object) -> object:
    # Spreadsheets read true/false and blank cells more naturally than True/None.
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def write_csv(document: Mapping[str, Any], folder: Path) -> list[Path]:
    """Write the CSV files into `folder` (created if missing); return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, rows in _rows(document).items():
        columns = FILES[name]
        path = folder / name
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            for row in rows:
                writer.writerow([_cell(row.get(column)) for column in columns])
        written.append(path)
    return written
