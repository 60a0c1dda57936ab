"""The left column: conversations, the active model and its prices."""

from __future__ import annotations

import reflex as rx

from neural_terminal.ui.chat.state import ChatState
from neural_terminal.ui.chat.tree_vars import OutlineRow
from neural_terminal.ui.chat.views import ConversationView, HitView
from neural_terminal.ui.models.picker import model_picker


def _tiny(label: str, *, kind: str = "", **props: object) -> rx.Component:
    """A small button; ``kind`` is an extra class naming what it does."""
    return rx.el.button(
        label,
        type="button",
        class_name=f"nt-button nt-tiny {kind}".strip(),
        style={"padding": "0 4px"},
        **props,
    )


def _row_actions(conversation: rx.Var[ConversationView]) -> rx.Component:
    """Rename, pin, archive and delete on the list; restore in the trash."""
    cid = conversation.id
    return rx.match(
        ChatState.shelf,
        (
            "trash",
            _tiny("restore ↺", kind="restore", on_click=ChatState.restore(cid)),
        ),
        rx.hstack(
            _tiny("✎", title="Rename", on_click=ChatState.start_rename(cid), aria_label="rename"),
            _tiny(
                rx.cond(conversation.pinned, "★", "☆"),
                title=rx.cond(conversation.pinned, "Unpin", "Pin to the top"),
                on_click=ChatState.toggle_pin(cid, conversation.pinned),
                aria_label="pin",
            ),
            rx.cond(
                ChatState.shelf == "archived",
                _tiny("↩", title="Back on the list", on_click=ChatState.unarchive(cid)),
                _tiny("▣", title="Archive: off the list", on_click=ChatState.archive(cid)),
            ),
            _tiny(
                "✕",
                title="Delete (to the trash; undo right after, restore within the retention)",
                on_click=ChatState.delete_conversation(cid),
                aria_label="delete",
            ),
            spacing="1",
            class_name="nt-conv-actions",
        ),
    )


def _title(conversation: rx.Var[ConversationView]) -> rx.Component:
    """The title, or the rename box while it is being renamed."""
    return rx.cond(
        ChatState.renaming_id == conversation.id,
        rx.el.form(
            rx.hstack(
                rx.el.input(
                    name="title",
                    id="rename-input",
                    default_value=conversation.title,
                    max_length=200,
                    style={"flex": "1", "padding": "2px 4px"},
                ),
                # Escape in the box presses it too (assets/terminal.js).
                _tiny(
                    "×",
                    id="rename-cancel",
                    title="Keep the old title",
                    on_click=ChatState.cancel_rename,
                ),
                spacing="1",
                width="100%",
            ),
            on_submit=ChatState.rename,
            reset_on_submit=False,
            width="100%",
        ),
        rx.text(
            conversation.title,
            size="2",
            trim="both",
            class_name="nt-conv-title",
            on_click=ChatState.open_conversation(conversation.id),
            on_double_click=ChatState.start_rename(conversation.id),
        ),
    )


def _conversation_row(conversation: rx.Var[ConversationView]) -> rx.Component:
    return rx.fragment(
        rx.cond(
            conversation.group != "",
            rx.text(conversation.group, size="1", class_name="nt-dim nt-group", padding_top="6px"),
        ),
        rx.box(
            _title(conversation),
            rx.hstack(
                rx.text(
                    conversation.cost,
                    size="1",
                    class_name="nt-figure nt-conv-cost",
                    title=conversation.cost_exact + " exactly, every branch",
                    tab_index=0,
                ),
                rx.spacer(),
                _row_actions(conversation),
                width="100%",
                align="center",
            ),
            class_name="nt-conv",
            data_active=(conversation.id == ChatState.active_id).to_string(),
            padding="4px 10px",
            id=f"conv-{conversation.id}",
        ),
    )


def _search_form() -> rx.Component:
    """Words (Enter searches), and filters: who, which model, when, cost above."""
    small = {"padding": "1px 4px", "font_size": "11px"}
    return rx.el.form(
        rx.hstack(
            rx.el.input(
                name="words",
                id="search-words",
                aria_label="search every message",
                placeholder="search every message…",
                max_length=500,
                style={"flex": "1", "padding": "2px 6px"},
            ),
            # Enter in any field submits through it (a form of several fields needs one).
            rx.el.button("⌕", type="submit", id="search-go", class_name="nt-button nt-tiny"),
            rx.cond(
                ChatState.search_words != "",
                _tiny(
                    "×",
                    id="search-clear",
                    title="Back to the list",
                    on_click=ChatState.clear_search,
                ),
            ),
            width="100%",
            spacing="1",
        ),
        rx.hstack(
            rx.el.select(
                rx.el.option("anyone", value=""),
                rx.el.option("you", value="user"),
                rx.el.option("replies", value="assistant"),
                name="role",
                id="search-role",
                aria_label="who wrote it",
                class_name="nt-button",
                style=small,
            ),
            rx.el.select(
                rx.el.option("any time", value=""),
                *(rx.el.option(label, value=label) for label in ("today", "7 days", "30 days")),
                name="range",
                id="search-range",
                aria_label="when",
                class_name="nt-button",
                style=small,
            ),
            rx.el.input(
                name="cost_above",
                id="search-cost",
                aria_label="cost above, in dollars",
                placeholder="cost > $",
                style={**small, "width": "5em"},
            ),
            rx.el.input(
                name="model",
                id="search-model",
                aria_label="filter by model",
                placeholder="model",
                style={**small, "width": "6em"},
            ),
            spacing="1",
            padding_top="2px",
            wrap="wrap",
        ),
        on_submit=ChatState.search,
        reset_on_submit=False,
        width="100%",
        padding_top="8px",
    )


def _hit(hit: rx.Var[HitView]) -> rx.Component:
    """A message found: its conversation, the words around the match, who and when."""
    return rx.box(
        rx.text(hit.title, size="1", class_name="nt-dim", trim="both"),
        rx.text(
            rx.foreach(
                hit.parts,
                lambda part: rx.cond(
                    part.match,
                    rx.el.mark(part.text, class_name="nt-match"),
                    rx.el.span(part.text),
                ),
            ),
            size="2",
            class_name="nt-hit-snippet",
        ),
        rx.text(
            hit.meta,
            size="1",
            class_name="nt-figure",
            title=hit.cost_exact,
            tab_index=rx.cond(hit.cost_exact != "", 0, -1),
        ),
        class_name="nt-conv nt-hit",
        padding="4px 10px",
        on_click=ChatState.open_hit(hit.conversation_id, hit.message_id),
    )


def _hits() -> rx.Component:
    return rx.vstack(
        rx.text(ChatState.search_summary, size="1", class_name="nt-dim", id="search-summary"),
        rx.foreach(ChatState.search_hits, _hit),
        spacing="1",
        width="100%",
        id="search-hits",
    )


def _shelves() -> rx.Component:
    """The list, the archive and the trash, with how many each holds."""

    def shelf(name: str, label: str) -> rx.Component:
        count = ChatState.shelf_counts.get(name, 0)
        return rx.el.button(
            label,
            *(() if name == "list" else (" (" + count.to_string() + ")",)),
            type="button",
            id=f"shelf-{name}",
            class_name="nt-button nt-tiny",
            data_current=(ChatState.shelf == name).to_string(),
            on_click=ChatState.show_shelf(name),
            style={"padding": "0 6px"},
        )

    return rx.vstack(
        rx.hstack(
            shelf("list", "conversations"),
            shelf("archived", "archived"),
            shelf("trash", "trash"),
            spacing="1",
        ),
        rx.hstack(
            rx.el.button(
                "export all ⇩",
                type="button",
                on_click=rx.download(url="/api/export/library.zip"),
                id="export-library",
                class_name="nt-button nt-tiny",
                title="Every conversation (not the trash) as one zipped JSON file",
            ),
            rx.upload.root(
                rx.el.button(
                    "import ⇧",
                    type="button",
                    id="import-button",
                    class_name="nt-button nt-tiny",
                    title="Our JSON export, or a zip of them: drop here or choose",
                ),
                id="import-upload",
                multiple=True,
                on_drop=ChatState.import_files(rx.upload_files(upload_id="import-upload")),
            ),
            spacing="1",
        ),
        spacing="1",
        padding_top="8px",
        width="100%",
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
        model_picker(),
        _outline(),
        _search_form(),
        rx.cond(ChatState.search_words == "", _shelves()),
        rx.box(
            rx.cond(
                ChatState.search_words != "",
                _hits(),
                rx.foreach(ChatState.conversations, _conversation_row),
            ),
            rx.cond(
                ChatState.more_conversations,
                rx.el.button(
                    "more ▾",
                    type="button",
                    id="more-conversations",
                    class_name="nt-button nt-tiny",
                    on_click=ChatState.more,
                ),
            ),
            width="100%",
            overflow_y="auto",
            flex="1",
            id="conversation-list",
        ),
        # A drawer below 900 px wide (assets/terminal.css, assets/layout.js).
        class_name="nt-sidebar",
        id="sidebar",
        role="navigation",
        aria_label="conversations",
        padding="12px",
        spacing="2",
    )
