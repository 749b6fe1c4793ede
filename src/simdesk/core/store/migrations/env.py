"""Alembic environment: runs on the already-open (encrypted) connection handed in by migrate.py."""

from alembic import context

context.configure(connection=context.config.attributes["connection"], render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
