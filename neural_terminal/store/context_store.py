"""The reads and writes a context window needs: light rows, stored counts and summaries.

A context is prepared from token counts alone, newest first, a page at a time, so its cost
depends on what fits the window and not on how long the conversation is; message text is
loaded only for the messages that go into the prompt.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Engine, Table, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select, update

from neural_terminal.store.tables import Conversation, Message, Summary

_MESSAGES: Table = Message.__table__  # type: ignore[attr-defined]
_CONVERSATIONS: Table = Conversation.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ContextRow:
    """A message without its text: what choosing a context needs."""

    id: int
    role: str
    has_text: bool
    token_count: int | None
    token_encoding: str | None


class ContextStore:
    """Context queries over one database; every method is one short transaction."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with Session(self._engine, expire_on_commit=False) as session:
            yield session

    def _rows(
        self,
        conversation_id: int,
        *,
        newest_first: bool,
        after: int | None,
        before: int | None,
        limit: int,
    ) -> list[ContextRow]:
        query = sa_select(
            _MESSAGES.c.id,
            _MESSAGES.c.role,
            _MESSAGES.c.content != "",
            _MESSAGES.c.token_count,
            _MESSAGES.c.token_encoding,
        ).where(_MESSAGES.c.conversation_id == conversation_id)
        if before is not None:
            query = query.where(col(Message.id) < before)
        if after is not None:
            query = query.where(col(Message.id) > after)
        order = col(Message.id).desc() if newest_first else col(Message.id)
        with self._session() as session:
            result = session.execute(query.order_by(order).limit(limit))
            return [ContextRow(int(r[0]), str(r[1]), bool(r[2]), r[3], r[4]) for r in result]

    def newest_rows(
        self, *, conversation_id: int, before: int | None = None, limit: int = 200
    ) -> list[ContextRow]:
        """Up to ``limit`` rows older than ``before`` (or the newest), newest first."""
        return self._rows(
            conversation_id, newest_first=True, after=None, before=before, limit=limit
        )

    def oldest_rows(
        self, *, conversation_id: int, after: int | None = None, limit: int = 20
    ) -> list[ContextRow]:
        """Up to ``limit`` rows newer than ``after`` (or the oldest), oldest first."""
        return self._rows(
            conversation_id, newest_first=False, after=after, before=None, limit=limit
        )

    def count_messages(self, *, conversation_id: int, after: int, before: int) -> int:
        """How many messages have ``after < id < before`` (answered from the index)."""
        query = (
            select(func.count())
            .select_from(Message)
            .where(col(Message.conversation_id) == conversation_id)
            .where(col(Message.id) > after)
            .where(col(Message.id) < before)
        )
        with self._session() as session:
            return int(session.execute(query).scalar() or 0)

    def message_count(self, *, conversation_id: int) -> int:
        """How many messages the conversation has (kept on the conversation row)."""
        query = sa_select(_CONVERSATIONS.c.message_count).where(
            _CONVERSATIONS.c.id == conversation_id
        )
        with self._session() as session:
            return int(session.execute(query).scalar() or 0)

    def contents(self, ids: Iterable[int]) -> dict[int, str]:
        """The text of the given messages, by id."""
        wanted = list(ids)
        if not wanted:
            return {}
        query = sa_select(_MESSAGES.c.id, _MESSAGES.c.content).where(_MESSAGES.c.id.in_(wanted))
        with self._session() as session:
            return {int(r[0]): str(r[1]) for r in session.execute(query)}

    def store_counts(self, counts: dict[int, int], *, encoding: str) -> None:
        """Keep recounted token counts (after a switch to a model with another encoding)."""
        if not counts:
            return
        with self._session() as session:
            for message_id, tokens in counts.items():
                session.execute(
                    update(Message)
                    .where(col(Message.id) == message_id)
                    .values(token_count=tokens, token_encoding=encoding)
                )
            session.commit()

    def find_summary(
        self, *, conversation_id: int, first_message_id: int, last_message_id: int
    ) -> Summary | None:
        """The cached summary of exactly this range, or None."""
        query = (
            select(Summary)
            .where(col(Summary.conversation_id) == conversation_id)
            .where(col(Summary.first_message_id) == first_message_id)
            .where(col(Summary.last_message_id) == last_message_id)
            .order_by(col(Summary.id).desc())
            .limit(1)
        )
        with self._session() as session:
            return session.exec(query).first()

    def widest_summary(
        self, *, conversation_id: int, first_message_id: int, up_to: int
    ) -> Summary | None:
        """The summary from ``first_message_id`` reaching furthest, but not past ``up_to``."""
        query = (
            select(Summary)
            .where(col(Summary.conversation_id) == conversation_id)
            .where(col(Summary.first_message_id) == first_message_id)
            .where(col(Summary.last_message_id) <= up_to)
            .order_by(col(Summary.last_message_id).desc(), col(Summary.id).desc())
            .limit(1)
        )
        with self._session() as session:
            return session.exec(query).first()

    def add_summary(
        self,
        *,
        conversation_id: int,
        first_message_id: int,
        last_message_id: int,
        message_count: int,
        content: str,
        model: str,
        prompt_tokens: int | None,
        completion_tokens: int | None,
        cost_usd: Decimal | None,
    ) -> Summary:
        """Store a summary and its cost."""
        summary = Summary(
            conversation_id=conversation_id,
            first_message_id=first_message_id,
            last_message_id=last_message_id,
            message_count=message_count,
            content=content,
            model=model,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            cost_usd=cost_usd,
        )
        with self._session() as session:
            session.add(summary)
            session.commit()
            session.refresh(summary)
        return summary

    def summaries(self, *, conversation_id: int) -> list[Summary]:
        """Every summary of a conversation, oldest first."""
        query = (
            select(Summary)
            .where(col(Summary.conversation_id) == conversation_id)
            .order_by(col(Summary.id))
        )
        with self._session() as session:
            return list(session.exec(query))
