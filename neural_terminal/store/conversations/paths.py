"""The path from a conversation's root to one message, as one recursive query.

``WITH RECURSIVE`` walks the parent links up from the leaf; SQLite and PostgreSQL both run
it. With ``steps`` it stops that many messages up, so reading a long path a page at a time
costs each page, not the path.
"""

from __future__ import annotations

from sqlalchemy import CTE, Integer, Table, literal, select

from neural_terminal.store.tables import Message

MESSAGES: Table = Message.__table__  # type: ignore[attr-defined]


def path_ids(leaf_id: int, *, steps: int | None = None) -> CTE:
    """A CTE of ``id`` for the leaf and its ancestors (at most ``steps`` above it)."""
    start = select(MESSAGES.c.id, MESSAGES.c.parent_id, literal(0, Integer).label("steps"))
    path = start.where(MESSAGES.c.id == leaf_id).cte("path", recursive=True)
    up = select(MESSAGES.c.id, MESSAGES.c.parent_id, (path.c.steps + 1).label("steps")).where(
        MESSAGES.c.id == path.c.parent_id
    )
    if steps is not None:
        up = up.where(path.c.steps < steps)
    return path.union_all(up)
