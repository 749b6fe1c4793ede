"""Store and forward: the encrypted outbox in the device database, enrolment, and sync.

Statements are queued when an attempt ends (only when the device is enrolled and the learner has
not opted out) and sent in batches when the hub is reachable. Each batch is acknowledged by id;
a cut connection or a lost acknowledgement leaves the batch pending and it is sent again (the hub
stores a statement once per id). A 409 (same id, other content) is narrowed down to the
statement by halving the batch; that statement is quarantined with a report and the rest go on.
"""

from __future__ import annotations

import base64
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select

from simdesk.core.assess.attempts import AttemptResult
from simdesk.core.clock import utc_now
from simdesk.core.store.device import DeviceDb, OutboxRow, PseudonymRow
from simdesk.core.sync.client import Conflict, Connection, Endpoint, Refused, SyncError, Unreachable
from simdesk.core.sync.statements import AttemptInfo, attempt_statements, new_pseudonym

PENDING, SENT, QUARANTINED = "pending", "sent", "quarantined"
BATCH = 250  # statements per request: about 25 KB gzip, 3 s at 64 kbit/s
KEYS = ("url", "fingerprint", "key", "secret", "device", "site", "home", "xapi", "compress")


@dataclass
class SyncReport:
    sent: int = 0
    pending: int = 0
    quarantined: int = 0
    bytes: int = 0
    problem: str = ""
    fix: str = ""
    newly_quarantined: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Status:
    enrolled: bool
    hub: str
    site: str
    pending: int
    sent: int
    quarantined: list[tuple[str, str]]  # (statement id, why)
    last_sent: str
    last_try: str
    problem: str
    fix: str


def decode_token(token: str) -> dict:
    token = token.strip()
    try:
        if not token.startswith("sdhub1."):
            raise ValueError
        body = token[len("sdhub1.") :]
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        return {"url": data["u"], "fingerprint": data["f"], "code": data["c"]}
    except (ValueError, KeyError, TypeError) as exc:
        raise SyncError(
            "That is not an enrolment token (it should start with 'sdhub1.').",
            "Copy the whole last line that `simdesk hub enrol-code` printed.",
        ) from exc


class Outbox:
    """The device's sync state, kept in the (SQLCipher) device database."""

    def __init__(self, device: DeviceDb) -> None:
        self.device = device

    # -- enrolment ------------------------------------------------------------------------------

    def endpoint(self) -> Endpoint | None:
        values = {k: self.device.setting(f"sync.{k}") for k in KEYS}
        if not values["url"] and not values["xapi"]:
            return None
        return Endpoint(
            values["url"] or "",
            values["fingerprint"] or "",
            values["key"] or "",
            values["secret"] or "",
            values["xapi"] or "",
            values["compress"] != "0",
        )

    def home(self) -> str:
        return self.device.setting("sync.home") or self.device.setting("sync.url") or ""

    def enrol(self, token: str, timeout: float = 20.0) -> str:
        """Trade an enrolment token for this device's credentials; returns the site name."""
        data = decode_token(token)
        conn = Connection(Endpoint(data["url"], data["fingerprint"]), timeout)
        status, reply = conn.request(
            "POST",
            data["url"].rstrip("/") + "/enrol",
            json.dumps({"code": data["code"]}).encode(),
            {"Content-Type": "application/json"},
            auth=False,
        )
        try:
            answer = json.loads(reply)
        except ValueError:
            answer = {}
        if status != 200:
            raise SyncError(
                f"The hub refused the enrolment code: {answer.get('error', status)}",
                answer.get("fix", "Ask the hub admin for a new code."),
            )
        self._save_endpoint(
            url=data["url"],
            fingerprint=data["fingerprint"],
            key=answer["key"],
            secret=answer["secret"],
            device=answer["device"],
            site=answer["site"],
            home=answer.get("home") or data["url"],
            xapi="",
            compress="1",
        )
        return answer["site"]

    def use_lrs(
        self, xapi: str, key: str, secret: str, *, fingerprint: str = "", compress: bool = False
    ) -> None:
        """Send to a programme's own conformant LRS instead of a simdesk hub."""
        self._save_endpoint(
            url="",
            fingerprint=fingerprint,
            key=key,
            secret=secret,
            device="",
            site="",
            home=xapi,
            xapi=xapi,
            compress="1" if compress else "0",
        )

    def _save_endpoint(self, **values: str) -> None:
        with self.device.session() as session:
            from simdesk.core.store.device import Setting

            for key, value in values.items():
                session.merge(Setting(key=f"sync.{key}", value=value))
            session.merge(Setting(key="sync.problem", value=""))

    # -- learners -------------------------------------------------------------------------------

    def opted_out(self, slug: str) -> bool:
        return self.device.setting(f"sync.opt_out.{slug}") == "1"

    def set_opt_out(self, slug: str, out: bool) -> None:
        self.device.set_setting(f"sync.opt_out.{slug}", "1" if out else "0")

    def pseudonym(self, slug: str) -> str:
        """The learner's pseudonym in the enrolled programme (made at random on first use)."""
        programme = self.home()
        with self.device.session() as session:
            row = session.get(PseudonymRow, (slug, programme))
            if row is None:
                row = PseudonymRow(slug=slug, programme=programme, pseudonym=new_pseudonym())
                session.add(row)
            return row.pseudonym

    def preview(self, slug: str, result: AttemptResult, info: AttemptInfo) -> list[dict]:
        """Exactly the statements that this attempt would send."""
        pseudonym = self.pseudonym(slug) if self.home() else "sd-(made when the device enrols)"
        return attempt_statements(result, info, pseudonym, self.home() or "https://HUB")

    def queue_attempt(self, slug: str, result: AttemptResult, info: AttemptInfo) -> int:
        """Queue an attempt's statements; 0 if not enrolled or the learner opted out."""
        if self.endpoint() is None or self.opted_out(slug):
            return 0
        return self.queue(attempt_statements(result, info, self.pseudonym(slug), self.home()))

    def queue(self, statements: list[dict]) -> int:
        """Add statements to the outbox (an id already there is left as it is)."""
        added = 0
        with self.device.session() as session:
            have = set(
                session.scalars(
                    select(OutboxRow.statement_id).where(
                        OutboxRow.statement_id.in_([s["id"] for s in statements])
                    )
                )
            )
            for statement in statements:
                if statement["id"] in have:
                    continue
                session.add(
                    OutboxRow(
                        statement_id=statement["id"],
                        queued_at=utc_now(),
                        body=json.dumps(statement, separators=(",", ":")),
                        state=PENDING,
                    )
                )
                added += 1
        return added

    # -- state ----------------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        with self.device.session("read") as session:
            rows = session.execute(select(OutboxRow.state, func.count()).group_by(OutboxRow.state))
            return {state: n for state, n in rows}

    def pending_batch(self, limit: int) -> list[OutboxRow]:
        with self.device.session("read") as session:
            rows = session.scalars(
                select(OutboxRow)
                .where(OutboxRow.state == PENDING)
                .order_by(OutboxRow.seq)
                .limit(limit)
            ).all()
            session.expunge_all()
            return list(rows)

    def mark(self, ids: list[str], state: str, problem: str | None = None) -> None:
        with self.device.session() as session:
            for row in session.scalars(select(OutboxRow).where(OutboxRow.statement_id.in_(ids))):
                row.state, row.problem = state, problem
                row.sent_at = utc_now() if state == SENT else None

    def status(self) -> Status:
        counts = self.counts()
        with self.device.session("read") as session:
            quarantined = [
                (r.statement_id, r.problem or "")
                for r in session.scalars(
                    select(OutboxRow).where(OutboxRow.state == QUARANTINED).order_by(OutboxRow.seq)
                )
            ]
        endpoint = self.endpoint()
        s = self.device.setting
        return Status(
            endpoint is not None,
            endpoint.xapi_root if endpoint else "",
            s("sync.site") or "",
            counts.get(PENDING, 0),
            counts.get(SENT, 0),
            quarantined,
            s("sync.last_sent") or "",
            s("sync.last_try") or "",
            s("sync.problem") or "",
            s("sync.fix") or "",
        )

    def _note(self, problem: str = "", fix: str = "", sent: bool = False) -> None:
        now = utc_now().strftime("%Y-%m-%d %H:%M UTC")
        self.device.set_setting("sync.last_try", now)
        self.device.set_setting("sync.problem", problem)
        self.device.set_setting("sync.fix", fix)
        if sent:
            self.device.set_setting("sync.last_sent", now)

    # -- sending --------------------------------------------------------------------------------

    def sync(
        self,
        *,
        batch: int = BATCH,
        tries: int = 4,
        backoff: float = 1.0,
        max_batches: int = 10_000,
        timeout: float = 20.0,
        sleep: Callable[[float], None] = time.sleep,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> SyncReport:
        """Send what is pending, oldest first. Network failures back off and retry, then stop
        (the rest stays pending); a revoked device stops at once; conflicts are quarantined."""
        report = SyncReport()
        endpoint = self.endpoint()
        if endpoint is None:
            report.problem = "This device is not enrolled with a programme hub."
            report.fix = "Get an enrolment code from the hub admin: `simdesk sync enrol TOKEN`."
            report.pending = self.counts().get(PENDING, 0)
            return report
        conn = Connection(endpoint, timeout)
        failures = 0
        for _ in range(max_batches):
            if cancelled():
                break
            rows = self.pending_batch(batch)
            if not rows:
                break
            try:
                sent, size = self._send(conn, rows, report)
                report.sent += sent
                report.bytes += size
                failures = 0
            except Unreachable as exc:
                failures += 1
                if failures >= tries:
                    report.problem, report.fix = exc.what, exc.fix
                    break
                sleep(backoff * 2 ** (failures - 1) * (0.5 + random.random()))
            except (Refused, SyncError) as exc:
                report.problem, report.fix = exc.what, exc.fix
                break
        if conn.gzip_refused:
            self.device.set_setting("sync.compress", "0")
        counts = self.counts()
        report.pending, report.quarantined = counts.get(PENDING, 0), counts.get(QUARANTINED, 0)
        self._note(report.problem, report.fix, sent=report.sent > 0)
        return report

    def _send(self, conn: Connection, rows: list[OutboxRow], report: SyncReport) -> tuple[int, int]:
        statements = [json.loads(r.body) for r in rows]
        try:
            acked, size = conn.post_statements(statements)
        except Conflict:
            if len(rows) == 1:
                why = (
                    "The hub already holds a statement with this id and other content. It was "
                    "not sent again; nothing else is affected. Report the id to the hub admin."
                )
                self.mark([rows[0].statement_id], QUARANTINED, why)
                report.newly_quarantined.append(rows[0].statement_id)
                return 0, 0
            half = len(rows) // 2
            a_sent, a_size = self._send(conn, rows[:half], report)
            b_sent, b_size = self._send(conn, rows[half:], report)
            return a_sent + b_sent, a_size + b_size
        wanted = {r.statement_id for r in rows}
        done = [i for i in acked if i in wanted] or sorted(wanted)
        self.mark(done, SENT)
        return len(done), size


def attempt_info(
    store, attempt_id: int, result: AttemptResult, mode: str, model_id: str
) -> AttemptInfo:
    """The :class:`AttemptInfo` of a stored attempt (its learner store must be open)."""
    summary = next(a for a in store.attempts() if a.id == attempt_id)
    events = store.events(attempt_id)
    sim_minutes = max((e.sim_minute for e in events), default=0.0)
    key = f"{store.identity().sync_id}:{attempt_id}"
    return AttemptInfo(key, mode, summary.started_at, result.finished_at, sim_minutes, model_id)


def queue_finished_attempt(
    device: DeviceDb,
    slug: str,
    store,
    attempt_id: int,
    result: AttemptResult,
    mode: str,
    model_id: str,
) -> int:
    """Queue a just-finished attempt's statements (0 when not enrolled or opted out)."""
    outbox = Outbox(device)
    if outbox.endpoint() is None or outbox.opted_out(slug):
        return 0
    return outbox.queue_attempt(
        slug, result, attempt_info(store, attempt_id, result, mode, model_id)
    )
