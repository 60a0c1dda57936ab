"""The composer: Enter sends, Shift+Enter adds a line (assets/terminal.js), Stop cancels."""

from __future__ import annotations

import reflex as rx

from neural_terminal.ui.chat.state import ChatState
from neural_terminal.ui.commands.command_state import CommandState
from neural_terminal.ui.commands.keys_view import command_menu, command_notice


def composer() -> rx.Component:
    """The message box with Send and Stop."""
    return rx.el.form(
        rx.cond(
            ChatState.editing_id != 0,
            rx.hstack(
                rx.text(
                    "editing a message: sending makes a new branch beside it",
                    size="1",
                    class_name="nt-amber",
                ),
                rx.el.button(
                    "cancel edit",
                    type="button",
                    id="cancel-edit",
                    on_click=ChatState.cancel_edit,
                    class_name="nt-button",
                    style={"padding": "0 6px", "font_size": "11px"},
                ),
                id="editing",
                spacing="2",
                align="center",
                padding_bottom="4px",
            ),
        ),
        command_menu(),
        rx.hstack(
            rx.el.textarea(
                name="message",
                id="composer",
                placeholder="> type a message",
                rows=3,
                # Focused as it appears unless the focus is elsewhere (assets/terminal.js).
                disabled=ChatState.streaming,
                # Read by assets/terminal.js for the debounced pre-flight estimate.
                data_conversation_id=ChatState.active_id.to_string(),
                # The branch the draft answers (or the message it edits), for the estimate.
                data_leaf_id=ChatState.leaf_id.to_string(),
                data_editing_id=ChatState.editing_id.to_string(),
                data_model=ChatState.model,
                data_max_chars=ChatState.max_message_chars.to_string(),
                style={"flex": "1", "resize": "vertical", "padding": "8px"},
            ),
            rx.vstack(
                rx.el.button(
                    "send ⏎",
                    type="submit",
                    id="send",
                    disabled=ChatState.streaming,
                    class_name="nt-button",
                    style={"padding": "6px 12px"},
                ),
                rx.el.button(
                    "stop ■",
                    type="button",
                    id="stop",
                    on_click=ChatState.stop,
                    disabled=~ChatState.streaming,
                    class_name="nt-button nt-stop",
                    style={"padding": "6px 12px"},
                ),
                spacing="2",
            ),
            width="100%",
            align="stretch",
        ),
        command_notice(),
        rx.text(
            "",
            id="preflight-estimate",
            size="1",
            class_name="nt-figure nt-dim",
            title="Estimated cost of sending now: the context that would be sent, plus the "
            "expected reply (NEURAL_TERMINAL_EXPECTED_REPLY_TOKENS)",
        ),
        on_submit=CommandState.submit,  # a /command runs, the rest is sent
        reset_on_submit=False,
        class_name="nt-composer",
        style={"width": "100%", "padding": "12px 16px"},
    )
