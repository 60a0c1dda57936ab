"""The telemetry page: a bento grid of panels, each a chart (or a table) with its data and a
CSV download; the range and model pickers above; ``t`` (or Escape) goes back."""

from __future__ import annotations

import reflex as rx

from neural_terminal.ui.telemetry import charts
from neural_terminal.ui.telemetry.credit import credit_meter
from neural_terminal.ui.telemetry.state import TelemetryState
from neural_terminal.ui.telemetry.views import ScoreRow

RANGES = (("today", "today"), ("7d", "7 days"), ("30d", "30 days"), ("all", "all"))
CELL = {"padding": "3px 8px", "text_align": "left", "border_bottom": "1px solid var(--nt-line)"}
SCORE_COLUMNS = (
    ("model", "model"),
    ("provider", "provider"),
    ("replies", "replies"),
    ("median_ttft", "median first token"),
    ("median_tps", "median tok/s"),
    ("per_thousand", "$ / 1k output"),
    ("failure_rate", "failed"),
)


def _data_table(name: str) -> rx.Component:
    """The chart's data, exactly as its CSV has it."""
    return rx.el.details(
        rx.el.summary("data", class_name="nt-dim", style={"cursor": "pointer"}),
        rx.el.table(
            rx.el.thead(
                rx.el.tr(rx.foreach(TelemetryState.heads[name], lambda h: rx.el.th(h, style=CELL)))
            ),
            rx.el.tbody(
                rx.foreach(
                    TelemetryState.tables[name],
                    lambda row: rx.el.tr(rx.foreach(row, lambda cell: rx.el.td(cell, style=CELL))),
                )
            ),
            id=f"table-{name}",
            style={"border_collapse": "collapse", "font_size": "11px", "width": "100%"},
        ),
        id=f"data-{name}",
        style={"max_height": "240px", "overflow": "auto"},
    )


def panel(name: str, title: str, body: rx.Component, *, span: int, note: str = "") -> rx.Component:
    """One tile: title, CSV download, the chart and its data."""
    return rx.el.section(
        rx.hstack(
            rx.text(title, size="2", weight="bold"),
            rx.text(note, size="1", class_name="nt-dim"),
            rx.spacer(),
            rx.el.button(
                "csv ⇩",
                type="button",
                on_click=rx.download(url=f"/api/telemetry/{name}.csv?" + TelemetryState.query),
                id=f"csv-{name}",
                class_name="nt-button nt-tiny",
                title="This chart's data as CSV",
            ),
            width="100%",
            align="center",
        ),
        body,
        _data_table(name),
        id=f"panel-{name}",
        class_name="nt-panel",
        style={
            "grid_column": f"span {span}",
            "border": "1px solid var(--nt-line)",
            "padding": "10px 12px",
            "min_width": "0",
            "display": "flex",
            "flex_direction": "column",
            "gap": "6px",
        },
    )


def _score_row(row: ScoreRow) -> rx.Component:
    return rx.el.tr(
        rx.el.td(row.model, style=CELL),
        rx.el.td(row.provider, style=CELL),
        rx.el.td(row.replies, class_name="nt-figure", style=CELL),
        rx.el.td(row.median_ttft, class_name="nt-figure", style=CELL),
        rx.el.td(row.median_tps, class_name="nt-figure", style=CELL),
        rx.el.td(row.per_thousand, class_name="nt-figure", style=CELL),
        rx.el.td(row.failure_rate, class_name="nt-figure", style=CELL),
    )


def scoreboard() -> rx.Component:
    """Every model from the viewer's own history; a heading sorts by its column."""
    heads = [
        rx.el.th(
            rx.el.button(
                label,
                rx.cond(
                    TelemetryState.sort_key == key,
                    rx.cond(TelemetryState.sort_desc, " ▾", " ▴"),
                    "",
                ),
                type="button",
                on_click=TelemetryState.sort_by(key),
                id=f"sort-{key}",
                class_name="nt-link-button",
                style={"background": "none", "border": "none", "color": "inherit", "padding": 0},
            ),
            style=CELL,
        )
        for key, label in SCORE_COLUMNS
    ]
    return rx.el.table(
        rx.el.thead(rx.el.tr(*heads)),
        rx.el.tbody(rx.foreach(TelemetryState.scores, _score_row)),
        id="scoreboard",
        style={"border_collapse": "collapse", "font_size": "12px", "width": "100%"},
    )


def spreads() -> rx.Component:
    """p50 and p95 per model, as a table (its data table is the same)."""
    return rx.el.table(
        rx.el.thead(
            rx.el.tr(
                *[
                    rx.el.th(h, style=CELL)
                    for h in ("model", "n", "first token p50", "p95", "tok/s p50", "p95")
                ]
            )
        ),
        rx.el.tbody(
            rx.foreach(
                TelemetryState.tables["spreads"],
                lambda row: rx.el.tr(rx.foreach(row, lambda cell: rx.el.td(cell, style=CELL))),
            )
        ),
        id="spreads",
        style={"border_collapse": "collapse", "font_size": "12px", "width": "100%"},
    )


def _pickers() -> rx.Component:
    return rx.hstack(
        *(
            rx.el.button(
                label,
                type="button",
                on_click=TelemetryState.pick_range(value),
                id=f"range-{value}",
                class_name="nt-button",
                custom_attrs={
                    "data-current": rx.cond(TelemetryState.range_name == value, "true", "false")
                },
            )
            for value, label in RANGES
        ),
        rx.el.form(
            rx.el.input(
                type="date",
                name="first_day",
                id="first-day",
                aria_label="first day",
                default_value=TelemetryState.first_day,
            ),
            rx.el.input(
                type="date",
                name="last_day",
                id="last-day",
                default_value=TelemetryState.last_day,
                aria_label="last day",
            ),
            rx.el.button("custom", type="submit", id="range-custom", class_name="nt-button"),
            on_submit=TelemetryState.apply_days,
            reset_on_submit=False,
            style={"display": "flex", "gap": "4px", "align_items": "center"},
        ),
        rx.el.select(
            rx.el.option("all models", value=""),
            rx.foreach(TelemetryState.models, lambda m: rx.el.option(m, value=m)),
            value=TelemetryState.model,
            on_change=TelemetryState.pick_model,
            id="model-filter",
            aria_label="model",
            class_name="nt-button",
        ),
        rx.text(TelemetryState.range_line, size="1", class_name="nt-dim", id="range-line"),
        spacing="2",
        align="center",
        wrap="wrap",
    )


def telemetry() -> rx.Component:
    """Where the time and the money go."""
    grid = rx.el.div(
        panel("spend", "SPEND OVER TIME", charts.spend_chart(), span=4),
        panel("by_model", "SPEND BY MODEL", charts.share_chart("by_model", "model"), span=2),
        panel("scoreboard", "MODEL SCOREBOARD", scoreboard(), span=6, note="sort by any column"),
        panel(
            "ttft",
            "TIME TO FIRST TOKEN",
            charts.histogram_chart("ttft", "first_token_ms"),
            span=2,
            note="ms",
        ),
        panel(
            "speed", "TOKENS PER SECOND", charts.histogram_chart("speed", "tokens_per_s"), span=2
        ),
        panel("spreads", "P50 / P95 PER MODEL", spreads(), span=2),
        panel("latency", "LATENCY VS LENGTH", charts.latency_chart(), span=3, note="newest 300"),
        panel("drift", "ESTIMATE VS BILLED", charts.drift_chart(), span=3, note="drift %"),
        panel(
            "by_conversation",
            "SPEND BY CONVERSATION",
            charts.share_chart("by_conversation", "label"),
            span=3,
        ),
        panel("failures", "FAILURES BY KIND", charts.failures_chart(), span=3),
        id="telemetry-grid",
        class_name="nt-telemetry-grid",
        # What the downloads ask for (the range, the model, the instant read at).
        custom_attrs={"data-query": TelemetryState.query},
        style={
            "display": "grid",
            "grid_template_columns": "repeat(6, minmax(0, 1fr))",
            "gap": "10px",
            "width": "100%",
        },
    )
    return rx.vstack(
        rx.hstack(
            rx.text("> telemetry", id="telemetry-title"),
            rx.text(TelemetryState.spend_line, size="1", class_name="nt-figure", id="spend-line"),
            rx.spacer(),
            credit_meter(),
            rx.link("back to the terminal (t)", href="/", id="terminal-link"),
            width="100%",
            align="center",
            spacing="4",
            wrap="wrap",
        ),
        _pickers(),
        rx.cond(TelemetryState.loaded, grid, rx.text("reading…", class_name="nt-dim")),
        rx.script(src="/telemetry.js"),
        class_name="nt-shell",
        padding="14px 20px",
        spacing="3",
        width="100%",
        min_height="100vh",
    )
