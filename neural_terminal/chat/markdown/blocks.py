"""Where a streaming markdown reply's finished top-level blocks end.

The page draws each finished block of a reply as markdown while the rest streams in as plain
text (assets/terminal.js). A block is finished when nothing that can still arrive would parse
it differently: the reply cut there and parsed in two parts gives the same blocks as parsed
whole. That is decided with markdown-it-py (CommonMark, the same block rules as the page's
micromark, plus GFM tables), conservatively. A cut is made only where a line ends, never
inside a code fence, an HTML block or a ``$$`` math block (remark-math), and only

- where a block ends and the next one has begun after a blank line, or right after a
  heading, a rule or a closed fence (the earlier block is closed for good);
- after the last block when it is a heading, a rule or a closed fence, or a paragraph, a
  table or a quote followed by a blank line, which nothing can continue. A list or indented
  code waits for the next block: a blank line does not end them.

Two blocks merged are always drawn right (they are parsed together), so every doubt merges.
While streaming, a cut hides what only the whole document knows: a link reference definition
or a footnote written after the block that uses it. The finished message, parsed whole, has it.

The work per piece is bounded: only complete lines are parsed, only after a line that could end
a block, and the block being written is parsed again, once past ``SMALL`` characters, only
after it grew by a quarter or after a fence line (so a huge block costs a few parses, not
one per line; a huge list may be drawn a little after it ended).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import cache

from markdown_it import MarkdownIt
from markdown_it.token import Token

SMALL = 2048
# markdown-it numbers lines after turning \r\n and \r into \n, as micromark does.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_BLANK = re.compile(r"[ \t]*")
# A line after which a block may be finished: a heading, a setext underline, a rule, a fence.
_MAY_CLOSE = re.compile(
    r" {0,3}(?:#{1,6}(?:[ \t]|$)|=+[ \t]*$|-+[ \t]*$|([-*_])(?:[ \t]*\1){2,}[ \t]*$|`{3,}|~{3,})"
)
_FENCE = re.compile(r" {0,3}(?:`{3,}|~{3,})")
_MATH_FENCE = re.compile(r" {0,3}(\${2,})([^$]*)$")
_CLOSED_BY_BLANK = frozenset({"paragraph_open", "table_open", "blockquote_open"})


@cache
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    md.core.ruler.disable(["inline", "text_join"])  # only the block structure is needed
    return md


@dataclass(frozen=True)
class _Block:
    """One top-level block: its first line, the line after its last, and whether it is shut."""

    kind: str
    start: int
    end: int
    shut: bool  # a heading, a rule or a closed fence: no later line can extend it


def _lines(text: str) -> list[tuple[int, str]]:
    """Every complete line of ``text``: its offset and its content (line break left out)."""
    lines, start = [], 0
    for match in _LINE_BREAK.finditer(text):
        lines.append((start, text[start : match.start()]))
        start = match.end()
    return lines


def _blocks(text: str, lines: list[tuple[int, str]]) -> list[_Block]:
    blocks = []
    for token in _parser().parse(text):
        if token.level != 0 or token.nesting < 0 or token.map is None:
            continue
        start, end = token.map
        blocks.append(_Block(token.type, start, end, _is_shut(token, lines)))
    return blocks


def _is_shut(token: Token, lines: list[tuple[int, str]]) -> bool:
    if token.type in ("heading_open", "hr"):
        return True
    if token.type != "fence" or token.map is None:
        return False
    start, end = token.map
    if end - start < 2 or end > len(lines):
        return False
    # An unclosed fence runs to the end of the text; a closed one ends on its closing line.
    last = lines[end - 1][1].lstrip(" ")
    marker = token.markup
    return (
        len(lines[end - 1][1]) - len(last) <= 3
        and last.startswith(marker)
        and not last.lstrip(marker[0]).strip(" \t")
    )


def _math_open_at(lines: list[tuple[int, str]], blocks: list[_Block]) -> list[bool]:
    """For each line, whether a ``$$`` math block (outside code) is open before it."""
    code = {
        line
        for block in blocks
        if block.kind in ("fence", "code_block")
        for line in range(block.start, block.end)
    }
    open_before, fence = [], ""
    for number, (_, content) in enumerate(lines):
        open_before.append(bool(fence))
        match = None if number in code else _MATH_FENCE.fullmatch(content)
        if match is None:
            continue
        if not fence:
            fence = match.group(1)
        elif len(match.group(1)) >= len(fence) and not match.group(2).strip():
            fence = ""
    open_before.append(bool(fence))
    return open_before


def cut_points(text: str) -> list[int]:
    """Offsets in ``text`` (at line starts) where its finished top-level blocks end.

    Only the complete lines of ``text`` are read: a partial last line could still become
    anything.
    """
    complete = text[: _complete_length(text)]
    lines = _lines(complete)
    blocks = _blocks(complete, lines)
    math_open = _math_open_at(lines, blocks)

    def blank(number: int) -> bool:
        return _BLANK.fullmatch(lines[number][1]) is not None

    ends: list[int] = []
    for before, after in itertools.pairwise(blocks):
        if before.shut or blank(after.start - 1):
            ends.append(before.end)
    if blocks:
        last = blocks[-1]
        if last.shut or (last.kind in _CLOSED_BY_BLANK and last.end < len(lines)):
            ends.append(last.end)
    offsets = [
        lines[end][0] if end < len(lines) else len(complete)
        for end in ends
        if not math_open[end] and end > 0
    ]
    return sorted(set(offsets))


@dataclass
class BlockSplitter:
    """Fed a reply piece by piece; says where each newly finished block ends.

    ``feed`` returns offsets counted in code points from the start of the reply (what the
    page counts in), each at most once and in order.
    """

    settled: int = 0  # code points of the reply in finished blocks
    _open: str = ""  # the rest: the block being written, then a partial line
    _seen: int = 0  # length of ``_open``'s complete lines when last looked at
    _parsed: int = 0  # ... when last parsed (0: not since the last cut)
    _blank: bool = True  # the last complete line looked at was blank (or there was none)
    _pending: bool = False  # a line that may finish a block arrived since the last parse
    parsed_chars: int = 0  # characters parsed so far: linear in the reply (see the module)

    def feed(self, text: str) -> list[int]:
        """The ends of the blocks ``text`` finished (none while a line is still partial)."""
        ended_in_cr = self._open.endswith("\r")
        self._open += text
        if not ended_in_cr and "\n" not in text and "\r" not in text:
            return []  # no line was completed
        complete = _complete_length(self._open)
        if complete <= self._seen:
            return []
        may, fence, self._blank = _may_close(self._open, self._seen, complete, self._blank)
        self._pending = self._pending or may
        self._seen = complete
        grown = (complete - self._parsed) * 4 >= complete
        if not self._pending or (complete > SMALL and not grown and not fence):
            return []
        self._parsed = complete
        self._pending = False
        self.parsed_chars += complete
        cuts = cut_points(self._open[:complete])
        if not cuts:
            return []
        base, cut = self.settled, cuts[-1]
        self.settled += cut
        self._open = self._open[cut:]
        self._seen -= cut
        self._parsed = 0
        return [base + c for c in cuts]


def block_ends(text: str) -> list[int]:
    """Where the finished blocks of a reply's ``text`` so far end (for a page catching up)."""
    return BlockSplitter().feed(text)


def _complete_length(text: str) -> int:
    """Length of ``text``'s complete lines (a trailing \\r may yet be the start of \\r\\n)."""
    return max(text.rfind("\n"), text.rfind("\r", 0, len(text) - 1)) + 1


def _may_close(text: str, start: int, end: int, blank: bool) -> tuple[bool, bool, bool]:
    """Whether a line of ``text[start:end]`` could finish a block (a blank line, one after a
    blank line, a heading, an underline, a rule or a fence), whether one is a fence (which
    ends a long code block: parsed even when the block is long), and if the last is blank."""
    may = fence = False
    for match in _LINE_BREAK.finditer(text, start, end):
        line = text[start : match.start()]
        was_blank, blank = blank, _BLANK.fullmatch(line) is not None
        may = may or blank or was_blank or _MAY_CLOSE.match(line) is not None
        fence = fence or _FENCE.match(line) is not None
        start = match.end()
    return may, fence, blank
