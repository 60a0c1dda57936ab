"""The script call that appends a batch of reply text in the page (see assets/terminal.js)."""

from __future__ import annotations

import json


def append_script(message_id: int, offset: int, text: str, cost: str | None = None) -> str:
    """JavaScript that appends ``text`` at code-point ``offset`` of reply ``message_id``.

    ``json.dumps`` makes the text a JavaScript string literal, so model output can never
    become code; the page inserts it as a text node, so it never becomes markup either. A
    live cost rides in the same call when one is due: one frame per batch, not two.
    """
    extra = f",{json.dumps(cost)}" if cost is not None else ""
    return (
        f"window.ntLive&&window.ntLive.append({int(message_id)},{int(offset)},"
        f"{json.dumps(text)}{extra})"
    )


def cost_script(message_id: int, cost: str) -> str:
    """JavaScript that shows the live cost estimate of reply ``message_id`` (a literal too)."""
    return f"window.ntLive&&window.ntLive.cost({int(message_id)},{json.dumps(cost)})"
