"""Conversations read from a file, ready to store: what an importer hands the store, and
what the user is told afterwards."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class ImportedMessage:
    """One message of a file: its own id and its parent's (the file's ids), and its data."""

    source_id: str
    parent: str | None
    role: str
    content: str
    status: str = "complete"
    error: str | None = None
    model: str | None = None
    created_at: datetime | None = None
    generation_id: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    reasoning_tokens: int | None = None
    cached_tokens: int | None = None
    token_count: int | None = None
    token_encoding: str | None = None
    cost_usd: Decimal | None = None
    cost_source: str | None = None
    cost_is_estimate: bool = False
    computed_cost_usd: Decimal | None = None
    estimate_usd: Decimal | None = None
    drift_usd: Decimal | None = None
    first_token_ms: int | None = None
    total_ms: int | None = None


def parents_first(messages: Iterable[ImportedMessage]) -> list[ImportedMessage]:
    """Roots first, then each message after its parent, siblings in the order given;
    messages no root leads to (a missing parent, a loop) are left out."""
    children: dict[str | None, list[ImportedMessage]] = {}
    for message in messages:
        children.setdefault(message.parent, []).append(message)
    ordered: list[ImportedMessage] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        message = stack.pop()
        ordered.append(message)
        stack.extend(reversed(children.get(message.source_id, [])))
    return ordered


@dataclass(frozen=True)
class ImportedSummary:
    """A bookends summary of a file, by the file's ids of its segment's ends."""

    first: str
    last: str
    message_count: int
    content: str
    model: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost_usd: Decimal | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class ImportedConversation:
    """One conversation of a file; ``messages`` come parents first. ``key`` names its source
    (importing it again adds nothing)."""

    key: str
    title: str
    model: str
    messages: tuple[ImportedMessage, ...]
    system_prompt: str | None = None
    context_strategy: str = "sliding"
    active_leaf: str | None = None
    summaries: tuple[ImportedSummary, ...] = ()
    pinned: bool = False
    archived: bool = False


@dataclass
class ImportReport:
    """What an import did: conversations added, already there, and what was left out, why."""

    added: list[tuple[int, str]] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """``Imported 3 conversations; 1 was already here; skipped: ...``."""
        parts = [f"Imported {len(self.added):,} conversation{'s' * (len(self.added) != 1)}"]
        if self.already:
            parts.append(f"{len(self.already):,} already here (not added again)")
        if self.skipped:
            parts.append("skipped: " + "; ".join(self.skipped))
        return "; ".join(parts) + "."
