"""The chat service: conversations, and one turn from the user's words to a stored reply."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterable, Callable
from decimal import Decimal

from neural_terminal.chat.bus import EventBus
from neural_terminal.chat.context.builder import ContextBuilder, PreparedContext
from neural_terminal.chat.context.window import Window
from neural_terminal.chat.spend.estimate import CostEstimator
from neural_terminal.chat.spend.reply_accounting import Carried
from neural_terminal.chat.spend.spending import Preflight, Spending
from neural_terminal.chat.spend.watch import SpendWatch
from neural_terminal.chat.turns.active import ActiveTurns
from neural_terminal.chat.turns.prompt import context_of, continuation_prompt, prompt_for
from neural_terminal.chat.turns.replies import ReplyEvent, ReplyFinished, ReplyStarted
from neural_terminal.chat.turns.streaming import (
    STOPPED_BY_USER,
    UNEXPECTED,
    ReplyStreamer,
    Resilience,
)
from neural_terminal.chat.turns.upstream import ChatStreamLike, ChatUpstream
from neural_terminal.domain.chat import ChatRequest
from neural_terminal.domain.errors import ConversationNotFound, InvalidInput, NeuralTerminalError
from neural_terminal.store.repository import ChatRepository
from neural_terminal.store.tables import ContextStrategy, Conversation, Message, MessageStatus
from neural_terminal.upstream.breaker import BreakerStatus

logger = logging.getLogger(__name__)

TITLE_CHARS = 60
# Re-exported: callers and tests name them from here.
__all__ = [
    "STOPPED_BY_USER",
    "UNEXPECTED",
    "ChatOrchestrator",
    "ChatStreamLike",
    "ChatUpstream",
    "collect",
]


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
        estimator: CostEstimator | None = None,
        spending: Spending | None = None,
        resilience: Resilience | None = None,
        checkpoint_every_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._repo = repository
        self._turns = turns
        self._context = context
        self._max_chars = max_message_chars
        self._spending = spending
        self._resilience = resilience or Resilience()
        self._streamer = ReplyStreamer(
            repository=repository,
            upstream=upstream,
            bus=bus,
            counter=context.counter,
            estimator=estimator or CostEstimator(lambda _model: None),
            resilience=self._resilience,
            checkpoint_every_s=checkpoint_every_s,
            clock=clock,
        )

    def create_conversation(
        self,
        *,
        model: str,
        system_prompt: str | None = None,
        context_strategy: ContextStrategy = ContextStrategy.SLIDING,
        owner_id: int | None = None,
    ) -> Conversation:
        """Start an empty conversation (hosted mode: ``owner_id``'s)."""
        prompt = system_prompt.strip() if system_prompt else None
        return self._repo.create_conversation(
            model=model,
            system_prompt=prompt or None,
            context_strategy=context_strategy,
            owner_id=owner_id,
        )

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
        live = self._streamer.live_text(message_id)
        if live is not None:
            return live
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

    def preflight(self, conversation_id: int, model: str, text: str) -> Preflight | None:
        """What sending ``text`` now would cost, about (None when budgets are not wired)."""
        if self._spending is None:
            return None
        conversation = self._repo.get_conversation(conversation_id=conversation_id)
        return self._spending.preflight(conversation, model, text)

    def check_budget(self, conversation_id: int, model: str, text: str) -> Preflight | None:
        """Raise OverBudget when sending ``text`` now would break a limit; else the estimate."""
        estimate = self.preflight(conversation_id, model, text)
        if self._spending is not None and estimate is not None:
            self._spending.check(conversation_id or None, estimate)
        return estimate

    def _watch(
        self,
        conversation_id: int,
        estimate: Preflight | None,
        *,
        carried: Decimal | None = None,
    ) -> SpendWatch | None:
        """Reserve the estimate under the budget lock; OverBudget (nothing stored) if refused."""
        if self._spending is None or estimate is None:
            return None
        return self._spending.open_watch(conversation_id, estimate, carried=carried)

    def conversation_cost(self, conversation_id: int) -> Decimal:
        """Exact spend of a conversation: replies and summaries."""
        return self._repo.conversation_cost(conversation_id=conversation_id)

    def is_streaming(self, conversation_id: int) -> bool:
        """True while a reply streams in this conversation (in this process)."""
        return self._turns.is_active(conversation_id)

    def streams_in_flight(self) -> int:
        """How many replies stream in this process right now (for pacing browser updates)."""
        return self._turns.count()

    def stop(self, conversation_id: int) -> bool:
        """Cancel the reply streaming in this conversation; its partial text is kept."""
        return self._turns.stop(conversation_id)

    def upstream_status(self) -> BreakerStatus:
        """The circuit breaker's state for the upstream, for display."""
        return self._resilience.breaker.status()

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
        if self._turns.is_active(conversation_id):
            self._turns.begin(conversation_id)  # refuses, before any money is set aside
        # Checked and reserved under the budget lock before anything is stored or sent.
        estimate = self.preflight(conversation_id, conversation.model, text)
        watch = self._watch(conversation_id, estimate)
        try:
            async with contextlib.aclosing(self._send(conversation, text, watch)) as events:
                async for event in events:
                    yield event
        finally:
            if watch is not None:
                watch.release()  # idempotent: the streamer released it when it stored the cost

    async def _send(
        self, conversation: Conversation, text: str, watch: SpendWatch | None
    ) -> AsyncGenerator[ReplyEvent, None]:
        conversation_id = conversation.id or 0
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
                failed = self._repo.finish_message(
                    message_id=reply.id,
                    content="",
                    status=MessageStatus.ERROR,
                    error=exc.user_message,
                )
                yield ReplyFinished(failed, exc)
                return
            yield ReplyStarted(user_message=user, assistant_message_id=reply.id, context=context)
            request = ChatRequest(model=conversation.model, messages=context.messages)
            stream = self._streamer.stream(
                conversation_id, reply.id, request, encoding=context.window.encoding, watch=watch
            )
            async for event in stream:
                yield event
        finally:
            self._turns.end(conversation_id)

    def _conversation(self, conversation_id: int) -> Conversation:
        conversation = self._repo.get_conversation(conversation_id=conversation_id)
        if conversation is None:
            raise ConversationNotFound(detail=f"conversation_id={conversation_id}")
        return conversation

    async def retry_reply(self, message_id: int) -> AsyncGenerator[ReplyEvent, None]:
        """Answer the same context again in a new reply beside the failed one.

        The failed reply stays (it was shown and possibly billed); the new one shares its
        parent, and only the newest reply to a message is sent upstream from then on.
        """
        failed, conversation, messages = self._last_reply(message_id, retry=True)
        conversation_id = failed.conversation_id
        request = ChatRequest(
            model=conversation.model,
            messages=prompt_for(conversation, context_of(messages, failed)),
        )
        watch = self._watch(conversation_id, self._estimate_of(request))
        self._turns.begin(conversation_id)
        try:
            reply = self._repo.add_message(
                conversation_id=conversation_id,
                role="assistant",
                content="",
                status=MessageStatus.STREAMING,
                model=conversation.model,
                parent_id=failed.parent_id,
            )
            assert reply.id is not None
            yield ReplyStarted(user_message=None, assistant_message_id=reply.id)
            encoding = self._context.counter.scheme(conversation.model).encoding
            stream = self._streamer.stream(
                conversation_id, reply.id, request, encoding=encoding, watch=watch
            )
            async for event in stream:
                yield event
        finally:
            self._turns.end(conversation_id)
            if watch is not None:
                watch.release()

    async def continue_reply(self, message_id: int) -> AsyncGenerator[ReplyEvent, None]:
        """Ask the model to carry on from an interrupted reply, joined into the same message."""
        partial, conversation, messages = self._last_reply(message_id, retry=False)
        conversation_id = partial.conversation_id
        prompt = continuation_prompt(conversation, context_of(messages, partial), partial.content)
        request = ChatRequest(model=conversation.model, messages=prompt)
        # Reserved before the reply is reopened: its cost so far stays counted while it streams.
        watch = self._watch(conversation_id, self._estimate_of(request), carried=partial.cost_usd)
        self._turns.begin(conversation_id)
        try:
            reopened = self._repo.reopen(message_id=message_id)
            yield ReplyStarted(
                user_message=None, assistant_message_id=message_id, resumed_text=reopened.content
            )
            carried = Carried.of(reopened)
            encoding = self._context.counter.scheme(conversation.model).encoding
            stream = self._streamer.stream(
                conversation_id, message_id, request, carried, encoding=encoding, watch=watch
            )
            async for event in stream:
                yield event
        finally:
            self._turns.end(conversation_id)
            if watch is not None:
                watch.release()

    def _estimate_of(self, request: ChatRequest) -> Preflight | None:
        if self._spending is None:
            return None
        return self._spending.preflight_of(request.model, request.messages)

    def _last_reply(
        self, message_id: int, *, retry: bool
    ) -> tuple[Message, Conversation, list[Message]]:
        """The reply to continue or retry, checked: the newest message, and not complete."""
        message = self._repo.get_message(message_id=message_id)
        if message is None or message.role != "assistant":
            raise InvalidInput("That reply no longer exists.", detail=f"message_id={message_id}")
        conversation, messages = self.load(message.conversation_id)
        if messages[-1].id != message.id:
            raise InvalidInput(
                "Only the latest reply can be continued or retried; later messages build on it."
            )
        if self._turns.is_active(message.conversation_id):
            raise InvalidInput(
                "A reply is still streaming in this conversation. Wait for it or press Stop."
            )
        wanted = (
            (MessageStatus.INTERRUPTED, MessageStatus.ERROR)
            if retry
            else (MessageStatus.INTERRUPTED,)
        )
        if message.status not in wanted or (not retry and not message.content):
            action = "retried" if retry else "continued"
            raise InvalidInput(f"This reply is {message.status}; it cannot be {action}.")
        return message, conversation, messages


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
