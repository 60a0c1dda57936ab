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
from neural_terminal.upstream.http import build_http_client
from neural_terminal.upstream.stream import ChatStream

__all__ = ["ChatStream", "OpenRouterClient", "build_http_client"]
