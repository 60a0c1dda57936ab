"""The chat page's header: one line of figures, each with its details on hover and focus;
the tools behind ⋯ below a wide screen (assets/terminal.css)."""

from __future__ import annotations

import reflex as rx

from neural_terminal.ui.budget.budget_panel import budget_meter
from neural_terminal.ui.chat.state import ChatState
from neural_terminal.ui.telemetry.credit import credit_meter, telemetry_link


def header() -> rx.Component:
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
