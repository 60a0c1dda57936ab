"""Context window: stored token counts, a strategy per conversation, cached summaries.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel

from alembic import op
from neural_terminal.store.money_column import ExactUSD

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add token counts and the strategy column; create the summaries table."""
    with op.batch_alter_table("messages") as batch:
        # Existing rows have no count yet; they are counted lazily the first time a context
        # walks past them.
        batch.add_column(sa.Column("token_count", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("token_encoding", sqlmodel.AutoString(length=32), nullable=True))
    op.create_index("ix_messages_conversation_id_id", "messages", ["conversation_id", "id"])
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(
            sa.Column(
                "context_strategy",
                sqlmodel.AutoString(length=16),
                nullable=False,
                server_default="sliding",
            )
        )
        batch.add_column(
            sa.Column("message_count", sa.Integer(), nullable=False, server_default="0")
        )
    op.execute(
        "UPDATE conversations SET message_count = "
        "(SELECT COUNT(*) FROM messages WHERE messages.conversation_id = conversations.id)"
    )
    op.create_table(
        "summaries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "conversation_id", sa.Integer(), sa.ForeignKey("conversations.id"), nullable=False
        ),
        sa.Column("first_message_id", sa.Integer(), nullable=False),
        sa.Column("last_message_id", sa.Integer(), nullable=False),
        sa.Column("message_count", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("model", sqlmodel.AutoString(length=200), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=True),
        sa.Column("completion_tokens", sa.Integer(), nullable=True),
        sa.Column("cost_usd", ExactUSD(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )
    op.create_index("ix_summaries_conversation_id", "summaries", ["conversation_id"])


def downgrade() -> None:
    """Drop the summaries table and the new columns."""
    op.drop_index("ix_summaries_conversation_id", table_name="summaries")
    op.drop_table("summaries")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("message_count")
        batch.drop_column("context_strategy")
    op.drop_index("ix_messages_conversation_id_id", table_name="messages")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("token_encoding")
        batch.drop_column("token_count")
