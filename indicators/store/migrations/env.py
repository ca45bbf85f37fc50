"""Alembic environment: migrations of the City Vitals store.

``indicators.store.db.upgrade`` passes its own connection (with the store's SQLite pragmas);
the alembic command line gets one from the configured URL.
"""

from alembic import context
from sqlalchemy import Connection, create_engine

from indicators.store.models import Base

config = context.config


def run_migrations(connection: Connection) -> None:
    """Run the migrations on ``connection``."""
    # SQLite cannot ALTER most things in place; batch mode rebuilds tables instead.
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


if "connection" in config.attributes:
    run_migrations(config.attributes["connection"])
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as conn:
        run_migrations(conn)
    engine.dispose()
