"""The repository: every read and write of conversations and messages goes through here."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from sqlalchemy import Engine, Table, func
from sqlmodel import Session, col, select, update

from neural_terminal.store.money_column import picodollars_to_usd
from neural_terminal.store.tables import (
    ContextStrategy,
    Conversation,
    Message,
    MessageStatus,
    Summary,
    utcnow,
)


class ChatRepository:
    """Conversations and messages in one database; returns detached rows."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with Session(self._engine, expire_on_commit=False) as session:
            yield session

    def create_conversation(
        self,
        *,
        model: str,
        title: str = "New conversation",
        system_prompt: str | None = None,
        context_strategy: ContextStrategy = ContextStrategy.SLIDING,
        owner_id: int | None = None,
    ) -> Conversation:
        """Insert a conversation and return it with its id."""
        conversation = Conversation(
            title=title,
            model=model,
            system_prompt=system_prompt,
            context_strategy=context_strategy.value,
            owner_id=owner_id,
        )
        with self._session() as session:
            session.add(conversation)
            session.commit()
            session.refresh(conversation)
        return conversation

    def get_conversation(self, *, conversation_id: int) -> Conversation | None:
        """One conversation, or None."""
        with self._session() as session:
            return session.get(Conversation, conversation_id)

    def list_conversations(
        self, *, owner_id: int | None = None, limit: int = 200
    ) -> list[Conversation]:
        """Newest activity first: one owner's, or (``owner_id`` None: local mode) all."""
        query = select(Conversation)
        if owner_id is not None:
            query = query.where(Conversation.owner_id == owner_id)
        query = query.order_by(
            col(Conversation.updated_at).desc(), col(Conversation.id).desc()
        ).limit(limit)
        with self._session() as session:
            return list(session.exec(query))

    def update_conversation(
        self,
        *,
        conversation_id: int,
        title: str | None = None,
        model: str | None = None,
        context_strategy: ContextStrategy | None = None,
    ) -> None:
        """Rename it, change its model or context strategy; bumps ``updated_at``."""
        values: dict[str, object] = {"updated_at": utcnow()}
        if title is not None:
            values["title"] = title
        if model is not None:
            values["model"] = model
        if context_strategy is not None:
            values["context_strategy"] = context_strategy.value
        with self._session() as session:
            session.execute(
                update(Conversation).where(col(Conversation.id) == conversation_id).values(values)
            )
            session.commit()

    def list_messages(self, *, conversation_id: int) -> list[Message]:
        """A conversation's messages in the order they were written."""
        query = (
            select(Message)
            .where(Message.conversation_id == conversation_id)
            .order_by(col(Message.id))
        )
        with self._session() as session:
            return list(session.exec(query))

    def has_messages(self, *, conversation_id: int) -> bool:
        """True once anything was written in the conversation."""
        query = select(col(Message.id)).where(Message.conversation_id == conversation_id).limit(1)
        with self._session() as session:
            return session.exec(query).first() is not None

    def get_message(self, *, message_id: int) -> Message | None:
        """One message, or None."""
        with self._session() as session:
            return session.get(Message, message_id)

    def add_message(
        self,
        *,
        conversation_id: int,
        role: str,
        content: str,
        status: MessageStatus = MessageStatus.COMPLETE,
        model: str | None = None,
        parent_id: int | None = None,
        error: str | None = None,
        token_count: int | None = None,
        token_encoding: str | None = None,
    ) -> Message:
        """Insert a message (committed before this returns) and bump the conversation."""
        message = Message(
            conversation_id=conversation_id,
            role=role,
            content=content,
            status=status.value,
            model=model,
            parent_id=parent_id,
            error=error,
            token_count=token_count,
            token_encoding=token_encoding,
        )
        with self._session() as session:
            session.add(message)
            session.execute(
                update(Conversation)
                .where(col(Conversation.id) == conversation_id)
                .values(updated_at=utcnow(), message_count=col(Conversation.message_count) + 1)
            )
            session.commit()
            session.refresh(message)
        return message

    def checkpoint(
        self,
        *,
        message_id: int,
        content: str,
        prompt_tokens: int | None = None,
        completion_tokens: int | None = None,
        cost_usd: Decimal | None = None,
    ) -> None:
        """Save the text streamed so far of a reply in progress, with its estimated cost."""
        values: dict[str, object] = {"content": content}
        if cost_usd is not None or completion_tokens is not None:
            # What a crash leaves behind is priced too, flagged as our estimate.
            values.update(
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                cost_usd=cost_usd,
                cost_is_estimate=True,
            )
        with self._session() as session:
            session.execute(update(Message).where(col(Message.id) == message_id).values(values))
            session.commit()

    def reopen(self, *, message_id: int) -> Message:
        """Mark a stored reply ``streaming`` again (it is being continued); return it."""
        with self._session() as session:
            message = session.get(Message, message_id)
            if message is None:
                raise LookupError(f"message {message_id} does not exist")
            message.status = MessageStatus.STREAMING.value
            message.error = None
            session.add(message)
            session.commit()
            session.refresh(message)
        return message

    def finish_message(
        self,
        *,
        message_id: int,
        content: str,
        status: MessageStatus,
        error: str | None = None,
        generation_id: str | None = None,
        prompt_tokens: int | None = None,
        completion_tokens: int | None = None,
        reasoning_tokens: int | None = None,
        cached_tokens: int | None = None,
        cost_usd: Decimal | None = None,
        cost_is_estimate: bool = False,
        computed_cost_usd: Decimal | None = None,
        cost_source: str | None = None,
        estimate_usd: Decimal | None = None,
        drift_usd: Decimal | None = None,
        first_token_ms: int | None = None,
        total_ms: int | None = None,
        token_count: int | None = None,
        token_encoding: str | None = None,
    ) -> Message:
        """Store a reply's final text, status, usage, cost and timings; return the row."""
        with self._session() as session:
            message = session.get(Message, message_id)
            if message is None:
                raise LookupError(f"message {message_id} does not exist")
            message.content = content
            message.status = status.value
            message.error = error
            message.generation_id = generation_id
            message.prompt_tokens = prompt_tokens
            message.completion_tokens = completion_tokens
            message.reasoning_tokens = reasoning_tokens
            message.cached_tokens = cached_tokens
            message.cost_usd = cost_usd
            message.cost_is_estimate = cost_is_estimate
            message.computed_cost_usd = computed_cost_usd
            message.cost_source = cost_source
            message.estimate_usd = estimate_usd
            message.drift_usd = drift_usd
            message.first_token_ms = first_token_ms
            message.total_ms = total_ms
            message.token_count = token_count
            message.token_encoding = token_encoding
            session.add(message)
            session.commit()
            session.refresh(message)
        return message

    def claim_unowned(self, *, owner_id: int) -> int:
        """Give every conversation without an owner to ``owner_id`` (hosted mode's first
        admin); how many there were."""
        with self._session() as session:
            result = session.execute(
                update(Conversation)
                .where(col(Conversation.owner_id).is_(None))
                .values(owner_id=owner_id)
            )
            session.commit()
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def interrupt_stale_streams(self, *, reason: str) -> int:
        """Mark replies left ``streaming`` by a stopped process as interrupted; return count."""
        with self._session() as session:
            result = session.execute(
                update(Message)
                .where(col(Message.status) == MessageStatus.STREAMING.value)
                .values(status=MessageStatus.INTERRUPTED.value, error=reason)
            )
            session.commit()
            return int(getattr(result, "rowcount", 0) or 0)

    def conversation_cost(self, *, conversation_id: int) -> Decimal:
        """Exact total cost of a conversation's messages and summaries, summed by the database."""
        total = Decimal(0)
        tables: list[Table] = [Message.__table__, Summary.__table__]  # type: ignore[attr-defined]
        for table in tables:
            cost, owner = table.c.cost_usd, table.c.conversation_id
            query = select(func.sum(cost)).where(owner == conversation_id)
            with self._session() as session:
                part = session.execute(query).scalar()
            # SUM keeps the column's type, so ExactUSD turns picodollars back into dollars.
            total += part if isinstance(part, Decimal) else picodollars_to_usd(part)
        return total
