"""Tabs in step: a tab follows changes to its conversation made elsewhere, and a reply that it
is not streaming itself (one started by another tab, or by a worker that has since died).

Each tab has one watcher on the worker that holds its socket (``watch_tab``): when another
tab (on any worker) adds messages, switches the branch or renames the conversation, the
transcript is read again; a new reply in progress is then followed.

The tab that sends a reply streams it to its own page. Any other view of that conversation,
and the sending tab itself after its worker died, follows the reply instead: a few times a
second it reads the text so far (from this worker's stream, the Redis mirror of another
worker's, or the database's checkpoint) and appends what the page lacks, as the streaming tab
would; when the reply leaves ``streaming`` (finished, stopped, or given up because its
worker's lease expired) the transcript is read again, with the reply's final text and cost.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import reflex as rx

from neural_terminal.bootstrap import services
from neural_terminal.chat.markdown.blocks import BlockSplitter
from neural_terminal.chat.watch import Signature
from neural_terminal.domain.conversations import MessageStatus
from neural_terminal.ui.chat.live.live_script import append_script
from neural_terminal.ui.chat.live.page_calls import run_in_page
from neural_terminal.ui.chat.live.tab_sockets import connected_here

FOLLOW_EVERY_S = 0.25
# A watcher checks that its tab's socket is still here at least this often, and a tab
# without a conversation whether it has one now (its first send) this often.
WATCH_TIMEOUT_S = 15.0
NEW_CONVERSATION_CHECK_S = 0.5

# The newest watcher of each tab in this process: an older one (the page reloaded, another
# conversation opened) sees it is superseded and ends.
_watchers: dict[str, int] = {}
# What a tab has just shown of its conversation itself (at the end of its own turn): its
# watcher, waking for that very change, has nothing to read again.
_shown_as_of: dict[str, Signature | None] = {}
# The conversation each tab shows, as its state's handlers last said (FollowVars._note_showing).
_showing: dict[str, int] = {}


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

    @rx.event(background=True)
    async def follow_reply(self) -> None:
        """Append the followed reply's new text until it ends, then show it as stored."""
        async with self:
            reply_id = self._following
            conversation_id = int(getattr(self, "active_id", 0))
        if not reply_id:
            return
        chat = services().chat
        splitter = BlockSplitter()  # finished markdown blocks, as the streaming tab is told
        shown = 0
        while True:
            message = await asyncio.to_thread(chat.message, reply_id)
            if message is None or message.status != MessageStatus.STREAMING.value:
                break
            text = await chat.reply_text(reply_id)
            if text is not None and len(text) > shown:
                fresh = text[shown:]
                ends = splitter.feed(fresh)
                await run_in_page(append_script(reply_id, shown, fresh, block_ends=ends))
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

    def _conversation_changed(self, before: Signature | None, after: Signature | None) -> Any:
        """The state's own hook: show what another tab changed; a handler to start, or None."""
        raise NotImplementedError

    def _note_shown_now(self) -> None:
        """This tab has just read its conversation itself (its own turn ended): the change
        its watcher is about to see is on show already."""
        conversation_id = int(getattr(self, "active_id", 0))
        token = self.router.session.client_token
        if conversation_id and token in _watchers:  # else no watcher would ever take it
            _shown_as_of[token] = services().watch.now(conversation_id)

    def _note_showing(self) -> None:
        """Tell this tab's watcher which conversation the tab shows now (no state lock for
        the watcher to take while nothing changes)."""
        _showing[self.router.session.client_token] = int(getattr(self, "active_id", 0))

    @rx.event(background=True)
    async def watch_tab(self) -> AsyncIterator[Any]:
        """While this tab's socket is here: when its conversation changes elsewhere, show it.
        The tab's state is entered only when its conversation really changed."""
        async with self:
            token = self.router.session.client_token
            _showing[token] = int(getattr(self, "active_id", 0))
        generation = _watchers.get(token, 0) + 1
        _watchers[token] = generation
        watch = services().watch
        conversation_id, seen = 0, None
        try:
            while _watchers.get(token) == generation and connected_here(token):
                showing = _showing.get(token, 0)
                if showing != conversation_id:  # another one opened, or its first
                    conversation_id = showing
                    seen = await watch.current(conversation_id) if conversation_id else None
                    continue
                if not conversation_id:
                    await asyncio.sleep(NEW_CONVERSATION_CHECK_S)
                    continue
                latest = await watch.changed(conversation_id, seen, timeout_s=WATCH_TIMEOUT_S)
                if latest == seen or _watchers.get(token) != generation:
                    continue
                if _showing.get(token, 0) != conversation_id:
                    continue
                async with self:
                    shown_here = getattr(self, "active_id", 0) == conversation_id
                    if token in _shown_as_of and _shown_as_of.pop(token) == latest:
                        shown_here = False  # the tab's own turn ended and read all of it
                    follow = self._conversation_changed(seen, latest) if shown_here else None
                seen = latest
                if follow is not None:
                    yield follow
        finally:
            if _watchers.get(token) == generation:
                del _watchers[token]
                _showing.pop(token, None)
                _shown_as_of.pop(token, None)
