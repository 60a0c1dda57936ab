"""Export: one conversation as JSON or Markdown, or the whole library as a zip of JSON.

Only the viewer's own conversations (another's reads like a missing one); the trash is left
out of the library file, archived conversations are in it.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from neural_terminal.chat.access import ConversationAccess
from neural_terminal.chat.library.export import conversation_document, export_document
from neural_terminal.chat.library.markdown import conversation_markdown
from neural_terminal.domain.conversations import ConversationInfo, Shelf
from neural_terminal.domain.viewer import Viewer
from neural_terminal.store.conversations.library_store import LibraryStore
from neural_terminal.store.conversations.repository import ChatRepository

LIBRARY_FILE = "neural-terminal-library.json"
BATCH = 200


class Exporter:
    """Writes export files for a viewer."""

    def __init__(
        self,
        *,
        repository: ChatRepository,
        library: LibraryStore,
        access: ConversationAccess,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._repo = repository
        self._library = library
        self._access = access
        self._clock = clock

    def conversation_json(self, viewer: Viewer, conversation_id: int) -> bytes:
        """One conversation, the whole tree, as our JSON export."""
        conversation = self._access.conversation(viewer, conversation_id)
        document = export_document([self._document(conversation)], exported_at=self._clock())
        return _json(document)

    def conversation_markdown(
        self, viewer: Viewer, conversation_id: int, *, all_branches: bool = False
    ) -> str:
        """One conversation to read: the branch on show, or every branch."""
        conversation = self._access.conversation(viewer, conversation_id)
        return conversation_markdown(
            conversation,
            self._repo.list_messages(conversation_id=conversation.id),
            total_usd=self._repo.conversation_cost(conversation_id=conversation.id),
            all_branches=all_branches,
        )

    def library_zip(self, viewer: Viewer) -> bytes:
        """Every conversation of the viewer's list and archive, in one zipped JSON file."""
        documents = [self._document(c) for c in self._conversations(viewer)]
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(
                LIBRARY_FILE, _json(export_document(documents, exported_at=self._clock()))
            )
        return buffer.getvalue()

    def _conversations(self, viewer: Viewer) -> list[ConversationInfo]:
        found: list[ConversationInfo] = []
        for shelf in (Shelf.LIST, Shelf.ARCHIVED):
            offset = 0
            while True:
                page = self._library.page(
                    owner_id=viewer.user_id, shelf=shelf, offset=offset, limit=BATCH
                )
                found.extend(line.conversation for line in page)
                if len(page) < BATCH:
                    break
                offset += BATCH
        return found

    def _document(self, conversation: ConversationInfo) -> dict[str, Any]:
        return conversation_document(
            conversation,
            self._repo.list_messages(conversation_id=conversation.id),
            self._repo.summaries(conversation_id=conversation.id),
        )


def _json(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=1).encode()
