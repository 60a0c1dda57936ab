"""A simulator on a loopback port and the real service graph wired to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace

import pytest
import pytest_asyncio

from neural_terminal.bootstrap import Services, build_services
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


@pytest_asyncio.fixture
async def services(settings: Settings) -> AsyncIterator[Services]:
    """The composition root's graph, closed after the test."""
    built = build_services(settings)
    yield built
    await built.aclose()
