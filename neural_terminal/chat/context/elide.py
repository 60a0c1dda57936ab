"""Cutting the middle out of a message too large for the whole window, visibly."""

from __future__ import annotations

from neural_terminal.tokens.counter import TokenCounter

ELISION_MARKER = (
    "\n\n[… {dropped:,} tokens of this message were left out here to fit the context window …]\n\n"
)


def elide_middle(counter: TokenCounter, text: str, max_tokens: int, encoding: str) -> str | None:
    """``text`` with its middle replaced by a marker so it counts at most ``max_tokens``.

    Keeps the start and the end (instructions tend to sit at both). Returns None when even
    the marker does not fit. Cuts fall on whole characters; the result is recounted because
    tokens can merge differently across the joins.
    """
    tokens = counter.encode(text, encoding)
    if len(tokens) <= max_tokens:
        return text
    codec = counter.encoding(encoding)
    keep = max_tokens - counter.count_text(ELISION_MARKER.format(dropped=len(tokens)), encoding)
    while keep > 0:
        head_n = keep // 2 + keep % 2
        tail_n = keep // 2
        # A token can end inside a UTF-8 character: drop the partial bytes at each cut.
        head = codec.decode_bytes(tokens[:head_n]).decode("utf-8", errors="ignore")
        tail = codec.decode_bytes(tokens[len(tokens) - tail_n :]).decode("utf-8", errors="ignore")
        elided = head + ELISION_MARKER.format(dropped=len(tokens) - keep) + tail
        over = counter.count_text(elided, encoding) - max_tokens
        if over <= 0:
            return elided
        keep -= max(over, 1)
    return None
