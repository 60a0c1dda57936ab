"""Long-conversation bench: how fast a 2,000-message conversation opens, and how it scrolls.

Seeds one conversation of 2,000 messages (a path of questions and markdown replies) straight
into the app's database, then, in Debian's Chromium, alternately with the page's stylesheet
and script as they were before (``BEFORE_COMMIT``, served in place of the current ones) and as
they are now, in one run:

- opens the page and times navigation -> the newest message drawn and scrolled into view;
- scrolls with the wheel from the bottom to the top, counting long tasks (over 50 ms) and the
  main thread's time per scrolled screen.

    .venv/bin/python -m bench.transcript

The machine is shared: read the ratios between the two rows of one run, not absolute times.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, Page, Route, sync_playwright
from sqlalchemy import insert
from sqlmodel import col, update

from bench.page_metrics import LONG_TASKS, main_thread, take_long_tasks
from neural_terminal.settings import PROJECT_ROOT
from neural_terminal.store.conversations.repository import ChatRepository
from neural_terminal.store.engine import make_engine
from neural_terminal.store.tables import Conversation, Message, utcnow
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.server import RunningApp, running_app

MESSAGES = int(os.environ.get("NT_BENCH_MESSAGES", "2000"))
ROUNDS = 3
# The page's stylesheet and script before the long-transcript work (issue 16).
BEFORE_COMMIT = "57162d9"
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


def seed(app: RunningApp, size: int) -> int:
    """One conversation of ``size`` messages on one path; returns the newest message's id."""
    engine = make_engine(app.database_url)
    conversation = ChatRepository(engine).create_conversation(
        model="sim/terminal-large", title=f"{size} messages"
    )
    rng = random.Random(16)
    rows = []
    for i in range(size):
        role = "user" if i % 2 == 0 else "assistant"
        text = markdown_text(rng, i, role)
        rows.append(
            {
                "id": i + 1,  # a new database: the ids are 1..size
                "parent_id": i or None,
                "depth": i,
                "conversation_id": conversation.id,
                "role": role,
                "content": text,
                "status": "complete",
                "created_at": utcnow(),
            }
        )
    with engine.begin() as connection:
        connection.execute(insert(Message.__table__), rows)  # type: ignore[attr-defined]
        connection.execute(
            update(Conversation)
            .where(col(Conversation.id) == conversation.id)
            .values(message_count=size, active_leaf_id=size)
        )
    engine.dispose()
    return size


@dataclass
class Opening:
    """One open and one scroll to the top."""

    setup: str
    open_ms: float
    open_long: list[float]
    open_task_s: float
    scroll_steps: int
    scroll_task_s: float
    scroll_layout_s: float
    scroll_long: list[float]


def _serve_before(page: Page) -> None:
    """Serve the stylesheet and the script as they were at ``BEFORE_COMMIT``."""
    for name, kind in (("terminal.css", "text/css"), ("terminal.js", "text/javascript")):
        body = subprocess.run(
            ["git", "show", f"{BEFORE_COMMIT}:assets/{name}"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        page.route(f"**/{name}", _fulfil_with(body, kind))


def _fulfil_with(body: str, kind: str) -> Callable[[Route], None]:
    return lambda route: route.fulfill(body=body, content_type=kind)


def measure(browser: Browser, app: RunningApp, setup: str, last_id: int) -> Opening:
    """Open the long conversation in a fresh page, then wheel from its bottom to its top."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    if setup == "before":
        _serve_before(page)
    page.add_init_script(LONG_TASKS)
    page.add_init_script(OPENED % f"msg-{last_id}")
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable")
    page.goto(app.unlock_url)
    page.wait_for_function("window.__ntOpened > 0", timeout=120_000, polling=100)
    open_ms = float(page.evaluate("window.__ntOpened"))
    # The page settles (the model list, the sidebar), then the scroll is measured alone.
    page.wait_for_function("document.querySelector('#model-select option') !== null")
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
    assert page.locator("#msg-1").is_visible()
    context.close()
    return Opening(
        setup=setup,
        open_ms=open_ms,
        open_long=open_long,
        open_task_s=open_task_s,
        scroll_steps=steps,
        scroll_task_s=scrolled.task_s,
        scroll_layout_s=scrolled.layout_s,
        scroll_long=scroll_long,
    )


def _row(run: Opening) -> str:
    return (
        f"{run.setup:<8}{run.open_ms:>9.0f}{len(run.open_long):>6}"
        f"{max(run.open_long, default=0):>8.0f}{run.open_task_s:>8.2f}{run.scroll_steps:>7}"
        f"{run.scroll_task_s * 1000 / max(run.scroll_steps, 1):>9.1f}"
        f"{run.scroll_layout_s * 1000 / max(run.scroll_steps, 1):>9.1f}"
        f"{len(run.scroll_long):>6}{max(run.scroll_long, default=0):>8.0f}"
    )


def _per_wheel_ms(runs: list[Opening]) -> float:
    return statistics.median(r.scroll_task_s / max(r.scroll_steps, 1) for r in runs) * 1000


def main() -> None:
    """Seed, then open and scroll alternately before and after, ``ROUNDS`` times each."""
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} / {load[1]:.2f} on {os.cpu_count()} cores")
    print(f"{MESSAGES:,} messages; the page as at {BEFORE_COMMIT} ('before') and now ('after')")
    print(
        f"{'setup':<8}{'open ms':>9}{'long':>6}{'max ms':>8}{'task s':>8}{'wheels':>7}"
        f"{'ms/wheel':>9}{'layout':>9}{'long':>6}{'max ms':>8}",
        flush=True,
    )
    runs: list[Opening] = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        with running_app(Path(tmp)) as app:
            last_id = seed(app, MESSAGES)
            for index in range(ROUNDS):
                # Each first in turn: whichever runs second finds the machine warmer.
                for setup in ("before", "after")[:: 1 if index % 2 == 0 else -1]:
                    run = measure(browser, app, setup, last_id)
                    runs.append(run)
                    print(_row(run), flush=True)
        browser.close()
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} / {load[1]:.2f} at the end")
    for setup in ("before", "after"):
        mine = [r for r in runs if r.setup == setup]
        print(
            f"{setup}: open median {statistics.median(r.open_ms for r in mine):.0f} ms; "
            f"long tasks while scrolling {sum(len(r.scroll_long) for r in mine)} in "
            f"{len(mine)} scrolls (max "
            f"{max((t for r in mine for t in r.scroll_long), default=0):.0f} ms); "
            f"main thread per wheel median {_per_wheel_ms(mine):.1f} ms"
        )


if __name__ == "__main__":
    if __package__ in (None, ""):
        sys.exit("run as: python -m bench.transcript")
    main()
