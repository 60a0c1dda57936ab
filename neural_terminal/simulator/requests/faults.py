"""Fault modes: how a request asks the simulator to misbehave, and what each one says.

A mode is named by the model id ``sim/fault-<MODE>``, the header ``X-Sim-Fault: <MODE>`` or the
directive ``[[sim:fault=<MODE>]]``. The modes (N tokens, S seconds, K requests)::

    http-CODE[-retry-S]     HTTP error CODE before streaming (429 sends Retry-After: 2)
    drop-after-N            N token chunks, then the connection breaks
    error-after-N           N token chunks, then an in-stream error event; clean end
    malformed-after-N       N token chunks, then ``data: {not json``; clean end
    stall-S                 nothing for S seconds before the first byte
    stall-mid-N-S           N token chunks, S seconds of silence, then the rest

Any mode may end in ``-times-K``: only the first K identical requests fail, later ones are
served normally (a retry or a Retry button then succeeds). Token positions count from the
start of the whole reply, so continuing a reply past position N no longer meets the fault.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, replace
from http import HTTPStatus

from neural_terminal.simulator.requests.chat_request import BadRequest


@dataclass(frozen=True)
class HttpFault:
    """Answer with an HTTP error; with ``times`` only the first K identical requests fail."""

    status: int
    retry_after: int | None = None
    times: int | None = None


@dataclass(frozen=True)
class DropAfter:
    """Break the connection after ``tokens`` token chunks."""

    tokens: int
    times: int | None = None


@dataclass(frozen=True)
class ErrorAfter:
    """Send an in-stream error event after ``tokens`` token chunks."""

    tokens: int
    times: int | None = None


@dataclass(frozen=True)
class MalformedAfter:
    """Send a line that is not JSON after ``tokens`` token chunks."""

    tokens: int
    times: int | None = None


@dataclass(frozen=True)
class Stall:
    """Stay silent for ``seconds`` before the first byte."""

    seconds: float
    times: int | None = None


@dataclass(frozen=True)
class StallMid:
    """Stay silent for ``seconds`` after ``tokens`` token chunks, then carry on."""

    tokens: int
    seconds: float
    times: int | None = None


Fault = HttpFault | DropAfter | ErrorAfter | MalformedAfter | Stall | StallMid

_NUMBER = r"(\d+(?:\.\d+)?)"
_TIMES = re.compile(r"(.+)-times-(\d+)")
_HTTP = re.compile(r"http-(\d{3})(?:-retry-(\d+))?")
_AFTER = re.compile(r"(drop|error|malformed)-after-(\d+)")
_STALL = re.compile(rf"stall-{_NUMBER}")
_STALL_MID = re.compile(rf"stall-mid-(\d+)-{_NUMBER}")
_AFTER_KINDS: dict[str, type[DropAfter | ErrorAfter | MalformedAfter]] = {
    "drop": DropAfter,
    "error": ErrorAfter,
    "malformed": MalformedAfter,
}


def parse_fault(mode: str) -> Fault:
    """Parse a fault mode (see the module docstring); unknown modes raise :class:`BadRequest`."""
    mode = mode.strip().lower()
    if match := _TIMES.fullmatch(mode):
        return replace(_parse_once(match[1]), times=int(match[2]))
    return _parse_once(mode)


def _parse_once(mode: str) -> Fault:
    if match := _HTTP.fullmatch(mode):
        status = int(match[1])
        if not 400 <= status <= 599:
            raise BadRequest(f"simulator fault {mode!r}: status must be 4xx or 5xx")
        retry = int(match[2]) if match[2] else (2 if status == 429 else None)
        return HttpFault(status=status, retry_after=retry)
    if match := _AFTER.fullmatch(mode):
        return _AFTER_KINDS[match[1]](tokens=int(match[2]))
    if match := _STALL_MID.fullmatch(mode):
        return StallMid(tokens=int(match[1]), seconds=float(match[2]))
    if match := _STALL.fullmatch(mode):
        return Stall(seconds=float(match[1]))
    raise BadRequest(f"unknown simulator fault mode {mode!r}")


def after_prefix(fault: Fault | None, tokens: int) -> Fault | None:
    """``fault`` for a stream that starts ``tokens`` into the reply (continuing a prefix)."""
    if tokens == 0 or not isinstance(fault, DropAfter | ErrorAfter | MalformedAfter | StallMid):
        return fault
    if fault.tokens <= tokens:
        return None  # the reply is already past where the fault happens
    return replace(fault, tokens=fault.tokens - tokens)


def http_error(status: int, model_id: str, prompt: str) -> tuple[str, dict[str, object]]:
    """The message and metadata OpenRouter would send with an HTTP ``status`` error."""
    if status == 403:
        # Moderation errors carry OpenRouter's ModerationErrorMetadata.
        reason = "harassment"
        message = f'{model_id} requires moderation on Simulator. Input flagged for "{reason}"'
        return message, {
            "reasons": [reason],
            "flagged_input": prompt[:100],
            "provider_name": "Simulator",
            "model_slug": model_id,
        }
    message = _MESSAGES.get(status) or _phrase(status)
    if status == 502:
        # Provider errors carry ProviderErrorMetadata: who failed and what it said.
        return message, {"provider_name": "Simulator", "raw": "upstream connect error"}
    if status == 503:
        return message, {"provider_name": "Simulator"}
    if status == 402:
        return message, {"limit_source": "openrouter_credits"}  # which limit was hit
    return message, {}


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"Simulated error {status}"


_MESSAGES = {
    401: "No auth credentials found",
    402: "Insufficient credits. Add more using https://openrouter.ai/settings/credits",
    408: "Request timed out. Please try again.",
    429: "Rate limit exceeded: too many requests for this model. Please slow down.",
    500: "Internal Server Error",
    502: "Provider returned error",
    503: "No endpoints found that can handle the requested parameters.",
}


class FaultCounter:
    """Counts requests per (mode, conversation) so ``-times-K`` faults fail only K times."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._seen: OrderedDict[tuple[str, bytes], int] = OrderedDict()

    def should_fail(self, mode: str, digest: bytes, times: int) -> bool:
        """Record one more request for ``(mode, digest)``; True while it is among the first K."""
        key = (mode, digest)
        count = self._seen.pop(key, 0) + 1
        self._seen[key] = count
        while len(self._seen) > self._capacity:
            self._seen.popitem(last=False)
        return count <= times
