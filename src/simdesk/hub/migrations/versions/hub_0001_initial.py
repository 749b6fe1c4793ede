"""Hub: statements, attachments, documents, activities, devices, enrolment codes, credentials.

Revision ID: hub_0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "hub_0001"
down_revision = None
branch_labels = ("hub",)
depends_on = None

TS = sa.DateTime(timezone=True)
TEXTS = pg.ARRAY(sa.Text)


def upgrade() -> None:
    op.create_table(
        "statements",
        sa.Column("seq", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("id", sa.String(36), nullable=False, unique=True),
        sa.Column("body", pg.JSONB, nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("stored", TS, nullable=False),
        sa.Column("verb", sa.Text, nullable=False),
        sa.Column("voided", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("ref", sa.String(36)),
        sa.Column("registration", sa.String(36)),
        sa.Column("agents", TEXTS, nullable=False),
        sa.Column("related_agents", TEXTS, nullable=False),
        sa.Column("activities", TEXTS, nullable=False),
        sa.Column("related_activities", TEXTS, nullable=False),
        sa.Column("device", sa.String(36)),
    )
    op.create_index("statements_stored", "statements", ["stored"])
    op.create_index("statements_verb", "statements", ["verb"])
    op.create_index("statements_ref", "statements", ["ref"])
    for column in ("agents", "related_agents", "activities", "related_activities"):
        op.create_index(f"statements_{column}", "statements", [column], postgresql_using="gin")
    op.create_table(
        "attachments",
        sa.Column("sha2", sa.String(128), primary_key=True),
        sa.Column("content_type", sa.Text, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("activity", sa.Text, nullable=False),
        sa.Column("agent", sa.Text, nullable=False),
        sa.Column("registration", sa.Text, nullable=False),
        sa.Column("doc_id", sa.Text, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("content_type", sa.Text, nullable=False),
        sa.Column("etag", sa.String(64), nullable=False),
        sa.Column("updated", TS, nullable=False),
        sa.UniqueConstraint("kind", "activity", "agent", "registration", "doc_id"),
    )
    op.create_table(
        "activities",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("definition", pg.JSONB, nullable=False),
    )
    op.create_table(
        "devices",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("site", sa.Text, nullable=False),
        sa.Column("cohort", sa.Text, nullable=False),
        sa.Column("key", sa.String(64), nullable=False, unique=True),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("created", TS, nullable=False),
        sa.Column("last_seen", TS),
        sa.Column("revoked", TS),
    )
    op.create_table(
        "enrol_codes",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("site", sa.Text, nullable=False),
        sa.Column("cohort", sa.Text, nullable=False),
        sa.Column("expires", TS, nullable=False),
        sa.Column("used", TS),
        sa.Column("device", sa.String(36)),
    )
    op.create_table(
        "credentials",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("key", sa.String(64), nullable=False, unique=True),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("created", TS, nullable=False),
        sa.Column("revoked", TS),
    )


def downgrade() -> None:
    for table in (
        "credentials",
        "enrol_codes",
        "devices",
        "activities",
        "documents",
        "attachments",
        "statements",
    ):
        op.drop_table(table)
