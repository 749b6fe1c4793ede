"""Data keys and their wraps.

Each profile's database is encrypted by SQLCipher with a random 256-bit data key (a raw key:
no key derivation on every open). The data key is stored only wrapped: AES-256-GCM under a key
derived from the passphrase with Argon2id. A wrong passphrase fails the GCM tag check, so it is
detected before the database file is touched.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from simdesk.core.errors import WrongPassphrase

KEY_BYTES = 32


@dataclass(frozen=True)
class KdfParams:
    """Argon2id parameters, stored beside each wrap so they can be raised later."""

    iterations: int = 3
    memory_kib: int = 64 * 1024
    lanes: int = 2

    def derive(self, passphrase: str, salt: bytes) -> bytes:
        kdf = Argon2id(
            salt=salt, length=KEY_BYTES, iterations=self.iterations, lanes=self.lanes,
            memory_cost=self.memory_kib,
        )  # fmt: skip
        return kdf.derive(passphrase.encode("utf-8"))


def new_data_key() -> bytes:
    return os.urandom(KEY_BYTES)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def wrap_key(data_key: bytes, passphrase: str, params: KdfParams | None = None) -> dict:
    """Encrypt ``data_key`` under ``passphrase``; returns a JSON-ready record."""
    params = params or KdfParams()
    salt, nonce = os.urandom(16), os.urandom(12)
    wrapping_key = params.derive(passphrase, salt)
    sealed = AESGCM(wrapping_key).encrypt(nonce, data_key, b"simdesk-data-key-v1")
    return {
        "version": 1,
        "kdf": "argon2id",
        "iterations": params.iterations,
        "memory_kib": params.memory_kib,
        "lanes": params.lanes,
        "salt": _b64(salt),
        "nonce": _b64(nonce),
        "sealed_key": _b64(sealed),
    }


def unwrap_key(record: dict, passphrase: str, *, what: str = "this profile") -> bytes:
    """Recover the data key, or raise :class:`WrongPassphrase` (nothing else is touched)."""
    params = KdfParams(record["iterations"], record["memory_kib"], record["lanes"])
    wrapping_key = params.derive(passphrase, base64.b64decode(record["salt"]))
    try:
        return AESGCM(wrapping_key).decrypt(
            base64.b64decode(record["nonce"]), base64.b64decode(record["sealed_key"]),
            b"simdesk-data-key-v1",
        )  # fmt: skip
    except InvalidTag:
        raise WrongPassphrase(
            f"The passphrase for {what} is not correct.",
            "Type it again (check Caps Lock). An instructor can reset a forgotten passphrase.",
        ) from None
