"""Deterministic reply text: the same conversation always gets the same answer."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from decimal import Decimal

from neural_terminal.simulator.replying import wordbank

ECHO_PREFIX = "/echo "
_MARKDOWN_WORDS = re.compile(r"\b(code|markdown|examples?|lists?|snippets?)\b", re.IGNORECASE)
_TOPIC_WORDS = 8


def reply_text(prompt: str, seed: bytes, *, markdown: bool = False) -> str:
    """The reply to a last user message ``prompt`` (directives already removed); ``markdown``:
    in markdown whatever the prompt says."""
    if prompt.lstrip().startswith(ECHO_PREFIX):
        # Verbatim, for tests that need exact content (HTML, control characters, ...).
        return prompt.lstrip().removeprefix(ECHO_PREFIX)
    rng = random.Random(seed)
    if markdown or wants_markdown(prompt):
        return _markdown_reply(_topic(prompt), rng)
    return _prose_reply(_topic(prompt), rng)


def wants_markdown(prompt: str) -> bool:
    """True when the prompt asks for code, markdown, a list or an example."""
    return _MARKDOWN_WORDS.search(prompt) is not None


def filler_sentences(seed: bytes) -> Iterator[str]:
    """Word-bank sentences without end, in an order fixed by ``seed``; pads replies to N tokens."""
    rng = random.Random(seed + b"filler")
    while True:
        yield from rng.sample(wordbank.SENTENCES, len(wordbank.SENTENCES))


def filler_blocks(seed: bytes) -> Iterator[str]:
    """Markdown blocks without end (paragraphs, lists, code with blank lines, headings,
    quotes, tables), each after a blank line; pads markdown replies to N tokens."""
    rng = random.Random(seed + b"blocks")
    sentences = filler_sentences(seed)
    while True:
        kind = rng.choice(_BLOCK_KINDS)
        if kind == "paragraph":
            block = " ".join(next(sentences) for _ in range(rng.choice((1, 2, 3))))
        elif kind == "list":
            block = "\n".join(f"- {bullet}" for bullet in rng.sample(wordbank.BULLETS, 3))
        elif kind == "ordered":
            block = "\n".join(f"{n}. {next(sentences)}" for n in range(1, 4))
        elif kind == "code":
            block = f"```python\n{rng.choice(wordbank.SNIPPETS)}\n```"
        elif kind == "heading":
            block = f"## {rng.choice(wordbank.TITLES).format(topic='streams')}"
        elif kind == "quote":
            block = f"> {next(sentences)}"
        else:
            block = "| tokens | cost |\n|---:|---:|\n" + "\n".join(
                f"| {n * 1000:,} | ${n * _PRICE_PER_1K:.4f} |" for n in range(1, 4)
            )
        yield f"\n\n{block}"


_PRICE_PER_1K = Decimal("0.0015")
_BLOCK_KINDS = ("paragraph", "paragraph", "list", "ordered", "code", "heading", "quote", "table")


def _topic(prompt: str) -> str | None:
    words = prompt.split()
    if not words:
        return None
    quote = " ".join(words[:_TOPIC_WORDS])
    if len(words) > _TOPIC_WORDS:
        return quote + "…"
    return quote.rstrip("?!.,;:") or quote


def _opener(topic: str | None, rng: random.Random) -> str:
    if topic is None:
        return "Here is what the simulator has to say."
    return rng.choice(wordbank.OPENERS).format(topic=topic)


def _prose_reply(topic: str | None, rng: random.Random) -> str:
    sentences = rng.sample(wordbank.SENTENCES, rng.choice((2, 3)))
    return " ".join([_opener(topic, rng), *sentences, rng.choice(wordbank.CLOSERS)])


def _markdown_reply(topic: str | None, rng: random.Random) -> str:
    title = rng.choice(wordbank.TITLES).format(topic=topic or "streams and tokens")
    bullets = "\n".join(f"- {bullet}" for bullet in rng.sample(wordbank.BULLETS, 3))
    snippet = rng.choice(wordbank.SNIPPETS)
    return (
        f"# {title}\n\n{_opener(topic, rng)} {rng.choice(wordbank.SENTENCES)}\n\n"
        f"## Key points\n\n{bullets}\n\n"
        f"## Example\n\n```python\n{snippet}\n```\n\n{rng.choice(wordbank.CLOSERS)}"
    )
