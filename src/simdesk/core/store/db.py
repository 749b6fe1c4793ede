"""SQLCipher engines through SQLAlchemy's ``sqlite+pysqlcipher`` dialect, keyed with a raw key.

Opening an existing database first checks it on a read-only connection (the key, every page's
HMAC, the b-tree structure), so a database that fails is reported and left byte for byte as it
was: never recreated, repaired or checkpointed into.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import sqlcipher3
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from simdesk.core.errors import StoreError

PAGE_SIZE = 4096


def _key_literal(key: bytes) -> str:
    return f"x'{key.hex()}'"


def _damaged(path: Path, detail: str) -> StoreError:
    return StoreError(
        f"The database {path} could not be opened: {detail}",
        "It has not been changed. Options: try again (if the passphrase or key file was just "
        "changed elsewhere), restore the profile from a backup (`simdesk profiles import`), or "
        "ask your instructor. Keep the file: it may still be recoverable.",
        path=path,
    )


def check_database(path: Path, key: bytes) -> None:
    """Read-only checks of an existing database: key, page HMACs, b-tree. Writes nothing."""
    if not path.is_file():
        raise _damaged(path, "the file is missing")
    size = path.stat().st_size
    if size == 0 or size % PAGE_SIZE:
        raise _damaged(
            path, f"the file is truncated ({size} bytes, not whole {PAGE_SIZE}-byte pages)"
        )
    # A WAL-mode database makes its -wal and -shm files even on a read-only open; if the check
    # fails, those this check made are removed again, so a refused database is left as found.
    made = [p for p in (Path(f"{path}-wal"), Path(f"{path}-shm")) if not p.exists()]
    try:
        _read_checks(path, key)
    except StoreError:
        for leftover in made:
            with contextlib.suppress(OSError):  # on a read-only disk none was made
                leftover.unlink(missing_ok=True)
        raise


def _read_checks(path: Path, key: bytes) -> None:
    conn = sqlcipher3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        conn.execute(f'PRAGMA key = "{_key_literal(key)}"')
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        bad_pages = [row[0] for row in conn.execute("PRAGMA cipher_integrity_check")]
        if bad_pages:
            raise _damaged(path, "damaged pages were found (" + "; ".join(bad_pages[:5]) + ")")
        problems = [row[0] for row in conn.execute("PRAGMA quick_check") if row[0] != "ok"]
        if problems:
            raise _damaged(path, "its structure is damaged (" + "; ".join(problems[:5]) + ")")
    except sqlcipher3.DatabaseError as exc:
        raise _store_error(path, "open", str(exc)) from exc
    finally:
        conn.close()


def set_pragmas(dbapi_conn, _record=None) -> None:
    """Settings of every connection (SQLCipher's are ignored by plain SQLite)."""
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA cipher_log_level = NONE")
    # Temporary tables and sorts stay in memory: no plaintext temp files on disk.
    cursor.execute("PRAGMA temp_store = MEMORY")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    # FULL: a commit is on disk when it returns, so a power cut loses only the transaction
    # in flight.
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.close()


def open_engine(path: Path, data_key: bytes, *, create: bool = False) -> Engine:
    """An engine on an encrypted database file in WAL mode.

    With ``create`` the file must not exist yet; without it the file must exist and pass
    :func:`check_database`. A missing or damaged database is never made afresh.
    """
    if create:
        if path.exists():
            raise StoreError(
                f"The database {path} already exists.", "Nothing was changed.", path=path
            )
    else:
        check_database(path, data_key)
    url = URL.create(
        "sqlite+pysqlcipher", password=_key_literal(data_key), database=str(path.resolve())
    )
    # hide_parameters: learner text never reaches a log line or an error message.
    engine = create_engine(url, hide_parameters=True)
    event.listen(engine, "connect", set_pragmas)
    with translate_errors(path, "open"), engine.connect() as conn:
        conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar_one()
    return engine


def _store_error(path: Path, doing: str, detail: str) -> StoreError:
    """The error a user sees for an SQLite failure: a full or read-only disk, or damage."""
    if "disk is full" in detail or "disk I/O" in detail:
        fix = "Free some disk space (or move the data folder to a larger disk) and try again."
    elif "readonly" in detail or "read-only" in detail or "unable to open" in detail:
        fix = (
            "The folder cannot be written. Check that the disk is not write-protected and "
            "that you may write to the folder, then try again."
        )
    else:
        if "not a database" in detail:
            detail += " (wrong key, or the first page is damaged)"
        return _damaged(path, detail)
    return StoreError(
        f"Could not {doing} the database {path}: {detail}. Everything saved before is intact.",
        fix,
        path=path,
    )


@contextlib.contextmanager
def translate_errors(path: Path, doing: str) -> Iterator[None]:
    """Turn SQLite and file-system failures into a :class:`StoreError` naming the file."""
    try:
        yield
    except DBAPIError as exc:
        raise _store_error(path, doing, str(exc.orig)) from exc
    except OSError as exc:
        raise StoreError(
            f"Could not {doing} {exc.filename or path}: {exc.strerror or exc}. Everything saved "
            "before is intact.",
            "Free some disk space and check that the folder can be written, then try again.",
            path=path,
        ) from exc


def rekey(engine: Engine, path: Path, new_key: bytes) -> Engine:
    """Re-encrypt the database under ``new_key`` (``PRAGMA rekey``), verified on a new connection.

    Returns a fresh engine on the new key; the old engine is disposed.
    """
    engine.dispose()  # no other pooled connection may keep the old key
    with translate_errors(path, "re-encrypt"), engine.connect() as conn:
        conn.exec_driver_sql(f'PRAGMA rekey = "{_key_literal(new_key)}"')
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return open_engine(path, new_key)


def export_copy(engine: Engine, path: Path, target: Path, key: bytes) -> None:
    """A consistent encrypted copy of the database at ``target`` under ``key``."""
    with translate_errors(path, "export"), engine.connect() as conn:
        conn.exec_driver_sql(
            f'ATTACH DATABASE ? AS export_copy KEY "{_key_literal(key)}"', (str(target),)
        )
        try:
            conn.exec_driver_sql("SELECT sqlcipher_export('export_copy')")
        finally:
            conn.exec_driver_sql("DETACH DATABASE export_copy")
