"""The one page: sidebar, header with figures, transcript, composer."""

from __future__ import annotations

import reflex as rx

from neural_terminal.ui.banner import Notice, banner_with_action, status_line
from neural_terminal.ui.budget.budget_panel import budget_meter, budget_panel
from neural_terminal.ui.chat.composer import composer
from neural_terminal.ui.chat.state import ChatState
from neural_terminal.ui.chat.transcript import transcript
from neural_terminal.ui.library.sidebar import sidebar
from neural_terminal.ui.telemetry.credit import credit_meter, telemetry_link


def _header() -> rx.Component:
    """One line: the drawer's toggle, the title, the figures, then the tools (a menu below
    a wide screen). Each figure shows its details on hover and on focus."""
    return rx.el.header(
        rx.el.button(
            "☰",
            type="button",
            id="drawer-toggle",
            class_name="nt-button nt-drawer-toggle",
            aria_label="conversation list",
            aria_controls="sidebar",
            aria_expanded="false",
        ),
        rx.el.h1(
            rx.cond(ChatState.title != "", ChatState.title, "new conversation"),
            id="title",
            class_name="nt-title",
            title=ChatState.title,
        ),
        _figure(
            rx.el.span(ChatState.model, class_name="nt-figure nt-clip", id="header-model"),
            tip=["model ", ChatState.model, ": ", ChatState.model_info],
            name="model",
            extra_class="nt-model-figure",
        ),
        _costs(),
        budget_meter(),
        credit_meter(),
        _details(),
        _tools(),
        _account(),
        class_name="nt-header",
    )


def _figure(
    *children: rx.Component, tip: list[rx.Var[str] | str], name: str, extra_class: str = ""
) -> rx.Component:
    """A figure that can take the focus, with its details in a tooltip (hover or focus)."""
    return rx.box(
        rx.el.span(
            *children,
            tab_index=0,
            class_name="nt-focusable",
            aria_describedby=f"{name}-tip",
        ),
        rx.el.span(*tip, role="tooltip", id=f"{name}-tip", class_name="nt-tip"),
        class_name=f"nt-tip-host {extra_class}".strip(),
    )


def _costs() -> rx.Component:
    """The branch on show (shared messages once), and every branch when they differ."""
    return _figure(
        rx.el.span(ChatState.total_cost, class_name="nt-figure", id="conversation-cost"),
        rx.cond(
            ChatState.tree_cost != "",
            rx.el.span(
                " · all ",
                rx.el.span(ChatState.tree_cost, class_name="nt-figure", id="tree-cost"),
                class_name="nt-dim",
            ),
        ),
        tip=[
            rx.cond(
                ChatState.active_id != 0,
                ChatState.cost_exact,
                "nothing spent on this conversation yet",
            ),
            " (exactly, as stored)",
        ],
        name="cost",
    )


def _details() -> rx.Component:
    """The context meter and the upstream's breaker, on hover or focus of i."""
    return rx.box(
        rx.el.button(
            "i",
            type="button",
            class_name="nt-button nt-icon",
            aria_label="details: context window and upstream",
            aria_describedby="details-tip",
        ),
        rx.box(
            rx.text(ChatState.context_meter, class_name="nt-figure", id="context-meter"),
            rx.text(
                ChatState.breaker_state,
                id="breaker-state",
                class_name="nt-figure",
                title="The circuit breaker for the upstream: paused after repeated failures",
            ),
            role="tooltip",
            id="details-tip",
            class_name="nt-tip",
        ),
        class_name="nt-tip-host",
    )


def _tools() -> rx.Component:
    """Strategy, system prompt, export, telemetry: in the line on a wide screen, else behind
    ⋯ (open on hover, or with the focus anywhere inside)."""
    return rx.box(
        rx.el.button(
            "⋯",
            type="button",
            id="tools-toggle",
            class_name="nt-button nt-icon nt-tools-toggle",
            aria_label="tools: context strategy, system prompt, export, telemetry",
        ),
        rx.box(
            rx.el.select(
                rx.el.option("sliding window", value="sliding"),
                rx.el.option("bookends + summary", value="bookends"),
                value=ChatState.context_strategy,
                on_change=ChatState.select_strategy,
                id="context-strategy",
                title="What to keep when the conversation outgrows the model's window",
                aria_label="context strategy",
                class_name="nt-button nt-compact",
            ),
            rx.el.button(
                "system ▾",
                type="button",
                on_click=ChatState.toggle_system,
                id="system-toggle",
                class_name="nt-button nt-compact",
                title="This conversation's system prompt",
            ),
            rx.cond(ChatState.active_id != 0, _exports()),
            telemetry_link(),
            class_name="nt-tools",
            id="tools",
        ),
        class_name="nt-tools-host",
    )


def _exports() -> rx.Component:
    return rx.box(
        rx.text("export", size="1", class_name="nt-dim", as_="span"),
        *(
            # A real download (an anchor React Router would route inside the page).
            rx.el.button(
                label,
                type="button",
                on_click=rx.download(url="/api/export/" + ChatState.active_id.to_string() + suffix),
                id=f"export-{name}",
                class_name="nt-button nt-tiny",
                title=title,
                aria_label=f"export {title[0].lower()}{title[1:]}",
            )
            for name, label, suffix, title in (
                ("json", "json", ".json", "The whole tree, exact costs (our format)"),
                ("md", "md", ".md", "The branch on show, to read"),
                ("md-all", "md*", ".md?branches=all", "Every branch, to read"),
            )
        ),
        class_name="nt-exports",
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
            _header(),
            _panels(),
            transcript(),
            composer(),
            class_name="nt-main",
        ),
        rx.box(id="drawer-backdrop", class_name="nt-backdrop", aria_hidden="true"),
        rx.script(src="/terminal.js"),
        rx.script(src="/layout.js"),
        rx.script(src="/telemetry.js"),
        class_name="nt-shell nt-chat",
        spacing="0",
        width="100%",
    )
