"""Following a reply that this tab is not streaming itself: one started by another tab, or by
a worker that has since died (the page reconnected to another one).

The tab that sends a reply streams it to its own page. Any other view of that conversation,
and the sending tab itself after its worker died, follows the reply instead: a few times a
second it reads the text so far (from this worker's stream, the Redis mirror of another
worker's, or the database's checkpoint) and appends what the page lacks, as the streaming tab
would; when the reply leaves ``streaming`` (finished, stopped, or given up because its
worker's lease expired) the transcript is read again, with the reply's final text and cost.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

import reflex as rx

from neural_terminal.bootstrap import services
from neural_terminal.domain.conversations import MessageStatus
from neural_terminal.ui.chat.live_script import append_script
from neural_terminal.ui.chat.page_calls import run_in_page
from neural_terminal.ui.chat.views import MessageView

FOLLOW_EVERY_S = 0.25


class FollowVars(rx.State, mixin=True):
    """Which reply this tab follows, and the background handler that does it."""

    # The reply being followed (0: none); the worker whose task streams this tab's own reply.
    _following: int = 0
    _streamed_by: str = ""

    def _own_stream_alive(self) -> bool:
        """True when this tab's own reply is still streaming in this worker's task."""
        app = services()
        return (
            self._streamed_by == app.sharing.worker_id
            and bool(getattr(self, "active_id", 0))
            and app.chat.is_streaming(getattr(self, "active_id", 0))
        )

    def _follow_live_reply(self, rows: Iterable[MessageView]) -> Any:
        """After a transcript is shown: follow its reply in progress unless this tab's own
        task streams it; the handler to start, or None."""
        live = [row.id for row in rows if row.status == MessageStatus.STREAMING.value]
        if not live or self._own_stream_alive():
            return None
        self._following = live[-1]
        return type(self).follow_reply

    @rx.event(background=True)
    async def follow_reply(self) -> None:
        """Append the followed reply's new text until it ends, then show it as stored."""
        async with self:
            reply_id = self._following
            conversation_id = int(getattr(self, "active_id", 0))
        if not reply_id:
            return
        chat = services().chat
        shown = 0
        while True:
            message = await asyncio.to_thread(chat.message, reply_id)
            if message is None or message.status != MessageStatus.STREAMING.value:
                break
            text = await chat.reply_text(reply_id)
            if text is not None and len(text) > shown:
                await run_in_page(append_script(reply_id, shown, text[shown:]))
                shown = len(text)
            await asyncio.sleep(FOLLOW_EVERY_S)
            async with self:
                if self._following != reply_id or getattr(self, "active_id", 0) != conversation_id:
                    return  # the tab moved on (another conversation, or its own reply)
        async with self:
            if self._following != reply_id:
                return
            self._following = 0
            self._followed_reply_ended(conversation_id)

    def _followed_reply_ended(self, conversation_id: int) -> None:
        """The state's own hook: show the conversation as stored now."""
        raise NotImplementedError
