"""Turn outcomes: what a watched turn records, its failure kinds, the log line (never text),
the metrics' bounded labels, and the failures stored for the page."""

from __future__ import annotations

import json
import logging
from decimal import Decimal

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from neural_terminal.chat.telemetry.metrics import LiveSources, TelemetryMetrics
from neural_terminal.chat.telemetry.outcomes import TurnWatch as Watch
from neural_terminal.chat.telemetry.outcomes import failure_rows, retry_kind
from neural_terminal.chat.telemetry.turn_log import TurnLog
from neural_terminal.chat.turns.replies import ReplyRetrying
from neural_terminal.chat.turns.streaming import STOPPED_BY_USER
from neural_terminal.chat.turns.turn import TurnKind, TurnRequest
from neural_terminal.domain.conversations import StoredMessage
from neural_terminal.domain.errors import (
    BudgetStop,
    ContextTooLarge,
    InvalidApiKey,
    NeuralTerminalError,
    OverBudget,
    ProviderUnavailable,
    RateLimited,
    StreamErrorPayload,
    StreamInterrupted,
    TooManySends,
    UpstreamTimeout,
    UpstreamUnreachable,
)
from neural_terminal.domain.outcomes import FailureKind, Outcome, TurnOutcome, failure_kind
from neural_terminal.domain.viewer import Viewer
from neural_terminal.upstream.errors import error_mid_stream
from neural_terminal.upstream.resilience.breaker import BreakerState, BreakerStatus
from neural_terminal.upstream.resilience.retry import retry_reason

SECRET_TEXT = "my secret question"


def reply(**fields: object) -> StoredMessage:
    values: dict[str, object] = {
        "id": 7,
        "conversation_id": 3,
        "role": "assistant",
        "content": SECRET_TEXT,
        "status": "complete",
        "model": "sim/a",
        "prompt_tokens": 12,
        "completion_tokens": 40,
        "cost_usd": Decimal("0.000052"),
        "cost_source": "upstream",
        "first_token_ms": 120,
        "total_ms": 800,
    }
    values.update(fields)
    return StoredMessage(**values)  # type: ignore[arg-type]


def watch(request: TurnRequest, before: StoredMessage | None = None) -> Watch:
    return Watch(None, request, before)  # type: ignore[arg-type]  # outcome() needs no recorder


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        pytest.param(RateLimited(retry_after=2), FailureKind.RATE_LIMIT, id="429"),
        pytest.param(StreamErrorPayload(code=429), FailureKind.RATE_LIMIT, id="429-in-stream"),
        pytest.param(UpstreamTimeout(), FailureKind.TIMEOUT, id="408"),
        pytest.param(error_mid_stream(httpx.ReadTimeout("quiet")), FailureKind.TIMEOUT, id="stall"),
        pytest.param(StreamInterrupted(detail="dropped: x"), FailureKind.DROP, id="drop"),
        pytest.param(StreamErrorPayload(code=502), FailureKind.DROP, id="error-in-stream"),
        pytest.param(OverBudget(scope="user"), FailureKind.BUDGET, id="over-budget"),
        pytest.param(BudgetStop(), FailureKind.BUDGET, id="budget-stop"),
        pytest.param(ProviderUnavailable(status=503), FailureKind.UPSTREAM, id="503"),
        pytest.param(UpstreamUnreachable(), FailureKind.UPSTREAM, id="unreachable"),
        pytest.param(InvalidApiKey(), FailureKind.UPSTREAM, id="401"),
        pytest.param(TooManySends(limit=1), FailureKind.OTHER, id="send-limit"),
        pytest.param(NeuralTerminalError("boom"), FailureKind.OTHER, id="unexpected"),
        pytest.param(ContextTooLarge(), None, id="bad-input-is-no-failure"),
    ],
)
def test_every_error_has_its_kind(error: NeuralTerminalError, kind: FailureKind | None) -> None:
    assert failure_kind(error) is kind


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (RateLimited(retry_after=1), FailureKind.RATE_LIMIT),
        (UpstreamTimeout(), FailureKind.TIMEOUT),
        (StreamInterrupted(), FailureKind.DROP),
        (StreamErrorPayload(code=429), FailureKind.RATE_LIMIT),
        (ProviderUnavailable(status=502), FailureKind.UPSTREAM),
        (UpstreamUnreachable(), FailureKind.UPSTREAM),
    ],
)
def test_a_retry_notice_names_the_kind_of_what_failed(
    error: NeuralTerminalError, kind: FailureKind
) -> None:
    assert retry_kind(retry_reason(error)) is kind


def test_a_complete_reply_after_a_retried_rate_limit() -> None:
    turn = watch(TurnRequest.send(3, SECRET_TEXT, viewer=Viewer(5)))
    turn.retrying(ReplyRetrying(2, 3, 1.0, retry_reason(RateLimited())))
    outcome = turn.outcome(reply())
    assert outcome == TurnOutcome(
        turn="send",
        outcome=Outcome.COMPLETE,
        model="sim/a",
        conversation_id=3,
        message_id=7,
        owner_id=5,
        retries=(FailureKind.RATE_LIMIT,),
        first_token_ms=120,
        total_ms=800,
        prompt_tokens=12,
        completion_tokens=40,
        cost_usd=Decimal("0.000052"),
        cost_source="upstream",
    )
    assert outcome.tokens_per_second == 50.0
    assert [(r.kind, r.retried) for r in failure_rows(outcome)] == [("rate_limit", True)]


def test_notices_folded_into_one_batch_still_count_every_retry() -> None:
    turn = watch(TurnRequest.send(3, "x"))
    turn.retrying(ReplyRetrying(3, 3, 2.0, retry_reason(UpstreamTimeout())))
    assert turn.outcome(reply()).retries == (FailureKind.TIMEOUT, FailureKind.TIMEOUT)


def test_a_continued_reply_counts_only_this_turns_tokens_cost_and_time() -> None:
    before = reply(
        status="interrupted",
        prompt_tokens=10,
        completion_tokens=15,
        cost_usd=Decimal("0.00002"),
        total_ms=300,
    )
    turn = watch(TurnRequest.on(TurnKind.CONTINUE, 7), before)
    outcome = turn.outcome(reply(prompt_tokens=22, completion_tokens=40, total_ms=800))
    assert (outcome.turn, outcome.prompt_tokens, outcome.completion_tokens) == ("continue", 12, 25)
    assert (outcome.cost_usd, outcome.total_ms) == (Decimal("0.000032"), 500)


def test_stopped_broken_and_refused_turns() -> None:
    request = TurnRequest.send(3, "x", model="sim/a")
    stopped = watch(request).outcome(reply(status="interrupted", error=STOPPED_BY_USER))
    assert (stopped.outcome, stopped.failure) == (Outcome.STOPPED, None)
    dropped = watch(request).outcome(
        reply(status="interrupted", error="dropped"), error=StreamInterrupted()
    )
    assert (dropped.outcome, dropped.failure) == (Outcome.INTERRUPTED, FailureKind.DROP)
    refused = watch(request).outcome(None, refused=OverBudget(scope="conversation"))
    assert (refused.outcome, refused.failure, refused.budget_scope) == (
        Outcome.REFUSED,
        FailureKind.BUDGET,
        "conversation",
    )
    busy = watch(request).outcome(None, refused=ContextTooLarge())
    assert (busy.failure, failure_rows(busy)) == (None, [])


def test_the_log_line_has_ids_timings_tokens_and_cost_never_text(
    caplog: pytest.LogCaptureFixture,
) -> None:
    outcome = watch(TurnRequest.send(3, SECRET_TEXT, viewer=Viewer(5))).outcome(reply())
    with caplog.at_level(logging.INFO, logger="neural_terminal.turns"):
        TurnLog(as_json=True).write(outcome)
        TurnLog().write(outcome)
    as_json, as_text = (record.getMessage() for record in caplog.records)
    assert json.loads(as_json) == {
        "event": "turn",
        "turn": "send",
        "outcome": "complete",
        "model": "sim/a",
        "conversation_id": 3,
        "message_id": 7,
        "user_id": 5,
        "first_token_ms": 120,
        "total_ms": 800,
        "prompt_tokens": 12,
        "completion_tokens": 40,
        "cost_usd": "0.000052",
        "cost_source": "upstream",
    }
    assert as_text.startswith("turn send complete model=sim/a conversation_id=3 message_id=7")
    assert SECRET_TEXT not in as_json + as_text


def test_metric_labels_are_bounded_to_known_models() -> None:
    metrics = TelemetryMetrics(
        known_model=lambda model: model == "sim/a",
        live=LiveSources(
            breaker=lambda: BreakerStatus(BreakerState.OPEN, 5, 5),
            active_streams=lambda: 2,
            websocket_clients=lambda: 3,
        ),
    )
    request = TurnRequest.send(3, "x")
    metrics.observe(watch(request).outcome(reply(model="typed by someone: <b>hi</b>")))
    metrics.observe(watch(request).outcome(reply()))
    metrics.observe(watch(request).outcome(None, refused=OverBudget(scope="global")))
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(metrics.exposition().decode())
        for s in family.samples
    }
    models = {dict(labels).get("model") for _, labels in samples} - {None}
    assert models == {"sim/a", "other"}
    assert samples[("neural_terminal_budget_refusals_total", (("scope", "global"),))] == 1
    assert samples[("neural_terminal_failures_total", (("kind", "budget"),))] == 1
    assert samples[("neural_terminal_breaker_state", (("state", "open"),))] == 1
    assert samples[("neural_terminal_breaker_state", (("state", "closed"),))] == 0
    assert samples[("neural_terminal_active_streams", ())] == 2
    assert samples[("neural_terminal_websocket_clients", ())] == 3
