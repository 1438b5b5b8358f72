"""The one error the store raises for anything a person or a script can fix."""

from __future__ import annotations


class StoreError(ValueError):
    """A database URL, person or record that cannot be used; `field` names the culprit."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")
