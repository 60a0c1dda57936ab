"""End to end over the hosted stack while a service it stands on restarts mid-stream. The
stack runs on a Redis and a PostgreSQL of the test's own (the machine's are shared).

- Redis (keeping nothing on disk) is killed while a reply streams and started again empty:
  the reply goes on to the end (its text reaches the page straight over the worker's socket),
  or ends interrupted with Continue; the page keeps everything it showed, and the app works
  again without a restart of its own (Redis's restart makes every page reconnect, and a
  reconnect rebuilds the page's state from the database).
- A message sent while Redis is down is not taken (nothing is stored) and stays in the
  composer; once Redis is back the page reconnects by itself and the same words send.
- A page whose state Redis lost (as after a restart, before the workers notice it) sends:
  nothing is taken and no other conversation gets the words; the page reconnects, shows its
  conversation again, and the same words then send into it.
- PostgreSQL is shut down at once (every session cut) while a reply streams, and the reply's
  last tokens arrive while it is down: the checkpoints and the final write fail and are tried
  again, and once PostgreSQL is back (after crash recovery) the final write lands: the whole
  reply is stored complete, its reservation is released, and the next message works.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import redis as redis_client
from playwright.sync_api import Page, expect

from tests.e2e.hosted_stack import (
    HostedStack,
    checkpointed_reply,
    hosted_stack,
    log_in,
    messages_saying,
    reply_row,
    reservation_count,
    wait_for,
)
from tests.e2e.own_services import PostgresServer, RedisServer, postgres_server, redis_server
from tests.e2e.page_sockets import PageSockets
from tests.e2e.test_chat import USER_MESSAGES, new_conversation, send, wait_reply_done
from tests.e2e.test_hosted import add_user
from tests.e2e.test_resilience import LAST_REPLY, full_reply

USER = ("dora", "dora's long passphrase")
LEASE_S = 4.0


@pytest.fixture(scope="module")
def redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with redis_server(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture(scope="module")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    with postgres_server(tmp_path_factory.mktemp("postgres")) as server:
        yield server


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, redis: RedisServer, postgres: PostgresServer
) -> Iterator[HostedStack]:
    with hosted_stack(
        tmp_path_factory.mktemp("hosted-faults"),
        redis_url=redis.url,
        postgres_url=postgres.url,
        NEURAL_TERMINAL_SIM_TOKENS_PER_SECOND="40",
        NEURAL_TERMINAL_WORKER_LEASE_S=str(LEASE_S),
    ) as running:
        add_user(running.database_url, *USER)
        yield running


def _words(page: Page) -> int:
    return len(page.locator("#live-text").inner_text().split())


def test_a_redis_restart_mid_stream_loses_nothing_and_the_app_recovers(
    page: Page, stack: HostedStack, redis: RedisServer
) -> None:
    text = "[[sim:tokens=500]] the story of a cache that forgot everything"
    log_in(page, stack, USER)
    new_conversation(page)
    send(page, text)
    expect(page.locator("#live-text")).to_contain_text(re.compile(r"(\S+\s+){20}"))
    streaming = checkpointed_reply(stack)
    reply_id = streaming.id
    assert reply_id is not None

    redis.stop()
    seen = _words(page)
    # Redis is down: the text still reaches the page.
    expect(page.locator("#live-text")).to_contain_text(re.compile(rf"(\S+\s+){{{seen + 20}}}"))
    redis.start()

    reply = page.locator(LAST_REPLY).last
    expect(reply).to_have_attribute(
        "data-status", re.compile("complete|interrupted"), timeout=90_000
    )
    if reply.get_attribute("data-status") == "interrupted":
        reply.locator(".continue-reply").click()
        expect(reply).to_have_attribute("data-status", "complete", timeout=90_000)
    wait_reply_done(page)
    stored = reply_row(stack, reply_id)
    assert stored.status == "complete"
    assert stored.content == full_reply(text)
    expect(reply).to_contain_text(" ".join(stored.content.split()[-4:]))
    wait_for(lambda: reservation_count(stack) == 0, 30, "the reservation was not released")

    # The app works again, without a restart: the next message streams and is stored.
    send(page, "[[sim:tokens=30]] are you still there?")
    wait_reply_done(page)
    expect(page.locator(LAST_REPLY).last).to_have_attribute("data-status", "complete")
    # And a reload shows both turns: nothing the user typed or saw is lost.
    page.reload()
    expect(page.locator(USER_MESSAGES)).to_have_count(2, timeout=60_000)
    expect(page.locator(LAST_REPLY).first).to_contain_text(" ".join(stored.content.split()[:6]))


def test_a_message_sent_while_redis_is_down_stays_in_the_composer_until_it_is_back(
    page: Page, stack: HostedStack, redis: RedisServer
) -> None:
    sockets = PageSockets(page)
    log_in(page, stack, USER)
    new_conversation(page)
    before = sockets.current()
    redis.stop()
    try:
        page.locator("#composer").fill("[[sim:tokens=12]] sent while the cache was away")
        page.locator("#composer").press("Enter")
        # Nothing can be promised without Redis: nothing is stored, and the words stay.
        expect(page.locator("#composer")).to_have_value(
            "[[sim:tokens=12]] sent while the cache was away"
        )
        expect(page.locator(USER_MESSAGES)).to_have_count(0)
    finally:
        redis.start()
    # Back: the page reconnects on its own (its state is rebuilt), and the same words send.
    sockets.reconnected(since=before)
    expect(page.locator("#composer")).to_be_enabled()

    send(page, "[[sim:tokens=12]] sent while the cache was away")
    wait_reply_done(page)
    expect(page.locator(LAST_REPLY).last).to_have_attribute("data-status", "complete")


def _forget_page_state(page: Page, redis: RedisServer) -> int:
    """Delete what Redis holds of this page's Reflex state, as a restart would, without
    the restart the workers watch for; returns how many keys went."""
    token = page.evaluate("() => window.sessionStorage.getItem('token')")
    assert token, "the page has no Reflex token"
    client = redis_client.Redis.from_url(redis.url)
    try:
        keys = list(client.scan_iter(match=f"*{token}*"))
        return len(keys) if keys and client.delete(*keys) else 0
    finally:
        client.close()


def test_a_send_on_a_page_whose_state_redis_lost_takes_nothing_until_it_is_rebuilt(
    page: Page, stack: HostedStack, redis: RedisServer
) -> None:
    first = "[[sim:tokens=12]] the conversation this page shows"
    sockets = PageSockets(page)
    log_in(page, stack, USER)
    new_conversation(page)
    send(page, first)
    wait_reply_done(page)
    (shown,) = messages_saying(stack, first)
    # A newer conversation, so the one shown is not the one a blank state would open.
    new_conversation(page)
    send(page, "[[sim:tokens=12]] a newer conversation")
    wait_reply_done(page)
    page.locator(".nt-conv-title", has_text="the conversation this page shows").click()
    expect(page.locator(USER_MESSAGES)).to_contain_text(first)
    before = sockets.current()
    assert _forget_page_state(page, redis) > 0

    words = "[[sim:tokens=12]] words sent on a blank state"
    page.locator("#composer").fill(words)
    page.locator("#composer").press("Enter")
    # The page reconnects (its state is rebuilt from the database) and shows its conversation.
    sockets.reconnected(since=before)
    expect(page.locator("#composer")).to_be_enabled()
    expect(page.locator(USER_MESSAGES)).to_have_count(1)
    expect(page.locator(USER_MESSAGES)).to_contain_text(first)
    # Nothing was taken, and the words are still there.
    assert messages_saying(stack, words) == []
    expect(page.locator("#composer")).to_have_value(words)

    page.locator("#composer").press("Enter")
    expect(page.locator(USER_MESSAGES)).to_have_count(2)
    wait_reply_done(page)
    (sent,) = messages_saying(stack, words)
    assert sent.conversation_id == shown.conversation_id


def test_a_postgresql_restart_mid_stream_retries_and_the_final_write_lands(
    page: Page, stack: HostedStack, postgres: PostgresServer
) -> None:
    text = "[[sim:tokens=200]] the story of a database that went away for a while"
    full = full_reply(text)
    log_in(page, stack, USER)
    new_conversation(page)
    send(page, text)
    reply_id = checkpointed_reply(stack).id
    assert reply_id is not None

    postgres.stop()
    try:
        # The rest of the reply still reaches the page, to its last words...
        last_words = re.compile(r"\s+".join(map(re.escape, full.split()[-4:])))
        expect(page.locator("#live-text")).to_contain_text(last_words, timeout=60_000)
        # ... and its owner has tried to store it, and will try again.
        wait_for(
            lambda: stack.workers_logged(f"reply {reply_id} not stored yet"),
            30,
            "the final write was not tried while PostgreSQL was down",
        )
        expect(page.locator(LAST_REPLY).last).to_have_attribute("data-status", "streaming")
    finally:
        postgres.start()

    reply = page.locator(LAST_REPLY).last
    expect(reply).to_have_attribute("data-status", "complete", timeout=90_000)
    wait_reply_done(page)
    stored = reply_row(stack, reply_id)
    assert (stored.status, stored.content) == ("complete", full)
    assert stored.cost_usd is not None
    wait_for(lambda: reservation_count(stack) == 0, 30, "the reservation was not released")

    send(page, "[[sim:tokens=30]] are you back?")
    wait_reply_done(page)
    expect(page.locator(LAST_REPLY).last).to_have_attribute("data-status", "complete")
    page.reload()
    expect(page.locator(USER_MESSAGES)).to_have_count(2, timeout=60_000)
    expect(page.locator(LAST_REPLY).first).to_contain_text(" ".join(full.split()[:6]))
