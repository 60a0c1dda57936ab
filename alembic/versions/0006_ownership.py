"""Ownership: every conversation (and through it its messages, summaries, reservations and
replies) belongs to a user in hosted mode; users get their own budget.

Rows made before accounts existed go to the first admin (here if one exists, otherwise when
hosted mode starts with one; see bootstrap). Local mode leaves ``owner_id`` empty.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel

from alembic import op
from neural_terminal.store.money_column import ExactUSD

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add conversations.owner_id and the users' budget; give unowned rows to the first admin."""
    # No foreign key: on SQLite adding one means copying the table, and dropping the old one
    # is refused while messages reference it. Users are disabled, never deleted.
    op.add_column("conversations", sa.Column("owner_id", sa.Integer(), nullable=True))
    op.create_index("ix_conversations_owner_id", "conversations", ["owner_id"])
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("budget_usd", ExactUSD(), nullable=True))
        batch.add_column(
            sa.Column(
                "budget_period",
                sqlmodel.AutoString(length=16),
                nullable=False,
                server_default="none",
            )
        )
    op.execute(
        "UPDATE conversations SET owner_id = "
        "(SELECT min(id) FROM users WHERE is_admin AND disabled_at IS NULL) "
        "WHERE owner_id IS NULL"
    )


def downgrade() -> None:
    """Drop everything ``upgrade`` added."""
    with op.batch_alter_table("users") as batch:
        batch.drop_column("budget_period")
        batch.drop_column("budget_usd")
    op.drop_index("ix_conversations_owner_id", table_name="conversations")
    op.drop_column("conversations", "owner_id")
