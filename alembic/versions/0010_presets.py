"""Presets: named system prompts (with a model and a context strategy, when set) to start a
conversation from; one per owner may be the default.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the presets table."""
    op.create_table(
        "presets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("name", sqlmodel.AutoString(length=80), nullable=False),
        sa.Column("system_prompt", sa.Text(), nullable=False),
        sa.Column("model", sqlmodel.AutoString(length=200), nullable=True),
        sa.Column("context_strategy", sqlmodel.AutoString(length=16), nullable=True),
        sa.Column("is_default", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_presets_owner_id", "presets", ["owner_id"])


def downgrade() -> None:
    """Drop it."""
    op.drop_index("ix_presets_owner_id", table_name="presets")
    op.drop_table("presets")
