"""The fault matrix: every simulator fault mode through the real client over loopback HTTP.

For each mode: the user's words are stored; exactly what streamed is stored, byte for byte,
and it is the simulator's own reply cut where the fault struck; the status and reason are
recorded; the upstream saw exactly as many requests as the retry rules allow; the error the
UI gets is the specific one; nothing was logged as an unhandled error.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from decimal import Decimal

import pytest
import pytest_asyncio

from neural_terminal.bootstrap import Services
from neural_terminal.chat.turns.orchestrator import collect
from neural_terminal.chat.turns.replies import ReplyDelta, ReplyFinished, ReplyRetrying
from neural_terminal.domain.chat import PromptMessage
from neural_terminal.domain.errors import (
    InsufficientCredits,
    InvalidApiKey,
    MalformedStream,
    Moderated,
    NeuralTerminalError,
    ProviderUnavailable,
    RateLimited,
    StreamErrorPayload,
    StreamInterrupted,
    UpstreamTimeout,
)
from neural_terminal.settings import Settings
from neural_terminal.simulator.replying.completions import plan_completion
from neural_terminal.tokens.encodings import get_encoding
from tests.integration.conftest import CountingTransport, RecordedSleeps
from tests.token_counts import count_prompt_tokens, count_tokens

MODEL = "sim/terminal-small"
PROMPT_PRICE, COMPLETION_PRICE = Decimal("0.0000005"), Decimal("0.0000015")
# The stall rows' first-byte and between-chunks timeouts (the other rows keep the defaults
# of a minute, so no busy machine can time them out). Healthy gaps are milliseconds, yet a
# loaded 2-core machine was seen to take over a second for a first byte; a stall lasts 20 s,
# so neither a slow healthy answer nor a late timer can blur the two.
TIMEOUT_S = 4.0
STALL_S = 20


@dataclass(frozen=True)
class Row:
    """One fault mode and everything the test expects of it."""

    fault: str
    status: str
    requests: int
    error: type[NeuralTerminalError] | None
    words: str = ""
    kept_tokens: int = 0
    waits: tuple[float, ...] | None = None


MATRIX = [
    Row("drop-after-7", "interrupted", 1, StreamInterrupted, "connection dropped", 7),
    Row("drop-after-0", "error", 3, StreamInterrupted, "Gave up after 3 attempts"),
    Row("http-429", "error", 3, RateLimited, "Try again in 2 s", waits=(2.0, 2.0)),
    Row("http-429-retry-1-times-1", "complete", 2, None, waits=(1.0,)),
    Row("http-401", "error", 1, InvalidApiKey, "OPENROUTER_API_KEY", waits=()),
    Row("http-402", "error", 1, InsufficientCredits, "out of credits", waits=()),
    Row("http-403", "error", 1, Moderated, "flagged for harassment", waits=()),
    Row("http-408", "error", 3, UpstreamTimeout, "timed out"),
    Row("http-500", "error", 1, ProviderUnavailable, "pick another model", waits=()),
    Row("http-502", "error", 3, ProviderUnavailable, "Gave up after 3 attempts"),
    Row("http-503", "error", 3, ProviderUnavailable, "No endpoints found"),
    Row("http-503-times-2", "complete", 3, None),
    Row(f"stall-{STALL_S}", "error", 3, UpstreamTimeout, f"sent nothing for {TIMEOUT_S:g} s"),
    Row(f"stall-{STALL_S}-times-1", "complete", 2, None),
    Row(f"stall-mid-7-{STALL_S}", "interrupted", 1, StreamInterrupted, "stalled", 7, ()),
    Row("error-after-7", "interrupted", 1, StreamErrorPayload, "Provider returned error", 7),
    Row("error-after-0", "error", 3, StreamErrorPayload, "Provider returned error"),
    Row("malformed-after-7", "interrupted", 1, MalformedStream, "malformed", 7, ()),
]


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    callspec = getattr(request.node, "callspec", None)
    row: Row | None = callspec.params.get("row") if callspec else None
    if row is None or not row.fault.startswith("stall"):
        return settings
    return replace(settings, first_byte_timeout_s=TIMEOUT_S, read_timeout_s=TIMEOUT_S)


@pytest_asyncio.fixture
async def priced(services: Services) -> Services:
    """Services whose catalogue is loaded, so partial replies can be priced."""
    await services.catalogue.models()
    return services


def _full_reply(text: str) -> tuple[str, ...]:
    """The simulator's own plan for this message: the reply's pieces before any fault."""
    body = {"model": MODEL, "messages": [{"role": "user", "content": text}], "stream": True}
    return plan_completion(body, encoding=get_encoding("cl100k_base"), tokens_per_second=1).pieces


@pytest.mark.parametrize("row", MATRIX, ids=[row.fault for row in MATRIX])
@pytest.mark.asyncio
async def test_fault_matrix(
    priced: Services,
    transport: CountingTransport,
    sleeps: RecordedSleeps,
    caplog: pytest.LogCaptureFixture,
    row: Row,
) -> None:
    caplog.set_level(logging.INFO)
    conversation = priced.chat.create_conversation(model=MODEL)
    assert conversation.id is not None
    text = f"[[sim:tokens=40]] please answer [[sim:fault={row.fault}]]"
    before = transport.completions

    events = await collect(priced.chat.send(conversation.id, text))

    # Retries happened exactly when they should.
    assert transport.completions - before == row.requests
    retries = [e for e in events if isinstance(e, ReplyRetrying)]
    assert [r.attempt for r in retries] == list(range(2, row.requests + 1))
    assert len(sleeps.waits) == row.requests - 1
    if row.waits is not None:
        assert tuple(sleeps.waits) == row.waits
    # The user's words are stored first and intact.
    user, reply = priced.chat.load(conversation.id)[1]
    assert (user.role, user.content) == ("user", text)
    # Exactly what streamed is stored, and it is the simulator's reply cut at the fault.
    streamed = "".join(e.text for e in events if isinstance(e, ReplyDelta))
    assert reply.content == streamed
    pieces = _full_reply(text)
    expected = "".join(pieces) if row.status == "complete" else "".join(pieces[: row.kept_tokens])
    assert reply.content == expected
    # Status, reason, and the specific error the UI shows.
    finished = events[-1]
    assert isinstance(finished, ReplyFinished)
    assert reply.status == row.status
    if row.error is None:
        assert (finished.error, reply.error) == (None, None)
        assert not reply.cost_is_estimate
    else:
        assert type(finished.error) is row.error
        assert row.words.lower() in finished.error.user_message.lower()
        assert reply.error == finished.error.user_message
    if row.status == "interrupted":
        # Priced as an estimate: our token counts at the catalogue's prices.
        prompt = (PromptMessage(role="user", content=text),)
        prompt_tokens, completion_tokens = count_prompt_tokens(prompt), count_tokens(expected)
        assert (reply.prompt_tokens, reply.completion_tokens) == (prompt_tokens, completion_tokens)
        assert reply.cost_usd == prompt_tokens * PROMPT_PRICE + completion_tokens * COMPLETION_PRICE
        assert reply.cost_is_estimate
    # No unhandled exception anywhere in the logs.
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []


@pytest.mark.asyncio
async def test_continue_completes_a_dropped_reply_with_the_rest_of_it(
    priced: Services, transport: CountingTransport
) -> None:
    conversation = priced.chat.create_conversation(model=MODEL)
    assert conversation.id is not None
    text = "[[sim:tokens=40]] a long answer please [[sim:fault=drop-after-9]]"
    first = (await collect(priced.chat.send(conversation.id, text)))[-1]
    assert isinstance(first, ReplyFinished)
    partial = first.message
    assert partial.id is not None

    events = await collect(priced.chat.continue_reply(partial.id))

    finished = events[-1]
    assert isinstance(finished, ReplyFinished)
    assert finished.error is None
    _user, reply = priced.chat.load(conversation.id)[1]
    assert reply.id == partial.id
    assert (reply.status, reply.content) == ("complete", "".join(_full_reply(text)))
    continued = "".join(e.text for e in events if isinstance(e, ReplyDelta))
    assert reply.content == partial.content + continued
    assert reply.cost_is_estimate  # the first part was never reported
    assert reply.cost_usd is not None
    assert partial.cost_usd is not None
    assert reply.cost_usd > partial.cost_usd
    assert transport.completions == 2


@pytest.mark.asyncio
async def test_retry_regenerates_the_reply_beside_the_failed_one(priced: Services) -> None:
    conversation = priced.chat.create_conversation(model=MODEL)
    assert conversation.id is not None
    text = "[[sim:tokens=30]] try me [[sim:fault=error-after-5-times-1]]"
    failed = (await collect(priced.chat.send(conversation.id, text)))[-1]
    assert isinstance(failed, ReplyFinished)
    assert failed.message.id is not None

    finished = (await collect(priced.chat.retry_reply(failed.message.id)))[-1]

    assert isinstance(finished, ReplyFinished)
    assert finished.error is None
    user, old, new = priced.repository.list_messages(conversation_id=conversation.id)
    assert old.status == "interrupted"
    assert (new.status, new.parent_id) == ("complete", user.id)
    # The retry is the branch on show; the broken attempt stays beside it.
    assert [m.id for m in priced.chat.load(conversation.id)[1]] == [user.id, new.id]
    assert new.content == "".join(_full_reply(text))
