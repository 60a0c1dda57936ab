"""Plain view rows for the browser, and the text each one displays."""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal

from neural_terminal.chat.context.window import Window
from neural_terminal.domain.conversations import (
    MATCH_END,
    MATCH_START,
    LibraryLine,
    SearchHit,
    StoredMessage,
)
from neural_terminal.domain.money import exact_usd, format_usd
from neural_terminal.upstream.resilience.breaker import BreakerState, BreakerStatus


@dataclasses.dataclass
class MessageView:
    """One message as the transcript shows it."""

    id: int = 0
    role: str = "user"
    content: str = ""
    status: str = "complete"
    error: str = ""
    meta: str = ""
    # The figures behind the rounded ones of ``meta``, exactly (shown on hover).
    exact: str = ""
    # Its cost is our estimate (a billed figure may replace it: tabs then read it again).
    cost_estimate: bool = False


@dataclasses.dataclass
class ConversationView:
    """One line of the sidebar: its title, its cost (every branch), and the date group it
    opens when it is the first of one (``today``, ``yesterday``... ; else empty)."""

    id: int = 0
    title: str = ""
    model: str = ""
    cost: str = ""
    group: str = ""
    pinned: bool = False
    cost_exact: str = ""


def message_view(message: StoredMessage) -> MessageView:
    """The transcript row for a stored message."""
    return MessageView(
        id=message.id or 0,
        role=message.role,
        content=message.content,
        status=message.status,
        error=message.error or "",
        meta=message_meta(message) if message.role == "assistant" else "",
        exact=exact_costs(message) if message.role == "assistant" else "",
        cost_estimate=message.cost_is_estimate,
    )


def exact_costs(message: StoredMessage) -> str:
    """``cost $0.00023 (upstream) · computed $0.00023 · estimate $0.0002312 · drift ...``:
    every figure of the reply to the last place stored, never rounded."""
    figures = [
        ("cost", message.cost_usd),
        ("computed", message.computed_cost_usd),
        ("estimate", message.estimate_usd),
        ("drift", message.drift_usd),
    ]
    parts = [f"{name} {exact_usd(amount)}" for name, amount in figures if amount is not None]
    if parts and message.cost_source:
        parts[0] += f" ({message.cost_source})"
    return " · ".join(parts)


def breaker_text(status: BreakerStatus) -> str:
    """``upstream ok``, ``upstream paused · next probe 14:03:25``, ``upstream probing``."""
    if status.state is BreakerState.CLOSED:
        failing = f" · {status.failures}/{status.threshold} failed" if status.failures else ""
        return f"upstream ok{failing}"
    if status.state is BreakerState.HALF_OPEN:
        return "upstream half-open · next request tests it"
    at = status.probe_at.astimezone() if status.probe_at else None
    return f"upstream paused · next probe {at:%H:%M:%S}" if at else "upstream paused"


def message_meta(message: StoredMessage) -> str:
    """``model · 12 in / 80 out · $0.0001 · first token 210 ms · 2.1 s · 38 tok/s``."""
    parts = [message.model or "?"]
    if message.prompt_tokens is not None or message.completion_tokens is not None:
        tokens = f"{message.prompt_tokens or 0:,} in / {message.completion_tokens or 0:,} out"
        extras = []
        if message.reasoning_tokens:
            extras.append(f"{message.reasoning_tokens:,} reasoning")
        if message.cached_tokens:
            extras.append(f"{message.cached_tokens:,} cached")
        parts.append(tokens + (f" ({', '.join(extras)})" if extras else ""))
    if message.forked_from_id is not None:
        parts.append("forked copy: its cost counts in the original")
    elif message.cost_usd is None:
        parts.append("cost unknown" if message.imported_at is not None else "cost n/a")
    elif message.cost_is_estimate:
        # The reply broke off before the upstream reported usage: our own count and prices.
        parts.append(f"~{format_usd(message.cost_usd)} (estimate)")
    elif message.cost_source == "generation":
        # Estimated when it broke off, then replaced by the upstream's billed figure.
        parts.append(f"{format_usd(message.cost_usd)} (billed, reconciled)")
    else:
        parts.append(format_usd(message.cost_usd))
    if message.imported_at is not None:
        parts.append("imported: on the record, not on the budget")
    if message.first_token_ms is not None:
        parts.append(f"first token {message.first_token_ms:,} ms")
    if message.total_ms is not None:
        parts.append(f"{message.total_ms / 1000:.1f} s")
        if message.completion_tokens and message.total_ms > 0:
            parts.append(f"{message.completion_tokens * 1000 / message.total_ms:.0f} tok/s")
    return " · ".join(parts)


def conversation_view(line: LibraryLine, group: str = "") -> ConversationView:
    """The sidebar row for a conversation (``group``: the header it opens, if any)."""
    conversation = line.conversation
    return ConversationView(
        id=conversation.id,
        title=conversation.title,
        model=conversation.model,
        cost=format_usd(line.cost_usd),
        cost_exact=exact_usd(line.cost_usd),
        group=group,
        pinned=conversation.pinned,
    )


def conversation_total(messages: list[StoredMessage]) -> str:
    """The conversation's spend so far, for the header."""
    costs = [m.cost_usd for m in messages if m.cost_usd is not None]
    return format_usd(sum(costs, Decimal(0)))


def context_meter(window: Window, tokens: int) -> str:
    """``context 1,234 / 15,360 tokens``; ``≈`` marks a count from a stand-in tokenizer."""
    approx = "≈" if window.approximate else ""
    return f"context {approx}{tokens:,} / {window.tokens:,} tokens"


def elided_notice(elided_tokens: int) -> str:
    """Said when the message just sent was cut to fit the window."""
    return (
        f"Your message was larger than the model's context window: {elided_tokens:,} tokens "
        "from its middle were left out of what the model reads (marked there). "
        "Your full text is kept."
    )


@dataclasses.dataclass
class PresetView:
    """One preset in the system prompt panel's list (``★``: the default)."""

    id: int = 0
    label: str = ""


@dataclasses.dataclass
class SnippetPart:
    """A piece of a search hit's snippet: plain text, or a matched word."""

    text: str = ""
    match: bool = False


@dataclasses.dataclass
class HitView:
    """One search hit in the sidebar: where it is, its snippet in parts, a line of facts."""

    message_id: int = 0
    conversation_id: int = 0
    title: str = ""
    parts: list[SnippetPart] = dataclasses.field(default_factory=list)
    meta: str = ""
    # The message's cost to the picodollar (hover and focus); empty when it has none.
    cost_exact: str = ""


def hit_view(hit: SearchHit) -> HitView:
    """The sidebar row for a search hit; the snippet's marks become parts (never markup)."""
    parts: list[SnippetPart] = []
    for index, piece in enumerate(re.split(f"[{MATCH_START}{MATCH_END}]", hit.snippet)):
        if piece:
            parts.append(SnippetPart(piece, match=index % 2 == 1))
    who = "you" if hit.role == "user" else (hit.model or hit.role)
    when = hit.created_at.strftime("%Y-%m-%d") if hit.created_at else ""
    cost = f" · {format_usd(hit.cost_usd)}" if hit.cost_usd is not None else ""
    return HitView(
        message_id=hit.message_id,
        conversation_id=hit.conversation_id,
        title=hit.conversation_title,
        parts=parts,
        meta=f"{who} · {when}{cost}",
        cost_exact=f"cost {exact_usd(hit.cost_usd)} exactly" if hit.cost_usd is not None else "",
    )
