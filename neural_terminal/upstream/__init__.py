"""The upstream chat API: one pooled HTTP client, typed streams, domain errors.

Usage::

    http = build_http_client(settings)
    upstream = OpenRouterClient.from_settings(http, settings)
    async with upstream.stream_chat(request) as stream:
        async for chunk in stream:
            ...
"""

from __future__ import annotations

from neural_terminal.upstream.client import OpenRouterClient
from neural_terminal.upstream.streaming.stream import ChatStream
from neural_terminal.upstream.transport.http import build_http_client

__all__ = ["ChatStream", "OpenRouterClient", "build_http_client"]
