"""Flag costs that were estimated (a reply that broke off before the upstream reported usage).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add messages.cost_is_estimate, false for every existing row."""
    with op.batch_alter_table("messages") as batch:
        batch.add_column(
            sa.Column("cost_is_estimate", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    """Drop messages.cost_is_estimate."""
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("cost_is_estimate")
