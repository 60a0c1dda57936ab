"""End to end: the sidebar's model picker in Chromium, over the simulator's five models (four
of provider ``sim``, one of ``phosphor``): searching by provider, name and id as one types,
the figures of each entry, the keyboard, stars kept by the server, and a choice that the
header and the next request follow."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

from tests.e2e.server import RunningApp
from tests.e2e.test_chat import (
    choose_model,
    expect_model,
    new_conversation,
    open_app,
    send,
    stored_messages,
    wait_reply_done,
)
from tests.e2e.test_layout import artifact, axe_violations

OPTIONS = '#model-list [role="option"]'
EVERY_MODEL = 5


def _open_app(page: Page, app: RunningApp) -> None:
    """Open the app; the composer takes the focus as the page opens (assets/terminal.js)."""
    open_app(page, app)
    expect(page.locator("#composer")).to_be_focused()


def _open_picker(page: Page) -> Locator:
    """Open the picker with its button; the search box, focused."""
    page.locator("#model-picker").click()
    search = page.locator("#model-search")
    expect(search).to_be_focused()
    return search


def _ids(page: Page, selector: str = OPTIONS) -> list[str]:
    return list(page.locator(selector).evaluate_all("rows => rows.map((r) => r.dataset.modelId)"))


def _option(page: Page, model_id: str) -> Locator:
    return page.locator(f'{OPTIONS}[data-model-id="{model_id}"]')


def test_typing_a_provider_a_name_or_an_id_narrows_the_list(page: Page, app: RunningApp) -> None:
    _open_app(page, app)
    search = _open_picker(page)
    options = page.locator(OPTIONS)
    expect(options).to_have_count(EVERY_MODEL)

    search.press_sequentially("phosphor")  # the provider: the id's part before "/"
    expect(options).to_have_count(1)
    expect(options.first).to_have_attribute("data-model-id", "phosphor/echo-mini")
    search.fill("sim/")
    expect(options).to_have_count(4)
    search.fill("tiny window")  # words of its name
    expect(options).to_have_count(1)
    expect(options.first).to_have_attribute("data-model-id", "sim/tiny-window")
    search.fill("Simulator")  # only the names say it
    expect(options).to_have_count(4)
    search.fill("terminal-large")  # part of an id
    assert _ids(page) == ["sim/terminal-large"]
    search.fill("no such model")
    expect(options).to_have_count(0)
    expect(page.locator("#model-picker-status")).to_have_text("no model matches")
    search.fill("")
    expect(options).to_have_count(EVERY_MODEL)
    expect(page.locator("#model-picker-status")).to_have_text("5 of 5 models")


def test_each_entry_shows_its_prices_per_million_its_window_and_whether_it_is_free(
    page: Page, app: RunningApp
) -> None:
    _open_app(page, app)
    _open_picker(page)
    large = _option(page, "sim/terminal-large")
    expect(large).to_contain_text("Simulator: Terminal Large")
    expect(large).to_contain_text("in $3/M · out $15/M · 128,000 ctx")  # exact, per million
    expect(large).to_have_attribute("data-free", "false")
    expect(large.locator(".nt-model-free")).to_have_count(0)
    expect(_option(page, "phosphor/echo-mini")).to_contain_text("in $0.25/M · out $1.25/M")
    free = _option(page, "sim/terminal-free:free")
    expect(free).to_have_attribute("data-free", "true")
    expect(free.locator(".nt-model-free")).to_have_text("FREE")
    expect(free).to_contain_text("free · 8,192 ctx")


def test_arrows_and_enter_choose_and_escape_closes(page: Page, app: RunningApp) -> None:
    _open_app(page, app)
    new_conversation(page)
    button = page.locator("#model-picker")
    before = button.get_attribute("data-model-id")
    button.focus()
    page.keyboard.press("ArrowDown")  # opens it
    search = page.locator("#model-search")
    expect(search).to_be_focused()
    expect(button).to_have_attribute("aria-expanded", "true")
    page.keyboard.type("terminal")
    expect(page.locator(OPTIONS)).to_have_count(3)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    highlighted = page.locator(f'{OPTIONS}[aria-selected="true"]')
    expect(highlighted).to_have_attribute("id", "model-option-1")
    expect(search).to_have_attribute("aria-activedescendant", "model-option-1")
    wanted = highlighted.get_attribute("data-model-id")
    assert wanted
    assert wanted != before

    page.keyboard.press("Enter")

    expect(page.locator("#model-popup")).to_be_hidden()
    expect_model(page, wanted)
    expect(button).to_be_focused()
    page.keyboard.press("Enter")  # the button opens it again; Escape closes, nothing chosen
    expect(search).to_be_focused()
    page.keyboard.type("phosphor")
    page.keyboard.press("Escape")
    expect(page.locator("#model-popup")).to_be_hidden()
    expect(button).to_be_focused()
    expect_model(page, wanted)


def test_a_starred_model_comes_first_for_the_picker_and_the_palette_after_a_reload(
    page: Page, app: RunningApp
) -> None:
    _open_app(page, app)
    search = _open_picker(page)
    assert _ids(page)[0] != "sim/tiny-window"
    search.fill("tiny")
    page.keyboard.press("Alt+s")  # stars the highlighted model
    expect(_option(page, "sim/tiny-window")).to_have_attribute("data-starred", "true")
    expect(page.locator("#model-star")).to_have_attribute("aria-pressed", "true")
    search.fill("")
    expect(page.locator(OPTIONS).first).to_have_attribute("data-model-id", "sim/tiny-window")

    page.reload()
    expect(page.locator("#model-ids option").first).to_be_attached(timeout=60_000)
    expect(page.locator("#composer")).to_be_focused()  # as after _open_app
    _open_picker(page).fill("sim")
    picker_order = _ids(page)
    assert picker_order[0] == "sim/tiny-window"
    page.keyboard.press("Escape")
    page.keyboard.press("Control+k")  # the palette lists the same models in the same order
    page.keyboard.type("sim")
    palette = page.locator('#palette-list [data-kind="model"]')
    expect(palette).to_have_count(len(picker_order))
    assert [text.split(" ")[0] for text in palette.all_inner_texts()] == picker_order
    page.keyboard.press("Escape")

    _open_picker(page)  # unstarred by its star, with the mouse
    _option(page, "sim/tiny-window").locator(".nt-model-star").click()
    expect(_option(page, "sim/tiny-window")).to_have_attribute("data-starred", "false")


def test_choosing_a_model_changes_the_header_and_the_next_request(
    page: Page, app: RunningApp
) -> None:
    _open_app(page, app)
    new_conversation(page)

    choose_model(page, "phosphor/echo-mini")

    expect(page.locator("#header-model")).to_have_text("phosphor/echo-mini")
    expect(page.locator("#model-prices")).to_contain_text("32,768 ctx")
    send(page, "[[sim:tokens=5]] which model answers?")
    wait_reply_done(page)
    reply = stored_messages(app)[-1]
    assert (reply.role, reply.model) == ("assistant", "phosphor/echo-mini")


def test_the_open_picker_has_no_serious_accessibility_violation(
    page: Page, app: RunningApp
) -> None:
    _open_app(page, app)
    _open_picker(page).fill("terminal")
    page.keyboard.press("ArrowDown")
    page.locator("#sidebar").screenshot(path=artifact("model-picker.png"))
    assert axe_violations(page) == []
