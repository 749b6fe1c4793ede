"""Alembic migrations of the learner and device databases, shipped inside the package.

One script directory with two branches: ``learner`` (each profile's database) and ``device``
(the device database). Revisions are written by hand; :mod:`simdesk.core.store.migrate` runs them.
"""
