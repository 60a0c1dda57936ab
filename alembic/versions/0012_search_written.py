"""Search indexes a message once it is written: a reply still streaming stays out of the index
(its checkpoints no longer re-tokenise the whole text so far every second).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op
from neural_terminal.store.conversations.search_index import (
    PG_CREATE,
    PG_DROP,
    PG_WRITTEN_CREATE,
    SQLITE_CREATE,
    SQLITE_REINDEX_WRITTEN,
    SQLITE_TRIGGERS_DROP,
    SQLITE_WRITTEN_TRIGGERS,
)

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# 0009's triggers, and the rebuild that indexes every row again.
_SQLITE_0009_TRIGGERS = SQLITE_CREATE[1:4]
_SQLITE_REBUILD = SQLITE_CREATE[4]


def _sqlite() -> bool:
    return bool(op.get_bind().dialect.name == "sqlite")


def upgrade() -> None:
    """New triggers (SQLite) or a partial index (PostgreSQL); streaming rows leave the index."""
    if _sqlite():
        for statement in (*SQLITE_TRIGGERS_DROP, *SQLITE_WRITTEN_TRIGGERS, *SQLITE_REINDEX_WRITTEN):
            op.execute(statement)
    else:
        for statement in (*PG_DROP, *PG_WRITTEN_CREATE):
            op.execute(statement)


def downgrade() -> None:
    """Back to indexing every row, streaming or not."""
    if _sqlite():
        for statement in (*SQLITE_TRIGGERS_DROP, *_SQLITE_0009_TRIGGERS, _SQLITE_REBUILD):
            op.execute(statement)
    else:
        for statement in (*PG_DROP, *PG_CREATE):
            op.execute(statement)
