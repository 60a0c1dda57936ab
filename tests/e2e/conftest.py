"""Browser fixtures: the running app and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Dialog,
    Page,
    Playwright,
    sync_playwright,
)

from tests.e2e.server import RunningApp, e2e_share, running_app

CHROMIUM = os.environ.get("NEURAL_TERMINAL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark browser tests; keep only this process's share of their modules (see e2e_share)."""
    k, n = e2e_share()
    modules = sorted({str(item.path) for item in items if "tests/e2e/" in str(item.path)})
    mine = {module for index, module in enumerate(modules) if index % n == k - 1}
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        if "tests/e2e/" not in str(item.path):
            kept.append(item)
            continue
        item.add_marker(pytest.mark.e2e)
        (kept if str(item.path) in mine else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """The app with the built-in simulator, at a readable 40 tokens/s.

    One per test module, never two at once: every start rebuilds the shared frontend (.web)
    with its own port baked in, so an app outliving another's start would serve a page that
    talks to the wrong server.
    """
    with running_app(tmp_path_factory.mktemp("app")) as running:
        yield running


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test` (it installs it)")
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


# Every page reports what its Content-Security-Policy blocked (the console says it too).
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`);
});
"""


class PageWatch:
    """What a page did that a test may assert on: hosts contacted, dialogs, page errors, and
    what the Content-Security-Policy blocked."""

    def __init__(self) -> None:
        self.hosts: set[str] = set()
        self.dialogs: list[str] = []
        self.page_errors: list[str] = []
        self.csp_violations: list[str] = []

    def console(self, message: ConsoleMessage) -> None:
        """Keep the console lines that report a CSP violation."""
        text = message.text
        if "CSP violation" in text or "Content Security Policy" in text:
            self.csp_violations.append(text)


@pytest.fixture
def watch() -> PageWatch:
    return PageWatch()


@pytest.fixture
def page(browser: Browser, watch: PageWatch) -> Iterator[Page]:
    """A fresh browser context per test; records every host it talks to. The app must work
    under its Content-Security-Policy: a violation fails the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    page = context.new_page()
    page.on("request", lambda request: watch.hosts.add(urlsplit(request.url).netloc))
    page.on("console", watch.console)

    def record_dialog(dialog: Dialog) -> None:
        watch.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record_dialog)
    page.on("pageerror", lambda error: watch.page_errors.append(str(error)))
    page.set_default_timeout(20_000)
    yield page
    context.close()
    assert not watch.csp_violations, f"the page broke its CSP: {watch.csp_violations}"
