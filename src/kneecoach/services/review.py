"""The nightly review: people a page at a time, a fixed number of queries per page.

Each person is advanced from their stored state to the review date (usually one day),
and only what that adds is written: the same rows `today` and `progress` would store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from kneecoach.domain.dates import MAX_COURSE_DAYS
from kneecoach.domain.exercises import Catalogue
from kneecoach.services.course import (
    Reads,
    derived,
    engine_version,
    fold,
    missing_session_keys,
    parse_stored,
)
from kneecoach.store.repository import Store


def review_page(store: Store, catalogue: Catalogue, person_ids: Sequence[int], day: dt.date) -> int:
    """Advance every person of the page to `day` and store what is new; new decisions."""
    version = engine_version()
    inputs = store.course_inputs(person_ids, day, version)
    by_base: dict[dt.date, dict[int, Any]] = {}
    loaded_by_person = {}
    for person_id, raw in inputs.items():
        person = raw["person"]
        start: dt.date = person["start_date"]
        if day < start or raw["newer"] or (day - start).days > MAX_COURSE_DAYS:
            continue  # not started, already advanced further, or past a course's length
        reads = Reads(
            person=person,
            stored=parse_stored(raw["state"]),
            versions=raw["versions"],
            sessions=raw["sessions"],
            checkins=raw["checkins"],
            clearances=raw["clearances"],
        )
        loaded_by_person[person_id] = fold(reads, day, catalogue)
    missing = {key for loaded in loaded_by_person.values() for key in missing_session_keys(loaded)}
    found = store.session_ids_of(list(loaded_by_person), missing)
    for person_id, loaded in loaded_by_person.items():
        mine = {key: id_ for (owner, key), id_ in found.items() if owner == person_id}
        by_base.setdefault(loaded.base, {})[person_id] = derived(loaded, mine)
    return sum(
        store.replace_derived(base, day, people, version) for base, people in by_base.items()
    )
