"""The telemetry page's charts (Reflex's recharts, bundled with the app: no CDN).

Each chart plots ``TelemetryState.rows[name]``, which is read from the same table as the
panel's data table and its CSV. Animations are off: figures appear as soon as they arrive.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from neural_terminal.domain.outcomes import FailureKind
from neural_terminal.ui.telemetry.state import TelemetryState

GREEN = "#33ff66"
DIM = "#1fa344"
FAINT = "#145c28"
AMBER = "#ffb000"
RED = "#ff5555"
LINE = "#1d3a1d"
KIND_COLOURS = {
    FailureKind.RATE_LIMIT: AMBER,
    FailureKind.DROP: RED,
    FailureKind.TIMEOUT: "#ff8c42",
    FailureKind.BUDGET: "#c77dff",
    FailureKind.UPSTREAM: "#4cc9f0",
    FailureKind.OTHER: DIM,
}
AXIS: dict[str, Any] = {"stroke": DIM, "tick": {"fill": DIM, "fontSize": 11}}
TOOLTIP: dict[str, Any] = {
    "content_style": {"background": "#0a100a", "border": f"1px solid {LINE}", "fontSize": 12},
    "item_style": {"color": GREEN},
    "label_style": {"color": GREEN},
}
HEIGHT = 210


def _grid() -> rx.Component:
    return rx.recharts.cartesian_grid(stroke=LINE, stroke_dasharray="2 4")


def _data(name: str) -> Any:
    return TelemetryState.rows[name]


def spend_chart() -> rx.Component:
    """Daily bars; the period's running total, its projection and the limit on the right."""
    lines = (
        ("period_total_usd", "period total", GREEN, ""),
        ("projected_total_usd", "projected", AMBER, "5 4"),
        ("limit_usd", "limit", RED, "2 3"),
    )
    return rx.recharts.composed_chart(
        _grid(),
        rx.recharts.bar(
            data_key="spend_usd", name="spent that day", fill=DIM, is_animation_active=False
        ),
        *(
            rx.recharts.line(
                data_key=key,
                name=label,
                stroke=colour,
                stroke_dasharray=dash,
                y_axis_id="total",
                dot=False,
                type_="monotone",
                is_animation_active=False,
            )
            for key, label, colour, dash in lines
        ),
        rx.recharts.x_axis(data_key="day", **AXIS),
        rx.recharts.y_axis(**AXIS),
        rx.recharts.y_axis(y_axis_id="total", orientation="right", **AXIS),
        rx.recharts.graphing_tooltip(**TOOLTIP),
        rx.recharts.legend(wrapper_style={"fontSize": 11}),
        data=_data("spend"),
        height=HEIGHT,
    )


def share_chart(name: str, label_key: str) -> rx.Component:
    """Horizontal bars: spend of the top models or conversations."""
    return rx.recharts.bar_chart(
        _grid(),
        rx.recharts.bar(data_key="spend_usd", name="spent", fill=GREEN, is_animation_active=False),
        rx.recharts.x_axis(type_="number", **AXIS),
        rx.recharts.y_axis(data_key=label_key, type_="category", width=150, **AXIS),
        rx.recharts.graphing_tooltip(**TOOLTIP),
        data=_data(name),
        layout="vertical",
        height=HEIGHT,
    )


def histogram_chart(name: str, bucket_key: str) -> rx.Component:
    """Replies per bucket."""
    return rx.recharts.bar_chart(
        _grid(),
        rx.recharts.bar(data_key="replies", fill=GREEN, is_animation_active=False),
        rx.recharts.x_axis(data_key=bucket_key, **AXIS),
        rx.recharts.y_axis(allow_decimals=False, **AXIS),
        rx.recharts.graphing_tooltip(**TOOLTIP),
        data=_data(name),
        height=HEIGHT - 40,
    )


def latency_chart() -> rx.Component:
    """Each reply: output tokens against total time."""
    return rx.recharts.scatter_chart(
        _grid(),
        rx.recharts.scatter(
            data=_data("latency"), fill=GREEN, name="replies", is_animation_active=False
        ),
        rx.recharts.x_axis(data_key="completion_tokens", type_="number", name="tokens", **AXIS),
        rx.recharts.y_axis(data_key="total_ms", type_="number", name="ms", **AXIS),
        rx.recharts.graphing_tooltip(**TOOLTIP),
        height=HEIGHT,
    )


def drift_chart() -> rx.Component:
    """Net drift of the estimate against the bill, per model, in percent."""
    return rx.recharts.bar_chart(
        _grid(),
        rx.recharts.bar(
            data_key="drift_percent", name="drift %", fill=AMBER, is_animation_active=False
        ),
        rx.recharts.x_axis(data_key="model", **AXIS),
        rx.recharts.y_axis(**AXIS),
        rx.recharts.reference_line(y=0, stroke=DIM),
        rx.recharts.graphing_tooltip(**TOOLTIP),
        data=_data("drift"),
        height=HEIGHT,
    )


def failures_chart() -> rx.Component:
    """Failures per day, stacked by kind."""
    return rx.recharts.bar_chart(
        _grid(),
        *(
            rx.recharts.bar(
                data_key=kind.value,
                stack_id="kinds",
                fill=colour,
                name=kind.value.replace("_", " "),
                is_animation_active=False,
            )
            for kind, colour in KIND_COLOURS.items()
        ),
        rx.recharts.x_axis(data_key="day", **AXIS),
        rx.recharts.y_axis(allow_decimals=False, **AXIS),
        rx.recharts.graphing_tooltip(**TOOLTIP),
        rx.recharts.legend(wrapper_style={"fontSize": 11}),
        data=_data("failures"),
        height=HEIGHT,
    )
