"""SQLCipher engines through SQLAlchemy's ``sqlite+pysqlcipher`` dialect, keyed with a raw key."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DatabaseError

from simdesk.core.errors import StoreError


def open_engine(path: Path, data_key: bytes) -> Engine:
    """An engine on an encrypted database file; checks the key by reading the schema."""
    url = URL.create(
        "sqlite+pysqlcipher", password=f"x'{data_key.hex()}'", database=str(path.resolve())
    )
    engine = create_engine(url)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record) -> None:
        cursor = dbapi_conn.cursor()
        # Temporary tables and sorts stay in memory: no plaintext temp files on disk.
        cursor.execute("PRAGMA temp_store = MEMORY")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT count(*) FROM sqlite_master")).scalar_one()
            conn.exec_driver_sql("PRAGMA journal_mode = WAL")
            conn.exec_driver_sql("PRAGMA synchronous = NORMAL")
    except DatabaseError as exc:
        engine.dispose()
        raise StoreError(
            f"The learner database {path} could not be opened: {exc.orig}",
            "The file may be damaged. It has not been changed; restore it from a backup "
            "or ask your instructor.",
            path=path,
        ) from exc
    return engine
