"""The block splitter: cuts only where the reply parses the same in parts as whole,
wherever the stream was split, and with bounded work per piece."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neural_terminal.chat.markdown.blocks import SMALL, BlockSplitter, block_ends, cut_points
from neural_terminal.chat.markdown.blocks import _parser as parser

FENCE_WITH_BLANKS = "Intro line.\n\n```python\nx = 1\n\n\ny = 2\n```\n\nAfter the code.\n\n"
LOOSE_LIST = "- one\n\n- two\n\n  still two\n\n- three\n\nA paragraph.\n\n"
SETEXT = "Title\n=====\nBody text\n\nSub\n---\n\nmore\n"
QUOTE = "> quoted\nlazy line\n\n> another\n\nplain\n\n"
TABLE = "| a | b |\n|---|---|\n| 1 | 2 |\n\n# Next\nline\n\n"
HTML_BLOCK = "<script>\nalert(1)\n\nstill script\n</script>\n\n<div>\n\ntext\n\n"
MATH = "Euler:\n\n$$\ne^{i\\pi}\n\n+ 1 = 0\n$$\n\ndone\n\n"
INDENTED_CODE = "para\n\n    code one\n\n    code two\n\nback\n\n"
MIXED = (
    "# Heading\n\nSome *text*.\n\n1. first\n2. second\n\n```\nfenced\n\n\n```\n"
    "> quote\n\n---\n\n| x |\n|---|\n| y |\n\nTail of the reply"
)
DOCUMENTS = {
    "fence-with-blank-lines": FENCE_WITH_BLANKS,
    "loose-list": LOOSE_LIST,
    "setext-headings": SETEXT,
    "quote-and-lazy-line": QUOTE,
    "table": TABLE,
    "html-blocks": HTML_BLOCK,
    "math-block": MATH,
    "indented-code": INDENTED_CODE,
    "mixed": MIXED,
    "crlf": MIXED.replace("\n", "\r\n"),
}


def _blocks(text: str, cuts: list[int]) -> list[str]:
    return [text[a:b] for a, b in zip([0, *cuts[:-1]], cuts, strict=True)]


def _shape(text: str) -> list[tuple[str, str, str, str]]:
    """What a parse yields, line numbers aside (they shift when a text is cut)."""
    return [(t.type, t.tag, t.markup, t.content) for t in parser().parse(text)]


def _parses_like_whole(text: str, cuts: list[int]) -> bool:
    parts = _blocks(text, [*cuts, len(text)])
    return [s for part in parts for s in _shape(part)] == _shape(text)


@pytest.mark.parametrize(
    ("text", "blocks"),
    [
        pytest.param(
            FENCE_WITH_BLANKS,
            ["Intro line.\n", "\n```python\nx = 1\n\n\ny = 2\n```\n", "\nAfter the code.\n"],
            id="fence-with-blank-lines",
        ),
        pytest.param(
            LOOSE_LIST,
            ["- one\n\n- two\n\n  still two\n\n- three\n\n", "A paragraph.\n"],
            id="loose-list-waits-for-the-next-block",
        ),
        pytest.param(SETEXT, ["Title\n=====\n", "Body text\n", "\nSub\n---\n"], id="setext"),
        pytest.param(QUOTE, ["> quoted\nlazy line\n", "\n> another\n", "\nplain\n"], id="quote"),
        pytest.param(
            HTML_BLOCK,
            ["<script>\nalert(1)\n\nstill script\n</script>\n", "\n<div>\n", "\ntext\n"],
            id="html-block-spans-blank-lines",
        ),
        pytest.param(MATH, ["Euler:\n", "\n$$\ne^{i\\pi}\n\n+ 1 = 0\n$$\n\n", "done\n"], id="math"),
        pytest.param(
            INDENTED_CODE,
            ["para\n", "\n    code one\n\n    code two\n", "\nback\n"],
            id="indented-code",
        ),
    ],
)
def test_finished_blocks(text: str, blocks: list[str]) -> None:
    cuts = cut_points(text)
    assert _blocks(text, cuts) == blocks
    assert _parses_like_whole(text, cuts)


@pytest.mark.parametrize("text", DOCUMENTS.values(), ids=DOCUMENTS.keys())
def test_any_split_of_the_stream_cuts_the_same(text: str) -> None:
    whole = block_ends(text)
    assert _parses_like_whole(text, whole)
    for at in range(len(text) + 1):
        splitter = BlockSplitter()
        cuts = splitter.feed(text[:at]) + splitter.feed(text[at:])
        assert cuts == whole, f"split at {at}"
    splitter = BlockSplitter()
    assert [cut for char in text for cut in splitter.feed(char)] == whole


def test_a_partial_line_is_never_cut_on() -> None:
    # "2" alone would end the list as a paragraph; "2. b" continues it.
    splitter = BlockSplitter()
    assert splitter.feed("1. a\n\n2") == []
    assert splitter.feed(". b\n\nafter\n") == [len("1. a\n\n2. b\n\n")]


def test_a_heading_is_finished_at_the_end_of_its_line() -> None:
    splitter = BlockSplitter()
    assert splitter.feed("## Done") == []
    assert splitter.feed("\nnext") == [len("## Done\n")]


def test_an_unclosed_fence_holds_everything_after_it() -> None:
    text = "```\n# not a heading\n\n- not a list\n\n"
    assert cut_points(text) == []
    assert cut_points(text + "```\n") == [len(text) + 4]


def _parsed_chars(lines: list[str]) -> tuple[int, list[int], str]:
    splitter = BlockSplitter()
    cuts = [cut for line in lines for cut in splitter.feed(line)]
    return splitter.parsed_chars, cuts, "".join(lines)


@pytest.mark.parametrize("lines", [4000, 8000])
def test_a_huge_block_costs_parses_linear_in_its_size(lines: int) -> None:
    # A fence of code with a blank line after every line, then a paragraph, line by line.
    body = [f"line {n}\n\n" for n in range(lines)]
    parsed, cuts, text = _parsed_chars(["```\n", *body, "```\n", "\n", "after\n", "\n"])
    fence_end = text.index("\nafter")
    assert cuts == [fence_end, fence_end + len("\nafter\n")]
    assert len(text) > 20 * SMALL
    half, _, half_text = _parsed_chars(["```\n", *body[: lines // 2], "```\n"])
    # Twice the text, about twice the parsing (a parse per line would be four times).
    assert parsed / half < 1.25 * len(text) / len(half_text)
    assert parsed < 12 * len(text)


_PIECES = st.sampled_from(
    [
        "para text\n",
        "more *inline* text\n",
        "\n",
        "\n\n",
        "# head\n",
        "Setext\n===\n",
        "---\n",
        "- item\n",
        "  indented continuation\n",
        "1. ordered\n",
        "> quote\n",
        "```\n",
        "~~~py\n",
        "    code\n",
        "$$\n",
        "| a | b |\n|---|---|\n",
        "| 1 | 2 |\n",
        "<div>\n",
        "<pre>\n",
        "</pre>\n",
        "[ref]: http://example.com\n",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=25), st.lists(st.integers(min_value=1, max_value=40)))
def test_cuts_parse_like_the_whole_however_it_streams(pieces: list[str], sizes: list[int]) -> None:
    text = "".join(pieces)
    splitter = BlockSplitter()
    cuts: list[int] = []
    at = 0
    for size in [*sizes, len(text)]:
        cuts += splitter.feed(text[at : at + size])
        at += size
    assert cuts == sorted(set(cuts))
    assert _parses_like_whole(text, cuts)
