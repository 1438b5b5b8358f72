"""Storage: SQLAlchemy tables, the Store repository, the unit of work, Alembic migrations."""

from kneecoach.store.db import connect, default_url, resolve_url, unit_of_work
from kneecoach.store.errors import StoreError
from kneecoach.store.repository import Store

__all__ = ["Store", "StoreError", "connect", "default_url", "resolve_url", "unit_of_work"]
