"""The telemetry page's values: plotted numbers read from the CSV's own cells, the
scoreboard's order, the spend headline and the credit line."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

from neural_terminal.chat.telemetry.charts import CHARTS, csv_text, exact
from neural_terminal.domain.credit import KeyInfo
from neural_terminal.domain.periods import Period
from neural_terminal.domain.telemetry import (
    SPEED_EDGES_TPS,
    TTFT_EDGES_MS,
    DaySpend,
    Histogram,
    Score,
    SpendCurve,
    SpendShare,
    TelemetryQuery,
    TelemetryView,
)
from neural_terminal.ui.telemetry.credit import credit_text
from neural_terminal.ui.telemetry.views import plotted, score_rows, sort_scores, spend_line, tables

NOW = datetime(2026, 3, 30, 10, tzinfo=UTC)


def view() -> TelemetryView:
    return TelemetryView(
        query=TelemetryQuery(),
        at=NOW,
        time_zone="UTC",
        spend=SpendCurve(
            days=(DaySpend(date(2026, 3, 29), Decimal("0.000000000001")),),
            limit_usd=Decimal(5),
            period=Period.MONTHLY,
            period_spent_usd=Decimal("1.25"),
            projected_usd=Decimal("1.9"),
            totals=(DaySpend(date(2026, 3, 29), Decimal("1.25")),),
            projection=(DaySpend(date(2026, 3, 30), Decimal("1.9")),),
        ),
        by_model=(SpendShare("a", "a", Decimal("0.5")),),
        by_conversation=(SpendShare("4", 'a "quoted", title\nwith a line', Decimal("0.25")),),
        ttft=Histogram(TTFT_EDGES_MS, (1,) + (0,) * 9),
        speed=Histogram(SPEED_EDGES_TPS, (0,) * 10 + (2,)),
        spreads=(),
        latency=(),
        drift=(),
        failures=(),
        scores=(
            Score("b", "B", 4, 1, 200.0, 40.5, Decimal("0.004"), 3000),
            Score("a", "", 9, 0, None, None, Decimal(0), 0),
        ),
    )


def test_every_csv_reads_back_as_its_table_and_plots_its_cells() -> None:
    charts = tables(view())
    assert set(charts) == set(CHARTS)
    for table in charts.values():
        rows = list(csv.reader(io.StringIO(csv_text(table))))
        assert rows == [list(table.columns), *map(list, table.rows)]
    spend = plotted(charts["spend"])
    assert spend[0] == {
        "day": "2026-03-29",
        "spend_usd": 1e-12,
        "period_total_usd": 1.25,
        "projected_total_usd": None,
        "limit_usd": 5.0,
    }
    assert charts["spend"].rows[0][1] == "0.000000000001"  # exact in the table, never 1e-12
    assert plotted(charts["by_conversation"])[0]["label"] == 'a "quoted", title\nwith a li…'
    assert charts["ttft"].rows[-1] == ("10000+", "0")
    assert charts["speed"].rows[-1] == ("400+", "2")


def test_the_scoreboard_sorts_by_any_column_unknown_figures_last() -> None:
    rows = score_rows(tables(view())["scoreboard"])
    assert [r.per_thousand for r in rows] == ["$0.0013", "—"]
    assert [r.model for r in sort_scores(rows, "replies", True)] == ["a", "b"]
    assert [r.model for r in sort_scores(rows, "median_ttft", False)] == ["b", "a"]
    assert [r.model for r in sort_scores(rows, "model", False)] == ["a", "b"]
    assert rows[0].failure_rate == "25.0%"


def test_the_spend_headline_and_the_credit_line() -> None:
    assert spend_line(view()) == (
        "$0.000000000001 in range · monthly budget $5.00 · "
        "$1.25 spent, $1.90 at this rate by its end"
    )
    assert credit_text(None) == ("", "")
    text, title = credit_text(
        KeyInfo(Decimal(10), Decimal("7.5"), Decimal("2.5"), usage_daily_usd=Decimal("0.5"))
    )
    assert text == "credit $7.50 of $10.00"
    assert title == (
        "The API key's account: $2.500000000000 spent in all, $7.500000000000 left of "
        "$10.000000000000; $0.500000000000 today"
    )
    assert credit_text(KeyInfo(None, None, Decimal("0.25")))[0] == "credit used $0.2500 · no limit"
    assert exact(Decimal("-0")) == "0"
