"""Our export format, version 1: conversations as JSON with their whole tree, exact costs.

Documented by ``export.schema.json`` beside this module. Money is a decimal string (exact,
never a float); times are ISO 8601 in UTC; ids are the exporting database's, as strings, and
only tie messages to their parents, summaries and the active leaf inside one file. Every
conversation carries a cost ledger (each message's and summary's cost) whose sum is its
``total_usd``. Nothing from the settings (never the API key) is ever written.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from neural_terminal.domain.conversations import ConversationInfo, StoredMessage, SummaryInfo

FORMAT = "neural-terminal/conversations"
VERSION = 1


def usd(amount: Decimal | None) -> str | None:
    """Money as exact decimal text (``0.000012``, never ``1.2E-5``)."""
    return None if amount is None else format(amount, "f")


def when(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC (SQLite hands times back without their zone: they are UTC)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _ref(message_id: int | None) -> str | None:
    return None if message_id is None else str(message_id)


def message_document(message: StoredMessage) -> dict[str, Any]:
    """One message: its place in the tree, text, and (replies) tokens, cost and timings."""
    return {
        "id": str(message.id),
        "parent": _ref(message.parent_id),
        "role": message.role,
        "content": message.content,
        "status": message.status,
        "error": message.error,
        "model": message.model,
        "created_at": when(message.created_at),
        "generation_id": message.generation_id,
        "tokens": {
            "prompt": message.prompt_tokens,
            "completion": message.completion_tokens,
            "reasoning": message.reasoning_tokens,
            "cached": message.cached_tokens,
            "count": message.token_count,
            "encoding": message.token_encoding,
        },
        "cost": {
            "usd": usd(message.cost_usd),
            "source": message.cost_source,
            "is_estimate": message.cost_is_estimate,
            "computed_usd": usd(message.computed_cost_usd),
            "estimate_usd": usd(message.estimate_usd),
            "drift_usd": usd(message.drift_usd),
        },
        "timing": {"first_token_ms": message.first_token_ms, "total_ms": message.total_ms},
    }


def summary_document(summary: SummaryInfo) -> dict[str, Any]:
    """One bookends summary: the path segment it stands for, its text and its cost."""
    return {
        "first": str(summary.first_message_id),
        "last": str(summary.last_message_id),
        "message_count": summary.message_count,
        "content": summary.content,
        "model": summary.model,
        "prompt_tokens": summary.prompt_tokens,
        "completion_tokens": summary.completion_tokens,
        "cost_usd": usd(summary.cost_usd),
        "created_at": when(summary.created_at),
    }


def conversation_document(
    conversation: ConversationInfo,
    messages: Iterable[StoredMessage],
    summaries: Iterable[SummaryInfo],
) -> dict[str, Any]:
    """One conversation: settings, the whole tree, summaries, and the cost ledger."""
    messages, summaries = list(messages), list(summaries)
    ledger = [
        {"kind": "message", "id": str(m.id), "usd": usd(m.cost_usd)}
        for m in messages
        if m.cost_usd is not None
    ] + [
        {"kind": "summary", "last": str(s.last_message_id), "usd": usd(s.cost_usd)}
        for s in summaries
        if s.cost_usd is not None
    ]
    total = sum((Decimal(entry["usd"] or "0") for entry in ledger), Decimal(0))
    return {
        "id": str(conversation.id),
        "title": conversation.title,
        "model": conversation.model,
        "system_prompt": conversation.system_prompt,
        "context_strategy": conversation.context_strategy,
        "pinned": conversation.pinned,
        "archived": conversation.archived,
        "updated_at": when(conversation.updated_at),
        "active_leaf": _ref(conversation.active_leaf_id),
        "messages": [message_document(m) for m in messages],
        "summaries": [summary_document(s) for s in summaries],
        "ledger": ledger,
        "total_usd": usd(total),
    }


def export_document(
    conversations: list[dict[str, Any]], *, exported_at: datetime
) -> dict[str, Any]:
    """The file: format, version, when, and the conversations."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": when(exported_at),
        "conversations": conversations,
    }
