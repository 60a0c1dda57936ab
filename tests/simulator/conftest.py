"""One simulator on a loopback port for the whole module tree, and clients for it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import tiktoken

from neural_terminal.simulator import running_simulator
from neural_terminal.simulator.requests.tokenising import ENCODING_NAME
from neural_terminal.tokens.encodings import get_encoding

# Fast enough that a 100-token reply takes 20 ms; pacing tests set their own rate per request.
TEST_TOKENS_PER_SECOND = 5_000.0


@pytest.fixture(scope="session")
def sim_url() -> Iterator[str]:
    """Base URL (``.../api/v1``) of a simulator served by uvicorn on 127.0.0.1."""
    with running_simulator(tokens_per_second=TEST_TOKENS_PER_SECOND) as url:
        yield url


@pytest.fixture
def client(sim_url: str) -> Iterator[httpx.Client]:
    """A real HTTP client for the simulator."""
    with httpx.Client(base_url=sim_url, timeout=10.0) as http:
        yield http


@pytest.fixture(scope="session")
def encoding() -> tiktoken.Encoding:
    """cl100k_base from the provisioned cache (the root conftest points tiktoken at it)."""
    return get_encoding(ENCODING_NAME)
