"""Learner database: the profile's identity for sync (one row; a restored copy gets a new one).

Revision ID: learner_0002
"""

import uuid
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "learner_0002"
down_revision = "learner_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    identity = op.create_table(
        "profile_identity",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sync_id", sa.String(36), nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("restored_from", sa.String(36), nullable=True),
    )
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    op.bulk_insert(
        identity,
        [
            {
                "id": 1,
                "sync_id": str(uuid.uuid4()),
                "device_id": str(uuid.uuid4()),
                "created_at": now,
            }
        ],
    )


def downgrade() -> None:
    op.drop_table("profile_identity")
