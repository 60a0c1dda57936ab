"""Full-text search over every message of every branch: SQLite FTS5 (an external-content
table kept in step by triggers) or a PostgreSQL GIN index over its tsvector.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op
from neural_terminal.store.conversations.search_index import (
    PG_CREATE,
    PG_DROP,
    SQLITE_CREATE,
    SQLITE_DROP,
)

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _statements(sqlite: tuple[str, ...], postgres: tuple[str, ...]) -> tuple[str, ...]:
    return sqlite if op.get_bind().dialect.name == "sqlite" else postgres


def upgrade() -> None:
    """Create the index and fill it from the messages already stored."""
    for statement in _statements(SQLITE_CREATE, PG_CREATE):
        op.execute(statement)


def downgrade() -> None:
    """Drop it."""
    for statement in _statements(SQLITE_DROP, PG_DROP):
        op.execute(statement)
