"""The admin page's state: users with their spend and limits, signed-in sessions (revoke).

Every handler asks afresh whether the viewer is an enabled admin (an admin made a user
again mid-session loses the page at their next click).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from neural_terminal.bootstrap import services
from neural_terminal.domain.errors import AdminOnly, NeuralTerminalError, NotSignedIn
from neural_terminal.domain.money import format_usd
from neural_terminal.domain.periods import Period
from neural_terminal.domain.users import UserSession
from neural_terminal.domain.viewer import VIEWER_HEADER, Viewer
from neural_terminal.store.spend.user_spend import UserBudgetView
from neural_terminal.ui.budget.budget_view import limit_text, parse_limit

PERIOD_NAME = {Period.NONE: "in all", Period.DAILY: "a day", Period.MONTHLY: "a month"}


@dataclasses.dataclass
class UserRow:
    """One user as the admin page lists it."""

    username: str = ""
    role: str = "user"
    status: str = "active"
    spent: str = ""
    limit: str = ""
    period: str = "none"
    own_limit: str = "none"


@dataclasses.dataclass
class SessionRow:
    """One signed-in browser."""

    id: int = 0
    username: str = ""
    client: str = ""
    since: str = ""
    last_seen: str = ""


def user_row(budget: UserBudgetView, disabled: bool, admin: bool) -> UserRow:
    """A user's line: their spend this period (stored plus in flight) against their limit."""
    return UserRow(
        username=budget.username,
        role="admin" if admin else "user",
        status="disabled" if disabled else "active",
        spent=format_usd(budget.total_usd),
        limit=limit_text(budget.limit_usd),
        period=budget.period.value,
        own_limit=(
            "none"
            if budget.limit_usd is None
            else f"${limit_text(budget.limit_usd)} {PERIOD_NAME[budget.period]}"
        ),
    )


def session_row(session: UserSession) -> SessionRow:
    """A session's line (never its token)."""
    return SessionRow(
        id=session.id,
        username=session.username,
        client=session.client,
        since=f"{session.created_at:%Y-%m-%d %H:%M} UTC",
        last_seen=f"{session.last_seen_at:%Y-%m-%d %H:%M} UTC",
    )


class AdminState(rx.State):
    """Users, their budgets and sessions, for admins of hosted mode."""

    allowed: bool = False
    hosted: bool = False
    notice: str = ""
    users: list[UserRow] = []
    sessions: list[SessionRow] = []

    @rx.event
    def load(self) -> None:
        """Fill the page, or say it is for admins only."""
        self.hosted = services().settings.auth == "accounts"
        try:
            self._require_admin()
        except NeuralTerminalError as exc:
            self.allowed, self.users, self.sessions = False, [], []
            self.notice = exc.user_message
            return
        self.allowed = True
        self.notice = ""
        self._refresh()

    @rx.event
    def revoke(self, session_id: int) -> None:
        """End one session (its sockets close at their next message)."""
        self._act(lambda: services().accounts.sessions.revoke(session_id))

    @rx.event
    def disable(self, username: str) -> None:
        """Refuse a user's logins and end their sessions."""
        self._act(lambda: services().accounts.users.disable(username))

    @rx.event
    def enable(self, username: str) -> None:
        """Let a disabled user log in again."""
        self._act(lambda: services().accounts.users.enable(username))

    @rx.event
    def set_limit(self, form_data: dict[str, Any]) -> None:
        """A user's own limit and period (under the instance's budget)."""
        username = str(form_data.get("username", ""))

        def store() -> None:
            limit = parse_limit(str(form_data.get("limit", "")))
            try:
                period = Period(str(form_data.get("period", "none")))
            except ValueError:
                period = Period.NONE
            account = services().accounts.users.get(username)
            services().budget.store.set_user_limit(
                user_id=account.id, limit_usd=limit, period=period
            )

        self._act(store)

    def _act(self, action: Any) -> None:
        try:
            self._require_admin()
            action()
        except NeuralTerminalError as exc:
            self.notice = exc.user_message
            return
        self.notice = ""
        self._refresh()

    def _require_admin(self) -> None:
        viewer = Viewer.from_header(self.router.headers.raw_headers.get(VIEWER_HEADER))
        if viewer is None:
            raise NotSignedIn()
        if viewer.is_local:
            raise AdminOnly("Local mode has no accounts: start with NEURAL_TERMINAL_AUTH=accounts.")
        if not services().accounts.users.is_admin(viewer.user_id or 0):
            raise AdminOnly()

    def _refresh(self) -> None:
        app = services()
        accounts = {a.username: a for a in app.accounts.users.list_users()}
        self.users = [
            user_row(b, accounts[b.username].disabled, accounts[b.username].is_admin)
            for b in app.budget.user_statuses()
            if b.username in accounts
        ]
        self.sessions = [session_row(s) for s in app.accounts.sessions.list_active()]
