"""Fixtures for the upstream client: respx routes and MockTransport-backed clients."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator

import httpx
import pytest
import pytest_asyncio
import respx

from neural_terminal.upstream import OpenRouterClient
from tests.upstream.samples import API_KEY, APP_TITLE, APP_URL, BASE_URL

Handler = Callable[[httpx.Request], httpx.Response]
Serve = Callable[[Handler], OpenRouterClient]


def make_client(http: httpx.AsyncClient, *, api_key: str | None = API_KEY) -> OpenRouterClient:
    """An ``OpenRouterClient`` for the test base URL over ``http``."""
    return OpenRouterClient(
        http, base_url=BASE_URL, api_key=api_key, app_url=APP_URL, app_title=APP_TITLE
    )


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    """respx routes under the test base URL; unrouted requests fail the test."""
    with respx.mock(base_url=BASE_URL, assert_all_called=False) as mock:
        yield mock


@pytest_asyncio.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """A plain pooled client (respx intercepts its transport)."""
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def client(http: httpx.AsyncClient) -> OpenRouterClient:
    """An upstream client with an API key."""
    return make_client(http)


@pytest_asyncio.fixture
async def serve() -> AsyncIterator[Serve]:
    """Build upstream clients whose every request is answered by a handler."""
    opened: list[httpx.AsyncClient] = []

    def build(handler: Handler) -> OpenRouterClient:
        http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
        opened.append(http)
        return make_client(http)

    yield build
    for http in opened:
        await http.aclose()
