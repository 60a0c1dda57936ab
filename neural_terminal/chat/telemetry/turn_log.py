"""One log line per turn outcome: ids, timings, tokens and cost, never message text or the key.

Text by default (``turn send complete model=... message=12 ...``); JSON, one object a line,
when ``NEURAL_TERMINAL_LOG_JSON`` asks (for a log shipper).
"""

from __future__ import annotations

import json
import logging

from neural_terminal.domain.outcomes import TurnOutcome

logger = logging.getLogger("neural_terminal.turns")


def turn_fields(outcome: TurnOutcome) -> dict[str, object]:
    """What the line holds; ``None`` values are left out."""
    fields: dict[str, object | None] = {
        "event": "turn",
        "turn": outcome.turn,
        "outcome": outcome.outcome.value,
        "model": outcome.model,
        "conversation_id": outcome.conversation_id,
        "message_id": outcome.message_id,
        "user_id": outcome.owner_id,
        "failure": outcome.failure.value if outcome.failure else None,
        "retries": len(outcome.retries) or None,
        "first_token_ms": outcome.first_token_ms,
        "total_ms": outcome.total_ms,
        "prompt_tokens": outcome.prompt_tokens,
        "completion_tokens": outcome.completion_tokens,
        "cost_usd": str(outcome.cost_usd),
        "cost_source": outcome.cost_source,
    }
    return {name: value for name, value in fields.items() if value is not None}


class TurnLog:
    """Writes the line, as text or JSON."""

    def __init__(self, *, as_json: bool = False, log: logging.Logger = logger) -> None:
        self._json = as_json
        self._log = log

    def write(self, outcome: TurnOutcome) -> None:
        """Log ``outcome`` at INFO."""
        fields = turn_fields(outcome)
        if self._json:
            self._log.info(json.dumps(fields, separators=(",", ":")))
            return
        head = f"turn {fields.pop('turn')} {fields.pop('outcome')}"
        fields.pop("event")
        self._log.info("%s %s", head, " ".join(f"{k}={v}" for k, v in fields.items()))
