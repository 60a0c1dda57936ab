"""End to end in Chromium, the crash test: SIGKILL the server mid-reply, restart, Continue.

In a module of its own so that no other app holds the session's port while it runs: both of
its apps then start from the session's one frontend build.
"""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.server import RunningApp, running_app
from tests.e2e.test_chat import open_app, send, stored_messages, wait_reply_done
from tests.e2e.test_resilience import LAST_REPLY, full_reply
from tests.token_counts import count_tokens

CRASH_RATE = 40  # tokens per second while the crash test streams
CHECKPOINT_S = 1.0


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
        deadline = time.monotonic() + 60
        while not _checkpointed(first):
            assert time.monotonic() < deadline, "no checkpoint written in a minute of streaming"
            time.sleep(0.05)  # polling a condition: the first checkpoint is written
        time.sleep(CHECKPOINT_S * 1.5)  # deliberately mid-interval, a bit after a checkpoint
        shown = streaming.inner_text()
        _kill_backend(first)

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
        open_app(page, second)
        expect(page.locator('.nt-msg[data-role="user"] .nt-prompt').last).to_have_text(text)
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
