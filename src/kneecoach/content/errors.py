"""The content error, apart from the loader so that catching it imports no YAML or pydantic."""

from __future__ import annotations

from pathlib import Path


class ContentError(ValueError):
    """A content file is malformed. The message names the file and the field."""

    def __init__(self, path: Path | str, field: str, problem: str) -> None:
        self.path = Path(path)
        self.field = field
        self.problem = problem
        super().__init__(f"{self.path.name}: {field}: {problem}")
