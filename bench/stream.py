"""Streaming bench: websocket bytes and frames per reply, added latency, keeping up.

Drives Debian's Chromium (Playwright) against the real app and its simulator:

    .venv/bin/python -m bench.stream

For each reply it counts the websocket frames and bytes the page receives while the reply
streams, and measures added latency per token: the simulator records when it wrote each
piece of text (``/generation?timeline=1``) and the page records when that text appeared.
Beside each reply it prints what the naive recipe (one full-value state update per token)
would have sent for the same text, modelled from Reflex's delta frame format.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from playwright.sync_api import Page, WebSocket, sync_playwright

from neural_terminal.settings import load_settings
from neural_terminal.simulator.tokenising import ENCODING_NAME, token_pieces
from neural_terminal.store.conversations.repository import ChatRepository
from neural_terminal.store.engine import make_engine
from neural_terminal.store.tables import MessageStatus
from neural_terminal.tokens.encodings import get_encoding, use_cache_dir
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.server import RunningApp, running_app
from tests.e2e.test_chat import new_conversation, open_app, send, stored_messages, wait_reply_done

# Records (code points shown, epoch ms) each time the live text grows.
RECORD_ARRIVALS = """
() => {
  window.__ntArrivals = [];
  const original = window.ntLive.render.bind(window.ntLive);
  window.ntLive.render = (fresh, tries) => {
    original(fresh, tries);
    window.__ntArrivals.push([window.ntLive.points, performance.timeOrigin + performance.now()]);
  };
}
"""


@dataclass
class Frames:
    """Websocket frames the page received."""

    count: int = 0
    size: int = 0

    def take(self, payload: str | bytes) -> None:
        """Count one frame and its bytes (text frames as UTF-8)."""
        self.count += 1
        self.size += len(payload.encode() if isinstance(payload, str) else payload)


@dataclass
class Run:
    """One measured reply."""

    label: str
    tokens: int
    chars: int
    frames: int
    wire_bytes: int
    seconds: float
    latency_p50_ms: float
    latency_p95_ms: float
    finish_lag_ms: float
    naive_bytes: int


def naive_bytes(text_pieces: list[str], frame_overhead: int) -> int:
    """Bytes of one full-value delta per token: every frame carries the whole text so far."""
    total, shown = 0, 0
    for piece in text_pieces:
        shown += len(json.dumps(piece, ensure_ascii=False)) - 2
        total += frame_overhead + shown
    return total


def measure_reply(page: Page, app: RunningApp, frames: Frames, tokens: int, rate: int) -> Run:
    """Send one reply of ``tokens`` at ``rate`` tokens/s and measure it."""
    new_conversation(page)
    page.evaluate(RECORD_ARRIVALS)
    frames.count = frames.size = 0
    started = time.monotonic()
    send(page, f"[[sim:tokens={tokens}]] [[sim:rate={rate}]] bench reply of {tokens} tokens")
    wait_reply_done(page, timeout_ms=240_000)
    seconds = time.monotonic() - started
    reply = stored_messages(app)[-1]
    assert reply.status == MessageStatus.COMPLETE.value, reply.error
    timeline = _timeline(app, reply.generation_id or "")
    arrivals: list[list[float]] = page.evaluate("window.__ntArrivals")
    latencies = _latencies_ms(timeline, arrivals)
    full = len(reply.content)
    shown_all = next(t for points, t in arrivals if points >= full)
    pieces = _pieces(reply.content)
    return Run(
        label=f"{tokens:,} tokens @ {rate:,}/s",
        tokens=tokens,
        chars=full,
        frames=frames.count,
        wire_bytes=frames.size,
        seconds=seconds,
        latency_p50_ms=statistics.median(latencies),
        latency_p95_ms=statistics.quantiles(latencies, n=20)[-1],
        finish_lag_ms=shown_all - timeline[-1][1] * 1000,
        naive_bytes=naive_bytes(pieces, frame_overhead=_FRAME_OVERHEAD),
    )


# A Reflex delta frame carrying one string var: socket.io prefix, event name, the state's
# full name and the var's name around the value (measured on this app's frames).
_FRAME_OVERHEAD = len(
    '42["event",{"delta":{"reflex___state____state.neural_terminal___ui___chat___state____chat_state":'
    '{"streaming_text_rx_state_":""}},"events":[],"final":null}]'
)


def _timeline(app: RunningApp, generation_id: str) -> list[tuple[int, float]]:
    response = httpx.get(
        f"{app.url}/sim/api/v1/generation", params={"id": generation_id, "timeline": "1"}
    )
    response.raise_for_status()
    return [(int(p), float(t)) for p, t in response.json()["data"]["sim_timeline"]]


def _latencies_ms(timeline: list[tuple[int, float]], arrivals: list[list[float]]) -> list[float]:
    """For every piece the simulator wrote: when the page first showed it, minus when."""
    latencies, index = [], 0
    for points, written_at in timeline:
        while index < len(arrivals) and arrivals[index][0] < points:
            index += 1
        if index == len(arrivals):
            break
        latencies.append(arrivals[index][1] - written_at * 1000)
    return latencies


def _pieces(text: str) -> list[str]:
    """The reply split the way the simulator streamed it: one piece per token."""
    return token_pieces(get_encoding(ENCODING_NAME), text)


def history_ratio(page: Page, app: RunningApp, frames: Frames) -> tuple[int, int]:
    """Bytes of the same turn after 2 and after 200 earlier messages."""
    results = []
    for earlier in (2, 200):
        engine = make_engine(app.database_url)
        repo = ChatRepository(engine)
        # A 128k window: 200 messages would overflow terminal-small's 16k.
        conversation = repo.create_conversation(model="sim/terminal-large", title=f"{earlier}")
        assert conversation.id is not None
        for index in range(earlier):
            role = "user" if index % 2 == 0 else "assistant"
            repo.add_message(
                conversation_id=conversation.id, role=role, content=f"earlier message {index} " * 20
            )
        engine.dispose()
        page.reload()
        open_app(page, app)
        page.locator(f"#conv-{conversation.id}").click()
        page.locator(".nt-msg").nth(earlier - 1).wait_for(state="attached")
        frames.count = frames.size = 0
        send(page, "[[sim:tokens=500]] [[sim:rate=1000]] same turn")
        wait_reply_done(page)
        reply = stored_messages(app)[-1]
        assert reply.status == MessageStatus.COMPLETE.value, reply.error
        results.append(frames.size)
    return results[0], results[1]


def main() -> None:
    """Run the scenarios and print the table."""
    use_cache_dir(load_settings().tiktoken_cache_dir)
    with (
        tempfile.TemporaryDirectory() as workdir,
        running_app(Path(workdir)) as app,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        frames = Frames()

        def watch(socket: WebSocket) -> None:
            socket.on("framereceived", frames.take)

        page.on("websocket", watch)
        open_app(page, app)
        runs = [
            measure_reply(page, app, frames, tokens, rate)
            for tokens, rate in ((1000, 200), (4000, 200), (8000, 200), (8000, 2000))
        ]
        two, two_hundred = history_ratio(page, app, frames)
        browser.close()
    _print(runs, two, two_hundred)


def _print(runs: list[Run], two: int, two_hundred: int) -> None:
    print(
        f"{'reply':<22}{'chars':>8}{'frames':>8}{'upd/s':>7}{'wire KB':>9}{'x text':>8}"
        f"{'naive KB':>10}{'naive/ours':>11}{'p50 ms':>8}{'p95 ms':>8}{'end lag ms':>11}"
    )
    for run in runs:
        print(
            f"{run.label:<22}{run.chars:>8,}{run.frames:>8}{run.frames / run.seconds:>7.1f}"
            f"{run.wire_bytes / 1024:>9.1f}{run.wire_bytes / run.chars:>8.2f}"
            f"{run.naive_bytes / 1024:>10.0f}{run.naive_bytes / run.wire_bytes:>11.0f}"
            f"{run.latency_p50_ms:>8.1f}{run.latency_p95_ms:>8.1f}{run.finish_lag_ms:>11.1f}"
        )
    by_tokens = {run.tokens: run for run in runs if "@ 200/" in run.label}
    print(
        f"8,000 vs 4,000 tokens: {by_tokens[8000].wire_bytes / by_tokens[4000].wire_bytes:.2f}x "
        "bytes (target <= 2.2x)"
    )
    print(
        f"same turn after 200 vs 2 earlier messages: {two_hundred:,} vs {two:,} bytes = "
        f"{two_hundred / two:.2f}x (target <= 1.25x)"
    )


if __name__ == "__main__":
    main()
