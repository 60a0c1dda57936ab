"""One banner line under the header: notices, warnings, the simulator and budget states."""

from __future__ import annotations

from typing import Any, Literal

import reflex as rx

Tone = Literal["info", "amber", "error"]
_CLASSES = {"info": "nt-banner", "amber": "nt-banner nt-amber", "error": "nt-banner nt-error"}


def banner(message: rx.Var[str] | str, *, element_id: str, tone: Tone = "info") -> rx.Component:
    """A full-width banner; errors read a size larger than notes."""
    large = tone == "error"
    return rx.text(
        message,
        class_name=_CLASSES[tone],
        id=element_id,
        size="2" if large else "1",
        padding="6px 16px" if large else "4px 16px",
        width="100%",
    )


def banner_when_set(
    message: rx.Var[str] | str, *, element_id: str, tone: Tone = "info"
) -> rx.Component:
    """The banner, shown only while ``message`` is not empty."""
    return rx.cond(message != "", banner(message, element_id=element_id, tone=tone))


def banner_with_action(
    message: rx.Component, *, label: str, on_click: Any, button_id: str, element_id: str = ""
) -> rx.Component:
    """A banner line with one button at its end (undo, ok...)."""
    return rx.hstack(
        message,
        rx.el.button(
            label,
            type="button",
            id=button_id,
            class_name="nt-button",
            on_click=on_click,
            style={"padding": "0 8px"},
        ),
        class_name="nt-banner",
        id=element_id or None,
        padding="4px 16px",
        width="100%",
        align="center",
    )
