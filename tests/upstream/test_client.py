"""OpenRouterClient against respx routes: requests sent, replies read, errors mapped."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest
import respx

from neural_terminal.domain.chat import StreamChunk, Usage, UsageReport
from neural_terminal.domain.errors import (
    BadRequest,
    InsufficientCredits,
    InvalidApiKey,
    Moderated,
    NeuralTerminalError,
    ProviderUnavailable,
    RateLimited,
    UpstreamError,
    UpstreamTimeout,
    UpstreamUnreachable,
)
from neural_terminal.settings import Settings, SimulatorMode
from neural_terminal.upstream import OpenRouterClient
from neural_terminal.upstream.transport.own_connection import OWN_CONNECTION
from tests.upstream.conftest import make_client
from tests.upstream.samples import (
    API_KEY,
    APP_TITLE,
    APP_URL,
    BASE_URL,
    EXPECTED_CHUNKS,
    GENERATION_ID,
    REQUEST,
    SSE_HEADERS,
    STREAM_BODY,
)

STATUSES = [
    (400, BadRequest),
    (401, InvalidApiKey),
    (402, InsufficientCredits),
    (403, Moderated),
    (408, UpstreamTimeout),
    (429, RateLimited),
    (500, ProviderUnavailable),
    (502, ProviderUnavailable),
    (503, ProviderUnavailable),
]
TRANSPORT_FAILURES = [
    pytest.param(httpx.ConnectError("connection refused"), UpstreamUnreachable, id="connect"),
    pytest.param(httpx.ConnectTimeout("timed out"), UpstreamUnreachable, id="connect-timeout"),
    pytest.param(httpx.ReadTimeout("timed out"), UpstreamTimeout, id="read-timeout"),
]


def error_json(status: int, message: str) -> dict[str, object]:
    return {"error": {"code": status, "message": message, "metadata": {}}}


async def read_all(client: OpenRouterClient) -> list[StreamChunk]:
    async with client.stream_chat(REQUEST) as stream:
        return [chunk async for chunk in stream]


class TestListModels:
    @pytest.mark.asyncio
    async def test_reads_exact_per_token_prices(
        self, router: respx.MockRouter, client: OpenRouterClient
    ) -> None:
        router.get("/models").respond(
            json={
                "data": [
                    {
                        "id": "openai/gpt-3.5-turbo",
                        "name": "GPT-3.5 Turbo",
                        "context_length": 16385,
                        "pricing": {"prompt": "0.0000015", "completion": "0.000002"},
                    },
                    {"id": "broken", "pricing": {"prompt": "n/a"}},
                ]
            }
        )
        (model,) = await client.list_models()
        assert model.pricing.prompt == Decimal("0.0000015")
        assert model.pricing.completion == Decimal("0.000002")
        assert 1000 * model.pricing.prompt == Decimal("0.0015")

    @pytest.mark.asyncio
    async def test_an_unreadable_list_is_an_upstream_error(
        self, router: respx.MockRouter, client: OpenRouterClient
    ) -> None:
        router.get("/models").respond(text="<html>maintenance</html>")
        with pytest.raises(UpstreamError) as caught:
            await client.list_models()
        assert "model list" in caught.value.user_message

    @pytest.mark.asyncio
    async def test_an_error_status_is_mapped(
        self, router: respx.MockRouter, client: OpenRouterClient
    ) -> None:
        router.get("/models").respond(503, json=error_json(503, "down"))
        with pytest.raises(ProviderUnavailable):
            await client.list_models()


class TestStreamChat:
    @pytest.mark.asyncio
    async def test_streams_a_reply(
        self, router: respx.MockRouter, client: OpenRouterClient
    ) -> None:
        router.post("/chat/completions").respond(headers=SSE_HEADERS, content=STREAM_BODY)
        async with client.stream_chat(REQUEST) as stream:
            received = [chunk async for chunk in stream]
        assert received == EXPECTED_CHUNKS
        assert stream.generation_id == GENERATION_ID

    @pytest.mark.asyncio
    async def test_sends_the_body_and_attribution_headers(
        self, router: respx.MockRouter, client: OpenRouterClient
    ) -> None:
        route = router.post("/chat/completions").respond(headers=SSE_HEADERS, content=STREAM_BODY)
        await read_all(client)
        request = route.calls.last.request
        assert request.headers["Authorization"] == f"Bearer {API_KEY}"
        assert request.headers["HTTP-Referer"] == APP_URL
        assert request.headers["X-Title"] == APP_TITLE
        assert request.headers["Accept"] == "text/event-stream"
        body = json.loads(request.content)
        assert body["stream"] is True
        assert body["usage"] == {"include": True}
        assert body["model"] == REQUEST.model
        assert "max_tokens" not in body
        assert "temperature" not in body
        # Read on a connection of its own by httptools (transport/own_connection.py).
        assert request.extensions[OWN_CONNECTION] is True

    @pytest.mark.asyncio
    async def test_sends_no_authorization_without_a_key(
        self, router: respx.MockRouter, http: httpx.AsyncClient
    ) -> None:
        route = router.post("/chat/completions").respond(headers=SSE_HEADERS, content=STREAM_BODY)
        await read_all(make_client(http, api_key=None))
        request = route.calls.last.request
        assert "Authorization" not in request.headers
        assert request.headers["X-Title"] == APP_TITLE

    @pytest.mark.asyncio
    @pytest.mark.parametrize(("status", "kind"), STATUSES)
    async def test_an_error_status_raises_before_any_chunk(
        self,
        router: respx.MockRouter,
        client: OpenRouterClient,
        status: int,
        kind: type[UpstreamError],
    ) -> None:
        headers = {"Retry-After": "7"} if status == 429 else {}
        router.post("/chat/completions").respond(
            status, headers=headers, json=error_json(status, "Provider says no")
        )
        with pytest.raises(kind) as caught:
            async with client.stream_chat(REQUEST):
                pytest.fail("the stream must not open on an error status")
        error = caught.value
        assert type(error) is kind
        assert error.status == status
        assert error.user_message.strip()
        assert "Provider says no" in error.user_message
        assert f"HTTP {status}" in error.detail
        if isinstance(error, RateLimited):
            assert error.retry_after == 7.0
            assert "7 s" in error.user_message

    @pytest.mark.asyncio
    @pytest.mark.parametrize(("failure", "kind"), TRANSPORT_FAILURES)
    async def test_a_transport_failure_before_the_reply_keeps_its_cause(
        self,
        router: respx.MockRouter,
        client: OpenRouterClient,
        failure: httpx.TransportError,
        kind: type[UpstreamError],
    ) -> None:
        router.post("/chat/completions").mock(side_effect=failure)
        with pytest.raises(kind) as caught:
            await read_all(client)
        assert caught.value.user_message
        assert caught.value.__cause__ is failure

    @pytest.mark.asyncio
    async def test_a_base_url_without_a_scheme_is_unreachable(
        self, http: httpx.AsyncClient
    ) -> None:
        client = OpenRouterClient(
            http, base_url="localhost:8000/v1", api_key=None, app_url=APP_URL, app_title=APP_TITLE
        )
        with pytest.raises(UpstreamUnreachable) as caught:
            await read_all(client)
        assert isinstance(caught.value.__cause__, httpx.HTTPError | httpx.InvalidURL)


class TestComplete:
    @pytest.mark.asyncio
    async def test_returns_text_and_usage(
        self, router: respx.MockRouter, client: OpenRouterClient
    ) -> None:
        route = router.post("/chat/completions").respond(
            content=b'{"id":"gen-9","choices":[{"message":{"role":"assistant","content":"Short."},'
            b'"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":2,'
            b'"cost":0.0000042}}',
            headers={"content-type": "application/json"},
        )
        text, report = await client.complete(REQUEST)
        assert text == "Short."
        assert report == UsageReport(Usage(12, 2, cost=Decimal("0.0000042")), "stop")
        request = route.calls.last.request
        assert json.loads(request.content)["stream"] is False
        assert request.headers["Accept"] == "application/json"

    @pytest.mark.asyncio
    @pytest.mark.parametrize(("status", "kind"), STATUSES)
    async def test_an_error_status_is_mapped(
        self,
        router: respx.MockRouter,
        client: OpenRouterClient,
        status: int,
        kind: type[UpstreamError],
    ) -> None:
        router.post("/chat/completions").respond(status, json=error_json(status, "nope"))
        with pytest.raises(kind):
            await client.complete(REQUEST)

    @pytest.mark.asyncio
    async def test_an_error_inside_a_200_body_is_mapped_by_its_code(
        self, router: respx.MockRouter, client: OpenRouterClient
    ) -> None:
        router.post("/chat/completions").respond(json=error_json(502, "Provider returned error"))
        with pytest.raises(ProviderUnavailable) as caught:
            await client.complete(REQUEST)
        assert "Provider returned error" in caught.value.user_message

    @pytest.mark.asyncio
    @pytest.mark.parametrize(("failure", "kind"), TRANSPORT_FAILURES)
    async def test_a_transport_failure_keeps_its_cause(
        self,
        router: respx.MockRouter,
        client: OpenRouterClient,
        failure: httpx.TransportError,
        kind: type[UpstreamError],
    ) -> None:
        router.post("/chat/completions").mock(side_effect=failure)
        with pytest.raises(kind) as caught:
            await client.complete(REQUEST)
        assert caught.value.__cause__ is failure


class TestTheKeyNeverLeaks:
    @pytest.mark.asyncio
    @pytest.mark.parametrize(("status", "kind"), STATUSES)
    async def test_from_an_error_status(
        self,
        router: respx.MockRouter,
        client: OpenRouterClient,
        status: int,
        kind: type[UpstreamError],
    ) -> None:
        echo = error_json(status, f"Key {API_KEY} is not valid")
        router.post("/chat/completions").respond(status, json=echo)
        router.get("/models").respond(status, text=f"<pre>Authorization: Bearer {API_KEY}</pre>")
        for call in (read_all(client), client.complete(REQUEST), client.list_models()):
            with pytest.raises(kind) as caught:
                await call  # each call is a fresh coroutine awaited exactly once
            assert_no_key(caught.value)

    @pytest.mark.asyncio
    @pytest.mark.parametrize(
        "content",
        [
            pytest.param(
                f'data: {{"error":{{"code":401,"message":"bad {API_KEY}"}}}}\n\n', id="payload"
            ),
            pytest.param(f"data: {{{API_KEY}\n\n", id="malformed"),
            pytest.param(f'data: {{"choices":[],"usage":{{"cost":"{API_KEY}"}}}}\n\n', id="usage"),
            pytest.param("data: {}\n\n", id="no-done"),
        ],
    )
    async def test_from_a_failing_stream(
        self, router: respx.MockRouter, client: OpenRouterClient, content: str
    ) -> None:
        router.post("/chat/completions").respond(headers=SSE_HEADERS, content=content.encode())
        with pytest.raises(NeuralTerminalError) as caught:
            await read_all(client)
        assert_no_key(caught.value)

    @pytest.mark.asyncio
    async def test_from_an_unreadable_reply(
        self, router: respx.MockRouter, client: OpenRouterClient
    ) -> None:
        router.post("/chat/completions").respond(text=f"oops {API_KEY}")
        router.get("/models").respond(json={"data": f"{API_KEY}"})
        for call in (client.complete(REQUEST), client.list_models()):
            with pytest.raises(UpstreamError) as caught:
                await call
            assert_no_key(caught.value)

    @pytest.mark.asyncio
    @pytest.mark.parametrize(("failure", "kind"), TRANSPORT_FAILURES)
    async def test_from_a_transport_failure(
        self,
        router: respx.MockRouter,
        client: OpenRouterClient,
        failure: httpx.TransportError,
        kind: type[UpstreamError],
    ) -> None:
        router.post("/chat/completions").mock(side_effect=failure)
        with pytest.raises(kind) as caught:
            await read_all(client)
        assert_no_key(caught.value)

    def test_from_the_client_repr(self, client: OpenRouterClient) -> None:
        assert API_KEY not in repr(client)


def assert_no_key(error: NeuralTerminalError) -> None:
    for text in (str(error), repr(error), error.user_message, error.detail):
        assert API_KEY not in text


@pytest.mark.asyncio
@pytest.mark.parametrize(("simulator", "authorized"), [("on", False), ("off", True)])
async def test_from_settings_never_sends_the_key_to_the_simulator(
    router: respx.MockRouter, http: httpx.AsyncClient, simulator: SimulatorMode, authorized: bool
) -> None:
    settings = Settings(
        api_key=API_KEY, simulator=simulator, base_url=BASE_URL, simulator_url=BASE_URL
    )
    route = router.get("/models").respond(json={"data": []})
    await OpenRouterClient.from_settings(http, settings).list_models()
    assert ("Authorization" in route.calls.last.request.headers) is authorized


def test_the_package_face() -> None:
    import neural_terminal.upstream as upstream

    assert sorted(upstream.__all__) == ["ChatStream", "OpenRouterClient", "build_http_client"]
