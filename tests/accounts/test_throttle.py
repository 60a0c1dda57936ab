"""Failed logins: four free, then 1, 2, 4 ... s up to 15 min, per name and per address."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine

from neural_terminal.accounts.throttle import FORGET_AFTER, MAX_DELAY, LoginThrottle, delay_after
from neural_terminal.store.accounts.failure_store import FailureStore
from tests.fakes import ManualClock


@pytest.fixture
def throttle(engine: Engine, clock: ManualClock) -> LoginThrottle:
    return LoginThrottle(FailureStore(engine), clock=clock)


def test_the_delays_grow_exactly_and_stop_at_fifteen_minutes() -> None:
    seconds = [delay_after(failures).total_seconds() for failures in range(1, 21)]
    assert seconds == [0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, *[900] * 6]
    assert delay_after(10**6) == MAX_DELAY == timedelta(minutes=15)


def test_a_name_waits_after_its_fifth_failure_and_the_wait_runs_down(
    throttle: LoginThrottle, clock: ManualClock
) -> None:
    for _ in range(4):
        throttle.record_failure("alice", address="198.51.100.1")
        assert throttle.wait_s("alice", address="198.51.100.1") == 0
    throttle.record_failure("alice", address="198.51.100.1")
    assert throttle.wait_s("alice", address="198.51.100.1") == 1
    clock.advance(timedelta(milliseconds=250))
    assert throttle.wait_s("alice", address="198.51.100.1") == 0.75
    clock.advance(timedelta(milliseconds=750))
    assert throttle.wait_s("alice", address="198.51.100.1") == 0
    throttle.record_failure("alice", address="198.51.100.1")
    assert throttle.wait_s("alice", address="198.51.100.1") == 2


def test_an_address_is_throttled_across_names(throttle: LoginThrottle) -> None:
    for name in ("a", "b", "c", "d", "e"):
        throttle.record_failure(name, address="203.0.113.9")
    assert throttle.wait_s("f", address="203.0.113.9") == 1
    assert throttle.wait_s("f", address="203.0.113.10") == 0  # another address, another name


def test_a_name_is_throttled_across_addresses(throttle: LoginThrottle) -> None:
    for host in range(5):
        throttle.record_failure("alice", address=f"203.0.113.{host}")
    assert throttle.wait_s("alice", address="192.0.2.1") == 1
    assert throttle.wait_s("bob", address="192.0.2.1") == 0


def test_unknown_and_differently_cased_names_count_under_the_normalised_name(
    throttle: LoginThrottle,
) -> None:
    for raw in ("Nobody", "NOBODY", " nobody", "nobody ", "nObOdY"):
        throttle.record_failure(raw, address=f"addr-{raw}")
    assert throttle.wait_s("nobody", address="elsewhere") == 1


def test_a_success_clears_the_name_and_the_address(throttle: LoginThrottle) -> None:
    for _ in range(6):
        throttle.record_failure("alice", address="198.51.100.1")
    throttle.record_failure("bob", address="198.51.100.2")
    throttle.record_success("alice", address="198.51.100.1")
    assert throttle.wait_s("alice", address="198.51.100.1") == 0
    for _ in range(4):
        throttle.record_failure("alice", address="198.51.100.1")
    assert throttle.wait_s("alice", address="198.51.100.1") == 0  # counting from zero again
    for _ in range(4):
        throttle.record_failure("bob", address="198.51.100.2")
    assert throttle.wait_s("bob", address="198.51.100.2") == 1  # bob's five are untouched


def test_failures_older_than_a_day_are_forgotten_and_pruned(
    throttle: LoginThrottle, clock: ManualClock, engine: Engine
) -> None:
    for _ in range(5):
        throttle.record_failure("alice", address="198.51.100.1")
    clock.advance(FORGET_AFTER)
    throttle.record_failure("alice", address="198.51.100.1")
    assert throttle.wait_s("alice", address="198.51.100.1") == 0  # one failure, not six
    clock.advance(FORGET_AFTER + timedelta(seconds=1))
    assert throttle.prune() == 2
    assert FailureStore(engine).failures(key=("user", "alice")) == 0


def test_a_long_address_or_name_is_cut_to_the_column(throttle: LoginThrottle) -> None:
    for _ in range(5):
        throttle.record_failure("n" * 5_000, address="a" * 5_000)
    assert throttle.wait_s("n" * 5_000, address="a" * 5_000) == 1
