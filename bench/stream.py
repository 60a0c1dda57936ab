"""Streaming bench: the page's main-thread work, the websocket's bytes, added latency.

Drives Debian's Chromium (Playwright) against the real app and its simulator:

    .venv/bin/python -m bench.stream

Every reply (1,000 / 4,000 / 8,000 tokens at 200 tokens/s) is measured, in one run, under:

- ``ours``: this page, uvicorn with a compressed websocket (what `make run` serves);
- ``ours, old page``: the same server, with the page script as it was before issue 16 (one
  growing text block, a scroll observer that reads ``scrollHeight`` per append);
- ``ours, uncompressed`` and ``ours, Granian``: this page on uvicorn without compression
  and on Reflex's Granian (which has none), for the wire bytes and the server's CPU;
- ``naive``: a tiny Reflex app (bench/naive_app) whose background handler appends each token
  to a string var, for 1,000 and 4,000 tokens, on Reflex's default server;
- ``ours, markdown`` and ``ours, markdown, plain page``: replies in markdown (the simulator's
  ``[[sim:markdown=on]]``: paragraphs, lists, code, tables...) on this page, which draws each
  finished block as markdown while the reply streams, and with the page script before that
  (all plain text until the reply completes).

For each it prints the page's main-thread time (CDP ``Performance.getMetrics``: tasks,
layout, style, script), its long tasks (``PerformanceObserver('longtask')``), the websocket
frames and their payload as the page sees them (after decompression), the bytes on the wire
(the kernel's counts for the server's sockets: ``ss -ti``), and the server's CPU time. Added
latency per token: the simulator records when it wrote each piece of text
(``/generation?timeline=1``) and the page records when that text was drawn.

The machine is shared: read ratios between rows of one run, not absolute times.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from playwright.sync_api import Browser, CDPSession, Page, WebSocket, sync_playwright

from bench.page_metrics import (
    LONG_TASKS,
    MainThread,
    main_thread,
    renderer_cpu_s,
    take_long_tasks,
)
from bench.wire import bytes_since, server_cpu_s, socket_bytes
from neural_terminal.settings import PROJECT_ROOT, load_settings
from neural_terminal.simulator.requests.tokenising import ENCODING_NAME, token_pieces
from neural_terminal.store.tables import MessageStatus
from neural_terminal.tokens.encodings import get_encoding, use_cache_dir
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.server import RunningApp, free_port, running_app
from tests.e2e.test_chat import new_conversation, open_app, send, stored_messages, wait_reply_done

CASES = ((1000, 200), (4000, 200), (8000, 200))
# The same turn after 2 and 200 earlier messages (README): off with NT_BENCH_HISTORY=off.
SKIP_HISTORY = os.environ.get("NT_BENCH_HISTORY", "on") == "off"
NAIVE_CASES = ((1000, 200), (4000, 200))
# The page script before issue 16, for the "old page" rows (served in place of the new one).
OLD_PAGE_COMMIT = "7108b03"
# The page script before live markdown (issue 15): a streaming reply is all plain text.
PLAIN_PAGE_COMMIT = "a511ca1"

# The browser's own CDP session (for its renderers' process ids), once launched.
BROWSER_CDP: list[CDPSession] = []

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
    """Websocket frames the page received (payloads as the page sees them: decompressed)."""

    count: int = 0
    size: int = 0

    def take(self, payload: str | bytes) -> None:
        """Count one frame and its bytes (text frames as UTF-8)."""
        self.count += 1
        self.size += len(payload.encode() if isinstance(payload, str) else payload)


@dataclass
class Run:
    """One measured reply."""

    setup: str
    tokens: int
    rate: int
    chars: int
    frames: int
    payload_bytes: int
    wire_down: int
    wire_up: int
    seconds: float
    server_cpu_s: float
    page: MainThread
    # CPU time of the renderer's main thread, and of the whole renderer (raster, compositor).
    main_cpu_s: float
    renderer_cpu_s: float
    long_tasks: list[float]
    latency_p50_ms: float | None = None
    latency_p95_ms: float | None = None
    finish_lag_ms: float | None = None

    @property
    def busy_share(self) -> float:
        """The main thread's CPU time as a share of one core over the reply's duration."""
        return self.main_cpu_s / self.seconds


@dataclass
class Setup:
    """One way of serving the app, and the page script it runs."""

    label: str
    env: dict[str, str] = field(default_factory=dict)
    old_page: bool = False
    history: bool = False
    # Replies in markdown, and the page script of this commit in place of today's.
    markdown: bool = False
    page_commit: str | None = None
    # A stylesheet added to the page (what a look costs: the glow, the blinking cursor).
    style: str = ""


SETUPS = (
    Setup("ours", history=True),
    Setup("ours, old page", old_page=True),
    Setup("ours, uncompressed", {"NEURAL_TERMINAL_WS_COMPRESSION": "off"}),
    Setup("ours, Granian", {"NEURAL_TERMINAL_SERVER": "granian"}),
    Setup("ours, markdown", markdown=True),
    Setup("ours, markdown, plain page", markdown=True, page_commit=PLAIN_PAGE_COMMIT),
    Setup("ours, no glow", style="*{text-shadow:none!important}"),
    Setup("ours, 40 ms updates", {"NEURAL_TERMINAL_PAGE_UPDATE_S": "0.04"}),
    Setup("ours, 80 ms updates", {"NEURAL_TERMINAL_PAGE_UPDATE_S": "0.08"}),
    Setup("ours, 100 ms updates", {"NEURAL_TERMINAL_PAGE_UPDATE_S": "0.1"}),
    Setup("ours, 120 ms updates", {"NEURAL_TERMINAL_PAGE_UPDATE_S": "0.12"}),
    Setup(
        "ours, no glow, still cursor",
        style="*{text-shadow:none!important;animation:none!important}",
    ),
)


def measure_reply(
    page: Page,
    app: RunningApp,
    frames: Frames,
    setup: str,
    tokens: int,
    rate: int,
    *,
    markdown: bool = False,
) -> Run:
    """Send one reply of ``tokens`` at ``rate`` tokens/s and measure it."""
    new_conversation(page)
    page.evaluate(RECORD_ARRIVALS)
    take_long_tasks(page)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")
    before = main_thread(cdp)
    frames.count = frames.size = 0
    sockets = socket_bytes(app.port)
    cpu = server_cpu_s(app.process.pid)
    renderer = renderer_cpu_s(BROWSER_CDP[0])
    started = time.monotonic()
    directives = f"[[sim:tokens={tokens}]] [[sim:rate={rate}]]"
    if markdown:
        directives += " [[sim:markdown=on]]"
    send(page, f"{directives} bench reply of {tokens} tokens")
    wait_reply_done(page, timeout_ms=600_000)
    seconds = time.monotonic() - started
    page_work = main_thread(cdp) - before
    renderer_after = renderer_cpu_s(BROWSER_CDP[0])
    down, up = bytes_since(sockets, socket_bytes(app.port))
    cpu = server_cpu_s(app.process.pid) - cpu
    long_tasks = take_long_tasks(page)
    cdp.detach()
    reply = stored_messages(app)[-1]
    assert reply.status == MessageStatus.COMPLETE.value, reply.error
    timeline = _timeline(app, reply.generation_id or "")
    arrivals: list[list[float]] = page.evaluate("window.__ntArrivals")
    latencies = _latencies_ms(timeline, arrivals)
    full = len(reply.content)
    shown_all = next(t for points, t in arrivals if points >= full)
    return Run(
        setup=setup,
        tokens=tokens,
        rate=rate,
        chars=full,
        frames=frames.count,
        payload_bytes=frames.size,
        wire_down=down,
        wire_up=up,
        seconds=seconds,
        server_cpu_s=cpu,
        page=page_work,
        main_cpu_s=renderer_after[0] - renderer[0],
        renderer_cpu_s=renderer_after[1] - renderer[1],
        long_tasks=long_tasks,
        latency_p50_ms=statistics.median(latencies),
        latency_p95_ms=statistics.quantiles(latencies, n=20)[-1],
        finish_lag_ms=shown_all - timeline[-1][1] * 1000,
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
    """Payload bytes of the same turn after 2 and after 200 earlier messages."""
    from neural_terminal.store.conversations.repository import ChatRepository
    from neural_terminal.store.engine import make_engine

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


def _old_page(page: Page) -> None:
    """Serve the page script as it was before issue 16 (its text block was one pre-wrap)."""
    _page_script(page, OLD_PAGE_COMMIT)
    _add_style(page, "#live-text{white-space:pre-wrap;overflow-wrap:anywhere}")


def _add_style(page: Page, css: str) -> None:
    page.add_init_script(
        "document.addEventListener('DOMContentLoaded', () => {"
        "const s = document.createElement('style');"
        f"s.textContent = {css!r};"
        "document.head.appendChild(s);});"
    )


def _page_script(page: Page, commit: str) -> None:
    """Serve the page script as it was at ``commit`` in place of today's."""
    script = subprocess.run(
        ["git", "show", f"{commit}:assets/terminal.js"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    page.route(
        "**/terminal.js",
        lambda route: route.fulfill(body=script, content_type="text/javascript"),
    )


def _new_page(browser: Browser, frames: Frames) -> Page:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.add_init_script(LONG_TASKS)

    def watch(socket: WebSocket) -> None:
        socket.on("framereceived", frames.take)

    page.on("websocket", watch)
    return page


def measure_setup(
    browser: Browser, workdir: Path, setup: Setup, texts: dict[int, str]
) -> tuple[list[Run], tuple[int, int] | None]:
    """Every case under one setup; keeps each reply's text for the naive app."""
    frames = Frames()
    runs: list[Run] = []
    ratio = None
    with running_app(workdir, **setup.env) as app:
        page = _new_page(browser, frames)
        if setup.old_page:
            _old_page(page)
        if setup.page_commit:
            _page_script(page, setup.page_commit)
        if setup.style:
            _add_style(page, setup.style)
        open_app(page, app)
        for tokens, rate in CASES:
            run = measure_reply(
                page, app, frames, setup.label, tokens, rate, markdown=setup.markdown
            )
            if not setup.markdown:
                texts.setdefault(tokens, stored_messages(app)[-1].content)
            runs.append(run)
            print(_row(run), flush=True)
        if setup.history and not SKIP_HISTORY:
            ratio = history_ratio(page, app, frames)
        page.close()
    return runs, ratio


@contextmanager
def naive_app(workdir: Path, pieces_file: Path) -> Iterator[tuple[str, int]]:
    """Run bench/naive_app as Reflex runs an app in production (``reflex run --env prod``)."""
    port = free_port()
    env = {
        **os.environ,
        "REFLEX_BUN_PATH": str(PROJECT_ROOT / ".tools/npm/node_modules/.bin/bun"),
        "REFLEX_CHECK_LATEST_VERSION": "false",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_WEB_WORKDIR": str(PROJECT_ROOT / ".cache" / "naive-web"),
        "NAIVE_PIECES": str(pieces_file),
    }
    reflex = str(Path(sys.executable).with_name("reflex"))
    log = (workdir / "naive.log").open("wb")
    process = subprocess.Popen(
        [
            *(reflex, "run", "--env", "prod", "--backend-host", "127.0.0.1"),
            *("--frontend-port", str(port), "--backend-port", str(port)),
        ],
        cwd=PROJECT_ROOT / "bench" / "naive_app",
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the naive app exited: see {workdir / 'naive.log'}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/ping", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)  # polling a condition: the server is not up yet
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=30)
        log.close()


def measure_naive(browser: Browser, workdir: Path, texts: dict[int, str]) -> list[Run]:
    """The naive recipe for the same texts as ours."""
    pieces_file = workdir / "pieces.json"
    frames = Frames()
    runs = []
    with naive_app(workdir, pieces_file) as (url, pid):
        port = int(url.rsplit(":", 1)[1])
        page = _new_page(browser, frames)
        page.goto(url)
        page.locator("#go").wait_for()
        for tokens, rate in NAIVE_CASES:
            pieces = _pieces(texts[tokens])
            pieces_file.write_text(json.dumps({"pieces": pieces, "rate": rate}))
            page.reload()
            page.locator("#go").wait_for()
            take_long_tasks(page)
            cdp = page.context.new_cdp_session(page)
            cdp.send("Performance.enable")
            before = main_thread(cdp)
            frames.count = frames.size = 0
            sockets = socket_bytes(port)
            cpu = server_cpu_s(pid)
            renderer = renderer_cpu_s(BROWSER_CDP[0])
            started = time.monotonic()
            page.locator("#go").click()
            page.locator("#done").wait_for(timeout=1_800_000)
            seconds = time.monotonic() - started
            page_work = main_thread(cdp) - before
            renderer_after = renderer_cpu_s(BROWSER_CDP[0])
            down, up = bytes_since(sockets, socket_bytes(port))
            shown = page.locator("#answer").inner_text()
            assert len(shown) > 0
            run = Run(
                setup="naive",
                tokens=tokens,
                rate=rate,
                chars=len(texts[tokens]),
                frames=frames.count,
                payload_bytes=frames.size,
                wire_down=down,
                wire_up=up,
                seconds=seconds,
                server_cpu_s=server_cpu_s(pid) - cpu,
                page=page_work,
                main_cpu_s=renderer_after[0] - renderer[0],
                renderer_cpu_s=renderer_after[1] - renderer[1],
                long_tasks=take_long_tasks(page),
            )
            cdp.detach()
            runs.append(run)
            print(_row(run), flush=True)
        page.close()
    return runs


HEADER = (
    f"{'setup':<28}{'reply':>7}{'chars':>7}{'secs':>6}{'frames':>7}{'payl KB':>9}"
    f"{'wire KB':>9}{'wire/ch':>8}{'task s':>8}{'cpu s':>7}{'%core':>6}{'rend s':>7}"
    f"{'layout':>7}{'style':>6}"
    f"{'script':>7}{'long':>5}{'max ms':>7}{'srv cpu':>8}{'us/tok':>7}{'p50':>6}{'p95':>6}"
)


def _row(run: Run) -> str:
    latency = (
        f"{run.latency_p50_ms:>6.0f}{run.latency_p95_ms:>6.0f}"
        if run.latency_p50_ms is not None and run.latency_p95_ms is not None
        else f"{'-':>6}{'-':>6}"
    )
    return (
        f"{run.setup:<28}{run.tokens:>7,}{run.chars:>7,}{run.seconds:>6.1f}{run.frames:>7,}"
        f"{run.payload_bytes / 1024:>9.1f}{run.wire_down / 1024:>9.1f}"
        f"{run.wire_down / run.chars:>8.2f}{run.page.task_s:>8.2f}{run.main_cpu_s:>7.2f}"
        f"{run.busy_share:>6.1%}{run.renderer_cpu_s:>7.2f}"
        f"{run.page.layout_s:>7.2f}{run.page.style_s:>6.2f}{run.page.script_s:>7.2f}"
        f"{len(run.long_tasks):>5}{max(run.long_tasks, default=0):>7.0f}"
        f"{run.server_cpu_s:>8.2f}{run.server_cpu_s / run.tokens * 1e6:>7.0f}{latency}"
    )


def main() -> None:
    """Run every setup and the naive app, print one table."""
    use_cache_dir(load_settings().tiktoken_cache_dir)
    # A subset, for a quicker look: setup labels as printed (`ours` `"ours, old page"` `naive`).
    only = set(sys.argv[1:])
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} / {load[1]:.2f} on {os.cpu_count()} cores")
    print(HEADER, flush=True)
    runs: list[Run] = []
    ratio = None
    texts: dict[int, str] = {}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        BROWSER_CDP.append(browser.new_browser_cdp_session())
        for index, setup in enumerate(SETUPS):
            if only and setup.label not in only:
                continue
            workdir = Path(tmp) / f"setup-{index}"
            workdir.mkdir()
            setup_runs, setup_ratio = measure_setup(browser, workdir, setup, texts)
            runs += setup_runs
            ratio = ratio or setup_ratio
        if not only or "naive" in only:
            naive_dir = Path(tmp) / "naive"
            naive_dir.mkdir()
            runs += measure_naive(browser, naive_dir, texts)
        browser.close()
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} / {load[1]:.2f} at the end")
    _summary(runs, ratio)


def _summary(runs: list[Run], ratio: tuple[int, int] | None) -> None:
    def find(setup: str, tokens: int) -> Run | None:
        return next((r for r in runs if r.setup == setup and r.tokens == tokens), None)

    for tokens, _ in CASES:
        new, old = find("ours", tokens), find("ours, old page", tokens)
        if new and old:
            times = old.page.task_s / new.page.task_s
            print(
                f"{tokens:,} tokens: main thread {new.page.task_s:.2f} s vs "
                f"{old.page.task_s:.2f} s with the old page ({times:.1f}x)"
            )
        plain, granian = find("ours, uncompressed", tokens), find("ours, Granian", tokens)
        if new and plain:
            print(
                f"{tokens:,} tokens: wire {new.wire_down / 1024:.1f} KB compressed vs "
                f"{plain.wire_down / 1024:.1f} KB uncompressed "
                f"({plain.wire_down / new.wire_down:.1f}x); "
                f"server CPU {new.server_cpu_s / tokens * 1e6:.0f} vs "
                f"{plain.server_cpu_s / tokens * 1e6:.0f} us per token"
                + (
                    f"; Granian {granian.wire_down / 1024:.1f} KB, "
                    f"{granian.server_cpu_s / tokens * 1e6:.0f} us per token"
                    if granian
                    else ""
                )
            )
        live = find("ours, markdown", tokens)
        plain_page = find("ours, markdown, plain page", tokens)
        if live and plain_page:
            print(
                f"{tokens:,} tokens of markdown: main thread {live.page.task_s:.2f} s "
                f"({live.busy_share:.1%} of a core) drawn as markdown while streaming vs "
                f"{plain_page.page.task_s:.2f} s ({plain_page.busy_share:.1%}) as plain text; "
                f"payload {live.payload_bytes / 1024:.1f} vs "
                f"{plain_page.payload_bytes / 1024:.1f} KB, wire {live.wire_down / 1024:.1f} "
                f"vs {plain_page.wire_down / 1024:.1f} KB"
            )
        naive = find("naive", tokens)
        if new and naive:
            print(
                f"{tokens:,} tokens: naive recipe {naive.frames:,} frames, "
                f"{naive.payload_bytes / 1024:,.0f} KB payload, "
                f"{naive.wire_down / 1024:,.0f} KB wire, "
                f"main thread {naive.page.task_s:.1f} s over {naive.seconds:.0f} s: "
                f"{naive.payload_bytes / new.payload_bytes:,.0f}x our payload, "
                f"{naive.wire_down / new.wire_down:,.0f}x our wire bytes, "
                f"{naive.page.task_s / new.page.task_s:.0f}x our main thread"
            )
    for label in ("ours", "ours, markdown"):
        eight, four = find(label, 8000), find(label, 4000)
        if eight and four:
            print(
                f"{label}: 8,000 vs 4,000 tokens: "
                f"{eight.payload_bytes / four.payload_bytes:.2f}x payload, "
                f"{eight.page.task_s / four.page.task_s:.2f}x main-thread time (linear: 2x)"
            )
    if ratio:
        two, two_hundred = ratio
        print(
            f"same turn after 200 vs 2 earlier messages: {two_hundred:,} vs {two:,} bytes = "
            f"{two_hundred / two:.2f}x (target <= 1.25x)"
        )


if __name__ == "__main__":
    main()
