"""The repository: every read and write of conversations and messages goes through here.

It hands up plain values (domain/conversations.py), never rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, ColumnElement, Engine, Integer, Table, bindparam, func
from sqlalchemy import insert as sa_insert
from sqlalchemy import select as sa_select
from sqlalchemy import update as sa_update
from sqlmodel import Session, col, select, update

from neural_terminal.domain.conversations import (
    Checkpoint,
    ConversationInfo,
    StoredMessage,
    SummaryInfo,
)
from neural_terminal.domain.tree import Node, Tree
from neural_terminal.store.conversations.changes import spent_now
from neural_terminal.store.conversations.paths import MESSAGES, path_ids
from neural_terminal.store.conversations.values import (
    conversation_info,
    stored_message,
    summary_info,
)
from neural_terminal.store.engine import open_session
from neural_terminal.store.money_column import summed_usd
from neural_terminal.store.stream_owners import LOCAL_WORKER
from neural_terminal.store.tables import (
    ContextStrategy,
    Conversation,
    Message,
    MessageStatus,
    Summary,
    utcnow,
)

_CONVERSATIONS: Table = Conversation.__table__  # type: ignore[attr-defined]

# What a fork copies of each message: everything but its place, its cost and its ids.
_COPIED = (
    "role",
    "content",
    "status",
    "error",
    "model",
    "prompt_tokens",
    "completion_tokens",
    "reasoning_tokens",
    "cached_tokens",
    "first_token_ms",
    "total_ms",
    "token_count",
    "token_encoding",
)


class _ActiveLeaf:
    """The default parent of a new message: the conversation's active leaf."""


ACTIVE_LEAF = _ActiveLeaf()


class ChatRepository:
    """Conversations and messages in one database; returns plain values."""

    def __init__(self, engine: Engine, *, worker: str = LOCAL_WORKER) -> None:
        self._engine = engine
        # Written on each reply this process streams (workers/sweeper.py reads it).
        self._worker = worker

    def create_conversation(
        self,
        *,
        model: str,
        title: str = "New conversation",
        system_prompt: str | None = None,
        context_strategy: ContextStrategy = ContextStrategy.SLIDING,
        owner_id: int | None = None,
    ) -> ConversationInfo:
        """Insert a conversation and return it with its id, as stored (one statement: a
        send to a new conversation starts here)."""
        conversation = Conversation(
            title=title,
            model=model,
            system_prompt=system_prompt,
            context_strategy=context_strategy.value,
            owner_id=owner_id,
        )
        values = conversation.model_dump(exclude={"id"})  # the model's defaults filled in
        insert = sa_insert(_CONVERSATIONS).values(values).returning(*_CONVERSATIONS.c)
        with open_session(self._engine) as session:
            row = session.execute(insert).one()
            session.commit()
        return conversation_info(row)

    def get_conversation(self, *, conversation_id: int) -> ConversationInfo | None:
        """One conversation, or None."""
        with open_session(self._engine) as session:
            row = session.get(Conversation, conversation_id)
            return conversation_info(row) if row is not None else None

    def list_conversations(
        self, *, owner_id: int | None = None, limit: int = 200
    ) -> list[ConversationInfo]:
        """Newest activity first: one owner's, or (``owner_id`` None: local mode) all."""
        query = select(Conversation)
        if owner_id is not None:
            query = query.where(Conversation.owner_id == owner_id)
        query = query.order_by(
            col(Conversation.updated_at).desc(), col(Conversation.id).desc()
        ).limit(limit)
        with open_session(self._engine) as session:
            return [conversation_info(row) for row in session.exec(query)]

    def update_conversation(
        self,
        *,
        conversation_id: int,
        title: str | None = None,
        model: str | None = None,
        context_strategy: ContextStrategy | None = None,
        system_prompt: str | None = None,
        touch: bool = True,
    ) -> None:
        """Rename it, change its model, context strategy or system prompt ('' for none);
        ``touch`` bumps ``updated_at`` (its place in the list)."""
        values: dict[str, object] = {"updated_at": utcnow()} if touch else {}
        if system_prompt is not None:
            values["system_prompt"] = system_prompt or None
        if title is not None:
            values["title"] = title
        if model is not None:
            values["model"] = model
        if context_strategy is not None:
            values["context_strategy"] = context_strategy.value
        if not values:
            return
        with open_session(self._engine) as session:
            session.execute(
                update(Conversation).where(col(Conversation.id) == conversation_id).values(values)
            )
            session.commit()

    def set_active_leaf(self, *, conversation_id: int, leaf_id: int) -> None:
        """Show the branch ending at ``leaf_id`` (the list's order is left alone)."""
        with open_session(self._engine) as session:
            session.execute(
                update(Conversation)
                .where(col(Conversation.id) == conversation_id)
                .values(active_leaf_id=leaf_id)
            )
            session.commit()

    def list_messages(self, *, conversation_id: int) -> list[StoredMessage]:
        """Every message of a conversation, all branches, in the order they were written."""
        query = (
            select(Message)
            .where(Message.conversation_id == conversation_id)
            .order_by(col(Message.id))
        )
        with open_session(self._engine) as session:
            return [stored_message(row) for row in session.exec(query)]

    def tree(self, *, conversation_id: int) -> Tree:
        """The conversation's shape: every message's id and parent, nothing else."""
        query = sa_select(MESSAGES.c.id, MESSAGES.c.parent_id).where(
            MESSAGES.c.conversation_id == conversation_id
        )
        with open_session(self._engine) as session:
            return Tree(Node(int(r[0]), r[1]) for r in session.execute(query))

    def path(self, *, leaf_id: int | None) -> list[StoredMessage]:
        """The messages from the root down to ``leaf_id``, in order (empty for None)."""
        if leaf_id is None:
            return []
        path = path_ids(leaf_id)
        query = select(Message).join(path, col(Message.id) == path.c.id).order_by(col(Message.id))
        with open_session(self._engine) as session:
            return [stored_message(row) for row in session.exec(query)]

    def messages(self, *, ids: list[int]) -> list[StoredMessage]:
        """The given messages, oldest first."""
        if not ids:
            return []
        query = select(Message).where(col(Message.id).in_(ids)).order_by(col(Message.id))
        with open_session(self._engine) as session:
            return [stored_message(row) for row in session.exec(query)]

    def path_cost(self, *, leaf_id: int | None) -> Decimal:
        """Exact total cost of the messages on the path to ``leaf_id`` (each counted once)."""
        if leaf_id is None:
            return Decimal(0)
        path = path_ids(leaf_id)
        query = sa_select(func.sum(MESSAGES.c.cost_usd)).where(
            MESSAGES.c.id.in_(sa_select(path.c.id))
        )
        with open_session(self._engine) as session:
            part = session.execute(query).scalar()
        return summed_usd(part)

    def fork(
        self, *, source: list[StoredMessage], title: str, owner_id: int | None
    ) -> ConversationInfo:
        """A new conversation holding a copy of the path ``source`` (root first), in one
        transaction; copies name their original and carry no cost."""
        first = source[0]
        with open_session(self._engine) as session:
            origin = session.get(Conversation, first.conversation_id)
            assert origin is not None
            conversation = Conversation(
                title=title,
                model=origin.model,
                system_prompt=origin.system_prompt,
                context_strategy=origin.context_strategy,
                owner_id=owner_id,
                message_count=len(source),
            )
            session.add(conversation)
            session.flush()
            parent: int | None = None
            for depth, message in enumerate(source):
                copy = Message(
                    conversation_id=conversation.id or 0,
                    parent_id=parent,
                    depth=depth,
                    forked_from_id=message.id,
                    **{name: getattr(message, name) for name in _COPIED},
                )
                session.add(copy)
                session.flush()
                parent = copy.id
            conversation.active_leaf_id = parent
            session.add(conversation)
            session.commit()
            session.refresh(conversation)
        return conversation_info(conversation)

    def has_messages(self, *, conversation_id: int) -> bool:
        """True once anything was written in the conversation."""
        query = select(col(Message.id)).where(Message.conversation_id == conversation_id).limit(1)
        with open_session(self._engine) as session:
            return session.exec(query).first() is not None

    def summaries(self, *, conversation_id: int) -> list[SummaryInfo]:
        """Every bookends summary of a conversation, oldest first."""
        query = (
            select(Summary)
            .where(col(Summary.conversation_id) == conversation_id)
            .order_by(col(Summary.id))
        )
        with open_session(self._engine) as session:
            return [summary_info(row) for row in session.exec(query)]

    def get_message(self, *, message_id: int) -> StoredMessage | None:
        """One message, or None."""
        with open_session(self._engine) as session:
            row = session.get(Message, message_id)
            return stored_message(row) if row is not None else None

    def add_message(
        self,
        *,
        conversation_id: int,
        role: str,
        content: str,
        status: MessageStatus = MessageStatus.COMPLETE,
        model: str | None = None,
        parent_id: int | _ActiveLeaf | None = ACTIVE_LEAF,
        error: str | None = None,
        token_count: int | None = None,
        token_encoding: str | None = None,
        activate: bool = True,
    ) -> StoredMessage:
        """Insert a message under ``parent_id`` (by default the active leaf; None: a new
        root), committed before this returns, and bump the conversation; ``activate`` makes
        it the active leaf in the same transaction."""
        message = Message(
            conversation_id=conversation_id,
            role=role,
            content=content,
            status=status.value,
            model=model,
            error=error,
            token_count=token_count,
            token_encoding=token_encoding,
        )
        with open_session(self._engine) as session:
            if isinstance(parent_id, _ActiveLeaf):
                conversation = session.get(Conversation, conversation_id)
                parent_id = conversation.active_leaf_id if conversation else None
            self._place(session, message, parent_id)
            self._bump(session, conversation_id, added=1, leaf_id=message.id if activate else None)
            session.commit()
        return stored_message(message)

    def add_exchange(
        self,
        *,
        conversation_id: int,
        parent_id: int | None,
        user_text: str | None,
        user_token_count: int | None,
        token_encoding: str | None,
        reply_model: str,
    ) -> tuple[StoredMessage | None, StoredMessage]:
        """A turn's rows in one transaction: the user's words (when there are any) under
        ``parent_id``, and under them the reply, streaming and now the active leaf."""
        with open_session(self._engine) as session:
            user = None
            if user_text is not None:
                user = Message(
                    conversation_id=conversation_id,
                    role="user",
                    content=user_text,
                    token_count=user_token_count,
                    token_encoding=token_encoding,
                )
                self._place(session, user, parent_id)
            reply = Message(
                conversation_id=conversation_id,
                role="assistant",
                content="",
                status=MessageStatus.STREAMING.value,
                stream_worker=self._worker,
                model=reply_model,
            )
            self._place(session, reply, user.id if user is not None else parent_id, parent=user)
            self._bump(session, conversation_id, added=1 + (user is not None), leaf_id=reply.id)
            session.commit()
        return (stored_message(user) if user is not None else None), stored_message(reply)

    @staticmethod
    def _place(
        session: Session, message: Message, parent_id: int | None, parent: Message | None = None
    ) -> None:
        """Insert ``message`` under ``parent_id`` at its depth (every default is set in Python,
        so the row needs no reading back)."""
        message.parent_id = parent_id
        if parent_id is not None:
            parent = parent if parent is not None else session.get(Message, parent_id)
            message.depth = parent.depth + 1 if parent is not None else 0
        session.add(message)
        session.flush()

    @staticmethod
    def _bump(session: Session, conversation_id: int, *, added: int, leaf_id: int | None) -> None:
        """The conversation was active now and holds ``added`` more messages."""
        values: dict[str, object] = {
            "updated_at": utcnow(),
            "message_count": col(Conversation.message_count) + added,
        }
        if leaf_id is not None:
            values["active_leaf_id"] = leaf_id
        session.execute(
            update(Conversation).where(col(Conversation.id) == conversation_id).values(values)
        )

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
        self.checkpoint_many(
            [Checkpoint(message_id, content, prompt_tokens, completion_tokens, cost_usd)]
        )

    def checkpoint_many(self, checkpoints: Sequence[Checkpoint]) -> None:
        """Save several replies' text so far in one transaction.

        Only a reply still streaming is written, and only with text at least as long as what
        it holds: a checkpoint that lands late (after the final write, or after a Continue
        reopened the reply) never overwrites newer text.
        """
        if not checkpoints:
            return
        table = MESSAGES
        statement = (
            sa_update(table)
            .where(table.c.id == bindparam("message_id"))
            .where(table.c.status == MessageStatus.STREAMING.value)
            .where(func.length(table.c.content) <= bindparam("length", type_=Integer))
            .values(
                content=bindparam("new_content", type_=table.c.content.type),
                prompt_tokens=_or_kept(table.c.prompt_tokens, "new_prompt_tokens"),
                completion_tokens=_or_kept(table.c.completion_tokens, "new_completion_tokens"),
                cost_usd=_or_kept(table.c.cost_usd, "new_cost_usd"),
                # What a crash leaves behind is priced too, flagged as our estimate.
                cost_is_estimate=_or_kept(table.c.cost_is_estimate, "priced"),
            )
        )
        rows = [
            {
                "message_id": c.message_id,
                "length": len(c.content),
                "new_content": c.content,
                "new_prompt_tokens": c.prompt_tokens,
                "new_completion_tokens": c.completion_tokens,
                "new_cost_usd": c.cost_usd,
                "priced": _priced(c),
            }
            for c in checkpoints
        ]
        with self._engine.begin() as conn:
            conn.execute(statement, rows)

    def reopen(self, *, message_id: int) -> StoredMessage:
        """Mark a stored reply ``streaming`` again (it is being continued); return it."""
        with open_session(self._engine) as session:
            message = session.get(Message, message_id)
            if message is None:
                raise LookupError(f"message {message_id} does not exist")
            message.status = MessageStatus.STREAMING.value
            message.stream_worker = self._worker
            message.error = None
            session.add(message)
            session.commit()
            session.refresh(message)
        return stored_message(message)

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
    ) -> StoredMessage:
        """Store a reply's final text, status, usage, cost and timings; return the row."""
        with open_session(self._engine) as session:
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
            session.execute(spent_now(message.conversation_id))  # tabs see the cost move
            session.commit()
            session.refresh(message)
        return stored_message(message)

    def claim_unowned(self, *, owner_id: int) -> int:
        """Give every conversation without an owner to ``owner_id`` (hosted mode's first
        admin); how many there were."""
        with open_session(self._engine) as session:
            result = session.execute(
                update(Conversation)
                .where(col(Conversation.owner_id).is_(None))
                .values(owner_id=owner_id)
            )
            session.commit()
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def conversation_cost(self, *, conversation_id: int) -> Decimal:
        """Exact total cost of a conversation's messages and summaries, summed by the database."""
        total = Decimal(0)
        tables: list[Table] = [Message.__table__, Summary.__table__]  # type: ignore[attr-defined]
        for table in tables:
            cost, owner = table.c.cost_usd, table.c.conversation_id
            query = select(func.sum(cost)).where(owner == conversation_id)
            with open_session(self._engine) as session:
                part = session.execute(query).scalar()
            # SUM keeps the column's type, so ExactUSD turns picodollars back into dollars.
            total += summed_usd(part)
        return total


def _or_kept(column: Column[Any], name: str) -> ColumnElement[Any]:
    """The bound value ``name``, or the column's own value when it is None."""
    return func.coalesce(bindparam(name, type_=column.type), column)


def _priced(checkpoint: Checkpoint) -> bool | None:
    """True when the checkpoint carries an estimate; None leaves the flag as it was."""
    if checkpoint.cost_usd is None and checkpoint.completion_tokens is None:
        return None
    return True
