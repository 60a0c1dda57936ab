"""Benches seed long conversations straight into the database: one path of messages, inserted
in one statement, faster than the repository's one message at a time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import Engine, func, insert, select
from sqlmodel import col, update

from neural_terminal.store.tables import Conversation, Message, utcnow


def store_path(
    engine: Engine, conversation_id: int, messages: Sequence[tuple[str, str, Mapping[str, object]]]
) -> int:
    """Append ``messages`` (role, text, other columns) as one path, alternating as given, to
    an empty conversation, make its last the active leaf; return that message's id."""
    with engine.connect() as connection:
        newest = select(func.coalesce(func.max(Message.id), 0))
        base = int(connection.execute(newest).scalar_one() or 0)
    rows = [
        {
            "id": base + i + 1,
            "parent_id": base + i if i else None,
            "depth": i,
            "conversation_id": conversation_id,
            "role": role,
            "content": text,
            "status": "complete",
            "created_at": utcnow(),
            **columns,
        }
        for i, (role, text, columns) in enumerate(messages)
    ]
    with engine.begin() as connection:
        connection.execute(insert(Message.__table__), rows)  # type: ignore[attr-defined]
        connection.execute(
            update(Conversation)
            .where(col(Conversation.id) == conversation_id)
            .values(message_count=len(rows), active_leaf_id=base + len(rows))
        )
    return base + len(rows)
