"""Several backend workers: each streaming reply and each budget reservation names the worker
that owns it, so a worker's start-up no longer interrupts another's replies; a reply (and its
reservation) is given up only when its worker's lease has expired (neural_terminal/workers).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

STREAMING = sa.text("status = 'streaming'")


def upgrade() -> None:
    """Owner columns, and a partial index holding only the rows streaming right now."""
    op.add_column(
        "messages", sa.Column("stream_worker", sqlmodel.AutoString(length=64), nullable=True)
    )
    op.add_column(
        "budget_reservations", sa.Column("worker", sqlmodel.AutoString(length=64), nullable=True)
    )
    op.create_index(
        "ix_messages_streaming",
        "messages",
        ["stream_worker"],
        sqlite_where=STREAMING,
        postgresql_where=STREAMING,
    )


def downgrade() -> None:
    """Drop them again."""
    op.drop_index("ix_messages_streaming", table_name="messages")
    with op.batch_alter_table("budget_reservations") as batch:
        batch.drop_column("worker")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("stream_worker")
