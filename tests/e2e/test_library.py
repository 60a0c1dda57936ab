"""The library in the browser: rename in place, pin, archive, delete with undo, restore from
the trash, the costs and date groups of the sidebar, a conversation's system prompt."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Page, expect

from neural_terminal.store.conversations.repository import ChatRepository
from neural_terminal.store.engine import make_engine
from tests.e2e.server import RunningApp
from tests.e2e.test_branches import ask
from tests.e2e.test_chat import open_app, tool


def _row(page: Page, title: str) -> str:
    """The selector of the sidebar row whose title is ``title``."""
    return f'.nt-conv:has(.nt-conv-title:text-is("{title}"))'


def test_rename_pin_archive_delete_undo_and_restore(page: Page, app: RunningApp) -> None:
    open_app(page, app)
    page.locator("#new-conversation").click()
    ask(page, "[[sim:tokens=5]] alpha question")
    page.locator("#new-conversation").click()
    ask(page, "[[sim:tokens=5]] beta question")
    alpha, beta = _row(page, "alpha question"), _row(page, "beta question")
    expect(page.locator(alpha)).to_have_count(1)  # titles leave simulator directives out
    expect(page.locator(f"{beta} .nt-conv-cost")).to_contain_text("$")
    expect(page.locator(".nt-group").first).to_have_text("today")

    # Rename in place: Enter keeps it; Escape leaves the old title.
    page.locator(f"{alpha} [aria-label=rename]").click()
    page.locator("#rename-input").fill("Alpha, renamed")
    page.locator("#rename-input").press("Enter")
    alpha = _row(page, "Alpha, renamed")
    expect(page.locator(alpha)).to_have_count(1)
    page.locator(f"{alpha} [aria-label=rename]").click()
    page.locator("#rename-input").fill("never kept")
    page.locator("#rename-input").press("Escape")
    expect(page.locator("#rename-input")).to_have_count(0)
    expect(page.locator(alpha)).to_have_count(1)

    # Pin: to the top, under its own group.
    page.locator(f"{alpha} [aria-label=pin]").click()
    expect(page.locator(".nt-conv .nt-conv-title").first).to_have_text("Alpha, renamed")
    expect(page.locator(".nt-group").first).to_have_text("pinned")

    # Delete the open one: it closes, with an undo that brings it back and opens it.
    page.locator(f"{beta} .nt-conv-title").click()
    expect(page.locator("#title")).to_have_text("beta question")
    page.locator(f"{beta} [aria-label=delete]").click()
    expect(page.locator(beta)).to_have_count(0)
    expect(page.locator("#title")).to_have_text("new conversation")
    page.locator("#undo-delete").click()
    expect(page.locator(beta)).to_have_count(1)
    expect(page.locator("#title")).to_have_text("beta question")

    # Archive: off the list, on the archive shelf, and back.
    page.locator(f"{beta} [title='Archive: off the list']").click()
    expect(page.locator(beta)).to_have_count(0)
    page.locator("#shelf-archived").click()
    expect(page.locator(beta)).to_have_count(1)
    page.locator(f"{beta} [title='Back on the list']").click()
    page.locator("#shelf-list").click()
    expect(page.locator(beta)).to_have_count(1)

    # Delete, then restore from the trash later.
    page.locator(f"{beta} [aria-label=delete]").click()
    expect(page.locator("#shelf-trash")).to_contain_text("(1)")
    page.locator("#shelf-trash").click()
    page.locator(f"{beta} .restore").click()
    expect(page.locator(beta)).to_have_count(0)
    page.locator("#shelf-list").click()
    expect(page.locator(beta)).to_have_count(1)
    engine = make_engine(app.database_url)
    titles = {c.title for c in ChatRepository(engine).list_conversations()}
    engine.dispose()
    assert {"Alpha, renamed", "beta question"} <= titles


def test_a_system_prompt_goes_with_the_next_turn(page: Page, app: RunningApp) -> None:
    open_app(page, app)
    page.locator("#new-conversation").click()
    tool(page, "#system-toggle").click()
    page.locator("#system-prompt").fill("You are a terse terminal.")
    page.locator("#system-save").click()
    expect(page.locator("#system-prompt")).to_have_count(0)
    # Shown (so stored), then answered: waiting for "nothing streams" alone could pass
    # before the send even began.
    ask(page, "[[sim:tokens=5]] who are you?")
    tool(page, "#system-toggle").click()
    expect(page.locator("#system-prompt")).to_have_value("You are a terse terminal.")
    engine = make_engine(app.database_url)
    stored = [c for c in ChatRepository(engine).list_conversations() if c.title == "who are you?"]
    engine.dispose()
    assert [c.system_prompt for c in stored] == ["You are a terse terminal."]


def test_export_a_conversation_and_import_it_back(page: Page, app: RunningApp) -> None:
    open_app(page, app)
    page.locator("#new-conversation").click()
    ask(page, "[[sim:tokens=6]] something worth keeping")
    with page.expect_download() as markdown:
        tool(page, "#export-md").click()
    text = Path(markdown.value.path()).read_text()
    assert text.startswith("# something worth keeping\n")
    assert "**You:**" in text
    with page.expect_download() as exported:
        tool(page, "#export-json").click()
    saved = Path(exported.value.path()).with_name("kept.json")
    exported.value.save_as(saved)
    document = json.loads(saved.read_text())
    assert document["format"] == "neural-terminal/conversations"
    rows = page.locator(_row(page, "something worth keeping"))
    expect(rows).to_have_count(1)

    # Imported back, it is a copy in the list; the same file again adds nothing.
    upload = page.locator("#import-upload input[type=file]")
    upload.set_input_files(str(saved))
    expect(page.locator("#import-report")).to_have_text("kept.json: Imported 1 conversation.")
    expect(rows).to_have_count(2)
    again = saved.with_name("kept-again.json")  # the same content under another name
    again.write_bytes(saved.read_bytes())
    # Reflex's page drops an upload while the previous one's request is still open (its
    # report shows before that request ends), so the second goes from a freshly loaded page.
    open_app(page, app)
    upload.set_input_files(str(again))
    expect(page.locator("#import-report")).to_contain_text("1 already here (not added again)")
    expect(rows).to_have_count(2)
    rows.first.locator(".nt-conv-title").click()
    expect(page.locator('.nt-msg[data-role="user"] .nt-prompt')).to_have_text(
        "[[sim:tokens=6]] something worth keeping"
    )
    expect(page.locator('.nt-msg[data-role="assistant"] .nt-figure')).to_contain_text("imported")


def test_search_finds_a_message_on_another_branch_and_opens_it(page: Page, app: RunningApp) -> None:
    open_app(page, app)
    page.locator("#new-conversation").click()
    ask(page, "[[sim:tokens=5]] tell me about the aardvark")
    row = page.locator(".nt-msg:visible").filter(
        has=page.locator(".nt-prompt", has_text="aardvark")
    )
    row.locator(".edit-message").click()
    # The server fills the composer: typing before it does would be overwritten.
    expect(page.locator("#composer")).to_have_value("[[sim:tokens=5]] tell me about the aardvark")
    ask(page, "[[sim:tokens=5]] tell me about the platypus instead")
    page.locator("#new-conversation").click()
    ask(page, "[[sim:tokens=5]] something else entirely")

    page.locator("#search-words").fill("aardvark")
    page.locator("#search-words").press("Enter")
    expect(page.locator("#search-summary")).to_have_text("1 found")
    expect(page.locator("#search-hits .nt-match")).to_have_text("aardvark")
    page.locator("#search-hits .nt-hit").first.click()

    # The conversation opens on the branch that holds the message, scrolled to it.
    shown = page.locator(".nt-msg:visible .nt-prompt", has_text="aardvark")
    expect(shown).to_be_in_viewport()
    expect(page.locator(".nt-msg:visible .nt-prompt", has_text="platypus")).to_have_count(0)
    expect(page.locator(".nt-msg:visible .sibling-label").first).to_have_text("1/2")
    page.locator("#search-clear").click()
    expect(page.locator("#search-hits")).to_have_count(0)
    expect(page.locator("#shelf-list")).to_be_visible()


def test_a_default_preset_starts_every_new_conversation(page: Page, app: RunningApp) -> None:
    open_app(page, app)
    page.locator("#new-conversation").click()
    tool(page, "#system-toggle").click()
    page.locator("#system-prompt").fill("Answer like a pirate.")
    page.locator("#preset-name").fill("pirate")
    page.locator("#system-save").click()
    tool(page, "#system-toggle").click()
    expect(page.locator("#preset-select")).to_have_value(
        page.locator("#preset-select option", has_text="pirate").get_attribute("value") or ""
    )
    page.locator("#preset-default").click()
    expect(page.locator("#preset-select option", has_text="pirate ★")).to_have_count(1)
    tool(page, "#system-toggle").click()

    page.locator("#new-conversation").click()
    # Shown (so stored), then answered: waiting for "nothing streams" alone could pass
    # before the send even began.
    ask(page, "[[sim:tokens=5]] ahoy")
    engine = make_engine(app.database_url)
    stored = [c for c in ChatRepository(engine).list_conversations() if c.title == "ahoy"]
    engine.dispose()
    assert [c.system_prompt for c in stored] == ["Answer like a pirate."]
