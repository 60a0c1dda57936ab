"""End to end over the hosted stack: nginx in front of two workers on PostgreSQL and Redis.

- A worker streaming a reply is killed outright (SIGKILL): the page reconnects through nginx
  to the other worker; once the dead worker's lease has expired its reply shows the text up
  to its last checkpoint, marked interrupted, its reservation is released, and Continue
  (served by the surviving worker) completes it.
- A second tab whose socket is on the other worker follows a reply live and sees it end.
- A worker stopped for a restart (SIGTERM) finishes its reply within the grace period while
  the page, moved to the other worker, follows it to the end: nothing is lost.
"""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.hosted_stack import (
    HostedStack,
    checkpointed_reply,
    hosted_stack,
    log_in,
    owner_pid,
    reply_row,
    reservation_count,
    wait_for,
)
from tests.e2e.test_chat import USER_MESSAGES, new_conversation, send, wait_reply_done
from tests.e2e.test_hosted import add_user
from tests.e2e.test_resilience import LAST_REPLY, full_reply

USER = ("carol", "carol's long passphrase")
METRICS_TOKEN = "hosted-stack-metrics-token"
LEASE_S = 4.0
# Killed, its lease expires, a sweep runs (a quarter lease apart): the reply is given up.
GIVEN_UP_WITHIN_S = LEASE_S + LEASE_S / 4 + 1


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostedStack]:
    with hosted_stack(
        tmp_path_factory.mktemp("hosted-stack"),
        NEURAL_TERMINAL_SIM_TOKENS_PER_SECOND="40",
        NEURAL_TERMINAL_WORKER_LEASE_S=str(LEASE_S),
        NEURAL_TERMINAL_SHUTDOWN_GRACE_S="60",
        NEURAL_TERMINAL_METRICS="on",
        NEURAL_TERMINAL_METRICS_TOKEN=METRICS_TOKEN,
    ) as running:
        add_user(running.database_url, *USER)
        yield running


@pytest.fixture(autouse=True)
def both_workers(stack: HostedStack) -> None:
    """Each test starts with both workers serving (a test before may have killed one)."""
    stack.wait_workers_answer()


def test_a_killed_worker_gives_its_reply_up_and_the_other_worker_continues_it(
    page: Page, stack: HostedStack
) -> None:
    log_in(page, stack, USER)
    send(page, "[[sim:tokens=600]] a long story about proxies")
    expect(page.locator("#streaming-reply")).to_contain_text(re.compile(r"(\S+\s+){30}"))
    streaming = checkpointed_reply(stack)
    reply_id = streaming.id
    assert reply_id is not None
    owner = owner_pid(streaming)
    assert owner in stack.workers().values(), (streaming.stream_worker, stack.workers())
    assert reservation_count(stack) == 1

    killed_at = time.monotonic()
    os.kill(owner, signal.SIGKILL)

    wait_for(
        lambda: reply_row(stack, reply_id).status == "interrupted",
        GIVEN_UP_WITHIN_S + 10,
        "the killed worker's reply was not marked interrupted",
    )
    given_up_s = time.monotonic() - killed_at
    saved = reply_row(stack, reply_id)
    assert saved.content.startswith(streaming.content)
    assert reservation_count(stack) == 0
    print(f"\nkilled worker's reply given up after {given_up_s:.1f} s")
    assert given_up_s <= GIVEN_UP_WITHIN_S + 2, given_up_s

    reply = page.locator(LAST_REPLY).last
    expect(reply).to_have_attribute("data-status", "interrupted", timeout=30_000)
    expect(reply).to_contain_text("server stopped")
    reply.locator(".continue-reply").click()
    expect(page.locator(LAST_REPLY).last).to_have_attribute(
        "data-status", "complete", timeout=90_000
    )
    wait_reply_done(page)
    done = reply_row(stack, reply_id)
    assert done.status == "complete"
    assert done.content.startswith(saved.content)
    assert len(done.content) > len(saved.content)


def _sockets_per_worker(stack: HostedStack) -> dict[int, int]:
    """Each worker's connected browser websockets, from its own /metrics (asked directly)."""
    counts = {}
    for port in stack.workers():
        response = httpx.get(
            f"http://127.0.0.1:{port}/metrics",
            headers={"Authorization": f"Bearer {METRICS_TOKEN}"},
            timeout=10,
        )
        response.raise_for_status()
        found = re.search(r"^neural_terminal_websocket_clients (\S+)$", response.text, re.M)
        assert found is not None, response.text[:500]
        counts[port] = int(float(found.group(1)))
    return counts


def _open_tab_on_another_worker(page: Page, stack: HostedStack) -> Page:
    """A new tab of the same browser whose websocket nginx gave to a worker other than the
    first tab's (nginx hands sockets out in turn: a second try lands on the other one)."""
    before = _sockets_per_worker(stack)
    mine = {port for port, count in before.items() if count}
    for _ in range(3):
        tab = page.context.new_page()
        tab.goto(stack.url + "/")
        expect(tab.locator(USER_MESSAGES).first).to_be_visible(timeout=60_000)
        now = _sockets_per_worker(stack)
        grown = {port for port in now if now[port] > before.get(port, 0)}
        if grown - mine:
            return tab
        before = now
    raise AssertionError(f"every tab landed on the first tab's worker: {before}")


def test_a_second_tab_on_the_other_worker_follows_the_reply_live(
    page: Page, stack: HostedStack
) -> None:
    log_in(page, stack, USER)
    new_conversation(page)
    send(page, "[[sim:tokens=10]] hello")
    wait_reply_done(page)
    other = _open_tab_on_another_worker(page, stack)
    expect(other.locator(USER_MESSAGES)).to_have_count(1)

    send(page, "[[sim:tokens=300]] a longer one, please")

    expect(other.locator(USER_MESSAGES)).to_have_count(2, timeout=10_000)
    expect(other.locator("#live-text")).to_contain_text(re.compile(r"(\S+\s+){10}"))
    assert page.locator("#streaming-reply").count() == 1  # seen live, not at the end
    wait_reply_done(page)
    expect(other.locator(LAST_REPLY).last).to_have_attribute(
        "data-status", "complete", timeout=15_000
    )
    words = " ".join(page.locator(LAST_REPLY).last.inner_text().split()[:8])
    expect(other.locator(LAST_REPLY).last).to_contain_text(words)


def test_a_worker_stopped_for_a_restart_lets_its_reply_finish_and_the_page_moves(
    page: Page, stack: HostedStack
) -> None:
    text = "[[sim:tokens=400]] the rolling restart story"
    log_in(page, stack, USER)
    new_conversation(page)
    send(page, text)
    expect(page.locator("#streaming-reply")).to_contain_text(re.compile(r"(\S+\s+){20}"))
    streaming = checkpointed_reply(stack)
    assert streaming.id is not None

    os.kill(owner_pid(streaming), signal.SIGTERM)

    reply = page.locator(LAST_REPLY).last
    expect(reply).to_have_attribute("data-status", "complete", timeout=90_000)
    wait_reply_done(page)
    stored = reply_row(stack, streaming.id)
    assert stored.status == "complete"
    assert stored.content == full_reply(text)
    last_words = " ".join(stored.content.split()[-4:])
    expect(reply).to_contain_text(last_words)
