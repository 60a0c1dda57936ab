"""Streaming one reply into its stored row: retries before the first token, checkpoints, and
the final (or partial) text with its usage, cost and timings.

    attempt ──ok──> deltas ──> [DONE]                      complete, reported cost
       │              └── fails after text ──────────>     interrupted, estimated cost
       └── fails before text ── retryable, in budget ──>   ReplyRetrying, wait, attempt again
                              └── otherwise ──────────>    error (or interrupted if continued)

The circuit breaker hears every attempt's outcome and may refuse the next one at once.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal

from neural_terminal.chat.bus import EventBus
from neural_terminal.chat.spend.budget import BudgetStatus
from neural_terminal.chat.spend.estimate import CostEstimator
from neural_terminal.chat.spend.live_cost import LiveCost
from neural_terminal.chat.spend.reply_accounting import Accounts, Carried, account, plus
from neural_terminal.chat.spend.watch import SpendWatch
from neural_terminal.chat.turns.active import SHUTTING_DOWN
from neural_terminal.chat.turns.checkpoints import CheckpointWriter, Due
from neural_terminal.chat.turns.replies import ReplyDelta, ReplyEvent, ReplyFinished, ReplyRetrying
from neural_terminal.chat.turns.upstream import ChatUpstream
from neural_terminal.domain.chat import ChatRequest, TextDelta, UsageReport
from neural_terminal.domain.conversations import Checkpoint, MessageStatus, StoredMessage
from neural_terminal.domain.errors import NeuralTerminalError
from neural_terminal.domain.events import MessageCompleted, MessageStarted, TokensGenerated
from neural_terminal.store.conversations.repository import ChatRepository
from neural_terminal.tokens.counter import TokenCounter
from neural_terminal.upstream.resilience.breaker import CircuitBreaker
from neural_terminal.upstream.resilience.retry import RetryPolicy, is_upstream_failure, retry_reason
from neural_terminal.workers.live_text import LiveTextMirror, NoMirror

logger = logging.getLogger(__name__)

STOPPED_BY_USER = "Stopped by you; the text received so far is kept."
# How long a reply's final write keeps trying while the database is away (a restart).
FINAL_WRITE_BUDGET_S = 60.0
UNEXPECTED = "Unexpected error while streaming; the text received so far is kept."

Sleep = Callable[[float], Awaitable[None]]


@dataclass
class _Progress:
    """The reply as it accumulates during one run (all attempts)."""

    started: float
    carried: Carried
    parts: list[str] = field(default_factory=list)
    first_token_at: float | None = None
    report: UsageReport | None = None
    generation_id: str | None = None
    checkpointed_parts: int = 0  # how many parts the last checkpoint held
    encoding: str | None = None
    live: LiveCost | None = None
    watch: SpendWatch | None = None
    budget: BudgetStatus | None = None  # the budget once the reply's cost is stored

    @property
    def new_text(self) -> str:
        return "".join(self.parts)

    @property
    def text(self) -> str:
        return self.carried.text + self.new_text

    def checkpoint(self, message_id: int) -> Due | None:
        """The text so far with its live estimate, when it grew since the last checkpoint."""
        if len(self.parts) == self.checkpointed_parts:
            return None
        self.checkpointed_parts = len(self.parts)
        live, carried, total = self.live, self.carried, self.live_total
        if live is None:  # unpriced: the text alone (the final write counts its tokens)
            return Due(Checkpoint(message_id, self.text), self.watch, None)
        checkpoint = Checkpoint(
            message_id,
            self.text,
            plus(carried.prompt_tokens, live.prompt_tokens),
            plus(carried.completion_tokens, live.completion_tokens),
            total,
        )
        return Due(checkpoint, self.watch, total)

    @property
    def live_total(self) -> Decimal | None:
        """Carried cost plus this run's live estimate (None when the model is unpriced)."""
        if self.live is None:
            return None
        return (self.carried.cost_usd or Decimal(0)) + self.live.cost


@dataclass(frozen=True)
class Resilience:
    """How hard to try: the retry policy, the breaker, and injectable time and chance."""

    policy: RetryPolicy = field(default_factory=RetryPolicy)
    breaker: CircuitBreaker = field(default_factory=CircuitBreaker)
    sleep: Sleep = asyncio.sleep
    random: Callable[[], float] = random.random


class ReplyStreamer:
    """Runs the attempts of one reply and keeps its row up to date."""

    def __init__(
        self,
        *,
        repository: ChatRepository,
        upstream: ChatUpstream,
        bus: EventBus,
        estimator: CostEstimator,
        resilience: Resilience,
        counter: TokenCounter | None = None,
        checkpoint_every_s: float = 1.0,
        checkpoints: CheckpointWriter | None = None,
        mirror: LiveTextMirror | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._repo = repository
        self._upstream = upstream
        self._bus = bus
        self._counter = counter
        # Replies streaming in this process, so a page that missed text can get it exactly.
        self._live: dict[int, _Progress] = {}
        # ... and for pages served by other workers (neural_terminal/workers/live_text.py).
        self.mirror: LiveTextMirror = mirror or NoMirror()
        self._estimator = estimator
        self._resilience = resilience
        self._checkpoints = checkpoints or CheckpointWriter(
            repository, interval_s=checkpoint_every_s
        )
        self._clock = clock

    def live_text(self, message_id: int) -> str | None:
        """The exact text so far of a reply streaming in this process, else None."""
        progress = self._live.get(message_id)
        return progress.text if progress is not None else None

    async def stream(
        self,
        conversation_id: int,
        message_id: int,
        request: ChatRequest,
        carried: Carried | None = None,
        *,
        encoding: str | None = None,
        watch: SpendWatch | None = None,
    ) -> AsyncGenerator[ReplyEvent, None]:
        """Yield ReplyRetrying and ReplyDelta events, then one ReplyFinished; never raises
        a NeuralTerminalError. Closing early (Stop) stores the partial reply. ``encoding``
        names how the finished reply's tokens are counted for later context windows."""
        self._bus.publish(MessageStarted(conversation_id, message_id, request.model))
        progress = _Progress(
            started=self._clock(),
            carried=carried or Carried(),
            encoding=encoding,
            live=LiveCost.start(self._estimator, request.model, request.messages),
            watch=watch,
        )
        self._live[message_id] = progress
        if progress.carried.text:
            self.mirror.append(message_id, progress.carried.text)
        self._checkpoints.add(message_id, lambda: progress.checkpoint(message_id))
        policy = self._resilience.policy
        attempt = 0
        try:
            while True:
                attempt += 1
                try:
                    async for delta in self._attempt(
                        conversation_id, message_id, request, progress
                    ):
                        yield delta
                    break
                except NeuralTerminalError as exc:
                    wait = None
                    if not progress.parts:  # nothing shown yet: trying again repeats nothing
                        wait = policy.wait_before_next(
                            exc,
                            attempt=attempt,
                            elapsed_s=self._clock() - progress.started,
                            random=self._resilience.random,
                        )
                    if wait is None:
                        if attempt > 1:
                            exc.user_message += f" (Gave up after {attempt} attempts.)"
                        raise
                    logger.info(
                        "reply %s attempt %d failed, retrying: %s", message_id, attempt, exc
                    )
                    yield ReplyRetrying(attempt + 1, policy.attempts, wait, retry_reason(exc))
                    await self._resilience.sleep(wait)
        except NeuralTerminalError as exc:
            logger.info("reply %s ended: %s", message_id, exc)
            status = _broken(progress)
            stored = await self._finish(message_id, request, progress, status, exc.user_message)
            yield ReplyFinished(stored, exc, progress.budget)
            return
        except (asyncio.CancelledError, GeneratorExit) as exc:
            # Stop (task cancelled) or the consumer closed us: keep exactly what arrived.
            reason = SHUTTING_DOWN if SHUTTING_DOWN in exc.args else STOPPED_BY_USER
            await self._finish(message_id, request, progress, MessageStatus.INTERRUPTED, reason)
            raise
        except Exception as exc:
            logger.exception("reply %s failed unexpectedly", message_id)
            error = NeuralTerminalError(UNEXPECTED, detail=repr(exc))
            stored = await self._finish(
                message_id, request, progress, _broken(progress), UNEXPECTED
            )
            yield ReplyFinished(stored, error, progress.budget)
            return
        stored = await self._finish(message_id, request, progress, MessageStatus.COMPLETE, None)
        yield ReplyFinished(stored, budget=progress.budget)

    async def _attempt(
        self, conversation_id: int, message_id: int, request: ChatRequest, progress: _Progress
    ) -> AsyncIterator[ReplyDelta]:
        """One request upstream; the breaker hears how it went, once, when it ends: a stream
        that answers and then breaks is a failure, so its first chunk must not end the streak."""
        breaker = self._resilience.breaker
        breaker.before_request()  # raises CircuitOpen while the upstream is considered down
        progress.report = None
        try:
            async with self._upstream.stream_chat(request) as stream:
                progress.generation_id = stream.generation_id
                async for chunk in stream:
                    if isinstance(chunk, TextDelta):
                        live = self._take_delta(conversation_id, message_id, progress, chunk.text)
                        yield ReplyDelta(chunk.text, live)
                    else:
                        progress.report = chunk
                    # Without an X-Generation-Id header the id only arrives with the chunks.
                    progress.generation_id = stream.generation_id
        except NeuralTerminalError as exc:
            if is_upstream_failure(exc):
                breaker.record_failure()
            else:
                breaker.record_success()  # a refusal (bad key, no credits) proves it is up
            raise
        except BaseException:
            breaker.release()
            raise
        breaker.record_success()

    def _take_delta(
        self, conversation_id: int, message_id: int, progress: _Progress, text: str
    ) -> Decimal | None:
        """Take one delta; returns the reply's live cost estimate after it."""
        if progress.first_token_at is None:
            progress.first_token_at = self._clock()
        progress.parts.append(text)
        self.mirror.append(message_id, text)
        self._bus.publish(TokensGenerated(conversation_id, message_id, text))
        live = progress.live
        if live is None:
            return None
        live.add(text)
        total = progress.live_total
        if progress.watch is not None:
            # Every delta, not every UI batch: the overshoot is at most this delta's tokens.
            progress.watch.check(total)
        return total

    def _accounting(self, request: ChatRequest, progress: _Progress) -> Accounts:
        """Tokens in and out, and the cost with its provenance: carried plus this run."""
        return account(
            self._estimator, request, progress.carried, progress.new_text, progress.report
        )

    async def _finish(
        self,
        message_id: int,
        request: ChatRequest,
        progress: _Progress,
        status: MessageStatus,
        error: str | None,
    ) -> StoredMessage:
        self._live.pop(message_id, None)
        self._checkpoints.remove(message_id)
        now = self._clock()
        carried = progress.carried
        accounts = self._accounting(request, progress)
        token_count = (
            self._counter.count_message("assistant", progress.text, progress.encoding)
            if self._counter is not None and progress.encoding is not None
            else None
        )
        first = progress.first_token_at
        first_ms = _ms(first - progress.started) if first is not None else None
        message = await self._final_write(
            message_id,
            lambda: self._repo.finish_message(
                message_id=message_id,
                content=progress.text,
                status=status,
                error=error,
                generation_id=progress.generation_id,
                prompt_tokens=accounts.prompt_tokens,
                completion_tokens=accounts.completion_tokens,
                reasoning_tokens=_reported(progress, "reasoning_tokens"),
                cached_tokens=_reported(progress, "cached_tokens"),
                cost_usd=accounts.cost_usd,
                cost_is_estimate=accounts.is_estimate,
                computed_cost_usd=accounts.computed_usd,
                cost_source=accounts.source,
                estimate_usd=accounts.estimate_usd,
                drift_usd=accounts.drift_usd,
                first_token_ms=carried.first_token_ms if carried.text else first_ms,
                total_ms=plus(carried.total_ms, _ms(now - progress.started)),
                token_count=token_count,
                token_encoding=progress.encoding if token_count is not None else None,
            ),
        )
        self.mirror.finish(message_id)  # the database holds the whole text now
        if progress.watch is not None:
            # After the cost is stored: never a moment uncounted.
            progress.budget = progress.watch.release()
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

    async def _final_write(
        self, message_id: int, write: Callable[[], StoredMessage]
    ) -> StoredMessage:
        """Store the reply for good: at once, as always; if the database is away (restarting),
        again after a pause, until FINAL_WRITE_BUDGET_S has passed (the text is in memory)."""
        waited = 0.0
        pause = 0.5
        while True:
            try:
                return write()
            except Exception:
                if waited >= FINAL_WRITE_BUDGET_S:
                    raise
                logger.warning(
                    "reply %s not stored yet, trying again in %.1f s",
                    message_id,
                    pause,
                    exc_info=True,
                )
                await self._resilience.sleep(pause)
                waited += pause
                pause = min(pause * 2, 4.0)


def _reported(progress: _Progress, name: str) -> int | None:
    return getattr(progress.report.usage, name) if progress.report else None


def _broken(progress: _Progress) -> MessageStatus:
    """A reply that failed part-way is interrupted (it can be continued); before text, error."""
    return MessageStatus.INTERRUPTED if progress.text else MessageStatus.ERROR


def _ms(seconds: float) -> int:
    return round(seconds * 1000)
