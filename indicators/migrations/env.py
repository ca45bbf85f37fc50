"""Alembic environment: migrations of the City Vitals store."""

from alembic import context
from sqlalchemy import create_engine

from indicators.models import Base

config = context.config


def run_migrations() -> None:
    """Run the migrations online against the configured URL."""
    connectable = create_engine(config.get_main_option("sqlalchemy.url"))
    with connectable.connect() as connection:
        # SQLite cannot ALTER most things in place; batch mode rebuilds tables instead.
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    connectable.dispose()


run_migrations()
