"""The path being answered as stored token counts.

Counts are taken from the database; a message is encoded again only when it has no count yet
(written before counts existed, or a reply cut off by a restart) or was counted with another
encoding than the current model's, and the new count is stored so that happens once.
"""

from __future__ import annotations

from collections.abc import Iterator

from neural_terminal.chat.context.units import PROMPT_ROLES, CountedRow
from neural_terminal.store.conversations.context_store import ContextRow, ContextStore
from neural_terminal.tokens.counter import TokenCounter

PAGE = 256


class CountedRows:
    """The path to a message with a token count per message: newest first a page at a time,
    or its first messages."""

    def __init__(self, *, store: ContextStore, counter: TokenCounter, page: int = PAGE) -> None:
        self._store = store
        self._counter = counter
        self._page = page

    def newest_first(self, leaf_id: int | None, encoding: str) -> Iterator[CountedRow]:
        """The path from ``leaf_id`` up to its root, lazily: a context that has filled its
        window reads no further."""
        start = leaf_id
        while start is not None:
            page = self._store.path_page(from_id=start, limit=self._page)
            yield from self._counted(page, encoding)
            start = page[-1].parent_id if len(page) == self._page else None

    def head(self, leaf_id: int, encoding: str, *, max_depth: int) -> list[CountedRow]:
        """The path's messages no deeper than ``max_depth``, oldest first."""
        return self._counted(self._store.path_head(leaf_id=leaf_id, max_depth=max_depth), encoding)

    def _counted(self, page: list[ContextRow], encoding: str) -> list[CountedRow]:
        stale = [row for row in page if _in_prompt(row) and _stale(row, encoding)]
        fresh: dict[int, int] = {}
        if stale:
            texts = self._store.contents(row.id for row in stale)
            fresh = {
                row.id: self._counter.count_message(row.role, texts.get(row.id, ""), encoding)
                for row in stale
            }
            self._store.store_counts(fresh, encoding=encoding)
        return [
            CountedRow(row.id, row.role, fresh.get(row.id, row.token_count or 0))
            if _in_prompt(row)
            else CountedRow(row.id, row.role, 0)
            for row in page
        ]


def _in_prompt(row: ContextRow) -> bool:
    return row.has_text and row.role in PROMPT_ROLES


def _stale(row: ContextRow, encoding: str) -> bool:
    return row.token_count is None or row.token_encoding != encoding
