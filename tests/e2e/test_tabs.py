"""End to end: two tabs of one conversation stay in step without a reload.

Tab 1 sends; tab 2 shows the new question, the reply streaming in, and the finished reply
with its cost, as tab 1 does.
"""

from __future__ import annotations

import re
import time

from playwright.sync_api import Page, expect

from tests.e2e.server import RunningApp
from tests.e2e.test_chat import (
    USER_MESSAGES,
    open_app,
    send,
    stored_messages,
    wait_reply_done,
)
from tests.e2e.test_resilience import LAST_REPLY


def test_a_second_tab_follows_the_first_tabs_reply_live(page: Page, app: RunningApp) -> None:
    open_app(page, app)
    page.locator("#new-conversation").click()
    send(page, "[[sim:tokens=10]] first words")
    wait_reply_done(page)
    second = page.context.new_page()
    open_app(second, app)  # opens the conversation the first tab last opened
    expect(second.locator(USER_MESSAGES)).to_have_count(1)

    sent_at = time.monotonic()
    send(page, "[[sim:tokens=300]] and now a longer answer")

    expect(second.locator(USER_MESSAGES)).to_have_count(2, timeout=10_000)
    seen_question_s = time.monotonic() - sent_at
    live = second.locator("#live-text")
    expect(live).to_contain_text(re.compile(r"(\S+\s+){10}"), timeout=10_000)
    seen_text_s = time.monotonic() - sent_at
    # Still streaming in the first tab: the second one saw it live, not at the end.
    assert page.locator("#streaming-reply").count() == 1

    wait_reply_done(page)
    stored = stored_messages(app)[-1]
    expect(second.locator(LAST_REPLY).last).to_have_attribute(
        "data-status", "complete", timeout=10_000
    )
    done_s = time.monotonic() - sent_at
    first_words = " ".join(stored.content.split()[:6])
    expect(second.locator(LAST_REPLY).last).to_contain_text(first_words)
    first_cost = page.locator(LAST_REPLY).last.locator(".nt-figure").first.inner_text()
    expect(second.locator(LAST_REPLY).last.locator(".nt-figure").first).to_have_text(first_cost)
    print(
        f"\nsecond tab: question after {seen_question_s:.2f} s, live text after "
        f"{seen_text_s:.2f} s, finished reply after {done_s:.2f} s"
    )
