"""Long-conversation bench: opening a conversation of 2,000 messages against one of 100.

A conversation opens at its newest messages (domain/conversations.py ``PathRows``), so opening
one of 2,000 should cost what opening one of 100 does. Seeds both straight into the app's
database (questions and markdown replies), then, in Debian's Chromium, alternately, in one
run:

- opens each and times navigation -> its newest message drawn and scrolled into view, with
  the bytes the websocket brought and the main thread's time;
- wheels from the bottom to the top of what was sent, counting long tasks (over 50 ms);
- on the long one, presses "earlier messages" and times the 200 older rows drawn.

    .venv/bin/python -m bench.transcript

The machine is shared: read the ratios between the rows of one run, not absolute times.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

from bench.page_metrics import LONG_TASKS, main_thread, take_long_tasks
from bench.seed_path import store_path
from neural_terminal.domain.conversations import OPEN_ROWS
from neural_terminal.store.conversations.repository import ChatRepository
from neural_terminal.store.engine import make_engine
from neural_terminal.ui.chat.tree_vars import EARLIER_ROWS
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.server import RunningApp, running_app

SIZES = (OPEN_ROWS, int(os.environ.get("NT_BENCH_MESSAGES", "2000")))
ROUNDS = 3
WORDS = (  # noqa: SIM905
    "token window context model stream latency budget cost reply prompt terminal green "
    "phosphor cursor summary history database socket request provider upstream kernel buffer"
).split()

# Installed before the page's scripts: the time (ms since navigation) of the first frame in
# which the newest message is in the DOM and the transcript is scrolled to its bottom.
OPENED = """
window.__ntOpened = 0;
(() => {
  const poll = () => {
    const t = document.getElementById("transcript");
    const last = document.getElementById(%r);
    if (t && last && t.scrollTop > 0 && t.scrollHeight - t.scrollTop - t.clientHeight < 48) {
      const box = last.getBoundingClientRect(), view = t.getBoundingClientRect();
      if (box.top < view.bottom && box.bottom > view.top) {
        window.__ntOpened = performance.now();
        return;
      }
    }
    requestAnimationFrame(poll);
  };
  requestAnimationFrame(poll);
})();
"""
SHOWN = "document.querySelectorAll('#transcript > .nt-msg').length"


def markdown_text(rng: random.Random, index: int, role: str) -> str:
    """A question, or a reply with paragraphs, a list and now and then a code block."""

    def sentence() -> str:
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 20))).capitalize() + "."

    if role == "user":
        return f"Question {index}: " + sentence()
    parts = [f"**Reply {index}.** " + " ".join(sentence() for _ in range(rng.randint(2, 5)))]
    parts.append("\n".join(f"- {sentence()}" for _ in range(rng.randint(0, 3))))
    if index % 7 == 1:
        parts.append("```python\nfor token in stream:\n    print(token, end='')\n```")
    parts.append(sentence())
    return "\n\n".join(p for p in parts if p)


def seed(app: RunningApp, size: int) -> tuple[int, int]:
    """One conversation of ``size`` messages on one path: its id and its newest message's."""
    engine = make_engine(app.database_url)
    conversation = ChatRepository(engine).create_conversation(
        model="sim/terminal-large", title=f"{size} messages"
    )
    rng = random.Random(16)
    roles = ["user" if i % 2 == 0 else "assistant" for i in range(size)]
    no_more: dict[str, object] = {}
    messages = [(role, markdown_text(rng, i, role), no_more) for i, role in enumerate(roles)]
    last = store_path(engine, conversation.id, messages)
    engine.dispose()
    return conversation.id, last


@dataclass
class Opening:
    """One open, one scroll to the top, and (when there are older rows) one "earlier"."""

    size: int
    open_ms: float
    open_kb: float
    open_task_s: float
    open_long: list[float]
    scroll_steps: int
    scroll_task_s: float
    scroll_long: list[float]
    earlier_ms: float | None


def measure(browser: Browser, app: RunningApp, size: int, ids: tuple[int, int]) -> Opening:
    """Open the conversation in a fresh page, wheel to its top, then ask for older rows."""
    conversation_id, last_id = ids
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.add_init_script(LONG_TASKS)
    page.add_init_script(OPENED % f"msg-{last_id}")
    page.add_init_script(f"localStorage.setItem('nt_last_conversation', '{conversation_id}')")
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable")
    cdp.send("Network.enable")
    received = [0]
    cdp.on(
        "Network.webSocketFrameReceived",
        lambda e: received.__setitem__(0, received[0] + len(e["response"]["payloadData"])),
    )
    page.goto(app.unlock_url)
    page.wait_for_function("window.__ntOpened > 0", timeout=120_000, polling=100)
    open_ms = float(page.evaluate("window.__ntOpened"))
    page.wait_for_function("document.querySelector('#model-ids option') !== null")
    open_kb = received[0] / 1000
    open_task_s = main_thread(cdp).task_s
    open_long = take_long_tasks(page)
    page.locator("#transcript").hover()
    before = main_thread(cdp)
    steps = 0
    while page.evaluate("document.getElementById('transcript').scrollTop") > 0 and steps < 5000:
        page.mouse.wheel(0, -700)
        # Two frames: the wheel's scroll has been applied and drawn.
        page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        steps += 1
    scrolled = main_thread(cdp) - before
    scroll_long = take_long_tasks(page)
    earlier_ms = None
    if page.locator("#show-earlier").count():
        shown = int(page.evaluate(SHOWN))
        started = time.perf_counter()
        page.locator("#show-earlier").click()
        page.wait_for_function(f"{SHOWN} > {shown}", polling="raf")
        page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        earlier_ms = (time.perf_counter() - started) * 1000
    context.close()
    return Opening(
        size=size,
        open_ms=open_ms,
        open_kb=open_kb,
        open_task_s=open_task_s,
        open_long=open_long,
        scroll_steps=steps,
        scroll_task_s=scrolled.task_s,
        scroll_long=scroll_long,
        earlier_ms=earlier_ms,
    )


def _row(run: Opening) -> str:
    earlier = f"{run.earlier_ms:>9.0f}" if run.earlier_ms is not None else f"{'-':>9}"
    return (
        f"{run.size:>6,}{run.open_ms:>9.0f}{run.open_kb:>9.1f}{run.open_task_s:>8.2f}"
        f"{len(run.open_long):>6}{max(run.open_long, default=0):>8.0f}{run.scroll_steps:>7}"
        f"{run.scroll_task_s * 1000 / max(run.scroll_steps, 1):>9.1f}"
        f"{len(run.scroll_long):>6}{earlier}"
    )


def main() -> None:
    """Seed both, then open each alternately, ``ROUNDS`` times."""
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} / {load[1]:.2f} on {os.cpu_count()} cores")
    print(
        f"conversations of {SIZES[0]:,} and {SIZES[1]:,} messages; each opens at its newest "
        f"{OPEN_ROWS}, 'earlier' brings {EARLIER_ROWS} more"
    )
    print(
        f"{'msgs':>6}{'open ms':>9}{'ws KB':>9}{'task s':>8}{'long':>6}{'max ms':>8}"
        f"{'wheels':>7}{'ms/wheel':>9}{'long':>6}{'earlier':>9}",
        flush=True,
    )
    runs: list[Opening] = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        with running_app(Path(tmp)) as app:
            seeded = {size: seed(app, size) for size in SIZES}
            for index in range(ROUNDS):
                # Each first in turn: whichever runs second finds the machine warmer.
                for size in SIZES[:: 1 if index % 2 == 0 else -1]:
                    run = measure(browser, app, size, seeded[size])
                    runs.append(run)
                    print(_row(run), flush=True)
        browser.close()
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} / {load[1]:.2f} at the end")
    small, large = ([r for r in runs if r.size == size] for size in SIZES)

    def median(rows: list[Opening], field: str) -> float:
        return statistics.median(float(getattr(r, field)) for r in rows)

    figures = (("open_ms", "open, ms"), ("open_kb", "websocket KB"), ("open_task_s", "main s"))
    for field, unit in figures:
        long, short = median(large, field), median(small, field)
        print(
            f"{unit}: {long:,.2f} at {SIZES[1]:,} messages, {short:,.2f} at {SIZES[0]:,} "
            f"({long / short:.2f}x)"
        )


if __name__ == "__main__":
    if __package__ in (None, ""):
        sys.exit("run as: python -m bench.transcript")
    main()
