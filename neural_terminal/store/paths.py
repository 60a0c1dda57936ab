"""The path from a conversation's root to one message, as one recursive query.

``WITH RECURSIVE`` walks the parent links up from the leaf; SQLite and PostgreSQL both run
it, and its cost grows with the path's length, not with the conversation's other branches.
"""

from __future__ import annotations

from sqlalchemy import CTE, Integer, Table, literal, select

from neural_terminal.store.tables import Message

MESSAGES: Table = Message.__table__  # type: ignore[attr-defined]


def path_ids(leaf_id: int, *, depth: int | None = None) -> CTE:
    """A CTE of ``(id, depth)`` for the leaf (depth 0) and its ancestors, up to ``depth``."""
    start = select(MESSAGES.c.id, MESSAGES.c.parent_id, literal(0, Integer).label("depth"))
    path = start.where(MESSAGES.c.id == leaf_id).cte("path", recursive=True)
    up = select(MESSAGES.c.id, MESSAGES.c.parent_id, (path.c.depth + 1).label("depth")).where(
        MESSAGES.c.id == path.c.parent_id
    )
    if depth is not None:
        up = up.where(path.c.depth < depth)
    return path.union_all(up)
