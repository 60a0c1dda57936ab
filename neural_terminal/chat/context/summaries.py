"""Summaries of the middle a bookends context leaves out, written by a model and cached.

A summary covers a segment of one path (its first and last message name it: the last one's
ancestors down from the first), so a summary written on one branch never stands in on another.

A new summary builds on the previous one for the same start when the dropped range has only
grown (a rolling summary), so each request stays about as large as what was newly dropped.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from neural_terminal.chat.context.window import Window
from neural_terminal.domain.chat import ChatRequest, PromptMessage, UsageReport
from neural_terminal.store.conversations.context_store import ContextRow, ContextStore
from neural_terminal.store.tables import Summary
from neural_terminal.tokens.counter import TokenCounter

INSTRUCTIONS = (
    "You condense part of a conversation so that it can stand in for it later. Keep facts, "
    "names, numbers, decisions, code identifiers and open questions; drop pleasantries. "
    "Write plain prose, at most {words} words, with no preamble."
)
PREVIOUS = "Summary of the earlier part:\n{text}\n\n"
LEFT_OUT = "[{n} older messages did not fit into this request and are not covered.]\n\n"
SPEAKERS = {"user": "User", "assistant": "Assistant"}


class CompletionUpstream(Protocol):
    """What summaries need from the upstream: one non-streaming completion."""

    async def complete(self, request: ChatRequest) -> tuple[str, UsageReport | None]:
        """The whole reply and its usage."""
        ...


WindowOf = Callable[[str, int], Awaitable[Window]]


class Summariser:
    """Writes, stores and returns the summary of one range of a conversation."""

    def __init__(
        self, *, upstream: CompletionUpstream, store: ContextStore, counter: TokenCounter
    ) -> None:
        self._upstream = upstream
        self._store = store
        self._counter = counter

    async def summarise(
        self,
        *,
        conversation_id: int,
        model: str,
        segment: Sequence[ContextRow],
        message_count: int,
        max_tokens: int,
        base: Summary | None,
        window_of: WindowOf,
    ) -> Summary:
        """Summarise a path segment, oldest first (building on ``base``), and store it."""
        window = await window_of(model, max_tokens)
        first_id, last_id = segment[0].id, segment[-1].id
        low = base.last_message_id + 1 if base is not None else first_id
        system = PromptMessage("system", INSTRUCTIONS.format(words=max(20, max_tokens * 2 // 3)))
        prefix = PREVIOUS.format(text=base.content) if base is not None else ""
        rows = [row for row in segment if row.id >= low]
        lines, left_out = self._transcript(window, rows, system, prefix)
        note = LEFT_OUT.format(n=left_out) if left_out else ""
        request = ChatRequest(
            model=model,
            messages=(system, PromptMessage("user", prefix + note + "\n\n".join(lines))),
            max_tokens=max_tokens,
        )
        text, report = await self._upstream.complete(request)
        usage = report.usage if report is not None else None
        return self._store.add_summary(
            conversation_id=conversation_id,
            first_message_id=first_id,
            last_message_id=last_id,
            message_count=message_count,
            content=text.strip(),
            model=model,
            prompt_tokens=usage.prompt_tokens if usage else None,
            completion_tokens=usage.completion_tokens if usage else None,
            cost_usd=usage.cost if usage else None,
        )

    def _transcript(
        self,
        window: Window,
        rows: Sequence[ContextRow],
        system: PromptMessage,
        prefix: str,
    ) -> tuple[list[str], int]:
        """The newest of ``rows`` that fit the summariser's window, in order, and how many
        older ones were left out.

        Chosen by stored counts (a message costs about as much in a transcript line as in a
        prompt), then the request is counted exactly and trimmed until it fits.
        """
        encoding = window.encoding
        overhead = self._counter.count_prompt([system, PromptMessage("user", prefix)], encoding)
        budget = window.tokens - overhead - 32  # the left-out note
        chosen: list[tuple[int, str]] = []
        left_out = 0
        for index in range(len(rows) - 1, -1, -1):
            row = rows[index]
            if not (row.has_text and row.role in SPEAKERS):
                continue
            cost = row.token_count if row.token_encoding == encoding else None
            if cost is None:
                text = self._store.contents([row.id]).get(row.id, "")
                cost = self._counter.count_message(row.role, text, encoding)
            if cost > budget:
                left_out = index + 1
                break
            budget -= cost
            chosen.append((row.id, row.role))
        chosen.reverse()
        texts = self._store.contents(i for i, _ in chosen)
        lines = [f"{SPEAKERS[role]}: {texts[i]}" for i, role in chosen]
        return self._fit(lines, left_out, window, system, prefix)

    def _fit(
        self, lines: list[str], left_out: int, window: Window, system: PromptMessage, prefix: str
    ) -> tuple[list[str], int]:
        """Drop the oldest lines until the exact count of the request fits the window."""
        while lines:
            note = LEFT_OUT.format(n=left_out) if left_out else ""
            user = PromptMessage("user", prefix + note + "\n\n".join(lines))
            if self._counter.count_prompt([system, user], window.encoding) <= window.tokens:
                break
            lines = lines[1:]
            left_out += 1
        return lines, left_out
