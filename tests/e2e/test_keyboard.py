"""End to end: slash commands, the keys and the palette, driven from the keyboard only."""

from __future__ import annotations

import re
import time
from decimal import Decimal

from playwright.sync_api import Page, expect

from neural_terminal.domain.conversations import ConversationInfo
from neural_terminal.domain.periods import Period
from neural_terminal.store.conversations.repository import ChatRepository
from neural_terminal.store.engine import make_engine
from neural_terminal.store.spend.budget_store import BudgetConfig, BudgetStore
from tests.e2e.server import RunningApp
from tests.e2e.test_chat import (
    USER_MESSAGES,
    expect_model,
    new_conversation,
    open_app,
    press_enter_with,
    send,
    stored_messages,
    tool,
    wait_reply_done,
)

MENU = "#command-menu"


def stored_budget(app: RunningApp) -> BudgetConfig:
    engine = make_engine(app.database_url)
    try:
        return BudgetStore(engine, defaults=BudgetConfig(None, Period.NONE, "UTC")).config()
    finally:
        engine.dispose()


def stored_conversations(app: RunningApp) -> list[ConversationInfo]:
    engine = make_engine(app.database_url)
    try:
        return ChatRepository(engine).list_conversations()
    finally:
        engine.dispose()


def stored_system_prompt(app: RunningApp, title_start: str, timeout_s: float = 15.0) -> str:
    """The system prompt stored for the conversation titled ``title_start``..., once it has
    one (or whatever it has when ``timeout_s`` ran out)."""
    deadline = time.monotonic() + timeout_s
    while True:
        (mine,) = [c for c in stored_conversations(app) if c.title.startswith(title_start)]
        if mine.system_prompt or time.monotonic() > deadline:
            return mine.system_prompt or ""
        time.sleep(0.05)  # polling a condition: the save is on its way to the server


def open_keys(page: Page, app: RunningApp) -> None:
    """Open the app and wait until assets/keys.js has loaded (a script tag loads after
    the page is interactive)."""
    open_app(page, app)
    page.wait_for_function("() => !!window.ntKeys")


def blur(page: Page) -> None:
    """Move the focus out of every text field (the keys below act only there)."""
    page.evaluate("document.activeElement && document.activeElement.blur()")


def test_typing_a_slash_shows_the_commands_and_completes_them(page: Page, app: RunningApp) -> None:
    open_keys(page, app)
    composer = page.locator("#composer")
    composer.press_sequentially("/")
    expect(page.locator(MENU)).to_be_visible()
    expect(page.locator(f"{MENU} [role=option]").first).to_contain_text("/model <search>")
    composer.press_sequentially("st")
    options = page.locator(f"{MENU} [role=option]")
    expect(options).to_have_count(2)
    composer.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    composer.press("Tab")
    expect(composer).to_have_value("/stats")
    composer.fill("/mod")
    composer.press("Enter")  # a command with arguments is filled in, not run
    expect(composer).to_have_value("/model ")
    expect(options.first).to_contain_text("/")  # now the model ids
    composer.press("Escape")
    expect(page.locator(MENU)).to_be_hidden()
    assert len(stored_messages(app)) == 0  # nothing was sent


def test_slash_new_starts_a_new_conversation(page: Page, app: RunningApp) -> None:
    open_keys(page, app)
    new_conversation(page)
    send(page, "[[sim:tokens=5]] before the command")
    wait_reply_done(page)
    count = len(stored_messages(app))
    press_enter_with(page, "/new")
    expect(page.locator(USER_MESSAGES)).to_have_count(0)
    expect(page.locator("#composer")).to_have_value("")
    assert len(stored_messages(app)) == count  # never sent to the model


def test_slash_budget_saves_a_daily_budget(page: Page, app: RunningApp) -> None:
    open_keys(page, app)
    press_enter_with(page, "/budget 7.25 daily")
    expect(page.locator("#budget-text")).to_contain_text("$7.25")
    expect(page.locator("#composer")).to_have_value("")
    stored = stored_budget(app)
    assert stored.limit_usd == Decimal("7.25")
    assert stored.period is Period.DAILY


def test_slash_strategy_changes_the_strategy(page: Page, app: RunningApp) -> None:
    open_keys(page, app)
    new_conversation(page)
    press_enter_with(page, "/strategy bookends")
    expect(tool(page, "#context-strategy")).to_have_value("bookends")


def test_an_unknown_command_says_so_and_keeps_the_draft(page: Page, app: RunningApp) -> None:
    open_keys(page, app)
    before = len(stored_messages(app))
    press_enter_with(page, "/frobnicate now")
    expect(page.locator("#command-notice")).to_contain_text("Unknown command /frobnicate")
    expect(page.locator("#composer")).to_have_value("/frobnicate now")
    press_enter_with(page, "/budget lots")
    expect(page.locator("#command-notice")).to_contain_text("Usage: /budget <amount>")
    expect(page.locator("#composer")).to_have_value("/budget lots")
    assert len(stored_messages(app)) == before


def test_question_mark_lists_the_keys(page: Page, app: RunningApp) -> None:
    open_keys(page, app)
    blur(page)
    expect(page.locator("#composer")).not_to_be_focused()
    page.keyboard.press("?")
    overlay = page.get_by_role("dialog", name="Keyboard and commands")
    expect(overlay).to_be_visible()
    expect(overlay).to_contain_text("Ctrl+K")
    expect(overlay).to_contain_text("/budget <amount> [daily|monthly]")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.locator("#keys-close")).to_be_focused()  # the focus stays in the dialog
    page.keyboard.press("Escape")
    expect(overlay).to_have_count(0)
    page.keyboard.press("i")
    expect(page.locator("#composer")).to_be_focused()


def test_escape_stops_a_streaming_reply(page: Page, app: RunningApp) -> None:
    open_keys(page, app)
    new_conversation(page)
    send(page, "[[sim:tokens=600]] a long story please")
    expect(page.locator("#streaming-reply")).to_contain_text(re.compile(r"\S{3,}.*\S{3,}"))
    page.keyboard.press("Escape")
    wait_reply_done(page)
    assert stored_messages(app)[-1].status == "interrupted"


def test_up_in_an_empty_composer_edits_the_last_message(page: Page, app: RunningApp) -> None:
    open_keys(page, app)
    new_conversation(page)
    send(page, "[[sim:tokens=5]] first words")
    wait_reply_done(page)
    send(page, "[[sim:tokens=5]] second words")
    wait_reply_done(page)
    composer = page.locator("#composer")
    composer.focus()
    composer.press("ArrowUp")
    expect(page.locator("#editing")).to_be_visible()
    expect(composer).to_have_value("[[sim:tokens=5]] second words")


def test_ctrl_k_opens_a_conversation_by_its_title(page: Page, app: RunningApp) -> None:
    open_keys(page, app)
    new_conversation(page)
    send(page, "[[sim:tokens=5]] quokka habits")
    wait_reply_done(page)
    expect(page.locator(".nt-conv-title", has_text="quokka")).to_have_count(1)
    new_conversation(page)
    page.keyboard.press("Control+k")
    palette = page.get_by_role("dialog", name="command palette")
    expect(palette).to_be_visible()
    expect(page.locator("#palette-input")).to_be_focused()
    page.keyboard.type("quokka")
    expect(page.locator("#palette-list [role=option]").first).to_contain_text("quokka")
    page.keyboard.press("Enter")
    expect(palette).to_be_hidden()
    expect(page.locator(USER_MESSAGES)).to_have_count(1)
    expect(page.locator(USER_MESSAGES)).to_contain_text("quokka habits")


def test_slash_model_completes_ids_and_picks_the_one_that_matches(
    page: Page, app: RunningApp
) -> None:
    open_keys(page, app)
    new_conversation(page)
    composer = page.locator("#composer")
    composer.press_sequentially("/model large")
    options = page.locator(f"{MENU} [role=option]")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("sim/terminal-large")
    expect(options.first).to_contain_text("/M")  # its prices per million tokens
    composer.press("Enter")  # fills the id in
    expect(composer).to_have_value("/model sim/terminal-large")
    composer.press("Enter")  # runs it
    expect_model(page, "sim/terminal-large")
    composer.fill("/model terminal")
    expect(options).to_have_count(3)
    composer.press("Escape")  # the menu closes; Enter now runs the draft as typed
    expect(page.locator(MENU)).to_be_hidden()
    composer.press("Enter")  # several match: they are named, nothing is chosen
    expect(page.locator("#command-notice")).to_contain_text("models match 'terminal'")
    expect_model(page, "sim/terminal-large")


def test_alt_arrows_move_between_conversations_in_sidebar_order(
    page: Page, app: RunningApp
) -> None:
    open_keys(page, app)
    new_conversation(page)
    send(page, "[[sim:tokens=5]] wombat one")
    wait_reply_done(page)
    new_conversation(page)
    send(page, "[[sim:tokens=5]] wombat two")
    wait_reply_done(page)
    rows = page.locator(".nt-conv")
    active = page.locator('.nt-conv[data-active="true"] .nt-conv-title')
    expect(active).to_contain_text("wombat two")
    order = [rows.nth(n).locator(".nt-conv-title").inner_text() for n in range(rows.count())]
    below = order[order.index(active.inner_text()) + 1]
    page.keyboard.press("Alt+ArrowDown")
    expect(active).to_have_text(below)
    page.keyboard.press("Alt+ArrowUp")
    expect(active).to_contain_text("wombat two")


def test_system_fork_help_and_stats_run_what_their_buttons_run(page: Page, app: RunningApp) -> None:
    open_keys(page, app)
    new_conversation(page)
    send(page, "[[sim:tokens=5]] numbat notes")
    wait_reply_done(page)
    count = len(stored_conversations(app))
    press_enter_with(page, "/system Answer in haiku.")
    expect(page.locator("#composer")).to_have_value("")
    # The composer empties in the page as the command's save goes to the server, so the
    # stored prompt is waited for, not read at once.
    assert stored_system_prompt(app, "numbat") == "Answer in haiku."
    press_enter_with(page, "/fork")
    expect(page.locator(".nt-conv")).to_have_count(count + 1)
    assert len(stored_conversations(app)) == count + 1
    press_enter_with(page, "/help")
    expect(page.get_by_role("dialog", name="Keyboard and commands")).to_be_visible()
    page.keyboard.press("Escape")
    press_enter_with(page, "/stats")
    expect(page).to_have_url(re.compile(r"/telemetry"))


def test_the_palette_finds_a_free_model_and_chooses_it(page: Page, app: RunningApp) -> None:
    open_keys(page, app)
    new_conversation(page)
    page.keyboard.press("Control+k")
    page.keyboard.type("free")
    option = page.locator('#palette-list [data-kind="model"]')
    expect(option).to_have_count(1)
    expect(option).to_contain_text("sim/terminal-free:free")
    expect(option).to_contain_text("free · ")  # marked free, with its window
    kinds = page.locator("#palette-list [role=option]").evaluate_all(
        "items => items.map((item) => item.dataset.kind)"
    )
    for _ in range(kinds.index("model")):  # commands and conversations come first
        page.keyboard.press("ArrowDown")
    expect(page.locator('#palette-list [aria-selected="true"]')).to_have_attribute(
        "data-kind", "model"
    )
    page.keyboard.press("Enter")
    expect_model(page, "sim/terminal-free:free")
