"""Usernames are compared lower-case and limited to 1-64 of a-z, 0-9, '.', '_', '-'."""

from __future__ import annotations

import pytest

from neural_terminal.accounts.usernames import valid_username
from neural_terminal.domain.errors import InvalidInput, InvalidUsername


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        pytest.param("alice", "alice", id="plain"),
        pytest.param("  Alice.B-C_9 ", "alice.b-c_9", id="upper-case-and-spaces"),
        pytest.param("x" * 64, "x" * 64, id="sixty-four"),
    ],
)
def test_a_valid_name_is_stored_normalised(raw: str, stored: str) -> None:
    assert valid_username(raw) == stored


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param("x" * 65, id="sixty-five"),
        pytest.param("al ice", id="inner-space"),
        pytest.param("alice\nbob", id="inner-newline"),
        pytest.param("émile", id="not-ascii"),
        pytest.param("a@b", id="at-sign"),
    ],
)
def test_an_invalid_name_is_refused_as_invalid_input(raw: str) -> None:
    with pytest.raises(InvalidUsername) as caught:
        valid_username(raw)
    assert isinstance(caught.value, InvalidInput)
