"""Economics: persisted prices and their changes, budgets, reservations, cost provenance.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel

from alembic import op
from neural_terminal.store.money_column import ExactUSD

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

PRICE_COLUMNS = (
    "prompt",
    "completion",
    "request",
    "input_cache_read",
    "input_cache_write",
    "internal_reasoning",
)


def upgrade() -> None:
    """Add the economics tables and columns; existing costs keep no provenance (NULL)."""
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("computed_cost_usd", ExactUSD(), nullable=True))
        batch.add_column(sa.Column("cost_source", sqlmodel.AutoString(length=16), nullable=True))
        batch.add_column(sa.Column("estimate_usd", ExactUSD(), nullable=True))
        batch.add_column(sa.Column("drift_usd", ExactUSD(), nullable=True))
    op.create_index("ix_messages_created_at", "messages", ["created_at"])
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("budget_usd", ExactUSD(), nullable=True))
    op.create_table(
        "model_prices",
        sa.Column("model_id", sqlmodel.AutoString(length=200), primary_key=True),
        sa.Column("name", sqlmodel.AutoString(length=300), nullable=False),
        sa.Column("context_length", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.String(40), nullable=False) for name in PRICE_COLUMNS),
        sa.Column("fetched_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )
    op.create_table(
        "price_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("model_id", sqlmodel.AutoString(length=200), nullable=False),
        sa.Column("component", sqlmodel.AutoString(length=32), nullable=False),
        sa.Column("old_price", sa.String(40), nullable=False),
        sa.Column("new_price", sa.String(40), nullable=False),
        sa.Column("changed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )
    op.create_index("ix_price_changes_model_id", "price_changes", ["model_id"])
    op.create_table(
        "budgets",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("limit_usd", ExactUSD(), nullable=True),
        sa.Column("period", sqlmodel.AutoString(length=16), nullable=False),
        sa.Column("time_zone", sqlmodel.AutoString(length=64), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )
    op.create_table(
        "budget_reservations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "conversation_id", sa.Integer(), sa.ForeignKey("conversations.id"), nullable=False
        ),
        sa.Column("amount_usd", ExactUSD(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )
    op.create_index(
        "ix_budget_reservations_conversation_id", "budget_reservations", ["conversation_id"]
    )


def downgrade() -> None:
    """Drop everything ``upgrade`` added."""
    op.drop_index("ix_budget_reservations_conversation_id", table_name="budget_reservations")
    op.drop_table("budget_reservations")
    op.drop_table("budgets")
    op.drop_index("ix_price_changes_model_id", table_name="price_changes")
    op.drop_table("price_changes")
    op.drop_table("model_prices")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("budget_usd")
    op.drop_index("ix_messages_created_at", table_name="messages")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("drift_usd")
        batch.drop_column("estimate_usd")
        batch.drop_column("cost_source")
        batch.drop_column("computed_cost_usd")
