"""The model picker's vars and events, mixed into the chat state.

The catalogue (``models``) reaches the page once per load or refresh; searching, moving and
ordering happen in the browser (assets/models.js), so a keystroke sends nothing. The page
hands a choice or a star back through two small hidden forms (ui/models/picker.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import reflex as rx

from neural_terminal.bootstrap import services
from neural_terminal.domain.errors import NeuralTerminalError
from neural_terminal.domain.models import ModelInfo
from neural_terminal.domain.viewer import Viewer
from neural_terminal.ui.budget.budget_view import price_change_text
from neural_terminal.ui.models.model_views import ModelView, model_prices, model_view


class ModelVars(rx.State, mixin=True):
    """The model of the open conversation, the catalogue, and the viewer's starred models."""

    model: str = ""
    models: list[ModelView] = []
    model_info: str = ""
    # The viewer's starred ids, oldest star first (the picker lists them first).
    favourite_models: list[str] = []

    if TYPE_CHECKING:  # the chat state's vars
        active_id: int
        notice: str
        price_change: str

    @rx.event
    def select_model(self, model_id: str) -> None:
        """Use ``model_id`` for the open conversation from its next reply on (``/model``)."""
        self._use_model(model_id)

    @rx.event
    def choose_model(self, form_data: dict[str, Any]) -> None:
        """The picker's choice (its hidden form's ``model_id``)."""
        model_id = str(form_data.get("model_id", ""))
        if services().catalogue.get(model_id) is None:
            self.notice = "That model is not in the list; refresh the prices to fetch it again."
            return
        self._use_model(model_id)

    @rx.event
    def star_model(self, form_data: dict[str, Any]) -> None:
        """Star or unstar a model (the hidden form's ``model_id`` and ``starred``)."""
        model_id = str(form_data.get("model_id", ""))
        starred = str(form_data.get("starred", "")) == "true"
        try:
            self.favourite_models = services().favourites.star(
                self._viewer(), model_id, starred=starred
            )
        except NeuralTerminalError as exc:
            self.notice = exc.user_message

    @rx.event
    async def refresh_models(self) -> None:
        """Fetch the model list again."""
        await self._load_models(refresh=True)

    def _use_model(self, model_id: str) -> None:
        self.model = model_id
        if self.active_id:
            services().chat.set_model(self.active_id, model_id)
        self._show_model(services().catalogue.get(model_id))
        self._refresh_context()

    async def _load_models(self, *, refresh: bool = False) -> None:
        catalogue = services().catalogue
        self.favourite_models = services().favourites.starred(self._viewer())
        try:
            models = await catalogue.models(refresh=refresh)
        except NeuralTerminalError as exc:
            self.notice = f"Could not load the model list: {exc.user_message}"
            return
        rows = [model_view(m) for m in models]
        if rows != self.models:  # a var is resent whole: 300+ rows only when they changed
            self.models = rows
        if not self.active_id:  # a new conversation: the picker, header and request agree
            self.model = catalogue.usable(self.model)
        self._show_model(catalogue.get(self.model))
        self._refresh_context()  # the window is known once the catalogue is

    def _show_model(self, model: ModelInfo | None) -> None:
        self.model_info = model_prices(model) if model else "prices unknown for this model"
        changes = services().prices.latest_changes(model.id) if model else []
        self.price_change = price_change_text(changes)

    # -- the chat state's ------------------------------------------------------------------

    def _viewer(self) -> Viewer:
        raise NotImplementedError

    def _refresh_context(self) -> None:
        raise NotImplementedError
