"""The admin page (hosted mode): users with their spend and limits, and sessions to revoke."""

from __future__ import annotations

import reflex as rx

from neural_terminal.ui.admin.admin_state import AdminState, SessionRow, UserRow
from neural_terminal.ui.banner import banner_when_set

CELL = {"padding": "4px 10px", "text_align": "left", "border_bottom": "1px solid var(--nt-line)"}


def _user(user: UserRow) -> rx.Component:
    return rx.el.tr(
        rx.el.td(user.username, style=CELL),
        rx.el.td(user.role, style=CELL),
        rx.el.td(user.status, style=CELL),
        rx.el.td(user.spent, class_name="nt-figure", style=CELL),
        rx.el.td(user.own_limit, class_name="nt-figure", style=CELL),
        rx.el.td(
            rx.el.form(
                rx.el.input(type="hidden", name="username", value=user.username),
                rx.el.input(name="limit", default_value=user.limit, style={"width": "7em"}),
                rx.el.select(
                    rx.el.option("never resets", value="none"),
                    rx.el.option("daily", value="daily"),
                    rx.el.option("monthly", value="monthly"),
                    name="period",
                    default_value=user.period,
                    class_name="nt-button",
                ),
                rx.el.button("set", type="submit", class_name="nt-button"),
                on_submit=AdminState.set_limit,
                style={"display": "flex", "gap": "6px"},
                id="limit-" + user.username,
            ),
            style=CELL,
        ),
        rx.el.td(
            rx.cond(
                user.status == "active",
                rx.el.button(
                    "disable",
                    on_click=AdminState.disable(user.username),
                    class_name="nt-button",
                ),
                rx.el.button(
                    "enable", on_click=AdminState.enable(user.username), class_name="nt-button"
                ),
            ),
            style=CELL,
        ),
    )


def _session(session: SessionRow) -> rx.Component:
    return rx.el.tr(
        rx.el.td(session.username, style=CELL),
        rx.el.td(session.client, style=CELL),
        rx.el.td(session.since, style=CELL),
        rx.el.td(session.last_seen, style=CELL),
        rx.el.td(
            rx.el.button(
                "revoke",
                on_click=AdminState.revoke(session.id),
                class_name="nt-button",
                id="revoke-" + session.id.to_string(),
            ),
            style=CELL,
        ),
    )


def _table(headings: list[str], body: rx.Component, element_id: str) -> rx.Component:
    return rx.el.table(
        rx.el.thead(rx.el.tr(*[rx.el.th(h, style=CELL) for h in headings])),
        rx.el.tbody(body),
        id=element_id,
        style={"border_collapse": "collapse", "font_size": "13px"},
    )


def admin() -> rx.Component:
    """Users (spend this period against their own limit) and signed-in sessions."""
    return rx.vstack(
        rx.hstack(
            rx.text("> admin", id="admin-title"),
            rx.spacer(),
            rx.link("back to the terminal", href="/"),
            width="100%",
        ),
        banner_when_set(AdminState.notice, element_id="admin-notice", tone="error"),
        rx.cond(
            AdminState.allowed,
            rx.vstack(
                rx.text("USERS", size="1", class_name="nt-dim"),
                _table(
                    ["user", "role", "status", "spent this period", "own limit", "set $", ""],
                    rx.foreach(AdminState.users, _user),
                    "admin-users",
                ),
                rx.text("SIGNED-IN SESSIONS", size="1", class_name="nt-dim"),
                _table(
                    ["user", "client", "since", "last seen", ""],
                    rx.foreach(AdminState.sessions, _session),
                    "admin-sessions",
                ),
                spacing="3",
            ),
        ),
        class_name="nt-shell",
        padding="16px 24px",
        spacing="3",
        width="100%",
        min_height="100vh",
    )
