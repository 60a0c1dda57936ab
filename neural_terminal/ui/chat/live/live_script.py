"""The script call that appends a batch of reply text in the page (see assets/terminal.js)."""

from __future__ import annotations

import json
from collections.abc import Sequence


def append_script(
    message_id: int,
    offset: int,
    text: str,
    cost: str | None = None,
    block_ends: Sequence[int] = (),
) -> str:
    """JavaScript that appends ``text`` at code-point ``offset`` of reply ``message_id``.

    ``json.dumps`` makes the text a JavaScript string literal, so model output can never
    become code; the page inserts it as a text node, or hands a finished block to the same
    markdown renderer (no raw HTML) as a finished message, so it never becomes markup either.
    A live cost and where finished markdown blocks end ride in the same call when due: one
    frame per batch, not two.
    """
    extra = f",{json.dumps(cost)}" if cost is not None else ""
    if block_ends:
        # No cost this time: undefined, which a page script of any age skips.
        extra = extra or ",void 0"
        extra += f",{json.dumps([int(end) for end in block_ends])}"
    return (
        f"window.ntLive&&window.ntLive.append({int(message_id)},{int(offset)},"
        f"{json.dumps(text)}{extra})"
    )


def cost_script(message_id: int, cost: str) -> str:
    """JavaScript that shows the live cost estimate of reply ``message_id`` (a literal too)."""
    return f"window.ntLive&&window.ntLive.cost({int(message_id)},{json.dumps(cost)})"
