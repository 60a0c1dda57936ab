"""The upstream client against the simulator over real HTTP on loopback."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from neural_terminal.domain.chat import ChatRequest, PromptMessage, TextDelta, UsageReport
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
from neural_terminal.upstream import OpenRouterClient


def _client(http: httpx.AsyncClient, url: str) -> OpenRouterClient:
    return OpenRouterClient(http, base_url=url, api_key=None, app_url="http://t", app_title="t")


def _ask(text: str, model: str = "sim/terminal-small") -> ChatRequest:
    return ChatRequest(model=model, messages=(PromptMessage(role="user", content=text),))


@pytest.mark.asyncio
async def test_models_carry_exact_per_token_prices(simulator_url: str) -> None:
    async with httpx.AsyncClient() as http:
        models = {m.id: m for m in await _client(http, simulator_url).list_models()}
    small = models["sim/terminal-small"]
    assert small.pricing.prompt == Decimal("0.0000005")
    assert small.pricing.completion == Decimal("0.0000015")
    assert small.context_length == 16384
    assert models["sim/terminal-free:free"].pricing.is_free


@pytest.mark.asyncio
async def test_a_stream_gives_the_same_text_as_a_completion_and_exact_cost(
    simulator_url: str,
) -> None:
    async with httpx.AsyncClient() as http:
        client = _client(http, simulator_url)
        async with client.stream_chat(_ask("Show me some code, ü 中文 🙂")) as stream:
            chunks = [chunk async for chunk in stream]
        whole, _report = await client.complete(_ask("Show me some code, ü 中文 🙂"))
    text = "".join(c.text for c in chunks if isinstance(c, TextDelta))
    reports = [c for c in chunks if isinstance(c, UsageReport)]
    assert text == whole
    assert "```python" in text
    assert len(reports) == 1
    usage = reports[0].usage
    assert usage.cost == (
        usage.prompt_tokens * Decimal("0.0000005") + usage.completion_tokens * Decimal("0.0000015")
    )
    assert stream.generation_id is not None
    assert stream.generation_id.startswith("gen-")


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        pytest.param("http-401", InvalidApiKey, id="401"),
        pytest.param("http-402", InsufficientCredits, id="402"),
        pytest.param("http-403", Moderated, id="403"),
        pytest.param("http-408", UpstreamTimeout, id="408"),
        pytest.param("http-429", RateLimited, id="429"),
        pytest.param("http-500", ProviderUnavailable, id="500"),
        pytest.param("http-502", ProviderUnavailable, id="502"),
        pytest.param("http-503", ProviderUnavailable, id="503"),
        pytest.param("drop-after-5", StreamInterrupted, id="drop"),
        pytest.param("error-after-5", StreamErrorPayload, id="in-stream-error"),
        pytest.param("malformed-after-5", MalformedStream, id="malformed"),
    ],
)
@pytest.mark.asyncio
async def test_each_fault_becomes_its_typed_error(
    simulator_url: str, fault: str, error: type[NeuralTerminalError]
) -> None:
    received: list[str] = []
    async with httpx.AsyncClient() as http:
        client = _client(http, simulator_url)
        with pytest.raises(error) as caught:
            async with client.stream_chat(_ask(f"hi [[sim:fault={fault}]]")) as stream:
                async for chunk in stream:
                    if isinstance(chunk, TextDelta):
                        received.append(chunk.text)
    assert caught.value.user_message
    if fault.endswith("-after-5"):
        assert len(received) == 5  # exactly what streamed before the fault
    else:
        assert received == []
    if fault == "http-429":
        assert isinstance(caught.value, RateLimited)
        assert caught.value.retry_after == 2.0


@pytest.mark.asyncio
async def test_a_stall_longer_than_the_read_timeout_is_an_interruption(simulator_url: str) -> None:
    # Far from both a healthy gap (milliseconds, a second on a loaded machine) and the stall.
    timeout = httpx.Timeout(30.0, read=4.0)
    async with httpx.AsyncClient(timeout=timeout) as http:
        client = _client(http, simulator_url)
        received: list[str] = []
        with pytest.raises(StreamInterrupted, match="stalled"):
            async with client.stream_chat(_ask("hi [[sim:fault=stall-mid-3-20]]")) as stream:
                async for chunk in stream:
                    if isinstance(chunk, TextDelta):
                        received.append(chunk.text)
        assert len(received) == 3
        with pytest.raises(UpstreamTimeout):
            async with client.stream_chat(_ask("hi [[sim:fault=stall-20]]")) as stream:
                pass
