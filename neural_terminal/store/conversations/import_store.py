"""Storing imported conversations: each in one transaction (all of it or nothing), with the
file's parent links turned into ours, and at most once per owner and source."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from neural_terminal.domain.imports import ImportedConversation
from neural_terminal.store.tables import Conversation, Message, Summary, utcnow

_MESSAGE_FIELDS = (
    "role",
    "content",
    "status",
    "error",
    "model",
    "generation_id",
    "prompt_tokens",
    "completion_tokens",
    "reasoning_tokens",
    "cached_tokens",
    "token_count",
    "token_encoding",
    "cost_usd",
    "cost_source",
    "cost_is_estimate",
    "computed_cost_usd",
    "estimate_usd",
    "drift_usd",
    "first_token_ms",
    "total_ms",
)


class ImportStore:
    """Inserts imported conversations for one owner."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, conversation: ImportedConversation, *, owner_id: int | None) -> int | None:
        """Store it whole and return its id; None when this owner imported it before."""
        now = utcnow()
        with Session(self._engine, expire_on_commit=False) as session:
            seen = select(col(Conversation.id)).where(
                col(Conversation.import_key) == conversation.key,
                col(Conversation.owner_id).is_(None)
                if owner_id is None
                else col(Conversation.owner_id) == owner_id,
                col(Conversation.purged_at).is_(None),
            )
            if session.exec(seen).first() is not None:
                return None
            row = Conversation(
                title=conversation.title,
                model=conversation.model,
                system_prompt=conversation.system_prompt,
                context_strategy=conversation.context_strategy,
                owner_id=owner_id,
                import_key=conversation.key,
                message_count=len(conversation.messages),
                pinned_at=now if conversation.pinned else None,
                archived_at=now if conversation.archived else None,
            )
            session.add(row)
            session.flush()
            ids: dict[str, int] = {}
            depths: dict[str, int] = {}
            newest = None
            for message in conversation.messages:
                parent = ids.get(message.parent) if message.parent is not None else None
                depth = depths[message.parent] + 1 if message.parent is not None else 0
                stored = Message(
                    conversation_id=row.id or 0,
                    parent_id=parent,
                    depth=depth,
                    imported_at=now,
                    created_at=message.created_at or now,
                    **{name: getattr(message, name) for name in _MESSAGE_FIELDS},
                )
                session.add(stored)
                session.flush()
                ids[message.source_id] = stored.id or 0
                depths[message.source_id] = depth
                newest = stored.id
            for summary in conversation.summaries:
                if summary.first not in ids or summary.last not in ids:
                    continue
                session.add(
                    Summary(
                        conversation_id=row.id or 0,
                        first_message_id=ids[summary.first],
                        last_message_id=ids[summary.last],
                        message_count=summary.message_count,
                        content=summary.content,
                        model=summary.model,
                        prompt_tokens=summary.prompt_tokens,
                        completion_tokens=summary.completion_tokens,
                        cost_usd=summary.cost_usd,
                        imported_at=now,
                        created_at=summary.created_at or now,
                    )
                )
            active = conversation.active_leaf
            row.active_leaf_id = ids.get(active, newest) if active is not None else newest
            session.add(row)
            session.commit()
            return row.id
