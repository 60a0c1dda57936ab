"""Who may touch which conversation: every id that arrives from a client is checked here.

Another user's conversation answers exactly like one that does not exist, so ids that can be
guessed reveal nothing.
"""

from __future__ import annotations

from neural_terminal.domain.conversations import ConversationInfo, StoredMessage
from neural_terminal.domain.errors import ConversationNotFound
from neural_terminal.domain.viewer import Viewer
from neural_terminal.store.conversations.repository import ChatRepository

IN_TRASH = "That conversation is in the trash: restore it to open it."


class ConversationAccess:
    """Looks conversations and messages up on behalf of a viewer."""

    def __init__(self, repository: ChatRepository) -> None:
        self._repo = repository

    def conversation(
        self, viewer: Viewer, conversation_id: int, *, in_trash: bool = False
    ) -> ConversationInfo:
        """The viewer's conversation, or ConversationNotFound (also for someone else's); one
        in the trash only when ``in_trash`` (to restore it), else it says where it is."""
        conversation = self._repo.get_conversation(conversation_id=conversation_id)
        if conversation is None or not viewer.owns(conversation.owner_id):
            raise ConversationNotFound(detail=f"conversation_id={conversation_id}")
        if (conversation.deleted_at is not None) != in_trash:
            if in_trash:
                raise ConversationNotFound("That conversation is not in the trash.")
            raise ConversationNotFound(IN_TRASH, detail=f"conversation_id={conversation_id}")
        return conversation

    def message(self, viewer: Viewer, message_id: int) -> StoredMessage:
        """The viewer's message, or ConversationNotFound (also for someone else's)."""
        message = self._repo.get_message(message_id=message_id)
        if message is None:
            raise ConversationNotFound("That message does not exist.", detail=f"id={message_id}")
        self.conversation(viewer, message.conversation_id)
        return message

    def conversations(self, viewer: Viewer) -> list[ConversationInfo]:
        """The viewer's conversations, newest activity first."""
        return self._repo.list_conversations(owner_id=viewer.user_id)

    def owner_of(self, viewer: Viewer) -> int | None:
        """The owner a new conversation of this viewer gets."""
        return viewer.user_id
