"""The page's live text is exactly the reply: in order, nothing dropped, also after a reload."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.server import RunningApp
from tests.e2e.test_chat import new_conversation, open_app, send, stored_messages, wait_reply_done

# Keeps the last text the live element showed before the finished message replaced it.
RECORD_LIVE_TEXT = """
() => {
  window.__ntLive = "";
  window.__ntLiveUpdates = 0;
  new MutationObserver(() => {
    const el = document.getElementById('live-text');
    if (el && el.textContent !== window.__ntLive) {
      window.__ntLive = el.textContent;
      window.__ntLiveUpdates += 1;
    }
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}
"""

MIXED = 'héllo 中文 🙂 «quotes» "double" </script> \\ back ' * 60


def test_live_text_equals_the_stored_reply_exactly(page: Page, app: RunningApp) -> None:
    open_app(page, app)
    new_conversation(page)
    page.evaluate(RECORD_LIVE_TEXT)

    send(page, "//echo [[sim:rate=400]]" + MIXED)  # // sends a leading /

    wait_reply_done(page)
    reply = stored_messages(app)[-1]
    assert reply.status == "complete"
    assert page.evaluate("window.__ntLive") == reply.content == MIXED
    assert page.evaluate("window.__ntLiveUpdates") >= 3


def test_a_fast_stream_arrives_whole(page: Page, app: RunningApp) -> None:
    open_app(page, app)
    new_conversation(page)
    page.evaluate(RECORD_LIVE_TEXT)

    send(page, "[[sim:tokens=3000]] [[sim:rate=2000]] a fast one")

    wait_reply_done(page)
    reply = stored_messages(app)[-1]
    assert reply.completion_tokens == 3000
    assert page.evaluate("window.__ntLive") == reply.content


def test_a_reload_mid_reply_ends_with_the_exact_text(page: Page, app: RunningApp) -> None:
    open_app(page, app)
    new_conversation(page)
    # Ten seconds of reply, so the reload lands mid-reply even on a slow, busy machine.
    send(page, "[[sim:tokens=800]] [[sim:rate=80]] tell me about reloads")
    expect(page.locator("#live-text")).to_contain_text("reload", timeout=20_000)

    page.reload()

    expect(page.locator("#live-text")).to_be_attached(timeout=30_000)
    page.evaluate(RECORD_LIVE_TEXT)
    # The resynchronised text so far is a prefix of the reply, and then it keeps growing.
    expect(page.locator("#live-text")).to_contain_text("reload")
    wait_reply_done(page)
    reply = stored_messages(app)[-1]
    assert reply.status == "complete"
    assert page.evaluate("window.__ntLive") == reply.content
    expect(page.locator('.nt-msg[data-role="assistant"]')).to_have_count(1)


# Drops every other batch for the first N batches, as a dropped connection would lose them.
LOSE_BATCHES = """
(n) => {
  const original = window.ntLive.append.bind(window.ntLive);
  let seen = 0;
  window.__ntLost = 0;
  window.ntLive.append = (id, offset, chunk) => {
    seen += 1;
    if (seen <= n && seen % 2 === 0) { window.__ntLost += 1; return; }
    original(id, offset, chunk);
  };
}
"""


def test_lost_batches_are_recovered_exactly(page: Page, app: RunningApp) -> None:
    open_app(page, app)
    new_conversation(page)
    page.evaluate(RECORD_LIVE_TEXT)
    page.evaluate(LOSE_BATCHES, 20)

    send(page, "[[sim:tokens=600]] [[sim:rate=200]] " + "ünïcødé 🙂 lost and found")

    wait_reply_done(page)
    reply = stored_messages(app)[-1]
    assert page.evaluate("window.__ntLost") == 10  # ten batches never reached the page
    assert page.evaluate("window.__ntLive") == reply.content


def test_a_long_reply_is_drawn_in_blocks_of_plain_text(page: Page, app: RunningApp) -> None:
    open_app(page, app)
    new_conversation(page)
    page.evaluate(RECORD_LIVE_TEXT)

    send(page, "[[sim:tokens=2000]] [[sim:rate=2000]] a long one")
    # The last of it is still drawn live, in several blocks: each append lays out one.
    page.wait_for_function("document.querySelectorAll('#live-text > .nt-chunk').length > 2")
    # Text nodes only (and the page's own cursor, empty, after the last text).
    blocks = page.evaluate(
        """() => [...document.querySelectorAll('#live-text > *')].map((block) => [
             block.className,
             [...block.childNodes].every((node) => node.nodeType === Node.TEXT_NODE
               || (node.className === 'nt-cursor' && node.childNodes.length === 0)),
           ])"""
    )
    assert all(name == "nt-chunk" and only_text for name, only_text in blocks)
    assert page.locator("#live-text .nt-cursor").count() == 1

    wait_reply_done(page)
    reply = stored_messages(app)[-1]
    assert page.evaluate("window.__ntLive") == reply.content


# How far the transcript is from its bottom, in CSS pixels.
DISTANCE = """() => {
  const t = document.getElementById('transcript');
  return t.scrollHeight - t.scrollTop - t.clientHeight;
}"""
LIVE_POINTS = "() => window.ntLive.points"


def test_the_transcript_follows_the_reply_until_the_reader_scrolls_up(
    page: Page, app: RunningApp
) -> None:
    open_app(page, app)
    new_conversation(page)
    send(page, "[[sim:tokens=5000]] [[sim:rate=200]] follow me")

    # Following: the text outgrows the transcript and the bottom stays in view.
    page.wait_for_function(
        "() => { const t = document.getElementById('transcript');"
        " return t.scrollHeight > 1.5 * t.clientHeight"
        " && t.scrollHeight - t.scrollTop - t.clientHeight < 48; }",
        timeout=60_000,
    )

    # The reader scrolls up with the wheel: the page stops following (the text grows below).
    page.locator("#transcript").hover()
    page.mouse.wheel(0, -600)
    page.wait_for_function(f"({DISTANCE})() > 300")
    top = page.evaluate("document.getElementById('transcript').scrollTop")
    away = page.evaluate(DISTANCE)
    points = page.evaluate(LIVE_POINTS)
    page.wait_for_function(f"({LIVE_POINTS})() > {points + 800}", timeout=60_000)
    assert page.evaluate("document.getElementById('transcript').scrollTop") <= top
    assert page.evaluate(DISTANCE) > away

    # Back at the bottom: following again, as the text goes on growing.
    page.mouse.wheel(0, 100_000)
    page.wait_for_function(f"({DISTANCE})() < 48")
    points = page.evaluate(LIVE_POINTS)
    page.wait_for_function(f"({LIVE_POINTS})() > {points + 800}", timeout=60_000)
    page.wait_for_function(f"({DISTANCE})() < 48")  # (a frame after the text, at most)
    page.locator("#stop").click()
    wait_reply_done(page)
