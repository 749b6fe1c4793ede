"""Run the packaged Alembic migrations on an open (encrypted) engine."""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).with_name("migrations")


@functools.cache
def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    return config


@functools.cache
def head(branch: str) -> str:
    """The newest revision of ``branch`` ("learner" or "device")."""
    return ScriptDirectory.from_config(_config()).get_revision(f"{branch}@head").revision


def current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, branch: str, revision: str | None = None) -> None:
    """Bring the database to ``revision`` (default: the head of ``branch``), in one transaction."""
    target = revision or head(branch)
    if current(engine) == target:
        return
    with engine.begin() as conn:
        config = _config()
        config.attributes["connection"] = conn
        try:
            command.upgrade(config, target)
        finally:
            config.attributes.pop("connection", None)
