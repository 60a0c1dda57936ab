"""End to end in Chromium: a dropped reply continued, a rate limit retried, a bad key, and
the crash test (SIGKILL mid-reply, restart, Continue)."""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from neural_terminal.chat.estimate import count_tokens
from neural_terminal.simulator.completions import plan_completion
from neural_terminal.tokens.encodings import get_encoding
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
CRASH_RATE = 40  # tokens per second while the crash test streams
CHECKPOINT_S = 1.0


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """This module's own app: every start rebuilds the shared .web for its own port, so an app
    started earlier (the session's) may no longer reach its backend after another started."""
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
    expect(page.locator("#notice")).to_contain_text("connection dropped")
    partial = stored_messages(app)[-1]
    assert (partial.status, partial.content) == (
        "interrupted",
        full_reply(text)[: len(partial.content)],
    )
    # Stored as our estimate; the upstream's generation record may already have replaced it
    # with the billed figure (reconciled in the background as soon as the reply broke off).
    assert partial.estimate_usd is not None
    assert partial.cost_is_estimate or partial.cost_source == "generation"
    expect(reply).to_contain_text("(estimate)")
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

    send(page, text)

    expect(page.locator("#notice")).to_contain_text("retrying (2/3) in 1 s")
    wait_reply_done(page)
    expect(page.locator(LAST_REPLY).last).to_have_attribute("data-status", "complete")
    expect(page.locator("#notice")).to_have_count(0)
    reply = stored_messages(app)[-1]
    assert (reply.status, reply.content) == ("complete", full_reply(text))
    expect(page.locator("#breaker-state")).to_have_text("upstream ok")


def test_a_bad_key_is_not_retried_and_says_where_to_set_it(page: Page, app: RunningApp) -> None:
    open_app(page, app)
    new_conversation(page)

    send(page, "hello? [[sim:fault=http-401]]")

    expect(page.locator("#notice")).to_contain_text("OPENROUTER_API_KEY")
    expect(page.locator("#notice")).not_to_contain_text("retrying")
    wait_reply_done(page)
    reply = page.locator(LAST_REPLY).last
    expect(reply).to_have_attribute("data-status", "error")
    expect(reply.locator(".retry-reply")).to_be_visible()
    expect(reply.locator(".continue-reply")).to_have_count(0)
    user, stored = stored_messages(app)[-2:]
    assert (user.content, stored.status) == ("hello? [[sim:fault=http-401]]", "error")


# --- the crash test -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def crash_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("crash")


def _kill_backend(app: RunningApp) -> None:
    """SIGKILL every process of the app (the CLI, the backend workers): nothing cleans up."""
    os.killpg(app.process.pid, signal.SIGKILL)
    app.process.wait(timeout=10)


def _checkpointed(app: RunningApp) -> str:
    messages = stored_messages(app)
    return messages[-1].content if messages and messages[-1].role == "assistant" else ""


@pytest.fixture(scope="module")
def crash_report() -> Iterator[dict[str, float]]:
    report: dict[str, float] = {}
    yield report
    if report:
        print(
            "\ncrash test loss: "
            + ", ".join(f"{key}={value:g}" for key, value in sorted(report.items()))
        )


def test_a_killed_server_loses_at_most_a_second_and_continue_completes_the_reply(
    page: Page, crash_dir: Path, crash_report: dict[str, float]
) -> None:
    text = "[[sim:tokens=800]] tell me a long story about terminals"
    expected = full_reply(text)
    with running_app(crash_dir, NEURAL_TERMINAL_SIM_TOKENS_PER_SECOND=str(CRASH_RATE)) as first:
        open_app(page, first)
        send(page, text)
        streaming = page.locator("#streaming-reply")
        # Let it stream for a few checkpoints, then kill it in the middle of an interval.
        expect(streaming).to_contain_text(re.compile(r"(\S+\s+){60}"), timeout=30_000)
        while not _checkpointed(first):
            time.sleep(0.05)  # polling a condition: the first checkpoint is written
        time.sleep(CHECKPOINT_S * 1.5)  # deliberately mid-interval, a bit after a checkpoint
        shown = streaming.inner_text()
        _kill_backend(first)
        killed_at = time.monotonic()

    saved = _checkpointed(first)
    assert saved, "nothing was checkpointed"
    assert expected.startswith(saved)
    # What the page showed at the kill is a prefix of the reply too (modulo rendering).
    shown_tokens = count_tokens(" ".join(shown.split()))
    saved_tokens = count_tokens(" ".join(saved.split()))
    behind_tokens = max(0, shown_tokens - saved_tokens)
    crash_report.update(
        saved_chars=len(saved),
        shown_chars=len(" ".join(shown.split())),
        behind_chars=max(0, len(" ".join(shown.split())) - len(" ".join(saved.split()))),
        behind_tokens=behind_tokens,
        behind_seconds=round(behind_tokens / CRASH_RATE, 2),
    )
    assert behind_tokens / CRASH_RATE <= CHECKPOINT_S + 0.5, crash_report

    with running_app(crash_dir, NEURAL_TERMINAL_SIM_TOKENS_PER_SECOND="2000") as second:
        assert time.monotonic() - killed_at > 0
        open_app(page, second)
        expect(page.locator('.nt-msg[data-role="user"]').last).to_have_text(text)
        reply = page.locator(LAST_REPLY).last
        expect(reply).to_have_attribute("data-status", "interrupted")
        expect(reply).to_contain_text("server stopped")
        stored = stored_messages(second)[-1]
        assert (stored.status, stored.content) == ("interrupted", saved)
        assert stored.cost_is_estimate
        assert stored.cost_usd
        last_words = " ".join(saved.split()[-3:])
        expect(reply).to_contain_text(last_words)

        reply.locator(".continue-reply").click()

        expect(page.locator(LAST_REPLY).last).to_have_attribute(
            "data-status", "complete", timeout=60_000
        )
        wait_reply_done(page)
        done = stored_messages(second)[-1]
        assert (done.id, done.status, done.content) == (stored.id, "complete", expected)
