"""An admin adds, lists, disables, enables and resets users."""

from __future__ import annotations

from datetime import timedelta

import pytest

from neural_terminal.accounts import AccountServices
from neural_terminal.domain.errors import (
    InvalidPassword,
    InvalidUsername,
    UsernameTaken,
    UserNotFound,
)
from tests.fakes import ManualClock

PASSWORD = "correct horse battery staple"


def test_a_user_is_stored_lower_case_with_an_argon2id_hash(accounts: AccountServices) -> None:
    account = accounts.users.add_user("  Alice ", PASSWORD, admin=True)
    assert (account.username, account.is_admin, account.disabled) == ("alice", True, False)
    assert account.created_at == account.password_changed_at
    assert [user.username for user in accounts.users.list_users()] == ["alice"]


def test_a_name_taken_in_any_case_is_refused(accounts: AccountServices) -> None:
    accounts.users.add_user("alice", PASSWORD)
    with pytest.raises(UsernameTaken):
        accounts.users.add_user("ALICE", PASSWORD)


@pytest.mark.parametrize(
    ("username", "password", "error"),
    [
        pytest.param("al ice", PASSWORD, InvalidUsername, id="bad-name"),
        pytest.param("alice", "elevenchars", InvalidPassword, id="short-password"),
        pytest.param("alice", "p" * 1025, InvalidPassword, id="long-password"),
    ],
)
def test_an_invalid_user_is_refused_and_not_stored(
    accounts: AccountServices, username: str, password: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        accounts.users.add_user(username, password)
    assert accounts.users.list_users() == []


def test_users_are_listed_by_name(accounts: AccountServices) -> None:
    for name in ("carol", "alice", "bob"):
        accounts.users.add_user(name, PASSWORD)
    assert [user.username for user in accounts.users.list_users()] == ["alice", "bob", "carol"]


def test_disable_keeps_its_first_time_and_enable_clears_it(
    accounts: AccountServices, clock: ManualClock
) -> None:
    accounts.users.add_user("alice", PASSWORD)
    first = accounts.users.disable("Alice").disabled_at
    clock.advance(timedelta(hours=1))
    assert accounts.users.disable("alice").disabled_at == first == clock.now - timedelta(hours=1)
    assert not accounts.users.enable("alice").disabled


@pytest.mark.parametrize("action", ["disable", "enable", "get"])
def test_an_unknown_name_is_reported(accounts: AccountServices, action: str) -> None:
    with pytest.raises(UserNotFound):
        getattr(accounts.users, action)("nobody")


def test_reset_password_changes_it_and_ends_the_sessions(
    accounts: AccountServices, clock: ManualClock
) -> None:
    alice = accounts.users.add_user("alice", PASSWORD)
    token, _ = accounts.authenticator.login("alice", PASSWORD, address="a", client="c")
    clock.advance(timedelta(days=1))
    reset = accounts.users.reset_password("alice", "a brand new passphrase")
    assert reset.password_changed_at == clock.now > alice.password_changed_at
    assert accounts.sessions.resolve(token) is None
    accounts.authenticator.login("alice", "a brand new passphrase", address="a", client="c")


def test_reset_password_keeps_the_old_one_when_the_new_breaks_the_rule(
    accounts: AccountServices,
) -> None:
    accounts.users.add_user("alice", PASSWORD)
    with pytest.raises(InvalidPassword):
        accounts.users.reset_password("alice", "short")
    accounts.authenticator.login("alice", PASSWORD, address="a", client="c")
    with pytest.raises(UserNotFound):
        accounts.users.reset_password("nobody", PASSWORD)


def test_has_any_admin_counts_enabled_admins_only(accounts: AccountServices) -> None:
    assert not accounts.users.has_any_admin()
    accounts.users.add_user("bob", PASSWORD)
    assert not accounts.users.has_any_admin()
    accounts.users.add_user("alice", PASSWORD, admin=True)
    assert accounts.users.has_any_admin()
    accounts.users.disable("alice")
    assert not accounts.users.has_any_admin()
