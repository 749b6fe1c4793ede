"""Device database: settings, the profile list, the append-only audit log.

Revision ID: device_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "device_0001"
down_revision = None
branch_labels = ("device",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "settings",
        sa.Column("key", sa.String(80), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "profiles",
        sa.Column("slug", sa.String(120), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("failed_unlocks", sa.Integer, nullable=False),
        sa.Column("last_failed_at", sa.Float, nullable=True),
        sa.Column("public_key", sa.String(64), nullable=True),
    )
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("profile", sa.String(200), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        # Unique: two writers racing to extend the chain cannot both succeed.
        sa.Column("prev_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_no_{verb.lower()} BEFORE {verb} ON audit "
            "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
        )


def downgrade() -> None:
    op.drop_table("audit")
    op.drop_table("profiles")
    op.drop_table("settings")
