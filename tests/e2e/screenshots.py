"""The README's pictures of the chat: ``.venv/bin/python -m tests.e2e.screenshots``.

Starts the app on the simulator with a fresh database, asks three questions, and saves the
page at 1,440 px (docs/chat-1440.png) and on a phone, 390 px (docs/chat-390.png).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from neural_terminal.settings import PROJECT_ROOT
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.server import running_app
from tests.e2e.test_chat import open_app, send, wait_reply_done

QUESTIONS = (
    "[[sim:tokens=60]] what does the phosphor terminal show for every reply?",
    "[[sim:tokens=90]] and how are budgets kept when two tabs send at once?",
    "[[sim:tokens=70]] summarise the context window in one paragraph",
)
SIZES = {"chat-1440.png": (1440, 900), "chat-390.png": (390, 844)}


def main(out: Path = PROJECT_ROOT / "docs") -> None:
    """Take the pictures into ``out``."""
    with (
        tempfile.TemporaryDirectory() as work,
        running_app(Path(work)) as app,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        open_app(page, app)
        for question in QUESTIONS:
            send(page, question)
            wait_reply_done(page)
        for name, (width, height) in SIZES.items():
            page.set_viewport_size({"width": width, "height": height})
            expect(page.locator("#composer")).to_be_in_viewport()
            if width < 900:  # the sidebar has slid away (a drawer on a narrow screen)
                expect(page.locator("#sidebar")).to_be_hidden()
            page.mouse.move(0, 0)  # no tooltip open
            page.screenshot(path=out / name)
            print(f"wrote {out / name}")
        browser.close()


if __name__ == "__main__":
    main()
