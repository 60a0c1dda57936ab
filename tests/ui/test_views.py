"""What each stored row looks like on screen."""

from __future__ import annotations

from decimal import Decimal

from neural_terminal.domain.conversations import StoredMessage
from neural_terminal.ui.chat.views import (
    MessageView,
    conversation_total,
    message_meta,
    message_view,
)


def test_assistant_footer_shows_tokens_cost_latency_and_speed() -> None:
    message = StoredMessage(
        id=1,
        conversation_id=1,
        role="assistant",
        model="sim/terminal-small",
        prompt_tokens=1200,
        completion_tokens=80,
        reasoning_tokens=7,
        cost_usd=Decimal("0.00072"),
        first_token_ms=210,
        total_ms=2000,
    )
    assert message_meta(message) == (
        "sim/terminal-small · 1,200 in / 80 out (7 reasoning) · $0.00072 · "
        "first token 210 ms · 2.0 s · 40 tok/s"
    )


def test_footer_of_a_reply_without_usage_says_so() -> None:
    message = StoredMessage(id=1, conversation_id=1, role="assistant", model="m", total_ms=500)
    assert message_meta(message) == "m · cost n/a · 0.5 s"


def test_conversation_total_is_exact() -> None:
    messages = [
        StoredMessage(id=1, conversation_id=1, role="assistant", cost_usd=Decimal("0.00005"))
        for _ in range(3)
    ]
    assert conversation_total(messages) == "$0.00015"  # below a cent: its digits


def test_an_estimated_cost_is_marked_as_one() -> None:
    message = StoredMessage(
        id=1,
        conversation_id=1,
        role="assistant",
        model="m",
        prompt_tokens=10,
        completion_tokens=5,
        cost_usd=Decimal("0.00012"),
        cost_is_estimate=True,
    )
    assert "~$0.00012 (estimate)" in message_meta(message)


def _row(message_id: int, role: str, status: str, content: str = "x") -> MessageView:
    return MessageView(id=message_id, role=role, status=status, content=content)


def test_the_exact_figures_stand_behind_the_rounded_ones() -> None:
    message = StoredMessage(
        id=1,
        conversation_id=1,
        role="assistant",
        model="m",
        cost_usd=Decimal("0.00023"),
        cost_source="upstream",
        computed_cost_usd=Decimal("0.000230"),
        estimate_usd=Decimal("0.0002312"),
        drift_usd=Decimal("-0.0000012"),
    )
    view = message_view(message)
    assert view.meta.endswith("· $0.00023")  # rounded for the line, to its significant digits
    assert view.exact == (
        "cost $0.000230000000 (upstream) · computed $0.000230000000 · "
        "estimate $0.000231200000 · drift -$0.000001200000"
    )
    assert message_view(StoredMessage(id=2, conversation_id=1, role="user")).exact == ""
