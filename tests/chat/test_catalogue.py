"""The model a new conversation starts with is one the catalogue has."""

from __future__ import annotations

import pytest

from neural_terminal.chat.catalogue import ModelCatalogue
from neural_terminal.domain.models import ModelInfo


def _catalogue(*ids: str) -> ModelCatalogue:
    async def list_models() -> list[ModelInfo]:
        return [ModelInfo(id=model_id, name=model_id, context_length=8192) for model_id in ids]

    return ModelCatalogue(list_models)


@pytest.mark.asyncio
async def test_a_default_the_upstream_does_not_list_gives_way_to_its_first_model() -> None:
    catalogue = _catalogue("local/alpha", "local/beta")
    await catalogue.models()
    assert catalogue.usable("openai/gpt-4o-mini") == "local/alpha"


@pytest.mark.asyncio
async def test_a_listed_model_is_kept() -> None:
    catalogue = _catalogue("local/alpha", "local/beta")
    await catalogue.models()
    assert catalogue.usable("local/beta") == "local/beta"


def test_before_the_list_arrives_the_choice_stands() -> None:
    assert _catalogue("local/alpha").usable("openai/gpt-4o-mini") == "openai/gpt-4o-mini"
