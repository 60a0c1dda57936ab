"""Exchanges: a user message with the replies to it, the smallest thing a context may drop.

Dropping whole exchanges means a reply is never sent without the question it answers, nor a
question with only part of its answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

PROMPT_ROLES = ("user", "assistant")


@dataclass(frozen=True)
class CountedRow:
    """A message's id, role and prompt tokens (0 when it does not go into prompts)."""

    id: int
    role: str
    tokens: int

    @property
    def in_prompt(self) -> bool:
        """Failed replies with no text and unknown roles never go into a prompt."""
        return self.tokens > 0


@dataclass(frozen=True)
class Unit:
    """One exchange, its rows oldest first."""

    rows: tuple[CountedRow, ...]

    @property
    def tokens(self) -> int:
        """Prompt tokens of the whole exchange."""
        return sum(row.tokens for row in self.rows)

    @property
    def first_id(self) -> int:
        """The oldest message id of the exchange."""
        return self.rows[0].id

    @property
    def last_id(self) -> int:
        """The newest message id of the exchange."""
        return self.rows[-1].id

    @property
    def prompt_ids(self) -> list[int]:
        """Ids of the messages that go into a prompt, in order."""
        return [row.id for row in self.rows if row.in_prompt]


def exchange(rows: Sequence[CountedRow]) -> Unit:
    """An exchange from its rows oldest first; only its newest reply with text is sent.

    A retry adds a reply beside the one it replaces: the older attempt stays on screen but
    leaves the prompt (it counts 0 tokens here).
    """
    replies = [row for row in rows if row.role == "assistant" and row.in_prompt]
    superseded = {row.id for row in replies[:-1]}
    return Unit(tuple(replace(row, tokens=0) if row.id in superseded else row for row in rows))


def units_newest_first(rows: Iterable[CountedRow]) -> Iterator[Unit]:
    """Group rows given newest first into exchanges, newest exchange first (lazily)."""
    pending: list[CountedRow] = []
    for row in rows:
        pending.append(row)
        if row.role == "user":
            yield exchange(pending[::-1])
            pending = []
    if pending:  # replies older than any user message (imported or system-made)
        yield exchange(pending[::-1])


def first_unit(rows: Iterable[CountedRow]) -> Unit | None:
    """The oldest exchange from rows given oldest first; None while it may still grow."""
    taken: list[CountedRow] = []
    for row in rows:
        if row.role == "user" and taken:
            return exchange(taken)
        taken.append(row)
    return None
