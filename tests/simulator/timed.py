"""Calling the simulator's ASGI app directly on a virtual clock, with the time of each write.

A pacing or stall test over a real socket measures the machine as much as the simulator; here
every write is stamped with the loop's virtual time, so schedules are checked exactly. A write
may be given a cost (virtual seconds it takes), to stand in for a slow network or CPU.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from starlette.types import Message

from neural_terminal.simulator.app import create_simulator_app
from tests.simulator.reading import ReadStream, read_lines
from tests.virtual_time import VirtualClockLoop


@dataclass
class TimedBody:
    """A response as the simulator wrote it: status and each body write with its time."""

    status: int = 0
    writes: list[tuple[float, bytes]] = field(default_factory=list)

    def lines(self) -> list[tuple[float, str]]:
        """Each complete line of the body, stamped with the time of the write that ended it."""
        buffer = b""
        stamped: list[tuple[float, str]] = []
        for at, data in self.writes:
            buffer += data
            *complete, buffer = buffer.split(b"\n")
            stamped.extend((at, line.decode("utf-8")) for line in complete)
        return stamped

    def delta_times(self) -> list[float]:
        """When each chunk carrying text was written."""
        times: list[float] = []
        for at, line in self.lines():
            seen = read_lines([line])
            times.extend(at for _ in seen.deltas)
        return times

    def read(self) -> ReadStream:
        """The body as a client reads it."""
        return read_lines(line for _, line in self.lines())


async def post_stream(
    request: dict[str, Any],
    *,
    tokens_per_second: float = 5_000.0,
    headers: dict[str, str] | None = None,
    write_cost_s: float = 0.0,
) -> TimedBody:
    """POST a streamed chat request to a fresh simulator; run inside ``virtual_time.run``."""
    loop = asyncio.get_running_loop()
    assert isinstance(loop, VirtualClockLoop), "run this on tests.virtual_time's loop"
    app = create_simulator_app(tokens_per_second=tokens_per_second)
    payload = json.dumps({**request, "stream": True}).encode()
    raw_headers = [(b"content-type", b"application/json")]
    raw_headers += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1/chat/completions",
        "raw_path": b"/api/v1/chat/completions",
        "query_string": b"",
        "root_path": "",
        "headers": raw_headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }
    body = TimedBody()
    finished = asyncio.Event()
    requested = False

    async def receive() -> Message:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": payload, "more_body": False}
        await finished.wait()  # the client stays until the response ends
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            body.status = message["status"]
        elif message["type"] == "http.response.body":
            body.writes.append((loop.time(), message.get("body", b"")))
            loop.advance(write_cost_s)
            if not message.get("more_body", False):
                finished.set()

    await app(scope, receive, send)
    return body
