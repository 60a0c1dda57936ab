"""Costs and budgets through a whole turn, with a scripted upstream and a real database."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select

from neural_terminal.chat.bus import EventBus
from neural_terminal.chat.context.builder import ContextBuilder
from neural_terminal.chat.spend.budget import BudgetGuard
from neural_terminal.chat.spend.estimate import CostEstimator
from neural_terminal.chat.spend.reconcile import Reconciler
from neural_terminal.chat.spend.spending import Spending
from neural_terminal.chat.turns.active import ActiveTurns
from neural_terminal.chat.turns.orchestrator import ChatOrchestrator, collect
from neural_terminal.chat.turns.replies import ReplyDelta, ReplyFinished, ReplyStarted
from neural_terminal.chat.turns.turn import TurnKind, TurnRequest
from neural_terminal.domain.chat import TextDelta, Usage, UsageReport
from neural_terminal.domain.errors import BudgetStop, OverBudget
from neural_terminal.domain.models import ModelInfo, ModelPricing
from neural_terminal.store.conversations.repository import ChatRepository
from neural_terminal.store.spend.budget_store import BudgetConfig, BudgetStore
from neural_terminal.store.tables import BudgetReservation
from tests.fakes import FakeCatalogue, FakeUpstream, ScriptedReply, streaming_turn

PRICING = ModelPricing(prompt=Decimal("0.000001"), completion=Decimal("0.00001"))
EXPECTED = 10


@pytest.fixture
def catalogue() -> FakeCatalogue:
    return FakeCatalogue(ModelInfo("priced", "Priced", 100_000, PRICING))


@pytest.fixture
def upstream() -> FakeUpstream:
    return FakeUpstream()


@pytest.fixture
def guard(engine: Engine, bus: EventBus) -> BudgetGuard:
    store = BudgetStore(engine, defaults=BudgetConfig(None))
    store.ensure()
    return BudgetGuard(store, bus)


@pytest.fixture
def repo(engine: Engine) -> ChatRepository:
    return ChatRepository(engine)


@pytest.fixture
def chat(
    repo: ChatRepository,
    upstream: FakeUpstream,
    bus: EventBus,
    context_builder: ContextBuilder,
    catalogue: FakeCatalogue,
    guard: BudgetGuard,
) -> ChatOrchestrator:
    estimator = CostEstimator(lambda m: info.pricing if (info := catalogue.get(m)) else None)
    spending = Spending(guard=guard, estimator=estimator, expected_reply_tokens=EXPECTED)
    return ChatOrchestrator(
        repository=repo,
        upstream=upstream,
        bus=bus,
        turns=ActiveTurns(),
        context=context_builder,
        max_message_chars=200_000,
        estimator=estimator,
        spending=spending,
    )


def reservations(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(BudgetReservation)).scalar_one())


def set_limit(guard: BudgetGuard, limit: str) -> None:
    guard.store.set_config(BudgetConfig(Decimal(limit)))


@pytest.mark.asyncio
async def test_a_stream_is_cut_when_its_live_estimate_reaches_the_limit(
    chat: ChatOrchestrator, upstream: FakeUpstream, guard: BudgetGuard, engine: Engine
) -> None:
    conversation = chat.create_conversation(model="priced")
    assert conversation.id is not None
    set_limit(guard, "0.001")
    upstream.enqueue(
        ScriptedReply([TextDelta(" word") for _ in range(500)], hang_after_chunks=True)
    )

    events = await collect(chat.send(conversation.id, "hello"))

    finished = events[-1]
    assert isinstance(finished, ReplyFinished)
    assert isinstance(finished.error, BudgetStop)
    assert upstream.closed == 1  # the upstream request was closed at once
    message = finished.message
    assert message.status == "interrupted"
    assert message.cost_is_estimate
    assert message.cost_usd is not None
    assert message.completion_tokens
    assert message.completion_tokens < 500
    # Overshoot: at most one delta (one token here) past the limit.
    assert Decimal("0.001") <= message.cost_usd <= Decimal("0.001") + PRICING.completion
    live = [e.cost_usd for e in events if isinstance(e, ReplyDelta) and e.cost_usd is not None]
    assert live == sorted(live)
    assert live[-1] is not None
    assert live[-1] < Decimal("0.001")
    assert reservations(engine) == 0
    assert guard.status(conversation.id).exceeded is not None


@pytest.mark.asyncio
async def test_a_send_over_the_limit_is_refused_before_any_request_or_row(
    chat: ChatOrchestrator, upstream: FakeUpstream, guard: BudgetGuard, repo: ChatRepository
) -> None:
    conversation = chat.create_conversation(model="priced")
    assert conversation.id is not None
    set_limit(guard, "0.00005")  # below prompt + 10 expected tokens
    estimate = chat.preflight(conversation.id, "priced", "hello")
    assert estimate is not None
    assert estimate.cost_usd is not None
    assert (
        estimate.cost_usd == estimate.prompt_tokens * PRICING.prompt + EXPECTED * PRICING.completion
    )

    with pytest.raises(OverBudget) as refused:
        await collect(chat.send(conversation.id, "hello"))

    assert upstream.history == []
    assert repo.list_messages(conversation_id=conversation.id) == []
    assert "would cost about" in refused.value.user_message


@pytest.mark.asyncio
async def test_the_preflight_prompt_is_the_context_that_would_be_sent(
    chat: ChatOrchestrator, upstream: FakeUpstream
) -> None:
    conversation = chat.create_conversation(model="priced", system_prompt="Be brief.")
    assert conversation.id is not None
    upstream.enqueue(ScriptedReply([TextDelta("hi"), UsageReport(Usage(5, 1, cost=None))]))
    await collect(chat.send(conversation.id, "first"))
    estimate = chat.preflight(conversation.id, "priced", "second message")

    upstream.enqueue(ScriptedReply([TextDelta("ok"), UsageReport(Usage(5, 1, cost=None))]))
    events = await collect(chat.send(conversation.id, "second message"))

    started = events[0]
    assert estimate is not None
    assert started.context is not None  # type: ignore[union-attr]
    assert estimate.prompt_tokens == started.context.prompt_tokens  # type: ignore[union-attr]


@pytest.mark.asyncio
async def test_an_edit_is_priced_on_its_own_path_not_the_branch_on_show(
    chat: ChatOrchestrator, upstream: FakeUpstream
) -> None:
    conversation = chat.create_conversation(model="priced")
    for text in ("first question", "second question, rather longer than the first one"):
        upstream.enqueue(ScriptedReply([TextDelta("an answer"), UsageReport(Usage(5, 2))]))
        await collect(chat.send(conversation.id, text))
    first_question = chat.load(conversation.id)[1][0]
    edit = TurnRequest(TurnKind.EDIT, text="first, edited", target_id=first_question.id)
    as_send = chat.preview(TurnRequest.send(conversation.id, "first, edited")).estimate
    estimate = chat.preview(edit).estimate

    upstream.enqueue(ScriptedReply([TextDelta("ok"), UsageReport(Usage(5, 1))]))
    events = await collect(chat.start(edit))

    started = events[0]
    assert isinstance(started, ReplyStarted)
    assert started.context is not None
    assert estimate is not None
    assert as_send is not None
    assert estimate.prompt_tokens == started.context.prompt_tokens
    assert estimate.prompt_tokens < as_send.prompt_tokens  # nothing of the other branch


@pytest.mark.asyncio
async def test_billed_computed_source_and_drift_are_stored(
    chat: ChatOrchestrator, upstream: FakeUpstream
) -> None:
    conversation = chat.create_conversation(model="priced")
    assert conversation.id is not None
    usage = Usage(prompt_tokens=20, completion_tokens=3, cost=Decimal("0.00005"))
    upstream.enqueue(ScriptedReply([TextDelta("one two three"), UsageReport(usage, "stop")]))

    finished = (await collect(chat.send(conversation.id, "count")))[-1]

    assert isinstance(finished, ReplyFinished)
    message = finished.message
    assert message.cost_usd == Decimal("0.00005")
    assert message.computed_cost_usd == Decimal("0.00005")  # 20 x 1e-6 + 3 x 1e-5
    assert message.cost_source == "upstream"
    assert not message.cost_is_estimate
    assert message.estimate_usd is not None
    assert message.drift_usd is not None
    assert message.drift_usd == message.cost_usd - message.estimate_usd


@pytest.mark.asyncio
async def test_the_finished_reply_carries_the_budget_as_it_stands_with_its_cost_stored(
    chat: ChatOrchestrator, upstream: FakeUpstream, guard: BudgetGuard, engine: Engine
) -> None:
    conversation = chat.create_conversation(model="priced")
    assert conversation.id is not None
    set_limit(guard, "0.0002")
    usage = Usage(prompt_tokens=20, completion_tokens=3, cost=Decimal("0.00017"))
    upstream.enqueue(ScriptedReply([TextDelta("one two three"), UsageReport(usage, "stop")]))

    finished = (await collect(chat.send(conversation.id, "count")))[-1]

    # What a page shows at the reply's end without reading the budget again: the billed
    # cost counted, the reservation gone, the 80% warning level reached.
    assert isinstance(finished, ReplyFinished)
    assert finished.budget is not None
    assert reservations(engine) == 0
    assert finished.budget == guard.status(conversation.id)
    assert finished.budget.spend.global_usd == Decimal("0.00017")
    assert finished.budget.level == "warning"


@pytest.mark.asyncio
async def test_without_a_reported_cost_the_catalogue_prices_the_usage(
    chat: ChatOrchestrator, upstream: FakeUpstream
) -> None:
    conversation = chat.create_conversation(model="priced")
    assert conversation.id is not None
    usage = Usage(prompt_tokens=100, completion_tokens=10, reasoning_tokens=4, cost=None)
    upstream.enqueue(ScriptedReply([TextDelta("x"), UsageReport(usage, "stop")]))

    finished = (await collect(chat.send(conversation.id, "q")))[-1]

    assert isinstance(finished, ReplyFinished)
    assert finished.message.cost_usd == Decimal("0.0002")
    assert finished.message.cost_source == "computed"


@pytest.mark.asyncio
async def test_a_stopped_reply_is_reconciled_from_the_generation_record(
    chat: ChatOrchestrator, upstream: FakeUpstream, engine: Engine, repo: ChatRepository
) -> None:
    conversation = chat.create_conversation(model="priced")
    assert conversation.id is not None
    upstream.enqueue(ScriptedReply([TextDelta("partial text")], hang_after_chunks=True))
    task = await streaming_turn(chat.send(conversation.id, "q"))
    chat.stop(conversation.id)  # the partial is stored with its estimated cost
    with pytest.raises(asyncio.CancelledError):
        await task
    reply = repo.list_messages(conversation_id=conversation.id)[-1]
    assert reply.cost_source == "estimate"
    assert reply.cost_is_estimate
    asked: list[str] = []

    async def billed(generation_id: str) -> Decimal | None:
        asked.append(generation_id)
        return Decimal("0.00009")

    assert reply.id is not None
    assert await Reconciler(engine, billed).reconcile(reply.id) == 1

    again = repo.get_message(message_id=reply.id)
    assert again is not None
    assert reply.estimate_usd is not None
    assert asked == ["gen-fake"]
    assert (again.cost_usd, again.cost_source, again.cost_is_estimate) == (
        Decimal("0.00009"),
        "generation",
        False,
    )
    assert again.drift_usd == Decimal("0.00009") - reply.estimate_usd
