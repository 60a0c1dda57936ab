"""The catalogue as the page shows it: one plain row per model, its figures formatted once."""

from __future__ import annotations

import dataclasses

from neural_terminal.domain.models import ModelInfo
from neural_terminal.domain.money import format_price_per_million


@dataclasses.dataclass
class ModelView:
    """One entry of the model picker (and of the palette and ``/model`` completion)."""

    id: str = ""
    label: str = ""
    # ``in $0.5/M · out $1.5/M · 16,384 ctx``, or ``free · 8,192 ctx``.
    prices: str = ""
    free: bool = False


def model_view(model: ModelInfo) -> ModelView:
    """The picker's entry for a model, with prices per million tokens."""
    return ModelView(
        id=model.id, label=model.name or model.id, prices=model_prices(model), free=model.is_free
    )


def model_prices(model: ModelInfo) -> str:
    """``in $0.5/M · out $1.5/M · 16,384 ctx``; ``free · 8,192 ctx`` when nothing is charged
    (a ``:free`` id that names a price anyway shows it too)."""
    parts = ["free"] if model.is_free else []
    if not model.pricing.is_free:
        parts += [
            f"in {format_price_per_million(model.pricing.prompt)}",
            f"out {format_price_per_million(model.pricing.completion)}",
        ]
    window = f"{model.context_length:,} ctx" if model.context_length else "window unknown"
    return " · ".join([*parts, window])
