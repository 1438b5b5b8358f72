"""Load the programme content: one YAML file per exercise, validated once, then cached.

Validating the YAML with pydantic (`kneecoach.content.schema`) costs more than the
rest of a short command, so the validated catalogue is kept in the user's cache
folder, keyed by a hash of every content file and of the code that reads them.
Any change to a file, or to the schema, misses the cache and validates again; a
cache that cannot be read or written is simply skipped.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import tempfile
from functools import cache
from pathlib import Path

from kneecoach import __version__
from kneecoach.content.errors import ContentError
from kneecoach.domain.exercises import Catalogue

__all__ = ["EXERCISE_DIR", "ContentError", "load_catalogue", "load_directory"]

EXERCISE_DIR = Path(__file__).parent / "exercises"
# What the validated catalogue depends on besides the YAML files themselves.
CODE = (
    Path(__file__).parent / "schema.py",
    Path(__file__).parents[1] / "domain" / "exercises.py",
    Path(__file__),
)


def load_directory(directory: Path) -> Catalogue:
    """Validate every `*.yaml` in `directory` (no cache): ContentError names file and field."""
    from kneecoach.content.schema import load_directory as validate

    return validate(directory)


def content_key(directory: Path) -> str:
    """A hash of every content file and of the code that validates them."""
    digest = hashlib.sha256(__version__.encode())
    for path in (*CODE, *sorted(directory.glob("*.yaml"))):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


def cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("kneecoach"))


def load_cached(directory: Path, folder: Path) -> Catalogue:
    """The catalogue from `folder` if it matches the files, else validated and stored there."""
    path = folder / f"catalogue-{content_key(directory)}.pickle"
    try:
        with path.open("rb") as handle:
            found = pickle.load(handle)
        if isinstance(found, Catalogue):
            return found
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        pass
    catalogue = load_directory(directory)
    with contextlib.suppress(OSError):  # a read-only home folder: validate every time
        _store(catalogue, folder, path)
    return catalogue


def _store(catalogue: Catalogue, folder: Path, path: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("wb", dir=folder, prefix=".catalogue-", delete=False) as f:
        try:
            pickle.dump(catalogue, f, protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException:
            os.unlink(f.name)
            raise
    os.replace(f.name, path)  # whole or not at all, even with two processes at once
    for old in folder.glob("catalogue-*.pickle"):
        if old != path:
            old.unlink(missing_ok=True)


@cache
def load_catalogue() -> Catalogue:
    """The shipped programme content, loaded and validated once per process."""
    return load_cached(EXERCISE_DIR, cache_dir())
