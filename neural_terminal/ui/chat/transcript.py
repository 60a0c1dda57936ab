"""The transcript: the path on show, oldest first, then the reply in progress with a cursor.

Every message the page was sent stays in ``history``/``recent``; a row is shown when it is on
the path (``path_pos``) and placed by its position there (flex order), so switching branches
moves no text that the page already has (ui/chat/tree_vars.py).

Model output is rendered by ``rx.markdown(..., use_raw=False)`` (ui/chat/live/markdown_view.py):
raw HTML in a reply is shown as text, never parsed, so it cannot run script in the page (see
DESIGN.md). So are the finished blocks of the reply in progress, with the same renderer.
"""

from __future__ import annotations

from typing import Any, cast

import reflex as rx
from reflex.vars import ObjectVar

from neural_terminal.ui.chat.live.markdown_view import live_markdown, model_markdown
from neural_terminal.ui.chat.state import ChatState
from neural_terminal.ui.chat.tree_vars import EARLIER_ROWS
from neural_terminal.ui.chat.views import MessageView

# After every message of any path.
LAST = 10_000_000
# The tree's dicts as the page reads them (keys are message ids as text).
_PATH_POS = cast(ObjectVar[dict[str, int]], ChatState.path_pos)
_LABEL = cast(ObjectVar[dict[str, str]], ChatState.sibling_label)
_PREV = cast(ObjectVar[dict[str, int]], ChatState.sibling_prev)
_NEXT = cast(ObjectVar[dict[str, int]], ChatState.sibling_next)


def _in_context(message: rx.Var[MessageView]) -> rx.Var[bool]:
    """Messages with ids strictly between the two bounds were left out of the prompt."""
    left_out = (message.id > ChatState.left_out_after) & (message.id < ChatState.left_out_before)
    return ~left_out


def _message(message: rx.Var[MessageView]) -> rx.Component:
    key = message.id.to_string()
    shown = _PATH_POS.contains(key) & (message.id != ChatState.streaming_id)
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
        rx.cond(
            message.meta != "",
            rx.text(
                message.meta, size="1", class_name="nt-figure", title=message.exact, tab_index=0
            ),
        ),
        _message_bar(message, key),
        _reply_actions(message),
        class_name="nt-msg",
        id="msg-" + key,
        data_role=message.role,
        data_status=message.status,
        # Hidden when on another branch, and while it is drawn live below (being continued).
        display=rx.cond(shown, "block", "none"),
        order=_PATH_POS.get(key, 0),
        # Messages the model no longer sees are greyed out (assets/terminal.css).
        data_in_context=_in_context(message).to_string(),
        title=rx.cond(_in_context(message), "", "outside the model's context window"),
        padding="4px 12px",
        margin_bottom="12px",
    )


def _small_button(
    label: str, disabled: rx.Var[bool] | None = None, **props: object
) -> rx.Component:
    return rx.el.button(
        label,
        type="button",
        disabled=ChatState.streaming if disabled is None else disabled,
        style={"padding": "0 6px", "font_size": "11px"},
        **props,
    )


def _message_bar(message: rx.Var[MessageView], key: rx.Var[str]) -> rx.Component:
    """``< 2/3 >`` between alternatives, then edit or regenerate, and fork."""
    return rx.hstack(
        rx.cond(
            _LABEL.contains(key),
            rx.hstack(
                # Switching is allowed while a reply streams: it goes on on its own branch.
                _small_button(
                    "<",
                    disabled=_PREV.get(key, 0) == 0,
                    class_name="nt-button sibling-prev",
                    title="The previous alternative ([)",
                    on_click=ChatState.switch_branch(_PREV.get(key, 0)),
                    aria_label="previous alternative",
                ),
                rx.el.span(_LABEL.get(key, ""), class_name="sibling-label"),
                _small_button(
                    ">",
                    disabled=_NEXT.get(key, 0) == 0,
                    class_name="nt-button sibling-next",
                    title="The next alternative (])",
                    on_click=ChatState.switch_branch(_NEXT.get(key, 0)),
                    aria_label="next alternative",
                ),
                spacing="1",
                align="center",
                class_name="nt-siblings",
            ),
        ),
        rx.cond(
            message.role == "user",
            _small_button(
                "edit ✎",
                class_name="nt-button edit-message",
                title="Put this message in the composer; sending it makes a new branch",
                on_click=ChatState.edit_message(message.id),
            ),
            rx.cond(
                message.status != "streaming",
                _small_button(
                    "regenerate ↻",
                    class_name="nt-button regenerate-reply",
                    title="A new reply beside this one; both are kept",
                    on_click=ChatState.regenerate(message.id),
                ),
            ),
        ),
        _small_button(
            "fork ⑂",
            class_name="nt-button fork-message",
            title="A new conversation from the start down to this message",
            on_click=ChatState.fork(message.id),
        ),
        spacing="2",
        margin_top="4px",
        class_name="nt-message-bar",
        align="center",
    )


def _reply_actions(message: rx.Var[MessageView]) -> rx.Component:
    """Continue and Retry under the path's last reply when it broke off."""
    offered = ChatState.can_retry & ~ChatState.streaming
    return rx.cond(
        (message.id == ChatState.action_id) & offered,
        rx.box(
            rx.hstack(
                rx.cond(
                    ChatState.can_continue,
                    _reply_action(
                        "continue ▸",
                        "continue-reply",
                        "Ask the model to carry on from where the reply stopped",
                        ChatState.continue_reply(message.id),
                    ),
                ),
                _reply_action(
                    "retry ↻",
                    "retry-reply",
                    "Answer the same message again, as a new reply beside this one",
                    ChatState.retry_reply(message.id),
                ),
                spacing="2",
                margin_top="6px",
            ),
            # While the budget is suspended they stay in view, disabled, and say why on
            # hover and focus (the banner may be scrolled away or dismissed).
            rx.cond(
                ChatState.suspended != "",
                rx.el.span(
                    ChatState.suspended,
                    role="tooltip",
                    id="reply-actions-why",
                    class_name="nt-tip nt-tip-left",
                ),
            ),
            class_name="nt-tip-host nt-reply-actions",
        ),
    )


def _reply_action(label: str, name: str, title: str, on_click: Any) -> rx.Component:
    """One of Continue and Retry: focusable even while the budget holds it back
    (``aria-disabled``; the handler refuses then too)."""
    held = ChatState.suspended != ""
    return rx.el.button(
        label,
        type="button",
        class_name=f"nt-button {name}",
        id=name,
        title=rx.cond(held, ChatState.suspended, title),
        aria_disabled=rx.cond(held, "true", "false"),
        aria_describedby=rx.cond(held, "reply-actions-why", ""),
        on_click=on_click,
        disabled=ChatState.streaming,
        style={"padding": "2px 10px"},
    )


def _reply_in_progress() -> rx.Component:
    # Filled by assets/terminal.js from appended batches: the finished markdown blocks drawn
    # as markdown (markdown_view.py), the block being written as plain text. When the reply
    # is complete it is drawn with the finished messages. Hidden, and still filled, while the
    # page shows another branch.
    on_path = _PATH_POS.contains(ChatState.streaming_id.to_string())
    return rx.cond(
        ChatState.streaming,
        rx.box(
            rx.box(
                live_markdown(ChatState.streaming_id),
                # A column of text blocks (assets/terminal.js); the cursor follows the last.
                rx.el.div(
                    id="live-text",
                    data_message_id=ChatState.streaming_id.to_string(),
                    class_name="nt-live",
                ),
                rx.el.span(class_name="nt-cursor-waiting"),
                class_name="nt-msg",
                data_role="assistant",
                data_status="streaming",
                id="streaming-reply",
                padding="4px 12px",
            ),
            # The running cost estimate, beside the reply's text (never part of it).
            rx.text("", id="live-cost", size="1", class_name="nt-figure", padding="0 12px"),
            order=LAST,
            display=rx.cond(on_path, "block", "none"),
            id="live-reply",
        ),
    )


def _earlier_messages() -> rx.Component:
    """Above a long path opened at its newest messages: how many are older, and more of them.
    The message in view stays where it was while the older ones come in above it
    (assets/terminal.js); the button itself is no anchor for the browser's scroll anchoring."""
    return rx.cond(
        ChatState.hidden_before > 0,
        rx.el.button(
            "▲ ",
            ChatState.hidden_before.to_string(),
            " earlier messages · show ",
            rx.cond(ChatState.hidden_before > EARLIER_ROWS, f"{EARLIER_ROWS} more", "them"),
            type="button",
            id="show-earlier",
            on_click=ChatState.show_earlier,
            class_name="nt-button",
            order=-1,
            style={"overflow_anchor": "none", "align_self": "center", "margin_bottom": "12px"},
        ),
    )


def transcript() -> rx.Component:
    """Every message of the path on show, oldest first."""
    return rx.box(
        rx.cond(
            _PATH_POS.length() == 0,
            rx.cond(
                ~ChatState.streaming,
                rx.text(
                    "Ready. Type below: Enter sends, Shift+Enter adds a line.",
                    class_name="nt-dim",
                ),
            ),
        ),
        _earlier_messages(),
        rx.foreach(ChatState.history, _message),
        rx.foreach(ChatState.recent, _message),
        _reply_in_progress(),
        id="transcript",
        # Another conversation opens at its newest message (assets/terminal.js).
        data_conversation=ChatState.active_id.to_string(),
        flex="1",
        width="100%",
        overflow_y="auto",
        padding="16px",
        display="flex",
        flex_direction="column",
    )
