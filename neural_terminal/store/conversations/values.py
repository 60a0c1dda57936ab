"""Rows to plain values: what the store hands up to services (values up, rows down)."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import Row

from neural_terminal.domain.conversations import ConversationInfo, StoredMessage, SummaryInfo
from neural_terminal.store.tables import Conversation, Message, Summary

_MESSAGE_FIELDS = tuple(f.name for f in dataclasses.fields(StoredMessage))


def conversation_info(row: Conversation | Row[Any]) -> ConversationInfo:
    """The value of a conversation row (an ORM object, or a plain row of its table)."""
    return ConversationInfo(
        id=row.id or 0,
        title=row.title,
        model=row.model,
        system_prompt=row.system_prompt,
        context_strategy=row.context_strategy,
        active_leaf_id=row.active_leaf_id,
        budget_usd=row.budget_usd,
        owner_id=row.owner_id,
        pinned=row.pinned_at is not None,
        archived=row.archived_at is not None,
        deleted_at=row.deleted_at,
        updated_at=row.updated_at,
    )


def stored_message(row: Message) -> StoredMessage:
    """The value of a message row."""
    values = {name: getattr(row, name) for name in _MESSAGE_FIELDS}
    values["id"] = row.id or 0
    return StoredMessage(**values)


def summary_info(row: Summary) -> SummaryInfo:
    """The value of a summary row."""
    return SummaryInfo(
        id=row.id or 0,
        first_message_id=row.first_message_id,
        last_message_id=row.last_message_id,
        message_count=row.message_count,
        content=row.content,
        model=row.model,
        prompt_tokens=row.prompt_tokens,
        completion_tokens=row.completion_tokens,
        cost_usd=row.cost_usd,
        created_at=row.created_at,
    )
