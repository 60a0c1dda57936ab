"""End to end: two tabs of one conversation stay in step without a reload.

Tab 1 sends; tab 2 shows the new question, the reply streaming in, and the finished reply
with its cost, as tab 1 does; then the reply's billed cost once the upstream's record
answers, and the budget's limit, spend and suspension as tab 1 changes them.
"""

from __future__ import annotations

import re
import time

from playwright.sync_api import Page, expect

from tests.e2e.server import RunningApp
from tests.e2e.test_budget import set_global_limit
from tests.e2e.test_chat import (
    USER_MESSAGES,
    new_conversation,
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


def test_a_second_tab_shows_a_reply_s_billed_cost_once_it_is_reconciled(
    page: Page, app: RunningApp
) -> None:
    open_app(page, app)
    new_conversation(page)
    send(page, "[[sim:tokens=10]] first words")
    wait_reply_done(page)
    second = page.context.new_page()
    open_app(second, app)
    expect(second.locator(USER_MESSAGES)).to_have_count(1)

    # The reply breaks off (priced as our estimate); the upstream's record of what it billed
    # answers only 3 s after the stream ended, so both tabs show the estimate first.
    send(page, "[[sim:tokens=60]] a reply that drops [[sim:fault=drop-after-12]] [[sim:record=3]]")
    wait_reply_done(page)
    reply = second.locator(LAST_REPLY).last
    expect(reply).to_have_attribute("data-status", "interrupted", timeout=10_000)
    expect(reply).to_contain_text("(estimate)")

    expect(page.locator(LAST_REPLY).last).to_contain_text("(billed, reconciled)", timeout=15_000)
    billed_at = time.monotonic()
    expect(reply).to_contain_text("(billed, reconciled)", timeout=5_000)
    lag_s = time.monotonic() - billed_at
    first_meta = page.locator(LAST_REPLY).last.locator(".nt-figure").first.inner_text()
    expect(reply.locator(".nt-figure").first).to_have_text(first_meta)
    expect(second.locator("#budget-text")).to_have_text(page.locator("#budget-text").inner_text())
    print(f"\nsecond tab: billed cost {lag_s:.2f} s after the first tab")
    assert lag_s < 1.5, lag_s


def _in_step(first: Page, second: Page, selector: str) -> float:
    """Seconds until the second tab shows what the first shows at ``selector``."""
    started = time.monotonic()
    expect(second.locator(selector)).to_have_text(first.locator(selector).inner_text())
    return time.monotonic() - started


def test_a_second_tab_shows_budget_changes_made_in_the_first(page: Page, app: RunningApp) -> None:
    open_app(page, app)
    new_conversation(page)
    send(page, "[[sim:tokens=30]] a reply to retry [[sim:fault=drop-after-8]]")
    wait_reply_done(page)
    expect(page.locator(LAST_REPLY).last).not_to_contain_text("(estimate)", timeout=15_000)
    second = page.context.new_page()
    open_app(second, app)
    retry = second.locator("#retry-reply")
    expect(retry).to_be_visible()
    expect(retry).not_to_have_attribute("aria-disabled", "true")
    lags: dict[str, float] = {}

    set_global_limit(page, "4")  # a limit saved
    expect(page.locator("#budget-text")).to_contain_text("/ $4.00")
    lags["limit"] = _in_step(page, second, "#budget-text")

    set_global_limit(page, "0.000001")  # below what is spent: suspended
    expect(page.locator("#budget-suspended")).to_contain_text("SUSPENDED")
    lags["suspended"] = _in_step(page, second, "#budget-suspended")
    expect(retry).to_have_attribute("aria-disabled", "true")

    set_global_limit(page, "5")  # raised: sending and Retry are back
    expect(second.locator("#budget-suspended")).to_have_count(0)
    expect(retry).to_have_attribute("aria-disabled", "false")

    # Spend in another conversation moves the instance's figure in this tab too.
    before = second.locator("#budget-text").inner_text()
    new_conversation(page)
    send(page, "[[sim:tokens=40]] elsewhere")
    wait_reply_done(page)
    expect(page.locator("#budget-text")).not_to_have_text(before)
    lags["spend"] = _in_step(page, second, "#budget-text")
    expect(second.locator(USER_MESSAGES)).to_have_count(1)  # still its own conversation
    print(f"\nsecond tab in step after {lags}")
    assert max(lags.values()) < 1.5, lags
