"""Conversations as trees: every message names its parent, every conversation its active leaf.

Before this, a user message had no parent (the transcript was every message in id order) and a
Retry added a reply beside the one it replaced. Now a user message's parent is the message it
follows: the newest message written before it in its conversation, which is the newest reply
to the previous question (the one the old transcript sent upstream). Earlier attempts become
sibling branches. The active leaf is each conversation's newest message, so every upgraded
conversation shows the path it showed before, with its replaced replies one click away.

Every message also keeps its depth (0 for a root), so a path's length is known without walking
it and a context can read a long path a page at a time from its newest end.

A fork copies the path it starts from (``forked_from_id`` names each original); copies carry
no cost, so nothing is spent twice.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the active leaf and the fork origin; link every parentless user message."""
    op.add_column("conversations", sa.Column("active_leaf_id", sa.Integer(), nullable=True))
    op.add_column("messages", sa.Column("forked_from_id", sa.Integer(), nullable=True))
    op.add_column("messages", sa.Column("depth", sa.Integer(), nullable=False, server_default="0"))
    op.create_index("ix_messages_parent_id", "messages", ["parent_id"])
    op.execute(
        "UPDATE messages SET parent_id = (SELECT max(earlier.id) FROM messages AS earlier "
        "WHERE earlier.conversation_id = messages.conversation_id AND earlier.id < messages.id) "
        "WHERE parent_id IS NULL AND role = 'user'"
    )
    # Both SQLite and PostgreSQL take a recursive CTE in front of an UPDATE.
    op.execute(
        "WITH RECURSIVE walk(id, depth) AS ("
        "SELECT id, 0 FROM messages WHERE parent_id IS NULL "
        "UNION ALL SELECT m.id, walk.depth + 1 FROM messages AS m JOIN walk "
        "ON m.parent_id = walk.id) "
        "UPDATE messages SET depth = (SELECT walk.depth FROM walk WHERE walk.id = messages.id)"
    )
    op.execute(
        "UPDATE conversations SET active_leaf_id = (SELECT max(m.id) FROM messages AS m "
        "WHERE m.conversation_id = conversations.id)"
    )


def downgrade() -> None:
    """Drop the columns; user messages lose their parent again (the old linear reading)."""
    op.execute("UPDATE messages SET parent_id = NULL WHERE role = 'user'")
    op.drop_index("ix_messages_parent_id", table_name="messages")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("depth")
        batch.drop_column("forked_from_id")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("active_leaf_id")
