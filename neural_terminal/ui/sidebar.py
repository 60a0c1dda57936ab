"""The left column: conversations, the active model and its prices."""

from __future__ import annotations

import reflex as rx

from neural_terminal.ui.state import ChatState
from neural_terminal.ui.tree_vars import OutlineRow
from neural_terminal.ui.views import ConversationView


def _conversation_row(conversation: rx.Var[ConversationView]) -> rx.Component:
    return rx.box(
        rx.text(conversation.title, size="2", trim="both", class_name="nt-conv-title"),
        class_name="nt-conv",
        data_active=(conversation.id == ChatState.active_id).to_string(),
        padding="6px 10px",
        on_click=ChatState.open_conversation(conversation.id),
        id=f"conv-{conversation.id}",
    )


def _outline_row(row: rx.Var[OutlineRow]) -> rx.Component:
    return rx.box(
        rx.text(rx.cond(row.current, "▶ ", "  ") + row.label, size="1", trim="both"),
        class_name="nt-branch",
        data_current=row.current.to_string(),
        padding="2px 10px",
        on_click=ChatState.switch_branch(row.leaf_id),
        title="Show this branch",
    )


def _outline() -> rx.Component:
    """Every branch of the open conversation, by where it splits off the one on show."""
    return rx.cond(
        ChatState.outline.length() > 0,
        rx.vstack(
            rx.text("BRANCHES", size="1", class_name="nt-dim", padding_top="8px"),
            rx.box(rx.foreach(ChatState.outline, _outline_row), width="100%", id="outline"),
            spacing="1",
            width="100%",
        ),
    )


def _model_picker() -> rx.Component:
    return rx.vstack(
        rx.text("MODEL", size="1", class_name="nt-dim"),
        rx.el.select(
            rx.foreach(
                ChatState.models,
                lambda m: rx.el.option(m.label + "  [" + m.id + "]", value=m.id),
            ),
            value=ChatState.model,
            on_change=ChatState.select_model,
            id="model-select",
            class_name="nt-button",
            style={"width": "100%", "padding": "4px"},
        ),
        rx.text(ChatState.model_info, size="1", class_name="nt-figure", id="model-prices"),
        rx.cond(
            ChatState.price_change != "",
            rx.text(ChatState.price_change, size="1", class_name="nt-amber", id="price-change"),
        ),
        rx.el.button(
            "refresh prices ↻",
            type="button",
            on_click=ChatState.refresh_models,
            id="refresh-prices",
            class_name="nt-button",
            title="Fetch the model list and prices again; changes are shown here",
            style={"padding": "2px 8px", "font_size": "12px"},
        ),
        spacing="1",
        width="100%",
    )


def sidebar() -> rx.Component:
    """Conversations newest first, a New button, the model picker."""
    return rx.vstack(
        rx.hstack(
            rx.text("NEURAL//TERMINAL", weight="bold", size="3"),
            rx.spacer(),
            rx.el.button(
                "+ new",
                on_click=ChatState.new_conversation,
                class_name="nt-button",
                id="new-conversation",
                style={"padding": "2px 8px"},
            ),
            width="100%",
            align="center",
        ),
        _model_picker(),
        _outline(),
        rx.text("CONVERSATIONS", size="1", class_name="nt-dim", padding_top="8px"),
        rx.box(
            rx.foreach(ChatState.conversations, _conversation_row),
            width="100%",
            overflow_y="auto",
            flex="1",
            id="conversation-list",
        ),
        class_name="nt-sidebar",
        width="280px",
        min_width="280px",
        height="100vh",
        padding="12px",
        spacing="2",
    )
