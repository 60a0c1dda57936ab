"""The composer's submit: a slash command runs here, anything else is sent as a message.

Thin: the parser (chat/commands) turns the draft into a command value, and each command is
handed to the handler the page's buttons already use (ChatState, the library and budget
mixins), so a command never reaches the model and never spends. A refused command says why
under the composer and leaves the draft as typed.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from neural_terminal.chat.commands import (
    ChooseModel,
    Command,
    Export,
    Fork,
    Help,
    NewConversation,
    ParseError,
    Search,
    SetBudget,
    SetStrategy,
    SetSystem,
    Stats,
    is_command,
    match_models,
    parse,
)
from neural_terminal.ui.chat.state import ChatState

# At most this many matching ids are named when a /model search is ambiguous.
SHOWN_MATCHES = 5


class CommandState(rx.State):
    """What the last command said, and whether the key map is open."""

    command_notice: str = ""
    keys_open: bool = False

    @rx.event
    async def submit(self, form_data: dict[str, Any]) -> Any:
        """Run a command, or send the draft (``//text`` sends ``/text``)."""
        draft = str(form_data.get("message", ""))
        if not is_command(draft):
            self.command_notice = ""
            if draft.lstrip().startswith("//"):
                form_data = {**form_data, "message": draft.lstrip()[1:]}
            return _event(ChatState.send, form_data)
        parsed = parse(draft)
        if isinstance(parsed, ParseError):
            self.command_notice = parsed.text
            return None
        chat = await self.get_state(ChatState)
        return self._run(parsed, chat)

    @rx.event
    def toggle_keys(self) -> None:
        """Show or hide the key map (``?``, or /help)."""
        self.keys_open = not self.keys_open

    @rx.event
    def close_keys(self) -> None:
        """Hide the key map."""
        self.keys_open = False

    @rx.event
    def dismiss(self) -> None:
        """Put the command's message away."""
        self.command_notice = ""

    def _run(self, command: Command, chat: ChatState) -> Any:
        """The events that carry ``command`` out, then the composer emptied; or a refusal."""
        events = self._events(command, chat)
        if events is None:
            return None
        self.command_notice = ""
        return [*events, rx.set_value("composer", "")]

    def _events(self, command: Command, chat: ChatState) -> list[Any] | None:
        if chat.streaming and not isinstance(command, Help | Stats | Search):
            return self._refuse("A reply is streaming; stop it (Escape) or wait.")
        if isinstance(command, NewConversation):
            return [ChatState.new_conversation]
        if isinstance(command, ChooseModel):
            return self._model(command.search, chat)
        if isinstance(command, SetSystem):
            return [
                _event(ChatState.save_system, {"system_prompt": command.text, "preset_name": ""})
            ]
        if isinstance(command, SetBudget):
            form = {
                "global_limit": str(command.amount),
                "conversation_limit": chat.conversation_limit,
                "period": command.period.value,
                "time_zone": chat.budget_zone,
            }
            return [_event(ChatState.save_budget, form)]
        if isinstance(command, SetStrategy):
            return [_event(ChatState.select_strategy, command.strategy.value)]
        if isinstance(command, Fork):
            if not chat.leaf_id:
                return self._refuse("Nothing to fork yet: send a message first.")
            return [_event(ChatState.fork, chat.leaf_id)]
        if isinstance(command, Export):
            if not chat.active_id:
                return self._refuse("Nothing to export yet: send a message first.")
            return [rx.download(url=f"/api/export/{chat.active_id}.{command.kind}")]
        if isinstance(command, Search):
            return [
                _event(ChatState.search, {"words": command.words}),
                rx.set_value("search-words", command.words),
            ]
        if isinstance(command, Stats):
            return [rx.redirect("/telemetry")]
        self.keys_open = True  # /help: the key map lists the commands too
        return []

    def _model(self, search: str, chat: ChatState) -> list[Any] | None:
        found = match_models(search, [(m.id, m.label) for m in chat.models])
        if len(found) == 1:
            return [_event(ChatState.select_model, found[0])]
        if not found:
            return self._refuse(f"No model matches {search!r}.")
        named = ", ".join(found[:SHOWN_MATCHES]) + (", …" if len(found) > SHOWN_MATCHES else "")
        return self._refuse(f"{len(found)} models match {search!r}: {named}. Type more.")

    def _refuse(self, message: str) -> list[Any] | None:
        """Say why under the composer; nothing runs, and the draft stays."""
        self.command_notice = message
        return None


def _event(handler: Any, *args: Any) -> Any:
    """A call of another state's handler, as an event to run next (Reflex's handler types
    are not visible to mypy)."""
    return handler(*args)
