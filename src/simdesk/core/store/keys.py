"""Data keys and their wraps.

Each profile's database is encrypted by SQLCipher with a random 256-bit data key (a raw key:
no key derivation on every open). The data key is stored only wrapped:

- under the passphrase: AES-256-GCM with a key derived by Argon2id, whose parameters are stored
  beside the wrap. A wrong passphrase fails the GCM tag check, so it is detected before the
  database file is touched;
- to the site's instructor (the recovery wrap): sealed to the instructor's X25519 public key
  (ephemeral X25519, HKDF-SHA256, AES-256-GCM). Anyone may seal to the public key, so a learner's
  passphrase change or key rotation keeps the recovery wrap current; only the instructor's private
  key, itself sealed under the instructor's data key, opens it.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from simdesk.core.errors import StoreError, WrongPassphrase

KEY_BYTES = 32
RAW = serialization.Encoding.Raw


@dataclass(frozen=True)
class KdfParams:
    """Argon2id parameters, stored beside each wrap so they can be raised later.

    The defaults take about 0.27 s on a 2-core laptop (measured by ``benchmarks/store_bench.py``),
    inside the 0.2-0.5 s unlock budget.
    """

    iterations: int = 3
    memory_kib: int = 128 * 1024
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


def _label(purpose: str) -> bytes:
    """Associated data binding a sealed key to its purpose, so wraps cannot be swapped."""
    return f"simdesk-{purpose}-v1".encode()


def seal(key: bytes, secret: bytes, purpose: str) -> dict:
    """AES-256-GCM ``secret`` under ``key``; a JSON-ready record."""
    nonce = os.urandom(12)
    return {
        "nonce": _b64(nonce),
        "sealed": _b64(AESGCM(key).encrypt(nonce, secret, _label(purpose))),
    }


def unseal(key: bytes, record: dict, purpose: str) -> bytes:
    """Open a :func:`seal` record; raises ``InvalidTag`` for a wrong key or altered record."""
    nonce, sealed = base64.b64decode(record["nonce"]), base64.b64decode(record["sealed"])
    return AESGCM(key).decrypt(nonce, sealed, _label(purpose))


def wrap_key(
    data_key: bytes, passphrase: str, params: KdfParams | None = None, purpose: str = "data-key"
) -> dict:
    """Encrypt ``data_key`` under ``passphrase``; returns a JSON-ready record."""
    params = params or KdfParams()
    salt = os.urandom(16)
    sealed = seal(params.derive(passphrase, salt), data_key, purpose)
    return {
        "version": 1, "kdf": "argon2id", "iterations": params.iterations,
        "memory_kib": params.memory_kib, "lanes": params.lanes, "salt": _b64(salt),
        "nonce": sealed["nonce"], "sealed_key": sealed["sealed"],
    }  # fmt: skip


def unwrap_key(
    record: dict, passphrase: str, *, what: str = "this profile", purpose: str = "data-key"
) -> bytes:
    """Recover the data key, or raise :class:`WrongPassphrase` (nothing else is touched)."""
    params = KdfParams(record["iterations"], record["memory_kib"], record["lanes"])
    wrapping_key = params.derive(passphrase, base64.b64decode(record["salt"]))
    try:
        return unseal(
            wrapping_key, {"nonce": record["nonce"], "sealed": record["sealed_key"]}, purpose
        )
    except InvalidTag:
        raise WrongPassphrase(
            f"The passphrase for {what} is not correct.",
            "Type it again (check Caps Lock). An instructor can reset a forgotten passphrase.",
        ) from None


def new_keypair() -> tuple[bytes, bytes]:
    """A fresh X25519 key pair for an instructor: (private, public), raw bytes."""
    private = X25519PrivateKey.generate()
    return (
        private.private_bytes(RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption()),
        private.public_key().public_bytes(RAW, serialization.PublicFormat.Raw),
    )


def _shared_key(private: X25519PrivateKey, peer: X25519PublicKey, ephemeral: bytes) -> bytes:
    return HKDF(hashes.SHA256(), KEY_BYTES, salt=ephemeral, info=_label("recovery")).derive(
        private.exchange(peer)
    )


def seal_to(public_key: bytes, data_key: bytes) -> dict:
    """The recovery wrap: ``data_key`` sealed to an instructor's public key."""
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes(RAW, serialization.PublicFormat.Raw)
    shared = _shared_key(ephemeral, X25519PublicKey.from_public_bytes(public_key), ephemeral_public)
    return {"ephemeral": _b64(ephemeral_public), **seal(shared, data_key, "recovery")}


def open_sealed(private_key: bytes, record: dict, *, what: str) -> bytes:
    """Open a recovery wrap with the instructor's private key."""
    ephemeral_public = base64.b64decode(record["ephemeral"])
    private = X25519PrivateKey.from_private_bytes(private_key)
    shared = _shared_key(
        private, X25519PublicKey.from_public_bytes(ephemeral_public), ephemeral_public
    )
    try:
        return unseal(shared, record, "recovery")
    except InvalidTag:
        raise StoreError(
            f"The instructor recovery wrap of {what} does not open with this instructor's key.",
            "It was made for another instructor or has been altered. Restore the profile from "
            "a backup, or reset it with the instructor who set up this computer.",
        ) from None
