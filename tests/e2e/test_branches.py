"""Branches in the browser: edit and resend, regenerate, switch with < 1/2 > and back (and
with [ and ]), fork, reload on the same branch, and a reply that keeps streaming on its own
branch while another is on show."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

from neural_terminal.domain.conversations import OPEN_ROWS
from neural_terminal.store.conversations.repository import ChatRepository
from neural_terminal.store.engine import make_engine
from tests.e2e.conftest import PageWatch
from tests.e2e.server import RunningApp
from tests.e2e.test_chat import open_app, press_enter_with

# The path on show, top to bottom: rows placed by their flex order, hidden ones left out.
SHOWN = """
() => [...document.querySelectorAll('#transcript > .nt-msg')]
  .filter((el) => el.offsetParent !== null)
  .sort((a, b) => Number(getComputedStyle(a).order) - Number(getComputedStyle(b).order))
  .map((el) => el.querySelector('.nt-prompt, .nt-md')?.textContent.trim() ?? '')
"""


def shown(page: Page) -> list[str]:
    texts: list[str] = page.evaluate(SHOWN)
    return texts


def settled(page: Page, timeout_ms: int = 60_000) -> None:
    """Nothing streams and the composer takes text again."""
    expect(page.locator("#streaming-reply")).to_have_count(0, timeout=timeout_ms)
    expect(page.locator("#composer")).to_be_enabled(timeout=timeout_ms)


def row(page: Page, text: str) -> Locator:
    """The shown message whose own text starts with ``text``."""
    return page.locator(".nt-msg:visible").filter(
        has=page.locator(".nt-prompt, .nt-md", has_text=text)
    )


def ask(page: Page, text: str) -> None:
    press_enter_with(page, text)
    expect(row(page, text)).to_have_count(1)
    settled(page)


def test_edit_regenerate_switch_fork_and_reload(
    page: Page, app: RunningApp, watch: PageWatch
) -> None:
    open_app(page, app)
    page.locator("#new-conversation").click()
    ask(page, "[[sim:tokens=8]] first question")
    ask(page, "[[sim:tokens=8]] second question")
    assert len(shown(page)) == 4

    # Edit and resend: the composer takes the text; sending makes a branch beside it.
    row(page, "[[sim:tokens=8]] second question").locator(".edit-message").click()
    expect(page.locator("#composer")).to_have_value("[[sim:tokens=8]] second question")
    expect(page.locator("#editing")).to_be_visible()
    ask(page, "[[sim:tokens=8]] second, edited")
    texts = shown(page)
    assert texts[2] == "[[sim:tokens=8]] second, edited"
    assert "[[sim:tokens=8]] second question" not in texts
    edited = row(page, "second, edited")
    expect(edited.locator(".sibling-label")).to_have_text("2/2")

    # < back to the first version, and ] (the keyboard's >) forward again.
    edited.locator(".sibling-prev").click()
    expect(row(page, "second question").locator(".sibling-label")).to_have_text("1/2")
    assert shown(page)[2] == "[[sim:tokens=8]] second question"
    assert len(shown(page)) == 4
    page.locator("#transcript").click(position={"x": 5, "y": 5})  # focus off the composer
    page.keyboard.press("]")
    expect(row(page, "second, edited").locator(".sibling-label")).to_have_text("2/2")

    # Regenerate the last reply: both replies are kept, 2/2 on show.
    last_reply = page.locator('.nt-msg[data-role="assistant"]:visible').last
    before = last_reply.locator(".nt-md").inner_text()
    last_reply.locator(".regenerate-reply").click()
    # 2/2 shows once the new reply's row exists; then wait for it to be complete (waiting
    # for "nothing streams" first could pass before the regeneration began).
    expect(page.locator('.nt-msg[data-role="assistant"]:visible .sibling-label')).to_have_text(
        "2/2"
    )
    settled(page)
    expect(page.locator("#tree-cost")).to_be_visible()  # the branch and the whole tree differ
    after = shown(page)
    assert len(after) == 4

    # Reload: the same branch is on show.
    page.reload()
    open_app(page, app)
    expect(page.locator('.nt-msg[data-role="assistant"]:visible .sibling-label')).to_have_text(
        "2/2"
    )
    assert shown(page) == after
    page.locator('.nt-msg[data-role="assistant"]:visible .sibling-prev').click()
    expect(page.locator('.nt-msg[data-role="assistant"]:visible .sibling-label')).to_have_text(
        "1/2"
    )
    assert shown(page)[-1] == before

    # The outline lists every branch and jumps to one.
    expect(page.locator("#outline .nt-branch")).to_have_count(3)
    page.locator('#outline .nt-branch[data-current="false"]').first.click()
    expect(page.locator('#outline .nt-branch[data-current="true"]')).to_have_count(1)

    # Fork from the first reply: a new conversation holding the path down to it.
    first_reply = page.locator('.nt-msg[data-role="assistant"]:visible').first
    first_text = first_reply.locator(".nt-md").inner_text().strip()
    first_reply.locator(".fork-message").click()
    expect(page.locator("#title")).to_contain_text("(fork)")
    expect(page.locator("#transcript > .nt-msg:visible")).to_have_count(2)
    assert shown(page) == ["[[sim:tokens=8]] first question", first_text]
    ask(page, "[[sim:tokens=8]] a question in the fork")
    assert len(shown(page)) == 4
    assert watch.page_errors == []


def test_a_reply_streams_on_its_branch_while_another_is_on_show(
    page: Page, app: RunningApp
) -> None:
    open_app(page, app)
    page.locator("#new-conversation").click()
    ask(page, "[[sim:tokens=8]] a question")
    row(page, "a question").locator(".edit-message").click()
    # The server fills the composer: typing before it does would be overwritten.
    expect(page.locator("#composer")).to_have_value("[[sim:tokens=8]] a question")
    ask(page, "[[sim:tokens=8]] the same question, asked better")

    press_enter_with(page, "[[sim:tokens=400]] now a long story")
    live = page.locator("#live-text")
    expect(live).not_to_have_text("", timeout=20_000)

    # Back to the first version of the question while the story streams on its own branch.
    row(page, "asked better").locator(".sibling-prev").click()
    expect(row(page, "a question").locator(".sibling-label")).to_have_text("1/2")
    expect(page.locator("#live-reply")).to_be_hidden()
    hidden_length = len(live.text_content() or "")

    # Forward again: the reply is shown live, further along than when it was left.
    row(page, "a question").locator(".sibling-next").click()
    expect(page.locator("#live-reply")).to_be_visible()
    page.wait_for_function(
        "n => document.getElementById('live-text').textContent.length > n", arg=hidden_length
    )
    settled(page)
    story = page.locator('.nt-msg[data-role="assistant"]:visible').last
    expect(story).to_have_attribute("data-status", "complete")
    assert shown(page)[-2] == "[[sim:tokens=400]] now a long story"


ALT = "ALT-" + "a different answer " * 8


def _text(i: int) -> str:
    return f"m{i:03d}-" + "lorem ipsum dolor sit amet " * 8


def _seed_long_conversation(app: RunningApp) -> tuple[int, int]:
    """200 messages on one path, each with its own text, and a second reply beside the 102nd
    (``ALT``); returns the conversation and that reply's id."""
    engine = make_engine(app.database_url)
    repository = ChatRepository(engine)
    conversation = repository.create_conversation(model="sim/terminal-small", title="long")
    parent: int | None = None
    alternative = 0
    for i in range(200):
        role = "user" if i % 2 == 0 else "assistant"
        message = repository.add_message(
            conversation_id=conversation.id,
            role=role,
            content=_text(i),
            parent_id=parent,
        )
        if i == 101:
            alternative = repository.add_message(
                conversation_id=conversation.id,
                role="assistant",
                content=ALT,
                parent_id=parent,
                activate=False,
            ).id
        parent = message.id
    engine.dispose()
    return conversation.id, alternative


def test_a_branch_switch_sends_only_what_the_page_lacks(page: Page, app: RunningApp) -> None:
    conversation_id, _alternative = _seed_long_conversation(app)
    frames: list[str] = []
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.on("Network.webSocketFrameReceived", lambda e: frames.append(e["response"]["payloadData"]))
    open_app(page, app)  # opens the newest conversation (this one) at its newest messages
    expect(page.locator(f'#conv-{conversation_id}[data-active="true"]')).to_have_count(1)
    expect(page.locator("#transcript > .nt-msg:visible")).to_have_count(OPEN_ROWS)
    page.locator("#show-earlier").click()
    expect(page.locator("#transcript > .nt-msg:visible")).to_have_count(200)
    opened = sum(len(f.encode()) for f in frames)

    frames.clear()
    switch = row(page, "m101-").locator(".sibling-next")
    switch.click()
    expect(row(page, "ALT-")).to_have_count(1)
    expect(page.locator("#transcript > .nt-msg:visible")).to_have_count(102)
    there = "".join(frames)
    assert ALT in there  # the one message the page lacked
    # Nothing it had (the outline names where each branch starts, in a few words only).
    assert not any(_text(i) in there for i in range(200))
    there_bytes = len(there.encode())

    frames.clear()
    row(page, "ALT-").locator(".sibling-prev").click()
    expect(page.locator("#transcript > .nt-msg:visible")).to_have_count(200)
    back = "".join(frames)
    assert ALT not in back
    assert not any(_text(i) in back for i in range(200))  # positions only
    print(
        f"branch switch in a 200-message conversation: opening {opened:,} bytes; "
        f"to a new branch {there_bytes:,} bytes; back {len(back.encode()):,} bytes"
    )
    assert there_bytes < opened / 4


def test_a_long_conversation_opens_and_reloads_at_its_newest_message(
    page: Page, app: RunningApp
) -> None:
    long_one, _ = _seed_long_conversation(app)
    open_app(page, app)  # the newest conversation: this one
    newest = page.locator(".nt-msg:visible .nt-prompt, .nt-msg:visible .nt-md").filter(
        has_text="m199-"
    )
    expect(newest).to_be_in_viewport()
    page.reload()
    open_app(page, app)
    expect(newest).to_be_in_viewport()
    page.locator("#new-conversation").click()
    ask(page, "[[sim:tokens=5]] a short one")
    page.locator(f"#conv-{long_one} .nt-conv-title").click()
    expect(newest).to_be_in_viewport()


def test_a_long_conversation_opens_at_its_newest_messages_and_shows_older_ones_asked_for(
    page: Page, app: RunningApp
) -> None:
    conversation_id, _ = _seed_long_conversation(app)
    frames: list[str] = []
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.on("Network.webSocketFrameReceived", lambda e: frames.append(e["response"]["payloadData"]))
    open_app(page, app)
    expect(page.locator(f'#conv-{conversation_id}[data-active="true"]')).to_have_count(1)
    shown = page.locator("#transcript > .nt-msg:visible")
    expect(shown).to_have_count(OPEN_ROWS)
    expect(row(page, "m199-")).to_be_in_viewport()
    expect(row(page, "m100-")).to_have_count(1)
    expect(row(page, "m099-")).to_have_count(0)  # not sent at all
    received = "".join(frames)
    assert _text(100) in received
    assert _text(99) not in received

    earlier = page.locator("#show-earlier")
    expect(earlier).to_have_text("▲ 100 earlier messages · show them")
    earlier.scroll_into_view_if_needed()
    earlier.click()
    expect(shown).to_have_count(200)
    expect(earlier).to_have_count(0)
    # The older messages came in above: the one the reader was looking at stayed in view.
    expect(row(page, "m100-")).to_be_in_viewport()
    expect(row(page, "m000-")).not_to_be_in_viewport()

    # A reload opens at the newest again; a search hit far back brings it and what follows.
    page.reload()
    open_app(page, app)
    expect(shown).to_have_count(OPEN_ROWS)
    page.locator("#search-words").fill("m010")
    page.locator("#search-words").press("Enter")
    page.locator("#search-hits .nt-hit").first.click()
    expect(row(page, "m010-")).to_be_in_viewport()
    expect(shown).to_have_count(190)
    expect(earlier).to_have_text("▲ 10 earlier messages · show them")
