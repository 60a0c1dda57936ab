"""Each chart of the telemetry page as a table of text: the page's data tables, the CSV
downloads and the plotted numbers are all read from these, so a CSV is exactly its chart.

Money is exact decimal text (never rounded here: the page rounds for display once); times are
milliseconds; tokens per second have two decimals.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from neural_terminal.domain.outcomes import FailureKind
from neural_terminal.domain.telemetry import Histogram, TelemetryView

PICO = Decimal("1e-12")


@dataclass(frozen=True)
class ChartTable:
    """One chart's data: column names and rows of text."""

    name: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def exact(amount: Decimal | None) -> str:
    """A dollar amount as plain exact decimal text (``""`` when unknown)."""
    if amount is None:
        return ""
    text = format(amount.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def _pico(amount: Decimal | None) -> Decimal | None:
    """A ratio of dollars (never exact) to the picodollar, as money is stored."""
    return None if amount is None else amount.quantize(PICO, rounding=ROUND_HALF_EVEN)


def number(value: float | None, places: int = 0) -> str:
    """A measured figure: whole milliseconds, or ``places`` decimals."""
    if value is None:
        return ""
    return f"{value:.{places}f}"


def percent(value: Decimal | None, places: int = 2) -> str:
    """A share in percent, rounded to ``places`` decimals."""
    if value is None:
        return ""
    return f"{value:.{places}f}"


def spend(view: TelemetryView) -> ChartTable:
    """Daily spend, the period's running total, its projection and the limit."""
    curve = view.spend
    totals = {d.day: d.usd for d in curve.totals}
    ahead = {d.day: d.usd for d in curve.projection}
    days = sorted({*(d.day for d in curve.days), *ahead})
    spent = {d.day: d.usd for d in curve.days}
    limit = exact(curve.limit_usd)
    rows = tuple(
        (
            day.isoformat(),
            exact(spent.get(day)) if day in spent else "",
            exact(totals.get(day)),
            exact(ahead.get(day)),
            limit,
        )
        for day in days
    )
    columns = ("day", "spend_usd", "period_total_usd", "projected_total_usd", "limit_usd")
    return ChartTable("spend", columns, rows)


def by_model(view: TelemetryView) -> ChartTable:
    """The top models by spend."""
    rows = tuple((s.key, exact(s.usd)) for s in view.by_model)
    return ChartTable("by_model", ("model", "spend_usd"), rows)


def by_conversation(view: TelemetryView) -> ChartTable:
    """The top conversations by spend."""
    rows = tuple((s.key, s.label, exact(s.usd)) for s in view.by_conversation)
    return ChartTable("by_conversation", ("conversation_id", "title", "spend_usd"), rows)


def _histogram(name: str, unit: str, histogram: Histogram) -> ChartTable:
    rows = tuple((histogram.label(i), str(count)) for i, count in enumerate(histogram.counts))
    return ChartTable(name, (unit, "replies"), rows)


def ttft(view: TelemetryView) -> ChartTable:
    """Replies per bucket of time to first token."""
    return _histogram("ttft", "first_token_ms", view.ttft)


def speed(view: TelemetryView) -> ChartTable:
    """Replies per bucket of tokens per second."""
    return _histogram("speed", "tokens_per_s", view.speed)


def spreads(view: TelemetryView) -> ChartTable:
    """p50 and p95 per model."""
    rows = tuple(
        (
            s.model,
            str(s.replies),
            number(s.ttft_p50_ms),
            number(s.ttft_p95_ms),
            number(s.tps_p50, 2),
            number(s.tps_p95, 2),
        )
        for s in view.spreads
    )
    columns = ("model", "replies", "ttft_p50_ms", "ttft_p95_ms", "tps_p50", "tps_p95")
    return ChartTable("spreads", columns, rows)


def latency(view: TelemetryView) -> ChartTable:
    """The newest replies: output tokens against total time."""
    rows = tuple(
        (str(p.message_id), p.model, str(p.completion_tokens), str(p.total_ms))
        for p in view.latency
    )
    return ChartTable("latency", ("message_id", "model", "completion_tokens", "total_ms"), rows)


def drift(view: TelemetryView) -> ChartTable:
    """Estimates against bills per model."""
    rows = tuple(
        (d.model, str(d.replies), exact(d.estimate_usd), exact(d.drift_usd), percent(d.percent))
        for d in view.drift
    )
    columns = ("model", "replies", "estimate_usd", "drift_usd", "drift_percent")
    return ChartTable("drift", columns, rows)


def failures(view: TelemetryView) -> ChartTable:
    """Failures per day, one column per kind."""
    kinds = tuple(kind.value for kind in FailureKind)
    counts: dict[str, dict[str, int]] = {}
    for f in view.failures:
        counts.setdefault(f.day.isoformat(), {})[f.kind] = f.count
    rows = tuple(
        (day, *(str(per_kind.get(kind, 0)) for kind in kinds))
        for day, per_kind in sorted(counts.items())
    )
    return ChartTable("failures", ("day", *kinds), rows)


def scoreboard(view: TelemetryView) -> ChartTable:
    """One line per model."""
    rows = tuple(
        (
            s.model,
            s.provider,
            str(s.replies),
            number(s.median_ttft_ms),
            number(s.median_tps, 2),
            exact(_pico(s.per_thousand_output)),
            percent(s.failure_rate * 100, 1),
        )
        for s in view.scores
    )
    columns = (
        "model",
        "provider",
        "replies",
        "median_ttft_ms",
        "median_tps",
        "usd_per_1k_output",
        "failure_percent",
    )
    return ChartTable("scoreboard", columns, rows)


CHARTS: dict[str, Callable[[TelemetryView], ChartTable]] = {
    "spend": spend,
    "by_model": by_model,
    "by_conversation": by_conversation,
    "ttft": ttft,
    "speed": speed,
    "spreads": spreads,
    "latency": latency,
    "drift": drift,
    "failures": failures,
    "scoreboard": scoreboard,
}


def csv_text(table: ChartTable) -> str:
    """The table as CSV (RFC 4180: quoted where needed, CRLF line ends)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.columns)
    writer.writerows(table.rows)
    return out.getvalue()
