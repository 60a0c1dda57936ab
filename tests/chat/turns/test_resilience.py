"""Retries, the circuit breaker, estimates, checkpoints, Continue and Retry in the orchestrator."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from neural_terminal.chat.bus import EventBus
from neural_terminal.chat.context.builder import ContextBuilder
from neural_terminal.chat.spend.estimate import CostEstimator
from neural_terminal.chat.turns.active import ActiveTurns
from neural_terminal.chat.turns.checkpoints import CheckpointWriter
from neural_terminal.chat.turns.orchestrator import STOPPED_BY_USER, ChatOrchestrator, collect
from neural_terminal.chat.turns.prompt import CONTINUE_INSTRUCTION
from neural_terminal.chat.turns.replies import (
    ReplyDelta,
    ReplyFinished,
    ReplyRetrying,
    ReplyStarted,
)
from neural_terminal.chat.turns.streaming import Resilience
from neural_terminal.domain.chat import TextDelta, Usage, UsageReport
from neural_terminal.domain.conversations import Checkpoint
from neural_terminal.domain.errors import (
    BadRequest,
    CircuitOpen,
    ConversationNotFound,
    InsufficientCredits,
    InvalidApiKey,
    InvalidInput,
    Moderated,
    NeuralTerminalError,
    ProviderUnavailable,
    RateLimited,
    StreamInterrupted,
    UpstreamTimeout,
    UpstreamUnreachable,
)
from neural_terminal.domain.models import ModelPricing
from neural_terminal.store.conversations.repository import ChatRepository
from neural_terminal.store.engine import make_engine
from neural_terminal.upstream.resilience.breaker import BreakerState, CircuitBreaker
from neural_terminal.upstream.resilience.retry import RetryPolicy
from tests.fakes import FakeUpstream, Intervals, ScriptedReply, Ticker, inline_checkpoints
from tests.token_counts import count_prompt_tokens, count_tokens

PRICING = ModelPricing(prompt=Decimal("0.000001"), completion=Decimal("0.000002"))


class Sleeps:
    """An injected sleep: records every wait and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(0)


class SpyRepository(ChatRepository):
    """The real repository, remembering every checkpoint it wrote."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.checkpoints: list[tuple[str, Decimal | None]] = []

    def checkpoint_many(self, checkpoints: Sequence[Checkpoint]) -> None:
        self.checkpoints.extend((c.content, c.cost_usd) for c in checkpoints)
        super().checkpoint_many(checkpoints)


@pytest.fixture
def repo(sqlite_url: str) -> SpyRepository:
    return SpyRepository(make_engine(sqlite_url))


@pytest.fixture
def upstream() -> FakeUpstream:
    return FakeUpstream()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def breaker_clock() -> list[float]:
    return [0.0]


@pytest.fixture
def breaker(breaker_clock: list[float]) -> CircuitBreaker:
    return CircuitBreaker(failure_threshold=3, cooldown_s=30.0, clock=lambda: breaker_clock[0])


def _chat(
    repo: ChatRepository,
    upstream: FakeUpstream,
    sleeps: Sleeps,
    breaker: CircuitBreaker,
    context: ContextBuilder,
    *,
    attempts: int = 3,
    budget_s: float = 60.0,
    step: float = 0.1,
    checkpoints: CheckpointWriter | None = None,
) -> ChatOrchestrator:
    return ChatOrchestrator(
        repository=repo,
        upstream=upstream,
        bus=EventBus(),
        turns=ActiveTurns(),
        context=context,
        max_message_chars=200_000,
        estimator=CostEstimator(lambda model: PRICING if model == "priced" else None),
        resilience=Resilience(
            policy=RetryPolicy(attempts=attempts, base_s=1.0, max_wait_s=8.0, budget_s=budget_s),
            breaker=breaker,
            sleep=sleeps,
            random=lambda: 0.5,
        ),
        clock=Ticker(step),
        checkpoints=checkpoints,
    )


@pytest.fixture
def chat(
    repo: SpyRepository,
    upstream: FakeUpstream,
    sleeps: Sleeps,
    breaker: CircuitBreaker,
    context_builder: ContextBuilder,
) -> ChatOrchestrator:
    return _chat(repo, upstream, sleeps, breaker, context_builder)


def _ok(*texts: str, cost: str = "0.00002") -> ScriptedReply:
    usage = Usage(prompt_tokens=11, completion_tokens=len(texts), cost=Decimal(cost))
    return ScriptedReply([*(TextDelta(t) for t in texts), UsageReport(usage, "stop")])


def _fails(error: Exception) -> ScriptedReply:
    return ScriptedReply([], error_before_stream=error)


def _conversation(chat: ChatOrchestrator, model: str = "priced") -> int:
    conversation = chat.create_conversation(model=model)
    assert conversation.id is not None
    return conversation.id


@pytest.mark.asyncio
async def test_a_429_waits_as_long_as_retry_after_says_then_succeeds(
    chat: ChatOrchestrator, upstream: FakeUpstream, sleeps: Sleeps
) -> None:
    upstream.enqueue(_fails(RateLimited(retry_after=4)))
    upstream.enqueue(_ok("Hi"))

    events = await collect(chat.send(_conversation(chat), "hello"))

    retrying = [e for e in events if isinstance(e, ReplyRetrying)]
    assert [(r.attempt, r.attempts, r.wait_s) for r in retrying] == [(2, 3, 4.0)]
    assert retrying[0].notice == "rate limited by the provider: retrying (2/3) in 4 s"
    assert sleeps.waits == [4.0]
    assert len(upstream.history) == 2
    finished = events[-1]
    assert isinstance(finished, ReplyFinished)
    assert (finished.error, finished.message.status, finished.message.content) == (
        None,
        "complete",
        "Hi",
    )


@pytest.mark.parametrize(
    "error",
    [
        pytest.param(UpstreamUnreachable(), id="connect"),
        pytest.param(UpstreamTimeout(status=408), id="408"),
        pytest.param(ProviderUnavailable(status=502), id="502"),
        pytest.param(ProviderUnavailable(status=503), id="503"),
        pytest.param(StreamInterrupted(), id="dropped-before-text"),
    ],
)
@pytest.mark.asyncio
async def test_transient_failures_back_off_exponentially_with_jitter(
    chat: ChatOrchestrator, upstream: FakeUpstream, sleeps: Sleeps, error: Exception
) -> None:
    upstream.enqueue(_fails(error))
    upstream.enqueue(ScriptedReply([], error_after_chunks=error))
    upstream.enqueue(_ok("fine"))

    events = await collect(chat.send(_conversation(chat), "hello"))

    # random() = 0.5: half of 1 s plus a quarter, then half of 2 s plus a quarter of it.
    assert sleeps.waits == [0.75, 1.5]
    assert [e.attempt for e in events if isinstance(e, ReplyRetrying)] == [2, 3]
    finished = events[-1]
    assert isinstance(finished, ReplyFinished)
    assert finished.message.status == "complete"


@pytest.mark.parametrize(
    "error",
    [
        pytest.param(BadRequest(status=400), id="400"),
        pytest.param(InvalidApiKey(status=401), id="401"),
        pytest.param(InsufficientCredits(status=402), id="402"),
        pytest.param(Moderated(status=403), id="403"),
        pytest.param(ProviderUnavailable(status=500), id="500"),
    ],
)
@pytest.mark.asyncio
async def test_final_refusals_are_never_retried(
    chat: ChatOrchestrator, upstream: FakeUpstream, sleeps: Sleeps, error: NeuralTerminalError
) -> None:
    upstream.enqueue(_fails(error))

    events = await collect(chat.send(_conversation(chat), "hello"))

    assert len(upstream.history) == 1
    assert sleeps.waits == []
    finished = events[-1]
    assert isinstance(finished, ReplyFinished)
    assert finished.error is error
    assert finished.message.status == "error"
    assert finished.message.error == error.user_message


@pytest.mark.asyncio
async def test_402_is_retried_only_when_the_upstream_says_when(
    chat: ChatOrchestrator, upstream: FakeUpstream, sleeps: Sleeps
) -> None:
    upstream.enqueue(_fails(InsufficientCredits(status=402, retry_after=3)))
    upstream.enqueue(_ok("paid"))

    await collect(chat.send(_conversation(chat), "hello"))

    assert sleeps.waits == [3.0]


@pytest.mark.asyncio
async def test_attempts_are_bounded_and_the_last_error_says_so(
    chat: ChatOrchestrator, upstream: FakeUpstream, sleeps: Sleeps
) -> None:
    for _ in range(3):
        upstream.enqueue(_fails(ProviderUnavailable(status=503)))

    events = await collect(chat.send(_conversation(chat), "hello"))

    assert len(upstream.history) == 3
    assert len(sleeps.waits) == 2
    finished = events[-1]
    assert isinstance(finished, ReplyFinished)
    assert finished.error is not None
    assert "Gave up after 3 attempts" in finished.error.user_message
    assert finished.message.status == "error"


@pytest.mark.asyncio
async def test_a_wait_beyond_the_time_budget_is_not_taken(
    repo: SpyRepository,
    upstream: FakeUpstream,
    sleeps: Sleeps,
    breaker: CircuitBreaker,
    context_builder: ContextBuilder,
) -> None:
    chat = _chat(repo, upstream, sleeps, breaker, context_builder, budget_s=10.0)
    upstream.enqueue(_fails(RateLimited(retry_after=30)))

    events = await collect(chat.send(_conversation(chat), "hello"))

    assert (len(upstream.history), sleeps.waits) == (1, [])
    finished = events[-1]
    assert isinstance(finished, ReplyFinished)
    assert "Try again in 30 s" in (finished.error.user_message if finished.error else "")


@pytest.mark.asyncio
async def test_a_failure_after_text_is_not_retried_and_is_priced_as_an_estimate(
    chat: ChatOrchestrator, upstream: FakeUpstream, sleeps: Sleeps
) -> None:
    upstream.enqueue(
        ScriptedReply(
            [TextDelta("Half "), TextDelta("a reply")], error_after_chunks=StreamInterrupted()
        )
    )

    events = await collect(chat.send(_conversation(chat), "hello"))

    assert (len(upstream.history), sleeps.waits) == (1, [])
    finished = events[-1]
    assert isinstance(finished, ReplyFinished)
    reply = finished.message
    assert (reply.status, reply.content) == ("interrupted", "Half a reply")
    prompt = upstream.history[0].messages
    prompt_tokens, completion_tokens = count_prompt_tokens(prompt), count_tokens("Half a reply")
    assert (reply.prompt_tokens, reply.completion_tokens) == (prompt_tokens, completion_tokens)
    assert reply.cost_usd == prompt_tokens * PRICING.prompt + completion_tokens * PRICING.completion
    assert reply.cost_is_estimate


@pytest.mark.asyncio
async def test_an_unknown_price_leaves_the_cost_unknown_but_counts_tokens(
    chat: ChatOrchestrator, upstream: FakeUpstream
) -> None:
    upstream.enqueue(ScriptedReply([TextDelta("Half")], error_after_chunks=StreamInterrupted()))

    events = await collect(chat.send(_conversation(chat, model="unlisted"), "hello"))

    finished = events[-1]
    assert isinstance(finished, ReplyFinished)
    assert (finished.message.cost_usd, finished.message.completion_tokens) == (None, 1)
    assert finished.message.cost_is_estimate


@pytest.mark.asyncio
async def test_the_breaker_opens_fails_fast_then_lets_one_probe_through(
    repo: SpyRepository,
    upstream: FakeUpstream,
    sleeps: Sleeps,
    breaker: CircuitBreaker,
    breaker_clock: list[float],
    context_builder: ContextBuilder,
) -> None:
    chat = _chat(repo, upstream, sleeps, breaker, context_builder, attempts=1)
    conversation_id = _conversation(chat)
    for _ in range(3):
        upstream.enqueue(_fails(ProviderUnavailable(status=502)))
        await collect(chat.send(conversation_id, "hello"))
    assert chat.upstream_status().state is BreakerState.OPEN

    breaker_clock[0] = 10.0
    events = await collect(chat.send(conversation_id, "still there?"))

    finished = events[-1]
    assert isinstance(finished, ReplyFinished)
    assert isinstance(finished.error, CircuitOpen)
    assert "in 20 s" in finished.error.user_message
    assert len(upstream.history) == 3  # failed fast: nothing went upstream
    assert finished.message.status == "error"
    assert repo.list_messages(conversation_id=conversation_id)[-2].content == "still there?"

    breaker_clock[0] = 31.0
    assert chat.upstream_status().state is BreakerState.HALF_OPEN
    upstream.enqueue(_ok("back"))
    await collect(chat.send(conversation_id, "now?"))
    assert chat.upstream_status().state is BreakerState.CLOSED


@pytest.mark.asyncio
async def test_failures_mid_stream_count_in_the_streak_and_open_the_breaker(
    repo: SpyRepository,
    upstream: FakeUpstream,
    sleeps: Sleeps,
    breaker: CircuitBreaker,
    context_builder: ContextBuilder,
) -> None:
    """A stream that answers then breaks is a failure: its first chunk must not reset the
    streak (issue 15: three broken streams in a row showed "1/5 failed")."""
    chat = _chat(repo, upstream, sleeps, breaker, context_builder, attempts=1)
    conversation_id = _conversation(chat)
    streaks = []
    for _ in range(3):
        upstream.enqueue(ScriptedReply([TextDelta("Half")], error_after_chunks=StreamInterrupted()))
        await collect(chat.send(conversation_id, "hello"))
        streaks.append(chat.upstream_status().failures)
    assert streaks == [1, 2, 3]
    assert chat.upstream_status().state is BreakerState.OPEN


@pytest.mark.asyncio
async def test_a_completed_stream_ends_the_streak(
    repo: SpyRepository,
    upstream: FakeUpstream,
    sleeps: Sleeps,
    breaker: CircuitBreaker,
    context_builder: ContextBuilder,
) -> None:
    chat = _chat(repo, upstream, sleeps, breaker, context_builder, attempts=1)
    conversation_id = _conversation(chat)
    for _ in range(2):
        upstream.enqueue(ScriptedReply([TextDelta("Half")], error_after_chunks=StreamInterrupted()))
        await collect(chat.send(conversation_id, "hello"))
    upstream.enqueue(_ok("whole"))
    await collect(chat.send(conversation_id, "again"))
    assert chat.upstream_status().failures == 0


@pytest.mark.asyncio
async def test_refusals_do_not_open_the_breaker(
    repo: SpyRepository,
    upstream: FakeUpstream,
    sleeps: Sleeps,
    breaker: CircuitBreaker,
    context_builder: ContextBuilder,
) -> None:
    chat = _chat(repo, upstream, sleeps, breaker, context_builder, attempts=1)
    conversation_id = _conversation(chat)
    for _ in range(5):
        upstream.enqueue(_fails(InvalidApiKey(status=401)))
        await collect(chat.send(conversation_id, "hello"))
    assert chat.upstream_status().state is BreakerState.CLOSED


@pytest.mark.asyncio
async def test_stop_during_a_retry_wait_keeps_the_message(
    repo: SpyRepository,
    upstream: FakeUpstream,
    breaker: CircuitBreaker,
    context_builder: ContextBuilder,
) -> None:
    forever = asyncio.Event()

    async def sleep_forever(seconds: float) -> None:
        await forever.wait()

    chat = ChatOrchestrator(
        repository=repo,
        upstream=upstream,
        bus=EventBus(),
        turns=ActiveTurns(),
        context=context_builder,
        max_message_chars=1000,
        resilience=Resilience(breaker=breaker, sleep=sleep_forever),
    )
    conversation_id = _conversation(chat)
    upstream.enqueue(_fails(ProviderUnavailable(status=503)))
    waiting = asyncio.Event()

    async def run() -> None:
        async for event in chat.send(conversation_id, "hello"):
            if isinstance(event, ReplyRetrying):
                waiting.set()

    task = asyncio.create_task(run())
    await waiting.wait()
    assert chat.stop(conversation_id)
    with contextlib.suppress(asyncio.CancelledError):
        await task
    user, reply = repo.list_messages(conversation_id=conversation_id)
    assert user.content == "hello"
    assert (reply.status, reply.error) == ("interrupted", STOPPED_BY_USER)
    assert not chat.is_streaming(conversation_id)


@pytest.mark.asyncio
async def test_each_interval_checkpoints_the_text_so_far_with_an_estimate(
    repo: SpyRepository,
    upstream: FakeUpstream,
    sleeps: Sleeps,
    breaker: CircuitBreaker,
    context_builder: ContextBuilder,
) -> None:
    intervals = Intervals()
    chat = _chat(
        repo,
        upstream,
        sleeps,
        breaker,
        context_builder,
        checkpoints=inline_checkpoints(repo, intervals),
    )
    words = [f"w{i} " for i in range(12)]
    upstream.enqueue(_ok(*words))

    async for event in chat.send(_conversation(chat), "hello"):
        if isinstance(event, ReplyDelta) and event.text in ("w3 ", "w7 "):
            await intervals.elapse()
            await intervals.elapse()  # nothing new since: nothing written

    assert [content for content, _ in repo.checkpoints] == ["w0 w1 w2 w3 ", "".join(words[:8])]
    first, second = (cost for _, cost in repo.checkpoints)
    assert first is not None
    assert second is not None
    assert 0 < first < second


@pytest.mark.asyncio
async def test_continue_joins_the_rest_into_the_same_message(
    chat: ChatOrchestrator, upstream: FakeUpstream, repo: SpyRepository
) -> None:
    conversation_id = _conversation(chat)
    upstream.enqueue(
        ScriptedReply([TextDelta("Once upon")], error_after_chunks=StreamInterrupted())
    )
    first = await collect(chat.send(conversation_id, "tell a story"))
    finished = first[-1]
    assert isinstance(finished, ReplyFinished)
    partial = finished.message
    assert partial.id is not None
    upstream.enqueue(_ok(" a time.", cost="0.00001"))

    events = await collect(chat.continue_reply(partial.id))

    started = events[0]
    assert isinstance(started, ReplyStarted)
    assert (started.user_message, started.assistant_message_id, started.resumed_text) == (
        None,
        partial.id,
        "Once upon",
    )
    assert [e.text for e in events if isinstance(e, ReplyDelta)] == [" a time."]
    request = upstream.history[-1]
    assert [(m.role, m.content) for m in request.messages] == [
        ("user", "tell a story"),
        ("system", CONTINUE_INSTRUCTION),
        ("assistant", "Once upon"),
    ]
    _user, reply = repo.list_messages(conversation_id=conversation_id)
    assert (reply.id, reply.status, reply.content, reply.error) == (
        partial.id,
        "complete",
        "Once upon a time.",
        None,
    )
    assert partial.cost_usd is not None
    assert reply.cost_usd == partial.cost_usd + Decimal("0.00001")
    assert reply.cost_is_estimate  # the first part is still our estimate
    assert reply.completion_tokens == (partial.completion_tokens or 0) + 1


@pytest.mark.asyncio
async def test_a_continue_that_fails_keeps_the_partial_and_says_why(
    chat: ChatOrchestrator, upstream: FakeUpstream, repo: SpyRepository
) -> None:
    conversation_id = _conversation(chat)
    upstream.enqueue(ScriptedReply([TextDelta("Once")], error_after_chunks=StreamInterrupted()))
    partial = (await collect(chat.send(conversation_id, "story")))[-1]
    assert isinstance(partial, ReplyFinished)
    assert partial.message.id is not None
    upstream.enqueue(_fails(InvalidApiKey(status=401)))

    await collect(chat.continue_reply(partial.message.id))

    reply = repo.list_messages(conversation_id=conversation_id)[-1]
    assert (reply.status, reply.content) == ("interrupted", "Once")
    assert reply.error == InvalidApiKey().user_message
    assert reply.cost_usd == partial.message.cost_usd


@pytest.mark.asyncio
async def test_retry_answers_again_beside_the_failed_reply(
    chat: ChatOrchestrator, upstream: FakeUpstream, repo: SpyRepository
) -> None:
    conversation_id = _conversation(chat)
    upstream.enqueue(ScriptedReply([TextDelta("Bro")], error_after_chunks=StreamInterrupted()))
    failed = (await collect(chat.send(conversation_id, "story")))[-1]
    assert isinstance(failed, ReplyFinished)
    assert failed.message.id is not None
    upstream.enqueue(_ok("Brand new"))

    events = await collect(chat.retry_reply(failed.message.id))

    started = events[0]
    assert isinstance(started, ReplyStarted)
    assert started.user_message is None
    assert started.assistant_message_id != failed.message.id
    assert [(m.role, m.content) for m in upstream.history[-1].messages] == [("user", "story")]
    user, old, new = repo.list_messages(conversation_id=conversation_id)
    assert (old.content, old.status) == ("Bro", "interrupted")  # what was shown is kept
    assert (new.content, new.status, new.parent_id) == ("Brand new", "complete", user.id)

    upstream.enqueue(_ok("ok"))
    await collect(chat.send(conversation_id, "next"))
    assert [(m.role, m.content) for m in upstream.history[-1].messages] == [
        ("user", "story"),
        ("assistant", "Brand new"),
        ("user", "next"),
    ]


@pytest.mark.asyncio
async def test_only_a_broken_reply_can_be_continued_or_retried(
    chat: ChatOrchestrator, upstream: FakeUpstream
) -> None:
    conversation_id = _conversation(chat)
    upstream.enqueue(_ok("done"))
    complete = (await collect(chat.send(conversation_id, "one")))[-1]
    assert isinstance(complete, ReplyFinished)
    assert complete.message.id is not None
    with pytest.raises(InvalidInput, match="cannot be continued"):
        await collect(chat.continue_reply(complete.message.id))
    with pytest.raises(InvalidInput, match="cannot be retried"):
        await collect(chat.retry_reply(complete.message.id))
    upstream.enqueue(_fails(InvalidApiKey(status=401)))
    failed = (await collect(chat.send(conversation_id, "two")))[-1]
    assert isinstance(failed, ReplyFinished)
    assert failed.message.id is not None
    with pytest.raises(InvalidInput, match="cannot be continued"):
        await collect(chat.continue_reply(failed.message.id))  # nothing to continue
    upstream.enqueue(_ok("three"))
    await collect(chat.send(conversation_id, "three"))
    # An earlier broken reply can still be retried: the retry is a new branch beside it.
    upstream.enqueue(_ok("again"))
    retried = (await collect(chat.retry_reply(failed.message.id)))[-1]
    assert isinstance(retried, ReplyFinished)
    assert (retried.message.parent_id, retried.message.content) == (
        failed.message.parent_id,
        "again",
    )
    assert [m.content for m in chat.load(conversation_id)[1]] == ["one", "done", "two", "again"]
    with pytest.raises(ConversationNotFound, match="does not exist"):
        await collect(chat.retry_reply(9999))
