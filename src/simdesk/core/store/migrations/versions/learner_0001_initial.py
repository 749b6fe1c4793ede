"""Learner database: attempts at cases and the events of each attempt.

Revision ID: learner_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "learner_0001"
down_revision = None
branch_labels = ("learner",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.String(200), nullable=False),
        sa.Column("case_version", sa.String(40), nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("ended_at", sa.DateTime, nullable=True),
    )
    op.create_index("ix_attempts_case_id", "attempts", ["case_id"])
    op.create_table(
        "attempt_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("attempt_id", sa.Integer, sa.ForeignKey("attempts.id"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("sim_minute", sa.Float, nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
    )
    op.create_index("ix_attempt_events_attempt_id", "attempt_events", ["attempt_id"])


def downgrade() -> None:
    op.drop_table("attempt_events")
    op.drop_table("attempts")
