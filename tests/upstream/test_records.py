"""The upstream's records: GET /key read exactly (Decimal, never float), GET /generation's
provider, None from an upstream without them, and a 402 that names the limit it hit."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest
import respx

from neural_terminal.domain.credit import KeyInfo
from neural_terminal.domain.errors import InsufficientCredits, UpstreamError
from neural_terminal.upstream.errors import error_for_status
from neural_terminal.upstream.records import UpstreamRecords
from tests.upstream.samples import API_KEY, APP_URL, BASE_URL

KEY = {
    "data": {
        "label": "sk-or-v1-abc...",
        "limit": 25.5,
        "limit_remaining": 20.0000000001,
        "usage": 5.4999999999,
        "usage_daily": 0.25,
        "usage_weekly": 1,
        "usage_monthly": 5.4999999999,
        "is_free_tier": False,
    }
}


@pytest.fixture
def records(http: httpx.AsyncClient) -> UpstreamRecords:
    return UpstreamRecords(http, base_url=BASE_URL, api_key=API_KEY, app_url=APP_URL)


@pytest.mark.asyncio
async def test_the_key_is_read_exactly(router: respx.MockRouter, records: UpstreamRecords) -> None:
    route = router.get("/key").respond(200, text=json.dumps(KEY))
    info = await records.key_info()
    assert info == KeyInfo(
        limit_usd=Decimal("25.5"),
        remaining_usd=Decimal("20.0000000001"),
        usage_usd=Decimal("5.4999999999"),
        usage_daily_usd=Decimal("0.25"),
        usage_weekly_usd=Decimal(1),
        usage_monthly_usd=Decimal("5.4999999999"),
    )
    assert route.calls.last.request.headers["authorization"] == f"Bearer {API_KEY}"


@pytest.mark.asyncio
async def test_an_unlimited_key_and_an_upstream_without_records(
    router: respx.MockRouter, records: UpstreamRecords
) -> None:
    router.get("/key").respond(200, json={"data": {"limit": None, "usage": 0}})
    info = await records.key_info()
    assert info is not None
    assert (info.limit_usd, info.remaining_usd, info.usage_usd) == (None, None, Decimal(0))
    router.get("/key").respond(404, json={"error": {"code": 404, "message": "no"}})
    router.get("/generation").respond(404)
    assert await records.key_info() is None
    assert await records.provider_of("gen-1") is None


@pytest.mark.asyncio
async def test_the_provider_of_a_generation(
    router: respx.MockRouter, records: UpstreamRecords
) -> None:
    route = router.get("/generation").respond(
        200, json={"data": {"id": "gen 1", "provider_name": "Anthropic"}}
    )
    assert await records.provider_of("gen 1") == "Anthropic"
    assert route.calls.last.request.url.params["id"] == "gen 1"


@pytest.mark.asyncio
async def test_refusals_are_domain_errors_without_the_key(
    router: respx.MockRouter, records: UpstreamRecords
) -> None:
    router.get("/key").respond(401, json={"error": {"code": 401, "message": f"bad {API_KEY}"}})
    with pytest.raises(UpstreamError) as caught:
        await records.key_info()
    assert API_KEY not in str(caught.value)
    router.get("/key").respond(200, text="{not json")
    with pytest.raises(UpstreamError):
        await records.key_info()


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("openrouter_credits", "out of credits"),
        ("openrouter_key_limit", "API key's own spending limit"),
        ("openrouter_in_flight_budget", "Replies in flight"),
        (None, "out of credits"),
    ],
)
def test_a_402_says_which_limit_was_hit(source: str | None, words: str) -> None:
    metadata = {"limit_source": source} if source else {}
    body = json.dumps({"error": {"code": 402, "message": "Payment", "metadata": metadata}})
    error = error_for_status(402, body.encode())
    assert isinstance(error, InsufficientCredits)
    assert words in error.user_message
