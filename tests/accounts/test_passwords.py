"""Passwords: 12 to 1024 characters, argon2id with the library's defaults, rehash on change."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from neural_terminal.accounts.passwords import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    Passwords,
    check_password_rules,
)
from neural_terminal.domain.errors import InvalidPassword
from tests.fakes import CountingHasher

PASSWORD = "correct horse battery staple"


def test_the_default_hasher_is_argon2id_with_the_library_parameters() -> None:
    defaults = PasswordHasher()
    encoded = Passwords().hash(PASSWORD)
    assert encoded.startswith(
        f"$argon2id$v=19$m={defaults.memory_cost},t={defaults.time_cost},p={defaults.parallelism}$"
    )
    assert PASSWORD not in encoded


@pytest.mark.parametrize(
    ("length", "allowed"),
    [
        pytest.param(MIN_PASSWORD_LENGTH - 1, False, id="eleven"),
        pytest.param(MIN_PASSWORD_LENGTH, True, id="twelve"),
        pytest.param(MAX_PASSWORD_LENGTH, True, id="1024"),
        pytest.param(MAX_PASSWORD_LENGTH + 1, False, id="1025"),
    ],
)
def test_the_length_rule(length: int, allowed: bool) -> None:
    if allowed:
        check_password_rules("p" * length)
    else:
        with pytest.raises(InvalidPassword):
            check_password_rules("p" * length)


def test_the_rule_message_states_the_limits() -> None:
    message = InvalidPassword().user_message
    assert str(MIN_PASSWORD_LENGTH) in message
    assert str(MAX_PASSWORD_LENGTH) in message


def test_hash_refuses_a_password_that_breaks_the_rule() -> None:
    with pytest.raises(InvalidPassword):
        Passwords(CountingHasher()).hash("short")


def test_verify_is_true_only_for_the_password_and_false_for_an_unreadable_hash() -> None:
    passwords = Passwords(CountingHasher())
    encoded = passwords.hash(PASSWORD)
    assert passwords.verify(encoded, PASSWORD)
    assert not passwords.verify(encoded, PASSWORD + "!")
    assert not passwords.verify("not an argon2 hash", PASSWORD)


def test_a_hash_with_other_parameters_needs_a_rehash() -> None:
    cheap = Passwords(CountingHasher()).hash(PASSWORD)
    assert Passwords().needs_rehash(cheap)
    assert not Passwords(CountingHasher()).needs_rehash(cheap)


def test_verify_nothing_spends_one_verify_against_a_hash_of_its_own_parameters() -> None:
    hasher = CountingHasher()
    passwords = Passwords(hasher)
    passwords.verify_nothing(PASSWORD)
    passwords.verify_nothing(PASSWORD)
    assert hasher.verifies == 2
