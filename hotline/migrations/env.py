"""Alembic environment: runs migrations on the connection or URL the caller provides."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

import hotline.all_models  # noqa: F401  (every model registers on the metadata)
from hotline.db import Base, make_engine

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_sqlite(connection: Connection) -> None:
    """SQLite alters a table by copying it (Alembic's batch mode) and dropping the old one; with
    foreign keys enforced, that drop would delete or refuse the rows pointing at it (a helpline's
    reference lists, its requests). Foreign keys are off while migrating (the pragma only takes
    outside a transaction), then checked and back on."""
    dbapi = connection.connection.driver_connection
    if dbapi is None or connection.in_transaction():
        _run(connection)  # the caller's transaction: the pragma would be ignored
        return
    dbapi.execute("PRAGMA foreign_keys=OFF")
    try:
        _run(connection)
        broken = dbapi.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"Migration left rows pointing at nothing: {broken[:5]}")
    finally:
        dbapi.execute("PRAGMA foreign_keys=ON")


def _migrate(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        _run_sqlite(connection)
    else:
        _run(connection)


connection = config.attributes.get("connection")
if connection is not None:
    _migrate(connection)
else:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        _migrate(conn)
    engine.dispose()
