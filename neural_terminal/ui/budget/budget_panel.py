"""The header's budget meter and the budget panel (its notices are in the status line)."""

from __future__ import annotations

import reflex as rx

from neural_terminal.ui.chat.state import ChatState


def budget_meter() -> rx.Component:
    """``spent $0.0012 / $5.00`` with a bar (amber from 80%, red at 100%): a click opens the
    budget panel; hover or focus shows every figure exactly."""
    return rx.box(
        rx.el.button(
            rx.el.span(ChatState.budget_text, class_name="nt-figure nt-clip", id="budget-text"),
            rx.box(
                rx.box(
                    class_name="nt-budget-fill",
                    width=ChatState.budget_percent.to_string() + "%",
                ),
                class_name="nt-budget-bar",
                id="budget-bar",
                data_level=ChatState.budget_level,
            ),
            rx.el.span("▾", aria_hidden="true"),
            type="button",
            on_click=ChatState.toggle_budget,
            id="budget-toggle",
            class_name="nt-figure-button",
            aria_expanded=ChatState.budget_open.to_string(),
            aria_describedby="budget-tip",
            title="Budget: open the panel to set limits",
        ),
        rx.el.span(
            "Spend against the tightest limit. ",
            ChatState.budget_exact,
            role="tooltip",
            id="budget-tip",
            class_name="nt-tip",
        ),
        class_name="nt-tip-host nt-budget",
    )


def budget_panel() -> rx.Component:
    """Limits, period and time zone; the conversation's own limit (empty: none)."""
    field = {"padding": "2px 6px", "width": "9em"}
    return rx.cond(
        ChatState.budget_open,
        rx.el.form(
            rx.hstack(
                rx.text("global limit $", size="1"),
                rx.el.input(
                    name="global_limit",
                    id="budget-global-limit",
                    aria_label="global limit in dollars",
                    default_value=ChatState.budget_limit,
                    placeholder="none",
                    style=field,
                ),
                rx.el.select(
                    rx.el.option("never resets", value="none"),
                    rx.el.option("daily", value="daily"),
                    rx.el.option("monthly", value="monthly"),
                    name="period",
                    id="budget-period",
                    aria_label="when the global limit resets",
                    default_value=ChatState.budget_period,
                    class_name="nt-button",
                ),
                rx.text("time zone", size="1"),
                rx.el.input(
                    name="time_zone",
                    id="budget-time-zone",
                    aria_label="time zone",
                    default_value=ChatState.budget_zone,
                    style=field,
                ),
                rx.text("this conversation $", size="1"),
                rx.el.input(
                    name="conversation_limit",
                    id="budget-conversation-limit",
                    aria_label="this conversation's limit in dollars",
                    default_value=ChatState.conversation_limit,
                    placeholder="none",
                    disabled=ChatState.active_id == 0,
                    style=field,
                ),
                rx.el.button(
                    "save",
                    type="submit",
                    id="budget-save",
                    class_name="nt-button",
                    style={"padding": "2px 10px"},
                ),
                align="center",
                spacing="2",
                wrap="wrap",
            ),
            on_submit=ChatState.save_budget,
            reset_on_submit=False,
            id="budget-panel",
            class_name="nt-budget-panel",
            style={"width": "100%", "padding": "6px 16px"},
        ),
    )
