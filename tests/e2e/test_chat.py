"""End to end: Chromium drives the running app, which streams from the simulator."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx
from playwright.sync_api import Locator, Page, expect

from neural_terminal.domain.conversations import StoredMessage
from neural_terminal.store.conversations.repository import ChatRepository
from neural_terminal.store.engine import make_engine
from tests.e2e.conftest import PageWatch
from tests.e2e.server import RunningApp

# Records every distinct length of the reply in progress, from the browser's side.
RECORD_STEPS = """
() => {
  window.__ntSteps = [];
  const seen = () => {
    const el = document.querySelector('#streaming-reply');
    if (el) {
      const n = el.innerText.length;
      if (window.__ntSteps[window.__ntSteps.length - 1] !== n) window.__ntSteps.push(n);
    }
  };
  new MutationObserver(seen).observe(document.body,
    {subtree: true, childList: true, characterData: true});
}
"""


def open_app(page: Page, app: RunningApp) -> None:
    """Open the printed address (it lets the browser in, then shows the app) and wait until
    the backend has answered (the model list is filled) and Enter sends."""
    page.goto(app.unlock_url)
    expect(models_loaded(page)).to_be_attached(timeout=60_000)
    expect(page.locator("#composer")).to_be_enabled()
    wait_enter_sends(page)


def wait_enter_sends(page: Page) -> None:
    """Wait until assets/terminal.js has run: its script tag may load after the page is
    interactive, and until then Enter in the composer is a new line, not a send."""
    page.wait_for_function("() => !!window.ntLive")


def models_loaded(page: Page) -> Locator:
    """The catalogue's first entry: attached once the model list has come over the websocket,
    so the page is connected."""
    return page.locator("#model-ids option").first


def choose_model(page: Page, model_id: str) -> None:
    """Choose ``model_id`` in the sidebar's picker (searched by its id) and wait until the
    server has taken it."""
    picker = page.locator("#model-picker")
    if picker.get_attribute("aria-expanded") != "true":
        picker.click()
    page.locator("#model-search").fill(model_id)
    page.locator(f'#model-list [role="option"][data-model-id="{model_id}"]').click()
    expect_model(page, model_id)


def expect_model(page: Page, model_id: str) -> None:
    """The picker names ``model_id`` as the model in use."""
    expect(page.locator("#model-picker")).to_have_attribute("data-model-id", model_id)


def tool(page: Page, selector: str) -> Locator:
    """One of the header's tools (strategy, system prompt, export): below a wide screen they
    are behind ⋯, shown while the focus is inside."""
    toggle = page.locator("#tools-toggle")
    if toggle.is_visible():
        toggle.focus()
    found = page.locator(selector)
    expect(found).to_be_visible()
    return found


USER_MESSAGES = '.nt-msg[data-role="user"]'
REPLIES = '.nt-msg[data-role="assistant"]:not([data-status="streaming"])'


def press_enter_with(page: Page, text: str) -> None:
    """Type into the composer and press Enter."""
    page.locator("#composer").fill(text)
    page.locator("#composer").press("Enter")


def send(page: Page, text: str) -> None:
    """Send ``text`` and wait until the server has stored it and shows it."""
    users = page.locator(USER_MESSAGES)
    before = users.count()
    press_enter_with(page, text)
    expect(users).to_have_count(before + 1)


def new_conversation(page: Page) -> None:
    """Start an empty conversation and wait until the transcript is empty."""
    page.locator("#new-conversation").click()
    expect(page.locator(USER_MESSAGES)).to_have_count(0)


def wait_reply_done(page: Page, timeout_ms: int = 60_000) -> None:
    """Every message has its reply row (complete, stopped or failed) and nothing streams."""
    users = page.locator(USER_MESSAGES).count()
    expect(page.locator(REPLIES)).to_have_count(users, timeout=timeout_ms)
    expect(page.locator("#streaming-reply")).to_have_count(0, timeout=timeout_ms)
    expect(page.locator("#composer")).to_be_enabled(timeout=timeout_ms)


def stored_messages(app: RunningApp) -> list[StoredMessage]:
    """Every message in the app's database, oldest first."""
    engine = make_engine(app.database_url)
    repo = ChatRepository(engine)
    messages = [
        m for c in repo.list_conversations() for m in repo.list_messages(conversation_id=c.id or 0)
    ]
    engine.dispose()
    return sorted(messages, key=lambda m: m.id or 0)


def expected_reply(app: RunningApp, text: str) -> str:
    """What the simulator answers to a first message, asked directly (non-streaming)."""
    response = httpx.post(
        app.url + "/sim/api/v1/chat/completions",
        json={"model": "sim/terminal-small", "messages": [{"role": "user", "content": text}]},
        timeout=30,
    )
    response.raise_for_status()
    return str(response.json()["choices"][0]["message"]["content"])


def only_local_hosts(watch: PageWatch, app: RunningApp) -> None:
    assert watch.hosts == {urlsplit(app.url).netloc}, watch.hosts


def test_a_reply_streams_in_visibly_and_survives_a_reload(
    page: Page, app: RunningApp, watch: PageWatch
) -> None:
    open_app(page, app)
    expect(page.locator("#simulator-banner")).to_contain_text("SIMULATOR")
    page.evaluate(RECORD_STEPS)
    question = "hello terminal, what are you?"

    send(page, question)

    expect(page.locator(".nt-cursor")).to_be_visible()
    wait_reply_done(page)
    steps: list[int] = page.evaluate("window.__ntSteps")
    assert len(steps) >= 3, steps  # it grew in at least three visible steps
    assert steps == sorted(steps)
    user, reply = stored_messages(app)[-2:]
    assert (user.role, user.content) == ("user", question)
    assert reply.status == "complete"
    assert reply.content == expected_reply(app, question)
    assert reply.cost_usd is not None
    assert reply.completion_tokens
    shown = page.locator('.nt-msg[data-role="assistant"]').last
    expect(shown).to_contain_text(reply.content.split()[-1])
    expect(shown).to_contain_text("sim/terminal-small")

    page.reload()
    open_app(page, app)
    expect(page.locator('.nt-msg[data-role="user"] .nt-prompt').last).to_have_text(question)
    first_words = " ".join(reply.content.split()[:3]).lstrip("# ")
    expect(page.locator('.nt-msg[data-role="assistant"]').last).to_contain_text(first_words)
    assert watch.page_errors == []
    only_local_hosts(watch, app)


def test_stop_keeps_the_partial_reply_after_a_reload(page: Page, app: RunningApp) -> None:
    open_app(page, app)
    new_conversation(page)
    send(page, "[[sim:tokens=600]] tell me a long story about terminals")
    streaming = page.locator("#streaming-reply")
    expect(streaming).to_contain_text(re.compile(r"\S{3,}.*\S{3,}.*\S{3,}"))

    page.locator("#stop").click()

    wait_reply_done(page)
    reply = stored_messages(app)[-1]
    assert reply.status == "interrupted"
    assert 0 < len(reply.content) < len(expected_reply(app, "tell me a long story about terminals"))
    assert reply.error
    assert "Stopped" in reply.error
    page.reload()
    open_app(page, app)
    kept = page.locator('.nt-msg[data-role="assistant"]').last
    expect(kept).to_have_attribute("data-status", "interrupted")
    expect(kept).to_contain_text(reply.content.split()[-1])
    expect(kept).to_contain_text("Stopped by you")


HOSTILE = (
    '//echo <iframe srcdoc="<script>parent.window.__pwned=1</script>"></iframe> '
    '<img src="x" onerror="window.__pwned=2"> <style>body{display:none}</style> '
    "<script>window.__pwned=3</script>\n\n"
    "Inline too: <img src=x onerror=window.__pwned=4> and **bold** done"
)


def test_model_output_cannot_run_script_or_inject_html(
    page: Page, app: RunningApp, watch: PageWatch
) -> None:
    open_app(page, app)
    new_conversation(page)

    send(page, HOSTILE)

    wait_reply_done(page)
    reply = page.locator('.nt-msg[data-role="assistant"]').last
    expect(reply).to_contain_text("<iframe srcdoc=")
    expect(reply).to_contain_text("<img src=")
    expect(reply.locator("strong")).to_have_text("bold")  # markdown still renders
    transcript = page.locator("#transcript")
    for tag in ("iframe", "img", "style", "script"):
        expect(transcript.locator(tag)).to_have_count(0)
    assert page.evaluate("window.__pwned") is None
    expect(page.locator("body")).to_be_visible()
    assert watch.dialogs == []


def test_an_empty_message_is_not_sent(page: Page, app: RunningApp) -> None:
    open_app(page, app)
    before = len(stored_messages(app))

    press_enter_with(page, "   ")

    expect(page.locator("#notice")).to_contain_text("empty message is not sent")
    assert len(stored_messages(app)) == before


def test_a_100_kb_paste_is_stored_intact(page: Page, app: RunningApp) -> None:
    open_app(page, app)
    new_conversation(page)
    choose_model(page, "sim/terminal-large")  # a 128k window
    expect(page.locator("#model-prices")).to_contain_text("128,000 ctx")
    paste = ("0123456789 ünïcødé 🙂 " * 5000)[:100_000] + " [[sim:tokens=5]]"

    send(page, paste)

    wait_reply_done(page)
    user, reply = stored_messages(app)[-2:]
    assert user.content == paste
    assert (reply.status, reply.model) == ("complete", "sim/terminal-large")


def test_an_invalid_key_gets_a_clear_message_and_keeps_the_words(
    page: Page, app: RunningApp
) -> None:
    open_app(page, app)
    new_conversation(page)

    send(page, "are you there? [[sim:fault=http-401]]")

    # Said once, under the reply (not again in the status line).
    expect(page.locator(".msg-error").last).to_contain_text("OPENROUTER_API_KEY")
    wait_reply_done(page)
    user, reply = stored_messages(app)[-2:]
    assert user.content == "are you there? [[sim:fault=http-401]]"
    assert reply.status == "error"
    page.reload()
    open_app(page, app)
    expect(page.locator('.nt-msg[data-role="user"]').last).to_contain_text("are you there?")
