"""End to end: an upstream that cannot be reached is explained, and nothing is lost."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.server import RunningApp, free_port, running_app
from tests.e2e.test_chat import (
    REPLIES,
    send,
    stored_messages,
    wait_enter_sends,
    wait_reply_done,
)


@pytest.fixture(scope="module")
def unreachable_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """The app pointed at a loopback port where nothing listens, simulator off."""
    closed = f"http://127.0.0.1:{free_port()}/api/v1"
    workdir: Path = tmp_path_factory.mktemp("unreachable")
    with running_app(
        workdir,
        NEURAL_TERMINAL_SIMULATOR="off",
        OPENROUTER_BASE_URL=closed,
        NEURAL_TERMINAL_RETRY_BASE_S="0.1",  # the retries are not what this test is about
    ) as running:
        yield running


def test_an_unreachable_upstream_is_explained_and_loses_nothing(
    page: Page, unreachable_app: RunningApp
) -> None:
    page.goto(unreachable_app.unlock_url)
    expect(page.locator("#notice")).to_contain_text("model list", timeout=60_000)
    expect(page.locator("#simulator-banner")).to_have_count(0)
    wait_enter_sends(page)

    send(page, "is anyone out there?")

    wait_reply_done(page)
    expect(page.locator(REPLIES).last).to_have_attribute("data-status", "error")
    # Said once, under the reply; the status line's older notice gave way to it.
    expect(page.locator(REPLIES).last.locator(".msg-error")).to_contain_text("cannot be reached")
    expect(page.locator("#notice")).to_have_count(0)
    assert [m.content for m in stored_messages(unreachable_app) if m.role == "user"] == [
        "is anyone out there?"
    ]
    page.reload()
    expect(page.locator('.nt-msg[data-role="user"] .nt-prompt').last).to_have_text(
        "is anyone out there?", timeout=60_000
    )
