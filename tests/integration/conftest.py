"""A simulator on a loopback port and the real service graph wired to it."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace

import httpx
import pytest
import pytest_asyncio

from neural_terminal.bootstrap import Services, build_services, resilience_from
from neural_terminal.settings import Settings, load_settings
from neural_terminal.simulator import running_simulator


@pytest.fixture(scope="session")
def simulator_url() -> Iterator[str]:
    """A real simulator over HTTP, fast enough for tests (2,000 tokens/s)."""
    with running_simulator(tokens_per_second=2_000.0) as url:
        yield url


@pytest.fixture
def settings(simulator_url: str, sqlite_url: str) -> Settings:
    """Settings for a process whose upstream is the loopback simulator and DB a SQLite file."""
    return replace(
        load_settings({}),
        simulator="on",
        simulator_url=simulator_url,
        database_url=sqlite_url,
    )


class CountingTransport(httpx.AsyncBaseTransport):
    """The real HTTP transport, counting requests by path and the statuses they got."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self.requests: Counter[str] = Counter()
        self.statuses: list[int] = []

    @property
    def completions(self) -> int:
        """How many chat completions went to the upstream."""
        return self.requests["/chat/completions"]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Count, then send for real."""
        path = request.url.path.rsplit("/api/v1", 1)[-1]
        self.requests[path] += 1
        response = await self._inner.handle_async_request(request)
        self.statuses.append(response.status_code)
        return response

    async def aclose(self) -> None:
        """Close the real transport."""
        await self._inner.aclose()


class RecordedSleeps:
    """The retry loop's sleep, injected: records each wait and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(0)


@pytest.fixture
def transport() -> CountingTransport:
    return CountingTransport()


@pytest.fixture
def sleeps() -> RecordedSleeps:
    return RecordedSleeps()


@pytest_asyncio.fixture
async def services(
    settings: Settings, transport: CountingTransport, sleeps: RecordedSleeps
) -> AsyncIterator[Services]:
    """The composition root's graph, with counted requests and no real backoff waits."""
    resilience = replace(resilience_from(settings), sleep=sleeps)
    built = build_services(settings, resilience=resilience, transport=transport)
    yield built
    await built.aclose()
