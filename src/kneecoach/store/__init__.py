"""Storage: SQLAlchemy tables, the Store repository, the unit of work, Alembic migrations.

Import the modules themselves (`kneecoach.store.db`, `.repository`, `.errors`): this
package imports nothing, so a command that only needs `StoreError` stays quick.
"""
