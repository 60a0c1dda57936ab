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
from neural_terminal.chat.context import PreparedContext
from neural_terminal.chat.replies import ReplyDelta, ReplyFinished, ReplyStarted
from neural_terminal.domain.errors import NeuralTerminalError
from neural_terminal.domain.models import ModelInfo
from neural_terminal.domain.money import format_usd
from neural_terminal.store.tables import ContextStrategy
from neural_terminal.ui.pump import FramePump
from neural_terminal.ui.views import (
    ConversationView,
    MessageView,
    ModelView,
    context_meter,
    conversation_total,
    conversation_view,
    elided_notice,
    mark_context,
    message_view,
    model_prices,
    model_view,
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
    last_opened: str = rx.LocalStorage("", name="nt_last_conversation")
    context_meter: str = ""
    context_strategy: str = ContextStrategy.SLIDING.value
    context_notice: str = ""

    _pending_text: str = ""

    @rx.event
    async def load_page(self) -> None:
        """Open the last conversation (or the newest) and fetch the model list."""
        app = services()
        self.simulated = app.settings.uses_simulator
        self.upstream_host = "built-in simulator" if self.simulated else app.settings.base_url
        self.model = self.model or app.settings.model
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
        self.context_notice = ""
        self.context_strategy = ContextStrategy.SLIDING.value  # the default of a new one
        self._show_window()

    @rx.event
    async def select_model(self, model_id: str) -> None:
        """Use ``model_id`` for the open conversation from its next reply on."""
        self.model = model_id
        if self.active_id:
            services().chat.set_model(self.active_id, model_id)
        self._show_model(services().catalogue.get(model_id))
        self._refresh_context()

    @rx.event
    def select_strategy(self, strategy: str) -> None:
        """Use ``strategy`` when the open conversation outgrows its model's window."""
        try:
            chosen = ContextStrategy(strategy)
        except ValueError:
            return
        self.context_strategy = chosen.value
        if self.active_id:
            services().chat.set_context_strategy(self.active_id, chosen)
        self._refresh_context()

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
            # Told before sending: a message larger than the window is cut, or refused.
            warning = chat.precheck(self.active_id, self.model, text)
        except NeuralTerminalError as exc:
            self.notice = exc.user_message
            return None
        if not self.active_id:
            conversation = chat.create_conversation(
                model=self.model, context_strategy=ContextStrategy(self.context_strategy)
            )
            self.active_id = conversation.id or 0
            self.last_opened = str(self.active_id)
        self._pending_text = text
        self.streaming = True
        self.streaming_text = ""
        self.notice = ""
        self.context_notice = warning or ""
        return [rx.set_value("composer", ""), ChatState.stream_reply]

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
            self._pending_text = ""
        chat = services().chat
        reply_id = 0
        finished: ReplyFinished | None = None
        # The pump pushes from its own task: one lock keeps the two from entering the state
        # proxy at the same time.
        ui_lock = asyncio.Lock()

        async def show_partial(partial: str) -> None:
            async with ui_lock, self:
                self.streaming_text = partial

        try:
            async with (
                FramePump(show_partial) as pump,
                contextlib.aclosing(chat.send(conversation_id, text)) as turn,
            ):
                async for event in turn:
                    if isinstance(event, ReplyDelta):
                        pump.add(event.text)
                    elif isinstance(event, ReplyStarted):
                        reply_id = event.assistant_message_id
                        async with ui_lock, self:
                            self.transcript.append(message_view(event.user_message))
                            if event.context is not None:
                                self._show_context(event.context)
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
            if finished is not None and finished.error is not None:
                self.notice = finished.error.user_message
            self.streaming = False
            self.streaming_text = ""
            self._refresh_sidebar()
            self._refresh_totals()
            self._refresh_context()

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
        self.context_strategy = conversation.context_strategy
        self.transcript = [message_view(m) for m in messages]
        self.total_cost = format_usd(services().chat.conversation_cost(conversation_id))
        self.last_opened = str(conversation_id)
        self.notice = ""
        self.context_notice = ""
        self._show_model(services().catalogue.get(conversation.model))
        self._refresh_context()

    def _refresh_sidebar(self) -> None:
        self.conversations = [conversation_view(c) for c in services().chat.list_conversations()]
        for row in self.conversations:
            if row.id == self.active_id:
                self.title = row.title

    def _refresh_totals(self) -> None:
        if self.active_id:
            # Summaries written for bookends contexts are spend too.
            self.total_cost = format_usd(services().chat.conversation_cost(self.active_id))

    def _refresh_context(self) -> None:
        """Meter and greying for what the next request would keep."""
        if not self.active_id:
            self._show_window()
            return
        try:
            context = services().chat.context_preview(self.active_id)
        except NeuralTerminalError:
            return
        self._show_context(context, sent=False)

    def _show_context(self, context: PreparedContext, *, sent: bool = True) -> None:
        self.context_meter = context_meter(context.window, context.prompt_tokens)
        self.transcript = mark_context(self.transcript, context)
        if sent and context.elided_tokens and not self.context_notice:
            self.context_notice = elided_notice(context.elided_tokens)

    def _show_window(self) -> None:
        window = services().chat.context_window(self.model) if self.model else None
        self.context_meter = context_meter(window, 0) if window else ""

    async def _load_models(self, *, refresh: bool = False) -> None:
        catalogue = services().catalogue
        try:
            models = await catalogue.models(refresh=refresh)
        except NeuralTerminalError as exc:
            self.notice = f"Could not load the model list: {exc.user_message}"
            return
        self.models = [model_view(m) for m in models]
        self._show_model(catalogue.get(self.model))
        self._refresh_context()  # the window is known once the catalogue is

    def _show_model(self, model: ModelInfo | None) -> None:
        self.model_info = model_prices(model) if model else "prices unknown for this model"
