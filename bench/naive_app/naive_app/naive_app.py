"""The naive streaming recipe, run for real: one state update per token (reflex-chat's way).

A background handler appends each token to a string var inside ``async with self``, so
every token sends the whole answer so far, and the page renders it as markdown again. The
tokens and their rate come from the bench (``NAIVE_PIECES``: a JSON file of
``{"pieces": [...], "rate": tokens_per_s}``), so the text is the one our app streamed.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path

import reflex as rx


class NaiveState(rx.State):
    """The answer being streamed, whole."""

    answer: str = ""
    streaming: bool = False

    @rx.event(background=True)
    async def stream(self) -> None:
        """Append one token at a time at the bench's rate, as reflex-chat does."""
        spec = json.loads(await asyncio.to_thread(Path(os.environ["NAIVE_PIECES"]).read_text))
        pieces: list[str] = spec["pieces"]
        interval = 1 / float(spec["rate"])
        async with self:
            self.answer = ""
            self.streaming = True
        started = time.monotonic()
        for index, piece in enumerate(pieces):
            # Paced by the clock, like an upstream that writes at a fixed rate.
            await asyncio.sleep(max(0.0, started + index * interval - time.monotonic()))
            async with self:
                self.answer += piece
        async with self:
            self.streaming = False


def index() -> rx.Component:
    """A button and the answer, as markdown."""
    page: rx.Component = rx.box(
        rx.button("go", id="go", on_click=NaiveState.stream),
        rx.cond(NaiveState.streaming, rx.text("streaming", id="streaming")),
        rx.cond(~NaiveState.streaming & (NaiveState.answer != ""), rx.text("done", id="done")),
        rx.box(rx.markdown(NaiveState.answer), id="answer", max_height="90vh", overflow_y="auto"),
        padding="16px",
    )
    return page


app = rx.App()
app.add_page(index)
