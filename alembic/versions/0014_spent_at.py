"""Tabs in step on costs: each conversation says when a cost in it last changed (a reply
stored or reconciled, a summary written), so a tab's watch sees a billed cost replace an
estimate, and the newest of them (an indexed MAX) tells every tab that the spend moved.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """The column and its index."""
    op.add_column(
        "conversations",
        sa.Column("spent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    )
    op.create_index("ix_conversations_spent_at", "conversations", ["spent_at"])


def downgrade() -> None:
    """Drop them again."""
    op.drop_index("ix_conversations_spent_at", table_name="conversations")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("spent_at")
