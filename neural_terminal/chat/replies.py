"""What a turn yields to its caller while the reply streams."""

from __future__ import annotations

from dataclasses import dataclass

from neural_terminal.chat.context import PreparedContext
from neural_terminal.domain.errors import NeuralTerminalError
from neural_terminal.store.tables import Message


@dataclass(frozen=True)
class ReplyStarted:
    """The user's message is stored; the assistant row exists and the request is going out."""

    user_message: Message
    assistant_message_id: int
    # What the prompt holds; None only when the context could not be prepared.
    context: PreparedContext | None = None


@dataclass(frozen=True)
class ReplyDelta:
    """New reply text, in order."""

    text: str


@dataclass(frozen=True)
class ReplyFinished:
    """The reply is stored for good; ``error`` says why it is not complete, if it is not."""

    message: Message
    error: NeuralTerminalError | None = None


ReplyEvent = ReplyStarted | ReplyDelta | ReplyFinished
