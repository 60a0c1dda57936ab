"""What a user is sending right now, counted in the database so every backend worker agrees."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, Table, func, select

from neural_terminal.store.tables import Conversation, Message, MessageStatus

MESSAGES: Table = Message.__table__  # type: ignore[attr-defined]
CONVERSATIONS: Table = Conversation.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class SendActivity:
    """A user's recent sends and replies in flight, as one query reads them."""

    # The ``nth``-newest user message created after ``since`` (None: fewer than ``nth``):
    # the send that must leave the window before another one fits under the limit.
    nth_newest_send_at: datetime | None
    streaming: int


class SendActivityStore:
    """Counts a user's messages in the conversations they own."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def activity(self, *, owner_id: int, since: datetime, nth: int) -> SendActivity:
        """User messages after ``since`` (the ``nth``-newest) and streaming assistant replies."""
        owned = MESSAGES.join(CONVERSATIONS, MESSAGES.c.conversation_id == CONVERSATIONS.c.id)
        mine = CONVERSATIONS.c.owner_id == owner_id
        nth_newest = (
            select(MESSAGES.c.created_at)
            .select_from(owned)
            .where(mine, MESSAGES.c.role == "user", MESSAGES.c.created_at > since)
            .order_by(MESSAGES.c.created_at.desc())
            .offset(nth - 1)
            .limit(1)
            .scalar_subquery()
        )
        streaming = (
            select(func.count())
            .select_from(owned)
            .where(
                mine,
                MESSAGES.c.role == "assistant",
                MESSAGES.c.status == MessageStatus.STREAMING.value,
            )
            .scalar_subquery()
        )
        with self._engine.connect() as conn:
            row = conn.execute(select(nth_newest.label("sent_at"), streaming.label("n"))).one()
        return SendActivity(nth_newest_send_at=row.sent_at, streaming=int(row.n))
