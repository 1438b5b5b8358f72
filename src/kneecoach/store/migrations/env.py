"""Alembic environment: kneecoach.store.db.connect() hands over its connection in attributes."""

from __future__ import annotations

from alembic import context

from kneecoach.store.db import create_raw_engine
from kneecoach.store.tables import Base


def run() -> None:
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_on(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("pass a URL: kneecoach.store.db.alembic_config(url)")
    engine = create_raw_engine(url)
    try:
        with engine.begin() as fresh:
            _run_on(fresh)
    finally:
        engine.dispose()


def _run_on(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=Base.metadata,
        compare_type=True,
        render_as_batch=True,  # SQLite alters tables by copying them
    )
    with context.begin_transaction():
        context.run_migrations()


run()
