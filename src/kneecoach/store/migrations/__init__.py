"""Alembic migrations, run to head by kneecoach.store.db.connect()."""
