"""Send limits per user, counted in a real database, at the exact edge of the minute."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from neural_terminal.chat.spend.send_limits import SendLimits
from neural_terminal.domain.errors import SendLimitError, TooManySends, TooManyStreams
from neural_terminal.store.spend.send_activity import SendActivityStore
from neural_terminal.store.tables import MessageStatus
from tests.fakes import ManualClock
from tests.owned_rows import add_message, add_user, owned_conversation

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
STREAMING = MessageStatus.STREAMING


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def limits(db: Engine, clock: ManualClock) -> SendLimits:
    return SendLimits(SendActivityStore(db), clock=clock)


def sends(db: Engine, conversation_id: int, *offsets_s: float) -> None:
    for offset in offsets_s:
        add_message(db, conversation_id, at=T0 + timedelta(seconds=offset), role="user")


@pytest.mark.parametrize(
    ("after", "refused"),
    [
        pytest.param(timedelta(seconds=59, milliseconds=999), True, id="59.999s-still-inside"),
        pytest.param(timedelta(seconds=60), False, id="60s-has-left-the-window"),
    ],
)
def test_the_oldest_send_leaves_the_window_exactly_60_s_later(
    db: Engine, limits: SendLimits, clock: ManualClock, after: timedelta, refused: bool
) -> None:
    ann = add_user(db, "ann")
    sends(db, owned_conversation(db, ann), 0, *[10] * 29)
    clock.now = T0 + after

    if not refused:
        limits.check(owner_id=ann)
        return
    with pytest.raises(TooManySends) as caught:
        limits.check(owner_id=ann)
    assert caught.value.retry_after_s == 0.001
    assert caught.value.user_message == (
        "Slow down: 30 messages a minute is the limit here; try again in 1 s."
    )


def test_the_wait_is_counted_from_the_oldest_send_inside_the_window(
    db: Engine, limits: SendLimits, clock: ManualClock
) -> None:
    ann = add_user(db, "ann")
    chat = owned_conversation(db, ann)
    sends(db, chat, -61, 0, *[30] * 29)  # the first has left the window already
    clock.now = T0 + timedelta(seconds=48)

    with pytest.raises(TooManySends) as caught:
        limits.check(owner_id=ann)

    assert caught.value.retry_after_s == 12
    assert caught.value.limit == 30
    assert isinstance(caught.value, SendLimitError)
    assert caught.value.user_message == (
        "Slow down: 30 messages a minute is the limit here; try again in 12 s."
    )


def test_only_the_owners_own_user_messages_count(db: Engine, clock: ManualClock) -> None:
    ann = add_user(db, "ann")
    bob = add_user(db, "bob")
    ann_chat = owned_conversation(db, ann)
    sends(db, owned_conversation(db, bob), 0, 0, 0)
    sends(db, owned_conversation(db, None), 0, 0, 0)
    add_message(db, ann_chat, at=T0, role="assistant")
    add_message(db, ann_chat, at=T0, role="assistant")
    sends(db, ann_chat, 0)
    limits = SendLimits(SendActivityStore(db), clock=clock, sends_per_minute=2)

    limits.check(owner_id=ann)
    sends(db, ann_chat, 1)
    with pytest.raises(TooManySends, match="2 messages a minute"):
        limits.check(owner_id=ann)
    with pytest.raises(TooManySends, match="1 message a minute"):
        SendLimits(SendActivityStore(db), clock=clock, sends_per_minute=1).check(owner_id=bob)


def test_replies_streaming_for_the_user_are_limited(
    db: Engine, limits: SendLimits, clock: ManualClock
) -> None:
    ann = add_user(db, "ann")
    bob = add_user(db, "bob")
    first = owned_conversation(db, ann)
    second = owned_conversation(db, ann)
    add_message(db, first, at=T0, status=STREAMING)
    add_message(db, owned_conversation(db, bob), at=T0, status=STREAMING)
    add_message(db, owned_conversation(db, bob), at=T0, status=STREAMING)
    add_message(db, first, at=T0, status=MessageStatus.INTERRUPTED)
    add_message(db, second, at=T0, role="user", status=STREAMING)  # not a reply

    limits.check(owner_id=ann)
    add_message(db, second, at=T0, status=STREAMING)
    with pytest.raises(TooManyStreams) as caught:
        limits.check(owner_id=ann)

    assert caught.value.limit == 2
    assert caught.value.user_message == (
        "2 replies are already streaming for you; wait for one to finish or stop it."
    )
    with pytest.raises(TooManyStreams, match=r"^1 reply is already streaming for you"):
        SendLimits(SendActivityStore(db), clock=clock, streams_per_user=1).check(owner_id=ann)


def test_a_user_with_nothing_sent_may_send(limits: SendLimits, db: Engine) -> None:
    limits.check(owner_id=add_user(db, "ann"))


@pytest.mark.parametrize(
    ("sends_per_minute", "streams_per_user"),
    [pytest.param(0, 2, id="no-sends"), pytest.param(30, 0, id="no-streams")],
)
def test_limits_that_would_refuse_everything_are_refused(
    db: Engine, sends_per_minute: int, streams_per_user: int
) -> None:
    with pytest.raises(ValueError, match="at least one"):
        SendLimits(
            SendActivityStore(db),
            sends_per_minute=sends_per_minute,
            streams_per_user=streams_per_user,
        )
