"""Turn outcomes: what the page saw of a turn, recorded once when it ends.

The page's streaming handler watches each turn (``watch = recorder.watch(request)``), tells the
watch about retries, and ends it with the stored reply or the refusal. The recorder then
counts it in the metrics, writes the turn's log line and stores its failures (for the
telemetry page), all per turn: nothing here runs per token.
"""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal

from neural_terminal.chat.telemetry.metrics import TelemetryMetrics
from neural_terminal.chat.telemetry.turn_log import TurnLog
from neural_terminal.chat.turns.replies import ReplyRetrying
from neural_terminal.chat.turns.streaming import STOPPED_BY_USER
from neural_terminal.chat.turns.turn import TurnKind, TurnRequest
from neural_terminal.domain.conversations import MessageStatus, StoredMessage
from neural_terminal.domain.errors import BudgetError, NeuralTerminalError
from neural_terminal.domain.outcomes import FailureKind, Outcome, TurnOutcome, failure_kind
from neural_terminal.store.conversations.repository import ChatRepository
from neural_terminal.store.telemetry.failure_store import FailureRow, FailureStore

logger = logging.getLogger(__name__)

# upstream/resilience/retry.py retry_reason's words, by the kind of failure they name.
_RETRY_KINDS = (
    ("rate limited", FailureKind.RATE_LIMIT),
    ("did not answer in time", FailureKind.TIMEOUT),
    ("connection dropped", FailureKind.DROP),
    ("reported error 429", FailureKind.RATE_LIMIT),
)


def retry_kind(reason: str) -> FailureKind:
    """The kind of failure a retry notice's reason names."""
    return next((kind for words, kind in _RETRY_KINDS if words in reason), FailureKind.UPSTREAM)


class TurnRecorder:
    """Counts, logs and stores turn outcomes."""

    def __init__(
        self,
        *,
        metrics: TelemetryMetrics,
        log: TurnLog,
        failures: FailureStore,
        repository: ChatRepository,
    ) -> None:
        self.metrics = metrics
        self._log = log
        self._failures = failures
        self._repo = repository

    def watch(self, request: TurnRequest) -> TurnWatch:
        """Start watching a turn (a continued reply's row is read now: its earlier runs are
        not this turn's)."""
        before = None
        if request.kind is TurnKind.CONTINUE and request.target_id is not None:
            before = self._repo.get_message(message_id=request.target_id)
        return TurnWatch(self, request, before)

    async def record(self, outcome: TurnOutcome) -> None:
        """Count, log and store one turn's outcome; a failure here never breaks the page."""
        try:
            self.metrics.observe(outcome)
            self._log.write(outcome)
            rows = failure_rows(outcome)
            if rows:  # most turns store nothing
                await asyncio.to_thread(self._failures.record, rows)
        except Exception:
            logger.exception("turn outcome not recorded")


class TurnWatch:
    """One turn as the page saw it."""

    def __init__(
        self, recorder: TurnRecorder, request: TurnRequest, before: StoredMessage | None
    ) -> None:
        self._recorder = recorder
        self._request = request
        self._before = before
        self._retries: list[FailureKind] = []
        self._attempt = 1

    def retrying(self, event: ReplyRetrying) -> None:
        """An attempt failed and the next one follows (batched notices may skip one)."""
        kind = retry_kind(event.reason)
        while self._attempt < event.attempt:
            self._retries.append(kind)
            self._attempt += 1

    async def ended(
        self,
        message: StoredMessage | None,
        *,
        error: NeuralTerminalError | None = None,
        refused: NeuralTerminalError | None = None,
    ) -> TurnOutcome:
        """Record the turn: its stored reply (None when refused before one was stored)."""
        outcome = self.outcome(message, error=error, refused=refused)
        await self._recorder.record(outcome)
        return outcome

    def outcome(
        self,
        message: StoredMessage | None,
        *,
        error: NeuralTerminalError | None = None,
        refused: NeuralTerminalError | None = None,
    ) -> TurnOutcome:
        """The outcome these facts make."""
        request = self._request
        owner = request.viewer.user_id if request.viewer is not None else None
        retries = tuple(self._retries)
        if message is None:
            problem = refused or error
            kind = failure_kind(problem) if problem is not None else None
            return TurnOutcome(
                turn=request.kind.value,
                outcome=Outcome.REFUSED,
                model=request.model or None,
                conversation_id=request.conversation_id,
                owner_id=owner,
                failure=kind,
                budget_scope=problem.scope if isinstance(problem, BudgetError) else None,
                retries=retries,
            )
        before = self._before
        stopped = message.error == STOPPED_BY_USER
        failure = failure_kind(error) if error is not None and not stopped else None
        return TurnOutcome(
            turn=request.kind.value,
            outcome=_outcome(message.status, stopped),
            model=message.model,
            conversation_id=message.conversation_id,
            message_id=message.id,
            owner_id=owner,
            failure=failure,
            retries=retries,
            first_token_ms=message.first_token_ms,
            total_ms=_minus(message.total_ms, before.total_ms if before else None),
            prompt_tokens=(message.prompt_tokens or 0)
            - ((before.prompt_tokens or 0) if before else 0),
            completion_tokens=(message.completion_tokens or 0)
            - ((before.completion_tokens or 0) if before else 0),
            cost_usd=(message.cost_usd or Decimal(0))
            - ((before.cost_usd or Decimal(0)) if before else Decimal(0)),
            cost_source=message.cost_source,
        )


def _outcome(status: str, stopped: bool) -> Outcome:
    if stopped:
        return Outcome.STOPPED
    if status == MessageStatus.COMPLETE.value:
        return Outcome.COMPLETE
    if status == MessageStatus.INTERRUPTED.value:
        return Outcome.INTERRUPTED
    return Outcome.ERROR


def _minus(total: int | None, earlier: int | None) -> int | None:
    return None if total is None else total - (earlier or 0)


def failure_rows(outcome: TurnOutcome) -> list[FailureRow]:
    """The failures to store for the telemetry page: each retried attempt and the turn's own."""

    def row(kind: FailureKind, *, retried: bool) -> FailureRow:
        return FailureRow(
            kind=kind.value,
            owner_id=outcome.owner_id,
            conversation_id=outcome.conversation_id,
            message_id=outcome.message_id,
            model=outcome.model,
            retried=retried,
        )

    rows = [row(kind, retried=True) for kind in outcome.retries]
    if outcome.failure is not None:
        rows.append(row(outcome.failure, retried=False))
    return rows
