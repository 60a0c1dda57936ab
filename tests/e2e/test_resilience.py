"""End to end in Chromium: a dropped reply continued, a rate limit retried, a bad key (the
crash test is in test_crash.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from neural_terminal.simulator.replying.completions import plan_completion
from neural_terminal.tokens.encodings import get_encoding
from tests.e2e.recording import record_texts, recorded_texts
from tests.e2e.server import RunningApp, running_app
from tests.e2e.test_chat import (
    REPLIES,
    new_conversation,
    open_app,
    send,
    stored_messages,
    wait_reply_done,
)

LAST_REPLY = '.nt-msg[data-role="assistant"]'
# Records every distinct text of the notice line, from the browser's side.
CRASH_RATE = 40  # tokens per second while the crash test streams
CHECKPOINT_S = 1.0


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """This module's own app, with its own database."""
    with running_app(tmp_path_factory.mktemp("resilience")) as running:
        yield running


def full_reply(text: str) -> str:
    """The whole reply the simulator plans for a first message ``text`` (faults aside)."""
    body = {"model": "sim/terminal-small", "messages": [{"role": "user", "content": text}]}
    encoding = get_encoding("cl100k_base")
    return "".join(plan_completion(body, encoding=encoding, tokens_per_second=1).pieces)


def test_a_dropped_reply_is_kept_and_continue_completes_it(page: Page, app: RunningApp) -> None:
    open_app(page, app)
    new_conversation(page)
    text = "[[sim:tokens=60]] tell me about dropped connections [[sim:fault=drop-after-12]]"

    send(page, text)

    wait_reply_done(page)
    reply = page.locator(LAST_REPLY).last
    expect(reply).to_have_attribute("data-status", "interrupted")
    # Said once, under the reply (not again in the status line).
    expect(reply.locator(".msg-error")).to_contain_text("connection dropped")
    expect(page.locator("#notice")).to_have_count(0)
    partial = stored_messages(app)[-1]
    assert (partial.status, partial.content) == (
        "interrupted",
        full_reply(text)[: len(partial.content)],
    )
    # Stored as our estimate, which the upstream's generation record replaces with the billed
    # figure as soon as it answers: in the page too, without a reload.
    assert partial.estimate_usd is not None
    expect(reply).not_to_contain_text("(estimate)", timeout=15_000)
    billed = stored_messages(app)[-1]
    assert billed.cost_source == "generation"
    assert not billed.cost_is_estimate
    expect(reply.locator(".retry-reply")).to_be_visible()

    reply.locator(".continue-reply").click()

    expect(page.locator(LAST_REPLY).last).to_have_attribute("data-status", "complete")
    wait_reply_done(page)
    done = stored_messages(app)[-1]
    assert (done.id, done.status, done.content) == (partial.id, "complete", full_reply(text))
    expect(page.locator(REPLIES)).to_have_count(1)
    expect(page.locator(".continue-reply")).to_have_count(0)
    expect(page.locator("#notice")).to_have_count(0)
    last_words = " ".join(done.content.split()[-3:])
    expect(page.locator(LAST_REPLY).last).to_contain_text(last_words)


def test_a_rate_limit_is_retried_with_a_visible_countdown_and_succeeds(
    page: Page, app: RunningApp
) -> None:
    open_app(page, app)
    new_conversation(page)
    text = "[[sim:tokens=20]] are you busy? [[sim:fault=http-429-retry-1-times-1]]"

    # The countdown shows for about a second: record every notice rather than poll for it,
    # so a slow machine cannot make the test look between two polls.
    record_texts(page, "#notice", "notices")
    send(page, text)

    wait_reply_done(page)
    notices = recorded_texts(page, "notices")
    assert any("retrying (2/3) in 1 s" in notice for notice in notices), notices
    expect(page.locator(LAST_REPLY).last).to_have_attribute("data-status", "complete")
    expect(page.locator("#notice")).to_have_count(0)
    reply = stored_messages(app)[-1]
    assert (reply.status, reply.content) == ("complete", full_reply(text))
    expect(page.locator("#breaker-state")).to_have_text("upstream ok")


def test_a_bad_key_is_not_retried_and_says_where_to_set_it(page: Page, app: RunningApp) -> None:
    open_app(page, app)
    new_conversation(page)

    send(page, "hello? [[sim:fault=http-401]]")

    expect(page.locator(".msg-error").last).to_contain_text("OPENROUTER_API_KEY")
    expect(page.locator(".msg-error").last).not_to_contain_text("retrying")
    wait_reply_done(page)
    reply = page.locator(LAST_REPLY).last
    expect(reply).to_have_attribute("data-status", "error")
    expect(reply.locator(".retry-reply")).to_be_visible()
    expect(reply.locator(".continue-reply")).to_have_count(0)
    user, stored = stored_messages(app)[-2:]
    assert (user.content, stored.status) == ("hello? [[sim:fault=http-401]]", "error")
