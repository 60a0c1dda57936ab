"""End to end: a streaming reply's finished blocks are drawn as markdown while it streams, the
block being written stays plain text, the finished message is drawn the same, and model output
runs nothing while streaming or after."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from neural_terminal.settings import load_settings
from neural_terminal.simulator.requests.tokenising import ENCODING_NAME, token_pieces
from neural_terminal.tokens.encodings import get_encoding, use_cache_dir
from tests.e2e.conftest import PageWatch
from tests.e2e.server import RunningApp
from tests.e2e.test_chat import new_conversation, open_app, send, wait_reply_done

FINISHED = "#transcript .nt-msg[data-role='assistant']:not([data-status='streaming']) .nt-md"
LIVE_BLOCKS = "#live-blocks"
LIVE_TEXT = "#live-text"

PLAN = (
    "# Plan\n\n"
    "- first point\n- second point\n\n"
    "```python\nx = 1\n\n\ny = 2\n```\n\n"
    "The last paragraph is **still being written** while the blocks above are drawn, "
    "and it goes on for a good while longer before it ends."
)
HOSTILE = (
    'Hostile blocks follow.\n\n<img src=x onerror="window.__pwned=1">\n\n'
    "<script>window.__pwned=2</script>\n\n"
    '<iframe srcdoc="<script>parent.window.__pwned=3</script>"></iframe>\n\n'
    "- [click me](javascript:window.__pwned=4)\n- <javascript:window.__pwned=5>\n\n"
    "A list is finished once the next block has begun.\n\n"
    "The end is still being written, and it goes on for a good while longer before it ends."
)


def _tokens_before(text: str, marker: str) -> int:
    """How many of the simulator's token pieces of ``text`` come before ``marker``."""
    use_cache_dir(load_settings().tiktoken_cache_dir)
    pieces = token_pieces(get_encoding(ENCODING_NAME), text)
    end, count = text.index(marker), 0
    for piece in pieces:
        if end < len(piece):
            break
        end -= len(piece)
        count += 1
    return count


def _stalled(text: str, marker: str, seconds: int) -> str:
    """A message the simulator echoes, pausing ``seconds`` just before ``marker``."""
    return f"[[sim:fault=stall-mid-{_tokens_before(text, marker)}-{seconds}]] /echo {text}"


def _html(page: Page, selector: str) -> str:
    return str(page.locator(selector).last.evaluate("(el) => el.innerHTML"))


def _highlighted(page: Page, selector: str) -> None:
    """Wait until the code blocks in ``selector`` are highlighted (the highlighter loads its
    language asynchronously, and redraws the block once it has)."""
    page.wait_for_function(
        "(s) => [...document.querySelectorAll(s + ' pre')].every("
        "(pre) => pre.querySelector('code span'))",
        arg=selector,
    )


def test_finished_blocks_are_markdown_while_the_last_is_plain_text(
    page: Page, app: RunningApp, watch: PageWatch
) -> None:
    open_app(page, app)
    new_conversation(page)

    send(page, _stalled(PLAN, "being written", 30))

    # Stalled inside the last paragraph: everything above it is drawn as markdown.
    blocks = page.locator(LIVE_BLOCKS)
    expect(blocks.locator("h1")).to_have_text("Plan")
    expect(blocks.locator("ul > li")).to_have_text(["first point", "second point"])
    expect(blocks.locator("pre code")).to_contain_text("y = 2")
    tail = page.locator(LIVE_TEXT)
    expect(tail).to_have_text("The last paragraph is **still")
    expect(tail.locator("strong, ul, pre, h1")).to_have_count(0)
    expect(page.locator("#streaming-reply")).to_have_count(1)
    _highlighted(page, LIVE_BLOCKS)
    live = _html(page, LIVE_BLOCKS)

    page.locator("#stop").click()

    wait_reply_done(page)
    _highlighted(page, FINISHED)
    finished = _html(page, FINISHED)
    # The finished message draws the same blocks, then the rest: nothing above moved.
    assert finished.startswith(live + "\n"), (live, finished)
    expect(page.locator(FINISHED).last).to_contain_text("The last paragraph is **still")
    page.reload()
    open_app(page, app)
    _highlighted(page, FINISHED)
    assert _html(page, FINISHED) == finished
    assert watch.page_errors == []


def test_a_reload_mid_reply_draws_its_finished_blocks_again(page: Page, app: RunningApp) -> None:
    open_app(page, app)
    new_conversation(page)
    send(page, _stalled(PLAN, "being written", 30))
    expect(page.locator(LIVE_BLOCKS).locator("pre code")).to_contain_text("y = 2")

    page.reload()  # mid-reply: the composer stays disabled until the reply ends

    # The page catches up from /api/replies/<id>, which says where the blocks end too.
    blocks = page.locator(LIVE_BLOCKS)
    expect(blocks.locator("h1")).to_have_text("Plan")
    expect(blocks.locator("ul > li")).to_have_text(["first point", "second point"])
    expect(blocks.locator("pre code")).to_contain_text("y = 2")
    expect(page.locator(LIVE_TEXT)).to_have_text("The last paragraph is **still")
    page.locator("#stop").click()
    wait_reply_done(page)


def test_a_completed_reply_is_drawn_like_a_finished_message(
    page: Page, app: RunningApp, watch: PageWatch
) -> None:
    open_app(page, app)
    new_conversation(page)
    # The last state of the live blocks before the reply completed, and the most drawn.
    page.evaluate(
        """() => {
        window.__ntLast = ""; window.__ntMost = 0;
        new MutationObserver(() => {
          const el = document.querySelector("#live-blocks");
          if (!el) return;
          window.__ntLast = el.innerHTML;
          window.__ntMost = Math.max(window.__ntMost, el.childElementCount);
        }).observe(document.body, {subtree: true, childList: true, characterData: true});
        }"""
    )

    send(page, "[[sim:markdown=on]] [[sim:tokens=700]] [[sim:rate=300]] show me")

    wait_reply_done(page)
    assert page.evaluate("window.__ntMost") >= 5
    _highlighted(page, FINISHED)
    finished = _html(page, FINISHED)
    last_live: str = page.evaluate("window.__ntLast")
    # Highlighting may have been pending in the last live state: compare the text as drawn.
    assert _strip_spans(finished).startswith(_strip_spans(last_live)), (last_live, finished)
    page.reload()
    open_app(page, app)
    _highlighted(page, FINISHED)
    assert _html(page, FINISHED) == finished
    assert watch.page_errors == []


def _strip_spans(html: str) -> str:
    """``html`` without the highlighter's token spans (their text kept)."""
    import re

    return re.sub(r"</?span[^>]*>", "", html)


def _runs_nothing(page: Page) -> None:
    transcript = page.locator("#transcript")
    for tag in ("img", "script", "iframe"):
        expect(transcript.locator(tag)).to_have_count(0)
    expect(transcript.locator("a[href^='javascript' i]")).to_have_count(0)
    assert page.evaluate("window.__pwned") is None


def test_streamed_markdown_runs_no_script_while_streaming_or_after(
    page: Page, app: RunningApp, watch: PageWatch
) -> None:
    open_app(page, app)
    new_conversation(page)

    send(page, _stalled(HOSTILE, "still being written", 12))

    blocks = page.locator(LIVE_BLOCKS)
    expect(blocks.locator("li")).to_have_count(2)
    expect(blocks).to_contain_text('<img src=x onerror="window.__pwned=1">')
    expect(blocks).to_contain_text("<script>window.__pwned=2</script>")
    expect(blocks).to_contain_text("<iframe srcdoc=")
    expect(page.locator("#streaming-reply")).to_have_count(1)
    _runs_nothing(page)

    wait_reply_done(page)
    reply = page.locator(FINISHED).last
    expect(reply).to_contain_text("still being written, and it goes on")
    expect(reply).to_contain_text("<script>window.__pwned=2</script>")
    _runs_nothing(page)
    assert watch.dialogs == []
