"""The library: conversations can be pinned, archived and put in the trash (then purged),
and imported.

A purged conversation keeps its messages' costs (spend was spent: budgets sum it) but loses
every word; it is never shown again. An imported conversation remembers what it was imported
from (``import_key``: importing the same file again adds nothing), and its imported messages
and summaries keep their costs for the record without counting against budgets here.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

COLUMNS = ("pinned_at", "archived_at", "deleted_at", "purged_at")


def upgrade() -> None:
    """Add the shelf columns and an index for listing a shelf newest first."""
    for name in COLUMNS:
        op.add_column(
            "conversations", sa.Column(name, sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
    op.create_index(
        "ix_conversations_owner_shelf",
        "conversations",
        ["owner_id", "deleted_at", "archived_at", "updated_at"],
    )
    op.add_column(
        "conversations", sa.Column("import_key", sqlmodel.AutoString(length=80), nullable=True)
    )
    op.create_index("ix_conversations_import_key", "conversations", ["import_key"])
    for table in ("messages", "summaries"):
        op.add_column(
            table, sa.Column("imported_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )


def downgrade() -> None:
    """Drop them."""
    for table in ("summaries", "messages"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("imported_at")
    op.drop_index("ix_conversations_import_key", table_name="conversations")
    op.drop_index("ix_conversations_owner_shelf", table_name="conversations")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("import_key")
        for name in reversed(COLUMNS):
            batch.drop_column(name)
