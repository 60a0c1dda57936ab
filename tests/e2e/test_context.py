"""End to end: the context window in Chromium on the simulator's 1,024-token model."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.server import RunningApp
from tests.e2e.test_chat import (
    REPLIES,
    USER_MESSAGES,
    choose_model,
    new_conversation,
    open_app,
    send,
    stored_messages,
    tool,
    wait_reply_done,
)

TINY = "sim/tiny-window"  # 1,024 tokens, 256 kept for the reply: 768 for the prompt
FAST = "[[sim:rate=500]]"


def use_tiny_window(page: Page) -> None:
    choose_model(page, TINY)
    expect(page.locator("#model-prices")).to_contain_text("1,024 ctx")
    expect(page.locator("#context-meter")).to_have_text("context 0 / 768 tokens")


def test_an_overflowing_conversation_greys_old_messages_and_still_replies(
    page: Page, app: RunningApp
) -> None:
    open_app(page, app)
    new_conversation(page)
    use_tiny_window(page)

    for i in range(5):
        send(page, f"question {i}: tell me about terminals [[sim:tokens=180]] {FAST}")
        wait_reply_done(page)

    users = page.locator(USER_MESSAGES)
    expect(users.first).to_have_attribute("data-in-context", "false")
    expect(page.locator(REPLIES).first).to_have_attribute("data-in-context", "false")
    expect(users.last).to_have_attribute("data-in-context", "true")
    expect(page.locator(REPLIES).last).to_have_attribute("data-in-context", "true")
    opacity = users.first.evaluate("el => Number(getComputedStyle(el).opacity)")
    assert opacity < 1  # visibly grey, not just marked
    expect(page.locator("#context-meter")).to_contain_text(" / 768 tokens")
    shown = int(page.locator("#context-meter").inner_text().split()[1].replace(",", ""))
    assert 0 < shown <= 768
    replies = [m for m in stored_messages(app) if m.role == "assistant"][-5:]
    assert [m.status for m in replies] == ["complete"] * 5  # no upstream 400, ever
    assert all(m.completion_tokens == 180 for m in replies)
    expect(page.locator("#notice")).to_have_count(0)

    page.reload()
    open_app(page, app)
    expect(page.locator(USER_MESSAGES).first).to_have_attribute("data-in-context", "false")
    expect(page.locator("#context-meter")).to_contain_text(" / 768 tokens")


def test_an_oversized_message_is_cut_visibly_and_answered(page: Page, app: RunningApp) -> None:
    open_app(page, app)
    new_conversation(page)
    use_tiny_window(page)
    huge = "START " + " ".join(f"item{i}" for i in range(2000)) + f" END [[sim:tokens=20]] {FAST}"

    send(page, huge)

    expect(page.locator("#context-notice")).to_contain_text("left out")
    wait_reply_done(page)
    user, reply = stored_messages(app)[-2:]
    assert user.content == huge  # the full text is kept
    assert reply.status == "complete"
    assert reply.prompt_tokens is not None
    assert reply.prompt_tokens <= 768


def test_the_strategy_is_chosen_per_conversation_and_kept(page: Page, app: RunningApp) -> None:
    open_app(page, app)
    new_conversation(page)
    use_tiny_window(page)
    tool(page, "#context-strategy").select_option("bookends")
    send(page, f"remember this first [[sim:tokens=5]] {FAST}")
    wait_reply_done(page)

    page.reload()
    open_app(page, app)
    expect(page.locator("#context-strategy")).to_have_value("bookends")
    new_conversation(page)
    expect(page.locator("#context-strategy")).to_have_value("sliding")
