"""The telemetry page's state: the range and model picked, and what the service computed for
them, copied into vars (every chart's table and plotted rows, headlines, the scoreboard)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import reflex as rx

from neural_terminal.bootstrap import services
from neural_terminal.chat.telemetry.ranges import (
    RangeName,
    choice_query,
    local_day,
    parse_choice,
)
from neural_terminal.domain.errors import NotSignedIn
from neural_terminal.domain.telemetry import TelemetryView
from neural_terminal.domain.viewer import VIEWER_HEADER, Viewer
from neural_terminal.ui.telemetry.views import (
    ScoreRow,
    plotted,
    score_rows,
    sort_scores,
    spend_line,
    tables,
)

RANGE_WORDS = {"today": "today", "7d": "7 days", "30d": "30 days", "all": "all time"}


class TelemetryState(rx.State):
    """One range of the viewer's own telemetry."""

    range_name: str = RangeName.WEEK.value
    first_day: str = ""
    last_day: str = ""
    model: str = ""
    models: list[str] = []
    heads: dict[str, list[str]] = {}
    tables: dict[str, list[list[str]]] = {}
    rows: dict[str, list[dict[str, Any]]] = {}
    scores: list[ScoreRow] = []
    sort_key: str = "replies"
    sort_desc: bool = True
    spend_line: str = ""
    range_line: str = ""
    query: str = "range=7d"
    loaded: bool = False
    # Whose figures are on show (another user signing in on this tab starts afresh).
    _owner: str = ""

    @rx.event
    async def load(self) -> None:
        """Compute the page for the range and model on show."""
        await self._refresh()

    @rx.event
    async def pick_range(self, name: str) -> None:
        """Show today, 7 days, 30 days or everything (custom waits for its days)."""
        self.range_name = parse_choice(name).name.value
        if self.range_name != RangeName.CUSTOM.value:
            await self._refresh()

    @rx.event
    async def apply_days(self, form_data: dict[str, Any]) -> None:
        """Show the custom range's days (either may be empty: unbounded)."""
        self.range_name = RangeName.CUSTOM.value
        self.first_day = str(form_data.get("first_day", ""))
        self.last_day = str(form_data.get("last_day", ""))
        await self._refresh()

    @rx.event
    async def pick_model(self, model: str) -> None:
        """Show one model's replies (empty: every model)."""
        self.model = model
        await self._refresh()

    @rx.event
    def sort_by(self, key: str) -> None:
        """Sort the scoreboard by a column; the same column again flips the order."""
        self.sort_desc = not self.sort_desc if key == self.sort_key else key != "model"
        self.sort_key = key
        self.scores = sort_scores(self.scores, key, self.sort_desc)

    async def _refresh(self) -> None:
        viewer = Viewer.from_header(self.router.headers.raw_headers.get(VIEWER_HEADER))
        if viewer is None:
            raise NotSignedIn()
        if self._owner != viewer.to_header():
            if self._owner:  # someone else on this tab: nothing of the last one stays
                self.reset()  # type: ignore[no-untyped-call]
            self._owner = viewer.to_header()
        choice = parse_choice(self.range_name, self.first_day, self.last_day, self.model)
        view = await services().telemetry.view(viewer, choice)
        self._show(view)
        # Downloads name the instant this page was read at: each CSV is exactly its chart.
        self.query = choice_query(replace(choice, at=view.at))

    def _show(self, view: TelemetryView) -> None:
        charts = tables(view)
        self.heads = {name: list(table.columns) for name, table in charts.items()}
        self.tables = {name: [list(row) for row in table.rows] for name, table in charts.items()}
        self.rows = {name: plotted(table) for name, table in charts.items()}
        self.scores = sort_scores(score_rows(charts["scoreboard"]), self.sort_key, self.sort_desc)
        self.models = list(view.models)
        self.spend_line = spend_line(view)
        query = view.query
        words = RANGE_WORDS.get(self.range_name, "custom")
        tz = view.time_zone
        start = local_day(query.start, tz).isoformat() if query.start else "the first reply"
        self.range_line = f"{words} · from {start} · days in {tz}"
        self.loaded = True
