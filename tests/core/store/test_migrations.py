"""Alembic migrations on the encrypted engine: a database of the previous schema keeps its data."""

from __future__ import annotations

from datetime import datetime

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from simdesk.core.store import migrate
from simdesk.core.store.db import open_engine
from simdesk.core.store.keys import new_data_key
from simdesk.core.store.models import Base
from simdesk.core.store.repository import LearnerStore


def test_a_database_of_the_previous_schema_is_upgraded_with_all_its_data(tmp_path):
    key, path = new_data_key(), tmp_path / "learner.db"
    engine = open_engine(path, key, create=True)
    migrate.upgrade(engine, "learner", "learner_0001")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO attempts (id, case_id, case_version, started_at) "
                "VALUES (1, 'pulmonary-tb-miner', '1.0', :at)"
            ),
            {"at": datetime(2026, 1, 2, 3, 4, 5)},
        )
        conn.execute(
            text(
                "INSERT INTO attempt_events (attempt_id, seq, kind, sim_minute, at, text, data) "
                "VALUES (1, 1, 'question', 2.5, :at, 'Do you smoke?', "
                '\'{"fact_ids": ["smoking"], "scores": [0.8], "sources": []}\')'
            ),
            {"at": datetime(2026, 1, 2, 3, 5, 0)},
        )
    assert migrate.current(engine) == "learner_0001"
    engine.dispose()

    store = LearnerStore(open_engine(path, key))  # opening upgrades to the head
    assert migrate.current(store.engine) == migrate.head("learner") != "learner_0001"
    [attempt] = store.attempts()
    assert (attempt.case_id, attempt.started_at) == (
        "pulmonary-tb-miner",
        datetime(2026, 1, 2, 3, 4, 5),
    )
    [event] = store.events(1)
    assert (event.kind, event.sim_minute, event.text, event.fact_ids, event.scores) == (
        "question", 2.5, "Do you smoke?", ("smoking",), (0.8,)
    )  # fmt: skip
    assert event.at == datetime(2026, 1, 2, 3, 5, 0)
    identity = store.identity()
    assert len(identity.sync_id) == 36 and identity.restored_from is None
    store.close()


def test_the_migrations_build_exactly_the_models_schema(tmp_path):
    """A model change without a migration (or the reverse) fails here."""
    engine = open_engine(tmp_path / "learner.db", new_data_key(), create=True)
    migrate.upgrade(engine, "learner")
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert differences == []


def test_migrations_ship_inside_the_package():
    assert migrate.MIGRATIONS.is_relative_to(migrate.Path(migrate.__file__).parent)
    names = {p.name for p in (migrate.MIGRATIONS / "versions").glob("*.py")}
    assert {"learner_0001_initial.py", "learner_0002_identity.py"} <= names
