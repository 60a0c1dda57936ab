"""A login: one refusal for every wrong case, the same argon2 cost, delays that grow."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from neural_terminal.accounts import AccountServices, build_accounts
from neural_terminal.domain.errors import (
    AccountError,
    LoginRefused,
    LoginThrottled,
    NeuralTerminalError,
)
from neural_terminal.domain.users import SessionUser
from neural_terminal.store.accounts.user_store import UserStore
from tests.fakes import CountingHasher, ManualClock

PASSWORD = "correct horse battery staple"
ADDRESS = "198.51.100.7"


@pytest.fixture
def alice(accounts: AccountServices) -> int:
    return accounts.users.add_user("alice", PASSWORD).id


def _login(accounts: AccountServices, name: str, password: str, address: str = ADDRESS) -> str:
    token, _ = accounts.authenticator.login(name, password, address=address, client="test")
    return token


def test_the_right_password_opens_a_session_for_any_case_of_the_name(
    accounts: AccountServices, alice: int
) -> None:
    token = _login(accounts, " ALICE", PASSWORD)
    assert accounts.sessions.resolve(token) == SessionUser(alice, "alice", is_admin=False)
    assert [s.client for s in accounts.sessions.list_active()] == ["test"]


@pytest.mark.parametrize(
    ("name", "password"),
    [
        pytest.param("alice", "wrong password!", id="wrong-password"),
        pytest.param("nobody", PASSWORD, id="unknown-name"),
        pytest.param("not a valid name at all", PASSWORD, id="invalid-name"),
        pytest.param("alice", PASSWORD + "x" * 2_000, id="over-long-password"),
        pytest.param("bob", PASSWORD, id="disabled-account-right-password"),
    ],
)
def test_every_refusal_reads_the_same_and_spends_exactly_one_verify(
    accounts: AccountServices, hasher: CountingHasher, alice: int, name: str, password: str
) -> None:
    accounts.users.add_user("bob", PASSWORD)
    accounts.users.disable("bob")
    hasher.verifies = 0
    with pytest.raises(LoginRefused) as caught:
        _login(accounts, name, password)
    assert caught.value.user_message == "Wrong username or password."
    assert isinstance(caught.value, AccountError)
    assert isinstance(caught.value, NeuralTerminalError)
    assert hasher.verifies == 1
    assert accounts.sessions.list_active() == []


def test_fifty_wrong_passwords_wait_longer_and_longer_then_the_right_one_works(
    accounts: AccountServices, clock: ManualClock, alice: int
) -> None:
    waits: list[float] = []
    for _ in range(50):
        try:
            _login(accounts, "alice", "wrong password!")
        except LoginThrottled as throttled:
            # A throttled try checks no password and counts no failure: wait, then try.
            waits.append(throttled.retry_after_s)
            clock.advance(timedelta(seconds=throttled.retry_after_s))
            with pytest.raises(LoginRefused):
                _login(accounts, "alice", "wrong password!")
        except LoginRefused:
            waits.append(0)
    assert waits == [0] * 5 + [2**n for n in range(10)] + [900] * 35
    with pytest.raises(LoginThrottled) as caught:
        _login(accounts, "alice", PASSWORD)  # right, but too soon
    assert caught.value.retry_after_s == 900
    assert caught.value.user_message == "Too many failed logins. Try again in 900 s."
    clock.advance(timedelta(seconds=899))
    with pytest.raises(LoginThrottled):
        _login(accounts, "alice", PASSWORD)
    clock.advance(timedelta(seconds=1))
    assert accounts.sessions.resolve(_login(accounts, "alice", PASSWORD)) is not None
    with pytest.raises(LoginRefused):  # the success cleared the count: no wait after one miss
        _login(accounts, "alice", "wrong password!")
    _login(accounts, "alice", PASSWORD)


def test_unknown_names_are_throttled_like_real_ones(
    accounts: AccountServices, hasher: CountingHasher
) -> None:
    for _ in range(5):
        with pytest.raises(LoginRefused):
            _login(accounts, "Nobody", PASSWORD)
    hasher.verifies = 0
    with pytest.raises(LoginThrottled) as caught:
        _login(accounts, "nobody", PASSWORD, address="203.0.113.1")
    assert caught.value.retry_after_s == 1
    assert hasher.verifies == 0


def test_an_address_that_failed_is_throttled_for_the_right_name_too(
    accounts: AccountServices, alice: int
) -> None:
    for name in ("a", "b", "c", "d", "e"):
        with pytest.raises(LoginRefused):
            _login(accounts, name, PASSWORD)
    with pytest.raises(LoginThrottled):
        _login(accounts, "alice", PASSWORD)
    _login(accounts, "alice", PASSWORD, address="192.0.2.55")  # from elsewhere it works


def test_failed_logins_are_logged_with_name_and_address_never_the_password(
    accounts: AccountServices, alice: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="neural_terminal.accounts")
    for _ in range(6):
        with pytest.raises((LoginRefused, LoginThrottled)):
            _login(accounts, "alice", "hunter2 is not it")
    with pytest.raises(LoginRefused):
        _login(accounts, "nobody\nINJECTED", "another secret!", address="203.0.113.9")
    messages = [record.getMessage() for record in caplog.records]
    assert all(record.levelno == logging.WARNING for record in caplog.records)
    assert len(messages) == 7
    assert all("'alice'" in m and f"'{ADDRESS}'" in m for m in messages[:6])
    assert "refused: wrong password" in messages[0]
    assert "throttled" in messages[5]
    assert "'nobody\\ninjected'" in messages[6]  # repr: a name cannot forge a log line
    assert "refused: no such user" in messages[6]
    assert "hunter2" not in caplog.text
    assert "another secret" not in caplog.text


def test_a_hash_with_old_parameters_is_rehashed_on_the_next_login(
    engine: Engine, accounts: AccountServices, clock: ManualClock, alice: int
) -> None:
    store = UserStore(engine)
    cheap = store.credentials(username="alice")
    assert cheap is not None
    assert "m=8,t=1,p=1" in cheap.password_hash
    # The same database, now served with the library's default parameters.
    upgraded = build_accounts(engine, clock=clock)
    _login(upgraded, "alice", PASSWORD)
    rehashed = store.credentials(username="alice")
    assert rehashed is not None
    assert rehashed.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    account = upgraded.users.get("alice")
    assert account.password_changed_at == account.created_at  # the same password
    _login(upgraded, "alice", PASSWORD)
