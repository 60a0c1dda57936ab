"""Conversations and their messages as plain values: what services and the UI see of them.

Rows stay in ``store/``; the repository hands these up. A conversation is a tree of messages
(``parent_id``); what the user sees is the path from the root to ``active_leaf_id``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class MessageStatus(StrEnum):
    """Life cycle of a stored message."""

    STREAMING = "streaming"
    COMPLETE = "complete"
    INTERRUPTED = "interrupted"
    ERROR = "error"


class ContextStrategy(StrEnum):
    """How a conversation that outgrows the model's window is cut down."""

    SLIDING = "sliding"
    BOOKENDS = "bookends"


@dataclass(frozen=True)
class ConversationInfo:
    """A conversation's settings and where its active branch ends."""

    id: int
    title: str
    model: str
    system_prompt: str | None = None
    context_strategy: str = ContextStrategy.SLIDING.value
    active_leaf_id: int | None = None
    budget_usd: Decimal | None = None
    owner_id: int | None = None
    pinned: bool = False
    archived: bool = False
    # In the trash since then (None: not deleted); restorable until it is purged.
    deleted_at: datetime | None = None
    updated_at: datetime | None = None


class Shelf(StrEnum):
    """Where a conversation is kept: the list, the archive (off the list), the trash."""

    LIST = "list"
    ARCHIVED = "archived"
    TRASH = "trash"


@dataclass(frozen=True)
class LibraryLine:
    """One conversation as a shelf lists it: what it is, and what it cost (every branch)."""

    conversation: ConversationInfo
    cost_usd: Decimal


@dataclass(frozen=True)
class Checkpoint:
    """The text so far of a reply in progress, with its estimated tokens and cost if priced."""

    message_id: int
    content: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost_usd: Decimal | None = None


@dataclass(frozen=True)
class StoredMessage:
    """One message as stored: text, place in the tree, and for replies tokens, cost, timings."""

    id: int
    conversation_id: int
    role: str
    content: str = ""
    parent_id: int | None = None
    depth: int = 0
    status: str = MessageStatus.COMPLETE.value
    error: str | None = None
    model: str | None = None
    generation_id: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    reasoning_tokens: int | None = None
    cached_tokens: int | None = None
    cost_usd: Decimal | None = None
    cost_is_estimate: bool = False
    computed_cost_usd: Decimal | None = None
    cost_source: str | None = None
    estimate_usd: Decimal | None = None
    drift_usd: Decimal | None = None
    first_token_ms: int | None = None
    total_ms: int | None = None
    token_count: int | None = None
    token_encoding: str | None = None
    forked_from_id: int | None = None
    imported_at: datetime | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class BranchLine:
    """One branch of a conversation's outline: where it leaves the path on show."""

    leaf_id: int
    # How many messages it shares with the path on show, and the first one it does not.
    shared: int
    first_id: int
    first_role: str
    first_text: str
    length: int
    current: bool


# How many of a path's newest messages a page opens with (PathRows.newest).
OPEN_ROWS = 100


@dataclass(frozen=True)
class PathRows:
    """Which of a path's messages a page holds: every one from position ``since`` on, and
    always at least the newest ``OPEN_ROWS``; ``earlier`` more before those, and every one
    from the message ``reveal`` (an id) on, when it is further back."""

    since: int = 0
    earlier: int = 0
    reveal: int = 0

    @classmethod
    def newest(cls) -> PathRows:
        """A page opening a conversation: its newest messages."""
        return cls(since=sys.maxsize)

    def first(self, path: tuple[int, ...]) -> int:
        """The position on ``path`` of the oldest message the page holds."""
        start = min(self.since, max(0, len(path) - OPEN_ROWS))
        start = max(0, start - self.earlier)
        if self.reveal in path:
            start = min(start, path.index(self.reveal))
        return start


# Every message of the path (what a page without paging, an export or a test wants).
EVERY_ROW = PathRows()


@dataclass(frozen=True)
class BranchView:
    """The path on show of a conversation and what a page needs around it.

    ``messages`` holds the path's messages from ``first_shown`` on (see PathRows) that the
    caller said it lacked (on open: all of them).
    """

    conversation: ConversationInfo
    path_ids: tuple[int, ...]
    messages: tuple[StoredMessage, ...]
    # For each message of the path that has alternatives: ``2/3`` and its neighbours' ids.
    siblings: dict[int, tuple[str, int | None, int | None]]
    branch_cost: Decimal
    total_cost: Decimal
    branches: tuple[BranchLine, ...]
    first_shown: int = 0


@dataclass(frozen=True)
class SummaryInfo:
    """A bookends summary of one path segment, and what writing it cost."""

    id: int
    first_message_id: int
    last_message_id: int
    message_count: int
    content: str
    model: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost_usd: Decimal | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class SearchFilters:
    """What a search may narrow to (None: any)."""

    model: str | None = None
    role: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    cost_above: Decimal | None = None


# Marks around the matched words of a snippet: control characters no text contains, split
# by the page into plain text and highlights (never parsed as markup).
MATCH_START = "\x02"
MATCH_END = "\x03"


@dataclass(frozen=True)
class SearchHit:
    """One message found, where it is, and its text around the match (MATCH_START/END)."""

    message_id: int
    conversation_id: int
    conversation_title: str
    role: str
    snippet: str
    model: str | None
    created_at: datetime | None
    cost_usd: Decimal | None


@dataclass(frozen=True)
class PresetInfo:
    """A named system prompt to start conversations from (model and strategy when set)."""

    id: int
    name: str
    system_prompt: str
    model: str | None = None
    context_strategy: str | None = None
    is_default: bool = False
