"""The one pooled HTTP client of the process; the composition root builds it once."""

from __future__ import annotations

import httpx

from neural_terminal.settings import Settings
from neural_terminal.upstream.transport.network import AsyncioTransport

# Every open reply stream holds a connection for its whole length, so the pool must cover
# the number of concurrent replies a worker may carry (bench/load.py runs 300; at 200 the
# 201st waited for a free connection and failed); idle keep-alive ones are kept modestly.
POOL_LIMITS = httpx.Limits(max_connections=1000, max_keepalive_connections=40, keepalive_expiry=30)


def build_http_client(
    settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """An ``AsyncClient`` with our timeouts and pool limits; close it at shutdown."""
    timeout = httpx.Timeout(
        connect=settings.connect_timeout_s,
        # httpx's read timeout is the longest wait for the next bytes, not for the whole
        # reply. It cannot tell the first byte from later ones, so it is only the backstop:
        # the client enforces the first-byte and between-chunks limits itself
        # (streaming/deadlines.py).
        read=max(settings.read_timeout_s, settings.first_byte_timeout_s),
        write=settings.read_timeout_s,
        # Waiting for a free pooled connection is part of getting connected.
        pool=settings.connect_timeout_s,
    )
    return httpx.AsyncClient(
        timeout=timeout,
        limits=POOL_LIMITS,
        transport=transport or AsyncioTransport(limits=POOL_LIMITS),
    )
