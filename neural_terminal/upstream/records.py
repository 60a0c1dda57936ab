"""What the upstream keeps about the account and its generations: ``GET /key`` (the key's
limit, what is left and what it spent) and who served a generation (``GET /generation``'s
``provider_name``). Over the process's pooled client; the key goes only to the upstream.

https://openrouter.ai/docs/api-reference/api-keys/get-current-api-key
https://openrouter.ai/docs/api-reference/get-a-generation
An upstream without these routes (another OpenAI-compatible server) answers None.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import quote

import httpx

from neural_terminal.domain.credit import KeyInfo
from neural_terminal.domain.errors import UpstreamError
from neural_terminal.settings import Settings
from neural_terminal.upstream.errors import error_before_stream, error_for_status, redact
from neural_terminal.upstream.wire import ShapeError, decimal, loads, mapping, preview

ABSENT = frozenset({404, 405, 501})


class UpstreamRecords:
    """Reads the upstream's records about the key and its generations."""

    def __init__(
        self, http: httpx.AsyncClient, *, base_url: str, api_key: str | None, app_url: str
    ) -> None:
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._app_url = app_url

    @classmethod
    def from_settings(cls, http: httpx.AsyncClient, settings: Settings) -> UpstreamRecords:
        """For the configured upstream; the real key is never sent to the simulator."""
        return cls(
            http,
            base_url=settings.upstream_url,
            api_key=None if settings.uses_simulator else settings.api_key,
            app_url=settings.app_url,
        )

    def __repr__(self) -> str:  # the key must never reach a log line
        return f"UpstreamRecords(base_url={self._base_url!r})"

    async def key_info(self) -> KeyInfo | None:
        """The key's limit and spend; None when the upstream does not offer ``/key``."""
        data = await self._data("/key")
        if data is None:
            return None
        try:
            return KeyInfo(
                limit_usd=_money(data.get("limit")),
                remaining_usd=_money(data.get("limit_remaining")),
                usage_usd=_money(data.get("usage")) or Decimal(0),
                usage_daily_usd=_money(data.get("usage_daily")),
                usage_weekly_usd=_money(data.get("usage_weekly")),
                usage_monthly_usd=_money(data.get("usage_monthly")),
                is_free_tier=data.get("is_free_tier") is True,
            )
        except ShapeError as exc:
            raise UpstreamError(
                "The provider's key record could not be read.", detail=str(exc)
            ) from exc

    async def provider_of(self, generation_id: str) -> str | None:
        """Who served a generation (``provider_name``); None when the upstream does not say."""
        data = await self._data(f"/generation?id={quote(generation_id, safe='')}")
        name = data.get("provider_name") if data is not None else None
        return name if isinstance(name, str) and name else None

    async def _data(self, path: str) -> dict[str, Any] | None:
        """The ``data`` object of a GET; None when the route is not there."""
        headers = {"Accept": "application/json", "HTTP-Referer": self._app_url}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        try:
            response = await self._http.get(self._base_url + path, headers=headers)
        except (httpx.TransportError, httpx.InvalidURL) as exc:
            raise error_before_stream(exc) from exc
        if response.status_code in ABSENT:
            return None
        if not response.is_success:
            raise error_for_status(
                response.status_code,
                response.content,
                headers=response.headers,
                secret=self._api_key,
            )
        try:
            return mapping(mapping(loads(response.content), "record").get("data"), "record.data")
        except ShapeError as exc:
            detail = redact(f"{exc}; body={preview(response.content)!r}", self._api_key)
            raise UpstreamError("The provider's record could not be read.", detail=detail) from exc


def _money(value: object) -> Decimal | None:
    """A dollar figure (JSON number, already Decimal or int), or None."""
    if value is None:
        return None
    return decimal(value, "key")
