"""The path being answered as stored token counts.

Counts are taken from the database; a message is encoded again only when it has no count yet
(written before counts existed, or a reply cut off by a restart) or was counted with another
encoding than the current model's, and the new count is stored so that happens once.
"""

from __future__ import annotations

from neural_terminal.chat.context.units import PROMPT_ROLES, CountedRow
from neural_terminal.store.context_store import ContextRow, ContextStore
from neural_terminal.tokens.counter import TokenCounter


class CountedRows:
    """The path to a message, oldest first, with a token count per message."""

    def __init__(self, *, store: ContextStore, counter: TokenCounter) -> None:
        self._store = store
        self._counter = counter

    def path(self, leaf_id: int | None, encoding: str) -> list[CountedRow]:
        """Every message from the root down to ``leaf_id``, counted in ``encoding``."""
        return self._counted(self._store.path_rows(leaf_id=leaf_id), encoding)

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
