"""Body writes cut inside multi-byte characters, seen at the ASGI level."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from starlette.types import Message

from neural_terminal.simulator import create_simulator_app
from neural_terminal.simulator.streaming import split_inside_character

from .reading import read_lines


def _ends_inside_a_character(data: bytes) -> bool:
    try:
        data.decode()
    except UnicodeDecodeError as exc:
        return exc.reason == "unexpected end of data"
    return False


async def _call_app(payload: dict[str, Any]) -> tuple[int, list[bytes]]:
    """Run one request through the app; return the status and every body write."""
    app = create_simulator_app(tokens_per_second=10_000)
    requests = [{"type": "http.request", "body": json.dumps(payload).encode(), "more_body": False}]
    client_stays = asyncio.Event()  # never set: this client never disconnects
    status = 0
    writes: list[bytes] = []

    async def receive() -> dict[str, Any]:
        if requests:
            return requests.pop()
        await client_stays.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            writes.append(message["body"])

    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1/chat/completions",
        "raw_path": b"/api/v1/chat/completions",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }
    await app(scope, receive, send)
    return status, writes


@pytest.mark.asyncio
async def test_multibyte_events_are_written_in_two_parts_cut_inside_a_character() -> None:
    text = "naïve café 🙂 “quoted”"
    payload = {
        "model": "sim/terminal-small",
        "stream": True,
        "messages": [{"role": "user", "content": f"/echo {text}"}],
    }
    status, writes = await _call_app(payload)
    assert status == 200
    assert any(_ends_inside_a_character(write) for write in writes)
    whole = b"".join(writes).decode()  # the concatenation is valid UTF-8
    assert "\\u" not in whole  # non-ASCII is written raw, not escaped
    seen = read_lines(whole.split("\n"))
    assert seen.content == text
    assert seen.done


@pytest.mark.parametrize(
    ("data", "parts"),
    [
        pytest.param(b"plain ascii", [b"plain ascii"], id="ascii"),
        pytest.param("a é b".encode(), [b"a \xc3", b"\xa9 b"], id="two-byte"),
        pytest.param("🙂".encode(), [b"\xf0", b"\x9f\x99\x82"], id="four-byte"),
    ],
)
def test_split_inside_character(data: bytes, parts: list[bytes]) -> None:
    assert split_inside_character(data) == parts
