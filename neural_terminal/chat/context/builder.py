"""The context window: which stored messages go into the next prompt, counted exactly.

A prompt is built from one path of the conversation's tree: the root down to the message
being answered; other branches never enter it. Sliding window keeps the system prompt and the
newest exchanges that fit, with one marker where older ones were left out. Bookends also keep
the first exchange and put a cached, model-written summary where the middle was. A message too
large for the whole window keeps its start and end around a visible marker. Choices are made
from stored per-message counts; the recipe's count is additive per message, so the payload's
total is exact without encoding the history again.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from neural_terminal.chat.bus import EventBus
from neural_terminal.chat.context.counted_rows import CountedRows
from neural_terminal.chat.context.elide import elide_middle
from neural_terminal.chat.context.summaries import Summariser
from neural_terminal.chat.context.units import CountedRow, Unit, first_unit, units_newest_first
from neural_terminal.chat.context.window import Window, WindowPolicy, window_for
from neural_terminal.domain.chat import PromptMessage, Role
from neural_terminal.domain.conversations import ContextStrategy, ConversationInfo
from neural_terminal.domain.errors import ContextTooLarge, NeuralTerminalError
from neural_terminal.domain.events import ContextTruncated
from neural_terminal.domain.models import ModelInfo
from neural_terminal.store.conversations.context_store import ContextStore
from neural_terminal.store.tables import Summary
from neural_terminal.tokens.counter import REPLY_PRIMER_TOKENS, TokenCounter

logger = logging.getLogger(__name__)

MARKER = (
    "[{n:,} earlier messages of this conversation were left out here to fit the model's "
    "context window.]"
)
SUMMARY = "[Summary of {n:,} earlier messages left out here to fit the context window:]\n{text}"
# The summary request leaves room for the header the summary is shown under.
SUMMARY_FRAMING = 40
# The first exchange of a path lies within this many messages of its root (a question and
# its reply; more only for replies written before any question, e.g. imported ones).
HEAD_DEPTH = 16
# Below this many tokens of its own, an elided message says too little to be worth sending.
MIN_MESSAGE_TOKENS = 32


class Catalogue(Protocol):
    """What the builder needs from the model catalogue."""

    def get(self, model_id: str) -> ModelInfo | None:
        """A model from the cached list, or None."""
        ...

    async def models(self, *, refresh: bool = False) -> list[ModelInfo]:
        """Fetch the list when stale."""
        ...


@dataclass(frozen=True)
class PreparedContext:
    """The prompt for one request, its exact token count, and what was left out."""

    messages: tuple[PromptMessage, ...]
    prompt_tokens: int
    window: Window
    strategy: str
    dropped_messages: int = 0
    # Messages with ``left_out_after < id < left_out_before`` are not in the prompt.
    left_out_after: int = 0
    left_out_before: int = 0
    summary_id: int | None = None
    elided_tokens: int = 0

    @property
    def truncated(self) -> bool:
        """True when anything was left out or cut."""
        return self.dropped_messages > 0 or self.elided_tokens > 0

    def in_context(self, message_id: int) -> bool:
        """Whether message ``message_id`` is (part of) the prompt."""
        return not self.left_out_after < message_id < self.left_out_before


@dataclass
class ContextPlan:
    """Units of one path chosen for a prompt, before their text is loaded: what an estimate
    needs (``tokens``), and what ``ContextBuilder.finish`` turns into the prompt."""

    conversation: ConversationInfo
    leaf_id: int | None
    window: Window
    system: str | None
    system_tokens: int
    recent: list[Unit]  # oldest first
    # Sent after the path (Continue's instruction and partial reply), with their tokens.
    tail: tuple[PromptMessage, ...] = ()
    tail_tokens: int = 0
    path_length: int = 0
    # The user message being sent, not stored yet when the plan is made: its text, and the
    # stand-in id it has in the plan (after every stored message of the path).
    new_text: str | None = None
    new_id: int | None = None
    new_tokens: int = 0
    head: list[Unit] = field(default_factory=list)
    gap: tuple[int, int] | None = None  # ids (after, before) left out
    bridge: str | None = None  # the marker or summary message between head and recent
    bridge_tokens: int = 0
    dropped: int = 0
    summary_id: int | None = None
    # Bookends whose summary is still to be written: its message range, and the summary it
    # may build on.
    summary_range: tuple[int, int] | None = None
    summary_base: Summary | None = None
    elide_to: int | None = None  # content tokens the newest message is cut to
    elided: int = 0  # tokens the cut removed from the newest message's stored count
    # The newest message as cut, made with the plan so that an estimate (the composer's
    # preview, the reservation) counts what is sent, not the whole message.
    cut_text: str | None = None

    @property
    def tokens(self) -> int:
        units = sum(u.tokens for u in self.head) + sum(u.tokens for u in self.recent)
        body = units - self.elided
        fixed = REPLY_PRIMER_TOKENS + self.system_tokens + self.tail_tokens
        return fixed + self.bridge_tokens + body


@dataclass(frozen=True)
class _Fit:
    """The newest exchanges that fit a budget, and the first one that did not."""

    kept: list[Unit]  # newest first
    newest: Unit | None
    overflow: Unit | None
    newest_row_id: int


class ContextBuilder:
    """Prepares the prompt of the next request in a conversation."""

    def __init__(
        self,
        *,
        store: ContextStore,
        counter: TokenCounter,
        catalogue: Catalogue,
        bus: EventBus,
        policy: WindowPolicy,
        summariser: Summariser | None = None,
        rows: CountedRows | None = None,
    ) -> None:
        self._store = store
        self._counter = counter
        self._catalogue = catalogue
        self._bus = bus
        self._policy = policy
        self._summariser = summariser
        self._rows = rows or CountedRows(store=store, counter=counter)

    @property
    def counter(self) -> TokenCounter:
        """The token counter contexts are measured with."""
        return self._counter

    async def window(self, model: str, max_tokens: int | None = None) -> Window:
        """The window of ``model``, fetching the catalogue if it does not know the model yet."""
        if self._catalogue.get(model) is None:
            with contextlib.suppress(NeuralTerminalError):
                await self._catalogue.models()
        return self.window_now(model, max_tokens)

    def is_unknown(self, model: str) -> bool:
        """True while the catalogue (as last fetched) does not describe ``model``."""
        return self._catalogue.get(model) is None

    def window_now(self, model: str, max_tokens: int | None = None) -> Window:
        """The window of ``model`` from the catalogue as last fetched."""
        info = self._catalogue.get(model)
        scheme = self._counter.scheme(model)
        return window_for(model, info, scheme, self._policy, max_tokens=max_tokens)

    def plan(
        self,
        conversation: ConversationInfo,
        *,
        leaf_id: int | None,
        new_message: tuple[str, int] | None = None,
        tail: Sequence[PromptMessage] = (),
        window: Window | None = None,
    ) -> ContextPlan:
        """Choose, from stored counts, what of the path to ``leaf_id`` goes into the prompt
        answering it, or answering ``new_message`` (its text and tokens, counted once by the
        caller) sent under it; ContextTooLarge when even the message answered cannot fit."""
        window = window or self.window_now(conversation.model)
        encoding = window.encoding
        tail_tokens = sum(self._counter.count_message(m.role, m.content, encoding) for m in tail)
        return self._plan(
            conversation,
            window,
            leaf_id,
            tuple(tail),
            tail_tokens,
            pending=True,
            new_message=new_message,
        )

    async def finish(self, plan: ContextPlan) -> PreparedContext:
        """The prompt of a plan: writes the bookends summary it needs (a request upstream),
        loads the chosen texts; publishes ContextTruncated when anything was left out."""
        if plan.summary_range is not None:
            plan = await self._summarise(plan)
        context = self._assemble(plan)
        if context.truncated:
            self._bus.publish(
                ContextTruncated(
                    plan.conversation.id,
                    context.dropped_messages,
                    context.prompt_tokens,
                    plan.window.tokens,
                )
            )
        return context

    async def prepare(
        self,
        conversation: ConversationInfo,
        *,
        leaf_id: int | None = None,
        tail: Sequence[PromptMessage] = (),
        max_tokens: int | None = None,
    ) -> PreparedContext:
        """The prompt answering ``leaf_id`` (None: the active leaf as stored now), planned
        and finished in one go."""
        window = await self.window(conversation.model, max_tokens)
        leaf = (
            leaf_id
            if leaf_id is not None
            else self._store.active_leaf(conversation_id=conversation.id)
        )
        plan = self.plan(conversation, leaf_id=leaf, tail=tail, window=window)
        return await self.finish(plan)

    def preview(
        self, conversation: ConversationInfo, leaf_id: int | None = None
    ) -> PreparedContext:
        """What the next request on the path to ``leaf_id`` (None: the active leaf as stored
        now) would keep of it (no summary is written)."""
        window = self.window_now(conversation.model)
        leaf = (
            leaf_id
            if leaf_id is not None
            else self._store.active_leaf(conversation_id=conversation.id)
        )
        plan = self._plan(conversation, window, leaf, (), 0, pending=False)
        if plan.summary_range is not None:
            # An unwritten summary is estimated at its budget.
            plan.bridge_tokens = self._summary_budget(window)
        return self._result(plan, ())

    # -- choosing ---------------------------------------------------------------------------

    def _plan(
        self,
        conversation: ConversationInfo,
        window: Window,
        leaf_id: int | None,
        tail: tuple[PromptMessage, ...],
        tail_tokens: int,
        *,
        pending: bool,
        strategy: str | None = None,
        new_message: tuple[str, int] | None = None,
    ) -> ContextPlan:
        strategy = strategy or conversation.context_strategy
        system_tokens = self._system_tokens(conversation.system_prompt, window)
        budget = window.tokens - REPLY_PRIMER_TOKENS - system_tokens - tail_tokens
        rows = self._rows.newest_first(leaf_id, window.encoding)
        path_length = self._store.depth(message_id=leaf_id) + 1
        new_id = None
        if new_message is not None:
            new_id = (leaf_id or 0) + 1
            rows = itertools.chain([CountedRow(new_id, "user", new_message[1])], rows)
            path_length += 1
        fit = _fit_newest(units_newest_first(rows), budget)
        base = ContextPlan(
            conversation,
            leaf_id,
            window,
            conversation.system_prompt,
            system_tokens,
            recent=fit.kept[::-1],
            tail=tail,
            tail_tokens=tail_tokens,
            path_length=path_length,
            new_text=new_message[0] if new_message is not None else None,
            new_id=new_id,
            new_tokens=new_message[1] if new_message is not None else 0,
        )
        if fit.overflow is None:
            return base
        if strategy == ContextStrategy.BOOKENDS.value:
            plan = self._bookends(base, fit, budget, pending=pending)
            if plan is not None:
                return plan
        return self._sliding(base, fit, budget, pending=pending)

    def _sliding(self, plan: ContextPlan, fit: _Fit, budget: int, *, pending: bool) -> ContextPlan:
        kept = list(fit.kept)
        room = budget - self._marker_reserve(plan.window)
        total = sum(u.tokens for u in kept)
        while kept and total > room:
            total -= kept.pop().tokens
        if pending and not kept and fit.newest is not None:
            # The message being sent is larger than the whole window on its own.
            content = room - self._counter.count_message("user", "", plan.window.encoding)
            if content < MIN_MESSAGE_TOKENS:
                raise ContextTooLarge(detail=f"window={plan.window.tokens} room={content}")
            kept, plan.elide_to = [fit.newest], content
            self._cut_newest(plan, fit.newest)
        before = kept[-1].first_id if kept else fit.newest_row_id + 1
        dropped = plan.path_length - _rows(kept)
        plan.recent = kept[::-1]
        plan.gap = (0, before)
        plan.dropped = dropped
        if dropped:
            plan.bridge = MARKER.format(n=dropped)
            plan.bridge_tokens = self._counter.count_message(
                "system", plan.bridge, plan.window.encoding
            )
        return plan

    def _cut_newest(self, plan: ContextPlan, newest: Unit) -> None:
        """Cut the middle out of the newest message (the one being sent, or the stored one
        answered) to ``plan.elide_to`` tokens, and count what the cut removed."""
        assert plan.elide_to is not None
        message_id = newest.prompt_ids[-1]
        if message_id == plan.new_id and plan.new_text is not None:
            text = plan.new_text
        else:
            text = self._store.contents([message_id])[message_id]
        role = next(row.role for row in newest.rows if row.id == message_id)
        encoding = plan.window.encoding
        cut = elide_middle(self._counter, text, plan.elide_to, encoding)
        if cut is None:
            raise ContextTooLarge(detail=f"window={plan.window.tokens}")
        plan.cut_text = cut
        plan.elided = newest.tokens - self._counter.count_message(_role(role), cut, encoding)

    def _bookends(
        self, plan: ContextPlan, fit: _Fit, budget: int, *, pending: bool
    ) -> ContextPlan | None:
        """Head + summary + recent, or None when bookends cannot do better than sliding."""
        if plan.leaf_id is None:
            return None
        rows = self._rows.head(plan.leaf_id, plan.window.encoding, max_depth=HEAD_DEPTH)
        if plan.new_id is not None and len(rows) == plan.path_length - 1:
            rows.append(CountedRow(plan.new_id, "user", plan.new_tokens))  # a short path
        found = _head(rows)
        if found is None:
            return None
        head, first_dropped = found
        if fit.overflow is None:
            return None
        summary_budget = self._summary_budget(plan.window)
        room = budget - head.tokens - summary_budget
        recent: list[Unit] = []
        total = 0
        for unit in fit.kept:
            if unit.first_id <= head.last_id or total + unit.tokens > room:
                break
            recent.append(unit)
            total += unit.tokens
        if pending and not recent:
            return None
        # Drop some more when writing a new summary, so the next turns can reuse it.
        slack = list(recent)
        while len(slack) > 1 and total > room * (1 - self._policy.bookends_slack):
            total -= slack.pop().tokens
        min_last = _newest_dropped(fit, len(recent)).last_id
        slack_last = _newest_dropped(fit, len(slack)).last_id
        plan.head = [head]
        cached = self._store.widest_summary(
            conversation_id=plan.conversation.id,
            first_message_id=first_dropped,
            up_to=slack_last,
            leaf_id=plan.leaf_id,
        )
        if cached is not None and cached.last_message_id >= min_last:
            recent = [u for u in recent if u.first_id > cached.last_message_id]
            self._bridge_summary(plan, cached)
        else:
            recent = slack
            # Written by prepare(), estimated by preview().
            plan.summary_range = (first_dropped, slack_last)
            plan.summary_base = cached
        plan.recent = recent[::-1]
        before = recent[-1].first_id if recent else fit.newest_row_id + 1
        plan.gap = (head.last_id, before)
        plan.dropped = plan.path_length - _rows([head, *recent])
        return plan

    async def _summarise(self, plan: ContextPlan) -> ContextPlan:
        """Write the summary of the planned gap, or fall back to sliding when that fails."""
        conversation = plan.conversation
        cid = conversation.id
        assert plan.summary_range is not None
        first, last = plan.summary_range
        if self._summariser is not None:
            segment = self._store.path_segment(first_id=first, last_id=last)
            try:
                summary = await self._summariser.summarise(
                    conversation_id=cid,
                    model=self._policy.summary_model or conversation.model,
                    segment=segment,
                    message_count=plan.dropped,
                    max_tokens=max(16, self._summary_budget(plan.window) - SUMMARY_FRAMING),
                    base=plan.summary_base,
                    window_of=self.window,
                )
            except NeuralTerminalError as exc:
                logger.warning("summary of conversation %s failed, sliding instead: %s", cid, exc)
            else:
                self._bridge_summary(plan, summary)
                plan.summary_range = None
                return plan
        new = (plan.new_text, plan.new_tokens) if plan.new_text is not None else None
        return self._plan(
            conversation,
            plan.window,
            plan.leaf_id,
            plan.tail,
            plan.tail_tokens,
            pending=True,
            strategy=ContextStrategy.SLIDING.value,
            new_message=new,
        )

    def _bridge_summary(self, plan: ContextPlan, summary: Summary) -> None:
        encoding = plan.window.encoding
        budget = self._summary_budget(plan.window)
        header = SUMMARY.format(n=summary.message_count, text="")
        room = budget - self._counter.count_message("system", header, encoding)
        text = elide_middle(self._counter, summary.content, max(room, 0), encoding) or ""
        plan.bridge = SUMMARY.format(n=summary.message_count, text=text)
        plan.bridge_tokens = self._counter.count_message("system", plan.bridge, encoding)
        plan.summary_id = summary.id

    # -- assembling -------------------------------------------------------------------------

    def _assemble(self, plan: ContextPlan) -> PreparedContext:
        units = [*plan.head, *plan.recent]
        ids = [i for unit in units for i in unit.prompt_ids]
        texts = self._store.contents(i for i in ids if i != plan.new_id)
        if plan.new_id is not None and plan.new_text is not None:
            texts[plan.new_id] = plan.new_text
        roles = {row.id: row.role for unit in units for row in unit.rows}
        body = [PromptMessage(_role(roles[i]), texts[i]) for i in ids]
        if plan.cut_text is not None and body:
            body[-1] = PromptMessage(body[-1].role, plan.cut_text)
        messages: list[PromptMessage] = []
        if plan.system:
            messages.append(PromptMessage("system", plan.system))
        head_count = sum(len(u.prompt_ids) for u in plan.head)
        messages.extend(body[:head_count])
        if plan.bridge is not None:
            messages.append(PromptMessage("system", plan.bridge))
        messages.extend(body[head_count:])
        messages.extend(plan.tail)
        result = self._result(plan, tuple(messages))
        if result.prompt_tokens > plan.window.tokens:  # a bug, not a user error: say so loudly
            raise ContextTooLarge(
                detail=f"prepared {result.prompt_tokens} tokens for a {plan.window.tokens} window"
            )
        return result

    def _result(self, plan: ContextPlan, messages: tuple[PromptMessage, ...]) -> PreparedContext:
        after, before = plan.gap if plan.gap is not None and plan.dropped else (0, 0)
        return PreparedContext(
            messages=messages,
            prompt_tokens=plan.tokens,
            window=plan.window,
            strategy=plan.conversation.context_strategy,
            dropped_messages=max(plan.dropped, 0),
            left_out_after=after,
            left_out_before=before,
            summary_id=plan.summary_id if plan.bridge is not None else None,
            elided_tokens=plan.elided,
        )

    # -- small measures ---------------------------------------------------------------------

    def _system_tokens(self, system_prompt: str | None, window: Window) -> int:
        if not system_prompt:
            return 0
        return self._counter.count_message("system", system_prompt, window.encoding)

    def _marker_reserve(self, window: Window) -> int:
        return self._counter.count_message("system", MARKER.format(n=10**9), window.encoding)

    def _summary_budget(self, window: Window) -> int:
        return min(self._policy.summary_max_tokens, window.tokens // 8)


def _head(rows: list[CountedRow]) -> tuple[Unit, int] | None:
    """The path's first exchange and the id of the message after it."""
    unit = first_unit(rows)
    return (unit, rows[len(unit.rows)].id) if unit is not None else None


def _fit_newest(units: Iterator[Unit], budget: int) -> _Fit:
    kept: list[Unit] = []
    newest: Unit | None = None
    total = 0
    for unit in units:
        if newest is None:
            newest = unit
        if total + unit.tokens > budget:
            return _Fit(kept, newest, unit, newest.last_id)
        kept.append(unit)
        total += unit.tokens
    return _Fit(kept, newest, None, newest.last_id if newest else 0)


def _newest_dropped(fit: _Fit, kept: int) -> Unit:
    """The newest exchange left out when only the ``kept`` newest ones stay."""
    if kept < len(fit.kept):
        return fit.kept[kept]
    assert fit.overflow is not None
    return fit.overflow


def _rows(units: list[Unit]) -> int:
    return sum(len(unit.rows) for unit in units)


def _role(role: str) -> Role:
    return "user" if role == "user" else "assistant"
