"""Device to hub over real HTTPS with the certificate pinned: enrolment, store and forward,
idempotence, 409 quarantine, revocation, and the commands as the README shows them."""

from __future__ import annotations

import base64
import gzip
import http.client
import json
import ssl
import urllib.error
import urllib.request

import pytest

from simdesk.core.sync.client import Connection, Endpoint, PinMismatch, SyncError
from simdesk.core.sync.outbox import PENDING, QUARANTINED, SENT, Outbox, decode_token
from tests.hub.conftest import cli, fill, sample_info, sample_result

LEARNER, PASS, INSTRUCTOR_PASS = "Amina Wanjiru", "learner passphrase", "instructor passphrase"
CANARY = "zebra-canary-7731 do you cough blood"


def test_enrol_queue_and_send_each_statement_once(hub, device):
    outbox = Outbox(device)
    assert outbox.queue_attempt("learner-0", *_attempt(0)) == 0  # not enrolled: nothing queued
    assert outbox.enrol(hub.enrol_token()) == "Kisumu East"
    before = hub.counts()[0]
    queued = fill(outbox, 10)
    assert queued == 30 and outbox.counts() == {PENDING: 30}
    report = outbox.sync(batch=7)
    assert (report.sent, report.pending, report.problem) == (30, 0, "")
    assert outbox.counts() == {SENT: 30}
    rows, distinct = hub.counts()
    assert rows - before == 30 and rows == distinct
    assert fill(outbox, 10) == 0  # the same attempts again: already in the outbox
    assert outbox.sync().sent == 0 and hub.counts()[0] == rows
    # A token is used once.
    with pytest.raises(SyncError, match="used"):
        Outbox(device).enrol(_used(hub))


def _used(hub):
    token = hub.enrol_token(site="Once")
    data = decode_token(token)
    body = json.dumps({"code": data["code"]}).encode()
    Connection(Endpoint(data["url"], data["fingerprint"])).request(
        "POST", data["url"] + "/enrol", body, {"Content-Type": "application/json"}, auth=False
    )
    return token


def _attempt(n: int):
    result = sample_result(n)
    return result, sample_info(n, result)


def test_a_statement_id_with_other_content_is_quarantined_and_the_rest_go_on(hub, device):
    outbox = Outbox(device)
    outbox.enrol(hub.enrol_token())
    result, info = _attempt(100)
    outbox.queue_attempt("learner-q", result, info)
    assert outbox.sync().sent == 3
    # The same ids (same attempt key) with another score: the hub answers 409.
    other = sample_result(100, percent=12.0)
    device_b_statements = Outbox(device).preview("learner-q", other, info)
    with device.session() as session:
        from simdesk.core.store.device import OutboxRow

        session.query(OutboxRow).delete()
    outbox.queue(device_b_statements)
    fill(outbox, 5, key="device-q")
    report = outbox.sync(batch=50)
    # attempted and completed keep their ids and change content; 'failed' is a new statement
    assert report.sent == 16 and len(report.newly_quarantined) == 2
    assert outbox.counts() == {SENT: 16, QUARANTINED: 2}
    status = outbox.status()
    assert len(status.quarantined) == 2 and "other content" in status.quarantined[0][1]


def test_a_revoked_device_is_refused_and_keeps_its_statements(hub, device):
    outbox = Outbox(device)
    outbox.enrol(hub.enrol_token())
    fill(outbox, 2, key="device-r")
    assert outbox.sync().sent == 6
    assert cli("hub", "revoke", device.setting("sync.device"), data=hub.data).returncode == 0
    fill(outbox, 4, key="device-r")
    report = outbox.sync(sleep=lambda s: None)
    assert report.sent == 0 and report.pending == 6
    assert "revoked" in report.problem and "enrol" in report.fix.lower()
    outbox.enrol(hub.enrol_token())  # new credentials: the rest goes, nothing lost
    assert outbox.sync().sent == 6


def test_a_different_certificate_is_refused_before_anything_is_sent(hub, device):
    outbox = Outbox(device)
    outbox.enrol(hub.enrol_token())
    device.set_setting("sync.fingerprint", "00" * 32)
    fill(outbox, 1, key="device-p")
    report = outbox.sync(sleep=lambda s: None)
    assert report.sent == 0 and report.pending == 3 and "not the one pinned" in report.problem
    with pytest.raises(PinMismatch):
        Connection(Endpoint(hub.url, "11" * 32)).request("GET", hub.url + "/xapi/about")


def _raw(hub, method, path, body=b"", headers=None):
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    request = urllib.request.Request(
        hub.url + path, data=body or None, method=method, headers=headers or {}
    )
    try:
        with urllib.request.urlopen(request, context=context, timeout=30) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as exc:
        try:
            return exc.code, exc.read()
        except (OSError, http.client.HTTPException):  # the hub closed after refusing
            return exc.code, b""
        finally:
            exc.close()


def _declared_oversize(hub, headers, chunked: bool = False) -> int:
    """A request that declares 9 MB (refused from its headers, before the body is read), or
    sends 13 MB in chunks without a length (counted as it comes)."""
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    conn = http.client.HTTPSConnection("127.0.0.1", hub.port, context=context, timeout=30)
    try:
        conn.putrequest("POST", "/xapi/statements")
        size = {"Transfer-Encoding": "chunked"} if chunked else {"Content-Length": str(9 << 20)}
        for name, value in {**headers, **size}.items():
            conn.putheader(name, value)
        conn.endheaders()
        if chunked:
            try:
                for _ in range(200):
                    conn.send(b"10000\r\n" + b"x" * 65536 + b"\r\n")
            except OSError:
                pass  # the hub stopped reading once it had counted past the limit
        return conn.getresponse().status
    finally:
        conn.close()


def test_the_hub_refuses_bad_requests_with_the_right_status_and_stays_up(hub):
    key, secret = hub.credentials("limits")
    auth = "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()
    xapi = {
        "Authorization": auth,
        "X-Experience-API-Version": "1.0.3",
        "Content-Type": "application/json",
    }
    assert _raw(hub, "GET", "/xapi/statements")[0] == 401
    assert (
        _raw(hub, "GET", "/xapi/statements", headers={**xapi, "Authorization": "Basic !!"})[0]
        == 401
    )
    assert _raw(hub, "POST", "/xapi/statements", b"{not json", xapi)[0] == 400
    assert _raw(hub, "POST", "/xapi/statements", b'{"actor": 5}', xapi)[0] == 400
    assert _declared_oversize(hub, xapi) == 413
    assert _declared_oversize(hub, xapi, chunked=True) == 413
    bomb = gzip.compress(b"[" + b" " * (64 * 1024 * 1024) + b"]")
    assert len(bomb) < 200_000
    assert (
        _raw(hub, "POST", "/xapi/statements", bomb, {**xapi, "Content-Encoding": "gzip"})[0] == 413
    )
    assert (
        _raw(
            hub,
            "POST",
            "/xapi/statements",
            b"\x1f\x8b garbage",
            {**xapi, "Content-Encoding": "gzip"},
        )[0]
        == 400
    )
    assert _raw(hub, "POST", "/enrol", b"[]")[0] == 400
    assert _raw(hub, "POST", "/enrol", b'{"code": "nope"}')[0] == 403
    assert _raw(hub, "GET", "/xapi/about")[0] == 200  # still serving


def test_the_commands_as_the_readme_shows_them_and_the_canary(hub, tmp_path):
    env = {"SIMDESK_HOME": str(tmp_path / "home")}
    assert cli("profiles", "setup", "Ina", env=env, stdin=INSTRUCTOR_PASS + "\n").returncode == 0
    made = cli("profiles", "create", LEARNER, env=env, stdin=f"{INSTRUCTOR_PASS}\n{PASS}\n")
    assert made.returncode == 0, made.stderr
    enrolled = cli("sync", "enrol", hub.enrol_token(site="Homa Bay"), env=env)
    assert enrolled.returncode == 0 and "Homa Bay" in enrolled.stdout
    script = tmp_path / "script.yaml"
    script.write_text(
        f"steps:\n  - ask: {CANARY}?\n  - ask: How long have you had the cough?\n"
        "  - exam: listen to the chest\n  - order: CXR\n  - wait: 60\n"
        "  - diagnose: [pulmonary TB]\n"
    )
    played = cli(
        "run-script",
        "pulmonary-tb-miner",
        str(script),
        "--profile",
        LEARNER,
        "--no-model",
        "--json",
        env=env,
        stdin=PASS + "\n",
    )
    assert played.returncode == 0, played.stderr
    assert json.loads(played.stdout)["recorded"]["queued_for_sync"] == 3
    pending = cli("sync", "pending", env=env).stdout
    sent = cli("sync", env=env)
    assert sent.returncode == 0 and sent.stdout.startswith("3 sent"), sent.stdout + sent.stderr
    assert cli("sync", env=env).stdout.startswith("0 sent")
    # Nothing that names the learner or holds their words left the device or is on the hub.
    engine = hub.engine()
    with engine.connect() as conn:
        stored = " ".join(
            str(r)
            for r in conn.exec_driver_sql(
                "SELECT body::text FROM statements "
                "UNION ALL SELECT definition::text FROM activities"
            )
        )
    engine.dispose()
    for text in (pending, stored):
        for secret in (LEARNER, "Wanjiru", "zebra-canary", "cough blood"):  # "amina" is in
            assert secret.lower() not in text.lower()  # "examination"; the full name is not
    assert "pulmonary-tb-miner" in stored and "sd-" in pending
    # Opting out: nothing more is queued for that learner.
    assert cli("sync", "opt-out", LEARNER, env=env).returncode == 0
    again = cli(
        "run-script",
        "pulmonary-tb-miner",
        str(script),
        "--profile",
        LEARNER,
        "--no-model",
        "--json",
        env=env,
        stdin=PASS + "\n",
    )
    assert json.loads(again.stdout)["recorded"]["queued_for_sync"] == 0


def test_a_hub_given_its_own_certificate_is_pinned_by_that_certificate(tmp_path, device):
    """A certificate made on the fly (trustme) instead of the hub's self-signed one."""
    import hashlib
    import shutil

    import trustme
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    from tests.hub.conftest import Hub, hub_folder, stop_postgres

    authority = trustme.CA()
    issued = authority.issue_cert("127.0.0.1", "localhost")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    issued.cert_chain_pems[0].write_to_path(str(cert))
    issued.private_key_pem.write_to_path(str(key))
    leaf = x509.load_pem_x509_certificate(cert.read_bytes()).public_bytes(Encoding.DER)
    folder = hub_folder()
    own = Hub(folder / "data", extra=["--cert", str(cert), "--key", str(key)]).start()
    try:
        assert own.fingerprint == hashlib.sha256(leaf).hexdigest()
        assert not (own.data / "tls").exists()  # no self-signed certificate was made
        outbox = Outbox(device)
        outbox.enrol(own.enrol_token(site="Own certificate"))
        assert fill(outbox, 2, key="trustme") == 6 and outbox.sync().sent == 6
    finally:
        own.stop()
        stop_postgres(own.data)
        shutil.rmtree(folder, ignore_errors=True)
