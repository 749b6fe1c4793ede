"""Device database: the sync outbox (anonymised xAPI statements) and learners' pseudonyms.

Revision ID: device_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "device_0002"
down_revision = "device_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_outbox",
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("statement_id", sa.String(36), nullable=False, unique=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("queued_at", sa.DateTime, nullable=False),
        sa.Column("state", sa.String(12), nullable=False, index=True),
        sa.Column("sent_at", sa.DateTime, nullable=True),
        sa.Column("problem", sa.Text, nullable=True),
    )
    op.create_table(
        "sync_pseudonyms",
        sa.Column("slug", sa.String(120), primary_key=True),
        sa.Column("programme", sa.String(300), primary_key=True),
        sa.Column("pseudonym", sa.String(40), nullable=False, unique=True),
    )


def downgrade() -> None:
    op.drop_table("sync_pseudonyms")
    op.drop_table("sync_outbox")
