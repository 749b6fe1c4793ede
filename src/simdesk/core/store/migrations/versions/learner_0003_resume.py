"""Learner database: what resuming an unfinished attempt needs (its mode, seed, exam time used).

Revision ID: learner_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "learner_0003"
down_revision = "learner_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("attempts") as batch:
        batch.add_column(
            sa.Column("mode", sa.String(20), nullable=False, server_default="practice")
        )
        batch.add_column(sa.Column("seed", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("elapsed_s", sa.Float, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("attempts") as batch:
        batch.drop_column("elapsed_s")
        batch.drop_column("seed")
        batch.drop_column("mode")
