"""End to end: a budget just above one reply's cost stops the next reply mid-stream.

The app expects 50-token replies for its pre-flight estimate here, so the second send passes
the pre-flight and is then cut off by the live estimate, as a long reply would be.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from neural_terminal.domain.money import format_usd
from neural_terminal.simulator.records.catalogue import find_model
from tests.e2e.recording import record_texts, recorded_texts
from tests.e2e.server import RunningApp, running_app
from tests.e2e.test_chat import (
    USER_MESSAGES,
    new_conversation,
    open_app,
    press_enter_with,
    send,
    stored_messages,
    wait_reply_done,
)

EXPECTED_REPLY_TOKENS = 50
_SMALL = find_model("sim/terminal-small")
assert _SMALL is not None
SMALL = _SMALL


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """This module's one app: pre-flight assumes short replies."""
    with running_app(
        tmp_path_factory.mktemp("budget-app"),
        NEURAL_TERMINAL_EXPECTED_REPLY_TOKENS=str(EXPECTED_REPLY_TOKENS),
    ) as running:
        yield running


def set_global_limit(page: Page, limit: str) -> None:
    """Open the budget panel, type the limit, save; the header shows it."""
    page.locator("#budget-toggle").click()
    expect(page.locator("#budget-panel")).to_be_visible()
    page.locator("#budget-global-limit").fill(limit)
    page.locator("#budget-save").click()
    expect(page.locator("#budget-panel")).to_have_count(0)


def test_a_budget_stops_a_reply_mid_stream_and_refuses_until_raised(
    page: Page, app: RunningApp
) -> None:
    open_app(page, app)
    new_conversation(page)
    expect(page.locator("#budget-text")).to_contain_text("$5.00")

    send(page, "[[sim:tokens=100]] first question")
    wait_reply_done(page)
    first = stored_messages(app)[-1]
    assert first.status == "complete"
    assert first.cost_usd is not None
    assert not first.cost_is_estimate

    limit = first.cost_usd + Decimal("0.0002")
    set_global_limit(page, f"{limit:f}")
    expect(page.locator("#budget-text")).to_contain_text(f"/ {format_usd(limit)}")

    # The pre-flight estimate is shown while typing (debounced HTTP, not the websocket).
    page.locator("#composer").fill("[[sim:tokens=3000]] [[sim:rate=200]] second question")
    expect(page.locator("#preflight-estimate")).to_contain_text("to send")
    record_texts(page, "#live-cost", "live cost")
    page.locator("#composer").press("Enter")
    expect(page.locator(USER_MESSAGES)).to_have_count(2)
    wait_reply_done(page)
    live = recorded_texts(page, "live cost")
    assert any("so far" in text for text in live), live

    second = stored_messages(app)[-1]
    assert second.status == "interrupted", second
    assert second.error
    assert "budget" in second.error
    assert second.content
    assert second.completion_tokens
    assert second.completion_tokens < 3000  # cut off mid-stream
    assert second.estimate_usd is not None
    # The estimate gives way to the upstream's billed figure once its record answers, in
    # the page too (no reload).
    shown = page.locator('.nt-msg[data-role="assistant"]').last
    expect(shown).not_to_contain_text("(estimate)", timeout=15_000)
    billed = stored_messages(app)[-1]
    assert not billed.cost_is_estimate
    assert billed.cost_source == "generation"
    assert billed.cost_usd is not None
    expect(shown).to_contain_text(format_usd(billed.cost_usd))
    expect(page.locator("#budget-suspended")).to_contain_text("SUSPENDED")
    expect(page.locator("#budget-bar")).to_have_attribute("data-level", "exceeded")
    # Continue and Retry stay in view while suspended, disabled, and say why on hover and
    # focus; a click does nothing.
    for button in (page.locator("#continue-reply"), page.locator("#retry-reply")):
        expect(button).to_be_visible()
        expect(button).to_have_attribute("aria-disabled", "true")
        expect(button).to_have_attribute("title", re.compile("SUSPENDED: the global budget"))
        button.focus()
        expect(button).to_be_focused()
        why = page.locator(f"#{button.get_attribute('aria-describedby')}")
        expect(why).to_be_visible()
        expect(why).to_contain_text("raise the limit in the budget panel")
    page.locator("#retry-reply").click(force=True)  # Playwright itself holds back a click
    expect(page.locator("#streaming-reply")).to_have_count(0)
    assert len(stored_messages(app)) == 4

    # The guard's own figure: estimated spend past the limit, at most one delta (~1 token).
    spent_estimated = first.cost_usd + second.estimate_usd
    overshoot = spent_estimated - limit
    assert overshoot <= 2 * SMALL.completion, overshoot
    report = {
        "limit": str(limit),
        "spent_estimated": str(spent_estimated),
        "overshoot_usd": str(overshoot),
        "overshoot_tokens": str(overshoot / SMALL.completion),
        "cut_after_tokens": second.completion_tokens,
    }
    print("budget-overshoot", json.dumps(report))

    press_enter_with(page, "third question")
    notice = page.locator("#notice")
    expect(notice).to_contain_text("Not sent: the global budget of")
    expect(notice).to_contain_text("Spent $")
    expect(notice).to_contain_text("would cost about $")
    expect(page.locator("#composer")).to_have_value("third question")
    expect(page.locator(USER_MESSAGES)).to_have_count(2)
    assert len(stored_messages(app)) == 4

    set_global_limit(page, "5")
    expect(page.locator("#budget-suspended")).to_have_count(0)
    expect(page.locator("#continue-reply")).to_have_attribute("aria-disabled", "false")
    expect(page.locator("#retry-reply")).to_have_attribute("aria-disabled", "false")
    expect(page.locator("#continue-reply")).not_to_have_attribute("title", re.compile("SUSPENDED"))
    send(page, "[[sim:tokens=20]] third question")
    wait_reply_done(page)
    assert stored_messages(app)[-1].status == "complete"
