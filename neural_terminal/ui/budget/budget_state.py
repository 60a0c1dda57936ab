"""The budget's vars, mixed into the chat state (figures come from the database each time)."""

from __future__ import annotations

import reflex as rx

from neural_terminal.chat.spend.budget import BudgetStatus
from neural_terminal.ui.budget.budget_view import budget_figures, limit_text


class BudgetVars(rx.State, mixin=True):
    """Header figures, banners, the panel's fields and price changes."""

    budget_text: str = ""
    budget_exact: str = ""
    budget_percent: int = 0
    budget_level: str = "none"
    budget_warning: str = ""
    suspended: str = ""
    budget_open: bool = False
    budget_limit: str = ""
    budget_period: str = "none"
    budget_zone: str = "UTC"
    conversation_limit: str = ""
    price_change: str = ""

    @rx.event
    def toggle_budget(self) -> None:
        """Open or close the budget panel."""
        self.budget_open = not self.budget_open

    def _show_status(self, status: BudgetStatus) -> None:
        figures = budget_figures(status)
        self.budget_text = figures.text
        self.budget_exact = figures.exact
        self.budget_percent = figures.percent
        self.budget_level = figures.level
        self.budget_warning = figures.warning
        self.suspended = figures.suspended
        self.budget_limit = limit_text(status.config.limit_usd)
        self.budget_period = status.config.period.value
        self.budget_zone = status.config.time_zone
        self.conversation_limit = limit_text(status.spend.conversation_limit_usd)
