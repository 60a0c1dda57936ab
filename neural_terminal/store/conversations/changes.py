"""What tells a tab that a conversation changed elsewhere: its message count, active leaf and
title, read for many conversations in one query. (Not its last activity: a reply ending moves
it, and the tabs following that reply see the end themselves.)"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Engine, select

from neural_terminal.store.tables import Conversation

CONVERSATIONS = Conversation.__table__  # type: ignore[attr-defined]

# (message_count, active_leaf_id, title): equal means nothing to show changed.
Signature = tuple[Any, ...]


class ConversationChanges:
    """Reads conversations' signatures."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def signatures(self, conversation_ids: Collection[int]) -> dict[int, Signature]:
        """Each existing conversation's signature (missing ids are left out)."""
        if not conversation_ids:
            return {}
        c = CONVERSATIONS.c
        query = select(c.id, c.message_count, c.active_leaf_id, c.title).where(
            c.id.in_(sorted(conversation_ids))
        )
        with self._engine.connect() as conn:
            return {int(row[0]): tuple(row[1:]) for row in conn.execute(query)}
