"""The model picker in the sidebar: a button naming the model in use, and a search box over a
list drawn by assets/models.js from the catalogue written once into the page (#model-ids).

Accessible as a combobox (WAI-ARIA 1.2): the search box controls the listbox and names the
highlighted option; Escape closes and gives the focus back to the button. Stars are kept on
the server (ui/models/model_state.py) and written into ``data-favourites``.
"""

from __future__ import annotations

import reflex as rx

from neural_terminal.ui.chat.state import ChatState
from neural_terminal.ui.models.model_views import ModelView


def model_catalogue() -> rx.Component:
    """Every model once, for the picker, the palette and ``/model`` completion (models.js)."""

    def option(m: rx.Var[ModelView]) -> rx.Component:
        # Prices per million tokens and the window, formatted once (ui/models/model_views.py).
        return rx.el.option(m.label, value=m.id, data_prices=m.prices, data_free=m.free)

    return rx.el.datalist(rx.foreach(ChatState.models, option), id="model-ids")


def _hidden_form(form_id: str, handler: object, *fields: str) -> rx.Component:
    """A form models.js fills and submits: the one way a choice or a star reaches the server."""
    return rx.el.form(
        *(rx.el.input(type="hidden", name=field) for field in fields),
        id=form_id,
        on_submit=handler,
        reset_on_submit=False,
        hidden=True,
    )


def _popup() -> rx.Component:
    """The search box, the list, what it holds, and the star for the highlighted model."""
    return rx.el.div(
        rx.el.input(
            id="model-search",
            type="text",
            role="combobox",
            aria_label="search models by name, id or provider",
            aria_autocomplete="list",
            aria_controls="model-list",
            aria_expanded="false",
            auto_complete="off",
            spell_check=False,
            placeholder="name, id or provider…",
            class_name="nt-model-search",
        ),
        rx.el.ul(id="model-list", role="listbox", aria_label="models", class_name="nt-model-list"),
        rx.hstack(
            rx.el.span(
                id="model-picker-status", role="status", class_name="nt-dim nt-model-status"
            ),
            rx.spacer(),
            rx.el.button(
                "☆ star",
                type="button",
                id="model-star",
                aria_label="Star the highlighted model (Alt+S)",
                aria_pressed="false",
                title="Starred models come first (Alt+S)",
                class_name="nt-button nt-tiny",
                style={"padding": "0 6px", "flex_shrink": "0"},
            ),
            width="100%",
            align="center",
            spacing="1",
        ),
        id="model-popup",
        hidden=True,
        class_name="nt-model-popup",
    )


def model_picker() -> rx.Component:
    """MODEL: the picker, the model's prices, price changes and the refresh button."""
    return rx.vstack(
        rx.text("MODEL", size="1", class_name="nt-dim", id="model-picker-label"),
        rx.el.button(
            rx.el.span(ChatState.model, class_name="nt-clip"),
            rx.el.span("▾", aria_hidden="true"),
            type="button",
            id="model-picker",
            data_model_id=ChatState.model,
            aria_haspopup="listbox",
            aria_expanded="false",
            aria_controls="model-popup",
            aria_label="Model " + ChatState.model + ": choose another",
            class_name="nt-button nt-model-button",
        ),
        _popup(),
        rx.text(ChatState.model_info, size="1", class_name="nt-figure", id="model-prices"),
        rx.cond(
            ChatState.price_change != "",
            rx.text(ChatState.price_change, size="1", class_name="nt-amber", id="price-change"),
        ),
        rx.el.button(
            "refresh prices ↻",
            type="button",
            on_click=ChatState.refresh_models,
            id="refresh-prices",
            class_name="nt-button",
            title="Fetch the model list and prices again; changes are shown here",
            style={"padding": "2px 8px", "font_size": "12px"},
        ),
        _hidden_form("model-choose", ChatState.choose_model, "model_id"),
        _hidden_form("model-star-form", ChatState.star_model, "model_id", "starred"),
        model_catalogue(),
        rx.script(src="/models.js"),
        id="model-picker-root",
        data_favourites=ChatState.favourite_models.to_string(),
        spacing="1",
        width="100%",
    )
