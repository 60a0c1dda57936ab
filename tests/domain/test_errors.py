"""The send-limit errors say the limit and the wait in words a user can act on."""

from __future__ import annotations

import pytest

from neural_terminal.domain.errors import NeuralTerminalError, SendLimitError, TooManySends


@pytest.mark.parametrize(
    ("retry_after_s", "says"),
    [
        pytest.param(0.001, "try again in 1 s.", id="a-millisecond-reads-as-a-second"),
        pytest.param(12.0, "try again in 12 s.", id="whole-seconds"),
        pytest.param(12.001, "try again in 13 s.", id="rounded-up-never-too-early"),
    ],
)
def test_the_wait_is_whole_seconds_rounded_up(retry_after_s: float, says: str) -> None:
    error = TooManySends(limit=30, retry_after_s=retry_after_s, detail="owner_id=7")
    assert error.user_message.endswith(says)
    assert isinstance(error, SendLimitError)
    assert isinstance(error, NeuralTerminalError)
    assert "owner_id=7" in str(error)
