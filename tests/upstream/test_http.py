"""The process-wide pooled client."""

from __future__ import annotations

import httpx
import pytest

from neural_terminal.settings import Settings
from neural_terminal.upstream import build_http_client


@pytest.mark.asyncio
async def test_timeouts_come_from_settings() -> None:
    settings = Settings(connect_timeout_s=3.0, first_byte_timeout_s=20.0, read_timeout_s=45.0)
    async with build_http_client(settings) as http:
        assert http.timeout == httpx.Timeout(connect=3.0, read=45.0, write=45.0, pool=3.0)


@pytest.mark.asyncio
async def test_the_read_backstop_covers_a_longer_first_byte_wait() -> None:
    # The client enforces both limits itself; httpx must never cut the longer one short.
    settings = Settings(connect_timeout_s=3.0, first_byte_timeout_s=90.0, read_timeout_s=45.0)
    async with build_http_client(settings) as http:
        assert http.timeout.read == 90.0


@pytest.mark.asyncio
async def test_an_injected_transport_is_used() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(204))
    async with build_http_client(Settings(), transport=transport) as http:
        assert (await http.get("http://upstream.test/")).status_code == 204
