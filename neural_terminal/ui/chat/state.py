"""The chat page's state: reads vars, calls one service method, copies results back.

Services never live on the state (it must stay serialisable); handlers fetch them from the
composition root. The reply streams in a background handler so the lock is held only while
copying text into vars. The reply in progress is not a var (Reflex resends a var's whole value
on every change): the page appends each batch of new text itself (assets/terminal.js), and
finished messages are never resent while a reply streams.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from decimal import Decimal
from functools import partial
from typing import Any

import reflex as rx

from neural_terminal.bootstrap import services
from neural_terminal.chat.context.builder import PreparedContext
from neural_terminal.chat.turns.replies import ReplyFinished, ReplyStarted
from neural_terminal.chat.turns.turn import TurnKind, TurnRequest
from neural_terminal.chat.watch import Signature
from neural_terminal.domain.conversations import ContextStrategy, MessageStatus, PathRows
from neural_terminal.domain.errors import NeuralTerminalError, NotSignedIn
from neural_terminal.domain.money import format_usd
from neural_terminal.domain.periods import Period, zone
from neural_terminal.domain.viewer import VIEWER_HEADER, Viewer
from neural_terminal.store.spend.budget_store import BudgetConfig
from neural_terminal.ui.budget.budget_state import BudgetVars
from neural_terminal.ui.budget.budget_view import parse_limit
from neural_terminal.ui.chat.live.following import FollowVars
from neural_terminal.ui.chat.live.live_script import append_script, cost_script
from neural_terminal.ui.chat.live.page_calls import run_in_page
from neural_terminal.ui.chat.live.reply_batches import ReplyBatcher, frame_interval
from neural_terminal.ui.chat.live.state_writes import write_when_possible
from neural_terminal.ui.chat.notice_vars import NoticeVars
from neural_terminal.ui.chat.tree_vars import EARLIER_ROWS, TreeVars
from neural_terminal.ui.chat.views import (
    MessageView,
    breaker_text,
    context_meter,
    elided_notice,
    message_view,
)
from neural_terminal.ui.library.library_state import LibraryVars
from neural_terminal.ui.models.model_state import ModelVars
from neural_terminal.ui.telemetry.credit import CreditState

RECENT_LIMIT = 40
# What the tab remembers (browser storage) when it shows a conversation not yet started.
NEW_CONVERSATION = "new"
# The live cost line changes at most this often (its own script call, a few bytes).
LIVE_COST_EVERY_S = 0.25
# How long a reply cut or broken waits for its billed cost (GET /generation) to show it.
RECONCILE_WAIT_S = 10.0


class ChatState(FollowVars, BudgetVars, TreeVars, LibraryVars, ModelVars, NoticeVars, rx.State):
    """Conversations, the open transcript and the reply in progress."""

    active_id: int = 0
    title: str = ""
    streaming: bool = False
    streaming_id: int = 0
    left_out_after: int = 0
    left_out_before: int = 0
    # Continue / Retry are offered under this reply (the latest, when it broke off).
    action_id: int = 0
    can_continue: bool = False
    can_retry: bool = False
    notice: str = ""
    simulated: bool = False
    upstream_host: str = ""
    breaker_state: str = ""
    last_opened: str = rx.LocalStorage("", name="nt_last_conversation")
    context_meter: str = ""
    context_strategy: str = ContextStrategy.SLIDING.value
    context_notice: str = ""
    # The composer refuses longer drafts itself (assets/terminal.js); the server checks too.
    max_message_chars: int = 200_000
    # Hosted mode: who is signed in (the header offers to log out); empty in local mode.
    signed_in_as: str = ""
    is_admin: bool = False
    # The user message being edited: the next send makes a new branch beside it.
    editing_id: int = 0

    # What stream_reply starts: a turn's kind, its text and the message it acts on.
    _pending_kind: str = TurnKind.SEND.value
    _pending_text: str = ""
    _pending_target: int = 0
    # Whose state this is (the gate's viewer header): another user's is dropped, never shown.
    _owner: str = ""

    @rx.event
    async def load_page(self) -> Any:
        """Open the last conversation (or the newest) and fetch the model list."""
        viewer = self._viewer()
        if self._owner != viewer.to_header():
            if self._owner:  # someone else signed in on this tab: start from nothing
                self.reset()  # type: ignore[no-untyped-call]
            self._owner = viewer.to_header()
        app = services()
        account = app.accounts.users.account(viewer.user_id) if viewer.user_id else None
        self.signed_in_as = account.username if account else ""
        self.is_admin = bool(account and account.is_admin and not account.disabled)
        self.simulated = app.settings.uses_simulator
        self.max_message_chars = app.settings.max_message_chars
        self.upstream_host = "built-in simulator" if self.simulated else app.settings.base_url
        self.model = self.model or app.settings.model
        self._show_breaker()
        self._refresh_sidebar()
        wanted = int(self.last_opened) if self.last_opened.isdigit() else 0
        ids = [c.id for c in self.conversations]
        opening = wanted if wanted in ids else (ids[0] if ids else 0)
        if self.last_opened == NEW_CONVERSATION:  # a reload or reconnect keeps it empty
            opening = 0
        if self.streaming and not self._own_stream_alive():
            # Its reply streams elsewhere (another tab's, followed) or its worker is gone (the
            # page reconnected here): read the transcript again and follow what still streams.
            self.streaming, self.streaming_id, self._following = False, 0, 0
        self._open(opening)
        self._show_budget()
        await self._load_models()
        follow = self._follow_live_reply([*self.history, *self.recent])
        return [ChatState.watch_tab] if follow is None else [follow, ChatState.watch_tab]

    @rx.event
    def open_conversation(self, conversation_id: int) -> Any:
        """Show another conversation (following its reply in progress, if one streams)."""
        if self.streaming and not self._following:
            self.notice = "A reply is streaming; stop it or wait before switching."
            return None
        self._stop_following()
        self._open(conversation_id)
        follow = self._follow_live_reply([*self.history, *self.recent])
        # A new watcher for it at once (the old one ends when it next wakes).
        return [ChatState.watch_tab] if follow is None else [follow, ChatState.watch_tab]

    def _conversation_changed(self, before: Signature | None, after: Signature | None) -> Any:
        """Another tab changed the conversation on show, or the budget: new messages and a
        switched branch are drawn as this tab's own would be (only what the page lacks); a
        new reply in progress is followed; a billed cost replaces its estimate; the budget's
        figures and banners are read again. A change this tab made itself is on show already."""
        if after is None:  # deleted (or out of reach) meanwhile
            if not (self.streaming or self._following):
                self._open(self.active_id)
            return None
        budget_moved = before is None or (after.budget, after.limit_usd) != (
            before.budget,
            before.limit_usd,
        )
        if self.streaming or self._following:  # its own or a followed reply ends with a read
            if budget_moved:
                self._show_budget()
            return None
        grew = after.leaf_id != self.leaf_id or (
            before is not None and after.message_count != before.message_count
        )
        costs_moved = before is not None and after.spent_at != before.spent_at
        if grew:
            self._refresh_branch()
        elif costs_moved:
            self._refresh_costs()
        if grew or costs_moved or budget_moved:
            self._show_budget()
        if not grew and not costs_moved and after.title == self.title:
            return None  # only the budget moved (or this tab's own reply ended)
        self.title = after.title
        self._refresh_sidebar()
        return self._follow_live_reply([*self.history, *self.recent]) if grew else None

    def _refresh_costs(self) -> None:
        """Replies on show priced by our estimate get their billed cost, once stored (another
        tab's reply reconciled); the path's totals follow."""
        chat = services().chat
        for rows in (self.recent, self.history):
            for index, row in enumerate(rows):
                if not row.cost_estimate:
                    continue
                stored = chat.message(row.id)
                if stored is not None and not stored.cost_is_estimate:
                    rows[index] = message_view(stored)
        self._refresh_branch()

    def _follow_live_reply(self, rows: list[MessageView]) -> Any:
        """After a transcript is shown: draw its reply in progress live and follow it, unless
        this tab's own task streams it; the handler to start, or None."""
        live = [row.id for row in rows if row.status == MessageStatus.STREAMING.value]
        if not live or self._own_stream_alive():
            return None
        self._following = live[-1]
        self.streaming, self.streaming_id = True, live[-1]
        self._update_actions()
        return ChatState.follow_reply

    def _stop_following(self) -> None:
        """Another tab's reply is no longer drawn here (its follower ends by itself)."""
        if self._following:
            self.streaming, self.streaming_id, self._following = False, 0, 0

    def _followed_reply_ended(self, conversation_id: int) -> None:
        """A followed reply was stored for good: show it (and the figures) as stored."""
        self.streaming, self.streaming_id = False, 0
        if self.active_id == conversation_id:
            self._open(conversation_id)
        self._refresh_sidebar()
        self._update_actions()
        self._show_budget()

    @rx.event
    def new_conversation(self) -> None:
        """Start afresh; the conversation is stored when its first message is sent."""
        self._stop_following()
        if not self.streaming:
            self._clear()

    def _clear(self) -> None:
        self.active_id = 0
        self._note_showing()
        self.title = ""
        self.system_prompt = ""
        self.history = []
        self.recent = []
        self.path_pos = {}
        self.hidden_before = 0
        self.leaf_id = 0
        self.sibling_label, self.sibling_prev, self.sibling_next = {}, {}, {}
        self.outline = []
        self.editing_id = 0
        self.left_out_after = self.left_out_before = 0
        self._update_actions()
        self.total_cost = format_usd(Decimal(0))
        self.tree_cost = ""
        self.notice = ""
        self.last_opened = NEW_CONVERSATION
        self.context_notice = ""
        self.context_strategy = ContextStrategy.SLIDING.value  # the default of a new one
        self._start_from_default_preset()
        self._show_window()
        self._show_budget()

    @rx.event
    def select_strategy(self, strategy: str) -> None:
        """Use ``strategy`` when the open conversation outgrows its model's window."""
        try:
            chosen = ContextStrategy(strategy)
        except ValueError:
            return
        self.context_strategy = chosen.value
        if self.active_id:
            services().chat.set_context_strategy(self.active_id, chosen)
        self._refresh_context()

    @rx.event
    def send(self, form_data: dict[str, Any]) -> Any:
        """Hand the text to the streaming handler, which starts the turn (a new branch when
        a message is being edited); the composer is cleared once the words are stored."""
        if self.streaming:
            return None
        editing = self.editing_id
        self._pending_kind = (TurnKind.EDIT if editing else TurnKind.SEND).value
        self._pending_text = str(form_data.get("message", ""))
        self._pending_target = editing
        self.streaming = True
        self.notice = ""
        return ChatState.stream_reply

    @rx.event
    def show_earlier(self) -> None:
        """Send the page older messages of the path on show (it opened at the newest)."""
        if not self.active_id or not self.hidden_before:
            return
        rows = self._rows(earlier=EARLIER_ROWS)
        view = services().chat.branch(self.active_id, known=self._known_ids(), rows=rows)
        self._show_branch(view)

    @rx.event
    def edit_message(self, message_id: int) -> Any:
        """Put a message of yours in the composer; sending it makes a new branch beside it."""
        if self.streaming:
            return None
        for row in (*self.history, *self.recent):
            if row.id == message_id and row.role == "user":
                self.editing_id = message_id
                self.notice = ""
                return [rx.set_value("composer", row.content), rx.set_focus("composer")]
        return None

    @rx.event
    def cancel_edit(self) -> Any:
        """Leave the edit: the composer is emptied and the next send continues the branch."""
        self.editing_id = 0
        return rx.set_value("composer", "")

    @rx.event
    def continue_reply(self, message_id: int) -> Any:
        """Carry on an interrupted reply in the same message (not while suspended: the
        button is held back and says why)."""
        return None if self._suspended_now() else self._start_on(TurnKind.CONTINUE, message_id)

    @rx.event
    def retry_reply(self, message_id: int) -> Any:
        """Answer the same message again in a new reply beside the failed one."""
        return None if self._suspended_now() else self._start_on(TurnKind.RETRY, message_id)

    def _suspended_now(self) -> bool:
        """The budget as stored now (another tab may have raised it a moment ago)."""
        self._show_budget()
        return bool(self.suspended)

    @rx.event
    def regenerate(self, message_id: int) -> Any:
        """A new reply beside this one (both are kept; switch with < >)."""
        return self._start_on(TurnKind.REGENERATE, message_id)

    def _start_on(self, kind: TurnKind, message_id: int) -> Any:
        if self.streaming or not self.active_id:
            return None
        try:  # someone else's message is refused at once, like a missing one
            message = services().access.message(self._viewer(), message_id)
        except NeuralTerminalError as exc:
            self.notice = exc.user_message
            return None
        if message.conversation_id != self.active_id:
            self.notice = "That reply is not in the open conversation."
            return None
        self._pending_kind = kind.value
        self._pending_text = ""
        self._pending_target = message_id
        self.streaming = True
        self.notice = ""
        return ChatState.stream_reply

    @rx.event
    def switch_branch(self, message_id: int) -> None:
        """Show the branch through ``message_id`` (an alternative, or an outline entry)."""
        if message_id:
            self._show_message(message_id)

    @rx.event
    def fork(self, message_id: int) -> None:
        """A new conversation from the path down to ``message_id``; it opens."""
        if self.streaming:
            self.notice = "A reply is streaming; fork once it ends (or stop it)."
            return
        try:
            forked = services().chat.fork(message_id, viewer=self._viewer())
        except NeuralTerminalError as exc:
            self.notice = exc.user_message
            return
        self._refresh_sidebar()
        self._open(forked.id)

    @rx.event
    def save_budget(self, form_data: dict[str, Any]) -> None:
        """Store the limits typed in the budget panel."""
        budget = services().budget
        try:
            limit = parse_limit(str(form_data.get("global_limit", "")))
            own = parse_limit(str(form_data.get("conversation_limit", "")))
        except NeuralTerminalError as exc:
            self.notice = exc.user_message
            return
        try:
            period = Period(str(form_data.get("period", "none")))
        except ValueError:
            period = Period.NONE
        tz = str(form_data.get("time_zone", "")).strip() or "UTC"
        wanted = BudgetConfig(limit, period, zone(tz).key)
        self.notice = ""
        if wanted != budget.store.config():
            if self._is_admin():
                budget.store.set_config(wanted)
            else:
                self.notice = "Only an admin can change the instance's budget."
        if self.active_id:
            budget.store.set_conversation_limit(conversation_id=self.active_id, limit_usd=own)
        self.budget_open = False
        self._show_budget()

    @rx.event
    def stop(self) -> None:
        """Cancel the reply in progress; what arrived is kept."""
        if self.active_id:
            services().chat.stop(self.active_id)

    @rx.event(background=True)
    async def stream_reply(self) -> AsyncIterator[Any]:
        """Run the turn; new text goes to the page as small appends, at most 25 a second.
        A refused turn leaves the composer as it was and says why."""
        async with self:
            request = self._pending_request()
            self._pending_kind, self._pending_text, self._pending_target = "send", "", 0
            self._streamed_by, self._following = services().sharing.worker_id, 0
        chat = services().chat
        watch = services().recorder.watch(request)  # telemetry: one record per turn
        turn = chat.start(request)
        base_s = services().settings.page_update_s
        batcher = ReplyBatcher(
            turn, interval_s=lambda: frame_interval(chat.streams_in_flight(), base_s=base_s)
        )
        reply_id = 0
        finished: ReplyFinished | None = None
        retrying = False
        cost_shown_at = -LIVE_COST_EVERY_S
        async for batch in batcher.batches():
            if batch.started is not None:
                started = batch.started
                reply_id = started.assistant_message_id
                await write_when_possible(self, partial(self._started, started))
                if request.kind.takes_text:  # the words are stored: the composer empties
                    yield rx.set_value("composer", "")
            if batch.retrying is not None:
                retrying = True
                watch.retrying(batch.retrying)
                await write_when_possible(self, partial(self._say, batch.retrying.notice))
            elif retrying and batch.text:  # the retry worked: its notice no longer applies
                retrying = False
                await write_when_possible(self, partial(self._say, ""))
            now = time.monotonic()
            cost = None
            if batch.cost_usd is not None and now - cost_shown_at >= LIVE_COST_EVERY_S:
                cost_shown_at = now
                cost = f"~{format_usd(batch.cost_usd)}"
            if batch.text:
                await run_in_page(
                    append_script(reply_id, batch.offset, batch.text, cost, batch.block_ends)
                )
            elif cost is not None:
                await run_in_page(cost_script(reply_id, cost))
            finished = batch.finished or finished
        stored = finished.message if finished else chat.message(reply_id) if reply_id else None
        error = finished.error if finished else None
        await watch.ended(stored, error=error, refused=batcher.refused)

        def show_end() -> None:
            if not self._owner:  # Redis lost this page's state: it reconnects, reads it anew
                return
            if stored is not None:
                self._put(message_view(stored))
            if len(self.recent) > RECENT_LIMIT:  # fold now and then: one resend, then small again
                self.history = [*self.history, *self.recent]
                self.recent = []
            if batcher.refused is not None:
                self.notice = batcher.refused.user_message
            elif finished is not None:
                # The last retry notice gives way to the outcome; an error the reply shows
                # under its text is not said twice.
                shown_in_reply = stored is not None and bool(stored.error)
                self.notice = error.user_message if error and not shown_in_reply else ""
            self.streaming = False
            self.streaming_id = 0
            self._show_breaker()
            if self.active_id:
                self._sidebar_line_moved_up(self.active_id)
            self._refresh_branch()
            self._update_actions()
            self._refresh_context()
            budget = finished.budget if finished is not None else None
            if (
                budget is not None
                and stored is not None
                and stored.conversation_id == self.active_id
            ):
                self._show_status(budget)  # read as the reply's cost was stored, just now
            else:
                self._show_budget()
            self._note_shown_now()

        await write_when_possible(self, show_end)  # Redis may be restarting: the page waits
        if stored is not None and stored.cost_is_estimate and stored.id is not None:
            # Cut or broken: its estimate gives way to the billed cost once the upstream's
            # record answers (the reconciliation the reply's end started; maybe done by now).
            await services().reconciler.settled(stored.id, RECONCILE_WAIT_S)
            billed = chat.message(stored.id)
            if billed is not None and not billed.cost_is_estimate:

                def show_billed() -> None:
                    self._put(message_view(billed))
                    self._show_budget()

                await write_when_possible(self, show_billed)
        yield CreditState.refresh  # the key's credit after the reply (at most once a minute)

    def _say(self, notice: str) -> None:
        self.notice = notice

    def _pending_request(self) -> TurnRequest:
        """The turn ``send`` or a reply's button asked for, as the service takes it."""
        kind = TurnKind(self._pending_kind)
        viewer = self._viewer()
        if kind.takes_text:
            return TurnRequest(
                kind,
                conversation_id=self.active_id or None,
                text=self._pending_text,
                target_id=self._pending_target or None,
                # A send answers the branch this page shows (another tab may show another).
                parent_id=(self.leaf_id or None) if kind is TurnKind.SEND else None,
                model=self.model,
                strategy=ContextStrategy(self.context_strategy),
                system_prompt=self.system_prompt,
                viewer=viewer,
            )
        return TurnRequest(kind, target_id=self._pending_target, viewer=viewer)

    def _started(self, started: ReplyStarted) -> None:
        """The words are stored and the reply's row exists: show the path it is on."""
        created = not self.active_id
        if created:
            self.active_id = started.conversation_id
            self._note_showing()
            self.last_opened = str(self.active_id)
        self.streaming_id = started.assistant_message_id  # a continued reply is hidden while live
        self.editing_id = 0
        self.context_notice = started.notice or ""
        user, reply = started.user_message, started.reply
        if user is None or reply is None or not self._show_appended(user, reply):
            self._refresh_branch()
        if created:  # listed at once; an existing one moves up when its reply ends
            self._sidebar_line_moved_up(started.conversation_id, created=True)
        if started.context is not None:
            self._show_context(started.context)

    def _show_budget(self) -> None:
        """Header figures and banners from the database (events publish on a crossing)."""
        self._show_status(services().budget.settle(self.active_id or None))

    def _put(self, view: MessageView) -> None:
        """Show a finished reply: in place when it was there already (a continued reply)."""
        for rows in (self.recent, self.history):
            for index, row in enumerate(rows):
                if row.id == view.id:
                    rows[index] = view
                    return
        self.recent.append(view)

    def _update_actions(self) -> None:
        """Offer Continue and Retry on the path's last reply when it broke off."""
        last = next((r for r in (*self.recent, *self.history) if r.id == self.leaf_id), None)
        if last is None or last.role != "assistant":
            self.action_id, self.can_continue, self.can_retry = 0, False, False
            return
        self.action_id = last.id
        self.can_continue = last.status == "interrupted" and bool(last.content)
        self.can_retry = last.status in ("interrupted", "error")

    def _show_breaker(self) -> None:
        self.breaker_state = breaker_text(services().chat.upstream_status())

    def _viewer(self) -> Viewer:
        """Who the access gate let in on this socket (security/gate.py sets the header)."""
        viewer = Viewer.from_header(self.router.headers.raw_headers.get(VIEWER_HEADER))
        if viewer is None:
            raise NotSignedIn()
        return viewer

    def _is_admin(self) -> bool:
        """Local mode's owner, or an admin of hosted mode (asked afresh, never cached)."""
        viewer = self._viewer()
        return viewer.is_local or services().accounts.users.is_admin(viewer.user_id or 0)

    def _open(self, conversation_id: int) -> None:
        if not conversation_id:
            self._clear()
            return
        try:
            services().access.conversation(self._viewer(), conversation_id)
            view = services().chat.branch(conversation_id, rows=PathRows.newest())
        except NeuralTerminalError as exc:
            self.notice = exc.user_message
            return
        conversation = view.conversation
        self.active_id = conversation_id
        self._note_showing()
        self.title = conversation.title
        self.model = conversation.model
        self.system_prompt = conversation.system_prompt or ""
        self.editing_id = 0
        # Finished turns go to `recent`, so completing a reply never resends the history. A
        # reply still streaming (a reload mid-reply) is drawn live, not from its checkpoint.
        self._show_branch(view, fresh=True)
        self.context_strategy = conversation.context_strategy
        self._show_budget()
        self._update_actions()
        self.last_opened = str(conversation_id)
        self.notice = ""
        self.context_notice = ""
        self._show_model(services().catalogue.get(conversation.model))
        self._refresh_context()

    def _show_message(self, message_id: int) -> None:
        """Show the branch through ``message_id`` (a search hit), if it is in this one."""
        if not self.active_id:
            return
        try:
            view = services().chat.switch(
                self.active_id, message_id, known=self._known_ids(), rows=self._rows()
            )
        except NeuralTerminalError as exc:
            self.notice = exc.user_message
            return
        self._show_branch(view)
        self._update_actions()
        self._refresh_context()

    def _after_system_change(self) -> None:
        """The meter and greying count the new system prompt from the next turn on."""
        self._refresh_context()

    def _refresh_branch(self) -> None:
        """The path on show, its alternatives and costs, after the tree changed."""
        if self.active_id:
            known, rows = self._known_ids(), self._rows()
            self._show_branch(services().chat.branch(self.active_id, known=known, rows=rows))

    def _refresh_context(self) -> None:
        """Meter and greying for what the next request would keep."""
        if not self.active_id:
            self._show_window()
            return
        try:
            context = services().chat.context_preview(self.active_id)
        except NeuralTerminalError:
            return
        self._show_context(context, sent=False)

    def _show_context(self, context: PreparedContext, *, sent: bool = True) -> None:
        self.context_meter = context_meter(context.window, context.prompt_tokens)
        # Two ids, not a flag per row: greying must not resend the history (see transcript.py).
        self.left_out_after = context.left_out_after
        self.left_out_before = context.left_out_before
        if sent and context.elided_tokens and not self.context_notice:
            self.context_notice = elided_notice(context.elided_tokens)

    def _show_window(self) -> None:
        window = services().chat.context_window(self.model) if self.model else None
        self.context_meter = context_meter(window, 0) if window else ""
