"""The one error the store raises for anything a person or a script can fix."""

from __future__ import annotations

from kneecoach.domain.errors import FieldError


class StoreError(FieldError):
    """A database URL, person or record that cannot be used; `field` names the culprit."""
