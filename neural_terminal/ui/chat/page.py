"""The one page: sidebar, header with figures, transcript, composer."""

from __future__ import annotations

import reflex as rx

from neural_terminal.ui.banner import banner, banner_when_set, banner_with_action
from neural_terminal.ui.budget.budget_panel import budget_banners, budget_meter, budget_panel
from neural_terminal.ui.chat.composer import composer
from neural_terminal.ui.chat.state import ChatState
from neural_terminal.ui.chat.transcript import transcript
from neural_terminal.ui.library.sidebar import sidebar
from neural_terminal.ui.telemetry.credit import credit_meter, telemetry_link


def _header() -> rx.Component:
    return rx.hstack(
        rx.text(rx.cond(ChatState.title != "", ChatState.title, "new conversation"), id="title"),
        rx.spacer(),
        rx.text(
            ChatState.breaker_state,
            size="1",
            id="breaker-state",
            class_name="nt-figure",
            title="The circuit breaker for the upstream: paused after repeated failures",
        ),
        rx.text("model ", rx.el.span(ChatState.model, class_name="nt-figure"), size="1"),
        rx.text(ChatState.context_meter, class_name="nt-figure", id="context-meter", size="1"),
        rx.el.select(
            rx.el.option("sliding window", value="sliding"),
            rx.el.option("bookends + summary", value="bookends"),
            value=ChatState.context_strategy,
            on_change=ChatState.select_strategy,
            id="context-strategy",
            title="What to keep when the conversation outgrows the model's window",
            class_name="nt-button",
            style={"padding": "2px 4px", "font_size": "12px"},
        ),
        rx.text(
            rx.cond(ChatState.tree_cost != "", "branch ", "conversation "),
            rx.el.span(ChatState.total_cost, class_name="nt-figure", id="conversation-cost"),
            rx.cond(
                ChatState.tree_cost != "",
                rx.el.span(
                    " · all branches ",
                    rx.el.span(ChatState.tree_cost, class_name="nt-figure", id="tree-cost"),
                ),
            ),
            size="1",
            title="The branch on show (messages shared with other branches counted once), "
            "and every branch of the conversation",
        ),
        rx.cond(
            ChatState.active_id != 0,
            rx.hstack(
                rx.text("export", size="1", class_name="nt-dim"),
                *(
                    # A real download (an anchor React Router would route inside the page).
                    rx.el.button(
                        label,
                        type="button",
                        on_click=rx.download(
                            url="/api/export/" + ChatState.active_id.to_string() + suffix
                        ),
                        id=f"export-{name}",
                        class_name="nt-button nt-tiny",
                        title=title,
                    )
                    for name, label, suffix, title in (
                        ("json", "json", ".json", "The whole tree, exact costs (our format)"),
                        ("md", "md", ".md", "The branch on show, to read"),
                        ("md-all", "md*", ".md?branches=all", "Every branch, to read"),
                    )
                ),
                spacing="1",
                align="center",
            ),
        ),
        rx.el.button(
            "system ▾",
            type="button",
            on_click=ChatState.toggle_system,
            id="system-toggle",
            class_name="nt-button",
            title="This conversation's system prompt",
            style={"padding": "2px 8px", "font_size": "12px"},
        ),
        budget_meter(),
        credit_meter(),
        telemetry_link(),
        _account(),
        width="100%",
        padding="10px 16px",
        border_bottom="1px solid var(--nt-line)",
        align="center",
        spacing="4",
    )


def _account() -> rx.Component:
    """Hosted mode: who is signed in, and log out (assets/terminal.js posts /logout)."""
    return rx.cond(
        ChatState.signed_in_as != "",
        rx.hstack(
            rx.cond(ChatState.is_admin, rx.link("admin", href="/admin", id="admin-link")),
            rx.el.span(ChatState.signed_in_as, id="signed-in-as", class_name="nt-figure"),
            rx.el.button("log out", type="button", id="logout", class_name="nt-button"),
            align="center",
            spacing="2",
            font_size="12px",
        ),
    )


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


def _banners() -> rx.Component:
    return rx.fragment(
        _system_panel(),
        _undo(),
        _import_report(),
        budget_panel(),
        budget_banners(),
        rx.cond(ChatState.simulated, banner(SIMULATED, element_id="simulator-banner")),
        banner_when_set(ChatState.context_notice, element_id="context-notice"),
        banner_when_set(ChatState.notice, element_id="notice", tone="error"),
    )


def index() -> rx.Component:
    """The chat terminal."""
    return rx.hstack(
        sidebar(),
        rx.vstack(
            _header(),
            _banners(),
            transcript(),
            composer(),
            height="100vh",
            flex="1",
            spacing="0",
            min_width="0",
        ),
        rx.script(src="/terminal.js"),
        rx.script(src="/telemetry.js"),
        class_name="nt-shell",
        spacing="0",
        width="100%",
    )
