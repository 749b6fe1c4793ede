"""The one-file encrypted export of a profile: a JSON header, then an encrypted database.

Layout: ``MAGIC``, the header's length (8 bytes, big-endian), the header (JSON: the profile's
name, the export key wrapped under the passphrase, the database's size and SHA-256), then the
database bytes - a SQLCipher copy encrypted under the export key. Nothing in it is plaintext
learner content.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from simdesk.core.errors import StoreError
from simdesk.core.files import atomic_write

MAGIC = b"SIMDESK-PROFILE-EXPORT\n"
SUFFIX = ".simdesk-profile"


def write_export(target: Path, header: dict, database: bytes) -> None:
    header = {**header, "format": 1, "db_bytes": len(database)}
    header["db_sha256"] = hashlib.sha256(database).hexdigest()
    encoded = json.dumps(header).encode()
    atomic_write(target, MAGIC + len(encoded).to_bytes(8, "big") + encoded + database)


def read_export(source: Path) -> tuple[dict, bytes]:
    """The header and database bytes of an export file, checked whole."""

    def broken(why: str) -> StoreError:
        return StoreError(
            f"{source} is not a usable simdesk profile export: {why}.",
            "Copy the export file again from where it was saved (it may have been cut short), "
            "or use another backup.",
            path=source,
        )

    try:
        blob = source.read_bytes()
    except OSError as exc:
        raise StoreError(
            f"The export file {source} cannot be read: {exc.strerror or exc}.",
            "Check the path and that the USB stick or disk is connected.",
            path=source,
        ) from exc
    if not blob.startswith(MAGIC):
        raise broken("it does not start like an export file")
    start = len(MAGIC) + 8
    length = int.from_bytes(blob[len(MAGIC) : start], "big")
    try:
        header = json.loads(blob[start : start + length])
        database = blob[start + length :]
        complete = len(database) == header["db_bytes"]
        intact = hashlib.sha256(database).hexdigest() == header["db_sha256"]
    except (ValueError, KeyError, TypeError):
        raise broken("its header is damaged") from None
    if not complete:
        raise broken(f"it is truncated ({len(database)} of {header['db_bytes']} bytes)")
    if not intact:
        raise broken("its contents do not match their checksum (damaged bytes)")
    return header, database
