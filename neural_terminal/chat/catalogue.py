"""The upstream's model list, cached in memory so page loads do not hit the network."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from neural_terminal.domain.models import ModelInfo

ListModels = Callable[[], Awaitable[list[ModelInfo]]]
OnFetch = Callable[[list[ModelInfo]], object]


class ModelCatalogue:
    """Fetches ``/models`` at most once per ``ttl_s`` (or on demand) and serves it by id."""

    def __init__(
        self,
        list_models: ListModels,
        *,
        ttl_s: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
        seed: list[ModelInfo] | None = None,
        on_fetch: OnFetch | None = None,
    ) -> None:
        self._list_models = list_models
        self._ttl_s = ttl_s
        self._clock = clock
        self._on_fetch = on_fetch
        # Prices stored by an earlier process price replies until the first fetch succeeds.
        self._models: dict[str, ModelInfo] = {model.id: model for model in seed or []}
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()

    async def models(self, *, refresh: bool = False) -> list[ModelInfo]:
        """All models, fetching when stale; a failed fetch raises and keeps the old list."""
        async with self._lock:
            fresh = self._fetched_at is not None and self._clock() - self._fetched_at < self._ttl_s
            if refresh or not fresh:
                models = await self._list_models()
                if self._on_fetch is not None:
                    self._on_fetch(models)  # persisted, and price changes recorded
                self._models = {model.id: model for model in models}
                self._fetched_at = self._clock()
            return list(self._models.values())

    def get(self, model_id: str) -> ModelInfo | None:
        """A model from the last successful fetch, or None."""
        return self._models.get(model_id)

    def usable(self, model_id: str) -> str:
        """``model_id`` when the catalogue lists it (or lists nothing yet), else its first model:
        a new conversation never starts on a model the upstream does not have (issue 15)."""
        if not self._models or model_id in self._models:
            return model_id
        return next(iter(self._models))
