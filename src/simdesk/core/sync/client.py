"""Talking to a hub (or any xAPI LRS) over HTTPS, with the certificate pinned at enrolment.

The pin is the SHA-256 of the server's certificate; a connection whose certificate differs is
closed before a byte of the request is sent. Without a pin (a programme's own LRS behind a public
certificate) the system's certificate authorities are used. Statement batches go gzip-compressed
unless the LRS refuses that.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import http.client
import json
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from simdesk.core.errors import SimdeskError

TIMEOUT = 20.0


class SyncError(SimdeskError):
    """Sync could not be done; ``what`` names the problem, ``fix`` what to do."""


class Unreachable(SyncError):
    """The hub could not be reached or the exchange was cut: try again later (nothing is lost)."""


class Conflict(SyncError):
    """The hub holds a statement with one of these ids and other content (409)."""


class Refused(SyncError):
    """The hub refused the request (401/403: credentials; 4xx: the request)."""

    def __init__(self, what: str, fix: str, status: int) -> None:
        super().__init__(what, fix)
        self.status = status


@dataclass(frozen=True)
class Endpoint:
    url: str  # https://host:port (the xAPI root is url + /xapi unless ``xapi`` is given)
    fingerprint: str = ""  # sha256 hex of the pinned certificate, "" for CA verification
    key: str = ""
    secret: str = ""
    xapi: str = ""  # a full xAPI endpoint URL for a third-party LRS
    compress: bool = True

    @property
    def xapi_root(self) -> str:
        return (self.xapi or self.url.rstrip("/") + "/xapi").rstrip("/")


class Connection:
    def __init__(self, endpoint: Endpoint, timeout: float = TIMEOUT) -> None:
        self.endpoint = endpoint
        self.timeout = timeout
        self.gzip_refused = False  # the LRS failed on a gzip body and took it plain

    def request(
        self,
        method: str,
        url: str,
        body: bytes = b"",
        headers: dict | None = None,
        *,
        auth: bool = True,
    ) -> tuple[int, bytes]:
        parts = urlsplit(url)
        if parts.scheme != "https" and self.endpoint.fingerprint:
            raise SyncError(f"The hub address {url} is not HTTPS.", "Enrol with an https:// hub.")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        headers = dict(headers or {})
        if auth and self.endpoint.key:
            pair = f"{self.endpoint.key}:{self.endpoint.secret}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        headers.setdefault("X-Experience-API-Version", "1.0.3")
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        try:
            if parts.scheme == "https":
                conn = self._https(parts.hostname or "", port)
            else:
                conn = http.client.HTTPConnection(parts.hostname, port, timeout=self.timeout)
            try:
                conn.request(method, path or "/", body=body, headers=headers)
                response = conn.getresponse()
                return response.status, response.read()
            finally:
                conn.close()
        except ssl.SSLError as exc:
            raise Unreachable(
                f"The secure connection to {parts.netloc} failed: {exc}.",
                "Check the hub address; try again later.",
            ) from exc
        except (OSError, http.client.HTTPException) as exc:
            raise Unreachable(
                f"The hub {parts.netloc} could not be reached ({exc}).",
                "Nothing was lost: sync tries again when the hub is reachable.",
            ) from exc

    def _https(self, host: str, port: int) -> http.client.HTTPSConnection:
        pin = self.endpoint.fingerprint.lower().replace(":", "")
        if pin:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE  # trust comes from the pin, checked below
        else:
            context = ssl.create_default_context()
        conn = http.client.HTTPSConnection(host, port, timeout=self.timeout, context=context)
        conn.connect()
        if pin:
            der = conn.sock.getpeercert(binary_form=True) or b""
            if hashlib.sha256(der).hexdigest() != pin:
                conn.close()
                raise PinMismatch(
                    f"The hub at {host}:{port} presented a certificate that is not the one "
                    "pinned at enrolment.",
                    "Nothing was sent. If the hub's certificate was changed on purpose, enrol "
                    "again with a new code from the hub admin; otherwise tell them.",
                )
        return conn

    # -- xAPI ---------------------------------------------------------------------------------

    def post_statements(self, statements: list[dict]) -> tuple[list[str], int]:
        """POST a batch; the ids the hub acknowledged and the bytes sent."""
        raw = json.dumps(statements, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json"}
        url = self.endpoint.xapi_root + "/statements"
        if self.endpoint.compress and not self.gzip_refused:
            body = gzip.compress(raw, compresslevel=9, mtime=0)
            status, reply = self.request("POST", url, body, {**headers, "Content-Encoding": "gzip"})
            if status not in (400, 415, 500):
                return self._acknowledged(status, reply, statements, len(body))
            # Some LRSs refuse (or fail on) compressed bodies: once plain works, stay plain.
            status, reply = self.request("POST", url, raw, headers)
            if 200 <= status < 300:
                self.gzip_refused = True
            return self._acknowledged(status, reply, statements, len(raw))
        status, reply = self.request("POST", url, raw, headers)
        return self._acknowledged(status, reply, statements, len(raw))

    def _acknowledged(self, status: int, reply: bytes, statements: list[dict],
                      size: int) -> tuple[list[str], int]:  # fmt: skip
        if status == 409:
            raise Conflict(
                "The hub already holds a statement with one of these ids and other content.",
                "The statement is kept on this device, quarantined.",
            )
        check_status(status, reply)
        try:
            ids = json.loads(reply) if reply else [s["id"] for s in statements]
        except ValueError as exc:
            raise Unreachable("The hub's reply was not understood.", "Try again later.") from exc
        return [str(i) for i in ids], size

    def get_statement(self, statement_id: str) -> dict | None:
        status, reply = self.request(
            "GET", f"{self.endpoint.xapi_root}/statements?statementId={statement_id}"
        )
        if status == 404:
            return None
        check_status(status, reply)
        return json.loads(reply)


class PinMismatch(SyncError):
    """The server's certificate is not the pinned one: nothing is sent."""


def check_status(status: int, reply: bytes) -> None:
    if 200 <= status < 300:
        return
    try:
        detail = json.loads(reply).get("error", "")
    except (ValueError, AttributeError):
        detail = reply[:200].decode(errors="replace")
    if status in (401, 403):
        raise Refused(
            f"The hub refused this device's credentials ({status}: {detail}).",
            "Ask the hub admin for a new enrolment code and run `simdesk sync enrol "
            "TOKEN` (or use Enrol on the Sync page).",
            status,
        )
    if status in (502, 503, 504) or status >= 500:
        raise Unreachable(
            f"The hub had a problem ({status}: {detail}).",
            "Nothing was lost: sync tries again later.",
        )
    raise Refused(
        f"The hub refused the request ({status}: {detail}).",
        "Report this to the hub admin; the statements stay on this device.",
        status,
    )


def resolve_ok(host: str) -> bool:
    try:
        socket.getaddrinfo(host, None)
        return True
    except OSError:
        return False
