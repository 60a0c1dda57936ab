"""The one error tree of Neural Terminal.

Every error carries ``user_message`` (what the person at the terminal reads and can act on)
and ``detail`` (what an operator needs to debug; never contains the API key)::

    NeuralTerminalError
    ├── InvalidInput                  the message cannot be sent as typed (empty, too large)
    │   ├── ContextTooLarge           even with its middle left out it cannot fit the window
    │   ├── InvalidBudget             a budget limit that is not a non-negative dollar amount
    │   ├── InvalidUsername           not 1-64 characters of a-z, 0-9, '.', '_' and '-'
    │   └── InvalidPassword           shorter than 12 or longer than 1024 characters
    ├── BudgetError                   a spending limit stands in the way
    │   ├── OverBudget                a send refused before any request: limit, spend, estimate
    │   └── BudgetStop                a reply cut off mid-stream: its live estimate hit a limit
    ├── SendLimitError                a fair-use limit per user (hosted mode): wait, then resend
    │   ├── TooManySends              the user's messages in the last minute reached the limit
    │   └── TooManyStreams            the user's replies streaming right now reached the limit
    ├── ConversationNotFound          an id that is not in the database
    ├── SharingUnavailable            several workers cannot coordinate (Redis unreachable)
    ├── AccountError                  a login or an account change (hosted mode) refused
    │   ├── LoginRefused              wrong name or password, or a disabled account: one message
    │   ├── LoginThrottled            too many failed logins (``retry_after_s`` to wait)
    │   ├── UserNotFound              an admin command named no such user
    │   ├── UsernameTaken             a new user's name exists already (ignoring case)
    │   ├── SessionNotFound           an admin command named no such session
    │   ├── NotSignedIn               a request the access gate let in as nobody
    │   └── AdminOnly                 an admin's action asked for by someone else
    ├── UpstreamError                 the upstream refused or could not be reached
    │   ├── UpstreamNotConfigured     no API key and the simulator is off
    │   ├── UpstreamUnreachable       connect error or timeout before any response
    │   ├── BadRequest                400
    │   ├── InvalidApiKey             401
    │   ├── InsufficientCredits       402
    │   ├── Moderated                 403
    │   ├── UpstreamTimeout           408
    │   ├── RateLimited               429 (``retry_after`` seconds when the upstream says)
    │   ├── ProviderUnavailable       5xx: the model or its provider is down
    │   └── CircuitOpen               too many failures in a row: sends paused until a probe
    └── StreamError                   the stream started (HTTP 200) and then failed
        ├── StreamInterrupted         the connection dropped or stalled mid-reply
        ├── MalformedStream           a chunk that is not valid OpenRouter SSE JSON
        └── StreamErrorPayload        the upstream sent an ``error`` object inside the stream
"""

from __future__ import annotations

import math
from decimal import Decimal


class NeuralTerminalError(Exception):
    """Root of every error this application raises on purpose."""

    default_message = "Something went wrong."

    def __init__(self, user_message: str | None = None, *, detail: str = "") -> None:
        self.user_message = user_message or self.default_message
        self.detail = detail
        super().__init__(self.user_message if not detail else f"{self.user_message} ({detail})")


class InvalidInput(NeuralTerminalError):
    """Shown to the user when a message cannot be sent as typed."""

    default_message = "This message cannot be sent."


class ContextTooLarge(InvalidInput):
    """Shown when a message cannot fit the model's window even with its middle left out."""

    default_message = (
        "This message cannot fit the model's context window, even with its middle left out. "
        "Pick a model with a larger window or shorten the system prompt."
    )


class ConversationNotFound(NeuralTerminalError):
    """Shown when a conversation id is not in the database."""

    default_message = "That conversation does not exist."


class SharingUnavailable(NeuralTerminalError):
    """Shown when a reply cannot start because the workers cannot reach their shared Redis."""

    default_message = (
        "The server cannot coordinate its workers right now, so no reply was started. "
        "Your message is kept: try again in a few seconds."
    )


class UpstreamError(NeuralTerminalError):
    """The upstream refused the request or could not be reached."""

    default_message = "The model provider could not complete the request."

    def __init__(
        self,
        user_message: str | None = None,
        *,
        detail: str = "",
        status: int | None = None,
        code: int | str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(user_message, detail=detail)
        self.status = status
        self.code = code
        # Seconds the upstream asked us to wait (``Retry-After``), on any status that sends it.
        self.retry_after = retry_after


class UpstreamNotConfigured(UpstreamError):
    """Shown when there is no API key and the built-in simulator is off."""

    default_message = (
        "No upstream is configured: set OPENROUTER_API_KEY (or OPENROUTER_BASE_URL for another "
        "OpenAI-compatible server), or turn the built-in simulator on."
    )


class UpstreamUnreachable(UpstreamError):
    """Shown when the upstream cannot be reached at all."""

    default_message = "The model provider cannot be reached. Check the network or the base URL."


class BadRequest(UpstreamError):
    """Shown when the upstream rejects the request as malformed (400)."""

    default_message = "The provider rejected the request as invalid."


class InvalidApiKey(UpstreamError):
    """Shown when the API key is missing, wrong or revoked (401)."""

    default_message = (
        "The API key was rejected. Set a valid OPENROUTER_API_KEY in the environment that "
        "starts the app (OPENROUTER_API_KEY=sk-or-... make run) and restart it."
    )


class InsufficientCredits(UpstreamError):
    """Shown when the account has run out of credits (402)."""

    default_message = "Your OpenRouter account is out of credits. Add credits and try again."


class Moderated(UpstreamError):
    """Shown when the provider's moderation refused the input (403)."""

    default_message = "The provider's moderation flagged this message; it was not answered."


class UpstreamTimeout(UpstreamError):
    """Shown when the provider timed out before answering (408)."""

    default_message = "The provider timed out. Try again."


class RateLimited(UpstreamError):
    """Shown when the provider asks us to slow down (429)."""

    default_message = "Rate limited by the provider."

    def __init__(
        self,
        user_message: str | None = None,
        *,
        detail: str = "",
        status: int | None = 429,
        code: int | str | None = None,
        retry_after: float | None = None,
    ) -> None:
        if user_message is None:
            wait = f" Try again in {retry_after:g} s." if retry_after is not None else ""
            user_message = f"{self.default_message}{wait}"
        super().__init__(
            user_message, detail=detail, status=status, code=code, retry_after=retry_after
        )


class ProviderUnavailable(UpstreamError):
    """Shown when the model or its provider is down (5xx)."""

    default_message = "The model is unavailable right now. Try again or pick another model."


class CircuitOpen(UpstreamError):
    """Shown when recent requests kept failing and new sends are paused until the next probe."""

    default_message = "The provider kept failing, so new requests are paused for a moment."

    def __init__(
        self, user_message: str | None = None, *, detail: str = "", probe_in_s: float = 0.0
    ) -> None:
        if user_message is None:
            wait = f"{probe_in_s:.0f} s" if probe_in_s >= 1 else "a moment"
            user_message = (
                f"{self.default_message} The next request is let through to test it in {wait}; "
                "your message is kept."
            )
        super().__init__(user_message, detail=detail)
        self.probe_in_s = probe_in_s


class StreamError(NeuralTerminalError):
    """The reply started streaming and then failed; the partial text is kept."""

    default_message = "The reply stream failed part-way; the text received so far is kept."


class StreamInterrupted(StreamError):
    """Shown when the connection dropped or stalled mid-reply."""

    default_message = "The connection dropped mid-reply; the text received so far is kept."


class MalformedStream(StreamError):
    """Shown when the upstream sent something that is not a valid stream chunk."""

    default_message = "The provider sent a malformed stream; the text received so far is kept."


class StreamErrorPayload(StreamError):
    """Shown when the upstream reported an error inside the stream."""

    default_message = "The provider reported an error mid-reply; the text received so far is kept."

    def __init__(
        self, user_message: str | None = None, *, detail: str = "", code: int | str | None = None
    ) -> None:
        super().__init__(user_message, detail=detail)
        self.code = code


class InvalidBudget(InvalidInput):
    """Shown when a budget limit typed in the budget panel is not a dollar amount."""

    default_message = "A budget must be a dollar amount such as 5 or 0.25 (empty for no limit)."


class BudgetError(NeuralTerminalError):
    """A spending limit stands in the way; raising the limit (or the period rolling over) helps."""

    default_message = "A spending limit has been reached."

    def __init__(
        self,
        user_message: str | None = None,
        *,
        detail: str = "",
        scope: str = "global",
        limit_usd: Decimal | None = None,
        spent_usd: Decimal | None = None,
        estimate_usd: Decimal | None = None,
    ) -> None:
        super().__init__(user_message, detail=detail)
        self.scope = scope
        self.limit_usd = limit_usd
        self.spent_usd = spent_usd
        self.estimate_usd = estimate_usd


class OverBudget(BudgetError):
    """Shown when a send is refused before any network call because it would break a limit."""

    default_message = "This message would go over your budget, so it was not sent."


class BudgetStop(BudgetError):
    """Shown when a reply was cut off because its live cost estimate reached a limit."""

    default_message = (
        "The budget was reached while this reply streamed, so it was stopped; the text so far "
        "is kept with its estimated cost."
    )


class SendLimitError(NeuralTerminalError):
    """A per-user limit on how fast (hosted mode) stands in the way; waiting lifts it."""

    default_message = "Too much at once: wait a moment and send again; your message is kept."


class TooManySends(SendLimitError):
    """Shown when a user sent as many messages in the last minute as the limit allows."""

    def __init__(
        self,
        user_message: str | None = None,
        *,
        detail: str = "",
        limit: int = 0,
        retry_after_s: float = 0.0,
    ) -> None:
        if user_message is None:
            messages = "message" if limit == 1 else "messages"
            user_message = (
                f"Slow down: {limit} {messages} a minute is the limit here; "
                f"try again in {max(1, math.ceil(retry_after_s))} s."
            )
        super().__init__(user_message, detail=detail)
        self.limit = limit
        self.retry_after_s = retry_after_s


class TooManyStreams(SendLimitError):
    """Shown when a user already has as many replies streaming as the limit allows."""

    def __init__(
        self, user_message: str | None = None, *, detail: str = "", limit: int = 0
    ) -> None:
        if user_message is None:
            replies = "1 reply is" if limit == 1 else f"{limit} replies are"
            user_message = (
                f"{replies} already streaming for you; wait for one to finish or stop it."
            )
        super().__init__(user_message, detail=detail)
        self.limit = limit


class InvalidUsername(InvalidInput):
    """Shown when a new user's name is not 1-64 characters of a-z, 0-9, '.', '_' and '-'."""

    default_message = (
        "A username is 1-64 characters of letters a-z, digits and '.', '_' or '-' "
        "(upper case is read as lower case)."
    )


class InvalidPassword(InvalidInput):
    """Shown when a new password is too short or too long."""

    default_message = "A password is at least 12 and at most 1024 characters long."


class AccountError(NeuralTerminalError):
    """A login or an account change of hosted mode was refused."""

    default_message = "The account operation was refused."


class LoginRefused(AccountError):
    """Shown when the name or the password is wrong, or the account is disabled."""

    # One message for every case, so a login page does not tell which names exist.
    default_message = "Wrong username or password."


class LoginThrottled(AccountError):
    """Shown when a name or an address failed too often and must wait before trying again."""

    default_message = "Too many failed logins."

    def __init__(
        self, user_message: str | None = None, *, detail: str = "", retry_after_s: float = 0.0
    ) -> None:
        if user_message is None:
            user_message = f"{self.default_message} Try again in {math.ceil(retry_after_s)} s."
        super().__init__(user_message, detail=detail)
        self.retry_after_s = retry_after_s


class UserNotFound(AccountError):
    """Shown to an admin who named a user that does not exist."""

    default_message = "There is no such user."


class UsernameTaken(AccountError):
    """Shown to an admin adding a user whose name exists already, ignoring case."""

    default_message = "A user of that name exists already."


class SessionNotFound(AccountError):
    """Shown to an admin who named a session id that does not exist."""

    default_message = "There is no such session."


class NotSignedIn(AccountError):
    """Shown when a request reaches the app without the access gate having let anyone in."""

    default_message = "You are not signed in: reload the page."


class AdminOnly(AccountError):
    """Shown when someone who is not an admin asks for what only an admin may do."""

    default_message = "Only an admin can do that."
