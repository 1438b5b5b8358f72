"""Alerts for a patient's physiotherapist (CL-3) and the mail outbox, in one unit of work."""

from __future__ import annotations

from sqlalchemy.orm import Session


class AlertStore:
    """Every read and write of `alerts` and `mail_outbox`, inside one SQLAlchemy Session."""

    def __init__(self, session: Session) -> None:
        self._session = session
