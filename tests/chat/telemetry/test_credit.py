"""The key's credit: asked at most once a minute; a failed ask keeps what was read before."""

from __future__ import annotations

from decimal import Decimal

import pytest

from neural_terminal.chat.telemetry.credit import AccountCredit
from neural_terminal.domain.credit import KeyInfo
from neural_terminal.domain.errors import UpstreamUnreachable


class ScriptedKey:
    """Answers /key from a script of results (a KeyInfo, None, or an error to raise)."""

    def __init__(self, *answers: KeyInfo | Exception | None) -> None:
        self.answers = list(answers)
        self.asked = 0

    async def __call__(self) -> KeyInfo | None:
        self.asked += 1
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.mark.asyncio
async def test_asked_at_most_once_a_minute_and_a_failure_keeps_the_last_figures() -> None:
    first = KeyInfo(Decimal(10), Decimal(9), Decimal(1))
    second = KeyInfo(Decimal(10), Decimal(8), Decimal(2))
    key = ScriptedKey(first, UpstreamUnreachable(), second)
    now = [100.0]
    credit = AccountCredit(key, clock=lambda: now[0])
    assert await credit.current() is first
    now[0] = 159.9
    assert await credit.current() is first
    assert key.asked == 1
    now[0] = 160.0
    assert await credit.current() is first  # the ask failed: the last figures stay
    now[0] = 220.0
    assert await credit.current() is second
    assert key.asked == 3
