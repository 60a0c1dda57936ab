"""End to end: a first use on a custom upstream (issue 15 #1), beside test_first_use.py.

An OpenAI-compatible endpoint (here a simulator of our own, as a stranger's server would be)
whose catalogue lacks the default ``openai/gpt-4o-mini``, and a fresh database: the model the
page shows, the header and the first request all name one model the upstream lists, and the
first send succeeds. Its own module: the app talks to that endpoint, not the built-in one.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from neural_terminal.simulator.records.catalogue import CATALOGUE
from neural_terminal.simulator.server import running_simulator
from tests.chat_requests import ChatRequests
from tests.e2e.server import RunningApp, running_app
from tests.e2e.test_chat import open_app, send, stored_messages, wait_reply_done

DEFAULT_MODEL = "openai/gpt-4o-mini"


@pytest.fixture(scope="module")
def upstream() -> Iterator[tuple[str, ChatRequests]]:
    requested = ChatRequests()
    with running_simulator(tokens_per_second=500.0, wrap=requested.wrap) as url:
        yield url, requested


@pytest.fixture(scope="module")
def app(
    tmp_path_factory: pytest.TempPathFactory, upstream: tuple[str, ChatRequests]
) -> Iterator[RunningApp]:
    """The app on a fresh database, configured for the custom endpoint (no simulator)."""
    with running_app(
        tmp_path_factory.mktemp("custom-upstream"),
        NEURAL_TERMINAL_SIMULATOR="off",
        OPENROUTER_BASE_URL=upstream[0],
        OPENROUTER_API_KEY="sk-custom-endpoint-key",
    ) as running:
        yield running


def test_a_custom_upstream_s_first_send_uses_the_model_on_show(
    page: Page, app: RunningApp, upstream: tuple[str, ChatRequests]
) -> None:
    listed = {model.id for model in CATALOGUE}
    assert DEFAULT_MODEL not in listed  # the case: the default is not on offer there
    requested = upstream[1]
    open_app(page, app)
    assert stored_messages(app) == []  # a fresh database

    header = page.locator("#header-model")
    expect(header).not_to_have_text(DEFAULT_MODEL)
    shown = header.inner_text()
    assert shown in listed, shown
    # What the composer prices and sends with, and the selector's choice, are that model.
    expect(page.locator("#composer")).to_have_attribute("data-model", shown)
    expect(page.locator("#model-prices")).not_to_contain_text("prices unknown")

    send(page, "[[sim:tokens=5]] hello from a custom endpoint")
    wait_reply_done(page)

    user, reply = stored_messages(app)
    assert user.content == "[[sim:tokens=5]] hello from a custom endpoint"
    assert (reply.status, reply.model) == ("complete", shown), reply
    assert [body["model"] for body in requested.bodies] == [shown]
    expect(header).to_have_text(shown)
    expect(page.locator(".msg-error")).to_have_count(0)
