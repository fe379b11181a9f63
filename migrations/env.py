"""Alembic environment: metadata from the models, the connection handed over by bot/db/migrate.py."""

from alembic import context

from bot.db.models import Base
from bot.db.schema_filter import include_object

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    include_object=include_object,
    compare_type=True,
    compare_server_default=True,
)
with context.begin_transaction():
    context.run_migrations()
