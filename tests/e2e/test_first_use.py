"""End to end: what a new user met on a first use (issue 15's bug list), each now true."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.server import RunningApp
from tests.e2e.test_chat import (
    USER_MESSAGES,
    new_conversation,
    open_app,
    send,
    stored_messages,
    wait_reply_done,
)

STREAMING = "#streaming-reply"


def sidebar_row(title: str) -> str:
    """The selector of the sidebar row whose title is ``title``."""
    return f'.nt-conv:has(.nt-conv-title:text-is("{title}"))'


def test_the_title_and_the_sidebar_entry_appear_at_send_without_directives(
    page: Page, app: RunningApp
) -> None:
    open_app(page, app)
    new_conversation(page)

    # Slow enough (600 tokens at 20/s) that the checks below run while it streams.
    send(page, "[[sim:tokens=600]] [[sim:rate=20]] tell me about   first trees")

    expect(page.locator(STREAMING)).to_have_count(1)
    expect(page.locator("#title")).to_have_text("tell me about first trees")
    expect(page.locator(sidebar_row("tell me about first trees"))).to_have_count(1)
    expect(page.locator(STREAMING)).to_have_count(1)  # all of it seen during the first reply
    page.locator("#stop").click()
    wait_reply_done(page)


def test_the_breaker_line_counts_failures_mid_stream(page: Page, app: RunningApp) -> None:
    open_app(page, app)
    new_conversation(page)

    for n in range(1, 4):
        send(page, f"[[sim:tokens=40]] break number {n} [[sim:fault=drop-after-5]]")
        wait_reply_done(page)
        expect(page.locator("#breaker-state")).to_have_text(f"upstream ok · {n}/5 failed")

    send(page, "[[sim:tokens=5]] and now whole")
    wait_reply_done(page)
    expect(page.locator("#breaker-state")).to_have_text("upstream ok")


def test_the_preview_prices_a_draft_says_too_long_and_empties_on_send(
    page: Page, app: RunningApp
) -> None:
    open_app(page, app)
    new_conversation(page)
    preview = page.locator("#preflight-estimate")
    limit = int(page.locator("#composer").get_attribute("data-max-chars") or 0)

    page.locator("#composer").fill("x" * (limit + 1))
    expect(preview).to_contain_text(f"Not sent: this message is {limit + 1:,} characters")
    expect(preview).not_to_contain_text("$")

    page.locator("#composer").fill("[[sim:tokens=5]] a short one")
    expect(preview).to_contain_text("$")
    page.locator("#composer").press("Enter")
    wait_reply_done(page)
    expect(page.locator("#composer")).to_have_value("")
    expect(preview).to_have_text("")


def test_the_preview_counts_what_is_sent_of_a_message_too_large_for_the_window(
    page: Page, app: RunningApp
) -> None:
    open_app(page, app)
    new_conversation(page)
    preview = page.locator("#preflight-estimate")
    # About 33,000 tokens for a 16,384-token window: its middle is left out when sent.
    words = "[[sim:tokens=5]] " + ("every terminal keeps a log of what it was told " * 4000)
    words = words[:150_000]

    page.locator("#composer").fill(words)
    expect(preview).to_contain_text("to send")
    found = re.search(r"\(([\d,]+) in \+", preview.inner_text())
    assert found is not None, preview.inner_text()
    shown = int(found.group(1).replace(",", ""))
    page.locator("#composer").press("Enter")
    expect(page.locator(USER_MESSAGES)).to_have_count(1)
    wait_reply_done(page)

    user, reply = stored_messages(app)[-2:]
    assert user.content == words
    assert reply.status == "complete"
    assert reply.prompt_tokens is not None
    # The upstream counts the prompt it received: the one the preview priced.
    assert shown == reply.prompt_tokens, (shown, reply.prompt_tokens)
