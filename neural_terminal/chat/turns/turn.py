"""A turn: what the user asked for (a TurnRequest) and, once started, its reply (a Turn).

Every kind of turn is "a reply under node X", with new user text or without:

    send        new user text under the active leaf (or the leaf the page shows)
    edit        new user text beside the edited message (same parent): a new branch
    regenerate  a new reply beside a reply (same parent: the question it answers)
    retry       regenerate, for a reply that failed or broke off
    continue    the same reply, extended from where it broke off
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

from neural_terminal.chat.context.builder import ContextBuilder, ContextPlan
from neural_terminal.chat.spend.reply_accounting import Carried
from neural_terminal.chat.spend.watch import SpendWatch
from neural_terminal.chat.turns.active import ActiveTurns
from neural_terminal.chat.turns.replies import ReplyEvent, ReplyFinished, ReplyStarted
from neural_terminal.chat.turns.streaming import ReplyStreamer
from neural_terminal.domain.chat import ChatRequest
from neural_terminal.domain.conversations import ContextStrategy, MessageStatus, StoredMessage
from neural_terminal.domain.errors import NeuralTerminalError
from neural_terminal.domain.viewer import Viewer
from neural_terminal.store.conversations.repository import ChatRepository

logger = logging.getLogger(__name__)


class TurnKind(StrEnum):
    """What the user asked for."""

    SEND = "send"
    EDIT = "edit"
    REGENERATE = "regenerate"
    RETRY = "retry"
    CONTINUE = "continue"

    @property
    def takes_text(self) -> bool:
        """Send and edit store new user text; the others answer what is there."""
        return self in (TurnKind.SEND, TurnKind.EDIT)


@dataclass(frozen=True)
class TurnRequest:
    """One turn as the UI asks for it.

    ``target_id`` is the message edited, regenerated, retried or continued; for a send,
    ``parent_id`` is the leaf the page shows (None: the conversation's active leaf). A send
    without ``conversation_id`` starts a new conversation with ``model`` and ``strategy``.
    ``viewer`` (None: a trusted caller, a script or a test) must own what is touched.
    """

    kind: TurnKind
    conversation_id: int | None = None
    text: str | None = None
    target_id: int | None = None
    parent_id: int | None = None
    model: str = ""
    strategy: ContextStrategy = ContextStrategy.SLIDING
    # A new conversation's system prompt (an existing one keeps its own).
    system_prompt: str | None = None
    viewer: Viewer | None = None

    @classmethod
    def send(
        cls,
        conversation_id: int | None,
        text: str,
        *,
        parent_id: int | None = None,
        model: str = "",
        viewer: Viewer | None = None,
    ) -> TurnRequest:
        """New text under ``parent_id`` (None: the active leaf)."""
        return cls(
            TurnKind.SEND,
            conversation_id,
            text,
            parent_id=parent_id,
            model=model,
            viewer=viewer,
        )

    @classmethod
    def on(cls, kind: TurnKind, target_id: int, text: str | None = None) -> TurnRequest:
        """Edit, regenerate, retry or continue ``target_id``."""
        return cls(kind, text=text, target_id=target_id)


@dataclass
class Begun:
    """A turn past its checks: the user's words (if any) and the reply's row are stored, the
    money is reserved, the conversation is claimed."""

    conversation_id: int
    user_message: StoredMessage | None
    reply: StoredMessage
    plan: ContextPlan
    carried: Carried
    watch: SpendWatch | None
    turns: ActiveTurns
    repository: ChatRepository
    # Said before the reply: the new message is cut to fit the window.
    notice: str | None = None

    @property
    def reply_id(self) -> int:
        """The reply's row."""
        return self.reply.id

    def end(self) -> None:
        """Release the conversation and whatever of the reservation is left (idempotent)."""
        self.turns.end(self.conversation_id)
        if self.watch is not None:
            self.watch.release()  # idempotent: the streamer released it on storing

    def unanswered(self, exc: NeuralTerminalError) -> StoredMessage:
        """The reply's row when no request could be made: as it was when continued."""
        carried = self.carried
        return self.repository.finish_message(
            message_id=self.reply_id,
            content=carried.text,
            status=MessageStatus.INTERRUPTED if carried.text else MessageStatus.ERROR,
            error=exc.user_message,
            prompt_tokens=carried.prompt_tokens,
            completion_tokens=carried.completion_tokens,
            cost_usd=carried.cost_usd,
            cost_is_estimate=carried.cost_is_estimate,
            cost_source=carried.cost_source,
            computed_cost_usd=carried.computed_cost_usd,
            first_token_ms=carried.first_token_ms,
            total_ms=carried.total_ms,
        )


Begin = Callable[[TurnRequest], Awaitable[Begun]]


class Turn:
    """One turn, iterated once: it begins (checks, stores, reserves: refusals raise here,
    with nothing stored), then yields ReplyStarted, ReplyRetrying/ReplyDelta...,
    ReplyFinished. Failures after it began end in ReplyFinished with ``error`` set, never
    raised. Closing it early (Stop) stores the partial reply."""

    def __init__(
        self,
        request: TurnRequest,
        *,
        begin: Begin,
        context: ContextBuilder,
        streamer: ReplyStreamer,
    ) -> None:
        self.request = request
        self._begin = begin
        self._context = context
        self._streamer = streamer
        self._events: AsyncGenerator[ReplyEvent, None] | None = None

    def __aiter__(self) -> Turn:
        return self

    async def __anext__(self) -> ReplyEvent:
        if self._events is None:
            self._events = self._run()
        return await self._events.__anext__()

    async def aclose(self) -> None:
        """Stop early: the partial reply is stored, the reservation released."""
        if self._events is not None:
            await self._events.aclose()

    async def _run(self) -> AsyncGenerator[ReplyEvent, None]:
        begun = await self._begin(self.request)
        begun.turns.bind(begun.conversation_id)
        try:
            try:
                context = await self._context.finish(begun.plan)
            except NeuralTerminalError as exc:
                logger.info("no context for conversation %s: %s", begun.conversation_id, exc)
                yield ReplyStarted(
                    begun.user_message,
                    begun.reply_id,
                    conversation_id=begun.conversation_id,
                    notice=begun.notice,
                )
                unanswered = begun.unanswered(exc)
                begun.end()
                yield ReplyFinished(unanswered, exc)
                return
            yield ReplyStarted(
                begun.user_message,
                begun.reply_id,
                context=context,
                resumed_text=begun.carried.text,
                conversation_id=begun.conversation_id,
                notice=begun.notice,
                reply=begun.reply,
            )
            request = ChatRequest(model=begun.plan.conversation.model, messages=context.messages)
            stream = self._streamer.stream(
                begun.conversation_id,
                begun.reply_id,
                request,
                begun.carried,
                encoding=context.window.encoding,
                watch=begun.watch,
            )
            async with contextlib.aclosing(stream) as replies:
                async for event in replies:
                    if isinstance(event, ReplyFinished):
                        # Stored for good: the conversation is free before the caller hears
                        # it, even if it reads no further.
                        begun.end()
                    yield event
        finally:
            begun.end()
