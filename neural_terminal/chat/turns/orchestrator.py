"""The chat service: conversations, their trees, and turns from the user's words to a reply.

Every turn (send, edit, regenerate, retry, continue) starts through one TurnService call and
comes back as a Turn to iterate; the names below only build the request.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterable, Callable, Collection
from decimal import Decimal

from neural_terminal.chat.bus import EventBus
from neural_terminal.chat.context.builder import ContextBuilder, PreparedContext
from neural_terminal.chat.context.window import Window
from neural_terminal.chat.conversations import ConversationTrees
from neural_terminal.chat.spend.estimate import CostEstimator
from neural_terminal.chat.spend.send_limits import SendLimits
from neural_terminal.chat.spend.spending import Preflight, Spending
from neural_terminal.chat.turns.active import ActiveTurns
from neural_terminal.chat.turns.checkpoints import CheckpointWriter
from neural_terminal.chat.turns.replies import ReplyEvent
from neural_terminal.chat.turns.service import TurnPreview, TurnService
from neural_terminal.chat.turns.streaming import (
    STOPPED_BY_USER,
    UNEXPECTED,
    ReplyStreamer,
    Resilience,
)
from neural_terminal.chat.turns.turn import Turn, TurnKind, TurnRequest
from neural_terminal.chat.turns.upstream import ChatStreamLike, ChatUpstream
from neural_terminal.domain.conversations import (
    EVERY_ROW,
    BranchView,
    ContextStrategy,
    ConversationInfo,
    PathRows,
    StoredMessage,
)
from neural_terminal.domain.errors import ConversationNotFound, InvalidInput
from neural_terminal.domain.viewer import Viewer
from neural_terminal.store.conversations.repository import ChatRepository
from neural_terminal.upstream.resilience.breaker import BreakerStatus
from neural_terminal.workers.live_text import LiveTextMirror

FORK_SUFFIX = " (fork)"
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
    """Creates, shows and forks conversations and starts turns in them."""

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
        send_limits: SendLimits | None = None,
        resilience: Resilience | None = None,
        checkpoint_every_s: float = 1.0,
        checkpoints: CheckpointWriter | None = None,
        mirror: LiveTextMirror | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._repo = repository
        self._turns = turns
        self._context = context
        self._trees = ConversationTrees(repository)
        self._resilience = resilience or Resilience()
        self._streamer = ReplyStreamer(
            repository=repository,
            upstream=upstream,
            bus=bus,
            counter=context.counter,
            estimator=estimator or CostEstimator(lambda _model: None, context.counter),
            resilience=self._resilience,
            checkpoint_every_s=checkpoint_every_s,
            checkpoints=checkpoints,
            mirror=mirror,
            clock=clock,
        )
        self.turns = TurnService(
            repository=repository,
            turns=turns,
            context=context,
            streamer=self._streamer,
            max_message_chars=max_message_chars,
            spending=spending,
            send_limits=send_limits,
        )

    # -- turns ------------------------------------------------------------------------------

    def start(self, request: TurnRequest) -> Turn:
        """Start any kind of turn (see TurnService.start)."""
        return self.turns.start(request)

    def send(self, conversation_id: int, text: str) -> Turn:
        """New text under the conversation's active leaf."""
        return self.turns.start(TurnRequest.send(conversation_id, text))

    def edit(self, message_id: int, text: str) -> Turn:
        """New text beside user message ``message_id``: a new branch."""
        return self.turns.start(TurnRequest.on(TurnKind.EDIT, message_id, text))

    def regenerate(self, message_id: int) -> Turn:
        """A new reply beside reply ``message_id``."""
        return self.turns.start(TurnRequest.on(TurnKind.REGENERATE, message_id))

    def retry_reply(self, message_id: int) -> Turn:
        """A new reply beside one that failed or broke off."""
        return self.turns.start(TurnRequest.on(TurnKind.RETRY, message_id))

    def continue_reply(self, message_id: int) -> Turn:
        """Carry on an interrupted reply in the same message."""
        return self.turns.start(TurnRequest.on(TurnKind.CONTINUE, message_id))

    def validate(self, text: str) -> None:
        """Raise InvalidInput when ``text`` cannot be sent."""
        self.turns.validate(text)

    def preview(self, request: TurnRequest) -> TurnPreview:
        """What starting ``request`` now would cost, and what would refuse or cut it."""
        return self.turns.preview(request)

    def preflight(self, conversation_id: int, model: str, text: str) -> Preflight | None:
        """What sending ``text`` now would cost, about (None when budgets are not wired)."""
        request = TurnRequest.send(conversation_id or None, text, model=model)
        return self.turns.preview(request).estimate

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

    async def reply_text(self, message_id: int) -> str | None:
        """A reply's text right now: exact while it streams in this process or another
        worker mirrors it, else as stored (its last checkpoint while it streams)."""
        live = self._streamer.live_text(message_id)
        if live is None:
            live = await self._streamer.mirror.text(message_id)
        if live is not None:
            return live
        message = await asyncio.to_thread(self._repo.get_message, message_id=message_id)
        return message.content if message is not None else None

    def stop_here(self, conversation_id: int) -> bool:
        """Stop the reply if this worker streams it (Stop sent by another worker)."""
        return self._turns.stop_here(conversation_id)

    async def drain(self, grace_s: float) -> int:
        """A stopping worker: no new turns, replies in flight get ``grace_s`` to finish, the
        rest are stored as they are (Continue completes them); how many were cut."""
        return await self._turns.drain(grace_s)

    # -- conversations ----------------------------------------------------------------------

    def create_conversation(
        self,
        *,
        model: str,
        system_prompt: str | None = None,
        context_strategy: ContextStrategy = ContextStrategy.SLIDING,
        owner_id: int | None = None,
    ) -> ConversationInfo:
        """Start an empty conversation (hosted mode: ``owner_id``'s)."""
        prompt = system_prompt.strip() if system_prompt else None
        return self._repo.create_conversation(
            model=model,
            system_prompt=prompt or None,
            context_strategy=context_strategy,
            owner_id=owner_id,
        )

    def load(self, conversation_id: int) -> tuple[ConversationInfo, list[StoredMessage]]:
        """A conversation and the messages of its active path, or ConversationNotFound."""
        conversation = self._conversation(conversation_id)
        return conversation, list(self._trees.view(conversation).messages)

    def branch(
        self, conversation_id: int, *, known: Collection[int] = (), rows: PathRows = EVERY_ROW
    ) -> BranchView:
        """The active path, the alternatives along it, the outline and the costs."""
        return self._trees.view(self._conversation(conversation_id), known=known, rows=rows)

    def switch(
        self,
        conversation_id: int,
        message_id: int,
        *,
        known: Collection[int] = (),
        rows: PathRows = EVERY_ROW,
    ) -> BranchView:
        """Show (and keep showing) the branch through ``message_id``."""
        conversation = self._conversation(conversation_id)
        return self._trees.switch(conversation, message_id, known=known, rows=rows)

    def fork(self, message_id: int, *, viewer: Viewer | None = None) -> ConversationInfo:
        """A new conversation holding a copy of the path down to ``message_id``.

        A copy, not references: every conversation stays a self-contained tree (ownership,
        export, delete and costs never reach into another one); copies carry no cost, so
        nothing is counted twice.
        """
        message = self._repo.get_message(message_id=message_id)
        if message is None:
            raise ConversationNotFound("That message does not exist.")
        conversation = self._conversation(message.conversation_id)
        if viewer is not None and not viewer.owns(conversation.owner_id):
            raise ConversationNotFound("That message does not exist.")
        if self._turns.is_active(conversation.id) and message.status == "streaming":
            raise InvalidInput("This reply is still streaming; fork it once it ends.")
        title = conversation.title[: 200 - len(FORK_SUFFIX)] + FORK_SUFFIX
        return self._repo.fork(
            source=self._repo.path(leaf_id=message_id),
            title=title,
            owner_id=conversation.owner_id,
        )

    def message(self, message_id: int) -> StoredMessage | None:
        """One stored message, or None."""
        return self._repo.get_message(message_id=message_id)

    def set_model(self, conversation_id: int, model: str) -> None:
        """Use ``model`` for this conversation's next replies."""
        self._repo.update_conversation(conversation_id=conversation_id, model=model)

    def set_context_strategy(self, conversation_id: int, strategy: ContextStrategy) -> None:
        """Use ``strategy`` when this conversation outgrows its model's window."""
        self._repo.update_conversation(conversation_id=conversation_id, context_strategy=strategy)

    def context_preview(self, conversation_id: int) -> PreparedContext:
        """What the next request on the active path would keep of it, and the window."""
        return self._context.preview(self._conversation(conversation_id))

    def context_window(self, model: str) -> Window:
        """The prompt window of ``model`` as the catalogue last described it."""
        return self._context.window_now(model)

    def conversation_cost(self, conversation_id: int) -> Decimal:
        """Exact spend of a conversation, every branch: replies and summaries."""
        return self._repo.conversation_cost(conversation_id=conversation_id)

    def _conversation(self, conversation_id: int) -> ConversationInfo:
        conversation = self._repo.get_conversation(conversation_id=conversation_id)
        if conversation is None:
            raise ConversationNotFound(detail=f"conversation_id={conversation_id}")
        return conversation


async def collect(events: AsyncIterable[ReplyEvent]) -> list[ReplyEvent]:
    """Drain a turn (for scripts and tests)."""
    return [event async for event in events]
