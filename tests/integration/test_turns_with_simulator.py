"""A whole turn: orchestrator -> upstream client -> simulator over HTTP -> SQLite file."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from neural_terminal.bootstrap import Services, build_services
from neural_terminal.chat.turns.orchestrator import collect
from neural_terminal.chat.turns.replies import ReplyDelta, ReplyFinished
from neural_terminal.domain.errors import UpstreamNotConfigured, UpstreamUnreachable
from neural_terminal.settings import Settings
from tests.e2e.server import free_port


@pytest.mark.asyncio
async def test_a_reply_is_stored_with_reported_usage_cost_and_timings(services: Services) -> None:
    conversation = services.chat.create_conversation(model="sim/terminal-large")
    assert conversation.id is not None

    events = await collect(services.chat.send(conversation.id, "Explain streams, please"))

    streamed = "".join(e.text for e in events if isinstance(e, ReplyDelta))
    finished = events[-1]
    assert isinstance(finished, ReplyFinished)
    assert finished.error is None
    _, messages = services.chat.load(conversation.id)
    user, reply = messages
    assert user.content == "Explain streams, please"
    assert reply.content == streamed
    assert reply.status == "complete"
    assert reply.prompt_tokens
    assert reply.completion_tokens
    assert reply.cost_usd == (
        Decimal("0.0001")  # per-request price of sim/terminal-large
        + reply.prompt_tokens * Decimal("0.000003")
        + reply.completion_tokens * Decimal("0.000015")
    )
    assert reply.generation_id is not None
    assert reply.first_token_ms is not None
    assert reply.total_ms is not None


@pytest.mark.asyncio
async def test_a_second_turn_sends_the_history(services: Services) -> None:
    conversation = services.chat.create_conversation(model="sim/terminal-small")
    assert conversation.id is not None
    await collect(services.chat.send(conversation.id, "first"))
    events = await collect(services.chat.send(conversation.id, "second"))

    finished = events[-1]
    assert isinstance(finished, ReplyFinished)
    _, messages = services.chat.load(conversation.id)
    assert [m.role for m in messages] == ["user", "assistant", "user", "assistant"]
    # The simulator counts the prompt with the chat recipe: the history makes it longer.
    assert (messages[3].prompt_tokens or 0) > (messages[1].prompt_tokens or 0) + 10


@pytest.mark.parametrize(
    ("fault", "status", "words"),
    [
        pytest.param("drop-after-7", "interrupted", "connection dropped", id="drop"),
        pytest.param("error-after-7", "interrupted", "Provider returned error", id="payload"),
        pytest.param("malformed-after-7", "interrupted", "malformed", id="malformed"),
        pytest.param("http-401", "error", "API key was rejected", id="401"),
        pytest.param("http-402", "error", "out of credits", id="402"),
        pytest.param("http-429", "error", "Rate limited", id="429"),
        pytest.param("http-503", "error", "unavailable", id="503"),
    ],
)
@pytest.mark.asyncio
async def test_failures_keep_the_users_words_and_exactly_what_streamed(
    services: Services, fault: str, status: str, words: str
) -> None:
    conversation = services.chat.create_conversation(model="sim/terminal-small")
    assert conversation.id is not None
    text = f"please answer [[sim:fault={fault}]]"

    events = await collect(services.chat.send(conversation.id, text))

    streamed = "".join(e.text for e in events if isinstance(e, ReplyDelta))
    finished = events[-1]
    assert isinstance(finished, ReplyFinished)
    assert finished.error is not None
    assert words.lower() in finished.error.user_message.lower()
    user, reply = services.chat.load(conversation.id)[1]
    assert user.content == text
    assert (reply.status, reply.content) == (status, streamed)
    assert reply.error == finished.error.user_message
    if status == "interrupted":
        assert streamed  # seven tokens arrived and were kept


@pytest.mark.asyncio
async def test_an_unreachable_upstream_is_explained(settings: Settings) -> None:
    closed = replace(settings, simulator="off", base_url=f"http://127.0.0.1:{free_port()}/api/v1")
    services = build_services(closed)
    conversation = services.chat.create_conversation(model="m")
    assert conversation.id is not None

    events = await collect(services.chat.send(conversation.id, "hello?"))

    finished = events[-1]
    assert isinstance(finished, ReplyFinished)
    assert isinstance(finished.error, UpstreamUnreachable)
    assert services.chat.load(conversation.id)[1][0].content == "hello?"
    await services.aclose()


@pytest.mark.asyncio
async def test_no_key_and_no_simulator_says_what_to_set(settings: Settings) -> None:
    services = build_services(replace(settings, simulator="off", api_key=None))
    conversation = services.chat.create_conversation(model="m")
    assert conversation.id is not None

    events = await collect(services.chat.send(conversation.id, "hello?"))

    finished = events[-1]
    assert isinstance(finished, ReplyFinished)
    assert isinstance(finished.error, UpstreamNotConfigured)
    assert "OPENROUTER_API_KEY" in finished.error.user_message
    with pytest.raises(UpstreamNotConfigured):
        await services.catalogue.models()
    await services.aclose()
