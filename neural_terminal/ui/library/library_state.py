"""The library's vars and events, mixed into the chat state: the sidebar's shelves grouped by
date, rename, pin, archive, delete with undo, restore, search, import, the conversation's
system prompt and the presets.

The methods at the end are the chat state's (it opens and clears conversations).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import reflex as rx
from starlette.concurrency import run_in_threadpool

from neural_terminal.bootstrap import services
from neural_terminal.chat.library import PAGE, ShelfPage, check_system_prompt
from neural_terminal.domain.conversations import PresetInfo, SearchFilters, Shelf
from neural_terminal.domain.errors import InvalidInput, NeuralTerminalError
from neural_terminal.domain.viewer import Viewer
from neural_terminal.ui.chat.views import (
    ConversationView,
    HitView,
    PresetView,
    conversation_view,
    hit_view,
)


class LibraryVars(rx.State, mixin=True):
    """Which shelf is on show and its lines, the rename in progress, the undo offer."""

    conversations: list[ConversationView] = []
    shelf: str = Shelf.LIST.value
    more_conversations: bool = False
    shelf_counts: dict[str, int] = {}
    renaming_id: int = 0
    # The conversation just deleted, offered back ("undo") until the next move.
    undo_id: int = 0
    undo_title: str = ""
    system_open: bool = False
    system_prompt: str = ""
    # What the last import did (added, already there, left out and why).
    import_report: str = ""
    # Presets for the system prompt panel ("name ★" for the default), and the one chosen.
    presets: list[PresetView] = []
    preset_id: int = 0
    # A search in progress: its words and hits (the sidebar shows them instead of a shelf).
    search_words: str = ""
    search_hits: list[HitView] = []
    search_summary: str = ""

    _shown: int = PAGE

    if TYPE_CHECKING:  # the chat state's vars
        active_id: int
        title: str
        notice: str
        streaming: bool
        model: str
        context_strategy: str

    @rx.event
    def show_shelf(self, shelf: str) -> None:
        """Show the list, the archive or the trash."""
        self.shelf = Shelf(shelf).value if shelf in tuple(Shelf) else Shelf.LIST.value
        self._shown = PAGE
        self.renaming_id = 0
        self._refresh_sidebar()

    @rx.event
    def more(self) -> None:
        """Show the next page of the shelf."""
        self._refresh_sidebar(grow=True)

    @rx.event
    def start_rename(self, conversation_id: int) -> Any:
        """Edit a title in place (Enter keeps it, Escape leaves it)."""
        self.renaming_id = conversation_id
        return rx.set_focus("rename-input")

    @rx.event
    def cancel_rename(self) -> None:
        """Leave the title as it was."""
        self.renaming_id = 0

    @rx.event
    def rename(self, form_data: dict[str, Any]) -> None:
        """Keep the title typed in place."""
        conversation_id, self.renaming_id = self.renaming_id, 0
        try:
            renamed = services().library.rename(
                self._viewer(), conversation_id, str(form_data.get("title", ""))
            )
        except NeuralTerminalError as exc:
            self.notice = exc.user_message
            return
        if renamed.id == self.active_id:
            self.title = renamed.title
        self._refresh_sidebar()

    @rx.event
    def toggle_pin(self, conversation_id: int, pinned: bool) -> None:
        """Pin to the top, or unpin."""
        self._library_move(lambda v: services().library.pin(v, conversation_id, not pinned))

    @rx.event
    def archive(self, conversation_id: int) -> None:
        """Off the list (still whole, on the archive shelf)."""
        self._library_move(lambda v: services().library.archive(v, conversation_id, True))

    @rx.event
    def unarchive(self, conversation_id: int) -> None:
        """Back on the list."""
        self._library_move(lambda v: services().library.archive(v, conversation_id, False))

    @rx.event
    def delete_conversation(self, conversation_id: int) -> None:
        """To the trash, with an undo offer; the open one closes."""
        if self.streaming and conversation_id == self.active_id:
            self.notice = "A reply is streaming here; stop it before deleting the conversation."
            return
        try:
            deleted = services().library.delete(self._viewer(), conversation_id)
        except NeuralTerminalError as exc:
            self.notice = exc.user_message
            return
        self.undo_id, self.undo_title = deleted.id, deleted.title
        if conversation_id == self.active_id:
            self._clear()
        self._refresh_sidebar()

    @rx.event
    def undo_delete(self) -> None:
        """Bring back the conversation just deleted, and open it."""
        conversation_id = self.undo_id
        self.undo_id, self.undo_title = 0, ""
        if conversation_id and self._restore(conversation_id):
            self._open(conversation_id)

    @rx.event
    def restore(self, conversation_id: int) -> None:
        """Out of the trash, back where it was."""
        self._restore(conversation_id)

    @rx.event
    def toggle_system(self) -> None:
        """Open or close the system prompt panel (with the presets, fresh)."""
        self.system_open = not self.system_open
        if self.system_open:
            self._refresh_presets()

    @rx.event
    def save_system(self, form_data: dict[str, Any]) -> None:
        """The conversation's system prompt from its next turn on (a new one: from its first);
        with a name, it is also kept as a preset (with the model and strategy on show)."""
        text = str(form_data.get("system_prompt", ""))
        name = str(form_data.get("preset_name", "")).strip()
        viewer = self._viewer()
        try:
            if self.active_id:
                services().library.set_system_prompt(viewer, self.active_id, text)
            self.system_prompt = check_system_prompt(text)
            if name:
                saved = services().presets.save(
                    viewer, name, text, model=self.model, strategy=self.context_strategy
                )
                self.preset_id = saved.id
        except NeuralTerminalError as exc:
            self.notice = exc.user_message
            return
        self.system_open = False
        self._after_system_change()

    @rx.event
    def apply_preset(self, value: str) -> Any:
        """Put a preset's prompt in the panel; a new conversation also takes its model and
        strategy. Saving keeps it."""
        if not value.isdigit() or not int(value):
            self.preset_id = 0
            return None
        try:
            preset = services().presets.get(self._viewer(), int(value))
        except NeuralTerminalError as exc:
            self.notice = exc.user_message
            return None
        self.preset_id = preset.id
        if not self.active_id:
            self._take_preset(preset)
        return rx.set_value("system-prompt", preset.system_prompt)

    @rx.event
    def make_preset_default(self) -> None:
        """New conversations start from the chosen preset (none chosen: from nothing)."""
        try:
            services().presets.make_default(self._viewer(), self.preset_id or None)
        except NeuralTerminalError as exc:
            self.notice = exc.user_message
        self._refresh_presets()

    @rx.event
    def delete_preset(self) -> None:
        """Remove the chosen preset (conversations started from it keep their prompt)."""
        if not self.preset_id:
            return
        try:
            services().presets.delete(self._viewer(), self.preset_id)
        except NeuralTerminalError as exc:
            self.notice = exc.user_message
        self.preset_id = 0
        self._refresh_presets()

    def _refresh_presets(self) -> None:
        found = services().presets.list(self._viewer())
        self.presets = [
            PresetView(id=p.id, label=p.name + (" ★" if p.is_default else "")) for p in found
        ]

    def _start_from_default_preset(self) -> None:
        """A new conversation starts from the default preset, if there is one."""
        preset = services().presets.default(self._viewer())
        self.preset_id = preset.id if preset is not None else 0
        if preset is not None:
            self._take_preset(preset)

    def _take_preset(self, preset: PresetInfo) -> None:
        self.system_prompt = preset.system_prompt
        if preset.model:
            self.model = preset.model
        if preset.context_strategy:
            self.context_strategy = preset.context_strategy

    @rx.event
    async def import_files(self, files: list[rx.UploadFile]) -> None:
        """Import our JSON exports (or zips of them); the report says what went in."""
        viewer = self._viewer()
        lines = []
        for file in files:
            data = await file.read()
            name = file.name or "file"
            report = await run_in_threadpool(
                services().importer.import_file, viewer, data, name=name
            )
            lines.append(f"{name}: {report.text}")
        self.import_report = " ".join(lines)
        self._refresh_sidebar()

    @rx.event
    def search(self, form_data: dict[str, Any]) -> None:
        """Find messages holding every word, in every branch; filters narrow it."""
        words = str(form_data.get("words", "")).strip()
        self.search_words = words
        if not words:
            self.search_hits, self.search_summary = [], ""
            return
        try:
            filters = search_filters(form_data)
            hits = services().library.find(self._viewer(), words, filters)
        except NeuralTerminalError as exc:
            self.notice = exc.user_message
            return
        self.search_hits = [hit_view(hit) for hit in hits]
        self.search_summary = f"{len(hits)} found" if hits else "nothing found"

    @rx.event
    def clear_search(self) -> Any:
        """Back to the shelf."""
        self.search_words, self.search_hits, self.search_summary = "", [], ""
        return rx.set_value("search-words", "")

    @rx.event
    def open_hit(self, conversation_id: int, message_id: int) -> Any:
        """Open the conversation on the branch of the message found, and scroll to it."""
        if self.streaming and conversation_id != self.active_id:
            self.notice = "A reply is streaming; stop it or wait before switching."
            return None
        if conversation_id != self.active_id:
            self._open(conversation_id)
        self._show_message(message_id)
        return rx.scroll_to(f"msg-{message_id}")

    @rx.event
    def dismiss_import_report(self) -> None:
        """Put the import report away."""
        self.import_report = ""

    def _restore(self, conversation_id: int) -> bool:
        try:
            services().library.restore(self._viewer(), conversation_id)
        except NeuralTerminalError as exc:
            self.notice = exc.user_message
            return False
        self._refresh_sidebar()
        return True

    def _library_move(self, move: Any) -> None:
        try:
            move(self._viewer())
        except NeuralTerminalError as exc:
            self.notice = exc.user_message
            return
        self.undo_id, self.undo_title = 0, ""
        self._refresh_sidebar()

    def _refresh_sidebar(self, *, grow: bool = False) -> None:
        """The shelf on show from the database: as many lines as shown, a page more when
        asked; assigned only when something changed (a var is resent whole)."""
        library = services().library
        viewer = self._viewer()
        self._shown += PAGE if grow else 0
        page = library.shelf(viewer, Shelf(self.shelf), limit=self._shown)
        rows = _rows(page)
        if rows != self.conversations:
            self.conversations = rows
        self.more_conversations = page.more
        counts = {shelf.value: n for shelf, n in page.counts.items()}
        if counts != self.shelf_counts:
            self.shelf_counts = counts
        for row in rows:
            if row.id == self.active_id:
                self.title = row.title

    def _sidebar_line_moved_up(self, conversation_id: int, *, created: bool = False) -> None:
        """The list after a turn of ``conversation_id`` (``created`` by it): its line, new or
        with a new cost, at the top of the unpinned ones, or in place when pinned; one
        conversation read, not the page (a whole shelf otherwise, and on any other shelf)."""
        found = None
        if self.shelf == Shelf.LIST.value:
            found = services().library.line(self._viewer(), conversation_id)
        if found is None:
            self._refresh_sidebar()
            return
        group, line = found
        grouped = with_groups(self.conversations)
        at = next((i for i, (_g, row) in enumerate(grouped) if row.id == conversation_id), None)
        if at is not None:
            del grouped[at]
        elif created:  # not shown, and not new: further down than the lines shown
            self.shelf_counts = {
                **self.shelf_counts,
                Shelf.LIST.value: self.shelf_counts.get(Shelf.LIST.value, 0) + 1,
            }
        pinned = sum(1 for g, _row in grouped if g == "pinned")
        where = at if line.conversation.pinned and at is not None else pinned
        grouped.insert(where, (group, conversation_view(line)))
        if len(grouped) > self._shown:
            grouped = grouped[: self._shown]
            self.more_conversations = True
        rows = labelled(grouped)
        if rows != self.conversations:
            self.conversations = rows
        if conversation_id == self.active_id:
            self.title = line.conversation.title

    # -- the chat state's ------------------------------------------------------------------

    def _viewer(self) -> Viewer:
        raise NotImplementedError

    def _open(self, conversation_id: int) -> None:
        raise NotImplementedError

    def _clear(self) -> None:
        raise NotImplementedError

    def _after_system_change(self) -> None:
        raise NotImplementedError

    def _show_message(self, message_id: int) -> None:
        raise NotImplementedError


RANGES = {"today": 1, "7 days": 7, "30 days": 30}


def search_filters(form: dict[str, Any]) -> SearchFilters:
    """The search form's filters: role, model, range, and "cost above $" (InvalidInput)."""
    role = str(form.get("role", ""))
    days = RANGES.get(str(form.get("range", "")))
    cost_text = str(form.get("cost_above", "")).strip().lstrip("$")
    try:
        cost = Decimal(cost_text) if cost_text else None
    except InvalidOperation:
        raise InvalidInput(f"'cost above' takes an amount in dollars, not {cost_text!r}.") from None
    if cost is not None and (not cost.is_finite() or cost < 0):
        raise InvalidInput("'cost above' takes an amount of zero dollars or more.")
    return SearchFilters(
        model=str(form.get("model", "")).strip() or None,
        role=role if role in ("user", "assistant") else None,
        since=datetime.now(UTC) - timedelta(days=days) if days else None,
        cost_above=cost,
    )


def _rows(page: ShelfPage) -> list[ConversationView]:
    return labelled([(group, conversation_view(line)) for group, line in page.lines])


def labelled(grouped: list[tuple[str, ConversationView]]) -> list[ConversationView]:
    """The lines, each first of its date group naming it."""
    rows: list[ConversationView] = []
    previous = ""
    for group, row in grouped:
        rows.append(dataclasses.replace(row, group=group if group != previous else ""))
        previous = group
    return rows


def with_groups(rows: list[ConversationView]) -> list[tuple[str, ConversationView]]:
    """The lines with the date group each falls in (only the first of a group names it)."""
    grouped = []
    current = ""
    for row in rows:
        current = row.group or current
        grouped.append((current, row))
    return grouped
