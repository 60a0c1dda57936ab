"""Your conversations as a library: shelves grouped by date with their costs, rename, pin,
archive, the trash (restore within the retention, then purged) and each conversation's
system prompt. Every id is checked against the viewer (another's reads like a missing one).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from neural_terminal.chat.access import ConversationAccess
from neural_terminal.domain.conversations import (
    ConversationInfo,
    LibraryLine,
    SearchFilters,
    SearchHit,
    Shelf,
)
from neural_terminal.domain.errors import InvalidInput
from neural_terminal.domain.viewer import Viewer
from neural_terminal.store.conversations.library_store import LibraryStore
from neural_terminal.store.conversations.repository import ChatRepository
from neural_terminal.store.conversations.search_store import SearchStore

PAGE = 100
TITLE_CHARS = 200
SYSTEM_PROMPT_CHARS = 20_000
SEARCH_HITS = 50
SEARCH_CHARS = 500


@dataclass(frozen=True)
class ShelfPage:
    """Lines of a shelf, each with the date group it falls in, and whether more follow."""

    shelf: Shelf
    lines: tuple[tuple[str, LibraryLine], ...]
    total: int
    more: bool
    # How many every shelf holds (read in the same pass: the sidebar shows them all).
    counts: dict[Shelf, int]


def date_group(line: LibraryLine, now: datetime, tz: ZoneInfo) -> str:
    """``pinned``, ``today``, ``yesterday``, ``this week`` (the 7 days before) or ``older``,
    by the last activity in the user's time zone."""
    conversation = line.conversation
    if conversation.pinned:
        return "pinned"
    when = conversation.updated_at
    if when is None:
        return "older"
    if when.tzinfo is None:  # SQLite hands datetimes back without their zone: they are UTC
        when = when.replace(tzinfo=UTC)
    days = (now.astimezone(tz).date() - when.astimezone(tz).date()).days
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    return "this week" if days < 7 else "older"


class Library:
    """Shelves and the moves between them, for one viewer at a time."""

    def __init__(
        self,
        *,
        store: LibraryStore,
        repository: ChatRepository,
        access: ConversationAccess,
        search: SearchStore,
        trash_days: int,
        time_zone: Callable[[], ZoneInfo],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._search = search
        self._repo = repository
        self._access = access
        self._trash_days = trash_days
        self._zone = time_zone
        self._clock = clock

    def shelf(self, viewer: Viewer, shelf: Shelf, *, limit: int = PAGE) -> ShelfPage:
        """The first ``limit`` lines of a shelf (a page shows PAGE more at a time)."""
        lines = self._store.page(owner_id=viewer.user_id, shelf=shelf, offset=0, limit=limit)
        counts = self._store.counts(owner_id=viewer.user_id)
        total = counts[shelf]
        now, tz = self._clock(), self._zone()
        grouped = tuple(
            ("trash" if shelf is Shelf.TRASH else date_group(line, now, tz), line) for line in lines
        )
        return ShelfPage(shelf, grouped, total, more=total > len(lines), counts=counts)

    def line(self, viewer: Viewer, conversation_id: int) -> tuple[str, LibraryLine] | None:
        """One of the viewer's conversations as the list shows it (its date group, its line),
        or None when it is not the viewer's or not on the list (archived, in the trash)."""
        line = self._store.line(conversation_id=conversation_id)
        if line is None or not viewer.owns(line.conversation.owner_id):
            return None
        if line.conversation.archived or line.conversation.deleted_at is not None:
            return None
        return date_group(line, self._clock(), self._zone()), line

    def counts(self, viewer: Viewer) -> dict[Shelf, int]:
        """How many conversations each shelf holds."""
        return self._store.counts(owner_id=viewer.user_id)

    def find(
        self, viewer: Viewer, words: str, filters: SearchFilters | None = None
    ) -> list[SearchHit]:
        """Messages of every branch of the viewer's conversations (not the trash) that hold
        every word, best first (at most SEARCH_HITS)."""
        if len(words) > SEARCH_CHARS:
            raise InvalidInput(f"Search for at most {SEARCH_CHARS} characters.")
        return self._search.search(
            owner_id=viewer.user_id,
            words=words,
            filters=filters or SearchFilters(),
            limit=SEARCH_HITS,
        )

    def rename(self, viewer: Viewer, conversation_id: int, title: str) -> ConversationInfo:
        """Give it a title of your own (one line, at most TITLE_CHARS characters)."""
        self._access.conversation(viewer, conversation_id)
        line = " ".join(title.split())
        if not line:
            raise InvalidInput("A title needs at least one character; the old one is kept.")
        if len(line) > TITLE_CHARS:
            raise InvalidInput(f"A title holds at most {TITLE_CHARS} characters.")
        self._repo.update_conversation(conversation_id=conversation_id, title=line, touch=False)
        return self._access.conversation(viewer, conversation_id)

    def pin(self, viewer: Viewer, conversation_id: int, pinned: bool) -> None:
        """Pin it to the top of the list, or unpin it."""
        self._access.conversation(viewer, conversation_id)
        self._store.move(conversation_id=conversation_id, pinned=pinned)

    def archive(self, viewer: Viewer, conversation_id: int, archived: bool) -> None:
        """Take it off the list (it stays whole and can come back), or bring it back."""
        self._access.conversation(viewer, conversation_id)
        self._store.move(conversation_id=conversation_id, archived=archived)

    def delete(self, viewer: Viewer, conversation_id: int) -> ConversationInfo:
        """Put it in the trash: off every list, restorable for ``trash_days`` days."""
        conversation = self._access.conversation(viewer, conversation_id)
        self._store.move(conversation_id=conversation_id, deleted=True)
        return conversation

    def restore(self, viewer: Viewer, conversation_id: int) -> None:
        """Take it out of the trash, back where it was (list or archive)."""
        self._access.conversation(viewer, conversation_id, in_trash=True)
        self._store.move(conversation_id=conversation_id, deleted=False)

    def purge_expired(self) -> int:
        """Purge what has been in the trash longer than ``trash_days``; how many."""
        return self._store.purge(deleted_before=self._clock() - timedelta(days=self._trash_days))

    def set_system_prompt(self, viewer: Viewer, conversation_id: int, text: str) -> None:
        """Its system prompt from the next turn on (empty: none)."""
        self._access.conversation(viewer, conversation_id)
        self._repo.update_conversation(
            conversation_id=conversation_id, system_prompt=check_system_prompt(text), touch=False
        )


def check_system_prompt(text: str) -> str:
    """A system prompt as stored ('' for none); InvalidInput when it is too long."""
    prompt = text.strip()
    if len(prompt) > SYSTEM_PROMPT_CHARS:
        raise InvalidInput(
            f"A system prompt holds at most {SYSTEM_PROMPT_CHARS:,} characters; "
            f"this one is {len(prompt):,}."
        )
    return prompt
