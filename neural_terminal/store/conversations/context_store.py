"""The reads and writes a context window needs: light rows, stored counts and summaries.

A context is prepared from token counts alone, over the path being answered (one recursive
query for the path's rows, without their text), so other branches cost nothing; message text
is loaded only for the messages that go into the prompt.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine
from sqlalchemy import select as sa_select
from sqlmodel import col, select, update

from neural_terminal.store.conversations.changes import spent_now
from neural_terminal.store.conversations.paths import MESSAGES, path_ids
from neural_terminal.store.engine import open_session
from neural_terminal.store.tables import Conversation, Message, Summary


@dataclass(frozen=True)
class ContextRow:
    """A message without its text: what choosing a context needs."""

    id: int
    role: str
    has_text: bool
    token_count: int | None
    token_encoding: str | None
    parent_id: int | None = None
    depth: int = 0


_LIGHT = (
    MESSAGES.c.id,
    MESSAGES.c.role,
    MESSAGES.c.content != "",
    MESSAGES.c.token_count,
    MESSAGES.c.token_encoding,
    MESSAGES.c.parent_id,
    MESSAGES.c.depth,
)


class ContextStore:
    """Context queries over one database; every method is one short transaction."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def active_leaf(self, *, conversation_id: int) -> int | None:
        """The last message of the conversation's branch on show (None: no messages)."""
        with open_session(self._engine) as session:
            row = session.get(Conversation, conversation_id)
            return row.active_leaf_id if row is not None else None

    def path_rows(self, *, leaf_id: int | None) -> list[ContextRow]:
        """The whole path from the root down to ``leaf_id`` without its text, oldest first."""
        if leaf_id is None:
            return []
        return self._path(leaf_id, steps=None)[::-1]

    def path_page(self, *, from_id: int, limit: int) -> list[ContextRow]:
        """``from_id`` and up to ``limit - 1`` of its ancestors, newest first."""
        return self._path(from_id, steps=limit - 1)

    def path_segment(self, *, first_id: int, last_id: int) -> list[ContextRow]:
        """The path from ``first_id`` down to ``last_id`` (its descendant), oldest first."""
        depths = self._depths([first_id, last_id])
        steps = depths.get(last_id, 0) - depths.get(first_id, 0)
        rows = self._path(last_id, steps=max(steps, 0))[::-1]
        return [row for row in rows if row.id >= first_id]

    def path_head(self, *, leaf_id: int, max_depth: int) -> list[ContextRow]:
        """The messages of the path to ``leaf_id`` no deeper than ``max_depth``, oldest first
        (the walk up runs in the database; only these rows come back)."""
        path = path_ids(leaf_id)
        query = (
            sa_select(*_LIGHT)
            .join(path, MESSAGES.c.id == path.c.id)
            .where(MESSAGES.c.depth <= max_depth)
            .order_by(MESSAGES.c.id)
        )
        with open_session(self._engine) as session:
            return [_row(r) for r in session.execute(query)]

    def depth(self, *, message_id: int | None) -> int:
        """How many messages stand above ``message_id`` on its path (-1 for None)."""
        if message_id is None:
            return -1
        return self._depths([message_id]).get(message_id, -1)

    def _depths(self, ids: list[int]) -> dict[int, int]:
        query = sa_select(MESSAGES.c.id, MESSAGES.c.depth).where(MESSAGES.c.id.in_(ids))
        with open_session(self._engine) as session:
            return {int(r[0]): int(r[1]) for r in session.execute(query)}

    def _path(self, leaf_id: int, *, steps: int | None) -> list[ContextRow]:
        path = path_ids(leaf_id, steps=steps)
        query = (
            sa_select(*_LIGHT).join(path, MESSAGES.c.id == path.c.id).order_by(MESSAGES.c.id.desc())
        )
        with open_session(self._engine) as session:
            return [_row(r) for r in session.execute(query)]

    def contents(self, ids: Iterable[int]) -> dict[int, str]:
        """The text of the given messages, by id."""
        wanted = list(ids)
        if not wanted:
            return {}
        query = sa_select(MESSAGES.c.id, MESSAGES.c.content).where(MESSAGES.c.id.in_(wanted))
        with open_session(self._engine) as session:
            return {int(r[0]): str(r[1]) for r in session.execute(query)}

    def store_counts(self, counts: dict[int, int], *, encoding: str) -> None:
        """Keep recounted token counts (after a switch to a model with another encoding)."""
        if not counts:
            return
        with open_session(self._engine) as session:
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
        with open_session(self._engine) as session:
            return session.exec(query).first()

    def widest_summary(
        self, *, conversation_id: int, first_message_id: int, up_to: int, leaf_id: int
    ) -> Summary | None:
        """The summary from ``first_message_id`` reaching furthest, but not past ``up_to``,
        among those ending on the path to ``leaf_id`` (one of another branch never serves)."""
        path = path_ids(leaf_id)
        query = (
            select(Summary)
            .where(col(Summary.conversation_id) == conversation_id)
            .where(col(Summary.first_message_id) == first_message_id)
            .where(col(Summary.last_message_id) <= up_to)
            .where(col(Summary.last_message_id).in_(sa_select(path.c.id)))
            .order_by(col(Summary.last_message_id).desc(), col(Summary.id).desc())
            .limit(1)
        )
        with open_session(self._engine) as session:
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
        with open_session(self._engine) as session:
            session.add(summary)
            session.execute(spent_now(conversation_id))  # its cost counts on the budget
            session.commit()
            session.refresh(summary)
        return summary


def _row(r: Any) -> ContextRow:
    return ContextRow(int(r[0]), str(r[1]), bool(r[2]), r[3], r[4], r[5], int(r[6]))
