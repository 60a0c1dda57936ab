"""Upstream client bench: the CPU our client spends per streamed token, by transport.

Runs the simulator in a process of its own and streams replies from it through
``OpenRouterClient.stream_chat`` in this process (on uvloop, as the backend runs), many at once,
with nothing else running here: no Reflex, no database. Each setup runs in turn,
alternating, so the figures come from the same minutes of the same machine:

    .venv/bin/python -m bench.upstream [--streams 100] [--tokens 400] [--rate 50] [--rounds 3]

- ``own connection``: today's client (a reply stream on a connection of its own, parsed by
  httptools: upstream/transport/own_connection.py);
- ``httpcore pool``: the same client with the stream on httpcore's pool and h11, as before.

Printed per setup: this process's CPU per delivered token (user + system), the total, and
the machine's load. Every reply is checked whole (its token count as the simulator reports it).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import httpx
import uvloop

from bench.load import external_simulator
from neural_terminal.domain.chat import ChatRequest, PromptMessage, TextDelta, UsageReport
from neural_terminal.upstream import OpenRouterClient
from neural_terminal.upstream.transport.http import POOL_LIMITS
from neural_terminal.upstream.transport.network import AsyncioTransport


class PooledOnly(AsyncioTransport):
    """The transport as it was before own connections: every request on httpcore's pool."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await httpx.AsyncHTTPTransport.handle_async_request(self, request)


SETUPS = {"own connection": AsyncioTransport, "httpcore pool": PooledOnly}


async def one_reply(client: OpenRouterClient, tokens: int, index: int) -> int:
    """Stream one reply; the tokens the simulator says it sent (checked against the text)."""
    prompt = f"reply {index} [[sim:tokens={tokens}]]"
    request = ChatRequest("sim/terminal-small", (PromptMessage("user", prompt),))
    text: list[str] = []
    usage: UsageReport | None = None
    async with client.stream_chat(request) as stream:
        async for chunk in stream:
            if isinstance(chunk, TextDelta):
                text.append(chunk.text)
            elif isinstance(chunk, UsageReport):
                usage = chunk
    if usage is None or usage.usage.completion_tokens != tokens or not text:
        raise RuntimeError(f"reply {index} incomplete: usage {usage}, {len(text)} pieces")
    return tokens


async def round_of(setup: str, base_url: str, streams: int, tokens: int) -> tuple[float, float]:
    """Run ``streams`` replies at once on a fresh client; (CPU s, wall s) of this process."""
    http = httpx.AsyncClient(
        timeout=httpx.Timeout(60.0), limits=POOL_LIMITS, transport=SETUPS[setup](limits=POOL_LIMITS)
    )
    client = OpenRouterClient(
        http, base_url=base_url, api_key=None, app_url="http://bench", app_title="bench"
    )
    try:
        cpu, wall = time.process_time(), time.monotonic()
        done = await asyncio.gather(*(one_reply(client, tokens, i) for i in range(streams)))
        cpu, wall = time.process_time() - cpu, time.monotonic() - wall
    finally:
        await http.aclose()
    assert sum(done) == streams * tokens
    return cpu, wall


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the options, start the simulator and run every setup in turn."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, default=100)
    parser.add_argument("--tokens", type=int, default=400)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    delivered = args.streams * args.tokens
    cpu_per_token: dict[str, list[float]] = {setup: [] for setup in SETUPS}
    with (
        tempfile.TemporaryDirectory() as workdir,
        external_simulator(Path(workdir), args.rate) as sim,
    ):
        print(
            f"{args.streams} streams x {args.tokens} tokens at {args.rate:g} tokens/s, "
            f"{args.rounds} rounds; load average {os.getloadavg()[0]:.1f}"
        )
        for round_number in range(1, args.rounds + 1):
            for setup in SETUPS:
                cpu, wall = uvloop.run(round_of(setup, sim.api, args.streams, args.tokens))
                cpu_per_token[setup].append(cpu / delivered * 1e6)
                print(
                    f"  round {round_number} {setup:15s} CPU {cpu:5.2f} s in {wall:5.1f} s: "
                    f"{cpu / delivered * 1e6:5.1f} us per token; "
                    f"load average {os.getloadavg()[0]:.1f}"
                )
    medians = {setup: statistics.median(values) for setup, values in cpu_per_token.items()}
    base = medians["httpcore pool"]
    for setup, value in medians.items():
        print(f"{setup:15s} median {value:5.1f} us per token ({value / base:.2f}x httpcore pool)")


if __name__ == "__main__":
    main()
