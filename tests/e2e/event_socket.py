"""Reflex's Socket.IO protocol, client side: a page's websocket to ``/_event``, without a browser.

The load bench drives many of these; the security tests use one to send state events a page
never would (another user's ids). It connects as the app's own page does: with its ``Origin``
and the cookie of a browser that was let in.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Ping,
    RejectConnection,
    Request,
    TextMessage,
)

STATE = "reflex___state____state"
CHAT = f"{STATE}.neural_terminal___ui___chat___state____chat_state"
HYDRATE = f"{STATE}.hydrate_and_load"
ROUTER_DATA = {"pathname": "/", "asPath": "/"}
NAMESPACE = "/_event"  # Reflex's Socket.IO namespace (also the socket's path)


class ProtocolError(Exception):
    """The server answered something this client does not expect."""


@dataclass(frozen=True)
class Boot:
    """What a freshly loaded page sends when its socket connects (``bootAuth`` in state.js)."""

    state_schema: str | None
    hashes: list[str] | None

    @classmethod
    def from_compiled_page(cls, web_dir: Path) -> Boot:
        """Read the compiled state schema and initial hashes from ``utils/context.jsx``."""
        try:
            source = (web_dir / "utils" / "context.jsx").read_text()
        except OSError:
            return cls(None, None)
        schema = re.search(r'export const stateSchema = "([0-9a-f]+)"', source)
        hashes = re.search(r"export const initialStateHashes = (\[[^\]]*\])", source)
        return cls(
            schema.group(1) if schema else None,
            json.loads(hashes.group(1)) if hashes else None,
        )

    def auth(self) -> dict[str, Any]:
        """The socket.io CONNECT payload: the hydrate event rides in it."""
        payload: dict[str, Any] = {} if self.hashes is None else {"hashes": self.hashes}
        event = {"name": HYDRATE, "payload": payload, "router_data": ROUTER_DATA}
        auth: dict[str, Any] = {"event": event}
        if self.state_schema is not None:
            auth["state_schema"] = self.state_schema
        return auth


def reflex_version() -> str:
    """The websocket subprotocol the page offers (the Reflex version)."""
    from reflex import constants

    return str(constants.Reflex.VERSION)


OnUpdate = Callable[[dict[str, Any], float], None]


class EventSocket:
    """One connection to ``/_event``: Engine.IO 4 packets over a websocket (wsproto, asyncio).

    Text packets only: ``0`` open, ``2`` ping (answered ``3``), ``4`` + a Socket.IO packet
    in namespace ``/_event`` (``0`` connect, ``2`` event, ``4`` connect error), e.g.
    ``42/_event,["event",{...}]``. Every ``event`` update is handed to ``on_update`` with the
    wall-clock time of the read that completed it.
    """

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        ws: WSConnection,
        on_update: OnUpdate,
        trace: Callable[[str], None] | None,
    ) -> None:
        self._reader, self._writer, self._ws = reader, writer, ws
        self._on_update = on_update
        self._trace = trace
        self._opened: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._connected: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._pump_task: asyncio.Task[None] | None = None
        self.closed = asyncio.Event()
        self.frames = 0
        self.bytes = 0
        self.error = ""

    @classmethod
    async def connect(
        cls,
        host: str,
        port: int,
        token: str,
        auth: dict[str, Any],
        on_update: OnUpdate,
        trace: Callable[[str], None] | None = None,
        *,
        cookie: str = "",
    ) -> EventSocket:
        """Open the websocket, then the default namespace with ``auth``; wait for its ack.

        As the app's own page would: with its ``Origin`` and the unlocked browser's cookie.
        """
        reader, writer = await asyncio.open_connection(host, port)
        ws = WSConnection(ConnectionType.CLIENT)
        target = f"/_event/?EIO=4&transport=websocket&token={token}"
        origin = f"http://{host}:{port}"
        headers = [(b"origin", origin.encode()), (b"cookie", cookie.encode())]
        request = Request(
            host=f"{host}:{port}",
            target=target,
            subprotocols=[reflex_version()],
            extra_headers=headers,
        )
        writer.write(ws.send(request))
        socket = cls(reader, writer, ws, on_update, trace)
        socket._pump_task = asyncio.create_task(socket._pump())
        await socket._opened
        socket._send_text(f"40{NAMESPACE}," + json.dumps(auth, separators=(",", ":")))
        await socket._connected
        return socket

    def emit_event(self, name: str, payload: dict[str, Any]) -> None:
        """``socket.emit("event", {...})`` as ``applyEvent`` sends a backend event."""
        event = {"name": name, "payload": payload, "router_data": ROUTER_DATA}
        self._send_text(f"42{NAMESPACE}," + json.dumps(["event", event], separators=(",", ":")))

    async def close(self) -> None:
        """Leave the namespace and close the websocket."""
        if not self.closed.is_set():
            try:
                self._send_text(f"41{NAMESPACE},")
                self._writer.write(self._ws.send(CloseConnection(code=1000)))
                await asyncio.wait_for(self.closed.wait(), 5)
            except (OSError, TimeoutError, RuntimeError):
                pass
        if self._pump_task is not None:
            self._pump_task.cancel()
        self._writer.close()

    def _send_text(self, text: str) -> None:
        self._writer.write(self._ws.send(TextMessage(data=text)))

    async def _pump(self) -> None:
        parts: list[str] = []
        try:
            while True:
                data = await self._reader.read(1 << 16)
                received = time.time()
                self._ws.receive_data(data or None)
                for event in self._ws.events():
                    if isinstance(event, TextMessage):
                        parts.append(event.data)
                        if event.message_finished:
                            self._packet("".join(parts), received)
                            parts = []
                    elif isinstance(event, AcceptConnection):
                        pass
                    elif isinstance(event, Ping):
                        self._writer.write(self._ws.send(event.response()))
                    elif isinstance(event, CloseConnection):
                        self._writer.write(self._ws.send(event.response()))
                        return
                    elif isinstance(event, RejectConnection | BytesMessage):
                        raise ProtocolError(f"unexpected {type(event).__name__}")
                if not data:
                    return
        except Exception as exc:
            self.error = f"{type(exc).__name__}: {exc}"
            for waiter in (self._opened, self._connected):
                if not waiter.done():
                    waiter.set_exception(exc)
        finally:
            self.closed.set()
            for waiter in (self._opened, self._connected):
                if not waiter.done():
                    waiter.set_exception(ProtocolError(self.error or "connection closed"))

    def _packet(self, text: str, received: float) -> None:
        self.frames += 1
        self.bytes += len(text.encode())
        if self._trace is not None:
            self._trace(text)
        kind, body = text[:1], text[1:]
        if kind == "0":
            self._opened.set_result(body)
        elif kind == "2":
            self._send_text("3")
        elif kind == "4":
            self._socketio(body, received)
        elif kind == "1":
            raise ProtocolError("the server closed the Engine.IO session")

    def _socketio(self, packet: str, received: float) -> None:
        kind, body = packet[:1], packet[1:]
        if body.startswith("/"):
            namespace, _, body = body.partition(",")
            if namespace != NAMESPACE:
                return
        body = body.lstrip("0123456789")  # an ack id, if any
        if kind == "0":
            self._connected.set_result(body)
        elif kind == "4":
            raise ProtocolError(f"connect refused: {body}")
        elif kind == "1":
            raise ProtocolError("the server left the namespace")
        elif kind == "2":
            name, *args = json.loads(body)
            if name == "event" and args and isinstance(args[0], dict):
                self._on_update(args[0], received)
