"""Favourite models: each owner's starred models, listed first by the model picker.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

OWNED = sa.text("owner_id IS NOT NULL")
UNOWNED = sa.text("owner_id IS NULL")


def upgrade() -> None:
    """The table, unique per owner and model (local mode's owner is NULL: its own index)."""
    op.create_table(
        "favourite_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("model_id", sqlmodel.AutoString(length=200), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ux_favourite_models_owner_model",
        "favourite_models",
        ["owner_id", "model_id"],
        unique=True,
        sqlite_where=OWNED,
        postgresql_where=OWNED,
    )
    op.create_index(
        "ux_favourite_models_local_model",
        "favourite_models",
        ["model_id"],
        unique=True,
        sqlite_where=UNOWNED,
        postgresql_where=UNOWNED,
    )


def downgrade() -> None:
    """Drop it."""
    op.drop_index("ux_favourite_models_local_model", table_name="favourite_models")
    op.drop_index("ux_favourite_models_owner_model", table_name="favourite_models")
    op.drop_table("favourite_models")
