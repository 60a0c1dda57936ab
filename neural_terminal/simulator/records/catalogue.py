"""The simulator's price table, served as ``GET /api/v1/models`` in OpenRouter's shape."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from neural_terminal.simulator.wire import decimal_text

ZERO = Decimal(0)
FAULT_MODEL_PREFIX = "sim/fault-"
# A fixed timestamp keeps the listing identical from run to run.
CREATED = 1_735_689_600


@dataclass(frozen=True)
class SimModel:
    """One simulated model; prices are USD per token (``request`` per request)."""

    id: str
    name: str
    description: str
    context_length: int
    max_completion_tokens: int
    prompt: Decimal = ZERO
    completion: Decimal = ZERO
    request: Decimal = ZERO
    image: Decimal = ZERO
    web_search: Decimal = ZERO
    internal_reasoning: Decimal = ZERO
    input_cache_read: Decimal = ZERO
    input_cache_write: Decimal = ZERO

    def cost(self, prompt_tokens: int, completion_tokens: int) -> Decimal:
        """What a generation with these token counts is billed, exactly."""
        return prompt_tokens * self.prompt + completion_tokens * self.completion + self.request


CATALOGUE: tuple[SimModel, ...] = (
    SimModel(
        id="sim/terminal-small",
        name="Simulator: Terminal Small",
        description="A quick, cheap simulated model for everyday offline use.",
        context_length=16_384,
        max_completion_tokens=4_096,
        prompt=Decimal("0.0000005"),
        completion=Decimal("0.0000015"),
    ),
    SimModel(
        id="sim/terminal-large",
        name="Simulator: Terminal Large",
        description="A pricier simulated model with a per-request fee and cache-read pricing.",
        context_length=128_000,
        max_completion_tokens=16_384,
        prompt=Decimal("0.000003"),
        completion=Decimal("0.000015"),
        request=Decimal("0.0001"),
        input_cache_read=Decimal("0.0000003"),
    ),
    SimModel(
        id="sim/terminal-free:free",
        name="Simulator: Terminal Free (free)",
        description="A free simulated model; every price is zero.",
        context_length=8_192,
        max_completion_tokens=2_048,
    ),
    SimModel(
        id="sim/tiny-window",
        name="Simulator: Tiny Window",
        description="A simulated model with a 1,024-token window, for context truncation.",
        context_length=1_024,
        max_completion_tokens=512,
        prompt=Decimal("0.000001"),
        completion=Decimal("0.000002"),
    ),
    # Another provider (the id's part before "/"), so the model picker's search by provider
    # has something to tell apart.
    SimModel(
        id="phosphor/echo-mini",
        name="Phosphor: Echo Mini",
        description="A simulated model of a second provider, priced below a cent per reply.",
        context_length=32_768,
        max_completion_tokens=4_096,
        prompt=Decimal("0.00000025"),
        completion=Decimal("0.00000125"),
    ),
)

_BY_ID = {model.id: model for model in CATALOGUE}
# The pricing keys of OpenRouter's /models entries, all USD per token except ``request``.
PRICE_FIELDS = (
    "prompt",
    "completion",
    "request",
    "image",
    "web_search",
    "internal_reasoning",
    "input_cache_read",
    "input_cache_write",
)


def find_model(model_id: str) -> SimModel | None:
    """The listed model ``model_id``, or a fault model priced like terminal-small, or None."""
    if model_id in _BY_ID:
        return _BY_ID[model_id]
    if model_id.startswith(FAULT_MODEL_PREFIX) and len(model_id) > len(FAULT_MODEL_PREFIX):
        mode = model_id.removeprefix(FAULT_MODEL_PREFIX)
        return replace(_BY_ID["sim/terminal-small"], id=model_id, name=f"Simulator fault: {mode}")
    return None


def fault_mode_of(model_id: str) -> str | None:
    """The fault mode a ``sim/fault-<MODE>`` model id selects, if it is one."""
    if model_id.startswith(FAULT_MODEL_PREFIX):
        return model_id.removeprefix(FAULT_MODEL_PREFIX) or None
    return None


def model_json(model: SimModel) -> dict[str, object]:
    """``model`` as one entry of OpenRouter's ``/models`` ``data`` list."""
    return {
        "id": model.id,
        "canonical_slug": model.id,
        "name": model.name,
        "created": CREATED,
        "description": model.description,
        "context_length": model.context_length,
        "architecture": {
            "modality": "text->text",
            "input_modalities": ["text"],
            "output_modalities": ["text"],
            "tokenizer": "GPT",
            "instruct_type": None,
        },
        # OpenRouter publishes prices as decimal strings so no client parses them via float.
        "pricing": {name: decimal_text(getattr(model, name)) for name in PRICE_FIELDS},
        "top_provider": {
            "context_length": model.context_length,
            "max_completion_tokens": model.max_completion_tokens,
            "is_moderated": False,
        },
        "per_request_limits": None,
        "supported_parameters": ["max_tokens", "stream", "usage"],
    }
