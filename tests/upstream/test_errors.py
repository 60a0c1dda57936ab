"""HTTP statuses and transport failures mapped onto the domain error tree."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

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
from neural_terminal.upstream.errors import (
    error_before_stream,
    error_for_status,
    error_mid_stream,
    parse_retry_after,
)
from tests.upstream.samples import API_KEY

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


def body(code: int, message: str, **metadata: object) -> bytes:
    return json.dumps({"error": {"code": code, "message": message, "metadata": metadata}}).encode()


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, BadRequest),
        (401, InvalidApiKey),
        (402, InsufficientCredits),
        (403, Moderated),
        (404, UpstreamError),
        (408, UpstreamTimeout),
        (409, UpstreamError),
        (429, RateLimited),
        (500, ProviderUnavailable),
        (502, ProviderUnavailable),
        (503, ProviderUnavailable),
        (504, ProviderUnavailable),
    ],
)
def test_each_status_maps_to_its_error(status: int, kind: type[UpstreamError]) -> None:
    error = error_for_status(status, body(status, "Details here"))
    assert type(error) is kind
    assert (error.status, error.code) == (status, status)
    assert error.user_message.startswith(
        RateLimited.default_message if status == 429 else kind.default_message
    )
    assert "Details here" in error.user_message
    assert f"HTTP {status}" in error.detail
    assert "Details here" in error.detail


def test_a_non_json_body_keeps_the_domain_text_and_gives_operators_a_snippet() -> None:
    error = error_for_status(502, b"<html><body>Bad gateway</body></html>")
    assert isinstance(error, ProviderUnavailable)
    assert error.user_message == ProviderUnavailable.default_message
    assert "HTTP 502" in error.detail
    assert "Bad gateway" in error.detail


@pytest.mark.parametrize("raw", [b"", b"{}", b'{"error": "overloaded"}', b'{"error": null}', b"[]"])
def test_odd_error_bodies_still_map_by_status(raw: bytes) -> None:
    error = error_for_status(401, raw)
    assert isinstance(error, InvalidApiKey)
    assert error.user_message.startswith(InvalidApiKey.default_message)


def test_moderation_says_why_the_input_was_flagged() -> None:
    raw = body(403, "Input flagged", reasons=["harassment", "violence"], provider_name="OpenAI")
    error = error_for_status(403, raw)
    assert "flagged for harassment, violence" in error.user_message
    assert "provider=OpenAI" in error.detail


def test_rate_limit_says_how_long_to_wait_and_why() -> None:
    headers = httpx.Headers({"Retry-After": "7"})
    error = error_for_status(429, body(429, "free-models-per-day"), headers=headers)
    assert isinstance(error, RateLimited)
    assert error.retry_after == 7.0
    assert "Try again in 7 s." in error.user_message
    assert "free-models-per-day" in error.user_message


def test_rate_limit_without_retry_after_has_no_wait() -> None:
    error = error_for_status(429, b"")
    assert isinstance(error, RateLimited)
    assert error.retry_after is None
    assert error.user_message == RateLimited.default_message


def test_a_very_long_provider_message_is_shortened_for_the_user() -> None:
    error = error_for_status(400, body(400, "x" * 5_000))
    assert len(error.user_message) < 500
    assert error.user_message.endswith("…")


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        pytest.param(None, None, id="absent"),
        pytest.param("", None, id="empty"),
        pytest.param("7", 7.0, id="seconds"),
        pytest.param(" 2.5 ", 2.5, id="fractional-seconds"),
        pytest.param("-3", None, id="negative"),
        pytest.param("inf", None, id="infinite"),
        pytest.param("soon", None, id="garbage"),
        pytest.param("Thu, 01 Jan 2026 12:00:30 GMT", 30.0, id="http-date"),
        pytest.param("Thu, 01 Jan 2026 11:59:00 GMT", 0.0, id="http-date-in-the-past"),
    ],
)
def test_retry_after(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == seconds


@pytest.mark.parametrize("status", [400, 401, 402, 403, 408, 429, 500, 502, 503])
def test_the_api_key_never_leaks_from_an_error_body(status: int) -> None:
    for raw in (body(status, f"Invalid key {API_KEY}"), f"<p>key={API_KEY}</p>".encode()):
        error = error_for_status(status, raw, secret=API_KEY)
        for text in (str(error), error.user_message, error.detail):
            assert API_KEY not in text


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (httpx.ConnectError("refused"), UpstreamUnreachable),
        (httpx.ConnectTimeout("slow"), UpstreamUnreachable),
        (httpx.PoolTimeout("busy"), UpstreamUnreachable),
        (httpx.UnsupportedProtocol("ftp"), UpstreamUnreachable),
        (httpx.RemoteProtocolError("closed"), UpstreamUnreachable),
        (httpx.ReadTimeout("slow"), UpstreamTimeout),
        (httpx.WriteTimeout("slow"), UpstreamTimeout),
    ],
)
def test_transport_failures_before_the_stream(exc: Exception, kind: type[UpstreamError]) -> None:
    error = error_before_stream(exc)
    assert type(error) is kind
    assert type(exc).__name__ in error.detail


def test_a_read_timeout_mid_stream_is_a_stall() -> None:
    error = error_mid_stream(httpx.ReadTimeout(""))
    assert isinstance(error, StreamInterrupted)
    assert error.detail.startswith("stalled")
    assert "stalled" in error.user_message


@pytest.mark.parametrize("exc", [httpx.RemoteProtocolError("eof"), httpx.ReadError("reset")])
def test_a_broken_connection_mid_stream_is_a_drop(exc: httpx.TransportError) -> None:
    error = error_mid_stream(exc)
    assert error.detail.startswith("dropped")
    assert error.user_message == StreamInterrupted.default_message
