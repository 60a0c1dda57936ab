"""Costs against the simulator's price table over real HTTP: exact, with drift recorded."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from decimal import Decimal

import httpx
import pytest

from neural_terminal.bootstrap import Services
from neural_terminal.chat.turns.orchestrator import collect
from neural_terminal.chat.turns.replies import ReplyFinished
from neural_terminal.domain.errors import BudgetStop
from neural_terminal.domain.models import ModelPricing
from neural_terminal.simulator.records.catalogue import find_model
from neural_terminal.store.spend.budget_store import BudgetConfig
from tests.fakes import streaming_turn

MODELS = ("sim/terminal-small", "sim/terminal-large", "sim/tiny-window", "sim/terminal-free:free")
LENGTHS = (12, 150, 400)


def billed_by_simulator(services: Services, generation_id: str) -> Decimal:
    url = f"{services.settings.simulator_url}/generation"
    response = httpx.get(url, params={"id": generation_id}, timeout=10)
    response.raise_for_status()
    return Decimal(str(response.json()["data"]["total_cost"]))


@pytest.mark.asyncio
@pytest.mark.parametrize("model", MODELS)
async def test_completed_replies_cost_exactly_what_the_simulator_bills(
    services: Services, model: str
) -> None:
    sim = find_model(model)
    assert sim is not None
    conversation = services.chat.create_conversation(model=model)
    assert conversation.id is not None
    drifts = []
    for tokens in LENGTHS:
        events = await collect(
            services.chat.send(conversation.id, f"[[sim:tokens={tokens}]] tell me about costs")
        )
        finished = events[-1]
        assert isinstance(finished, ReplyFinished)
        assert finished.error is None
        reply = finished.message
        assert reply.prompt_tokens is not None
        assert reply.completion_tokens == tokens
        expected = sim.cost(reply.prompt_tokens, reply.completion_tokens)
        assert reply.cost_usd == expected
        assert reply.generation_id is not None
        assert reply.cost_usd == billed_by_simulator(services, reply.generation_id)
        assert reply.computed_cost_usd == expected  # the catalogue agrees with the bill
        assert (reply.cost_source, reply.cost_is_estimate) == ("upstream", False)
        assert reply.estimate_usd is not None
        assert reply.drift_usd is not None
        assert reply.drift_usd == reply.cost_usd - reply.estimate_usd
        drifts.append(
            {
                "tokens": tokens,
                "billed": str(reply.cost_usd),
                "estimate": str(reply.estimate_usd),
                "drift": str(reply.drift_usd),
                "drift_pct": f"{reply.drift_usd / reply.cost_usd * 100:.3f}"
                if reply.cost_usd
                else "0",
            }
        )
    print("drift", model, json.dumps(drifts))


@pytest.mark.asyncio
async def test_prices_are_stored_and_changes_recorded(services: Services) -> None:
    models = await services.catalogue.models(refresh=True)
    stored = {m.id: m for m in services.prices.load()}
    assert {m.id for m in models} <= set(stored)
    assert stored["sim/terminal-large"].pricing.request == Decimal("0.0001")

    small = next(m for m in models if m.id == "sim/terminal-small")
    dearer = replace(small, pricing=replace(small.pricing, prompt=Decimal("0.0000006")))
    changes = services.prices.record([dearer])
    assert [(c.component, c.old_price, c.new_price) for c in changes] == [
        ("prompt", "0.0000005", "0.0000006")
    ]
    latest = services.prices.latest_changes("sim/terminal-small")
    assert [Decimal(c.new_price) for c in latest] == [Decimal("0.0000006")]
    reloaded = {m.id: m for m in services.prices.load()}
    assert reloaded["sim/terminal-small"].pricing == ModelPricing(
        prompt=Decimal("0.0000006"), completion=Decimal("0.0000015")
    )


@pytest.mark.asyncio
async def test_a_stopped_reply_is_reconciled_with_the_generation_record(
    services: Services,
) -> None:
    conversation = services.chat.create_conversation(model="sim/terminal-small")
    assert conversation.id is not None
    task = await streaming_turn(services.chat.send(conversation.id, "[[sim:tokens=3000]] go on"))
    services.chat.stop(conversation.id)
    with pytest.raises(asyncio.CancelledError):
        await task
    await services.reconciler.wait()

    _, messages = services.chat.load(conversation.id)
    reply = messages[-1]
    assert reply.status == "interrupted"
    assert reply.generation_id is not None
    assert (reply.cost_source, reply.cost_is_estimate) == ("generation", False)
    assert reply.cost_usd == billed_by_simulator(services, reply.generation_id)
    assert reply.drift_usd is not None
    assert reply.estimate_usd is not None
    print("stopped-drift", json.dumps({"drift": str(reply.drift_usd)}))


@pytest.mark.asyncio
async def test_a_budget_cuts_a_simulated_stream_within_one_delta(services: Services) -> None:
    sim = find_model("sim/terminal-small")
    assert sim is not None
    conversation = services.chat.create_conversation(model="sim/terminal-small")
    assert conversation.id is not None
    # Above the pre-flight estimate (the context and an expected reply of 512 tokens), far
    # below what 3,000 tokens cost: refused mid-stream, not before it.
    limit = Decimal("0.0012")
    services.budget.store.set_config(BudgetConfig(limit))

    events = await collect(services.chat.send(conversation.id, "[[sim:tokens=3000]] go"))

    finished = events[-1]
    assert isinstance(finished, ReplyFinished)
    assert isinstance(finished.error, BudgetStop)
    reply = finished.message
    assert reply.estimate_usd is not None
    overshoot = reply.estimate_usd - limit
    assert Decimal(0) <= overshoot <= sim.completion, overshoot
    print(
        "overshoot", json.dumps({"usd": str(overshoot), "tokens": str(overshoot / sim.completion)})
    )
