"""Alembic environment of the hub: runs on the connection handed in by ``simdesk.hub.db``."""

from alembic import context

context.configure(connection=context.config.attributes["connection"])
with context.begin_transaction():
    context.run_migrations()
