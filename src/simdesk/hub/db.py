"""The hub's PostgreSQL database: where it runs, its schema (Alembic), and the admin records.

By default the hub runs an embedded PostgreSQL 16 (the ``pgserver`` package) in its data folder;
``SIMDESK_HUB_DATABASE_URL`` points it at any PostgreSQL instead. Migrations run once, under an
advisory lock, before the web workers start, so several workers share one database safely.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from simdesk.core.errors import SimdeskError

DATABASE_ENV = "SIMDESK_HUB_DATABASE_URL"
MIGRATIONS = Path(__file__).with_name("migrations")

meta = sa.MetaData()
TS = sa.DateTime(timezone=True)
TEXTS = pg.ARRAY(sa.Text)
statements = sa.Table(
    "statements",
    meta,
    sa.Column("seq", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("id", sa.String(36)),
    sa.Column("body", pg.JSONB),
    sa.Column("digest", sa.String(64)),
    sa.Column("stored", TS),
    sa.Column("verb", sa.Text),
    sa.Column("voided", sa.Boolean),
    sa.Column("ref", sa.String(36)),
    sa.Column("registration", sa.String(36)),
    sa.Column("agents", TEXTS),
    sa.Column("related_agents", TEXTS),
    sa.Column("activities", TEXTS),
    sa.Column("related_activities", TEXTS),
    sa.Column("device", sa.String(36)),
)
attachments = sa.Table(
    "attachments",
    meta,
    sa.Column("sha2", sa.String(128), primary_key=True),
    sa.Column("content_type", sa.Text),
    sa.Column("content", sa.LargeBinary),
)
documents = sa.Table(
    "documents",
    meta,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("kind", sa.String(20)),
    sa.Column("activity", sa.Text),
    sa.Column("agent", sa.Text),
    sa.Column("registration", sa.Text),
    sa.Column("doc_id", sa.Text),
    sa.Column("content", sa.LargeBinary),
    sa.Column("content_type", sa.Text),
    sa.Column("etag", sa.String(64)),
    sa.Column("updated", TS),
)
activities = sa.Table(
    "activities",
    meta,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("definition", pg.JSONB),
)
devices = sa.Table(
    "devices",
    meta,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("site", sa.Text),
    sa.Column("cohort", sa.Text),
    sa.Column("key", sa.String(64)),
    sa.Column("secret_hash", sa.String(64)),
    sa.Column("created", TS),
    sa.Column("last_seen", TS),
    sa.Column("revoked", TS),
)
enrol_codes = sa.Table(
    "enrol_codes",
    meta,
    sa.Column("code_hash", sa.String(64), primary_key=True),
    sa.Column("site", sa.Text),
    sa.Column("cohort", sa.Text),
    sa.Column("expires", TS),
    sa.Column("used", TS),
    sa.Column("device", sa.String(36)),
)
credentials = sa.Table(
    "credentials",
    meta,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("key", sa.String(64)),
    sa.Column("secret_hash", sa.String(64)),
    sa.Column("created", TS),
    sa.Column("revoked", TS),
)


class HubError(SimdeskError):
    """The hub cannot start, or an admin command cannot be carried out."""


def now() -> datetime:
    return datetime.now(timezone.utc)


def secret_hash(secret: str) -> str:
    """Secrets are 256 random bits, so one SHA-256 is enough (no password stretching needed)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def database_url(data: Path) -> str:
    """``SIMDESK_HUB_DATABASE_URL``, else the embedded PostgreSQL in ``data/postgres``."""
    url = os.environ.get(DATABASE_ENV)
    if url:
        return url
    return embedded_url(data)


@functools.cache
def embedded_url(data: Path) -> str:
    """Start (or join) the embedded PostgreSQL in ``data/postgres`` and return its URL."""
    import warnings

    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset
        warnings.simplefilter("ignore")
        import pgserver

    folder = Path(data).resolve() / "postgres"
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:  # pgserver then runs PostgreSQL as its own user, who must reach it
        closed = [p for p in folder.parents if not os.stat(p).st_mode & 0o001]
        if closed:
            raise HubError(
                f"As root, the embedded PostgreSQL runs as the user 'pgserver', who cannot enter "
                f"{closed[0]}.",
                f"Keep the hub's data in a folder others may enter (chmod o+x {closed[0]}), or "
                f"set {DATABASE_ENV} to a PostgreSQL URL.",
            )
    try:
        server = pgserver.get_server(folder, cleanup_mode="stop")
    except Exception as exc:  # pgserver raises its own and subprocess errors
        raise HubError(
            f"The embedded PostgreSQL in {folder} did not start: {exc}",
            f"Check that {folder} can be written and is not used by another PostgreSQL, or set "
            f"{DATABASE_ENV} to a PostgreSQL URL.",
        ) from exc
    embedded_url.servers = [*getattr(embedded_url, "servers", []), server]
    return sqlalchemy_url(server.get_uri())


def sqlalchemy_url(uri: str) -> str:
    """A libpq URI as SQLAlchemy's psycopg 3 URL."""
    for prefix in ("postgresql://", "postgres://"):
        if uri.startswith(prefix):
            return "postgresql+psycopg://" + uri[len(prefix) :]
    return uri


def make_engine(url: str) -> sa.Engine:
    return sa.create_engine(
        url, pool_size=5, max_overflow=5, pool_pre_ping=True, hide_parameters=True
    )


def migrate(engine: sa.Engine) -> None:
    """Bring the schema to the newest revision, once, whichever process gets the lock first."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    with engine.begin() as conn:
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(151515)"))
        config.attributes["connection"] = conn
        command.upgrade(config, "hub@head")


def open_database(data: Path) -> sa.Engine:
    try:
        engine = make_engine(database_url(data))
        migrate(engine)
    except sa.exc.OperationalError as exc:
        raise HubError(
            f"The hub's database cannot be reached: {exc.orig}",
            f"Start PostgreSQL, or correct {DATABASE_ENV}.",
        ) from exc
    return engine


# -- admin records ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Enrolment:
    url: str
    fingerprint: str
    code: str

    def token(self) -> str:
        body = json.dumps(
            {"u": self.url, "f": self.fingerprint, "c": self.code}, separators=(",", ":")
        )
        return "sdhub1." + base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")


def new_enrol_code(engine: sa.Engine, site: str, cohort: str, hours: float = 72.0) -> str:
    if not site.strip():
        raise HubError("An enrolment code needs a site name.", "Give --site NAME.")
    code = secrets.token_urlsafe(18)
    with engine.begin() as conn:
        conn.execute(
            enrol_codes.insert().values(
                code_hash=secret_hash(code),
                site=site.strip(),
                cohort=cohort,
                expires=now() + timedelta(hours=hours),
            )
        )
    return code


def redeem_enrol_code(engine: sa.Engine, code: str) -> tuple[str, str, str, str]:
    """Trade a one-time code for device credentials: (device id, key, secret, site)."""
    with engine.begin() as conn:
        row = conn.execute(
            enrol_codes.select()
            .where(enrol_codes.c.code_hash == secret_hash(code))
            .with_for_update()
        ).first()
        if row is None or row.used is not None or row.expires < now():
            why = "unknown" if row is None else ("used" if row.used else "expired")
            raise HubError(f"The enrolment code is {why}.", "Ask the hub admin for a new code.")
        device, key, secret = str(uuid.uuid4()), secrets.token_hex(16), secrets.token_urlsafe(32)
        conn.execute(
            devices.insert().values(
                id=device,
                site=row.site,
                cohort=row.cohort,
                key=key,
                secret_hash=secret_hash(secret),
                created=now(),
            )
        )
        conn.execute(
            enrol_codes.update()
            .where(enrol_codes.c.code_hash == row.code_hash)
            .values(used=now(), device=device)
        )
    return device, key, secret, row.site


def new_credentials(engine: sa.Engine, name: str) -> tuple[str, str]:
    key, secret = secrets.token_hex(16), secrets.token_urlsafe(32)
    with engine.begin() as conn:
        conn.execute(sa.delete(credentials).where(credentials.c.name == name))
        conn.execute(
            credentials.insert().values(
                name=name, key=key, secret_hash=secret_hash(secret), created=now()
            )
        )
    return key, secret


def revoke_device(engine: sa.Engine, device: str) -> bool:
    with engine.begin() as conn:
        done = conn.execute(
            devices.update()
            .where((devices.c.id == device) | (devices.c.key == device))
            .where(devices.c.revoked.is_(None))
            .values(revoked=now())
        )
    return done.rowcount > 0
