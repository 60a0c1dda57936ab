"""The chat page's state: reads vars, calls one service method, copies results back.

Services never live on the state (it must stay serialisable); handlers fetch them from the
composition root. The reply streams in a background handler so the lock is held only while
copying text into vars, and the transcript of finished messages is not resent per token.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import reflex as rx

from neural_terminal.bootstrap import services
from neural_terminal.chat.replies import ReplyDelta, ReplyFinished, ReplyRetrying, ReplyStarted
from neural_terminal.domain.errors import NeuralTerminalError
from neural_terminal.domain.models import ModelInfo
from neural_terminal.ui.pump import FramePump
from neural_terminal.ui.views import (
    ConversationView,
    MessageView,
    ModelView,
    breaker_text,
    conversation_total,
    conversation_view,
    message_view,
    model_prices,
    model_view,
    with_actions,
)


class ChatState(rx.State):
    """Conversations, the open transcript and the reply in progress."""

    conversations: list[ConversationView] = []
    active_id: int = 0
    title: str = ""
    transcript: list[MessageView] = []
    total_cost: str = "$0.0000"
    streaming: bool = False
    streaming_text: str = ""
    notice: str = ""
    model: str = ""
    models: list[ModelView] = []
    model_info: str = ""
    simulated: bool = False
    upstream_host: str = ""
    breaker_state: str = ""
    last_opened: str = rx.LocalStorage("", name="nt_last_conversation")

    _pending_text: str = ""
    # What stream_reply runs: "send" the pending text, or "continue"/"retry" a reply.
    _pending_action: str = "send"
    _pending_message_id: int = 0

    @rx.event
    async def load_page(self) -> None:
        """Open the last conversation (or the newest) and fetch the model list."""
        app = services()
        self.simulated = app.settings.uses_simulator
        self.upstream_host = "built-in simulator" if self.simulated else app.settings.base_url
        self.model = self.model or app.settings.model
        self._show_breaker()
        self._refresh_sidebar()
        wanted = int(self.last_opened) if self.last_opened.isdigit() else 0
        ids = [c.id for c in self.conversations]
        self._open(wanted if wanted in ids else (ids[0] if ids else 0))
        await self._load_models()

    @rx.event
    def open_conversation(self, conversation_id: int) -> None:
        """Show another conversation."""
        if self.streaming:
            self.notice = "A reply is streaming; stop it or wait before switching."
            return
        self._open(conversation_id)

    @rx.event
    def new_conversation(self) -> None:
        """Start afresh; the conversation is stored when its first message is sent."""
        if not self.streaming:
            self._clear()

    def _clear(self) -> None:
        self.active_id = 0
        self.title = ""
        self.transcript = []
        self.total_cost = conversation_total([])
        self.notice = ""
        self.last_opened = ""

    @rx.event
    async def select_model(self, model_id: str) -> None:
        """Use ``model_id`` for the open conversation from its next reply on."""
        self.model = model_id
        if self.active_id:
            services().chat.set_model(self.active_id, model_id)
        self._show_model(services().catalogue.get(model_id))

    @rx.event
    async def refresh_models(self) -> None:
        """Fetch the model list again."""
        await self._load_models(refresh=True)

    @rx.event
    def send(self, form_data: dict[str, Any]) -> Any:
        """Validate and hand the text to the streaming handler; the composer keeps bad input."""
        text = str(form_data.get("message", ""))
        if self.streaming:
            return None
        chat = services().chat
        try:
            chat.validate(text)
        except NeuralTerminalError as exc:
            self.notice = exc.user_message
            return None
        if not self.active_id:
            conversation = chat.create_conversation(model=self.model)
            self.active_id = conversation.id or 0
            self.last_opened = str(self.active_id)
        self._pending_text = text
        self._pending_action = "send"
        self.streaming = True
        self.streaming_text = ""
        self.notice = ""
        return [rx.set_value("composer", ""), ChatState.stream_reply]

    @rx.event
    def continue_reply(self, message_id: int) -> Any:
        """Carry on an interrupted reply in the same message."""
        return self._start_on_reply("continue", message_id)

    @rx.event
    def retry_reply(self, message_id: int) -> Any:
        """Answer the same message again in a new reply."""
        return self._start_on_reply("retry", message_id)

    def _start_on_reply(self, action: str, message_id: int) -> Any:
        if self.streaming or not self.active_id:
            return None
        self._pending_action = action
        self._pending_message_id = message_id
        self.streaming = True
        self.streaming_text = ""
        self.notice = ""
        return ChatState.stream_reply

    @rx.event
    def stop(self) -> None:
        """Cancel the reply in progress; what arrived is kept."""
        if self.active_id:
            services().chat.stop(self.active_id)

    @rx.event(background=True)
    async def stream_reply(self) -> None:
        """Run the turn, pushing coalesced text to the browser as it arrives."""
        async with self:
            text, conversation_id = self._pending_text, self.active_id
            action, message_id = self._pending_action, self._pending_message_id
            self._pending_text, self._pending_action, self._pending_message_id = "", "send", 0
        chat = services().chat
        if action == "continue":
            events = chat.continue_reply(message_id)
        elif action == "retry":
            events = chat.retry_reply(message_id)
        else:
            events = chat.send(conversation_id, text)
        reply_id = 0
        finished: ReplyFinished | None = None
        retried = False
        # The pump pushes from its own task: one lock keeps the two from entering the state
        # proxy at the same time.
        ui_lock = asyncio.Lock()

        async def show_partial(partial: str) -> None:
            async with ui_lock, self:
                self.streaming_text = partial

        try:
            async with (
                FramePump(show_partial) as pump,
                contextlib.aclosing(events) as turn,
            ):
                async for event in turn:
                    if isinstance(event, ReplyDelta):
                        if retried:  # the retry worked: its notice no longer applies
                            retried = False
                            async with ui_lock, self:
                                self.notice = ""
                        pump.add(event.text)
                    elif isinstance(event, ReplyStarted):
                        reply_id = event.assistant_message_id
                        async with ui_lock, self:
                            self._show_started(event)
                        pump.add(event.resumed_text)
                    elif isinstance(event, ReplyRetrying):
                        retried = True
                        async with ui_lock, self:
                            self.notice = event.notice
                    else:
                        finished = event
        except NeuralTerminalError as exc:  # refused before anything was stored
            async with self:
                self.notice = exc.user_message
        except asyncio.CancelledError:
            # Stop cancels this task; the orchestrator has already stored the partial reply.
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
        async with self:
            stored = finished.message if finished else chat.message(reply_id) if reply_id else None
            if stored is not None:
                self.transcript.append(message_view(stored))
            self.transcript = with_actions(self.transcript)
            if finished is not None:
                # The last retry notice gives way to the outcome.
                self.notice = finished.error.user_message if finished.error else ""
            self.streaming = False
            self._show_breaker()
            self.streaming_text = ""
            self._refresh_sidebar()
            self._refresh_totals()

    def _show_started(self, event: ReplyStarted) -> None:
        if event.user_message is not None:
            self.transcript.append(message_view(event.user_message))
        # A continued reply moves from the transcript into the streaming slot.
        kept = [m for m in self.transcript if m.id != event.assistant_message_id]
        self.transcript = with_actions(kept, streaming=True)

    def _show_breaker(self) -> None:
        self.breaker_state = breaker_text(services().chat.upstream_status())

    def _open(self, conversation_id: int) -> None:
        if not conversation_id:
            self._clear()
            return
        try:
            conversation, messages = services().chat.load(conversation_id)
        except NeuralTerminalError as exc:
            self.notice = exc.user_message
            return
        self.active_id = conversation_id
        self.title = conversation.title
        self.model = conversation.model
        self.transcript = with_actions([message_view(m) for m in messages])
        self.total_cost = conversation_total(messages)
        self.last_opened = str(conversation_id)
        self.notice = ""
        self._show_model(services().catalogue.get(conversation.model))

    def _refresh_sidebar(self) -> None:
        self.conversations = [conversation_view(c) for c in services().chat.list_conversations()]
        for row in self.conversations:
            if row.id == self.active_id:
                self.title = row.title

    def _refresh_totals(self) -> None:
        if self.active_id:
            _, messages = services().chat.load(self.active_id)
            self.total_cost = conversation_total(messages)

    async def _load_models(self, *, refresh: bool = False) -> None:
        catalogue = services().catalogue
        try:
            models = await catalogue.models(refresh=refresh)
        except NeuralTerminalError as exc:
            self.notice = f"Could not load the model list: {exc.user_message}"
            return
        self.models = [model_view(m) for m in models]
        self._show_model(catalogue.get(self.model))

    def _show_model(self, model: ModelInfo | None) -> None:
        self.model_info = model_prices(model) if model else "prices unknown for this model"
