"""What the keyboard reaches: the completion menu, the command's message, the key map and
the command palette. The menu and the palette are filled and driven by assets/keys.js from
the command table written into the page here (one source: chat/commands/registry.py)."""

from __future__ import annotations

import json

import reflex as rx

from neural_terminal.chat.commands import COMMANDS, registry_rows
from neural_terminal.ui.commands.command_state import CommandState

# (keys, what they do): the key map, in the order a newcomer needs them.
KEYS: tuple[tuple[str, str], ...] = (
    ("/ or i", "focus the composer (outside a text field)"),
    ("Enter / Shift+Enter", "send / new line"),
    ("/ in the composer", "slash commands: Up/Down/Tab choose, Enter runs, Escape closes"),
    ("Up (empty composer)", "edit your last message"),
    ("Escape", "stop the streaming reply"),
    ("Alt+Up / Alt+Down", "previous / next conversation"),
    ("[ / ]", "previous / next alternative reply"),
    ("t", "telemetry"),
    ("Ctrl+K / Cmd+K", "command palette: commands, conversations, models"),
    ("Down on MODEL", "model picker: type to search, Up/Down, Enter uses it, Alt+S stars"),
    ("?", "this key map"),
)


def command_menu() -> rx.Component:
    """The completion list above the composer (hidden until the draft starts with /)."""
    return rx.el.ul(
        id="command-menu",
        role="listbox",
        aria_label="slash commands",
        hidden=True,
        class_name="nt-command-menu",
        data_commands=json.dumps(registry_rows()),
    )


def command_notice() -> rx.Component:
    """Why the last command was refused (the draft is kept)."""
    return rx.cond(
        CommandState.command_notice != "",
        rx.hstack(
            rx.text(CommandState.command_notice, size="1", class_name="nt-amber"),
            rx.el.button(
                "ok",
                type="button",
                on_click=CommandState.dismiss,
                class_name="nt-button nt-tiny",
                id="command-notice-ok",
            ),
            id="command-notice",
            role="status",
            spacing="2",
            align="center",
        ),
    )


def keys_overlay() -> rx.Component:
    """The key map and the commands (``?`` outside a text field, or /help)."""
    rows = [
        rx.el.tr(rx.el.th(keys, scope="row"), rx.el.td(what), class_name="nt-key-row")
        for keys, what in KEYS
    ]
    commands = [
        rx.el.tr(rx.el.th(c.usage, scope="row"), rx.el.td(c.summary), class_name="nt-key-row")
        for c in COMMANDS
    ]
    return rx.fragment(
        rx.el.button(
            "?", type="button", id="keys-toggle", on_click=CommandState.toggle_keys, hidden=True
        ),
        rx.cond(
            CommandState.keys_open,
            rx.el.div(
                rx.el.h2("Keyboard and commands", id="keys-title"),
                rx.el.table(rx.el.tbody(*rows), class_name="nt-keys-table"),
                rx.el.table(rx.el.tbody(*commands), class_name="nt-keys-table"),
                rx.el.button(
                    "close (Escape)",
                    type="button",
                    id="keys-close",
                    on_click=CommandState.close_keys,
                    class_name="nt-button",
                    auto_focus=True,
                ),
                id="keys-overlay",
                role="dialog",
                aria_modal="true",
                aria_labelledby="keys-title",
                class_name="nt-panel nt-dialog",
            ),
        ),
    )


def palette() -> rx.Component:
    """Ctrl+K: one search over commands, conversations and models (assets/keys.js)."""
    return rx.el.div(
        rx.el.input(
            id="palette-input",
            type="text",
            placeholder="command, conversation or model…",
            aria_label="search commands, conversations and models",
            aria_controls="palette-list",
            auto_complete="off",
        ),
        rx.el.ul(id="palette-list", role="listbox", aria_label="results"),
        id="palette",
        role="dialog",
        aria_modal="true",
        aria_label="command palette",
        hidden=True,
        class_name="nt-panel nt-dialog",
    )


def keys_layer() -> rx.Component:
    """Everything the chat page adds for the keyboard (one line in page.py)."""
    return rx.fragment(keys_overlay(), palette(), rx.script(src="/keys.js"))
