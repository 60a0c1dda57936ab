"""The chat service: conversations, and one turn from the user's words to a stored reply."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from neural_terminal.chat.bus import EventBus
from neural_terminal.chat.context import ContextBuilder, PreparedContext
from neural_terminal.chat.replies import ReplyDelta, ReplyEvent, ReplyFinished, ReplyStarted
from neural_terminal.chat.turns import ActiveTurns
from neural_terminal.chat.window import Window
from neural_terminal.domain.chat import (
    ChatRequest,
    StreamChunk,
    TextDelta,
    Usage,
    UsageReport,
)
from neural_terminal.domain.errors import (
    ConversationNotFound,
    InvalidInput,
    NeuralTerminalError,
    StreamError,
)
from neural_terminal.domain.events import MessageCompleted, MessageStarted, TokensGenerated
from neural_terminal.store.repository import ChatRepository
from neural_terminal.store.tables import ContextStrategy, Conversation, Message, MessageStatus

logger = logging.getLogger(__name__)

STOPPED_BY_USER = "Stopped by you; the text received so far is kept."
UNEXPECTED = "Unexpected error while streaming; the text received so far is kept."
TITLE_CHARS = 60


class ChatStreamLike(Protocol):
    """What the orchestrator needs from an open upstream stream."""

    generation_id: str | None

    def __aiter__(self) -> AsyncIterator[StreamChunk]:
        """Chunks in order until the reply ends."""
        ...


class ChatUpstream(Protocol):
    """What the orchestrator needs from the upstream client."""

    def stream_chat(self, request: ChatRequest) -> AbstractAsyncContextManager[ChatStreamLike]:
        """Open a streaming completion."""
        ...


@dataclass
class _Progress:
    """The reply as it accumulates during one turn."""

    started: float
    parts: list[str]
    encoding: str
    first_token_at: float | None = None
    report: UsageReport | None = None
    generation_id: str | None = None
    last_checkpoint: float = 0.0

    @property
    def text(self) -> str:
        return "".join(self.parts)


class ChatOrchestrator:
    """Creates and loads conversations and runs turns against the upstream."""

    def __init__(
        self,
        *,
        repository: ChatRepository,
        upstream: ChatUpstream,
        bus: EventBus,
        turns: ActiveTurns,
        context: ContextBuilder,
        max_message_chars: int,
        checkpoint_every_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._repo = repository
        self._upstream = upstream
        self._bus = bus
        self._turns = turns
        self._context = context
        self._max_chars = max_message_chars
        self._checkpoint_every_s = checkpoint_every_s
        self._clock = clock
        self._live: dict[int, _Progress] = {}

    def create_conversation(
        self,
        *,
        model: str,
        system_prompt: str | None = None,
        context_strategy: ContextStrategy = ContextStrategy.SLIDING,
    ) -> Conversation:
        """Start an empty conversation."""
        prompt = system_prompt.strip() if system_prompt else None
        return self._repo.create_conversation(
            model=model, system_prompt=prompt or None, context_strategy=context_strategy
        )

    def list_conversations(self) -> list[Conversation]:
        """Newest first."""
        return self._repo.list_conversations()

    def load(self, conversation_id: int) -> tuple[Conversation, list[Message]]:
        """A conversation and its messages, or ConversationNotFound."""
        conversation = self._repo.get_conversation(conversation_id=conversation_id)
        if conversation is None:
            raise ConversationNotFound(detail=f"conversation_id={conversation_id}")
        return conversation, self._repo.list_messages(conversation_id=conversation_id)

    def message(self, message_id: int) -> Message | None:
        """One stored message, or None."""
        return self._repo.get_message(message_id=message_id)

    def reply_text(self, message_id: int) -> str | None:
        """A reply's text right now: exact while it streams in this process, else as stored."""
        live = self._live.get(message_id)
        if live is not None:
            return live.text
        message = self._repo.get_message(message_id=message_id)
        return message.content if message is not None else None

    def set_model(self, conversation_id: int, model: str) -> None:
        """Use ``model`` for this conversation's next replies."""
        self._repo.update_conversation(conversation_id=conversation_id, model=model)

    def set_context_strategy(self, conversation_id: int, strategy: ContextStrategy) -> None:
        """Use ``strategy`` when this conversation outgrows its model's window."""
        self._repo.update_conversation(conversation_id=conversation_id, context_strategy=strategy)

    def context_preview(self, conversation_id: int) -> PreparedContext:
        """What the next request would keep of the stored history, and the window."""
        conversation = self._conversation(conversation_id)
        return self._context.preview(conversation)

    def context_window(self, model: str) -> Window:
        """The prompt window of ``model`` as the catalogue last described it."""
        return self._context.window_now(model)

    def precheck(self, conversation_id: int, model: str, text: str) -> str | None:
        """A warning when ``text`` will be cut to fit; ContextTooLarge when it cannot fit."""
        conversation = self._repo.get_conversation(conversation_id=conversation_id)
        window = self._context.window_now(conversation.model if conversation else model)
        tokens = self._context.counter.count_message("user", text, window.encoding)
        elided = self._context.check_message(
            window,
            system_prompt=conversation.system_prompt if conversation else None,
            tokens=tokens,
            has_history=bool(
                conversation and self._repo.has_messages(conversation_id=conversation_id)
            ),
        )
        return elision_notice(tokens, elided, window.tokens) if elided else None

    def conversation_cost(self, conversation_id: int) -> Decimal:
        """Exact spend of a conversation: replies and summaries."""
        return self._repo.conversation_cost(conversation_id=conversation_id)

    def is_streaming(self, conversation_id: int) -> bool:
        """True while a reply streams in this conversation (in this process)."""
        return self._turns.is_active(conversation_id)

    def stop(self, conversation_id: int) -> bool:
        """Cancel the reply streaming in this conversation; its partial text is kept."""
        return self._turns.stop(conversation_id)

    def validate(self, text: str) -> None:
        """Raise InvalidInput when ``text`` cannot be sent."""
        if not text.strip():
            raise InvalidInput("Type a message first: an empty message is not sent.")
        if len(text) > self._max_chars:
            raise InvalidInput(
                f"This message is {len(text):,} characters; the limit is {self._max_chars:,}. "
                "Shorten it or raise NEURAL_TERMINAL_MAX_MESSAGE_CHARS."
            )

    async def send(self, conversation_id: int, text: str) -> AsyncGenerator[ReplyEvent, None]:
        """Run one turn: store the user's words first, then stream and store the reply.

        Yields ReplyStarted, ReplyDelta..., ReplyFinished. Upstream and stream failures end
        in ReplyFinished with ``error`` set (never raised); invalid input raises before
        anything is stored. Closing the iterator early (Stop) stores the partial reply.
        """
        self.validate(text)
        conversation = self._conversation(conversation_id)
        has_history = self._repo.has_messages(conversation_id=conversation_id)
        # Counted once, here; every later context reads the stored count. The encoding follows
        # from the model id alone, so nothing here waits on the network.
        encoding = self._context.counter.scheme(conversation.model).encoding
        tokens = self._context.counter.count_message("user", text, encoding)
        self._turns.begin(conversation_id)
        try:
            user = self._repo.add_message(
                conversation_id=conversation_id,
                role="user",
                content=text,
                token_count=tokens,
                token_encoding=encoding,
            )
            if not has_history:
                self._repo.update_conversation(
                    conversation_id=conversation_id, title=_title_from(text)
                )
            reply = self._repo.add_message(
                conversation_id=conversation_id,
                role="assistant",
                content="",
                status=MessageStatus.STREAMING,
                model=conversation.model,
                parent_id=user.id,
            )
            assert reply.id is not None
            try:
                context = await self._context.prepare(conversation)
            except NeuralTerminalError as exc:
                # Too large even when cut (the UI's precheck normally says so before sending).
                logger.info("no context for conversation %s: %s", conversation_id, exc)
                yield ReplyStarted(user_message=user, assistant_message_id=reply.id)
                progress = _Progress(started=self._clock(), parts=[], encoding=encoding)
                finished = self._finish(reply.id, progress, MessageStatus.ERROR, exc.user_message)
                yield ReplyFinished(finished, exc)
                return
            yield ReplyStarted(user_message=user, assistant_message_id=reply.id, context=context)
            request = ChatRequest(model=conversation.model, messages=context.messages)
            async for event in self._stream_reply(
                conversation_id, reply.id, request, context.window.encoding
            ):
                yield event
        finally:
            self._turns.end(conversation_id)

    def _conversation(self, conversation_id: int) -> Conversation:
        conversation = self._repo.get_conversation(conversation_id=conversation_id)
        if conversation is None:
            raise ConversationNotFound(detail=f"conversation_id={conversation_id}")
        return conversation

    async def _stream_reply(
        self, conversation_id: int, message_id: int, request: ChatRequest, encoding: str
    ) -> AsyncIterator[ReplyEvent]:
        self._bus.publish(MessageStarted(conversation_id, message_id, request.model))
        progress = _Progress(started=self._clock(), parts=[], encoding=encoding)
        self._live[message_id] = progress
        try:
            async with self._upstream.stream_chat(request) as stream:
                progress.generation_id = stream.generation_id
                async for chunk in stream:
                    if isinstance(chunk, TextDelta):
                        self._take_delta(conversation_id, message_id, progress, chunk.text)
                        yield ReplyDelta(chunk.text)
                    else:
                        progress.report = chunk
                    # Without an X-Generation-Id header the id only arrives with the chunks.
                    progress.generation_id = stream.generation_id
        except NeuralTerminalError as exc:
            stream_failed = isinstance(exc, StreamError)
            status = MessageStatus.INTERRUPTED if stream_failed else _broken(progress)
            logger.info("reply %s ended: %s", message_id, exc)
            yield ReplyFinished(self._finish(message_id, progress, status, exc.user_message), exc)
            return
        except (asyncio.CancelledError, GeneratorExit):
            # Stop (task cancelled) or the consumer closed us: keep exactly what arrived.
            self._finish(message_id, progress, MessageStatus.INTERRUPTED, STOPPED_BY_USER)
            raise
        except Exception as exc:
            logger.exception("reply %s failed unexpectedly", message_id)
            error = NeuralTerminalError(UNEXPECTED, detail=repr(exc))
            message = self._finish(message_id, progress, _broken(progress), UNEXPECTED)
            yield ReplyFinished(message, error)
            return
        yield ReplyFinished(self._finish(message_id, progress, MessageStatus.COMPLETE, None))

    def _take_delta(
        self, conversation_id: int, message_id: int, progress: _Progress, text: str
    ) -> None:
        now = self._clock()
        if progress.first_token_at is None:
            progress.first_token_at = now
            progress.last_checkpoint = now
        progress.parts.append(text)
        self._bus.publish(TokensGenerated(conversation_id, message_id, text))
        if now - progress.last_checkpoint >= self._checkpoint_every_s:
            # A killed server loses at most about one checkpoint interval of text.
            self._repo.checkpoint(message_id=message_id, content=progress.text)
            progress.last_checkpoint = now

    def _finish(
        self, message_id: int, progress: _Progress, status: MessageStatus, error: str | None
    ) -> Message:
        self._live.pop(message_id, None)
        now = self._clock()
        usage = progress.report.usage if progress.report else Usage()
        reported = progress.report is not None
        first = progress.first_token_at
        message = self._repo.finish_message(
            message_id=message_id,
            content=progress.text,
            status=status,
            error=error,
            generation_id=progress.generation_id,
            prompt_tokens=usage.prompt_tokens if reported else None,
            completion_tokens=usage.completion_tokens if reported else None,
            reasoning_tokens=usage.reasoning_tokens if reported else None,
            cached_tokens=usage.cached_tokens if reported else None,
            cost_usd=usage.cost,
            first_token_ms=_ms(first - progress.started) if first is not None else None,
            total_ms=_ms(now - progress.started),
            token_count=self._context.counter.count_message(
                "assistant", progress.text, progress.encoding
            ),
            token_encoding=progress.encoding,
        )
        self._bus.publish(
            MessageCompleted(
                message.conversation_id,
                message_id,
                message.status,
                message.prompt_tokens,
                message.completion_tokens,
                message.cost_usd,
            )
        )
        return message


def _broken(progress: _Progress) -> MessageStatus:
    """A reply that failed part-way is interrupted (it can be continued); before text, error."""
    return MessageStatus.INTERRUPTED if progress.parts else MessageStatus.ERROR


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


def _title_from(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= TITLE_CHARS else line[: TITLE_CHARS - 1] + "…"


def elision_notice(tokens: int, elided: int, window: int) -> str:
    """What the user reads when their message is cut to fit the window."""
    return (
        f"This message is {tokens:,} tokens and the model's window holds {window:,}: "
        f"about {elided:,} tokens from its middle are left out (marked in what the model "
        "reads). Your full text is kept."
    )


async def collect(events: AsyncIterable[ReplyEvent]) -> list[ReplyEvent]:
    """Drain a turn (for scripts and tests)."""
    return [event async for event in events]
