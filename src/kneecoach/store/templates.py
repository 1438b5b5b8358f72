"""Programme templates (CL-1), shared within a clinic, in one unit of work."""

from __future__ import annotations

from sqlalchemy.orm import Session


class TemplateStore:
    """Every read and write of `programme_templates`, inside one SQLAlchemy Session."""

    def __init__(self, session: Session) -> None:
        self._session = session
