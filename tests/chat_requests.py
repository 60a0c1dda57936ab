"""The chat requests an upstream received: ASGI middleware for ``running_simulator(wrap=...)``
that keeps the parsed body of every ``/chat/completions`` request, in order."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class ChatRequests:
    """Every chat request's JSON body, as the upstream read it (``bodies``)."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []

    def wrap(self, app: ASGIApp) -> ASGIApp:
        """Wrap the upstream app (running_simulator's ``wrap``)."""

        async def recorded(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http" or not scope["path"].endswith("/chat/completions"):
                await app(scope, receive, send)
                return
            body = bytearray()

            async def reading() -> Message:
                message = await receive()
                if message["type"] != "http.request":
                    return message  # a later wait for the client's disconnect
                body.extend(message.get("body", b""))
                if not message.get("more_body"):
                    self.bodies.append(json.loads(body))
                return message

            await app(scope, reading, send)

        return recorded
