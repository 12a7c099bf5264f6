"""Alembic environment: always run programmatically with a connection (see db.migrate)."""
from alembic import context

from redaction.store.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - used only for `alembic revision --autogenerate`
    from redaction.store.db import database_url, make_engine
    connection = make_engine(database_url()).connect()

context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite",
                  compare_type=True)
with context.begin_transaction():
    context.run_migrations()
