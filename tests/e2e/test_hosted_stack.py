"""End to end over the hosted stack: nginx in front of two workers on PostgreSQL and Redis.

A worker streaming a reply is killed outright (SIGKILL): the page reconnects through nginx
to the other worker; once the dead worker's lease has expired its reply shows the text up to
its last checkpoint, marked interrupted, its reservation is released, and Continue (served by
the surviving worker) completes it.
"""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from neural_terminal.store.engine import make_engine
from neural_terminal.store.tables import BudgetReservation, Message
from tests.e2e.hosted_stack import HostedStack, hosted_stack
from tests.e2e.test_chat import send, wait_reply_done
from tests.e2e.test_hosted import add_user
from tests.e2e.test_resilience import LAST_REPLY

USER = ("carol", "carol's long passphrase")
LEASE_S = 4.0
# Killed, its lease expires, a sweep runs (a quarter lease apart): the reply is given up.
GIVEN_UP_WITHIN_S = LEASE_S + LEASE_S / 4 + 1


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostedStack]:
    with hosted_stack(
        tmp_path_factory.mktemp("hosted-stack"),
        NEURAL_TERMINAL_SIM_TOKENS_PER_SECOND="40",
        NEURAL_TERMINAL_WORKER_LEASE_S=str(LEASE_S),
    ) as running:
        add_user(running.database_url, *USER)
        yield running


def _log_in(page: Page, stack: HostedStack) -> None:
    page.goto(stack.url + "/")
    expect(page).to_have_url(re.compile(r"/login"))
    page.locator('input[name="username"]').fill(USER[0])
    page.locator('input[name="password"]').fill(USER[1])
    page.locator('input[name="password"]').press("Enter")
    # The model list comes over the websocket: the page is connected to a worker.
    expect(page.locator("#model-select option").first).to_be_attached(timeout=60_000)
    expect(page.locator("#composer")).to_be_enabled()


def _streaming_reply(stack: HostedStack) -> Message | None:
    engine = make_engine(stack.database_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                select(Message.__table__).where(  # type: ignore[attr-defined]
                    Message.__table__.c.status == "streaming"  # type: ignore[attr-defined]
                )
            ).first()
    finally:
        engine.dispose()
    return Message(**row._mapping) if row is not None else None


def _reply(stack: HostedStack, message_id: int) -> Message:
    engine = make_engine(stack.database_url)
    try:
        with engine.connect() as conn:
            table = Message.__table__  # type: ignore[attr-defined]
            row = conn.execute(select(table).where(table.c.id == message_id)).one()
    finally:
        engine.dispose()
    return Message(**row._mapping)


def _reservations(stack: HostedStack) -> int:
    engine = make_engine(stack.database_url)
    try:
        with engine.connect() as conn:
            table = BudgetReservation.__table__  # type: ignore[attr-defined]
            return len(conn.execute(select(table)).all())
    finally:
        engine.dispose()


def _wait_for(condition: object, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"{what} (not within {timeout_s:g} s)"
        time.sleep(0.1)  # polling a condition in the database


def test_a_killed_worker_gives_its_reply_up_and_the_other_worker_continues_it(
    page: Page, stack: HostedStack
) -> None:
    _log_in(page, stack)
    send(page, "[[sim:tokens=600]] a long story about proxies")
    expect(page.locator("#streaming-reply")).to_contain_text(re.compile(r"(\S+\s+){30}"))
    _wait_for(lambda: (r := _streaming_reply(stack)) is not None and r.content, 30, "checkpoint")
    streaming = _streaming_reply(stack)
    assert streaming is not None
    assert streaming.stream_worker is not None
    assert streaming.id is not None
    owner_pid = int(streaming.stream_worker.split("-")[-2])
    assert owner_pid in stack.workers().values(), (streaming.stream_worker, stack.workers())
    assert _reservations(stack) == 1

    killed_at = time.monotonic()
    os.kill(owner_pid, signal.SIGKILL)

    _wait_for(
        lambda: _reply(stack, streaming.id).status == "interrupted",
        GIVEN_UP_WITHIN_S + 10,
        "the killed worker's reply was not marked interrupted",
    )
    given_up_s = time.monotonic() - killed_at
    saved = _reply(stack, streaming.id)
    assert saved.content.startswith(streaming.content)
    assert _reservations(stack) == 0
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
    done = _reply(stack, streaming.id)
    assert done.status == "complete"
    assert done.content.startswith(saved.content)
    assert len(done.content) > len(saved.content)
