"""Telemetry: who served each reply (the upstream's ``provider_name``), the failures of turns
(retried attempts, broken replies, refused sends), and a covering index that the telemetry
page reads replies from by time without touching the rows (their text is most of a row).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# As store/tables.py has them (copied: a migration must not change when the models do).
TELEMETRY_COLUMNS = (
    "role",
    "created_at",
    "model",
    "status",
    "conversation_id",
    "cost_usd",
    "prompt_tokens",
    "completion_tokens",
    "first_token_ms",
    "total_ms",
    "estimate_usd",
    "drift_usd",
    "imported_at",
    "forked_from_id",
    "provider",
)


def upgrade() -> None:
    """Add messages.provider, the turn_failures table and the covering index."""
    op.add_column("messages", sa.Column("provider", sqlmodel.AutoString(length=100), nullable=True))
    op.create_table(
        "turn_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("model", sqlmodel.AutoString(length=200), nullable=True),
        sa.Column("kind", sqlmodel.AutoString(length=16), nullable=False),
        sa.Column("retried", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_turn_failures_owner_created", "turn_failures", ["owner_id", "created_at"])
    op.create_index("ix_messages_telemetry", "messages", list(TELEMETRY_COLUMNS))


def downgrade() -> None:
    """Drop them."""
    op.drop_index("ix_messages_telemetry", table_name="messages")
    op.drop_index("ix_turn_failures_owner_created", table_name="turn_failures")
    op.drop_table("turn_failures")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("provider")
