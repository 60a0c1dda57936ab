"""The library: conversations can be pinned, archived and put in the trash (then purged).

A purged conversation keeps its messages' costs (spend was spent: budgets sum it) but loses
every word; it is never shown again.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

COLUMNS = ("pinned_at", "archived_at", "deleted_at", "purged_at")


def upgrade() -> None:
    """Add the shelf columns and an index for listing a shelf newest first."""
    for name in COLUMNS:
        op.add_column("conversations", sa.Column(name, sa.DateTime(), nullable=True))
    op.create_index(
        "ix_conversations_owner_shelf",
        "conversations",
        ["owner_id", "deleted_at", "archived_at", "updated_at"],
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_index("ix_conversations_owner_shelf", table_name="conversations")
    with op.batch_alter_table("conversations") as batch:
        for name in reversed(COLUMNS):
            batch.drop_column(name)
