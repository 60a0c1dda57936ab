"""Turning a failed exchange with OpenRouter into the domain's error tree.

What each status means: https://openrouter.ai/docs/api/reference/errors-and-debugging

    status            domain error
    400               BadRequest
    401               InvalidApiKey
    402               InsufficientCredits
    403               Moderated
    408               UpstreamTimeout
    429               RateLimited(retry_after= from Retry-After)
    5xx               ProviderUnavailable
    any other         UpstreamError

Nothing built here may contain the API key: provider text goes through :func:`redact` first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from neural_terminal.domain.credit import out_of_credit_text
from neural_terminal.domain.errors import (
    BadRequest,
    InsufficientCredits,
    InvalidApiKey,
    Moderated,
    ProviderUnavailable,
    RateLimited,
    StreamInterrupted,
    UpstreamError,
    UpstreamTimeout,
    UpstreamUnreachable,
)
from neural_terminal.upstream.wire import ShapeError, loads, preview

_BY_STATUS: dict[int, type[UpstreamError]] = {
    400: BadRequest,
    401: InvalidApiKey,
    402: InsufficientCredits,
    403: Moderated,
    408: UpstreamTimeout,
}
_MAX_MESSAGE_CHARS = 300  # a provider message is a hint for the user, not a log dump


@dataclass(frozen=True)
class ProviderError:
    """OpenRouter's ``{"code", "message", "metadata"}`` error object, as far as it was readable."""

    code: int | str | None = None
    message: str | None = None
    provider_name: str | None = None
    reasons: tuple[str, ...] = ()
    # 402: which limit was hit (``openrouter_credits``, ``openrouter_key_limit``, ...).
    limit_source: str | None = None

    def user_message(self, base: str) -> str:
        """``base`` (the domain's actionable text) plus what the provider said, if anything."""
        said = f"flagged for {', '.join(self.reasons)}" if self.reasons else self.message
        if not said:
            return base
        said = said if len(said) <= _MAX_MESSAGE_CHARS else said[:_MAX_MESSAGE_CHARS] + "…"
        end = "" if said[-1] in ".!?…" else "."
        return f"{base} The provider said: {said}{end}"

    def detail(self, status: int | None) -> str:
        """What an operator needs: status, code, provider and message."""
        parts = [f"HTTP {status}"] if status is not None else []
        if self.code is not None:
            parts.append(f"code={self.code}")
        if self.provider_name:
            parts.append(f"provider={self.provider_name}")
        if self.message:
            parts.append(f"message={self.message!r}")
        return "; ".join(parts)


def redact(text: str, secret: str | None) -> str:
    """``text`` with every occurrence of ``secret`` masked."""
    return text.replace(secret, "[redacted]") if secret else text


def read_provider_error(value: object, *, secret: str | None = None) -> ProviderError:
    """Read an ``error`` value leniently: a malformed one still yields what it can."""
    if not isinstance(value, dict):
        return ProviderError(message=redact(str(value), secret) if value else None)
    code = value.get("code")
    message = value.get("message")
    metadata = value.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    provider_name = metadata.get("provider_name")
    reasons = metadata.get("reasons")  # moderation: why the input was flagged
    reasons = reasons if isinstance(reasons, list) else []
    limit_source = metadata.get("limit_source")  # 402: which limit was hit
    return ProviderError(
        code=code if isinstance(code, (int, str)) and not isinstance(code, bool) else None,
        message=redact(message, secret) if isinstance(message, str) and message else None,
        provider_name=provider_name if isinstance(provider_name, str) else None,
        reasons=tuple(r for r in reasons if isinstance(r, str)),
        limit_source=limit_source if isinstance(limit_source, str) else None,
    )


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from ``Retry-After``: delay-seconds or an HTTP-date (RFC 9110 §10.2.3)."""
    if value is None or not value.strip():
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are always GMT
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def error_for_status(
    status: int,
    body: bytes,
    *,
    headers: httpx.Headers | None = None,
    secret: str | None = None,
    now: datetime | None = None,
) -> UpstreamError:
    """The domain error for an HTTP error ``status`` and its (possibly non-JSON) ``body``."""
    try:
        payload = loads(body)
    except ShapeError:
        payload = None
    if isinstance(payload, dict) and "error" in payload:
        error = read_provider_error(payload["error"], secret=secret)
        detail = error.detail(status)
    else:  # a proxy's HTML page, an empty body: keep a snippet for the operator only
        error = ProviderError()
        detail = f"HTTP {status}; body={redact(preview(body), secret)!r}"

    retry_after = parse_retry_after((headers or httpx.Headers()).get("retry-after"), now=now)
    if status == 429:
        # The domain phrases the wait ("Try again in 7 s."); we only add the provider's words.
        base = RateLimited(retry_after=retry_after).user_message
        return RateLimited(
            error.user_message(base),
            detail=detail,
            status=status,
            code=error.code,
            retry_after=retry_after,
        )
    kind = _BY_STATUS.get(status) or (ProviderUnavailable if status >= 500 else UpstreamError)
    base = kind.default_message
    if status == 402:
        base = out_of_credit_text(base, error.limit_source)
    return kind(
        error.user_message(base),
        detail=detail,
        status=status,
        code=error.code,
        retry_after=retry_after,
    )


def _describe(exc: Exception) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def error_before_stream(exc: Exception) -> UpstreamError:
    """The domain error for a transport failure before a reply streams (or of a plain call)."""
    if isinstance(exc, (httpx.ReadTimeout, httpx.WriteTimeout)):
        # Connected, but the provider did not answer within the read timeout.
        return UpstreamTimeout(detail=f"timed out waiting for the provider ({_describe(exc)})")
    return UpstreamUnreachable(detail=_describe(exc))


def first_byte_timeout(seconds: float | None) -> UpstreamTimeout:
    """The domain error when the provider sent nothing within the first-byte timeout."""
    waited = f"{seconds:g} s" if seconds is not None else "too long"
    return UpstreamTimeout(
        f"The provider sent nothing for {waited}, so the request was given up. Try again, "
        "pick another model, or raise NEURAL_TERMINAL_FIRST_BYTE_TIMEOUT_S.",
        detail=f"first-byte timeout after {waited}",
    )


def error_mid_stream(exc: httpx.TransportError) -> StreamInterrupted:
    """The domain error for a transport failure after the reply started streaming."""
    if isinstance(exc, httpx.ReadTimeout):
        # httpx's read timeout is the longest gap between two reads, so this is a stall.
        return StreamInterrupted(
            "The reply stalled: the provider sent nothing for too long. "
            "The text received so far is kept.",
            detail=f"stalled: {_describe(exc)}",
        )
    return StreamInterrupted(detail=f"dropped: {_describe(exc)}")
