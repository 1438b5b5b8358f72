"""The nightly review: people a page at a time, a fixed number of queries per page.

Each person is advanced from their stored state to the review date (usually one day),
and only what that adds is written: the same rows `today` and `progress` would store.

A page is read and folded in a read-only unit of work (`fold_page`), then written in a
short one (`write_page`), so several processes can review at once and a writer holds
the lock only while it writes. A person written to in between (their revision moved
on: a session, a check-in) is left out of the write; their own next read catches up.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from kneecoach.domain.dates import MAX_COURSE_DAYS
from kneecoach.domain.exercises import Catalogue
from kneecoach.services import alerts, mail
from kneecoach.services.course import (
    Reads,
    derived,
    engine_version,
    fold,
    missing_session_keys,
    parse_stored,
)
from kneecoach.store.repository import Store


@dataclass
class PageWork:
    """What one page of the review will write, and the revisions it was computed from."""

    day: dt.date
    version: int
    # By the day of the state each fold started from: person id -> rows to write.
    by_base: dict[dt.date, dict[int, dict[str, Any]]] = field(default_factory=dict)
    revisions: dict[int, int] = field(default_factory=dict)
    # CL-3: what each fold started that may alert a clinic patient's physio.
    causes: dict[int, list[alerts.Cause]] = field(default_factory=dict)


def fold_page(
    store: Store, catalogue: Catalogue, person_ids: Sequence[int], day: dt.date
) -> PageWork:
    """Read the page and advance every person of it to `day` (nothing is written)."""
    version = engine_version()
    work = PageWork(day, version)
    inputs = store.course_inputs(person_ids, day, version)
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
        work.revisions[person_id] = person["revision"]
    missing = {key for loaded in loaded_by_person.values() for key in missing_session_keys(loaded)}
    found = store.session_ids_of(list(loaded_by_person), missing)
    for person_id, loaded in loaded_by_person.items():
        mine = {key: id_ for (owner, key), id_ in found.items() if owner == person_id}
        work.by_base.setdefault(loaded.base, {})[person_id] = derived(loaded, mine)
        causes = alerts.escalation_causes(loaded.escalations, day) + alerts.decision_causes(
            d for _, d in loaded.decisions
        )
        if causes:
            work.causes[person_id] = causes
    return work


def write_page(store: Store, work: PageWork) -> int:
    """Store what `fold_page` found for everyone not written to since; new decisions."""
    now = store.revisions(list(work.revisions))
    new = 0
    written: set[int] = set()
    for base, people in work.by_base.items():
        unchanged = {p: made for p, made in people.items() if now.get(p) == work.revisions[p]}
        new += store.replace_derived(base, work.day, unchanged, work.version)
        written.update(unchanged)
    _raise_alerts(store, {p: c for p, c in work.causes.items() if p in written})
    return new


def _raise_alerts(store: Store, causes: dict[int, list[alerts.Cause]]) -> None:
    """The page's alerts, with its derived rows (one query for the page, if any)."""
    if not causes:
        return
    links = store.alerts.clinic_patients(causes)
    moment = dt.datetime.now(dt.UTC)
    for person_id, found in causes.items():
        link = links.get(person_id)
        if link is not None:
            alerts.store_causes(store, link, found, moment)


def review_page(store: Store, catalogue: Catalogue, person_ids: Sequence[int], day: dt.date) -> int:
    """Fold and write one page in one unit of work; new decisions."""
    return write_page(store, fold_page(store, catalogue, person_ids, day))


# --- the whole run ---------------------------------------------------------------------

# The collector's thresholds while reviewing. A page makes hundreds of thousands of
# short-lived objects and almost no cycles; at Python's default (a collection every 700
# allocations, a full one every 100 of those, each scanning everything alive) the
# collector took about a quarter of the review. Cycles are still collected, just less
# often, so memory stays flat (docs/performance.md).
REVIEW_GC_THRESHOLD = (50_000, 50, 100)


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """What is alive before the review (modules, the catalogue) is frozen out of the
    collector's scans, and it runs less often; both as before afterwards."""
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*REVIEW_GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


_worker: dict[str, Any] = {}


def _start_worker(url: str) -> None:
    """In a worker process: its own engine (none inherited from the parent) and catalogue."""
    from kneecoach.content.loader import load_catalogue
    from kneecoach.store.db import create_raw_engine, forget_engines

    forget_engines()
    _worker["engine"] = create_raw_engine(url)  # the parent has just checked the schema
    _worker["catalogue"] = load_catalogue()
    gc.freeze()  # a worker only reviews: see REVIEW_GC_THRESHOLD
    gc.set_threshold(*REVIEW_GC_THRESHOLD)


def _review_one_page(person_ids: list[int], day: dt.date) -> tuple[int, int]:
    return len(person_ids), _fold_and_write(
        _worker["engine"], _worker["catalogue"], person_ids, day
    )


def _fold_and_write(engine: Any, catalogue: Catalogue, person_ids: list[int], day: dt.date) -> int:
    from kneecoach.store.db import unit_of_work

    with unit_of_work(engine, read_only=True) as store:
        work = fold_page(store, catalogue, person_ids, day)
    with unit_of_work(engine) as store:
        return write_page(store, work)


def review_all(
    url: str,
    catalogue: Catalogue,
    day: dt.date,
    *,
    batch: int = 200,
    workers: int = 1,
    progress: Any = None,
) -> tuple[int, int]:
    """Review everyone in the database at `url` as of `day`, `batch` people a page, in
    `workers` processes. `progress(n)` is called as pages finish. (people, new decisions)."""
    from kneecoach.store.db import connect, forget_engines, unit_of_work

    engine = connect(url)

    def pages() -> Any:
        last_id = 0
        while True:
            with unit_of_work(engine, read_only=True) as store:
                ids = store.person_ids_after(last_id, batch)
            if not ids:
                return
            last_id = ids[-1]
            yield ids

    totals = [0, 0]  # people, new decisions

    def tally(count: int, made: int) -> None:
        totals[0] += count
        totals[1] += made
        if progress:
            progress(count)

    if workers == 1:
        with _fewer_collections():
            for ids in pages():
                tally(len(ids), _fold_and_write(engine, catalogue, ids, day))
        _clinics(url, day)
        return totals[0], totals[1]

    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

    pending = deque(pages())  # a few integers a person; the pages stay small
    forget_engines()  # nothing pooled crosses the fork
    context = multiprocessing.get_context("fork")
    helpers = workers - 1  # this process reviews pages too: `workers` processes in all
    running: set[Future[tuple[int, int]]] = set()

    def collect(block: bool) -> None:
        nonlocal running
        if running:
            done, running = wait(running, timeout=None if block else 0, return_when=FIRST_COMPLETED)
            for future in done:
                tally(*future.result())

    with (
        ProcessPoolExecutor(helpers, context, initializer=_start_worker, initargs=(url,)) as pool,
        _fewer_collections(),
    ):
        mine = connect(url)  # after forget_engines: this process's own connections
        while pending:
            # The helpers always have pages queued, at most two each (memory stays flat);
            # between those, this process takes the next page itself.
            while len(running) < 2 * helpers and pending:
                running.add(pool.submit(_review_one_page, pending.popleft(), day))
            if pending:
                ids = pending.popleft()
                tally(len(ids), _fold_and_write(mine, catalogue, ids, day))
            collect(block=False)
        while running:
            collect(block=True)
    _clinics(url, day)
    return totals[0], totals[1]


def _clinics(url: str, day: dt.date) -> dict[str, int]:
    """After the folds: clinic patients' time-based alerts (CL-3), the physios' daily
    digests, and the alert mail that is due (sent or retried; a mail server that is down
    leaves it waiting, and fails nothing)."""
    from kneecoach.store.db import database

    uow = database(url)
    done = alerts.review_clinics(uow, day)
    done.update(mail.deliver_due(uow).as_dict())
    return done
