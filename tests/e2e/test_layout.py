"""The page's layout in Chromium: no sideways scroll at four widths, the header in one line with
its details on hover and focus, the sidebar as a drawer on a phone, one status line, the
newest message in view after opening, money to its significant digits with the exact figure
on hover and focus, and axe-core's accessibility rules (no serious or critical violation)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from neural_terminal.domain.money import exact_usd, format_usd
from neural_terminal.settings import PROJECT_ROOT
from neural_terminal.store.conversations.repository import ChatRepository
from neural_terminal.store.engine import make_engine
from tests.e2e.conftest import REPORT_CSP_VIOLATIONS, PageWatch
from tests.e2e.server import RunningApp, running_app
from tests.e2e.test_chat import (
    new_conversation,
    open_app,
    press_enter_with,
    send,
    stored_messages,
    wait_reply_done,
)

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
AXE = PROJECT_ROOT / ".tools/npm/node_modules/axe-core/axe.min.js"
WIDTHS = [
    pytest.param(1440, 900, id="desktop-1440"),
    pytest.param(1024, 768, id="laptop-1024"),
    pytest.param(800, 900, id="tablet-800"),
    pytest.param(390, 844, id="phone-390"),
]
LONG_TITLE = "[[sim:tokens=30]] " + "a question about the phosphor terminal and its long title " * 2
# Both boxes: what they hold against what they show (a difference scrolls sideways).
WIDTH_OF = """() => {
  const d = document.documentElement;
  const h = document.querySelector('header');
  return {doc: [d.scrollWidth, d.clientWidth], header: [h.scrollWidth, h.clientWidth]};
}"""


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """This module's own app and database."""
    with running_app(tmp_path_factory.mktemp("layout")) as running:
        yield running


def artifact(name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name


def _a_conversation(page: Page, app: RunningApp) -> None:
    open_app(page, app)
    if page.locator('.nt-msg[data-role="user"]').count() == 0:
        send(page, LONG_TITLE)
        wait_reply_done(page)


@pytest.mark.parametrize(("width", "height"), WIDTHS)
def test_nothing_scrolls_sideways(page: Page, app: RunningApp, width: int, height: int) -> None:
    _a_conversation(page, app)
    page.set_viewport_size({"width": width, "height": height})
    budget = page.locator("#budget-toggle")
    expect(budget).to_be_in_viewport(ratio=1)
    expect(page.locator("#composer")).to_be_in_viewport()
    if width < 900:  # a drawer: slid out of the page
        expect(page.locator("#sidebar")).to_be_hidden()
    sizes = page.evaluate(WIDTH_OF)
    page.screenshot(path=artifact(f"chat-{width}.png"))
    assert sizes["doc"][0] <= sizes["doc"][1], sizes
    assert sizes["header"][0] <= sizes["header"][1], sizes
    # One line: the header is as tall as its tallest control, not a column of words.
    assert page.locator("header").bounding_box()["height"] < 48  # type: ignore[index]


@pytest.mark.parametrize(("width", "height"), WIDTHS)
def test_the_telemetry_page_does_not_scroll_sideways(
    page: Page, app: RunningApp, width: int, height: int
) -> None:
    open_app(page, app)
    page.set_viewport_size({"width": width, "height": height})
    page.goto(app.url + "/telemetry")
    expect(page.locator("#telemetry-grid")).to_be_visible()
    sizes = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    page.screenshot(path=artifact(f"telemetry-{width}.png"))
    assert sizes[0] <= sizes[1], sizes
    # Every panel can still be reached (the page scrolls down, nothing is clipped).
    last = page.locator("#panel-failures")
    last.scroll_into_view_if_needed()
    expect(last).to_be_in_viewport()


def test_the_title_is_one_line_with_an_ellipsis(page: Page, app: RunningApp) -> None:
    _a_conversation(page, app)
    page.set_viewport_size({"width": 1024, "height": 768})
    title = page.locator("#title")
    expect(title).to_contain_text("phosphor terminal")
    box = title.bounding_box()
    assert box is not None
    assert box["height"] < 24
    assert title.evaluate("e => e.scrollWidth > e.clientWidth")  # cut, with an ellipsis
    assert title.evaluate("e => getComputedStyle(e).textOverflow") == "ellipsis"


def test_the_header_figures_show_their_details_on_tab(page: Page, app: RunningApp) -> None:
    _a_conversation(page, app)
    cost_tip = page.locator("#cost-tip")
    expect(cost_tip).to_be_hidden()
    page.locator(".nt-model-figure .nt-focusable").focus()
    expect(page.locator("#model-tip")).to_be_visible()
    page.keyboard.press("Tab")  # the next figure: the conversation's cost
    expect(cost_tip).to_be_visible()
    expect(cost_tip).to_contain_text("exactly")
    page.keyboard.press("Tab")  # then the budget
    expect(page.locator("#budget-toggle")).to_be_focused()
    expect(page.locator("#budget-tip")).to_be_visible()
    expect(page.locator("#budget-tip")).to_contain_text("$5.000000000000")
    page.mouse.move(0, 0)
    page.locator("#budget-text").hover()
    expect(page.locator("#budget-tip")).to_be_visible()


def test_the_sidebar_is_a_drawer_on_a_phone(page: Page, app: RunningApp) -> None:
    _a_conversation(page, app)
    page.set_viewport_size({"width": 390, "height": 844})
    sidebar = page.locator("#sidebar")
    toggle = page.get_by_role("button", name="conversation list", exact=True)
    expect(sidebar).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(sidebar).to_be_visible()
    expect(sidebar).to_be_in_viewport(ratio=1)
    expect(toggle).to_have_attribute("aria-expanded", "true")
    page.screenshot(path=artifact("drawer-390.png"))
    page.keyboard.press("Escape")
    expect(sidebar).to_be_hidden()
    page.set_viewport_size({"width": 1024, "height": 768})
    expect(sidebar).to_be_visible()
    expect(toggle).to_be_hidden()


def test_a_mid_stream_error_is_shown_once(page: Page, app: RunningApp) -> None:
    open_app(page, app)
    new_conversation(page)
    send(page, "[[sim:tokens=60]] tell me about drops [[sim:fault=drop-after-12]]")
    wait_reply_done(page)
    reply = page.locator('.nt-msg[data-role="assistant"]').last
    expect(reply).to_have_attribute("data-status", "interrupted")
    expect(reply.locator(".msg-error")).to_contain_text("connection dropped")
    expect(page.locator("#notice")).to_have_count(0)
    expect(page.get_by_text("connection dropped")).to_have_count(1)


def test_notices_share_one_status_line_most_severe_first(page: Page, app: RunningApp) -> None:
    open_app(page, app)
    new_conversation(page)
    line = page.locator("#status-line")
    expect(line.locator("#simulator-banner")).to_be_visible()
    press_enter_with(page, "   ")  # an empty message: refused, with a notice
    expect(line.locator("#notice")).to_contain_text("empty message")
    keys = line.locator(".nt-notice").evaluate_all("els => els.map(e => e.dataset.notice)")
    assert keys == ["error", "simulator"]
    assert line.bounding_box()["height"] < 60  # type: ignore[index]
    page.get_by_role("button", name="dismiss the error notice").click()
    expect(line.locator("#notice")).to_have_count(0)
    expect(line.locator("#simulator-banner")).to_be_visible()
    page.get_by_role("button", name="dismiss the simulator notice").click()
    expect(line).to_be_hidden()
    # Dismissed while it says the same; back when it says something else.
    press_enter_with(page, "   ")
    expect(page.locator("#composer")).to_be_enabled()
    expect(line.locator("#notice")).to_have_count(0)
    send(page, "[[sim:tokens=400]] a long story")
    page.locator(".nt-conv-title").last.click()  # switching while it streams is refused
    expect(line.locator("#notice")).to_contain_text("A reply is streaming")
    page.locator("#stop").click()
    wait_reply_done(page)
    expect(page.locator("#simulator-banner")).to_have_count(0)


@pytest.fixture(scope="module")
def long_conversation(app: RunningApp) -> None:
    """120 messages on one path: the newest conversation (opened by a fresh browser)."""
    engine = make_engine(app.database_url)
    repository = ChatRepository(engine)
    conversation = repository.create_conversation(model="sim/terminal-small", title="long")
    assert conversation.id is not None
    parent: int | None = None
    for i in range(120):
        role = "user" if i % 2 == 0 else "assistant"
        text = f"n{i:03d}-" + "lorem ipsum dolor sit amet " * 6
        parent = repository.add_message(
            conversation_id=conversation.id, role=role, content=text, parent_id=parent
        ).id
    engine.dispose()


@pytest.mark.parametrize(("width", "height"), WIDTHS)
def test_a_conversation_opens_and_reloads_at_its_newest_message(
    browser: Browser, app: RunningApp, long_conversation: None, width: int, height: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": height})
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    page = context.new_page()
    watch = PageWatch()
    page.on("console", watch.console)
    try:
        newest = page.locator(".nt-msg:visible .nt-md").filter(has_text="n119-")
        open_app(page, app)
        expect(newest).to_be_in_viewport()
        page.reload()
        open_app(page, app)
        expect(newest).to_be_in_viewport()
    finally:
        context.close()
    assert not watch.csp_violations


def test_money_shows_its_significant_digits_and_the_exact_figure_on_focus(
    page: Page, app: RunningApp
) -> None:
    open_app(page, app)
    new_conversation(page)
    send(page, "[[sim:tokens=20]] a cheap reply")
    wait_reply_done(page)
    cost = stored_messages(app)[-1].cost_usd
    assert cost is not None
    assert cost < Decimal("0.01")
    meta = page.locator('.nt-msg[data-role="assistant"] .nt-figure').last
    expect(meta).to_contain_text(format_usd(cost))
    expect(meta).to_have_attribute("title", re.compile(re.escape(f"cost {exact_usd(cost)} ")))
    expect(meta).to_have_attribute("tabindex", "0")
    meta.focus()
    expect(meta).to_be_focused()
    digits = format_usd(cost).removeprefix("$").lstrip("0.")
    assert len(digits) >= 2, format_usd(cost)  # not $0.0001: its significant digits
    conversation_cost = page.locator("#conversation-cost")
    expect(conversation_cost).to_have_text(format_usd(cost))
    expect(page.locator("#cost-tip")).to_contain_text(exact_usd(cost))
    row_cost = page.locator('.nt-conv[data-active="true"] .nt-conv-cost')
    expect(row_cost).to_have_attribute("title", f"{exact_usd(cost)} exactly, every branch")


def axe_violations(page: Page) -> list[str]:
    """Serious and critical violations of axe-core's rules (WCAG 2 A and AA) in the page.

    ``page.evaluate`` runs the library through the DevTools protocol, which the page's
    Content-Security-Policy does not govern (a <script> tag with inline text would be blocked).
    """
    page.evaluate(AXE.read_text())
    found = page.evaluate(
        """async () => {
          const result = await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
            resultTypes: ['violations'],
          });
          return result.violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => `${v.id} (${v.impact}): ` + v.nodes.map(n => n.target.join(' ')).join(', '));
        }"""
    )
    return list(found)


def test_the_chat_page_has_no_serious_accessibility_violation(page: Page, app: RunningApp) -> None:
    _a_conversation(page, app)
    assert axe_violations(page) == []


def test_the_budget_panel_has_no_serious_accessibility_violation(
    page: Page, app: RunningApp
) -> None:
    _a_conversation(page, app)
    page.locator("#budget-toggle").click()
    expect(page.locator("#budget-panel")).to_be_visible()
    assert axe_violations(page) == []


def test_the_telemetry_page_has_no_serious_accessibility_violation(
    page: Page, app: RunningApp
) -> None:
    open_app(page, app)
    page.goto(app.url + "/telemetry")
    expect(page.locator("#telemetry-grid")).to_be_visible()
    assert axe_violations(page) == []
