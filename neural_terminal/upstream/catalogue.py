"""Reading ``GET /models``: the upstream's catalogue of models and their prices.

Shape: https://openrouter.ai/docs/api-reference/list-available-models. Prices are decimal
strings in USD **per token** ("0.0000015"), read with ``Decimal(str)`` and never rescaled.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from neural_terminal.domain.models import ModelInfo, ModelPricing
from neural_terminal.upstream.wire import ShapeError, count, decimal, mapping, optional_mapping

logger = logging.getLogger(__name__)

_PRICE_FIELDS = (
    "prompt",
    "completion",
    "request",
    "input_cache_read",
    "input_cache_write",
    "internal_reasoning",
)


def parse_models(payload: object) -> list[ModelInfo]:
    """Every well-formed entry of a ``/models`` body, in the upstream's order."""
    entries = mapping(payload, "models").get("data")
    if not isinstance(entries, list):
        raise ShapeError("models.data is not a list")
    models: list[ModelInfo] = []
    for entry in entries:
        try:
            models.append(_parse_model(entry))
        except ShapeError as exc:
            # One odd entry must not hide the hundreds of good ones.
            logger.warning("skipping a model entry of /models: %s", exc)
    return models


def _parse_model(entry: object) -> ModelInfo:
    model = mapping(entry, "model")
    model_id = model.get("id")
    if not isinstance(model_id, str) or not model_id:
        raise ShapeError(f"model without an id: {model_id!r}")
    name = model.get("name")
    return ModelInfo(
        id=model_id,
        name=name if isinstance(name, str) and name else model_id,
        context_length=_context_length(model),
        pricing=_pricing(optional_mapping(model.get("pricing"), f"{model_id} pricing"), model_id),
    )


def _context_length(model: dict[str, object]) -> int:
    # 0 means "unknown"; some entries only state it under ``top_provider``.
    top_provider = model.get("top_provider")
    fallback = top_provider.get("context_length") if isinstance(top_provider, dict) else None
    try:
        return count(model.get("context_length") or fallback, "context_length")
    except ShapeError:
        return 0


def _pricing(raw: dict[str, object], model_id: str) -> ModelPricing:
    prices: dict[str, Decimal] = {}
    for field in _PRICE_FIELDS:
        value = raw.get(field)
        price = Decimal(0) if value is None else decimal(value, f"{model_id} pricing.{field}")
        if price < 0:
            # OpenRouter marks routers whose price depends on the model picked with "-1";
            # a negative per-token price cannot be estimated, so the entry is skipped.
            raise ShapeError(f"{model_id} has a variable price ({field}={value!r})")
        prices[field] = price
    return ModelPricing(**prices)
