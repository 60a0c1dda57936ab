"""The telemetry view as the page shows it: each chart's table, the numbers it plots (read
from that same table, so the CSV is exactly the chart), headline lines and scoreboard rows."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from neural_terminal.chat.telemetry.charts import CHARTS, ChartTable
from neural_terminal.domain.money import format_usd
from neural_terminal.domain.periods import Period
from neural_terminal.domain.telemetry import TelemetryView

# Columns plotted as numbers; every other column is a label.
TEXT_COLUMNS = frozenset({"day", "model", "title", "conversation_id", "provider"})
TEXT_COLUMNS |= {"first_token_ms", "tokens_per_s"}  # bucket labels such as 250-500
LABEL_CHARS = 28
PERIOD_NAME = {Period.NONE: "budget (never resets)", Period.DAILY: "daily budget"}
PERIOD_NAME[Period.MONTHLY] = "monthly budget"
SORTABLE = ("replies", "median_ttft", "median_tps", "per_thousand", "failure_rate")
UNKNOWN = 1e18  # sorts after every measured figure (JSON has no infinity)


@dataclasses.dataclass
class ScoreRow:
    """One scoreboard line: display text, and numbers to sort by."""

    model: str = ""
    provider: str = ""
    replies: str = ""
    median_ttft: str = ""
    median_tps: str = ""
    per_thousand: str = ""
    failure_rate: str = ""
    keys: dict[str, float] = dataclasses.field(default_factory=dict)


def plotted(table: ChartTable) -> list[dict[str, Any]]:
    """The table's rows as the chart's data: numbers where a column is numeric."""
    rows = []
    for row in table.rows:
        item: dict[str, Any] = {}
        for column, cell in zip(table.columns, row, strict=True):
            if column in TEXT_COLUMNS:
                item[column] = cell
            else:
                item[column] = float(cell) if cell else None
        if "title" in item:  # an axis label: short (the table keeps it whole)
            title = str(item["title"])
            item["label"] = title if len(title) <= LABEL_CHARS else title[: LABEL_CHARS - 1] + "…"
        rows.append(item)
    return rows


def tables(view: TelemetryView) -> dict[str, ChartTable]:
    """Every chart's table."""
    return {name: build(view) for name, build in CHARTS.items()}


def score_rows(table: ChartTable) -> list[ScoreRow]:
    """The scoreboard's lines, from its table."""
    found = []
    for row in table.rows:
        model, provider, replies, ttft, tps, per_1k, failed = row
        found.append(
            ScoreRow(
                model=model,
                provider=provider or "—",
                replies=replies,
                median_ttft=f"{ttft} ms" if ttft else "—",
                median_tps=tps or "—",
                per_thousand=format_usd(Decimal(per_1k)) if per_1k else "—",
                failure_rate=f"{failed}%",
                keys={
                    "replies": float(replies),
                    "median_ttft": float(ttft) if ttft else UNKNOWN,
                    "median_tps": float(tps) if tps else -1.0,
                    "per_thousand": float(per_1k) if per_1k else UNKNOWN,
                    "failure_rate": float(failed),
                },
            )
        )
    return found


def sort_scores(rows: list[ScoreRow], key: str, descending: bool) -> list[ScoreRow]:
    """The scoreboard sorted by one column (by model name for anything else)."""
    if key not in SORTABLE:
        return sorted(rows, key=lambda r: r.model, reverse=descending)
    return sorted(rows, key=lambda r: (r.keys[key], r.model), reverse=descending)


def spend_line(view: TelemetryView) -> str:
    """``$1.23 in range · monthly budget $5.00: $2.10 spent, $4.80 at this rate by its end``."""
    curve = view.spend
    parts = [f"{format_usd(view.total_usd)} in range"]
    if curve.limit_usd is not None:
        parts.append(f"{PERIOD_NAME[curve.period]} {format_usd(curve.limit_usd)}")
    if curve.period_spent_usd is not None and curve.projected_usd is not None:
        horizon = "its end" if curve.period is not Period.NONE else "month end"
        parts.append(
            f"{format_usd(curve.period_spent_usd)} spent, "
            f"{format_usd(curve.projected_usd)} at this rate by {horizon}"
        )
    return " · ".join(parts)
