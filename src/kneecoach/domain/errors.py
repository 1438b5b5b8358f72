"""One error for bad input: `FieldError(field, problem)`.

The web answers it with 422 and the field, the CLI with exit code 2 and one line.
`field` is a dotted path into what was sent (`entries.0.sets.1.pain`), never a CLI flag.
"""

from __future__ import annotations


class FieldError(ValueError):
    """Input that breaks the contract; `field` names where, `problem` says what and how to fix."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")
