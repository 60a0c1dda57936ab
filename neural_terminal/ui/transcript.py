"""The transcript: history, this visit's messages, then the reply in progress with a cursor.

Model output is rendered by ``rx.markdown(..., use_raw=False)``: raw HTML in a reply is shown
as text, never parsed, so it cannot run script in the page (see DESIGN.md).
"""

from __future__ import annotations

import reflex as rx

from neural_terminal.ui.state import ChatState
from neural_terminal.ui.views import MessageView


def model_markdown(text: rx.Var[str] | str) -> rx.Component:
    """Markdown for untrusted model output: no raw HTML."""
    return rx.markdown(text, use_raw=False, class_name="nt-md")


def _in_context(message: rx.Var[MessageView]) -> rx.Var[bool]:
    """Messages with ids strictly between the two bounds were left out of the prompt."""
    left_out = (message.id > ChatState.left_out_after) & (message.id < ChatState.left_out_before)
    return ~left_out


def _message(message: rx.Var[MessageView]) -> rx.Component:
    body = rx.cond(
        message.role == "user",
        rx.text(message.content, white_space="pre-wrap", class_name="nt-prompt"),
        model_markdown(message.content),
    )
    return rx.box(
        body,
        rx.cond(
            message.error != "",
            rx.text("! " + message.error, size="1", class_name="nt-error msg-error"),
        ),
        rx.cond(message.meta != "", rx.text(message.meta, size="1", class_name="nt-figure")),
        _reply_actions(message),
        class_name="nt-msg",
        data_role=message.role,
        data_status=message.status,
        # A reply being continued is drawn live below until it is stored again.
        display=rx.cond(message.id == ChatState.streaming_id, "none", "block"),
        # Messages the model no longer sees are greyed out (assets/terminal.css).
        data_in_context=_in_context(message).to_string(),
        title=rx.cond(_in_context(message), "", "outside the model's context window"),
        padding="4px 12px",
        margin_bottom="12px",
    )


def _reply_actions(message: rx.Var[MessageView]) -> rx.Component:
    """Continue and Retry under the latest reply when it broke off."""
    return rx.cond(
        (message.id == ChatState.action_id) & ChatState.can_retry & ~ChatState.streaming,
        rx.hstack(
            rx.cond(
                ChatState.can_continue,
                rx.el.button(
                    "continue ▸",
                    type="button",
                    class_name="nt-button continue-reply",
                    id="continue-reply",
                    title="Ask the model to carry on from where the reply stopped",
                    on_click=ChatState.continue_reply(message.id),
                    disabled=ChatState.streaming,
                    style={"padding": "2px 10px"},
                ),
            ),
            rx.el.button(
                "retry ↻",
                type="button",
                class_name="nt-button retry-reply",
                id="retry-reply",
                title="Answer the same message again, as a new reply",
                on_click=ChatState.retry_reply(message.id),
                disabled=ChatState.streaming,
                style={"padding": "2px 10px"},
            ),
            spacing="2",
            margin_top="6px",
        ),
    )


def _reply_in_progress() -> rx.Component:
    # Filled by assets/terminal.js from appended batches (plain text until the reply is
    # complete, then it is rendered as markdown with the finished messages).
    return rx.cond(
        ChatState.streaming,
        rx.fragment(
            rx.box(
                rx.el.span(
                    id="live-text",
                    data_message_id=ChatState.streaming_id.to_string(),
                    class_name="nt-live",
                ),
                rx.el.span(class_name="nt-cursor"),
                class_name="nt-msg",
                data_role="assistant",
                data_status="streaming",
                id="streaming-reply",
                padding="4px 12px",
            ),
            # The running cost estimate, beside the reply's text (never part of it).
            rx.text("", id="live-cost", size="1", class_name="nt-figure", padding="0 12px"),
        ),
    )


def transcript() -> rx.Component:
    """Every message of the open conversation, oldest first."""
    return rx.box(
        rx.cond(
            (ChatState.history.length() + ChatState.recent.length()) == 0,
            rx.cond(
                ~ChatState.streaming,
                rx.text(
                    "Ready. Type below: Enter sends, Shift+Enter adds a line.",
                    class_name="nt-dim",
                ),
            ),
        ),
        rx.foreach(ChatState.history, _message),
        rx.foreach(ChatState.recent, _message),
        _reply_in_progress(),
        id="transcript",
        flex="1",
        width="100%",
        overflow_y="auto",
        padding="16px",
    )
