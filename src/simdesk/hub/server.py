"""Running the hub: its TLS certificate, its database, and uvicorn on a bound socket.

On first start the hub makes a self-signed certificate in ``DATA/tls`` unless one is given; its
SHA-256 fingerprint travels in every enrolment code so devices pin it. ``DATA/hub.json`` records
the URL and fingerprint for the admin commands.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from simdesk.core.files import atomic_write
from simdesk.hub.db import DATABASE_ENV, HubError, database_url, open_database


@dataclass(frozen=True)
class Tls:
    cert: Path
    key: Path
    fingerprint: str


def fingerprint_of(cert_pem: bytes) -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    der = x509.load_pem_x509_certificate(cert_pem).public_bytes(Encoding.DER)
    return hashlib.sha256(der).hexdigest()


def ensure_certificate(
    data: Path, host: str, cert: Path | None = None, key: Path | None = None
) -> Tls:
    """The given certificate, or the one made before, or a new self-signed one."""
    if cert is not None or key is not None:
        if cert is None or key is None or not cert.is_file() or not key.is_file():
            raise HubError(
                "Give both --cert and --key, as PEM files that exist.",
                "Or give neither, and the hub makes a self-signed certificate.",
            )
        return Tls(cert, key, fingerprint_of(cert.read_bytes()))
    folder = data / "tls"
    cert, key = folder / "cert.pem", folder / "key.pem"
    if not cert.is_file():
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        private = ec.generate_private_key(ec.SECP256R1())
        names = {"localhost", socket.gethostname(), host}
        alt: list[x509.GeneralName] = []
        for name in sorted(n for n in names if n and n != "0.0.0.0"):
            try:
                alt.append(x509.IPAddress(ipaddress.ip_address(name)))
            except ValueError:
                alt.append(x509.DNSName(name))
        alt.append(x509.IPAddress(ipaddress.ip_address("127.0.0.1")))
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "simdesk hub")])
        now = dt.datetime.now(dt.timezone.utc)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(private.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.SubjectAlternativeName(alt), critical=False)
            .sign(private, hashes.SHA256())
        )
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write(
            key,
            private.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
            mode=0o600,
        )
        atomic_write(cert, certificate.public_bytes(serialization.Encoding.PEM))
    return Tls(cert, key, fingerprint_of(cert.read_bytes()))


def hub_info(data: Path) -> dict:
    path = data / "hub.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise HubError(
            f"{path} cannot be read ({exc}).",
            "Start the hub once with `simdesk hub serve --data DIR` first.",
        ) from exc


def serve(
    data: Path,
    host: str,
    port: int,
    *,
    workers: int = 1,
    cert: Path | None = None,
    key: Path | None = None,
    public_url: str | None = None,
) -> None:
    import uvicorn

    data.mkdir(parents=True, exist_ok=True)
    tls = ensure_certificate(data, host, cert, key)
    engine = open_database(data)
    url = database_url(data)
    engine.dispose()
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        raise HubError(
            f"Cannot listen on {host}:{port}: {exc.strerror}.",
            "Choose another --port, or stop what uses this one.",
        ) from exc
    sock.listen(128)
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    hub_url = public_url or f"https://{shown}:{sock.getsockname()[1]}"
    atomic_write(
        data / "hub.json", json.dumps({"url": hub_url, "fingerprint": tls.fingerprint}).encode()
    )
    os.environ[DATABASE_ENV] = url
    os.environ["SIMDESK_HUB_HOME"] = hub_url
    os.environ["SIMDESK_HUB_INFO"] = str((data / "hub.json").resolve())
    print(f"simdesk hub: certificate sha256 {tls.fingerprint}", flush=True)
    print(hub_url, flush=True)
    uvicorn.run(
        "simdesk.hub.app:app_from_env",
        factory=True,
        fd=sock.fileno(),
        workers=workers,
        ssl_certfile=str(tls.cert),
        ssl_keyfile=str(tls.key),
        log_level="warning",
        timeout_graceful_shutdown=3,
    )
