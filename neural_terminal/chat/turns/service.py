"""One path for every turn: validate, count once, plan the context once, estimate once,
reserve under the budget lock, store the user's words, then hand back a Turn to iterate.

Nothing is stored or reserved when a turn is refused (bad input, a busy conversation, a
message too large for the window, a limit); the user's words are stored before any request
leaves, and the reply's row exists before its first byte.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from neural_terminal.chat.access import IN_TRASH
from neural_terminal.chat.context.builder import ContextBuilder, ContextPlan
from neural_terminal.chat.spend.reply_accounting import Carried
from neural_terminal.chat.spend.send_limits import SendLimits
from neural_terminal.chat.spend.spending import Preflight, Spending
from neural_terminal.chat.turns.active import BUSY, ActiveTurns
from neural_terminal.chat.turns.prompt import continuation_tail
from neural_terminal.chat.turns.streaming import ReplyStreamer
from neural_terminal.chat.turns.turn import Begun, Turn, TurnKind, TurnRequest
from neural_terminal.domain.conversations import ConversationInfo, MessageStatus, StoredMessage
from neural_terminal.domain.errors import ConversationNotFound, InvalidInput, OverBudget
from neural_terminal.store.conversations.repository import ChatRepository

DEFAULT_TITLE = "New conversation"
TITLE_CHARS = 60
_SIM_DIRECTIVE = re.compile(r"\[\[sim:[a-z]+=[^\]]*\]\]")


@dataclass(frozen=True)
class TurnPreview:
    """What starting a turn now would cost, about, and what would stop or cut it."""

    estimate: Preflight | None
    # Why it would be refused (a limit), or None.
    refused: str | None = None
    # Said when the new message is larger than the window and its middle will be left out.
    notice: str | None = None


@dataclass(frozen=True)
class _Shape:
    """Where a turn's reply goes and what its prompt holds, before anything is stored."""

    conversation: ConversationInfo
    answered: int | None  # the message the reply answers (None: a new root)
    text: str | None
    target: StoredMessage | None
    plan: ContextPlan
    estimate: Preflight | None

    @property
    def notice(self) -> str | None:
        """Said when the message sent will be cut to fit the window."""
        plan = self.plan
        if plan.elide_to is None or plan.new_text is None:
            return None
        elided = plan.new_tokens - plan.elide_to
        return elision_notice(plan.new_tokens, elided, plan.window.tokens)


class TurnService:
    """Starts turns of every kind through one sequence of steps."""

    def __init__(
        self,
        *,
        repository: ChatRepository,
        turns: ActiveTurns,
        context: ContextBuilder,
        streamer: ReplyStreamer,
        max_message_chars: int,
        spending: Spending | None = None,
        send_limits: SendLimits | None = None,
    ) -> None:
        self._repo = repository
        self._turns = turns
        self._context = context
        self._streamer = streamer
        self._max_chars = max_message_chars
        self._spending = spending
        self._send_limits = send_limits

    def validate(self, text: str) -> None:
        """Raise InvalidInput when ``text`` cannot be sent."""
        if not text.strip():
            raise InvalidInput("Type a message first: an empty message is not sent.")
        if len(text) > self._max_chars:
            raise InvalidInput(
                f"This message is {len(text):,} characters; the limit is {self._max_chars:,}. "
                "Shorten it or raise NEURAL_TERMINAL_MAX_MESSAGE_CHARS."
            )

    def preview(self, request: TurnRequest) -> TurnPreview:
        """What starting ``request`` now would cost (estimate None when budgets are not
        wired) and whether a limit would refuse it; nothing is stored or reserved. Raises
        what ``start`` raises before the budget (bad input, a message that cannot fit)."""
        shape = self._shape(request)
        refused = None
        if self._spending is not None and shape.estimate is not None:
            try:
                self._spending.check(shape.conversation.id or None, shape.estimate)
            except OverBudget as exc:
                refused = exc.user_message
        return TurnPreview(shape.estimate, refused, shape.notice)

    def start(self, request: TurnRequest) -> Turn:
        """The turn ``request`` asks for; it begins when it is iterated (see Turn)."""
        return Turn(request, begin=self.begin, context=self._context, streamer=self._streamer)

    async def begin(self, request: TurnRequest) -> Begun:
        """Check, count, plan, estimate, reserve and store: the steps before any request.
        Raises (InvalidInput, ConversationNotFound, ContextTooLarge, OverBudget,
        TooManySends...) with nothing stored and nothing reserved."""
        shape = self._shape(request)
        if self._context.is_unknown(shape.conversation.model):
            # The catalogue has not described the model yet: its window and prices matter.
            await self._context.window(shape.conversation.model)
            shape = self._shape(request)
        viewer = request.viewer
        owner = viewer.user_id if viewer is not None else None
        if owner is not None and self._send_limits is not None:
            self._send_limits.check(owner_id=owner)
        conversation = shape.conversation
        if conversation.id and self._turns.is_active(conversation.id):
            raise InvalidInput(BUSY)  # before any money is set aside
        if not conversation.id:
            if self._spending is not None and shape.estimate is not None:
                self._spending.check(None, shape.estimate)
            conversation = self._repo.create_conversation(
                model=conversation.model,
                title=title_from(shape.text or ""),
                system_prompt=conversation.system_prompt,
                context_strategy=request.strategy,
                owner_id=owner,
            )
        cid = conversation.id
        continued = shape.target if request.kind is TurnKind.CONTINUE else None
        watch = None
        if self._spending is not None and shape.estimate is not None:
            carried = continued.cost_usd if continued is not None else None
            watch = self._spending.open_watch(cid, shape.estimate, carried=carried)
        try:
            await self._turns.claim_shared(cid)
        except BaseException:
            if watch is not None:
                watch.release()
            raise
        try:
            user, reply, carried_state = self._store(request, shape, conversation)
        except BaseException:
            self._turns.end(cid)
            if watch is not None:
                watch.release()
            raise
        return Begun(
            conversation_id=cid,
            user_message=user,
            reply=reply,
            plan=shape.plan,
            carried=carried_state,
            watch=watch,
            turns=self._turns,
            repository=self._repo,
            notice=shape.notice,
        )

    def _store(
        self, request: TurnRequest, shape: _Shape, conversation: ConversationInfo
    ) -> tuple[StoredMessage | None, StoredMessage, Carried]:
        """The user's words (if any) and the reply's row; the reply becomes the active leaf."""
        cid = conversation.id
        if request.kind is TurnKind.CONTINUE:
            assert shape.target is not None
            reopened = self._repo.reopen(message_id=shape.target.id)
            self._repo.set_active_leaf(conversation_id=cid, leaf_id=reopened.id)
            return None, reopened, Carried.of(reopened)
        window = shape.plan.window
        user, reply = self._repo.add_exchange(
            conversation_id=cid,
            parent_id=shape.answered,
            user_text=shape.text,
            user_token_count=shape.plan.new_tokens if shape.text is not None else None,
            token_encoding=window.encoding if shape.text is not None else None,
            reply_model=conversation.model,
        )
        first_words = shape.text is not None and shape.answered is None
        if first_words and shape.text and conversation.title == DEFAULT_TITLE:
            self._repo.update_conversation(conversation_id=cid, title=title_from(shape.text))
        return user, reply, Carried()

    def _shape(self, request: TurnRequest) -> _Shape:
        kind = request.kind
        target = None
        text = None
        if kind.takes_text:
            text = request.text or ""
            self.validate(text)
        if kind is TurnKind.SEND:
            conversation = self._send_into(request)
            answered = (
                request.parent_id if request.parent_id is not None else conversation.active_leaf_id
            )
        else:
            target, conversation = self._target(request)
            _check_target(kind, target)
            answered = target.parent_id
        tail = continuation_tail(target.content) if kind is TurnKind.CONTINUE and target else ()
        window = self._context.window_now(conversation.model)
        new = None
        if text is not None:
            new = (text, self._context.counter.count_message("user", text, window.encoding))
        plan = self._context.plan(
            conversation, leaf_id=answered, new_message=new, tail=tail, window=window
        )
        estimate = None
        if self._spending is not None:
            estimate = self._spending.priced(conversation.model, plan.tokens)
        return _Shape(conversation, answered, text, target, plan, estimate)

    def _send_into(self, request: TurnRequest) -> ConversationInfo:
        if not request.conversation_id:
            return ConversationInfo(
                id=0,
                title=DEFAULT_TITLE,
                model=request.model,
                system_prompt=(request.system_prompt or "").strip() or None,
                context_strategy=request.strategy.value,
            )
        conversation = self._conversation(request.conversation_id, request)
        if request.parent_id is not None:
            parent = self._repo.get_message(message_id=request.parent_id)
            if parent is None or parent.conversation_id != conversation.id:
                raise InvalidInput("That message is not in this conversation.")
        return conversation

    def _conversation(
        self,
        conversation_id: int,
        request: TurnRequest,
        *,
        missing: ConversationNotFound | None = None,
    ) -> ConversationInfo:
        """The viewer's conversation (else ``missing``, read once), refused in the trash."""
        conversation = self._repo.get_conversation(conversation_id=conversation_id)
        viewer = request.viewer
        if conversation is None or (viewer is not None and not viewer.owns(conversation.owner_id)):
            raise missing or ConversationNotFound(detail=f"conversation_id={conversation_id}")
        if conversation.deleted_at is not None:  # a tab still showing it: nothing goes in
            raise ConversationNotFound(IN_TRASH, detail=f"conversation_id={conversation_id}")
        return conversation

    def _target(self, request: TurnRequest) -> tuple[StoredMessage, ConversationInfo]:
        """The message acted on and its conversation; someone else's answers like a
        missing one."""
        missing = ConversationNotFound(
            "That message does not exist.", detail=f"message_id={request.target_id}"
        )
        if request.target_id is None:
            raise missing
        message = self._repo.get_message(message_id=request.target_id)
        if message is None:
            raise missing
        return message, self._conversation(message.conversation_id, request, missing=missing)


def _check_target(kind: TurnKind, target: StoredMessage) -> None:
    """Refuse a target the kind cannot act on, in words."""
    if kind is TurnKind.EDIT:
        if target.role != "user":
            raise InvalidInput("Only your own messages can be edited.")
        return
    if target.role != "assistant":
        raise InvalidInput("Only a reply can be regenerated, retried or continued.")
    if target.status == MessageStatus.STREAMING.value:
        raise InvalidInput(BUSY)
    if kind is TurnKind.RETRY and target.status not in (
        MessageStatus.INTERRUPTED.value,
        MessageStatus.ERROR.value,
    ):
        raise InvalidInput(f"This reply is {target.status}; it cannot be retried.")
    if kind is TurnKind.CONTINUE and (
        target.status != MessageStatus.INTERRUPTED.value or not target.content
    ):
        raise InvalidInput(f"This reply is {target.status}; it cannot be continued.")


def elision_notice(tokens: int, elided: int, window: int) -> str:
    """What the user reads when their message is cut to fit the window."""
    return (
        f"This message is {tokens:,} tokens and the model's window holds {window:,}: "
        f"about {elided:,} tokens from its middle are left out (marked in what the model "
        "reads). Your full text is kept."
    )


def title_from(text: str) -> str:
    """A conversation's title from its first message: one line, simulator directives left
    out, at most TITLE_CHARS characters."""
    line = " ".join(_SIM_DIRECTIVE.sub(" ", text).split()) or DEFAULT_TITLE
    return line if len(line) <= TITLE_CHARS else line[: TITLE_CHARS - 1] + "…"
