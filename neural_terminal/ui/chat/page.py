"""The one page: sidebar, header with figures, status line, transcript, composer."""

from __future__ import annotations

import reflex as rx

from neural_terminal.ui.banner import Notice, banner_with_action, status_line
from neural_terminal.ui.budget.budget_panel import budget_panel
from neural_terminal.ui.chat.composer import composer
from neural_terminal.ui.chat.header import header
from neural_terminal.ui.chat.state import ChatState
from neural_terminal.ui.chat.transcript import transcript
from neural_terminal.ui.commands.keys_view import keys_layer
from neural_terminal.ui.library.sidebar import sidebar

BREAKER = "The upstream failed repeatedly: new sends fail at once until a probe succeeds · "
SIMULATED = (
    "SIMULATOR: no OPENROUTER_API_KEY is set, so replies come from the built-in simulator "
    "and their costs are simulated."
)


def _system_panel() -> rx.Component:
    """The open conversation's system prompt (a new one: for its first turn on)."""
    return rx.cond(
        ChatState.system_open,
        rx.el.form(
            rx.hstack(
                rx.el.select(
                    rx.el.option("preset…", value="0"),
                    rx.foreach(
                        ChatState.presets,
                        lambda p: rx.el.option(p.label, value=p.id.to_string()),
                    ),
                    value=ChatState.preset_id.to_string(),
                    on_change=ChatState.apply_preset,
                    id="preset-select",
                    aria_label="preset",
                    class_name="nt-button",
                    style={"padding": "1px 4px", "font_size": "12px"},
                ),
                rx.el.button(
                    "★ default",
                    type="button",
                    id="preset-default",
                    class_name="nt-button nt-tiny",
                    title="New conversations start from the chosen preset (none: from nothing)",
                    on_click=ChatState.make_preset_default,
                ),
                rx.el.button(
                    "delete",
                    type="button",
                    id="preset-delete",
                    class_name="nt-button nt-tiny",
                    on_click=ChatState.delete_preset,
                ),
                spacing="2",
                align="center",
                padding_bottom="4px",
            ),
            rx.el.textarea(
                name="system_prompt",
                id="system-prompt",
                aria_label="system prompt",
                default_value=ChatState.system_prompt,
                placeholder="(none) e.g. You are a terse assistant for a Linux terminal.",
                rows=4,
                style={"width": "100%", "padding": "6px"},
            ),
            rx.hstack(
                rx.el.button("save", type="submit", id="system-save", class_name="nt-button"),
                rx.el.input(
                    name="preset_name",
                    id="preset-name",
                    aria_label="preset name",
                    placeholder="and keep as preset named…",
                    max_length=80,
                    style={"padding": "2px 6px", "width": "16em"},
                ),
                rx.text(
                    "applies from the next reply on, and counts in the context like a message",
                    size="1",
                    class_name="nt-dim",
                ),
                spacing="2",
                align="center",
            ),
            on_submit=ChatState.save_system,
            reset_on_submit=False,
            class_name="nt-panel",
            style={"width": "100%", "padding": "8px 16px"},
        ),
    )


def _undo() -> rx.Component:
    """Right after a delete: what went to the trash, and the way back."""
    message = rx.text(
        "Deleted “",
        ChatState.undo_title,
        "”: it stays in the trash, restorable, until it is purged.",
        size="1",
    )
    return rx.cond(
        ChatState.undo_id != 0,
        banner_with_action(
            message,
            label="undo",
            on_click=ChatState.undo_delete,
            button_id="undo-delete",
            element_id="undo-banner",
        ),
    )


def _import_report() -> rx.Component:
    """What the last import added, found already there, and left out."""
    return rx.cond(
        ChatState.import_report != "",
        banner_with_action(
            rx.text(ChatState.import_report, size="1", id="import-report"),
            label="ok",
            on_click=ChatState.dismiss_import_report,
            button_id="import-report-ok",
        ),
    )


def _notices() -> list[Notice]:
    """Most severe first: what stops sending, what went wrong, then warnings, then notes."""
    paused = ChatState.breaker_state.contains("paused")
    return [
        Notice("budget", ChatState.suspended, "error", "budget-suspended", "budget"),
        Notice("error", ChatState.notice, "error", "notice", "error"),
        Notice(
            "breaker",
            rx.cond(paused, BREAKER + ChatState.breaker_state, ""),
            "amber",
            "breaker-notice",
            "upstream",
        ),
        Notice("warning", ChatState.budget_warning, "amber", "budget-warning", "budget warning"),
        Notice("context", ChatState.context_notice, "amber", "context-notice", "context"),
        Notice(
            "simulator",
            rx.cond(ChatState.simulated, SIMULATED, ""),
            "info",
            "simulator-banner",
            "simulator",
        ),
    ]


def _panels() -> rx.Component:
    return rx.fragment(
        _system_panel(),
        _undo(),
        _import_report(),
        budget_panel(),
        status_line(
            _notices(),
            dismissed=ChatState.dismissed_notices,
            dismiss=ChatState.dismiss_notice,
        ),
    )


def index() -> rx.Component:
    """The chat terminal."""
    return rx.hstack(
        sidebar(),
        rx.el.main(
            header(),
            _panels(),
            transcript(),
            composer(),
            class_name="nt-main",
        ),
        rx.box(id="drawer-backdrop", class_name="nt-backdrop", aria_hidden="true"),
        rx.script(src="/terminal.js"),
        rx.script(src="/layout.js"),
        rx.script(src="/telemetry.js"),
        keys_layer(),
        class_name="nt-shell nt-chat",
        spacing="0",
        width="100%",
    )
