"""The status line under the header: every notice in one line, the most severe first.

Each notice can be dismissed; a dismissal holds while the notice says the same thing (a new
text shows again). The first notice reads in full; the others keep to one line each and
unfold on hover or focus (assets/terminal.css).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, cast

import reflex as rx
from reflex.vars import ObjectVar

Tone = Literal["info", "amber", "error"]
_TONE_CLASS = {"info": "", "amber": " nt-amber", "error": " nt-error"}


def _as_dict(var: rx.Var[dict[str, str]] | dict[str, str]) -> ObjectVar[dict[str, str]]:
    return cast(ObjectVar[dict[str, str]], var)


@dataclass(frozen=True)
class Notice:
    """One kind of notice: its key (for dismissal), text, tone and the id tests read."""

    key: str
    message: rx.Var[str] | str
    tone: Tone
    element_id: str
    label: str


def status_line(
    notices: list[Notice], *, dismissed: rx.Var[dict[str, str]] | dict[str, str], dismiss: Any
) -> rx.Component:
    """The notices in the order given (most severe first), the dismissed ones left out;
    ``dismiss(key, text)`` is the event that hides one."""
    return rx.box(
        *(_notice(notice, dismissed, dismiss) for notice in notices),
        id="status-line",
        class_name="nt-status",
        role="status",
        aria_live="polite",
    )


def _notice(
    notice: Notice, dismissed: rx.Var[dict[str, str]] | dict[str, str], dismiss: Any
) -> rx.Component:
    shown = (notice.message != "") & (_as_dict(dismissed).get(notice.key, "") != notice.message)
    return rx.cond(
        shown,
        rx.box(
            rx.el.span(
                notice.message,
                id=notice.element_id,
                class_name="nt-notice-text",
                tab_index=0,
                title=notice.message,
            ),
            rx.el.button(
                "✕",
                type="button",
                class_name="nt-dismiss",
                aria_label=f"dismiss the {notice.label} notice",
                title="Dismiss (it comes back when it changes)",
                on_click=dismiss(notice.key, notice.message),
            ),
            class_name="nt-notice" + _TONE_CLASS[notice.tone],
            data_notice=notice.key,
        ),
    )


def banner_with_action(
    message: rx.Component, *, label: str, on_click: Any, button_id: str, element_id: str = ""
) -> rx.Component:
    """A line with one button at its end (undo, ok...): an answer to what the reader did."""
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


_CLASSES = {"info": "nt-banner", "amber": "nt-banner nt-amber", "error": "nt-banner nt-error"}


def banner(message: rx.Var[str] | str, *, element_id: str, tone: Tone = "info") -> rx.Component:
    """A full-width banner (pages without a status line: admin)."""
    return rx.text(
        message,
        class_name=_CLASSES[tone],
        id=element_id,
        size="2" if tone == "error" else "1",
        padding="4px 16px",
        width="100%",
    )


def banner_when_set(
    message: rx.Var[str] | str, *, element_id: str, tone: Tone = "info"
) -> rx.Component:
    """The banner, shown only while ``message`` is not empty."""
    return rx.cond(message != "", banner(message, element_id=element_id, tone=tone))
