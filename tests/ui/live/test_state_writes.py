"""A background handler's write to its page's state waits out a Redis outage, within limits."""

from __future__ import annotations

from types import TracebackType

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from neural_terminal.ui.chat.live.state_writes import write_when_possible


class FlakyStore:
    """A state whose lock cannot be taken for the first ``failures`` tries."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.entered = 0

    async def __aenter__(self) -> object:
        self.entered += 1
        if self.entered <= self.failures:
            raise RedisConnectionError("Connection refused")
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None


@pytest.mark.asyncio
async def test_a_write_lands_once_the_store_answers_again() -> None:
    store, written = FlakyStore(failures=3), []

    assert await write_when_possible(store, lambda: written.append("ended"), first_retry_s=0)

    assert written == ["ended"]
    assert store.entered == 4


@pytest.mark.asyncio
async def test_a_write_gives_up_when_the_store_stays_away() -> None:
    store, written = FlakyStore(failures=10**9), []

    assert not await write_when_possible(
        store, lambda: written.append("ended"), within_s=0.0, first_retry_s=0
    )

    assert written == []
    assert store.entered == 1
